//! The PermissionOracle over `iam:SimulatePrincipalPolicy`: AWS itself evaluates the caller's
//! policies (including permission boundaries) for each resource's relevant actions. Resources
//! with the same kind, region and tags share one request context, so they are simulated in one
//! batch. Where the API is missing (moto) or denied, [`AutoOracle`] falls back to the local
//! evaluator.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::{ContextEntry, ContextKeyTypeEnum, PolicyEvaluationDecisionType};
use cloudops_domain::{IamAction, IamPermissions, PermissionVerdict, PrincipalKind, Resource};
use cloudops_ports::{CallerIdentity, PermissionOracle, PortError, PortResult};
use tokio::sync::Mutex;

use crate::errors::port_error;
use crate::permissions::{LocalPolicyOracle, entity_name, principal_of};
use crate::{AwsConfigFiles, sdk_config};

/// Resource ARNs per simulation call (the API's limit is generous; smaller calls retry cheaper).
const RESOURCES_PER_CALL: usize = 20;
/// Throttled calls are retried this many times, with exponential backoff.
const THROTTLE_RETRIES: u32 = 5;

#[derive(Debug, Default)]
pub struct SimulatedPolicyOracle {
    files: AwsConfigFiles,
}

impl SimulatedPolicyOracle {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self { files }
    }
}

/// The IAM principal to simulate: the role behind an assumed-role session, else the caller.
pub fn policy_source_arn(identity: &CallerIdentity) -> String {
    let principal = principal_of(&identity.principal_arn);
    match (principal.kind, entity_name(&principal)) {
        (PrincipalKind::AssumedRole, Some(role)) => format!("arn:aws:iam::{}:role/{role}", identity.account_id),
        _ => identity.principal_arn.clone(),
    }
}

fn context_entries(r: &Resource) -> Vec<ContextEntry> {
    let entry = |key: String, value: &str| {
        ContextEntry::builder()
            .context_key_name(key)
            .context_key_type(ContextKeyTypeEnum::String)
            .context_key_values(value)
            .build()
    };
    let mut out = vec![entry("aws:RequestedRegion".into(), r.region.as_str())];
    out.extend(r.tags.iter().map(|(k, v)| entry(format!("aws:ResourceTag/{k}"), v)));
    out
}

fn verdict(decision: &PolicyEvaluationDecisionType, missing_context: bool) -> PermissionVerdict {
    match decision {
        PolicyEvaluationDecisionType::Allowed if missing_context => PermissionVerdict::Unknown,
        PolicyEvaluationDecisionType::Allowed => PermissionVerdict::Allowed,
        PolicyEvaluationDecisionType::ExplicitDeny => PermissionVerdict::ExplicitDeny,
        PolicyEvaluationDecisionType::ImplicitDeny if missing_context => PermissionVerdict::Unknown,
        PolicyEvaluationDecisionType::ImplicitDeny => PermissionVerdict::ImplicitDeny,
        _ => PermissionVerdict::Unknown,
    }
}

fn is_throttle(detail: &str) -> bool {
    detail.contains("Throttling") || detail.contains("Rate exceeded")
}

#[async_trait]
impl PermissionOracle for SimulatedPolicyOracle {
    async fn evaluate(&self, identity: &CallerIdentity, resources: &[Resource]) -> PortResult<Vec<IamPermissions>> {
        let principal = principal_of(&identity.principal_arn);
        let source = policy_source_arn(identity);
        let config = sdk_config(&self.files, &identity.profile.0, None).await;
        // No SDK retries: an account without the API answers 5xx, and retrying that only delays
        // the fallback. Throttling is retried below, with backoff.
        let iam = Client::from_conf(
            aws_sdk_iam::config::Builder::from(&config).retry_config(RetryConfig::disabled()).build(),
        );
        let profile = identity.profile.0.as_str();

        // Group resources that share a request context: (kind, region, tags).
        let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, r) in resources.iter().enumerate() {
            let key = format!("{}|{}|{:?}", r.kind, r.region, r.tags);
            groups.entry(key).or_default().push(i);
        }
        let mut out: Vec<IamPermissions> = resources
            .iter()
            .map(|_| IamPermissions { principal: Some(principal.clone()), ..Default::default() })
            .collect();
        for members in groups.values() {
            let first = &resources[members[0]];
            let actions: Vec<String> =
                cloudops_domain::iam::relevant_actions(first.kind).iter().map(|a| (*a).to_owned()).collect();
            for chunk in members.chunks(RESOURCES_PER_CALL) {
                let arns: Vec<String> = chunk.iter().map(|&i| resources[i].arn.to_string()).collect();
                let index: BTreeMap<&str, usize> = chunk.iter().map(|&i| (resources[i].arn.as_str(), i)).collect();
                let mut marker: Option<String> = None;
                loop {
                    let mut attempt = 0;
                    let page = loop {
                        let sent = iam
                            .simulate_principal_policy()
                            .policy_source_arn(&source)
                            .set_action_names(Some(actions.clone()))
                            .set_resource_arns(Some(arns.clone()))
                            .set_context_entries(Some(context_entries(first)))
                            .set_marker(marker.clone())
                            .send()
                            .await;
                        match sent {
                            Ok(page) => break page,
                            Err(e) => {
                                // A server error without an AWS error code is not AWS having a bad
                                // moment but an endpoint without this API (moto answers an HTML
                                // 500): say so, so the caller evaluates locally from then on.
                                if let SdkError::ServiceError(s) = &e
                                    && e.code().is_none()
                                    && s.raw().status().is_server_error()
                                {
                                    return Err(PortError::Other(format!(
                                        "iam:SimulatePrincipalPolicy for profile '{profile}' is not implemented by this endpoint (HTTP {})",
                                        s.raw().status().as_u16()
                                    )));
                                }
                                let err = port_error("iam:SimulatePrincipalPolicy", profile, e);
                                if attempt < THROTTLE_RETRIES && is_throttle(&err.to_string()) {
                                    attempt += 1;
                                    tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
                                    continue;
                                }
                                return Err(err);
                            }
                        }
                    };
                    for result in page.evaluation_results() {
                        let Some(&i) = result.eval_resource_name().and_then(|n| index.get(n)) else { continue };
                        let Ok(action) = result.eval_action_name().parse::<IamAction>() else { continue };
                        let v = verdict(result.eval_decision(), !result.missing_context_values().is_empty());
                        let perms = &mut out[i];
                        match v {
                            PermissionVerdict::Allowed => perms.allowed.insert(action),
                            PermissionVerdict::ExplicitDeny => perms.denied_explicit.insert(action),
                            PermissionVerdict::ImplicitDeny => perms.denied_implicit.insert(action),
                            PermissionVerdict::Unknown => perms.unknown.insert(action),
                        };
                    }
                    match (page.is_truncated(), page.marker()) {
                        (true, Some(m)) => marker = Some(m.to_owned()),
                        _ => break,
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Simulation where the account offers it, the local evaluator where it does not: the first
/// failure of `iam:SimulatePrincipalPolicy` for an account (not implemented, denied, broken
/// response) switches that account to local evaluation for the rest of this oracle's life.
#[derive(Debug, Default)]
pub struct AutoOracle {
    simulated: SimulatedPolicyOracle,
    local: LocalPolicyOracle,
    local_accounts: Mutex<Vec<String>>,
}

impl AutoOracle {
    pub fn new(files: AwsConfigFiles) -> Self {
        Self {
            simulated: SimulatedPolicyOracle::new(files.clone()),
            local: LocalPolicyOracle::new(files),
            local_accounts: Mutex::default(),
        }
    }
}

#[async_trait]
impl PermissionOracle for AutoOracle {
    async fn evaluate(&self, identity: &CallerIdentity, resources: &[Resource]) -> PortResult<Vec<IamPermissions>> {
        let account = identity.account_id.to_string();
        if !self.local_accounts.lock().await.contains(&account) {
            match self.simulated.evaluate(identity, resources).await {
                Ok(perms) => return Ok(perms),
                Err(PortError::Unavailable { .. }) => {} // network: let the local path report it
                Err(e) => {
                    tracing::info!(account = %account, error = %e, "SimulatePrincipalPolicy unavailable; evaluating policies locally");
                    self.local_accounts.lock().await.push(account);
                }
            }
        }
        self.local.evaluate(identity, resources).await
    }
}

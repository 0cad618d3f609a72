//! Elastic Load Balancing v2: load balancers with tags, attributes and registered targets.
//!
//! Listing the load balancers is the scope's one list call. Everything else is read per
//! resource and fails alone: tags (in batches of 20), attributes, and targets. Target groups
//! are listed once per region and joined to their load balancers by `LoadBalancerArns`
//! (asking per load balancer is an N+1, and answers TargetGroupNotFound for a load balancer
//! that has none, as a freshly created one does).

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancer, TargetGroup};
use cloudops_domain::{Dependency, Facet, Relation, Resource, ResourceKind, Tags, constraints};
use cloudops_ports::{PortError, PortResult};
use futures::StreamExt;

use super::{ScanContext, tags};

/// DescribeTags takes at most 20 ARNs per call.
const TAGS_PER_CALL: usize = 20;
/// Per-resource calls of this scope in flight at once (the account-wide limit also applies).
const FANOUT: usize = 8;

/// Registered target ids of one target group, or why they could not be read.
type Health = Result<Vec<String>, PortError>;

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let client = Client::from_conf(ctx.counted(aws_sdk_elasticloadbalancingv2::config::Builder::from(config)).build());
    let lbs = client
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("elasticloadbalancing:DescribeLoadBalancers", e))?;
    if lbs.is_empty() {
        return Ok(Vec::new());
    }
    let arns: Vec<String> = lbs.iter().filter_map(|lb| lb.load_balancer_arn().map(str::to_owned)).collect();
    let tag_sets = tag_sets(&client, ctx, &arns).await;
    let (groups, health) = target_groups(&client, ctx).await;

    let mut out = Vec::new();
    // Owned items: a stream of borrows is not `Send` in the port's boxed future.
    let client = &client;
    let mut built = futures::stream::iter(lbs)
        .map(|lb| async move { load_balancer(client, ctx, &lb).await })
        .buffer_unordered(FANOUT);
    while let Some(r) = built.next().await {
        let Some(mut r) = r? else { continue };
        let arn = r.arn.to_string();
        match tag_sets.get(&arn) {
            Some(Ok(t)) => {
                r.tags = t.without_name();
            }
            Some(Err(e)) => ctx.unknown(&mut r, Facet::Tags, e),
            None => {}
        }
        match &groups {
            Ok(groups) => add_targets(ctx, &mut r, groups.iter().filter(|g| serves(g, &arn)), &health),
            Err(e) => ctx.unknown(&mut r, Facet::Targets, e),
        }
        r.constraints = constraints::derive(&r, 0);
        out.push(r);
    }
    Ok(out)
}

/// The load balancer's own facts and attributes (tags and targets are joined by the caller).
async fn load_balancer(client: &Client, ctx: &ScanContext, lb: &LoadBalancer) -> PortResult<Option<Resource>> {
    let (Some(name), Some(arn)) = (lb.load_balancer_name(), lb.load_balancer_arn()) else { return Ok(None) };
    let state = lb.state().and_then(|s| s.code()).map_or("unknown", |c| c.as_str());
    let mut r = ctx.resource(ResourceKind::LoadBalancer, Some(arn), name, name, state, Tags::new())?;
    r.name = Some(name.to_owned());
    r.config.instance_type = lb.r#type().map(|t| t.as_str().to_owned());
    r.config.publicly_accessible = lb.scheme().map(|s| s.as_str() == "internet-facing");
    if let Some(dns) = lb.dns_name() {
        r.config.extra.insert("DNSName".into(), dns.into());
    }
    for g in lb.security_groups() {
        let arn = ctx.ec2_arn("security-group", g);
        r.dependencies.extend(arn.map(|arn| Dependency { relation: Relation::UsesSecurityGroup, arn }));
    }
    let attributes = {
        let _permit = ctx.permit().await;
        client.describe_load_balancer_attributes().load_balancer_arn(arn).send().await
    };
    match attributes {
        Ok(a) => {
            r.config.deletion_protection = Some(
                a.attributes()
                    .iter()
                    .any(|a| a.key() == Some("deletion_protection.enabled") && a.value() == Some("true")),
            );
        }
        Err(e) => {
            let e = ctx.error("elasticloadbalancing:DescribeLoadBalancerAttributes", e);
            ctx.unknown(&mut r, Facet::Attributes, &e);
        }
    }
    Ok(Some(r))
}

/// Tags of every load balancer, by ARN; a failed batch gives its ARNs the error.
async fn tag_sets(client: &Client, ctx: &ScanContext, arns: &[String]) -> BTreeMap<String, Result<Tags, PortError>> {
    let mut out = BTreeMap::new();
    for chunk in arns.chunks(TAGS_PER_CALL) {
        let described = {
            let _permit = ctx.permit().await;
            client.describe_tags().set_resource_arns(Some(chunk.to_vec())).send().await
        };
        match described {
            Ok(d) => {
                for d in d.tag_descriptions() {
                    if let Some(arn) = d.resource_arn() {
                        out.insert(arn.to_owned(), Ok(tags(d.tags().iter().map(|t| (t.key(), t.value())))));
                    }
                }
            }
            Err(e) => {
                let e = ctx.error("elasticloadbalancing:DescribeTags", e);
                out.extend(chunk.iter().map(|arn| (arn.clone(), Err(e.clone()))));
            }
        }
    }
    out
}

/// Every target group of the region (one paginated list), and the registered targets of
/// those attached to a load balancer.
async fn target_groups(client: &Client, ctx: &ScanContext) -> (PortResult<Vec<TargetGroup>>, BTreeMap<String, Health>) {
    let listed = client
        .describe_target_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("elasticloadbalancing:DescribeTargetGroups", e));
    let Ok(groups) = &listed else { return (listed, BTreeMap::new()) };
    let mut attached: Vec<String> = Vec::new();
    for g in groups {
        if let (Some(arn), false) = (g.target_group_arn(), g.load_balancer_arns().is_empty()) {
            attached.push(arn.to_owned());
        }
    }
    let health = futures::stream::iter(attached)
        .map(|arn| async move {
            let ids = target_ids(client, ctx, &arn).await;
            (arn, ids)
        })
        .buffer_unordered(FANOUT)
        .collect()
        .await;
    (listed, health)
}

async fn target_ids(client: &Client, ctx: &ScanContext, group: &str) -> Health {
    let _permit = ctx.permit().await;
    let health = client
        .describe_target_health()
        .target_group_arn(group)
        .send()
        .await
        .map_err(|e| ctx.error("elasticloadbalancing:DescribeTargetHealth", e))?;
    Ok(health.target_health_descriptions().iter().filter_map(|d| d.target()?.id().map(str::to_owned)).collect())
}

fn serves(group: &TargetGroup, lb_arn: &str) -> bool {
    group.load_balancer_arns().iter().any(|a| a == lb_arn)
}

/// Records the load balancer's target groups and targets; instance targets become
/// dependencies. A group whose targets could not be read leaves the facet unknown.
fn add_targets<'a>(
    ctx: &ScanContext,
    r: &mut Resource,
    groups: impl Iterator<Item = &'a TargetGroup>,
    health: &BTreeMap<String, Health>,
) {
    let mut targets = Vec::new();
    let mut group_arns = Vec::new();
    for group in groups {
        let Some(group_arn) = group.target_group_arn() else { continue };
        group_arns.push(serde_json::Value::from(group_arn));
        match health.get(group_arn) {
            Some(Ok(ids)) => {
                for id in ids {
                    targets.push(serde_json::Value::from(id.as_str()));
                    // Instance targets are `i-…`; IP and Lambda targets are recorded as data only.
                    if id.starts_with("i-")
                        && let Some(arn) = ctx.ec2_arn("instance", id)
                    {
                        r.dependencies.push(Dependency { relation: Relation::Target, arn });
                    }
                }
            }
            Some(Err(e)) => ctx.unknown(r, Facet::Targets, e),
            None => {}
        }
    }
    r.config.extra.insert("Targets".into(), targets.into());
    // Register/deregister playbooks need the target group, not the load balancer.
    r.config.extra.insert("TargetGroupArns".into(), group_arns.into());
}

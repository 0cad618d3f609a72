//! Elastic Load Balancing v2: load balancers with tags, attributes and registered targets.

use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::Client;
use cloudops_domain::{Dependency, Relation, Resource, ResourceKind, Tags, constraints};
use cloudops_ports::PortResult;

use super::{ScanContext, tags};

/// DescribeTags takes at most 20 ARNs per call.
const TAGS_PER_CALL: usize = 20;

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let client = Client::new(config);
    let lbs = client
        .describe_load_balancers()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("elasticloadbalancing:DescribeLoadBalancers", e))?;
    let arns: Vec<String> = lbs.iter().filter_map(|lb| lb.load_balancer_arn().map(str::to_owned)).collect();
    let mut tag_sets: std::collections::BTreeMap<String, Tags> = Default::default();
    for chunk in arns.chunks(TAGS_PER_CALL) {
        let out = client
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| ctx.error("elasticloadbalancing:DescribeTags", e))?;
        for d in out.tag_descriptions() {
            if let Some(arn) = d.resource_arn() {
                tag_sets.insert(arn.to_owned(), tags(d.tags().iter().map(|t| (t.key(), t.value()))));
            }
        }
    }
    let mut out = Vec::new();
    for lb in &lbs {
        let (Some(name), Some(arn)) = (lb.load_balancer_name(), lb.load_balancer_arn()) else { continue };
        let state = lb.state().and_then(|s| s.code()).map_or("unknown", |c| c.as_str());
        let tag_set = tag_sets.remove(arn).unwrap_or_default();
        let mut r = ctx.resource(ResourceKind::LoadBalancer, Some(arn), name, name, state, tag_set)?;
        r.name = Some(name.to_owned());
        r.config.instance_type = lb.r#type().map(|t| t.as_str().to_owned());
        r.config.publicly_accessible = lb.scheme().map(|s| s.as_str() == "internet-facing");
        if let Some(dns) = lb.dns_name() {
            r.config.extra.insert("DNSName".into(), dns.into());
        }
        let attributes = client
            .describe_load_balancer_attributes()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| ctx.error("elasticloadbalancing:DescribeLoadBalancerAttributes", e))?;
        r.config.deletion_protection = Some(
            attributes
                .attributes()
                .iter()
                .any(|a| a.key() == Some("deletion_protection.enabled") && a.value() == Some("true")),
        );
        for g in lb.security_groups() {
            let arn = ctx.ec2_arn("security-group", g);
            r.dependencies.extend(arn.map(|arn| Dependency { relation: Relation::UsesSecurityGroup, arn }));
        }
        let mut targets = Vec::new();
        let mut group_arns = Vec::new();
        let groups = client
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| ctx.error("elasticloadbalancing:DescribeTargetGroups", e))?;
        for tg in groups.target_groups() {
            let Some(tg_arn) = tg.target_group_arn() else { continue };
            group_arns.push(serde_json::Value::from(tg_arn));
            let health = client
                .describe_target_health()
                .target_group_arn(tg_arn)
                .send()
                .await
                .map_err(|e| ctx.error("elasticloadbalancing:DescribeTargetHealth", e))?;
            for t in health.target_health_descriptions().iter().filter_map(|d| d.target()) {
                let Some(id) = t.id() else { continue };
                targets.push(serde_json::Value::from(id));
                // Instance targets are `i-…`; IP and Lambda targets are recorded as data only.
                if id.starts_with("i-")
                    && let Some(arn) = ctx.ec2_arn("instance", id)
                {
                    r.dependencies.push(Dependency { relation: Relation::Target, arn });
                }
            }
        }
        r.config.extra.insert("Targets".into(), targets.into());
        // Register/deregister playbooks need the target group, not the load balancer.
        r.config.extra.insert("TargetGroupArns".into(), group_arns.into());
        r.constraints = constraints::derive(&r, 0);
        out.push(r);
    }
    Ok(out)
}

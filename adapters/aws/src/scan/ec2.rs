//! EC2: instances, EBS volumes, VPCs, subnets, security groups, with their dependencies.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_ec2::Client;
use chrono::{DateTime, NaiveDateTime, Utc};
use cloudops_domain::{Arn, Dependency, IngressRule, Relation, Resource, ResourceKind, constraints};
use cloudops_ports::PortResult;

use super::{ScanContext, tags};

fn ec2_tags(t: &[aws_sdk_ec2::types::Tag]) -> cloudops_domain::Tags {
    tags(t.iter().map(|t| (t.key(), t.value())))
}

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let client = Client::from_conf(ctx.counted(aws_sdk_ec2::config::Builder::from(config)).build());
    let (instances, volumes, vpcs, subnets, groups) = futures::try_join!(
        instances(&client, ctx),
        volumes(&client, ctx),
        vpcs(&client, ctx),
        subnets(&client, ctx),
        security_groups(&client, ctx),
    )?;
    let mut all: Vec<Resource> =
        instances.into_iter().chain(volumes).chain(vpcs).chain(subnets).chain(groups).collect();

    // Dependents: how many resources name each ARN as a dependency.
    let mut dependents: BTreeMap<Arn, usize> = BTreeMap::new();
    for r in &all {
        for d in &r.dependencies {
            *dependents.entry(d.arn.clone()).or_default() += 1;
        }
    }
    for r in &mut all {
        r.constraints = constraints::derive(r, dependents.get(&r.arn).copied().unwrap_or(0));
    }
    Ok(all)
}

fn depend(ctx: &ScanContext, out: &mut Vec<Dependency>, relation: Relation, kind: &str, id: Option<&str>) {
    if let Some(arn) = id.and_then(|id| ctx.ec2_arn(kind, id)) {
        out.push(Dependency { relation, arn });
    }
}

async fn instances(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let reservations = client
        .describe_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("ec2:DescribeInstances", e))?;
    let mut out = Vec::new();
    for i in reservations.iter().flat_map(|r| r.instances()) {
        let Some(id) = i.instance_id() else { continue };
        let state = i.state().and_then(|s| s.name()).map_or("unknown", |n| n.as_str());
        if state == "terminated" {
            continue; // gone for good; AWS lists them for about an hour after termination
        }
        let mut r =
            ctx.resource(ResourceKind::Ec2Instance, None, &format!("instance/{id}"), id, state, ec2_tags(i.tags()))?;
        r.config.instance_type = i.instance_type().map(|t| t.as_str().to_owned());
        r.config.root_device_type = i.root_device_type().map(|t| t.as_str().to_owned());
        r.config.publicly_accessible = Some(i.public_ip_address().is_some());
        r.config.state_since = i.state_transition_reason().and_then(transition_time);
        if let Some(az) = i.placement().and_then(|p| p.availability_zone()) {
            r.config.extra.insert("AvailabilityZone".into(), az.into());
        }
        if let Some(ip) = i.private_ip_address() {
            r.config.extra.insert("PrivateIpAddress".into(), ip.into());
        }
        let deps = &mut r.dependencies;
        depend(ctx, deps, Relation::InNetwork, "subnet", i.subnet_id());
        depend(ctx, deps, Relation::InNetwork, "vpc", i.vpc_id());
        for g in i.security_groups() {
            depend(ctx, deps, Relation::UsesSecurityGroup, "security-group", g.group_id());
        }
        for b in i.block_device_mappings() {
            depend(ctx, deps, Relation::AttachedVolume, "volume", b.ebs().and_then(|e| e.volume_id()));
        }
        out.push(r);
    }
    Ok(out)
}

async fn volumes(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let volumes = client
        .describe_volumes()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("ec2:DescribeVolumes", e))?;
    let mut out = Vec::new();
    for v in &volumes {
        let Some(id) = v.volume_id() else { continue };
        let state = v.state().map_or("unknown", |s| s.as_str());
        let mut r =
            ctx.resource(ResourceKind::EbsVolume, None, &format!("volume/{id}"), id, state, ec2_tags(v.tags()))?;
        r.config.size_gb = v.size().and_then(|s| u32::try_from(s).ok());
        r.config.instance_type = v.volume_type().map(|t| t.as_str().to_owned());
        if let Some(az) = v.availability_zone() {
            r.config.extra.insert("AvailabilityZone".into(), az.into());
        }
        r.config.encrypted = v.encrypted();
        out.push(r);
    }
    Ok(out)
}

async fn vpcs(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let vpcs = client
        .describe_vpcs()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("ec2:DescribeVpcs", e))?;
    let mut out = Vec::new();
    for v in &vpcs {
        let Some(id) = v.vpc_id() else { continue };
        let state = v.state().map_or("available", |s| s.as_str());
        let mut r = ctx.resource(ResourceKind::Vpc, None, &format!("vpc/{id}"), id, state, ec2_tags(v.tags()))?;
        r.config.extra.insert("IsDefault".into(), v.is_default().unwrap_or(false).into());
        if let Some(cidr) = v.cidr_block() {
            r.config.extra.insert("CidrBlock".into(), cidr.into());
        }
        out.push(r);
    }
    Ok(out)
}

async fn subnets(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let subnets = client
        .describe_subnets()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("ec2:DescribeSubnets", e))?;
    let mut out = Vec::new();
    for s in &subnets {
        let Some(id) = s.subnet_id() else { continue };
        let state = s.state().map_or("available", |s| s.as_str());
        let mut r = ctx.resource(ResourceKind::Subnet, None, &format!("subnet/{id}"), id, state, ec2_tags(s.tags()))?;
        if let Some(cidr) = s.cidr_block() {
            r.config.extra.insert("CidrBlock".into(), cidr.into());
        }
        if let Some(az) = s.availability_zone() {
            r.config.extra.insert("AvailabilityZone".into(), az.into());
        }
        r.config.publicly_accessible = s.map_public_ip_on_launch();
        depend(ctx, &mut r.dependencies, Relation::InNetwork, "vpc", s.vpc_id());
        out.push(r);
    }
    Ok(out)
}

async fn security_groups(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let groups = client
        .describe_security_groups()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("ec2:DescribeSecurityGroups", e))?;
    let mut out = Vec::new();
    for g in &groups {
        let Some(id) = g.group_id() else { continue };
        let mut r = ctx.resource(
            ResourceKind::SecurityGroup,
            None,
            &format!("security-group/{id}"),
            id,
            "available",
            ec2_tags(g.tags()),
        )?;
        // A security group's own name is its name; a Name tag, where set, wins as in the console.
        if r.name.is_none() {
            r.name = g.group_name().map(str::to_owned);
        }
        r.config.description = g.description().map(str::to_owned);
        r.config.ingress = g
            .ip_permissions()
            .iter()
            .map(|p| {
                // All traffic has no ports (AWS reports -1 or nothing for them).
                let protocol = p.ip_protocol().unwrap_or("-1");
                let ports = protocol != "-1";
                IngressRule {
                    protocol: protocol.to_owned(),
                    from_port: p.from_port().filter(|_| ports),
                    to_port: p.to_port().filter(|_| ports),
                    sources: p
                        .ip_ranges()
                        .iter()
                        .filter_map(|ip| ip.cidr_ip())
                        .chain(p.ipv6_ranges().iter().filter_map(|ip| ip.cidr_ipv6()))
                        .map(str::to_owned)
                        .collect(),
                }
            })
            .collect();
        r.config.publicly_accessible = Some(r.config.ingress.iter().any(IngressRule::from_anywhere));
        depend(ctx, &mut r.dependencies, Relation::InNetwork, "vpc", g.vpc_id());
        out.push(r);
    }
    Ok(out)
}

/// The time in EC2's `StateTransitionReason` ("User initiated (2026-11-01 10:00:00 GMT)"),
/// when it has one.
fn transition_time(reason: &str) -> Option<DateTime<Utc>> {
    let inside = reason.rsplit_once('(')?.1.split_once(')')?.0;
    let stamp = inside.trim_end_matches(" GMT").trim_end_matches(" UTC");
    NaiveDateTime::parse_from_str(stamp, "%Y-%m-%d %H:%M:%S").ok().map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::transition_time;

    #[test]
    fn the_stop_time_is_read_from_the_transition_reason() {
        let t = transition_time("User initiated (2026-11-01 10:00:00 GMT)").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-01T10:00:00+00:00");
        assert!(transition_time("User initiated (2026-11-01 10:00:00 UTC)").is_some());
        assert_eq!(transition_time(""), None);
        assert_eq!(transition_time("Server.SpotInstanceTermination"), None);
        assert_eq!(transition_time("User initiated (soon)"), None);
    }
}

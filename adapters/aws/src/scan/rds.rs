//! RDS: DB instances (replicas, multi-AZ, backups, deletion protection) and clusters.

use aws_config::SdkConfig;
use aws_sdk_rds::Client;
use cloudops_domain::{Arn, Dependency, Relation, Resource, ResourceKind, constraints};
use cloudops_ports::PortResult;

use super::{ScanContext, tags};

fn rds_tags(t: &[aws_sdk_rds::types::Tag]) -> cloudops_domain::Tags {
    tags(t.iter().map(|t| (t.key(), t.value())))
}

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let client = Client::from_conf(ctx.counted(aws_sdk_rds::config::Builder::from(config)).build());
    let (instances, clusters) = futures::try_join!(instances(&client, ctx), clusters(&client, ctx))?;
    let mut all: Vec<Resource> = instances.into_iter().chain(clusters).collect();
    for r in &mut all {
        r.constraints = constraints::derive(r, r.config.read_replicas.len());
    }
    Ok(all)
}

fn db_arn(ctx: &ScanContext, kind: &str, id: &str) -> Option<Arn> {
    Arn::build(Some(&ctx.region), "rds", Some(&ctx.account), &format!("{kind}:{id}")).ok()
}

async fn instances(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let dbs = client
        .describe_db_instances()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("rds:DescribeDBInstances", e))?;
    let mut out = Vec::new();
    for db in &dbs {
        let Some(id) = db.db_instance_identifier() else { continue };
        let state = db.db_instance_status().unwrap_or("unknown");
        let mut r = ctx.resource(
            ResourceKind::RdsInstance,
            db.db_instance_arn(),
            &format!("db:{id}"),
            id,
            state,
            rds_tags(db.tag_list()),
        )?;
        r.name = Some(id.to_owned());
        let c = &mut r.config;
        c.instance_type = db.db_instance_class().map(str::to_owned);
        c.engine = db.engine().map(str::to_owned);
        c.engine_version = db.engine_version().map(str::to_owned);
        c.multi_az = db.multi_az();
        c.backup_retention_days = db.backup_retention_period().and_then(|d| u32::try_from(d).ok());
        c.deletion_protection = db.deletion_protection();
        c.read_replicas = db.read_replica_db_instance_identifiers().to_vec();
        c.replica_source = db.read_replica_source_db_instance_identifier().map(str::to_owned);
        c.publicly_accessible = db.publicly_accessible();
        c.encrypted = db.storage_encrypted();
        c.size_gb = db.allocated_storage().and_then(|s| u32::try_from(s).ok());
        if let Some(endpoint) = db.endpoint().and_then(|e| e.address()) {
            c.extra.insert("Endpoint".into(), endpoint.into());
        }
        if let Some(source) = c.replica_source.clone() {
            // The source may be given as an identifier or (cross-region) an ARN.
            let arn = source.parse::<Arn>().ok().or_else(|| db_arn(ctx, "db", &source));
            r.dependencies.extend(arn.map(|arn| Dependency { relation: Relation::ReplicaOf, arn }));
        }
        if let Some(cluster) = db.db_cluster_identifier() {
            r.dependencies
                .extend(db_arn(ctx, "cluster", cluster).map(|arn| Dependency { relation: Relation::MemberOf, arn }));
        }
        for g in db.vpc_security_groups() {
            if let Some(arn) = g.vpc_security_group_id().and_then(|id| ctx.ec2_arn("security-group", id)) {
                r.dependencies.push(Dependency { relation: Relation::UsesSecurityGroup, arn });
            }
        }
        out.push(r);
    }
    Ok(out)
}

async fn clusters(client: &Client, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let clusters = client
        .describe_db_clusters()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("rds:DescribeDBClusters", e))?;
    let mut out = Vec::new();
    for cl in &clusters {
        let Some(id) = cl.db_cluster_identifier() else { continue };
        let state = cl.status().unwrap_or("unknown");
        let mut r = ctx.resource(
            ResourceKind::RdsCluster,
            cl.db_cluster_arn(),
            &format!("cluster:{id}"),
            id,
            state,
            rds_tags(cl.tag_list()),
        )?;
        r.name = Some(id.to_owned());
        let c = &mut r.config;
        c.engine = cl.engine().map(str::to_owned);
        c.engine_version = cl.engine_version().map(str::to_owned);
        c.multi_az = cl.multi_az();
        c.backup_retention_days = cl.backup_retention_period().and_then(|d| u32::try_from(d).ok());
        c.deletion_protection = cl.deletion_protection();
        c.encrypted = cl.storage_encrypted();
        c.extra.insert(
            "Members".into(),
            cl.db_cluster_members().iter().filter_map(|m| m.db_instance_identifier()).collect::<Vec<_>>().into(),
        );
        out.push(r);
    }
    Ok(out)
}

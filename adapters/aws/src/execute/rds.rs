//! RDS calls. RDS has no DryRun: a dry run makes no call.

use aws_config::SdkConfig;
use aws_sdk_rds::Client;
use aws_sdk_rds::types::Filter;
use cloudops_ports::{PortError, PortResult};
use serde_json::{Value, json};

use super::Failure;
use super::params::Params;

fn instance(i: Option<&aws_sdk_rds::types::DbInstance>) -> Value {
    json!({
        "DBInstanceIdentifier": i.and_then(|i| i.db_instance_identifier()),
        "DBInstanceStatus": i.and_then(|i| i.db_instance_status()),
    })
}

fn cluster(c: Option<&aws_sdk_rds::types::DbCluster>) -> Value {
    json!({"DBClusterIdentifier": c.and_then(|c| c.db_cluster_identifier()), "Status": c.and_then(|c| c.status())})
}

fn filters(p: &Params<'_>) -> PortResult<Option<Vec<Filter>>> {
    let Some(Value::Array(items)) = p.map.get("Filters") else { return Ok(None) };
    let mut out = Vec::new();
    for item in items {
        let name = item.get("Name").and_then(Value::as_str);
        let values = item.get("Values").and_then(Value::as_array);
        let (Some(name), Some(values)) = (name, values) else {
            return Err(PortError::Invalid("DescribeDBInstances Filters need Name and Values".into()));
        };
        let values = values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        out.push(Filter::builder().name(name).set_values(Some(values)).build());
    }
    Ok(Some(out))
}

pub(super) async fn call(config: &SdkConfig, operation: &str, p: &Params<'_>) -> PortResult<Value> {
    let rds = Client::from_conf(
        aws_sdk_rds::config::Builder::from(config).interceptor(super::request_id::RecordRequestId).build(),
    );
    let out = match operation {
        "StopDBInstance" => rds
            .stop_db_instance()
            .db_instance_identifier(p.str("DBInstanceIdentifier")?)
            .set_db_snapshot_identifier(p.opt_str("DBSnapshotIdentifier")?)
            .send()
            .await
            .map(|o| instance(o.db_instance()))
            .map_err(Failure::from_sdk),
        "StartDBInstance" => rds
            .start_db_instance()
            .db_instance_identifier(p.str("DBInstanceIdentifier")?)
            .send()
            .await
            .map(|o| instance(o.db_instance()))
            .map_err(Failure::from_sdk),
        "RebootDBInstance" => rds
            .reboot_db_instance()
            .db_instance_identifier(p.str("DBInstanceIdentifier")?)
            .set_force_failover(p.opt_bool("ForceFailover")?)
            .send()
            .await
            .map(|o| instance(o.db_instance()))
            .map_err(Failure::from_sdk),
        "ModifyDBInstance" => rds
            .modify_db_instance()
            .db_instance_identifier(p.str("DBInstanceIdentifier")?)
            .set_db_instance_class(p.opt_str("DBInstanceClass")?)
            .set_apply_immediately(p.opt_bool("ApplyImmediately")?)
            .set_deletion_protection(p.opt_bool("DeletionProtection")?)
            .send()
            .await
            .map(|o| instance(o.db_instance()))
            .map_err(Failure::from_sdk),
        "CreateDBSnapshot" => rds
            .create_db_snapshot()
            .db_instance_identifier(p.str("DBInstanceIdentifier")?)
            .db_snapshot_identifier(p.str("DBSnapshotIdentifier")?)
            .send()
            .await
            .map(|o| {
                let s = o.db_snapshot();
                json!({"DBSnapshotIdentifier": s.and_then(|s| s.db_snapshot_identifier()), "Status": s.and_then(|s| s.status())})
            })
            .map_err(Failure::from_sdk),
        "DescribeDBInstances" => rds
            .describe_db_instances()
            .set_filters(filters(p)?)
            .set_db_instance_identifier(p.opt_str("DBInstanceIdentifier")?)
            .send()
            .await
            .map(|o| json!({"DBInstances": o.db_instances().iter().map(|i| instance(Some(i))).collect::<Vec<_>>()}))
            .map_err(Failure::from_sdk),
        "StopDBCluster" => rds
            .stop_db_cluster()
            .db_cluster_identifier(p.str("DBClusterIdentifier")?)
            .send()
            .await
            .map(|o| cluster(o.db_cluster()))
            .map_err(Failure::from_sdk),
        "StartDBCluster" => rds
            .start_db_cluster()
            .db_cluster_identifier(p.str("DBClusterIdentifier")?)
            .send()
            .await
            .map(|o| cluster(o.db_cluster()))
            .map_err(Failure::from_sdk),
        "FailoverDBCluster" => rds
            .failover_db_cluster()
            .db_cluster_identifier(p.str("DBClusterIdentifier")?)
            .set_target_db_instance_identifier(p.opt_str("TargetDBInstanceIdentifier")?)
            .send()
            .await
            .map(|o| cluster(o.db_cluster()))
            .map_err(Failure::from_sdk),
        "CreateDBClusterSnapshot" => rds
            .create_db_cluster_snapshot()
            .db_cluster_identifier(p.str("DBClusterIdentifier")?)
            .db_cluster_snapshot_identifier(p.str("DBClusterSnapshotIdentifier")?)
            .send()
            .await
            .map(|o| {
                let s = o.db_cluster_snapshot();
                json!({"DBClusterSnapshotIdentifier": s.and_then(|s| s.db_cluster_snapshot_identifier()), "Status": s.and_then(|s| s.status())})
            })
            .map_err(Failure::from_sdk),
        other => return Err(super::unsupported("rds", other)),
    };
    out.map_err(Failure::into_port)
}

/// The status of the DB instance or cluster the step names.
pub(super) async fn observe(config: &SdkConfig, p: &Params<'_>) -> PortResult<Vec<String>> {
    let rds = Client::from_conf(
        aws_sdk_rds::config::Builder::from(config).interceptor(super::request_id::RecordRequestId).build(),
    );
    if let Some(id) = p.opt_str("DBInstanceIdentifier")? {
        let out = rds
            .describe_db_instances()
            .db_instance_identifier(&id)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e).into_port())?;
        return Ok(out.db_instances().iter().filter_map(|i| i.db_instance_status().map(str::to_owned)).collect());
    }
    if let Some(id) = p.opt_str("DBClusterIdentifier")? {
        let out = rds
            .describe_db_clusters()
            .db_cluster_identifier(&id)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(e).into_port())?;
        return Ok(out.db_clusters().iter().filter_map(|c| c.status().map(str::to_owned)).collect());
    }
    Ok(Vec::new())
}

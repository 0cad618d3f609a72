//! Elastic Load Balancing v2 calls. ELBv2 has no DryRun: a dry run makes no call.

use aws_config::SdkConfig;
use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
use cloudops_ports::{PortError, PortResult};
use serde_json::{Value, json};

use super::Failure;
use super::params::Params;

fn targets(p: &Params<'_>) -> PortResult<Vec<TargetDescription>> {
    let Some(Value::Array(items)) = p.map.get("Targets") else {
        return Err(PortError::Invalid("Targets must be a list of {Id, Port}".into()));
    };
    items
        .iter()
        .map(|t| {
            let id = t
                .get("Id")
                .and_then(Value::as_str)
                .ok_or_else(|| PortError::Invalid("each target needs an Id".into()))?;
            let port = t.get("Port").and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok());
            Ok(TargetDescription::builder().id(id).set_port(port).build())
        })
        .collect()
}

pub(super) async fn call(config: &SdkConfig, operation: &str, p: &Params<'_>) -> PortResult<Value> {
    let elb = Client::from_conf(
        aws_sdk_elasticloadbalancingv2::config::Builder::from(config)
            .interceptor(super::request_id::RecordRequestId)
            .build(),
    );
    let group = p.str("TargetGroupArn")?;
    let out = match operation {
        "RegisterTargets" => elb
            .register_targets()
            .target_group_arn(&group)
            .set_targets(Some(targets(p)?))
            .send()
            .await
            .map(|_| json!({}))
            .map_err(Failure::from_sdk),
        "DeregisterTargets" => elb
            .deregister_targets()
            .target_group_arn(&group)
            .set_targets(Some(targets(p)?))
            .send()
            .await
            .map(|_| json!({}))
            .map_err(Failure::from_sdk),
        "DescribeTargetHealth" => elb
            .describe_target_health()
            .target_group_arn(&group)
            .send()
            .await
            .map(|o| {
                let all = o.target_health_descriptions().iter().map(|d| {
                    json!({
                        "Id": d.target().map(|t| t.id()),
                        "State": d.target_health().and_then(|h| h.state()).map(|s| s.as_str().to_owned()),
                    })
                });
                json!({"TargetHealthDescriptions": all.collect::<Vec<_>>()})
            })
            .map_err(Failure::from_sdk),
        other => return Err(super::unsupported("elbv2", other)),
    };
    out.map_err(Failure::into_port)
}

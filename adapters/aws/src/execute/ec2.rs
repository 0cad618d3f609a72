//! EC2 calls. Every EC2 call supports DryRun: a dry run makes the call with DryRun=true and
//! reports AWS's verdict (`DryRunOperation` means it would have succeeded).

use aws_config::SdkConfig;
use aws_sdk_ec2::Client;
use aws_sdk_ec2::types::AttributeValue;
use cloudops_ports::{CallOutcome, PortError, PortResult};
use serde_json::{Value, json};

use super::params::Params;

fn states(instances: impl Iterator<Item = (Option<String>, Option<String>)>) -> Value {
    Value::Array(instances.map(|(id, state)| json!({"InstanceId": id, "State": state})).collect())
}

/// `StartInstances`/`StopInstances`/`TerminateInstances`' answer: each instance's new state.
fn changes(list: &[aws_sdk_ec2::types::InstanceStateChange]) -> Value {
    states(list.iter().map(|c| {
        (c.instance_id().map(str::to_owned), c.current_state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()))
    }))
}

pub(super) async fn call(
    config: &SdkConfig,
    operation: &str,
    p: &Params<'_>,
    dry_run: bool,
) -> PortResult<CallOutcome> {
    let ec2 = Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config).interceptor(super::request_id::RecordRequestId).build(),
    );
    let dry = Some(dry_run);
    let out = match operation {
        "StartInstances" => {
            let out =
                ec2.start_instances().set_instance_ids(Some(p.strings("InstanceIds")?)).set_dry_run(dry).send().await;
            out.map(|o| json!({"StartingInstances": changes(o.starting_instances())})).map_err(super::Failure::from_sdk)
        }
        "StopInstances" => {
            let out =
                ec2.stop_instances().set_instance_ids(Some(p.strings("InstanceIds")?)).set_dry_run(dry).send().await;
            out.map(|o| json!({"StoppingInstances": changes(o.stopping_instances())})).map_err(super::Failure::from_sdk)
        }
        "TerminateInstances" => {
            let out = ec2
                .terminate_instances()
                .set_instance_ids(Some(p.strings("InstanceIds")?))
                .set_dry_run(dry)
                .send()
                .await;
            out.map(|o| json!({"TerminatingInstances": changes(o.terminating_instances())}))
                .map_err(super::Failure::from_sdk)
        }
        "RebootInstances" => ec2
            .reboot_instances()
            .set_instance_ids(Some(p.strings("InstanceIds")?))
            .set_dry_run(dry)
            .send()
            .await
            .map(|_| json!({}))
            .map_err(super::Failure::from_sdk),
        "DescribeInstances" => {
            let out = ec2
                .describe_instances()
                .set_instance_ids(Some(p.strings("InstanceIds")?))
                .set_dry_run(dry)
                .send()
                .await;
            out.map(|o| {
                let all = o.reservations().iter().flat_map(|r| r.instances()).map(|i| {
                    (
                        i.instance_id().map(str::to_owned),
                        i.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()),
                    )
                });
                json!({"Instances": states(all)})
            })
            .map_err(super::Failure::from_sdk)
        }
        "CreateSnapshot" => ec2
            .create_snapshot()
            .volume_id(p.str("VolumeId")?)
            .set_description(p.opt_str("Description")?)
            .set_dry_run(dry)
            .send()
            .await
            .map(|o| json!({"SnapshotId": o.snapshot_id(), "State": o.state().map(|s| s.as_str().to_owned())}))
            .map_err(super::Failure::from_sdk),
        "CreateImage" => ec2
            .create_image()
            .instance_id(p.str("InstanceId")?)
            .name(p.str("Name")?)
            .set_description(p.opt_str("Description")?)
            .set_no_reboot(p.opt_bool("NoReboot")?)
            .set_dry_run(dry)
            .send()
            .await
            .map(|o| json!({"ImageId": o.image_id()}))
            .map_err(super::Failure::from_sdk),
        "ModifyInstanceAttribute" => ec2
            .modify_instance_attribute()
            .instance_id(p.str("InstanceId")?)
            .instance_type(AttributeValue::builder().value(p.nested_str("InstanceType", "Value")?).build())
            .set_dry_run(dry)
            .send()
            .await
            .map(|_| json!({}))
            .map_err(super::Failure::from_sdk),
        other => return Err(super::unsupported("ec2", other)),
    };
    super::finish(out, dry_run)
}

/// The state of each instance the step names.
pub(super) async fn observe(config: &SdkConfig, p: &Params<'_>) -> PortResult<Vec<String>> {
    let ids = match p.strings("InstanceIds") {
        Ok(ids) => ids,
        Err(_) => vec![p.str("InstanceId")?],
    };
    let out = Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config).interceptor(super::request_id::RecordRequestId).build(),
    )
    .describe_instances()
    .set_instance_ids(Some(ids.clone()))
    .send()
    .await
    .map_err(|e| PortError::Other(format!("cannot describe {}: {}", ids.join(", "), super::Failure::from_sdk(e))))?;
    Ok(out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str().to_owned()))
        .collect())
}

//! Lambda calls. Lambda has no DryRun: a dry run makes no call.

use aws_config::SdkConfig;
use aws_sdk_lambda::Client;
use cloudops_ports::{PortError, PortResult};
use serde_json::{Value, json};

use super::Failure;
use super::params::Params;

pub(super) async fn call(config: &SdkConfig, operation: &str, p: &Params<'_>) -> PortResult<Value> {
    let lambda = Client::from_conf(
        aws_sdk_lambda::config::Builder::from(config).interceptor(super::request_id::RecordRequestId).build(),
    );
    let name = p.str("FunctionName")?;
    let out = match operation {
        "UpdateFunctionConfiguration" => lambda
            .update_function_configuration()
            .function_name(&name)
            .set_memory_size(p.opt_i32("MemorySize")?)
            .set_timeout(p.opt_i32("Timeout")?)
            .send()
            .await
            .map(|o| json!({"FunctionName": o.function_name(), "MemorySize": o.memory_size(), "Timeout": o.timeout()}))
            .map_err(Failure::from_sdk),
        "PutFunctionConcurrency" => {
            let reserved = p.opt_i32("ReservedConcurrentExecutions")?.ok_or_else(|| {
                PortError::Invalid("PutFunctionConcurrency needs ReservedConcurrentExecutions as an integer".into())
            })?;
            lambda
                .put_function_concurrency()
                .function_name(&name)
                .reserved_concurrent_executions(reserved)
                .send()
                .await
                .map(|o| json!({"ReservedConcurrentExecutions": o.reserved_concurrent_executions()}))
                .map_err(Failure::from_sdk)
        }
        "DeleteFunctionConcurrency" => {
            lambda.delete_function_concurrency().function_name(&name).send().await.map(|_| json!({})).map_err(Failure::from_sdk)
        }
        "PublishVersion" => lambda
            .publish_version()
            .function_name(&name)
            .set_description(p.opt_str("Description")?)
            .send()
            .await
            .map(|o| json!({"FunctionName": o.function_name(), "Version": o.version()}))
            .map_err(Failure::from_sdk),
        "GetFunction" => lambda
            .get_function()
            .function_name(&name)
            .send()
            .await
            .map(|o| {
                let c = o.configuration();
                json!({"FunctionName": c.and_then(|c| c.function_name()), "State": c.and_then(|c| c.state()).map(|s| s.as_str().to_owned())})
            })
            .map_err(Failure::from_sdk),
        other => return Err(super::unsupported("lambda", other)),
    };
    out.map_err(Failure::into_port)
}

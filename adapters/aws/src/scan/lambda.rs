//! Lambda: functions with their tags.

use aws_config::SdkConfig;
use aws_sdk_lambda::Client;
use cloudops_domain::{Dependency, Facet, Relation, Resource, ResourceKind, constraints};
use cloudops_ports::PortResult;
use futures::{StreamExt, TryStreamExt};

use super::{ScanContext, tags};

const TAG_CONCURRENCY: usize = 8;

pub(crate) async fn scan(config: &SdkConfig, ctx: &ScanContext) -> PortResult<Vec<Resource>> {
    let client = Client::from_conf(ctx.counted(aws_sdk_lambda::config::Builder::from(config)).build());
    let functions = client
        .list_functions()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .map_err(|e| ctx.error("lambda:ListFunctions", e))?;
    futures::stream::iter(functions)
        .map(|f| function(&client, ctx, f))
        .buffer_unordered(TAG_CONCURRENCY)
        .try_filter_map(|r| async move { Ok(r) })
        .try_collect()
        .await
}

async fn function(
    client: &Client,
    ctx: &ScanContext,
    f: aws_sdk_lambda::types::FunctionConfiguration,
) -> PortResult<Option<Resource>> {
    let (Some(name), Some(arn)) = (f.function_name(), f.function_arn()) else { return Ok(None) };
    let listed = {
        let _permit = ctx.permit().await;
        client.list_tags().resource(arn).send().await.map_err(|e| ctx.error("lambda:ListTags", e))
    };
    let (tag_set, tags_error) = match listed {
        Ok(l) => (tags(l.tags().into_iter().flatten().map(|(k, v)| (Some(k.as_str()), Some(v.as_str())))), None),
        Err(e) => (Default::default(), Some(e)),
    };
    let state = f.state().map_or("active", |s| s.as_str());
    let mut r =
        ctx.resource(ResourceKind::LambdaFunction, Some(arn), &format!("function:{name}"), name, state, tag_set)?;
    r.name = Some(name.to_owned());
    if let Some(e) = tags_error {
        ctx.unknown(&mut r, Facet::Tags, &e);
    }
    r.config.engine = f.runtime().map(|rt| rt.as_str().to_owned());
    r.config.description = f.description().filter(|d| !d.is_empty()).map(str::to_owned);
    r.config.memory_mb = f.memory_size().and_then(|m| u32::try_from(m).ok());
    r.config.timeout_seconds = f.timeout().and_then(|t| u32::try_from(t).ok());
    if let Some(handler) = f.handler() {
        r.config.extra.insert("Handler".into(), handler.into());
    }
    if let Some(vpc) = f.vpc_config() {
        for id in vpc.subnet_ids() {
            let arn = ctx.ec2_arn("subnet", id);
            r.dependencies.extend(arn.map(|arn| Dependency { relation: Relation::InNetwork, arn }));
        }
    }
    r.constraints = constraints::derive(&r, 0);
    Ok(Some(r))
}

//! The AWS request id of a step's call, for the user and the audit trail: an interceptor on
//! the executor's clients records the id AWS answered with (`x-amzn-RequestId`, S3's
//! `x-amz-request-id`) into the calling task; [`recording`] collects the last one. A
//! composite step (EmptyBucket) reports its last call's id.

use std::cell::RefCell;
use std::future::Future;

use aws_sdk_sts::config::interceptors::FinalizerInterceptorContextRef;
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

tokio::task_local! {
    static SEEN: RefCell<Option<String>>;
}

/// The id of the latest answer, per header name AWS uses.
const HEADERS: [&str; 3] = ["x-amzn-RequestId", "x-amz-request-id", "x-amzn-requestid"];

#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RecordRequestId;

impl Intercept for RecordRequestId {
    fn name(&self) -> &'static str {
        "cloudops-request-id"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else { return Ok(()) };
        let id = HEADERS.iter().find_map(|h| response.headers().get(*h)).filter(|id| !id.is_empty());
        if let Some(id) = id {
            // Outside `recording` (no task-local) there is no one to tell.
            let _ = SEEN.try_with(|seen| *seen.borrow_mut() = Some(id.to_owned()));
        }
        Ok(())
    }
}

/// Runs `call`, answering its output and the last request id AWS answered with.
pub(super) async fn recording<F: Future>(call: F) -> (F::Output, Option<String>) {
    SEEN.scope(RefCell::new(None), async {
        let out = call.await;
        (out, SEEN.with(|seen| seen.borrow().clone()))
    })
    .await
}

/// `output` with the request id under `ResponseMetadata.RequestId`, as boto3 answers.
pub(super) fn with_request_id(output: serde_json::Value, id: Option<String>) -> serde_json::Value {
    match (output, id) {
        (serde_json::Value::Object(mut map), Some(id)) => {
            map.insert("ResponseMetadata".into(), serde_json::json!({ "RequestId": id }));
            serde_json::Value::Object(map)
        }
        (output, _) => output,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[tokio::test]
    async fn the_id_seen_inside_the_scope_is_returned_and_added_to_the_output() {
        let ((), id) = recording(async {
            SEEN.with(|s| *s.borrow_mut() = Some("req-1".into()));
        })
        .await;
        assert_eq!(id.as_deref(), Some("req-1"));
        assert_eq!(with_request_id(json!({"a": 1}), id), json!({"a": 1, "ResponseMetadata": {"RequestId": "req-1"}}));
        assert_eq!(with_request_id(json!({"a": 1}), None), json!({"a": 1}));
        assert!(SEEN.try_with(|_| ()).is_err(), "nothing leaks out of the scope");
    }
}

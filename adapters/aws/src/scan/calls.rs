//! Counting what the SDK does on a scope's behalf: operations, attempts (so retries) and
//! throttled answers, through an interceptor on every client of the scan.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_sts::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_sts::config::{ConfigBag, Intercept, RuntimeComponents};

use crate::errors::THROTTLING_CODES;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Counters shared by every client of one scan; cheap to clone.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallStats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    operations: AtomicU64,
    attempts: AtomicU64,
    throttles: AtomicU64,
}

impl CallStats {
    /// Attempts beyond the first of each operation.
    pub(crate) fn retries(&self) -> u64 {
        let attempts = self.0.attempts.load(Ordering::Relaxed);
        attempts.saturating_sub(self.0.operations.load(Ordering::Relaxed))
    }

    pub(crate) fn throttles(&self) -> u64 {
        self.0.throttles.load(Ordering::Relaxed)
    }
}

/// Whether an answer is AWS saying "slow down": HTTP 429, or a throttling error code in the
/// error type header (JSON protocols) or the body (XML protocols).
pub(crate) fn is_throttling(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    let named = |text: &str| THROTTLING_CODES.iter().any(|code| text.contains(code));
    error_type.is_some_and(named) || body.and_then(|b| std::str::from_utf8(b).ok()).is_some_and(named)
}

impl Intercept for CallStats {
    fn name(&self) -> &'static str {
        "cloudops-call-stats"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.operations.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.attempts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(response) = context.response() {
            let error_type = response.headers().get("x-amzn-ErrorType");
            if is_throttling(response.status().as_u16(), error_type, response.body().bytes()) {
                self.0.throttles.fetch_add(1, Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::is_throttling;

    #[test]
    fn throttling_answers_are_recognised_in_every_protocol() {
        assert!(is_throttling(429, None, None));
        assert!(is_throttling(400, None, Some(b"<Error><Code>Throttling</Code></Error>")));
        assert!(is_throttling(503, None, Some(b"<Errors><Error><Code>RequestLimitExceeded</Code>")));
        assert!(is_throttling(400, Some("TooManyRequestsException"), Some(b"{}")));
        assert!(!is_throttling(400, None, Some(b"<Error><Code>InvalidParameterValue</Code></Error>")));
        assert!(!is_throttling(200, None, Some(b"<Code>Throttling</Code> in a tag value")));
    }
}

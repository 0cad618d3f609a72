//! Turning SDK errors into port errors of one line that say what failed and what to do: the
//! operation, where, AWS's error code and message. The SDK's full detail (headers, raw body)
//! goes to the debug log only.

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use cloudops_ports::PortError;

/// Error codes AWS uses for "the credentials may not do this".
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthFailure",
    "Forbidden",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "ExpiredToken",
    "ExpiredTokenException",
    "SignatureDoesNotMatch",
];

/// Error codes AWS uses for throttling (the SDK retries these; one reaching us means the
/// retries ran out).
pub(crate) const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "EC2ThrottledException",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
    "ProvisionedThroughputExceededException",
];

const BROKEN_ANSWER: &str = "The connection broke or the answer was cut short; run the sync again";
const THROTTLED: &str = "AWS kept throttling after the retries; lower the sync's concurrency or run it again later";
const SERVER_ERROR: &str = "AWS answered with a server error; run the sync again";

/// Whether `e` is a failure that passes (throttling, a server error, a broken answer) once the
/// SDK's own retries are spent — not a refusal, a missing endpoint or a network that is gone.
pub(crate) fn is_transient(e: &PortError) -> bool {
    matches!(e, PortError::Unavailable { hint, .. } if [BROKEN_ANSWER, THROTTLED, SERVER_ERROR].contains(&hint.as_str()))
}

/// `what` names the call and where (`ec2:DescribeInstances in 123456789012/us-east-1`).
pub(crate) fn port_error<E>(what: &str, profile: &str, err: SdkError<E>) -> PortError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    tracing::debug!(operation = what, profile, detail = %DisplayErrorContext(&err), "AWS call failed");
    let what = format!("{what} for profile '{profile}'");
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => PortError::Unavailable {
            what,
            detail: chain(&err),
            hint: "Check the network, the profile's region and endpoint_url (or AWS_ENDPOINT_URL)".into(),
        },
        SdkError::ResponseError(_) => PortError::Unavailable {
            what,
            detail: format!("unreadable answer ({})", chain(&err)),
            hint: BROKEN_ANSWER.into(),
        },
        SdkError::ConstructionFailure(_) if chain(&err).contains("credential") => PortError::Denied {
            what,
            detail: chain(&err),
            hint: format!(
                "No usable credentials: check profile '{profile}' in your AWS config (aws configure list --profile {profile})"
            ),
        },
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = err.code().map(str::to_owned);
            let message = err.message().map(|m| first_line(m).to_owned());
            let detail = match (&code, &message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.clone(),
                (None, Some(m)) => format!("HTTP {status}: {m}"),
                (None, None) => format!("HTTP {status}"),
            };
            let code = code.as_deref().unwrap_or_default();
            let operation = what.split_whitespace().next().unwrap_or_default().to_owned();
            if DENIED_CODES.contains(&code) || message.as_deref().is_some_and(|m| m.contains("not authorized")) {
                PortError::Denied {
                    what,
                    detail,
                    hint: format!(
                        "Grant {operation} to the profile's principal (or check its role_arn and the role's trust policy), or leave this service out of the sync"
                    ),
                }
            } else if THROTTLING_CODES.contains(&code) || status == 429 {
                PortError::Unavailable { what, detail, hint: THROTTLED.into() }
            } else if status >= 500 {
                PortError::Unavailable {
                    what,
                    detail,
                    hint: "AWS answered with a server error; run the sync again".into(),
                }
            } else {
                PortError::Other(format!("{what} failed: {detail}"))
            }
        }
        _ => PortError::Other(format!("{what} failed: {}", chain(&err))),
    }
}

/// The error and its sources on one line (`dispatch failure: io error: connection refused`),
/// without the Debug dump `DisplayErrorContext` appends.
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = next {
        let text = first_line(&e.to_string()).to_owned();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// AWS messages are one line; a proxy's or emulator's may be a page.
fn first_line(text: &str) -> &str {
    let line = text.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(300) {
        Some((cut, _)) => &line[..cut],
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Outer(Inner);
    #[derive(Debug)]
    struct Inner;
    impl std::fmt::Display for Outer {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("dispatch failure")
        }
    }
    impl std::fmt::Display for Inner {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("connection refused\n  at line 2")
        }
    }
    impl std::error::Error for Outer {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }
    impl std::error::Error for Inner {}

    #[test]
    fn error_chains_become_one_line() {
        assert_eq!(chain(&Outer(Inner)), "dispatch failure: connection refused");
        let long = "x".repeat(1000);
        assert_eq!(first_line(&long).len(), 300);
    }
}

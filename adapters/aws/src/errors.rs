//! Turning SDK errors into port errors that tell the user what to check.

use aws_sdk_sts::error::{DisplayErrorContext, SdkError};
use cloudops_ports::PortError;

pub(crate) fn port_error<E, R>(what: &str, profile: &str, err: SdkError<E, R>) -> PortError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let detail = DisplayErrorContext(&err).to_string();
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => PortError::Unavailable {
            what: format!("{what} for profile '{profile}'"),
            detail,
            hint: "Check the network, the profile's region and endpoint_url (or AWS_ENDPOINT_URL)".into(),
        },
        SdkError::ServiceError(_) if detail.contains("AccessDenied") || detail.contains("not authorized") => {
            PortError::Denied {
                what: format!("{what} for profile '{profile}'"),
                detail,
                hint: "Check the profile's permissions, or its role_arn and the role's trust policy".into(),
            }
        }
        SdkError::ConstructionFailure(_) if detail.contains("credential") => PortError::Denied {
            what: format!("{what} for profile '{profile}'"),
            detail,
            hint: format!(
                "No usable credentials: check profile '{profile}' in your AWS config (aws configure list --profile {profile})"
            ),
        },
        _ => PortError::Other(format!("{what} for profile '{profile}' failed: {detail}")),
    }
}

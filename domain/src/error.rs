//! Errors of the domain's constructors. Messages say what was wrong and what a valid value is.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("'{0}' is not an AWS account id: an account id is exactly 12 digits, e.g. 123456789012")]
    AccountId(String),
    #[error("'{0}' is not an AWS region code: use a code such as us-east-1 or eu-west-2")]
    Region(String),
    #[error("'{arn}' is not a valid ARN ({why}): expected arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE")]
    Arn { arn: String, why: String },
    #[error("'{0}' is not a resource identifier: it must be 1-1024 characters with no spaces or control characters")]
    ResourceId(String),
    #[error("'{0}' is not a resource kind: use one of {kinds}", kinds = crate::resource::ResourceKind::names())]
    ResourceKind(String),
    #[error("'{0}' is not an IAM action: write SERVICE:Action, e.g. rds:StopDBInstance (wildcards allowed)")]
    IamAction(String),
    #[error("'{0}' is not a tag expression: write KEY=VALUE, e.g. env=prod")]
    Tag(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("step '{0}' appears twice in the plan: step ids must be unique")]
    DuplicateStep(String),
    #[error("step '{step}' depends on '{missing}', which is not a step of this plan")]
    UnknownDependency { step: String, missing: String },
    #[error("the plan's steps depend on each other in a cycle through '{0}': dependencies must form a DAG")]
    Cycle(String),
    #[error(
        "step '{step}' calls '{operation}', which is not an AWS API operation name (expected PascalCase such as StopDBInstance)"
    )]
    Operation { step: String, operation: String },
    #[error(
        "step '{step}' has parameter '{name}', which is not an AWS parameter name (expected PascalCase such as DBInstanceIdentifier)"
    )]
    Parameter { step: String, name: String },
}

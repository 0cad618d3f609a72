//! The pure model of cloudops.
//!
//! Resources and their ids, tags, IAM permissions, constraints, intents, plans, risk rules and
//! the planner wire types. No IO: no files, no network, no clock, no async runtime. A test
//! (`tests/purity.rs`) fails if that changes.

pub mod agent;
pub mod approval;
pub mod constraints;
pub mod document;
pub mod error;
pub mod guard;
pub mod iam;
pub mod ids;
pub mod insights;
pub mod intent;
pub mod lookup;
mod newtype;
pub mod plan;
pub mod playbook;
pub mod policy;
pub mod pseudonym;
pub mod quantity;
pub mod resource;
pub mod risk;
pub mod routing;
pub mod tags;
pub mod testing;
pub mod verbs;
pub mod wire;

pub use constraints::Constraints;
pub use error::{IdError, PlanError};
pub use iam::{IamAction, IamPermissions, PermissionVerdict, PrincipalContext, PrincipalKind};
pub use ids::{AccountId, Arn, PointId, Region, ResourceId};
pub use intent::{ActionClass, Filters, Intent, TargetRef, Verb};
pub use plan::{AwsCall, PlanStep, Script, StepKind, WaitFor};
pub use playbook::{Catalog, Playbook, PlaybookSummary};
pub use resource::{Dependency, Facet, IngressRule, Relation, Resource, ResourceConfig, ResourceKind, ResourceState};
pub use risk::{ExposureChange, RiskAssessment, RiskInput, RiskLevel, RiskReason, RiskRule};
pub use tags::{TagFilter, Tags};
pub use wire::{
    BlockRule, Blocker, ChatRole, ChatTurn, Clarification, IdentifiedResource, PlanRequest, PlanResponse, PlaybookRef,
    UserContext,
};

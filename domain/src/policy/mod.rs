//! IAM identity policies, evaluated offline: the local permission oracle's engine.
//!
//! [`PolicyDocument::parse`] reads the JSON IAM returns; [`evaluate`] decides one action on one
//! resource against a principal's policies the way IAM does for identity policies —
//! an explicit deny wins, then an allow, else an implicit deny — with one addition: a
//! statement whose conditions cannot be decided offline makes the answer `Unknown` rather
//! than a guess. Permission boundaries, SCPs and resource policies are not evaluated.

mod condition;
mod document;
mod evaluate;
mod pattern;

pub use condition::RequestContext;
pub use document::{Effect, PolicyDocument, PolicyError, Statement};
pub use evaluate::{Decision, evaluate};
pub use pattern::wildcard_match;

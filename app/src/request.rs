//! The request builder: from a prompt and its lookup to the planner request. Only the
//! resources the lookup resolved go out, with the non-secret facts `IdentifiedResource`
//! carries; never a credential, never the rest of the estate.

use cloudops_domain::lookup::Verdict;
use cloudops_domain::{IdentifiedResource, PlanRequest, Region, UserContext};

use crate::lookup::LookupResult;

/// Resources a filter-only request ("stopped instances in production") may send at most.
pub const MAX_FILTER_MATCHES: usize = 200;

/// The resources the lookup identified: the one it is sure of; every tied candidate when
/// ambiguous (the planner then asks which, it never picks); every match of a filter-only
/// request; none when nothing matched by name (the planner then asks which resource).
pub fn identified(lookup: &LookupResult) -> Vec<IdentifiedResource> {
    let ranking = &lookup.ranking;
    let parsed = &lookup.parsed;
    let filters_only = parsed.terms.is_empty() && parsed.arns.is_empty() && !parsed.filters.is_empty();
    let take = match ranking.verdict {
        Verdict::Confident => 1,
        Verdict::Ambiguous => ranking.tied.max(1),
        Verdict::Weak if filters_only => MAX_FILTER_MATCHES,
        Verdict::Weak | Verdict::NoMatch => 0,
    };
    ranking.candidates.iter().take(take).map(|c| IdentifiedResource::from_resource(&c.resource, c.score)).collect()
}

/// The planner request for `prompt`.
pub fn build(prompt: &str, lookup: &LookupResult, default_region: Option<Region>) -> PlanRequest {
    PlanRequest {
        prompt: prompt.to_owned(),
        identified_resources: identified(lookup),
        user_context: UserContext {
            default_region,
            recent_turns: Vec::new(),
            client: Some(format!("cloudops-cli/{}", env!("CARGO_PKG_VERSION"))),
        },
    }
}

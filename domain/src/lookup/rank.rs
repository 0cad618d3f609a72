//! Fusing name matches with vector similarity, and the ambiguity verdict.
//!
//! Score fusion rather than reciprocal rank fusion: the verdict needs to know how *close*
//! two candidates are, which ranks alone do not say. Exact matches (name, identifier, ARN)
//! form a class of their own, score 1.0 and always come first; then `0.8 × name + 0.2 × vector`, so a
//! good name match beats any vector-only neighbour and the vector breaks ties and finds
//! resources described rather than named ("the thumbnail function").

use std::collections::HashMap;

use serde::Serialize;

use crate::ids::PointId;
use crate::resource::Resource;

/// Weight of the name score in the fused score (the vector gets the rest).
pub const NAME_WEIGHT: f32 = 0.8;
/// A name score from which a candidate counts as named rather than merely similar.
pub const NAMED: f32 = 0.5;
/// Candidates whose name scores are this close to the best are indistinguishable by name.
pub const NAME_MARGIN: f32 = 0.03;
/// Candidates whose fused scores are this close to the best are indistinguishable.
pub const SCORE_MARGIN: f32 = 0.02;

/// One resource the prompt may mean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub resource: Resource,
    /// The fused score in `0.0..=1.0`.
    pub score: f32,
    /// Name score in `0.0..=1.0`; 1.0 = exact name, identifier or ARN.
    pub name_score: f32,
    /// Cosine similarity of the query and resource embeddings, when the vector search found it.
    pub vector_score: Option<f32>,
}

impl Candidate {
    pub fn is_exact(&self) -> bool {
        self.name_score >= 1.0
    }
}

/// How sure the lookup is about its best candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Nothing matched.
    NoMatch,
    /// One candidate stands out (exact, or clearly the best name match).
    Confident,
    /// Several candidates are equally close: the caller must ask which one.
    Ambiguous,
    /// The best candidate is only similar (no name matched): show it, do not act on it alone.
    Weak,
}

/// Ranked candidates and the verdict on them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ranking {
    pub candidates: Vec<Candidate>,
    pub verdict: Verdict,
    /// How many leading candidates are indistinguishable (1 unless ambiguous).
    pub tied: usize,
}

impl Ranking {
    pub fn is_ambiguous(&self) -> bool {
        self.verdict == Verdict::Ambiguous
    }
}

/// Fuses name hits and vector hits (each `(resource, score)`) into at most `limit`
/// candidates, best first, with the verdict.
pub fn fuse(named: Vec<(Resource, f32)>, similar: Vec<(Resource, f32)>, limit: usize) -> Ranking {
    let mut by_id: HashMap<PointId, Candidate> = HashMap::new();
    fn entry(map: &mut HashMap<PointId, Candidate>, resource: Resource) -> &mut Candidate {
        map.entry(resource.point_id()).or_insert(Candidate {
            resource,
            score: 0.0,
            name_score: 0.0,
            vector_score: None,
        })
    }
    for (resource, name_score) in named {
        let c = entry(&mut by_id, resource);
        c.name_score = c.name_score.max(name_score);
    }
    for (resource, vector_score) in similar {
        entry(&mut by_id, resource).vector_score = Some(vector_score);
    }
    let mut candidates: Vec<Candidate> = by_id
        .into_values()
        .map(|mut c| {
            c.score = if c.is_exact() {
                1.0
            } else {
                NAME_WEIGHT * c.name_score + (1.0 - NAME_WEIGHT) * c.vector_score.unwrap_or(0.0).max(0.0)
            };
            c
        })
        .collect();
    candidates.sort_by(|a, b| {
        b.is_exact()
            .cmp(&a.is_exact())
            .then(b.score.total_cmp(&a.score))
            .then(b.vector_score.unwrap_or(0.0).total_cmp(&a.vector_score.unwrap_or(0.0)))
            .then_with(|| a.resource.arn.as_str().cmp(b.resource.arn.as_str()))
    });
    // When something was named, resources that are merely similar are noise: drop them.
    if candidates.first().is_some_and(|top| top.name_score >= NAMED) {
        candidates.retain(|c| c.name_score > 0.0);
    }
    let (verdict, tied) = verdict(&candidates);
    // Every indistinguishable candidate is listed, even past the limit.
    candidates.truncate(limit.max(tied));
    Ranking { candidates, verdict, tied }
}

fn verdict(candidates: &[Candidate]) -> (Verdict, usize) {
    let Some(top) = candidates.first() else {
        return (Verdict::NoMatch, 0);
    };
    let tied = if top.is_exact() {
        candidates.iter().take_while(|c| c.is_exact()).count()
    } else if top.name_score >= NAMED {
        candidates.iter().take_while(|c| c.name_score >= top.name_score - NAME_MARGIN).count()
    } else {
        candidates.iter().take_while(|c| c.score >= top.score - SCORE_MARGIN).count()
    };
    let verdict = match (tied, top.name_score >= NAMED) {
        (2.., _) => Verdict::Ambiguous,
        (_, true) => Verdict::Confident,
        (_, false) => Verdict::Weak,
    };
    (verdict, tied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::ResourceKind;
    use crate::testing::resource_in;

    fn r(name: &str, account: &str) -> Resource {
        resource_in(ResourceKind::RdsInstance, name, "available", account, "us-east-1")
    }

    #[test]
    fn exact_beats_everything_and_one_exact_is_confident() {
        let ranking = fuse(
            vec![(r("pg-main", "111111111111"), 1.0), (r("pg-main-replica", "111111111111"), 0.9)],
            vec![(r("orders", "111111111111"), 0.99)],
            10,
        );
        assert_eq!(ranking.candidates[0].resource.name.as_deref(), Some("pg-main"));
        assert_eq!(ranking.candidates[0].score, 1.0);
        assert_eq!(ranking.verdict, Verdict::Confident);
        assert_eq!(ranking.candidates.len(), 2, "a merely similar resource is dropped once one is named");
    }

    #[test]
    fn the_same_name_in_two_accounts_is_ambiguous() {
        let ranking = fuse(
            vec![(r("reporting-db", "111111111111"), 1.0), (r("reporting-db", "222222222222"), 1.0)],
            vec![(r("reporting-db", "222222222222"), 0.7)],
            10,
        );
        assert_eq!(ranking.verdict, Verdict::Ambiguous);
        assert_eq!(ranking.tied, 2);
        assert_eq!(ranking.candidates[0].vector_score, Some(0.7), "the vector breaks the tie in order only");
    }

    #[test]
    fn close_name_scores_are_ambiguous_and_vector_only_is_weak() {
        let ranking = fuse(vec![(r("kafka-1", "111111111111"), 0.8), (r("kafka-2", "111111111111"), 0.79)], vec![], 10);
        assert!(ranking.is_ambiguous());
        let ranking = fuse(vec![], vec![(r("a", "111111111111"), 0.6), (r("b", "111111111111"), 0.4)], 10);
        assert_eq!(ranking.verdict, Verdict::Weak);
        assert_eq!(fuse(vec![], vec![], 10).verdict, Verdict::NoMatch);
    }
}

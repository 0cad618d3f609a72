use async_trait::async_trait;

use crate::PortResult;

/// Turns text into vectors.
///
/// Contract: `embed` returns one vector of `dimension()` floats per input, in input order,
/// L2-normalised; the same text always gives the same vector (no sampling); no network.
#[async_trait]
pub trait Embedder: Send + Sync {
    fn dimension(&self) -> usize;
    /// Identifies the model, so vectors from another model are never mixed in one index.
    fn model_id(&self) -> &str;
    async fn embed(&self, texts: &[String]) -> PortResult<Vec<Vec<f32>>>;
}

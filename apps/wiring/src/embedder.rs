//! MiniLM found at open, loaded on first use: a command that embeds nothing (status,
//! history) does not pay for loading the model.

use std::sync::Arc;

use async_trait::async_trait;
use cloudops_embeddings::{MiniLmEmbedder, ModelFiles};
use cloudops_ports::{Embedder, PortError, PortResult};

/// The embedder when its files are installed, else why not (`cargo xtask setup` installs them).
pub fn discover() -> Result<Arc<dyn Embedder>, String> {
    let files = ModelFiles::discover().map_err(|e| e.to_string())?;
    files.check().map_err(|e| e.to_string())?;
    Ok(Arc::new(LazyMiniLm { files, model: tokio::sync::OnceCell::new() }))
}

struct LazyMiniLm {
    files: ModelFiles,
    model: tokio::sync::OnceCell<MiniLmEmbedder>,
}

#[async_trait]
impl Embedder for LazyMiniLm {
    fn dimension(&self) -> usize {
        MiniLmEmbedder::DIMENSIONS
    }
    fn model_id(&self) -> &str {
        self.files.variant.model_id()
    }
    async fn embed(&self, texts: &[String]) -> PortResult<Vec<Vec<f32>>> {
        let model = self
            .model
            .get_or_try_init(|| async {
                let files = self.files.clone();
                tokio::task::spawn_blocking(move || MiniLmEmbedder::load(&files))
                    .await
                    .map_err(|e| PortError::Other(format!("loading the embedding model failed: {e}")))?
                    .map_err(|e| PortError::Other(e.to_string()))
            })
            .await?;
        model.embed(texts).await
    }
}

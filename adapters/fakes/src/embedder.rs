use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use cloudops_ports::{Embedder, PortResult};
use sha2::{Digest, Sha256};

/// A deterministic, L2-normalised 8-d "embedding" from a text's SHA-256. Counts the texts it
/// embedded, so tests can assert what was (not) re-embedded.
#[derive(Debug, Default)]
pub struct HashEmbedder {
    embedded: AtomicUsize,
}

impl HashEmbedder {
    pub fn embedded(&self) -> usize {
        self.embedded.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Embedder for HashEmbedder {
    fn dimension(&self) -> usize {
        8
    }
    fn model_id(&self) -> &str {
        "fake-sha256-8d"
    }
    async fn embed(&self, texts: &[String]) -> PortResult<Vec<Vec<f32>>> {
        self.embedded.fetch_add(texts.len(), Ordering::SeqCst);
        Ok(texts
            .iter()
            .map(|t| {
                let digest = Sha256::digest(t.as_bytes());
                let v: Vec<f32> = digest[..8].iter().map(|b| f32::from(*b) - 127.5).collect();
                let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::EPSILON);
                v.into_iter().map(|x| x / norm).collect()
            })
            .collect())
    }
}

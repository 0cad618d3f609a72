use std::sync::{Arc, Mutex, OnceLock};

use async_trait::async_trait;
use cloudops_ports::{Embedder, PortError, PortResult};
use fastembed::{
    InitOptionsUserDefined, Pooling, QuantizationMode, TextEmbedding, TokenizerFiles, UserDefinedEmbeddingModel,
};

use crate::files::{EmbedError, ModelFiles};

/// Tokens per input: the model's sentence-transformers `max_seq_length`.
const MAX_TOKENS: usize = 256;
/// Texts per inference batch.
pub const BATCH: usize = 32;

/// all-MiniLM-L6-v2, 384-d, in-process. Cheap to clone (shares the sessions).
#[derive(Clone)]
pub struct MiniLmEmbedder {
    /// One text (a query): a session of one thread. With two, the second thread's wake-up
    /// costs more than it saves on a 15-token input, and a spinning second thread would take
    /// the core the vector search runs on next (`cargo xtask bench lookup` prints both rates).
    single: Session,
    /// Batches: one intra-op thread per core, made on the first batch (a process that only
    /// looks resources up never needs it).
    batch: Arc<Mutex<Option<Session>>>,
    files: ModelFiles,
}

type Session = Arc<Mutex<TextEmbedding>>;

fn poisoned<T>(_: T) -> PortError {
    PortError::Other("the embedding model was poisoned by a panic".into())
}

/// A session over `files`' model with `threads` intra-op threads (`None`: one per core).
fn session(files: &ModelFiles, threads: Option<usize>) -> Result<Session, EmbedError> {
    let tokenizer = TokenizerFiles {
        tokenizer_file: files.read("tokenizer.json")?,
        config_file: files.read("config.json")?,
        special_tokens_map_file: files.read("special_tokens_map.json")?,
        tokenizer_config_file: files.read("tokenizer_config.json")?,
    };
    let model = UserDefinedEmbeddingModel::new(files.read(files.variant.file())?, tokenizer)
        .with_pooling(Pooling::Mean)
        // Both graphs carry their own quantisation; fastembed's `Dynamic` mode would forbid
        // batching. (The int8 graph scales each activation tensor by its range, so a text's
        // batch-mates nudge its vector slightly: see the reference test.)
        .with_quantization(QuantizationMode::None);
    let mut options = InitOptionsUserDefined::default()
        .with_max_length(MAX_TOKENS)
        // onnxruntime's worker threads busy-wait after each run by default: on a 2-core
        // machine they steal the CPU from whatever runs next (the store writes during sync).
        .with_session_config("session.intra_op.allow_spinning", "0")
        .with_session_config("session.inter_op.allow_spinning", "0");
    if let Some(threads) = threads {
        options = options.with_intra_threads(threads);
    }
    TextEmbedding::try_new_from_user_defined(model, options)
        .map(|m| Arc::new(Mutex::new(m)))
        .map_err(|e| EmbedError::Model(e.to_string()))
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MiniLmEmbedder({})", self.files.variant.model_id())
    }
}

/// onnxruntime is loaded once per process; the first path wins.
fn load_runtime(files: &ModelFiles) -> Result<(), EmbedError> {
    static LOADED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = LOADED.get_or_init(|| {
        let path = files.onnxruntime.display().to_string();
        // Loads the library; sessions then use ort's default environment.
        ort::init_from(&path).map(drop).map_err(|e| e.to_string())
    });
    result.clone().map_err(|detail| EmbedError::Runtime { path: files.onnxruntime.clone(), detail })
}

impl MiniLmEmbedder {
    pub const DIMENSIONS: usize = 384;

    /// Loads the model from the installed files (see [`ModelFiles::discover`]).
    pub fn load(files: &ModelFiles) -> Result<Self, EmbedError> {
        files.check()?;
        load_runtime(files)?;
        Ok(Self { single: session(files, Some(1))?, batch: Arc::default(), files: files.clone() })
    }

    /// The batch session, made on first use.
    fn batch_session(&self) -> PortResult<Session> {
        let mut slot = self.batch.lock().map_err(poisoned)?;
        if let Some(session) = &*slot {
            return Ok(session.clone());
        }
        let made = session(&self.files, None).map_err(|e| PortError::Other(e.to_string()))?;
        *slot = Some(made.clone());
        Ok(made)
    }

    /// Discovers the installed files and loads them.
    pub fn discover() -> Result<Self, EmbedError> {
        Self::load(&ModelFiles::discover()?)
    }

    /// Embeds on the calling thread (blocking).
    pub fn embed_blocking(&self, texts: &[String]) -> PortResult<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let session = if texts.len() == 1 { self.single.clone() } else { self.batch_session()? };
        let mut model = session.lock().map_err(poisoned)?;
        // A batch is padded to its longest text, so batches of similar lengths waste far less
        // compute: embed in length order, answer in input order.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for batch in order.chunks(BATCH) {
            let inputs: Vec<&str> = batch.iter().map(|&i| texts[i].as_str()).collect();
            let vectors =
                model.embed(inputs, Some(BATCH)).map_err(|e| PortError::Other(format!("embedding failed: {e}")))?;
            for (&i, vector) in batch.iter().zip(vectors) {
                out[i] = normalised(vector);
            }
        }
        Ok(out)
    }
}

/// L2-normalised (the port's contract), whatever the model's last op did.
fn normalised(v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 { v.into_iter().map(|x| x / norm).collect() } else { v }
}

#[async_trait]
impl Embedder for MiniLmEmbedder {
    fn dimension(&self) -> usize {
        Self::DIMENSIONS
    }
    fn model_id(&self) -> &str {
        self.files.variant.model_id()
    }
    async fn embed(&self, texts: &[String]) -> PortResult<Vec<Vec<f32>>> {
        let this = self.clone();
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || this.embed_blocking(&texts))
            .await
            .map_err(|e| PortError::Other(format!("an embedding task failed: {e}")))?
    }
}

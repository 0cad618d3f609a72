//! In-memory adapters for unit tests of the use cases. They keep their ports' contracts (the
//! store's filter and idempotence rules, the embedder's determinism) so a use case tested
//! against them behaves the same against the real adapters; the e2e tests use the real ones.

pub mod at_rest;
mod chat;
pub mod contract;
mod embedder;
pub mod scale;
mod secrets;
mod store;

pub use chat::MemoryChatStore;
pub use embedder::HashEmbedder;
pub use secrets::MemorySecretStore;
pub use store::MemoryEstateStore;

//! The in-memory stores keep the same contracts as the real ones.

use cloudops_fakes::contract::{chat_store_contract, estate_store_contract};
use cloudops_fakes::{MemoryChatStore, MemoryEstateStore};

#[tokio::test]
async fn memory_estate_store_keeps_the_contract() {
    estate_store_contract(&MemoryEstateStore::default(), 8).await;
}

#[tokio::test]
async fn memory_chat_store_keeps_the_contract() {
    chat_store_contract(&MemoryChatStore::default()).await;
}

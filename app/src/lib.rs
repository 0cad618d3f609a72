//! The use cases of cloudops, generic over the ports, shared by the CLI, the desktop app and
//! the server so that no app repeats logic. Apps only parse input, wire adapters and render.

pub mod archive;
pub mod backup;
pub mod checked;
pub mod client;
pub mod config;
pub mod counters;
pub mod doctor;
pub mod error;
pub mod execute;
pub mod keys;
pub mod lookup;
pub mod paths;
pub mod plan;
pub mod plan_file;
pub mod playbooks;
pub mod request;
pub mod schedule;
pub mod status;
pub mod sync;

pub use client::{Client, ClientError, ClientParts};
pub use config::Config;
pub use error::AppError;
pub use paths::AppPaths;

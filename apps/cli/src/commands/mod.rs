//! One module per verb: convert the flags, call the client (or the wiring), hand the result
//! to `render`. No command module imports another; what `ask`, `exec` and `chat` share on the
//! terminal is in `terminal`.

pub mod ask;
pub mod audit;
pub mod chat;
pub mod doctor;
pub mod insights;
pub mod plan;
pub mod search;
pub mod server;
pub mod store;
pub mod sync;

//! Resource lookup, the pure part: parse a prompt into filters and name words
//! ([`parse::parse`]), match names ([`fuzzy`], [`index::NameIndex`]), fuse with vector
//! similarity and decide whether the answer is ambiguous ([`rank::fuse`]). The use case
//! that runs it against the store and the embedder is `cloudops_app::lookup`.

pub mod facets;
pub mod fuzzy;
pub mod index;
pub mod parse;
pub mod rank;
pub(crate) mod words;

pub use facets::DocFilter;
pub use fuzzy::NameQuery;
pub use index::{NameHit, NameIndex, Suggestion};
pub use parse::{AccountName, ParsedQuery, parse};
pub use rank::{Candidate, Ranking, Verdict, fuse};

//! The data contract (`shared/spec/formats.md`) as Rust types.
//!
//! Input records are what `unmask scan` reads from a workspace; the event
//! types are the few fields of Okta, OCSF and osquery that later stages use;
//! [`findings`] is the output contract. Every other crate speaks these types,
//! so this crate has no logic beyond parsing the contract's own value shapes
//! (timestamps, dates, ids that arrive as numbers).

pub mod findings;
pub mod records;
pub mod time;
pub mod truth;

pub use records::*;
pub use time::{Day, Timestamp};

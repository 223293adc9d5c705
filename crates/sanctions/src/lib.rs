//! Sanctions screening: who on a sanctions list a person or company may be.
//!
//! - [`list`]: the lists, loaded into one model (entity, names, dates of
//!   birth, nationalities, identifiers). OFAC's legacy CSVs for now.
//! - [`names`]: names as comparable keys: any script to Latin, either name
//!   order, joined or split given names, and Korean romanisation variants
//!   (Ri/Lee/Rhee, Pak/Park, Jong/Jung/Chong, Chol/Cheol/Chul …) mapped to
//!   one key.
//! - [`screen`]: an index over a list and the query: identifiers match
//!   exactly after normalisation, names fuzzily, and a date of birth or
//!   nationality moves a name match up or down.
//!
//! A name alone is a reason to review, never proof: common Korean names
//! match some designee by name alone, so callers report name matches as
//! `review` and only identifier matches as hits.

pub mod checksum;
pub mod eval;
pub mod list;
pub mod load;
pub mod names;
pub mod ofac_advanced;
pub mod screen;
pub mod uk;
pub mod un;
pub mod xml;

pub use list::{Entity, EntityKind, IdKind, Identifier, ListedName};
pub use load::{Loaded, load_dir};
pub use screen::{Index, Match, Query};

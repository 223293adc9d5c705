//! Canonical keys that later stages can compare with `==`.
//!
//! Each module turns one kind of messy real-world value into a key that
//! survives the variations people and exports introduce (case, accents,
//! scripts, `Road`/`Rd`, dots in Gmail addresses, national phone formats,
//! IPv4-mapped IPv6) while keeping genuinely different values apart.
//! Nothing here looks at what a name *is* — only at how it is written.

pub mod address;
pub mod email;
pub mod ip;
pub mod name;
pub mod phone;
pub mod text;
pub mod zone;

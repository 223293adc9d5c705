//! Tokens and roles.
//!
//! A token is 32 random bytes shown once, hex-encoded, when it is created
//! (`unmask token create --role analyst`); the store keeps only its SHA-256.
//! Roles nest: `ingest` may send records and read back an application's own
//! risk; `analyst` may also read everything and record dispositions;
//! `admin` may also erase personas and read the audit log.

use sha2::{Digest, Sha256};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Ingest,
    Analyst,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "ingest" => Some(Role::Ingest),
            "analyst" => Some(Role::Analyst),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
        }
    }
}

/// The caller, once its token is checked.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    pub token_id: i64,
    pub role: Role,
}

pub fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.trim().as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A new token: `um_` and 64 hex digits of the system's randomness.
pub fn new_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no system randomness: {e}"))?;
    Ok(format!("um_{}", hex(&b)))
}

/// Creates a token of `role` in the store; returns the token itself, which
/// is not kept.
pub fn create(store: &crate::store::Store, role: Role, label: &str) -> Result<String, String> {
    let token = new_token()?;
    let id = store.add_token(&hash(&token), role.name(), label)?;
    store.audit(
        None,
        "token.create",
        &format!("token {id} ({}, {label})", role.name()),
    )?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("u.db")).unwrap();
        let a = create(&store, Role::Analyst, "alice").unwrap();
        let b = create(&store, Role::Ingest, "ats").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("um_") && a.len() == 67);
        assert_eq!(store.token(&hash(&a)).unwrap().unwrap().1, "analyst");
        assert!(
            store.token(&a).unwrap().is_none(),
            "the token itself is not a key"
        );
        assert!(Role::Admin > Role::Analyst && Role::Analyst > Role::Ingest);
    }
}

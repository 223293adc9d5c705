//! String interning into one arena: each distinct (kind, text) is stored
//! once and named by a dense `u32`. The identity graph interns identifiers
//! with their kind; the linkage engine interns column values (kind `()`).
//!
//! At tens of millions of identifiers a `HashMap<String, u32>` plus a
//! `Vec<String>` would store every string twice and allocate per string;
//! here the table holds only ids and compares through the arena.

use hashbrown::HashTable;
use std::hash::{BuildHasher, Hash, Hasher};

pub struct Interner<K> {
    arena: String,
    spans: Vec<(u64, u32)>,
    kinds: Vec<K>,
    table: HashTable<u32>,
    hasher: rustc_hash::FxBuildHasher,
}

impl<K: Copy + Eq + Hash> Default for Interner<K> {
    fn default() -> Self {
        Interner {
            arena: String::new(),
            spans: vec![],
            kinds: vec![],
            table: HashTable::new(),
            hasher: Default::default(),
        }
    }
}

/// The hash of a (kind, text) entry: the one the table is keyed by.
fn hash_of<K: Hash>(hasher: &rustc_hash::FxBuildHasher, kind: K, s: &str) -> u64 {
    let mut h = hasher.build_hasher();
    kind.hash(&mut h);
    s.hash(&mut h);
    h.finish()
}

/// Entry `id`'s text in the arena.
fn text_of<'a>(arena: &'a str, spans: &[(u64, u32)], id: u32) -> &'a str {
    let (start, len) = spans[id as usize];
    &arena[start as usize..start as usize + len as usize]
}

impl<K: Copy + Eq + Hash> Interner<K> {
    fn hash(&self, kind: K, s: &str) -> u64 {
        hash_of(&self.hasher, kind, s)
    }

    pub fn get(&self, kind: K, s: &str) -> Option<u32> {
        let h = self.hash(kind, s);
        self.table
            .find(h, |&id| {
                self.kinds[id as usize] == kind && self.text(id) == s
            })
            .copied()
    }

    pub fn intern(&mut self, kind: K, s: &str) -> u32 {
        let h = self.hash(kind, s);
        let Self {
            arena,
            spans,
            kinds,
            table,
            hasher,
        } = self;
        if let Some(&id) = table.find(h, |&id| {
            kinds[id as usize] == kind && text_of(arena, spans, id) == s
        }) {
            return id;
        }
        let id = spans.len() as u32;
        spans.push((arena.len() as u64, s.len() as u32));
        arena.push_str(s);
        kinds.push(kind);
        table.insert_unique(h, id, |&other| {
            hash_of(hasher, kinds[other as usize], text_of(arena, spans, other))
        });
        id
    }

    /// Room for `n` more strings of about `bytes_each`, so that a table
    /// whose final size is known roughly is not rehashed on the way there.
    pub fn reserve(&mut self, n: usize, bytes_each: usize) {
        let Self {
            arena,
            spans,
            kinds,
            table,
            hasher,
        } = self;
        arena.reserve(n * bytes_each);
        spans.reserve(n);
        kinds.reserve(n);
        table.reserve(n, |&other| {
            hash_of(hasher, kinds[other as usize], text_of(arena, spans, other))
        });
    }

    pub fn text(&self, id: u32) -> &str {
        text_of(&self.arena, &self.spans, id)
    }

    pub fn kind(&self, id: u32) -> K {
        self.kinds[id as usize]
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Bytes held, for the memory report.
    pub fn heap_bytes(&self) -> usize {
        self.arena.capacity()
            + self.spans.capacity() * 16
            + self.kinds.capacity() * size_of::<K>()
            + self.table.capacity() * 5
    }
}

#[cfg(test)]
mod tests {
    use super::Interner;

    #[test]
    fn same_text_same_id_kind_separates() {
        let mut i = Interner::<u8>::default();
        let a = i.intern(1, "x@y.z");
        let b = i.intern(2, "x@y.z");
        assert_ne!(a, b);
        assert_eq!(i.intern(1, "x@y.z"), a);
        assert_eq!(i.get(2, "x@y.z"), Some(b));
        assert_eq!(i.get(3, "x@y.z"), None);
        for n in 0..10_000 {
            i.intern(1, &n.to_string());
        }
        assert_eq!(i.get(1, "9999").map(|id| i.text(id)), Some("9999"));
        assert_eq!(i.text(a), "x@y.z");
        assert_eq!(i.len(), 10_002);
    }
}

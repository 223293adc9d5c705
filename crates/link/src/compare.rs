//! Comparison levels: how alike two records are, field by field.
//!
//! Every field's comparison yields a level: 0 when either value is missing
//! (it then carries no weight), 1 for an exact match, then one level per
//! threshold from closest to loosest, and last "different".

use crate::table::{Input, Table};

#[derive(Clone, Debug)]
pub enum Comparator {
    /// exact or different
    Exact,
    /// exact, then Jaro-Winkler similarity at or above each threshold
    JaroWinkler(Vec<f64>),
    /// exact, then Levenshtein distance at or below each threshold
    Levenshtein(Vec<usize>),
    /// exact, then Damerau-Levenshtein distance at or below each threshold
    Damerau(Vec<usize>),
    /// `yyyymmdd` (separators ignored): exact, one edit, within a month,
    /// a year, ten years
    Date,
    /// numbers: exact, then absolute difference at or below each threshold
    Numeric(Vec<f64>),
    /// word sets: exact, then Jaccard similarity at or above each threshold
    /// (word order and repeats ignored: "smith john" = "john smith")
    TokenSet(Vec<f64>),
    /// 64-bit hashes in hex (perceptual photo hashes): exact, then at most
    /// each threshold of differing bits
    Hamming(Vec<u32>),
    /// long text (résumés): exact, then MinHash-estimated Jaccard similarity
    /// of word 3-shingles at or above each threshold
    MinHash(Vec<f64>),
}

impl Comparator {
    pub fn levels(&self) -> usize {
        3 + match self {
            Comparator::Exact => 0,
            Comparator::JaroWinkler(t) | Comparator::TokenSet(t) | Comparator::MinHash(t) => {
                t.len()
            }
            Comparator::Numeric(t) => t.len(),
            Comparator::Levenshtein(t) | Comparator::Damerau(t) => t.len(),
            Comparator::Hamming(t) => t.len(),
            Comparator::Date => 4,
        }
    }

    /// The level of two present, different values (2 … last).
    fn inexact(&self, a: &str, b: &str, sig: Option<(&[u32], &[u32])>) -> u8 {
        let last = self.levels() as u8 - 1;
        let found = match self {
            Comparator::Exact => None,
            Comparator::JaroWinkler(t) => {
                let s = jaro_winkler(a, b);
                t.iter().position(|&x| s >= x)
            }
            Comparator::Levenshtein(t) => {
                let d = strsim::levenshtein(a, b);
                t.iter().position(|&x| d <= x)
            }
            Comparator::Damerau(t) => {
                // Optimal string alignment: transpositions count once, and no
                // per-call hash map as in unrestricted Damerau-Levenshtein.
                let d = strsim::osa_distance(a, b);
                t.iter().position(|&x| d <= x)
            }
            Comparator::Date => date_level(a, b),
            Comparator::Numeric(t) => match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) => t.iter().position(|&th| (x - y).abs() <= th),
                _ => None,
            },
            Comparator::TokenSet(t) => {
                let s = token_jaccard(a, b);
                t.iter().position(|&x| s >= x)
            }
            Comparator::Hamming(t) => match (parse_hash(a), parse_hash(b)) {
                (Some(x), Some(y)) => {
                    let d = (x ^ y).count_ones();
                    t.iter().position(|&th| d <= th)
                }
                _ => None,
            },
            Comparator::MinHash(t) => {
                let s = match sig {
                    Some((x, y)) => minhash_similarity(x, y),
                    None => minhash_similarity(&minhash(a), &minhash(b)),
                };
                t.iter().position(|&th| s >= th)
            }
        };
        found.map_or(last, |i| 2 + i as u8)
    }
}

/// Jaro-Winkler similarity; short ASCII strings (nearly every name) take a
/// path without allocation, others strsim's.
fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !a.is_ascii() || !b.is_ascii() || x.len() > 64 || y.len() > 64 {
        return strsim::jaro_winkler(a, b);
    }
    if x.is_empty() || y.is_empty() {
        return if x.len() == y.len() { 1.0 } else { 0.0 };
    }
    let window = (x.len().max(y.len()) / 2).saturating_sub(1);
    let (mut x_hit, mut y_hit) = ([false; 64], [false; 64]);
    let mut matches = 0usize;
    for (i, &c) in x.iter().enumerate() {
        let lo = i.saturating_sub(window);
        let hi = (i + window + 1).min(y.len());
        for j in lo..hi {
            if !y_hit[j] && y[j] == c {
                x_hit[i] = true;
                y_hit[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let (mut k, mut half) = (0usize, 0usize);
    for (i, &c) in x.iter().enumerate() {
        if x_hit[i] {
            while !y_hit[k] {
                k += 1;
            }
            if y[k] != c {
                half += 1;
            }
            k += 1;
        }
    }
    let m = matches as f64;
    let jaro = (m / x.len() as f64 + m / y.len() as f64 + (m - (half / 2) as f64) / m) / 3.0;
    if jaro <= 0.7 {
        return jaro; // the prefix bonus only for strings already alike
    }
    let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
    jaro + 0.1 * prefix as f64 * (1.0 - jaro)
}

fn parse_hash(s: &str) -> Option<u64> {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).ok()
}

fn token_jaccard(a: &str, b: &str) -> f64 {
    let ta: rustc_hash::FxHashSet<&str> = a.split_whitespace().collect();
    let tb: rustc_hash::FxHashSet<&str> = b.split_whitespace().collect();
    let inter = ta.intersection(&tb).count() as f64;
    let union = (ta.len() + tb.len()) as f64 - inter;
    if union == 0.0 { 1.0 } else { inter / union }
}

/// Number of MinHash permutations: the similarity estimate's standard
/// error is about 0.06, enough to tell a reworded résumé from a new one.
pub const MINHASH_LEN: usize = 64;

/// MinHash signature of a text's word 3-shingles (words, for texts shorter
/// than three words).
pub fn minhash(text: &str) -> Vec<u32> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut sig = vec![u32::MAX; MINHASH_LEN];
    let shingles: Vec<u64> = if words.len() < 3 {
        words.iter().map(|w| fx(w.as_bytes(), 0)).collect()
    } else {
        words
            .windows(3)
            .map(|w| fx(w.join(" ").as_bytes(), 0))
            .collect()
    };
    for s in shingles {
        for (k, slot) in sig.iter_mut().enumerate() {
            let h = mix(s ^ (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)) as u32;
            *slot = (*slot).min(h);
        }
    }
    sig
}

fn minhash_similarity(a: &[u32], b: &[u32]) -> f64 {
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len().max(1) as f64
}

/// A well-mixed 64-bit hash of bytes (blocking keys, shingles).
pub(crate) fn fx(bytes: &[u8], seed: u64) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_u64(seed);
    h.write(bytes);
    mix(h.finish())
}

pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn days(s: &str) -> Option<i64> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        s[..4].parse::<i64>().ok()?,
        s[4..6].parse::<i64>().ok()?,
        s[6..].parse::<i64>().ok()?,
    );
    Some(y * 372 + m * 31 + d)
}

fn date_level(a: &str, b: &str) -> Option<usize> {
    fn digits(s: &str) -> std::borrow::Cow<'_, str> {
        if s.len() == 8 && s.bytes().all(|c| c.is_ascii_digit()) {
            std::borrow::Cow::Borrowed(s)
        } else {
            std::borrow::Cow::Owned(s.chars().filter(char::is_ascii_digit).collect::<String>())
        }
    }
    let (a, b) = (digits(a), digits(b));
    let one_edit = if a.len() == b.len() {
        a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count() <= 1
    } else {
        strsim::levenshtein(&a, &b) <= 1
    };
    if one_edit {
        return Some(0);
    }
    let d = (days(&a)? - days(&b)?).abs();
    [31, 372, 3720].iter().position(|&x| d <= x).map(|i| i + 1)
}

/// A compared field: one or more columns, joined with a space.
#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub columns: Vec<usize>,
    pub comparator: Comparator,
    /// Exact matches use the matched value's own frequency as `u`, so a
    /// shared rare value counts more than a shared common one.
    pub tf: bool,
}

/// Each field's values for both sides, interned together: exact matches
/// are integer comparisons, each value's frequency is known, and per-value
/// work (MinHash signatures) is done once per distinct value.
pub struct FieldValues {
    values: unmask_intern::Interner<()>,
    /// Share of all records (both sides) holding each value.
    pub freq: Vec<f64>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    signatures: Vec<Vec<u32>>,
}

impl FieldValues {
    /// Interns every field's values, one field per thread.
    pub fn build(fields: &[Field], input: &Input) -> Vec<FieldValues> {
        std::thread::scope(|s| {
            let jobs: Vec<_> = fields
                .iter()
                .map(|f| s.spawn(move || Self::build_one(f, input)))
                .collect();
            jobs.into_iter()
                .map(|j| j.join().expect("field values"))
                .collect()
        })
    }

    fn build_one(f: &Field, input: &Input) -> FieldValues {
        let mut interner = crate::table::new_interner();
        let mut side = |t: &Table| -> Vec<u32> {
            let mut buf = String::new();
            (0..t.len())
                .map(|r| {
                    buf.clear();
                    for &c in &f.columns {
                        let v = t.get(r, c);
                        if !v.is_empty() {
                            if !buf.is_empty() {
                                buf.push(' ');
                            }
                            buf.push_str(v);
                        }
                    }
                    interner.intern((), &buf)
                })
                .collect()
        };
        let left = side(input.left);
        let right = if input.dedupe {
            vec![]
        } else {
            side(input.right)
        };
        let values = interner;
        let mut counts = vec![0u32; values.len()];
        for &id in left.iter().chain(&right) {
            counts[id as usize] += 1;
        }
        let n = (left.len() + right.len()).max(1) as f64;
        let signatures = if matches!(f.comparator, Comparator::MinHash(_)) {
            (0..values.len() as u32)
                .map(|v| minhash(values.text(v)))
                .collect()
        } else {
            vec![]
        };
        FieldValues {
            freq: counts.iter().map(|&c| c as f64 / n).collect(),
            values,
            left,
            right,
            signatures,
        }
    }

    /// The text of a value id.
    pub fn text(&self, id: u32) -> &str {
        self.values.text(id)
    }

    /// Value id of a record (`right` selects the right-hand table).
    pub fn id(&self, row: u32, right: bool) -> u32 {
        if right && !self.right.is_empty() {
            self.right[row as usize]
        } else {
            self.left[row as usize]
        }
    }
}

/// Most fields a model may have (value ids of a record fit on the stack).
pub const MAX_FIELDS: usize = 32;

/// One pair's level for every field.
pub fn compare_pair(fields: &[Field], values: &[FieldValues], i: u32, j: u32, out: &mut [u8]) {
    let (mut x, mut y) = ([0u32; MAX_FIELDS], [0u32; MAX_FIELDS]);
    for (f, fv) in values.iter().enumerate() {
        (x[f], y[f]) = (fv.id(i, false), fv.id(j, true));
    }
    compare_ids(fields, values, &x, &y, out);
}

/// Levels from the two records' value ids, field by field.
fn compare_ids(fields: &[Field], values: &[FieldValues], x: &[u32], y: &[u32], out: &mut [u8]) {
    for (f, (fd, fv)) in fields.iter().zip(values).enumerate() {
        let (x, y) = (x[f], y[f]);
        out[f] = if x == 0 || y == 0 {
            0
        } else if x == y {
            1
        } else {
            let sig = (!fv.signatures.is_empty()).then(|| {
                (
                    fv.signatures[x as usize].as_slice(),
                    fv.signatures[y as usize].as_slice(),
                )
            });
            fd.comparator.inexact(fv.text(x), fv.text(y), sig)
        };
    }
}

/// Comparison vectors of many pairs, stored flat (`fields` bytes per pair).
pub struct Levels {
    pub fields: usize,
    pub data: Vec<u8>,
}

impl Levels {
    pub fn len(&self) -> usize {
        self.data.len() / self.fields.max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn get(&self, k: usize) -> &[u8] {
        &self.data[k * self.fields..(k + 1) * self.fields]
    }
}

/// Compares every pair, on all cores (pairs are independent).
pub fn compare(fields: &[Field], values: &[FieldValues], pairs: &[(u32, u32)]) -> Levels {
    let nf = fields.len();
    let mut data = vec![0u8; pairs.len() * nf];
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let per = pairs.len().div_ceil(threads).max(4096);
    // Each record's value ids side by side: a pair then costs two cache
    // misses, not two per field (at a million records the comparison is
    // bound by memory latency, not by string distances).
    let rows = |right: bool| -> Vec<u32> {
        let n = values.first().map_or(0, |fv| {
            if right && !fv.right.is_empty() {
                fv.right.len()
            } else {
                fv.left.len()
            }
        });
        let mut m = vec![0u32; n * nf];
        for (f, fv) in values.iter().enumerate() {
            for r in 0..n {
                m[r * nf + f] = fv.id(r as u32, right);
            }
        }
        m
    };
    let left = rows(false);
    let right_rows;
    let right = if values.first().is_some_and(|fv| !fv.right.is_empty()) {
        right_rows = rows(true);
        &right_rows
    } else {
        &left
    };
    let (left, right) = (&left, right);
    std::thread::scope(|s| {
        for (ps, out) in pairs.chunks(per).zip(data.chunks_mut(per * nf)) {
            s.spawn(move || {
                for (&(i, j), o) in ps.iter().zip(out.chunks_mut(nf)) {
                    let (i, j) = (i as usize * nf, j as usize * nf);
                    compare_ids(fields, values, &left[i..i + nf], &right[j..j + nf], o);
                }
            });
        }
    });
    Levels { fields: nf, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_of_each_comparator() {
        let jw = Comparator::JaroWinkler(vec![0.92, 0.88, 0.70]);
        assert_eq!(jw.levels(), 6);
        assert_eq!(jw.inexact("michaela", "micheala", None), 2);
        assert_eq!(jw.inexact("michaela", "zoe", None), 5);
        assert_eq!(Comparator::Date.inexact("19151111", "19151112", None), 2);
        assert_eq!(Comparator::Date.inexact("19151111", "19151201", None), 3);
        assert_eq!(
            Comparator::Date.inexact("1915-11-11", "1950-11-11", None),
            6
        );
        let h = Comparator::Hamming(vec![4, 10]);
        assert_eq!(h.inexact("ff00ff00ff00ff00", "ff00ff00ff00ff07", None), 2);
        assert_eq!(h.inexact("ff00ff00ff00ff00", "ff00ff00ff00ff3f", None), 3);
        assert_eq!(h.inexact("ff00ff00ff00ff00", "00ff00ff00ff00ff", None), 4);
        let ts = Comparator::TokenSet(vec![0.99, 0.5]);
        assert_eq!(ts.inexact("smith john", "john smith", None), 2);
        assert_eq!(ts.inexact("john smith", "john smith jr", None), 3);
        let n = Comparator::Numeric(vec![1.0, 5.0]);
        assert_eq!(n.inexact("10", "11", None), 2);
        assert_eq!(n.inexact("10", "14.5", None), 3);
        assert_eq!(n.inexact("10", "x", None), 4);
    }

    #[test]
    fn fast_jaro_winkler_agrees_with_strsim() {
        let words = [
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "jones",
            "johnson",
            "a",
            "ab",
            "abc",
            "xyz",
            "crysteltaylor@gmail.com",
            "crystal.taylor@gmail.com",
        ];
        for a in words {
            for b in words {
                let (fast, slow) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!((fast - slow).abs() < 1e-12, "{a} {b}: {fast} vs {slow}");
            }
        }
    }

    #[test]
    fn minhash_tells_a_reworded_text_from_another() {
        let cv = "senior rust engineer with ten years building distributed payment systems \
                  at scale led teams of five shipped kafka pipelines and postgres tuning";
        let reworded = cv.replace("ten years", "a decade");
        let other = "junior designer who loves typography branding and illustration for \
                     small studios in lisbon and porto with a focus on print work";
        let m = Comparator::MinHash(vec![0.5, 0.2]);
        assert_eq!(m.inexact(cv, &reworded, None), 2);
        assert_eq!(m.inexact(cv, other, None), 4);
    }
}

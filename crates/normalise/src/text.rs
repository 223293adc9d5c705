//! The text folding every other key builds on.

use unicode_normalization::UnicodeNormalization;

/// NFKC, transliterated to Latin (any script), diacritics removed,
/// lower-cased, every run of non-alphanumerics turned into one space.
///
/// `Ｋｉｍ　Ｍｉｎ－ｊｕｎ` → `kim min jun`; `José Müller` → `jose muller`;
/// `김민준` → `gimminjun`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = true;
    let mut push = |c: char, out: &mut String| {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    };
    // NFKC leaves ASCII unchanged; most text is ASCII, so skip the
    // normaliser for it (it was the top cost of folding résumés).
    if s.is_ascii() {
        for c in s.chars() {
            push(c, &mut out);
        }
        if out.ends_with(' ') {
            out.pop();
        }
        return out;
    }
    for c in s.nfkc() {
        if c.is_ascii() {
            push(c, &mut out);
        } else {
            for t in any_ascii::any_ascii_char(c).chars() {
                push(t, &mut out);
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The distinct words of folded text, each hashed to 32 bits, sorted: what
/// near-duplicate texts (a résumé with a few words changed) are compared
/// on, each word weighted by its rarity. Word order is left out on
/// purpose: one changed word then costs one word, not the three phrases
/// around it, so an edit's similarity to its original does not depend on
/// how many other texts exist.
pub fn word_hashes(folded: &str) -> Vec<u32> {
    let mut out: Vec<u32> = folded
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            // FNV-1a, folded to 32 bits.
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in w.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x100_0000_01b3);
            }
            (h ^ (h >> 32)) as u32
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::{fold, word_hashes};

    #[test]
    fn word_hashes_are_distinct_and_sorted() {
        let a = word_hashes("senior rust engineer with five years of rust");
        assert_eq!(a.len(), 7);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        let b = word_hashes("senior rust engineer with nine years of rust");
        let common = a.iter().filter(|x| b.binary_search(x).is_ok()).count();
        assert_eq!(common, 6);
        assert!(word_hashes("").is_empty());
    }

    #[test]
    fn folds_width_case_accents_and_scripts() {
        assert_eq!(fold("Ｋｉｍ　Ｍｉｎ－ｊｕｎ"), "kim min jun");
        assert_eq!(fold("  José   MÜLLER "), "jose muller");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("김민준"), "gimminjun");
        assert_eq!(fold("Дмитрий"), "dmitriy");
        assert_eq!(fold("王伟"), "wangwei");
        assert_eq!(fold("--"), "");
    }
}

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

#[cfg(test)]
mod tests {
    use super::fold;

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

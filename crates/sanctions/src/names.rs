//! Names as keys that survive script, order and romanisation.
//!
//! A name becomes tokens (any script to Latin through `any_ascii`, case and
//! marks dropped, split at spaces, commas and hyphens, McCune–Reischauer's
//! apostrophes removed: `Myo'ng` → `myong`), and each token a sound key in
//! which the spellings that Korean romanisations use for one sound agree:
//!
//! | rule | merges |
//! |---|---|
//! | `ch`, `j`, `tch`, `jj` → `c` | Jong/Chong, Ju/Chu |
//! | `g` → `k`, `d` → `t`, `b` → `p` | Gim/Kim, Bak/Pak, Dong/Tong |
//! | `l` → `r`; initial `r`/`n` before `i`/`y` dropped | Ri/Li/Lee/Yi/I, Rim/Lim/Im, Ryu/Yu |
//! | initial `r`/`n` before `o` dropped | Ro/No/Roh/O |
//! | `eo`, `eu`, `u`, `oo` → `o`, `yeo` → `yo` | Jung/Jong, Cheol/Chol/Chul, Kum/Geum, Yun/Yoon, Kyong/Gyeong/Kyung |
//! | `ee` → `i`, `oi`/`oy` → `oe`, `ay` → `ai`, `ey` → `ei`, `woo` → `o`, `yi` → `i` | Lee/Ri, Choi/Choe, Gayk/Gaik, Woo/U |
//! | `h` after a vowel dropped; `ar` before a consonant → `a` | Roh/Ro, Hahn/Han, Park/Pak |
//!
//! These rules are coarse on purpose: they find candidates, and the score
//! still compares the names as written. They apply to every name alike;
//! no rule is chosen by where a name seems to come from.

use unicode_normalization::UnicodeNormalization;

/// A name's tokens: Latin, lower case, without marks or apostrophes.
pub fn tokens(name: &str) -> Vec<String> {
    let mut latin = String::with_capacity(name.len());
    for c in name.nfkc() {
        if c.is_ascii() {
            latin.push(c.to_ascii_lowercase());
        } else {
            // Hangul, Han, Cyrillic, accented Latin → ASCII; a syllable of
            // Hangul or a Han character becomes a token of its own.
            let t = any_ascii::any_ascii_char(c);
            if is_syllabic(c) {
                latin.push(' ');
            }
            latin.extend(t.chars().map(|c| c.to_ascii_lowercase()));
        }
    }
    // McCune–Reischauer's apostrophes sometimes come with a stray space
    // (`Myo' ng-ch'o' l`): inside a word, the space goes.
    let mut joined = String::with_capacity(latin.len());
    let mut chars = latin.chars().peekable();
    while let Some(c) = chars.next() {
        joined.push(c);
        if c == '\'' && joined.len() > 1 {
            let mut ahead = chars.clone();
            let mut spaces = 0;
            while ahead.peek() == Some(&' ') {
                ahead.next();
                spaces += 1;
            }
            if spaces > 0 && ahead.peek().is_some_and(|n| n.is_ascii_lowercase()) {
                for _ in 0..spaces {
                    chars.next();
                }
            }
        }
    }
    let words: Vec<String> = joined
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '\''))
        .map(|t| t.replace('\'', ""))
        .filter(|t| !t.is_empty())
        .collect();
    legal_forms(words)
}

/// Legal forms, spelled out or abbreviated, as one token each: `Joint Stock
/// Company` and `JSC`, `Aktiengesellschaft` and `AG`, `Limited` and `Ltd`.
/// Longer phrases first.
const LEGAL_FORMS: &[(&[&str], &str)] = &[
    (&["open", "joint", "stock", "company"], "ojsc"),
    (&["closed", "joint", "stock", "company"], "cjsc"),
    (&["public", "joint", "stock", "company"], "pjsc"),
    (&["joint", "stock", "company"], "jsc"),
    (&["limited", "liability", "company"], "llc"),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], "gmbh"),
    (&["societatea", "cu", "raspundere", "limitata"], "srl"),
    (&["sp", "z", "o", "o"], "spzoo"),
    (&["public", "limited", "company"], "plc"),
    (&["aktiengesellschaft"], "ag"),
    (&["aktiengeselschaft"], "ag"),
    (&["limited"], "ltd"),
    (&["corporation"], "corp"),
    (&["company"], "co"),
    (&["incorporated"], "inc"),
    (&["oao"], "ojsc"),
    (&["zao"], "cjsc"),
    (&["pao"], "pjsc"),
    (&["ao"], "jsc"),
    (&["ooo"], "llc"),
];

fn legal_forms(words: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut i = 0;
    'words: while i < words.len() {
        for (phrase, form) in LEGAL_FORMS {
            if words.len() - i >= phrase.len()
                && phrase.iter().zip(&words[i..]).all(|(p, w)| p == w)
            {
                out.push(form.to_string());
                i += phrase.len();
                continue 'words;
            }
        }
        out.push(words[i].clone());
        i += 1;
    }
    out
}

/// Whether a token is a legal form ([`tokens`] writes each one way): a
/// company's name without it is the same company.
pub fn is_legal_form(token: &str) -> bool {
    matches!(
        token,
        "ojsc"
            | "cjsc"
            | "pjsc"
            | "jsc"
            | "llc"
            | "gmbh"
            | "srl"
            | "spzoo"
            | "plc"
            | "ag"
            | "ltd"
            | "corp"
            | "co"
            | "inc"
    )
}

/// Hangul syllables and Han characters: one syllable of a name each.
fn is_syllabic(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3 | 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// The sound key of one token (see the module's table).
pub fn sound_key(token: &str) -> String {
    let mut s = token.to_ascii_lowercase();
    // Order matters: longer spellings first.
    for (from, to) in [
        ("tch", "c"),
        ("ch", "c"),
        ("jj", "c"),
        ("j", "c"),
        ("kk", "k"),
        ("g", "k"),
        ("tt", "t"),
        ("d", "t"),
        ("pp", "p"),
        ("b", "p"),
        ("ss", "s"),
        ("sh", "s"),
        ("rh", "r"),
        ("l", "r"),
        ("woo", "o"),
        ("yeo", "yo"),
        ("eo", "o"),
        ("eu", "o"),
        ("oo", "o"),
        ("u", "o"),
        ("ee", "i"),
        ("oi", "oe"),
        ("oy", "oe"),
        ("ay", "ai"),
        ("ey", "ei"),
    ] {
        if s.contains(from) {
            s = s.replace(from, to);
        }
    }
    let b = s.as_bytes();
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'y');
    let mut out = Vec::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        let next = b.get(i + 1).copied();
        let prev = out.last().copied();
        let drop = match c {
            // Initial r/n before i, y or o: Ri/I, Ryu/Yu, Ro/No/O.
            b'r' | b'n' if i == 0 => next.is_some_and(|n| matches!(n, b'i' | b'y' | b'o')),
            // The English-style `ar` for a plain `a`: Park/Pak. (Other
            // syllable-final r's are l's, kept: Chol, Cholmin.)
            b'r' => prev == Some(b'a') && next.is_some_and(|n| !vowel(n)),
            // h after a vowel: Roh/Ro, Hahn/Han, Kahng/Kang.
            b'h' => prev.is_some_and(vowel),
            // y before i: Yi/I.
            b'y' => next == Some(b'i'),
            _ => false,
        };
        // Doubled letters once: Kimm/Kim, Ahnn/Ahn.
        if !drop && prev != Some(c) {
            out.push(c);
        }
    }
    String::from_utf8(out).expect("ASCII in, ASCII out")
}

/// A name as keys: its tokens' sound keys, in the name's order.
pub fn keys(name: &str) -> Vec<String> {
    tokens(name).iter().map(|t| sound_key(t)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) {
        assert_eq!(sound_key(a), sound_key(b), "{a} / {b}");
    }

    #[test]
    fn korean_romanisation_variants_share_a_key() {
        for group in [
            &["ri", "lee", "rhee", "yi", "li", "i"][..],
            &["pak", "park", "bak"],
            &["choe", "choi"],
            &["jong", "jung", "chong", "jeong", "chung"],
            &["rim", "lim", "im"],
            &["ro", "no", "roh"],
            &["u", "woo"],
            &["yun", "yoon"],
            &["chol", "cheol", "chul"],
            &["kyong", "gyeong", "kyung"],
            &["kum", "geum", "keum"],
            &["kim", "gim"],
            &["kwang", "gwang"],
            &["bom", "pom"],
            &["gayk", "gaik"],
        ] {
            for w in group {
                same(group[0], w);
            }
        }
    }

    #[test]
    fn distinct_names_keep_distinct_keys() {
        for (a, b) in [
            ("kim", "pak"),
            ("chol", "cho"),
            ("song", "sun"),
            ("han", "kang"),
            ("min", "kim"),
        ] {
            assert_ne!(sound_key(a), sound_key(b), "{a} / {b}");
        }
    }

    #[test]
    fn joined_given_names_key_like_their_parts_joined() {
        assert_eq!(sound_key("cheolmin"), sound_key("chol") + &sound_key("min"));
    }

    #[test]
    fn tokens_drop_apostrophes_and_split_hyphens_and_commas() {
        assert_eq!(tokens("KIM, Tong-Myo'ng"), ["kim", "tong", "myong"]);
        assert_eq!(tokens("CH'OE Ch'un-sik"), ["choe", "chun", "sik"]);
        assert_eq!(tokens("CHANG, Myo' ng-ch'o' l"), ["chang", "myong", "chol"]);
    }

    #[test]
    fn legal_forms_are_one_token_each_way_they_are_written() {
        assert_eq!(
            tokens("Open Joint Stock Company Gazprom"),
            ["ojsc", "gazprom"]
        );
        assert_eq!(tokens("OAO Gazprom"), ["ojsc", "gazprom"]);
        assert_eq!(tokens("Siemens Aktiengesellschaft"), tokens("SIEMENS AG"));
        assert_eq!(tokens("CRYSTALORD LIMITED"), ["crystalord", "ltd"]);
        assert!(is_legal_form("ltd") && !is_legal_form("kim"));
    }

    #[test]
    fn hangul_becomes_latin_syllable_by_syllable() {
        let k = keys("김정은");
        assert_eq!(k, keys("Kim Jong Un"), "{k:?}");
    }
}

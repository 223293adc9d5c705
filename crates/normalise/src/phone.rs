//! Phone numbers as E.164, from libphonenumber's metadata.
//!
//! A national number only means something with a region, so the region
//! comes from the record's own country — never a global default (with a
//! Korean default, `(415) 555-0100` parses as a "valid" Korean number).

use phonenumber::{Mode, country};

/// E.164 (`+447700900123`) when the number parses; otherwise the bare
/// digits behind `raw:` so that identical unparseable numbers still match.
/// `None` for text with fewer than six digits.
///
/// Most numbers take a fast path built on libphonenumber's own metadata
/// (the region's calling code and literal national trunk prefixes): the full
/// parser compiles regexes through a small shared cache, and a stream of
/// numbers from many countries keeps evicting it (it was most of ingest
/// time at 100k applications). Regions whose trunk-prefix rules are
/// patterns, not a literal prefix, go through the full parser.
pub fn phone(s: &str, country_iso2: Option<&str>) -> Option<String> {
    let digit_count = s.bytes().filter(u8::is_ascii_digit).count();
    if digit_count < 6 {
        return None;
    }
    // "+44 (0)7700…": the bracketed national trunk prefix is not dialled
    // internationally.
    let cleaned = s.trim().replace("(0)", "");
    let trimmed = cleaned.trim();
    let intl = trimmed.starts_with('+') || trimmed.starts_with("00");
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if intl {
        // A leading 00 is the international prefix in most of the world.
        let d = if trimmed.starts_with('+') {
            digits.as_str()
        } else {
            &digits[2..]
        };
        return (d.len() >= 6 && d.len() <= 15).then(|| format!("+{d}"));
    }
    let region = country_iso2.map(|c| c.trim().to_ascii_uppercase());
    if let Some(meta) = region
        .as_deref()
        .and_then(|r| phonenumber::metadata::DATABASE.by_id(r))
    {
        let literal = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        // The trunk prefixes to strip, in the order the rule tries them: a
        // literal, or literals in alternation (the UK's `0|180020`).
        let prefixes: Option<Vec<&str>> =
            match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
                (Some(re), _) => {
                    let alts: Vec<&str> = re.as_str().split('|').collect();
                    alts.iter().all(|a| literal(a)).then_some(alts)
                }
                (None, p) => Some(p.filter(|p| literal(p)).into_iter().collect()),
            };
        if let Some(prefixes) = prefixes
            && meta.national_prefix_transform_rule().is_none()
        {
            let national = prefixes
                .iter()
                .find_map(|p| digits.strip_prefix(p))
                .unwrap_or(&digits);
            return Some(format!("+{}{national}", meta.country_code()));
        }
    }
    let region = region.and_then(|r| r.parse::<country::Id>().ok());
    match phonenumber::parse(region, trimmed) {
        Ok(n) => Some(n.format().mode(Mode::E164).to_string()),
        Err(_) => Some(format!("raw:{digits}")),
    }
}

/// Whether an E.164 number (`+4456…`) lies in a range its national
/// numbering plan sets aside for VoIP, by libphonenumber's `voip` ranges
/// (the UK's 056, Germany's 032, France's 09, …). Many plans, the North
/// American one among them, set none, so `false` says little.
///
/// Each calling code's ranges are compiled once, on first use: the
/// crate's own matcher compiles through a small shared cache that a stream
/// of numbers from many countries keeps evicting.
pub fn is_voip(e164: &str) -> bool {
    type Plans = std::collections::HashMap<u16, Vec<regex::Regex>>;
    static PLANS: std::sync::OnceLock<std::sync::Mutex<Plans>> = std::sync::OnceLock::new();
    let Some(digits) = e164.strip_prefix('+') else {
        return false;
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    // Calling codes are prefix-free: the first that exists is the one.
    for len in 1..=3.min(digits.len()) {
        let (cc, national) = digits.split_at(len);
        let Ok(code) = cc.parse::<u16>() else {
            continue;
        };
        let Some(regions) = phonenumber::metadata::DATABASE.by_code(&code) else {
            continue;
        };
        let mut plans = PLANS
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let ranges = plans.entry(code).or_insert_with(|| {
            regions
                .iter()
                .filter_map(|m| m.descriptors().voip())
                .filter_map(|d| {
                    regex::Regex::new(&format!("^(?:{})$", d.national_number().as_str())).ok()
                })
                .collect()
        });
        return ranges.iter().any(|r| r.is_match(national));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voip_ranges_come_from_the_numbering_plans() {
        assert!(is_voip("+445612345678"), "the UK's 056");
        assert!(!is_voip("+447700900123"), "a UK mobile");
        assert!(!is_voip("+14155550100"), "the NANP sets no VoIP range");
        assert!(!is_voip("raw:5550100123"));
        assert!(!is_voip("+"));
    }

    #[test]
    fn national_and_international_forms_agree() {
        let e = phone("+44 7700 900123", None).unwrap();
        assert_eq!(e, "+447700900123");
        assert_eq!(phone("07700 900123", Some("GB")).unwrap(), e);
        assert_eq!(phone("0044 (0)7700-900-123", Some("DE")).unwrap(), e);
        assert_eq!(phone("06 12 34 56 78", Some("fr")).unwrap(), "+33612345678");
        assert_eq!(phone("010 1234 5678", Some("KR")).unwrap(), "+821012345678");
    }

    #[test]
    fn region_comes_from_the_record() {
        assert_eq!(phone("(415) 555-0100", Some("US")).unwrap(), "+14155550100");
        assert_ne!(
            phone("(415) 555-0100", Some("US")),
            phone("(415) 555-0100", Some("KR"))
        );
    }

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        for (raw, cc) in [
            ("07700 900123", "GB"),
            ("0113 496 0000", "GB"),
            ("020 7946 0000", "GB"),
            ("06 12 34 56 78", "FR"),
            ("0151 23456789", "DE"),
            ("(212) 555-0147", "US"),
            ("91 234 5678", "PT"),
            ("612 345 678", "ES"),
            ("06 12345678", "NL"),
            ("98765 43210", "IN"),
        ] {
            let full = phonenumber::parse(Some(cc.parse().unwrap()), raw)
                .unwrap()
                .format()
                .mode(Mode::E164)
                .to_string();
            assert_eq!(phone(raw, Some(cc)).unwrap(), full, "{raw} in {cc}");
        }
    }

    #[test]
    fn junk_is_none_or_raw() {
        assert_eq!(phone("n/a", Some("GB")), None);
        assert_eq!(phone("12345", None), None);
        assert_eq!(phone("5550100123", None).unwrap(), "raw:5550100123");
        assert_eq!(phone("5550100123", Some("ZZ")).unwrap(), "raw:5550100123");
    }
}

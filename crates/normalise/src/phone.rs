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
/// (the region's calling code and literal national trunk prefix): the full
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
        let prefix = match (meta.national_prefix_for_parsing(), meta.national_prefix()) {
            (Some(re), _) if literal(re.as_str()) => Some(re.as_str()),
            (None, p) => p.filter(|p| literal(p)),
            _ => None,
        };
        let pattern_rules = matches!(meta.national_prefix_for_parsing(), Some(re) if !literal(re.as_str()))
            || meta.national_prefix_transform_rule().is_some();
        if !pattern_rules {
            let national = prefix
                .and_then(|p| digits.strip_prefix(p))
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

#[cfg(test)]
mod tests {
    use super::*;

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

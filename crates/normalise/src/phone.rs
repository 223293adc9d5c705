//! Phone numbers as E.164, from libphonenumber's metadata.
//!
//! A national number only means something with a region, so the region
//! comes from the record's own country — never a global default (with a
//! Korean default, `(415) 555-0100` parses as a "valid" Korean number).

use phonenumber::{Mode, country};

/// E.164 (`+447700900123`) when the number parses; otherwise the bare
/// digits behind `raw:` so that identical unparseable numbers still match.
/// `None` for text with fewer than six digits.
pub fn phone(s: &str, country_iso2: Option<&str>) -> Option<String> {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 6 {
        return None;
    }
    let region =
        country_iso2.and_then(|c| c.trim().to_ascii_uppercase().parse::<country::Id>().ok());
    // "+44 (0)7700…": the bracketed national trunk prefix is not dialled
    // internationally.
    let cleaned = s.trim().replace("(0)", "");
    let trimmed = cleaned.trim();
    // A leading 00 is the international prefix in most of the world.
    let intl;
    let text = if let Some(rest) = trimmed.strip_prefix("00") {
        intl = format!("+{rest}");
        intl.as_str()
    } else {
        trimmed
    };
    match phonenumber::parse(if text.starts_with('+') { None } else { region }, text) {
        Ok(n) => Some(n.format().mode(Mode::E164).to_string()),
        Err(_) => Some(format!("raw:{digits}")),
    }
}

#[cfg(test)]
mod tests {
    use super::phone;

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
    fn junk_is_none_or_raw() {
        assert_eq!(phone("n/a", Some("GB")), None);
        assert_eq!(phone("12345", None), None);
        assert_eq!(phone("5550100123", None).unwrap(), "raw:5550100123");
    }
}

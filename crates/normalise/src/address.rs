//! Postal addresses as canonical keys.
//!
//! A facilitator's address is written a little differently on every
//! shipment (`Flat 3, 4 Elm Court` / `4 Elm Ct Apt 3`, `CR02AB` / `cr0 2ab`),
//! so the key folds street-type words to their postal abbreviations, moves
//! the flat/unit number to one place, and formats postcodes one way. The
//! `building` key drops the unit, for detectors that look for several flats
//! in one building.

use crate::text::fold;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressKey {
    /// `4 elm ct #3, croydon cr0 2ab, gb`
    pub key: String,
    /// The same without the unit: `4 elm ct, croydon cr0 2ab, gb`
    pub building: String,
    /// `croydon, gb` (for comparisons with a city-only claimed location)
    pub locality: String,
}

/// Raw fields of an address, in contract order.
pub struct Parts<'a> {
    pub line1: Option<&'a str>,
    pub line2: Option<&'a str>,
    pub city: Option<&'a str>,
    pub postcode: Option<&'a str>,
    pub country: Option<&'a str>,
}

pub fn address(p: &Parts) -> Option<AddressKey> {
    let street_raw = [p.line1, p.line2]
        .iter()
        .flatten()
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let folded = fold(&street_raw);
    let mut tokens: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let unit = take_unit(&mut tokens);
    let street: Vec<String> = tokens.iter().map(|t| abbreviate(t)).collect();
    let street = street.join(" ");
    let city = p.city.map(fold).unwrap_or_default();
    let country = p.country.map(country_code).unwrap_or_default();
    let postcode = p
        .postcode
        .map(|pc| postcode(pc, &country))
        .unwrap_or_default();
    if street.is_empty() && postcode.is_empty() && city.is_empty() {
        return None;
    }
    let place = [city.as_str(), postcode.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let join = |street: &str| {
        [street, place.as_str(), country.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let building = join(&street);
    let key = match &unit {
        Some(u) if !street.is_empty() => join(&format!("{street} #{u}")),
        _ => building.clone(),
    };
    Some(AddressKey {
        key,
        building,
        locality: locality(p.city, p.country),
    })
}

/// `city, cc` — the part of an address a worker's claimed location has.
pub fn locality(city: Option<&str>, country: Option<&str>) -> String {
    let city = city.map(fold).unwrap_or_default();
    let country = country.map(country_code).unwrap_or_default();
    format!("{city}, {country}")
}

/// ISO 3166 alpha-2, lower case, from a code or a handful of common names.
pub fn country_code(s: &str) -> String {
    let f = fold(s);
    match f.as_str() {
        "uk" | "united kingdom" | "great britain" | "england" | "scotland" | "wales" => "gb".into(),
        "usa" | "us" | "united states" | "united states of america" => "us".into(),
        "deutschland" | "germany" => "de".into(),
        "france" => "fr".into(),
        "portugal" => "pt".into(),
        "netherlands" | "the netherlands" => "nl".into(),
        "south korea" | "korea republic of" | "republic of korea" => "kr".into(),
        "china" => "cn".into(),
        "canada" => "ca".into(),
        _ => f.replace(' ', ""),
    }
}

fn postcode(pc: &str, country: &str) -> String {
    let compact: String = pc
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // UK postcodes: outward code, space, three-character inward code.
    if country == "gb" && (5..=7).contains(&compact.len()) {
        let (out, inw) = compact.split_at(compact.len() - 3);
        return format!("{out} {inw}");
    }
    compact
}

/// Removes a flat/unit designator and its number from the tokens.
fn take_unit(tokens: &mut Vec<&str>) -> Option<String> {
    const UNIT_WORDS: [&str; 9] = [
        "flat",
        "apt",
        "apartment",
        "unit",
        "suite",
        "ste",
        "no",
        "room",
        "appt",
    ];
    let i = tokens.iter().position(|t| UNIT_WORDS.contains(t))?;
    let number = tokens
        .get(i + 1)
        .filter(|n| n.chars().any(|c| c.is_ascii_digit()) || n.len() == 1)?
        .to_string();
    tokens.drain(i..=i + 1);
    Some(number)
}

fn abbreviate(t: &str) -> String {
    // German and Swiss compounds: Hauptstraße / Hauptstrasse / Hauptstr.
    if let Some(stem) = t.strip_suffix("strasse").filter(|s| !s.is_empty()) {
        return format!("{stem}str");
    }
    let short = match t {
        "street" => "st",
        "road" => "rd",
        "avenue" | "av" => "ave",
        "court" => "ct",
        "lane" => "ln",
        "drive" => "dr",
        "place" => "pl",
        "square" => "sq",
        "crescent" => "cres",
        "boulevard" => "blvd",
        "terrace" => "ter",
        "close" => "cl",
        "gardens" => "gdns",
        "highway" => "hwy",
        "parkway" => "pkwy",
        "mount" => "mt",
        "north" => "n",
        "south" => "s",
        "east" => "e",
        "west" => "w",
        "strasse" => "str",
        "rua" => "r",
        _ => t,
    };
    short.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line1: &str, city: &str, pc: &str, cc: &str) -> AddressKey {
        address(&Parts {
            line1: Some(line1),
            line2: None,
            city: Some(city),
            postcode: Some(pc),
            country: Some(cc),
        })
        .unwrap()
    }

    #[test]
    fn contract_example() {
        assert_eq!(
            key("4 Elm Court", "Croydon", "CR0 2AB", "GB").key,
            "4 elm ct, croydon cr0 2ab, gb"
        );
    }

    #[test]
    fn survives_abbreviations_units_and_postcode_spacing() {
        let a = key(
            "Flat 3, 12 High Street",
            "London",
            "SW1A1AA",
            "United Kingdom",
        );
        let b = key("12 High St Apt 3", "london", "sw1a 1aa", "GB");
        assert_eq!(a.key, b.key);
        assert_eq!(a.key, "12 high st #3, london sw1a 1aa, gb");
        assert_eq!(a.building, "12 high st, london sw1a 1aa, gb");
        let c = key("12 High Street, Flat 4", "London", "SW1A 1AA", "GB");
        assert_ne!(a.key, c.key, "different flats are different addresses");
        assert_eq!(a.building, c.building);
        assert_eq!(
            key("Hauptstraße 5", "Berlin", "10115", "DE").key,
            "hauptstr 5, berlin 10115, de"
        );
        assert_eq!(
            key("Hauptstrasse 5", "Berlin", "10 115", "de").key,
            "hauptstr 5, berlin 10115, de"
        );
    }

    #[test]
    fn different_streets_differ_and_empty_is_none() {
        assert_ne!(
            key("4 Elm Court", "Croydon", "CR0 2AB", "GB").key,
            key("4 Oak Court", "Croydon", "CR0 2AB", "GB").key
        );
        assert!(
            address(&Parts {
                line1: Some(" "),
                line2: None,
                city: None,
                postcode: None,
                country: Some("GB")
            })
            .is_none()
        );
    }
}

//! The UN Security Council Consolidated List (`consolidated.xml`).
//!
//! One `<INDIVIDUAL>` or `<ENTITY>` per designation: the name in up to four
//! parts (`FIRST_NAME` … `FOURTH_NAME`, family name usually first for
//! Korean names), the name in its own script, aliases with a `QUALITY`
//! (`Good`, `a.k.a.`, `f.k.a.` are strong; `Low` is weak, as the UN
//! itself says these are too broad to act on), dates of birth as an exact
//! date, a year, or a range, nationalities, addresses, and documents
//! (passports and national numbers, their type written in English, French
//! or Spanish). The reference number (`KPi.001`) is the entity's id.

use crate::list::{
    Entity, EntityKind, Gender, IdKind, Identifier, ListedName, Problem, normalise_identifier,
};
use crate::xml::{Node, records};

/// Every designation in a UN consolidated list file.
pub fn load(file: &str, bytes: &[u8]) -> (Vec<Entity>, Vec<Problem>) {
    let (mut entities, mut problems) = (vec![], vec![]);
    let mut bad = vec![];
    records(
        file,
        bytes,
        &["INDIVIDUAL", "ENTITY"],
        |node, line| match designation(&node) {
            Ok(e) => entities.push(e),
            Err(reason) => bad.push(Problem {
                file: file.to_string(),
                line,
                reason,
            }),
        },
        &mut problems,
    );
    problems.extend(bad);
    (entities, problems)
}

fn designation(n: &Node) -> Result<Entity, String> {
    let reference = n
        .text_of("REFERENCE_NUMBER")
        .ok_or("a designation without a REFERENCE_NUMBER")?;
    let individual = n.name == "INDIVIDUAL";
    let primary: Vec<&str> = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"]
        .iter()
        .filter_map(|p| n.text_of(p))
        .collect();
    if primary.is_empty() {
        return Err(format!("designation {reference} has no name"));
    }
    let mut e = Entity {
        id: format!("un:{reference}"),
        kind: if individual {
            EntityKind::Individual
        } else {
            EntityKind::Entity
        },
        names: vec![ListedName {
            text: primary.join(" "),
            strong: true,
        }],
        gender: n.text_of("GENDER").and_then(Gender::parse),
        programs: n
            .text_of("UN_LIST_TYPE")
            .map(|p| vec![p.to_string()])
            .unwrap_or_default(),
        ..Entity::default()
    };
    if let Some(original) = n.text_of("NAME_ORIGINAL_SCRIPT") {
        e.names.push(ListedName {
            text: original.to_string(),
            strong: true,
        });
    }
    let (alias_tag, address_tag) = if individual {
        ("INDIVIDUAL_ALIAS", "INDIVIDUAL_ADDRESS")
    } else {
        ("ENTITY_ALIAS", "ENTITY_ADDRESS")
    };
    for a in n.all(alias_tag) {
        let Some(name) = a.text_of("ALIAS_NAME") else {
            continue;
        };
        // The UN writes several spellings in one alias: "Ri Che-son; Ri Je Son".
        for part in name.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            e.names.push(ListedName {
                text: part.to_string(),
                strong: !a
                    .text_of("QUALITY")
                    .is_some_and(|q| q.eq_ignore_ascii_case("low")),
            });
        }
    }
    for v in n.child("NATIONALITY").iter().flat_map(|c| c.all("VALUE")) {
        let v = v.text.trim();
        if !v.is_empty() {
            e.nationalities.push(v.to_string());
        }
    }
    for a in n.all(address_tag) {
        let parts: Vec<&str> = ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"]
            .iter()
            .filter_map(|p| a.text_of(p))
            .collect();
        if !parts.is_empty() {
            e.addresses.push(parts.join(", "));
        }
    }
    for d in n.all("INDIVIDUAL_DATE_OF_BIRTH") {
        if let Some(date) = date_of_birth(d) {
            e.dates_of_birth.push(date);
        }
    }
    for d in n.all("INDIVIDUAL_DOCUMENT") {
        let (Some(kind), Some(number)) = (d.text_of("TYPE_OF_DOCUMENT"), d.text_of("NUMBER"))
        else {
            continue;
        };
        // The UN lists passports and national numbers only.
        let Some(kind @ (IdKind::Passport | IdKind::NationalId)) = crate::list::document_kind(kind)
        else {
            continue;
        };
        let value = normalise_identifier(kind, number);
        if !value.is_empty() {
            e.identifiers.push(Identifier { kind, value });
        }
    }
    Ok(e)
}

/// `1944-10-13`, `1938`, `1962 to 1964`, or `circa 1970`, the forms
/// [`crate::screen`] compares.
fn date_of_birth(d: &Node) -> Option<String> {
    let approximately = d.text_of("TYPE_OF_DATE") == Some("APPROXIMATELY");
    let date = if let Some(date) = d.text_of("DATE") {
        // "1944-10-13" (sometimes with a time zone suffix).
        date.get(..10).unwrap_or(date).to_string()
    } else if let Some(year) = d.text_of("YEAR") {
        year.to_string()
    } else {
        match (d.text_of("FROM_YEAR"), d.text_of("TO_YEAR")) {
            (Some(from), Some(to)) => format!("{from} to {to}"),
            (Some(y), None) | (None, Some(y)) => y.to_string(),
            (None, None) => return None,
        }
    };
    Some(if approximately {
        format!("circa {date}")
    } else {
        date
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908045</DATAID>
      <FIRST_NAME>RI</FIRST_NAME>
      <SECOND_NAME>JE-SON</SECOND_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.002</REFERENCE_NUMBER>
      <GENDER>Male</GENDER>
      <NAME_ORIGINAL_SCRIPT>리제선</NAME_ORIGINAL_SCRIPT>
      <NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ri Che-son</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Ri; Je</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><CITY>Pyongyang</CITY><COUNTRY>Democratic People's Republic of Korea</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_ADDRESS><COUNTRY/></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1938-05-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1940</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1936</FROM_YEAR><TO_YEAR>1939</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>PD-836 410105</NUMBER></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Numéro de passeport </TYPE_OF_DOCUMENT><NUMBER>381420089</NUMBER></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT><NUMBER>a12</NUMBER></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT/>
    </INDIVIDUAL>
    <INDIVIDUAL><FIRST_NAME>NO REFERENCE</FIRST_NAME></INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <FIRST_NAME>KOREA MINING DEVELOPMENT TRADING CORPORATION</FIRST_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPe.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>CHANGGWANG SINYONG CORPORATION</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><STREET>Central District</STREET><CITY>Pyongyang</CITY><COUNTRY>DPRK</COUNTRY></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>"#;

    #[test]
    fn individuals_and_entities_load_with_every_field() {
        let (es, problems) = load("consolidated.xml", SAMPLE.as_bytes());
        assert_eq!(es.len(), 2);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].line, 26,
            "the record without a reference is reported where it starts"
        );
        let ri = &es[0];
        assert_eq!(ri.id, "un:KPi.002");
        assert_eq!(ri.kind, EntityKind::Individual);
        assert_eq!(ri.gender, Some(Gender::Male));
        let names: Vec<(&str, bool)> = ri
            .names
            .iter()
            .map(|n| (n.text.as_str(), n.strong))
            .collect();
        assert_eq!(
            names,
            [
                ("RI JE-SON", true),
                ("리제선", true),
                ("Ri Che-son", true),
                ("Ri", false),
                ("Je", false)
            ]
        );
        assert_eq!(
            ri.dates_of_birth,
            ["1938-05-01", "circa 1940", "1936 to 1939"]
        );
        assert_eq!(ri.nationalities, ["Democratic People's Republic of Korea"]);
        assert_eq!(
            ri.addresses,
            ["Pyongyang, Democratic People's Republic of Korea"]
        );
        let ids = crate::list::ids(ri);
        assert_eq!(
            ids,
            [
                (IdKind::Passport, "PD836410105"),
                (IdKind::Passport, "381420089"),
                (IdKind::NationalId, "A12")
            ]
        );
        assert_eq!(ri.programs, ["DPRK"]);
        let kmdtc = &es[1];
        assert_eq!(kmdtc.kind, EntityKind::Entity);
        assert!(kmdtc.names[1].strong);
        assert_eq!(kmdtc.addresses, ["Central District, Pyongyang, DPRK"]);
    }

    #[test]
    fn the_shared_un_list_loads_whole() {
        let path = crate::list::shared_data().join("sanctions/un/un_consolidated_2026-02-27.xml");
        let bytes = std::fs::read(&path).expect("the shared UN list is readable");
        let (es, problems) = load("un.xml", &bytes);
        assert!(problems.is_empty(), "{problems:?}");
        let individuals = es
            .iter()
            .filter(|e| e.kind == EntityKind::Individual)
            .count();
        assert_eq!((individuals, es.len() - individuals), (730, 273));
        let dprk = es.iter().filter(|e| e.id.starts_with("un:KP")).count();
        assert_eq!(dprk, 155);
        let yun = es.iter().find(|e| e.id == "un:KPi.001").unwrap();
        assert_eq!(yun.names[0].text, "YUN HO-JIN");
        assert_eq!(yun.dates_of_birth, ["1944-10-13"]);
    }
}

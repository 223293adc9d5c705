//! OFAC's `sdn_advanced.xml`: the SDN list in its normalised XML form.
//!
//! Everything in the file points at something else by number: a party's
//! `Profile` names its type through `PartySubTypeID`, its names are
//! `Alias` → `DocumentedName` → `NamePartValue`, its facts are `Feature`s
//! whose `FeatureTypeID` says what they are (Birthdate, Nationality
//! Country, Gender, Email Address, Digital Currency Address - XBT …) and
//! whose values are a `DatePeriod`, a `VersionDetail` (text, or a
//! `DetailReferenceID`), or a `VersionLocation` into `Locations`. Passports
//! and registration numbers sit apart in `IDRegDocuments`, tied to a
//! party's `Identity`; programs sit in `SanctionsEntries`, tied to its
//! profile. So the reference tables are read first, each party becomes an
//! [`Entity`] as it streams past, and documents, locations and programs are
//! attached at the end, whatever order the sections come in.
//!
//! The entity id is `ofac:` and the party's `FixedRef`, the same number as
//! the legacy CSV's entry number, so either form of the list gives the same
//! ids. `SDN_ENHANCED.xml`, OFAC's other XML form, is not read yet.

use crate::list::{
    Entity, EntityKind, Gender, IdKind, Identifier, ListedName, Problem, identifier,
};
use crate::xml::{Node, records};
use rustc_hash::FxHashMap;

#[derive(Default)]
struct References {
    /// Reference tables by element name and ID: `("FeatureType", "8")` →
    /// `Birthdate`.
    values: FxHashMap<(String, String), String>,
    /// `PartySubType` ID → its `PartyTypeID`.
    party_type_of_subtype: FxHashMap<String, String>,
    /// `Location` ID → (country, the whole location as text).
    locations: FxHashMap<String, (Option<String>, String)>,
}

impl References {
    fn value(&self, table: &str, id: Option<&str>) -> Option<&str> {
        self.values
            .get(&(table.to_string(), id?.to_string()))
            .map(String::as_str)
    }
}

/// What a party's features say that needs a later section to resolve.
#[derive(Default)]
struct Pending {
    nationality_locations: Vec<String>,
    address_locations: Vec<String>,
}

pub fn load(file: &str, bytes: &[u8]) -> (Vec<Entity>, Vec<Problem>) {
    let mut refs = References::default();
    let mut entities: Vec<Entity> = vec![];
    let mut pending: Vec<Pending> = vec![];
    let mut by_identity: FxHashMap<String, usize> = FxHashMap::default();
    let mut by_profile: FxHashMap<String, usize> = FxHashMap::default();
    let mut documents: Vec<(String, Option<String>, String)> = vec![];
    let mut programs: Vec<(String, String)> = vec![];
    let (mut problems, mut bad) = (vec![], vec![]);
    records(
        file,
        bytes,
        &[
            "ReferenceValueSets",
            "Location",
            "IDRegDocument",
            "DistinctParty",
            "SanctionsEntry",
        ],
        |node, line| match node.name.as_str() {
            "ReferenceValueSets" => read_references(&node, &mut refs),
            "Location" => {
                if let Some(id) = node.attr("ID") {
                    let location = location(&node, &refs);
                    refs.locations.insert(id.to_string(), location);
                }
            }
            "IDRegDocument" => match (node.attr("IdentityID"), node.text_of("IDRegistrationNo")) {
                (Some(identity), Some(number)) => documents.push((
                    identity.to_string(),
                    node.attr("IDRegDocTypeID").map(str::to_string),
                    number.to_string(),
                )),
                _ => bad.push(problem(
                    file,
                    line,
                    "an IDRegDocument without IdentityID or number",
                )),
            },
            "SanctionsEntry" => {
                if let Some(profile) = node.attr("ProfileID") {
                    let mut out = vec![];
                    node.descendants("Comment", &mut out);
                    for c in out {
                        let c = c.text.trim();
                        if !c.is_empty() {
                            programs.push((profile.to_string(), c.to_string()));
                        }
                    }
                }
            }
            _ => match party(&node, &refs) {
                Ok((e, p, identities, profiles)) => {
                    let ix = entities.len();
                    for i in identities {
                        by_identity.insert(i, ix);
                    }
                    for p in profiles {
                        by_profile.insert(p, ix);
                    }
                    entities.push(e);
                    pending.push(p);
                }
                Err(reason) => bad.push(problem(file, line, &reason)),
            },
        },
        &mut problems,
    );
    problems.extend(bad);
    for (identity, kind, number) in documents {
        let Some(&ix) = by_identity.get(&identity) else {
            continue;
        };
        let Some(kind) = refs
            .value("IDRegDocType", kind.as_deref())
            .and_then(crate::list::document_kind)
        else {
            continue;
        };
        let id = identifier(kind, &number);
        if !id.value.is_empty() && !entities[ix].identifiers.contains(&id) {
            entities[ix].identifiers.push(id);
        }
    }
    for (profile, program) in programs {
        if let Some(&ix) = by_profile.get(&profile)
            && !entities[ix].programs.contains(&program)
        {
            entities[ix].programs.push(program);
        }
    }
    for (e, p) in entities.iter_mut().zip(pending) {
        for l in p.nationality_locations {
            if let Some((Some(country), _)) = refs.locations.get(&l)
                && !e.nationalities.contains(country)
            {
                e.nationalities.push(country.clone());
            }
        }
        for l in p.address_locations {
            if let Some((_, text)) = refs.locations.get(&l)
                && !text.is_empty()
            {
                e.addresses.push(text.clone());
            }
        }
    }
    (entities, problems)
}

fn problem(file: &str, line: u64, reason: &str) -> Problem {
    Problem {
        file: file.to_string(),
        line,
        reason: reason.to_string(),
    }
}

fn read_references(node: &Node, refs: &mut References) {
    // <FeatureTypeValues><FeatureType ID="8">Birthdate</FeatureType>…
    for table in &node.children {
        for v in &table.children {
            let Some(id) = v.attr("ID") else { continue };
            if v.name == "PartySubType"
                && let Some(t) = v.attr("PartyTypeID")
            {
                refs.party_type_of_subtype
                    .insert(id.to_string(), t.to_string());
            }
            refs.values
                .insert((v.name.clone(), id.to_string()), v.text.trim().to_string());
        }
    }
}

/// A location's country and its parts as one line (`Ryugyong St,
/// Pyongyang, Korea, North`).
fn location(node: &Node, refs: &References) -> (Option<String>, String) {
    let country = node
        .child("LocationCountry")
        .and_then(|c| refs.value("Country", c.attr("CountryID")))
        .map(str::to_string);
    let mut parts: Vec<String> = node
        .all("LocationPart")
        .filter_map(|p| {
            let values: Vec<&Node> = p.all("LocationPartValue").collect();
            let v = values
                .iter()
                .find(|v| v.attr("Primary") == Some("true"))
                .or(values.first())?;
            v.text_of("Value").map(str::to_string)
        })
        .collect();
    parts.extend(country.clone());
    (country, parts.join(", "))
}

type Party = (Entity, Pending, Vec<String>, Vec<String>);

fn party(node: &Node, refs: &References) -> Result<Party, String> {
    let fixed = node
        .attr("FixedRef")
        .ok_or("a DistinctParty without FixedRef")?;
    let mut e = Entity {
        id: format!("ofac:{fixed}"),
        ..Entity::default()
    };
    let mut pending = Pending::default();
    let (mut identities, mut profiles) = (vec![], vec![]);
    for profile in node.all("Profile") {
        profiles.extend(profile.attr("ID").map(str::to_string));
        let subtype = profile.attr("PartySubTypeID");
        let party_type = subtype
            .and_then(|s| refs.party_type_of_subtype.get(s))
            .map(String::as_str);
        // Vessels and aircraft are sub-types of the "Entity" party type.
        e.kind = match (
            refs.value("PartySubType", subtype),
            refs.value("PartyType", party_type),
        ) {
            (Some("Vessel"), _) => EntityKind::Vessel,
            (Some("Aircraft"), _) => EntityKind::Aircraft,
            (_, Some("Individual")) => EntityKind::Individual,
            _ => EntityKind::Entity,
        };
        for identity in profile.all("Identity") {
            identities.extend(identity.attr("ID").map(str::to_string));
            for alias in identity.all("Alias") {
                let strong = alias.attr("LowQuality") != Some("true");
                let primary = alias.attr("Primary") == Some("true");
                for name in alias.all("DocumentedName") {
                    let parts: Vec<&str> = name
                        .all("DocumentedNamePart")
                        .filter_map(|p| p.text_of("NamePartValue"))
                        .collect();
                    if parts.is_empty() {
                        continue;
                    }
                    let listed = ListedName {
                        text: parts.join(" "),
                        strong,
                    };
                    if e.names.contains(&listed) {
                        continue;
                    }
                    if primary {
                        e.names.insert(0, listed);
                    } else {
                        e.names.push(listed);
                    }
                }
            }
        }
        for feature in profile.all("Feature") {
            let Some(kind) = refs.value("FeatureType", feature.attr("FeatureTypeID")) else {
                continue;
            };
            for version in feature.all("FeatureVersion") {
                read_feature(kind, version, refs, &mut e, &mut pending);
            }
        }
    }
    if e.names.is_empty() {
        return Err(format!("party {fixed} has no name"));
    }
    Ok((e, pending, identities, profiles))
}

fn read_feature(
    kind: &str,
    version: &Node,
    refs: &References,
    e: &mut Entity,
    pending: &mut Pending,
) {
    let detail = version.child("VersionDetail");
    let text = detail.map(|d| d.text.trim()).filter(|t| !t.is_empty());
    let referenced =
        detail.and_then(|d| refs.value("DetailReference", d.attr("DetailReferenceID")));
    let locations = || {
        version
            .all("VersionLocation")
            .filter_map(|l| l.attr("LocationID").map(str::to_string))
    };
    let id = |k: IdKind, v: &str| -> Identifier { identifier(k, v) };
    match kind {
        "Birthdate" => {
            if let Some(d) = version.child("DatePeriod").and_then(date_period) {
                e.dates_of_birth.push(d);
            }
        }
        "Gender" => e.gender = e.gender.or(referenced.or(text).and_then(Gender::parse)),
        "Nationality Country" | "Citizenship Country" => {
            pending.nationality_locations.extend(locations())
        }
        "Location" => pending.address_locations.extend(locations()),
        "Email Address" => e.identifiers.extend(text.map(|t| id(IdKind::Email, t))),
        "Website" => e.identifiers.extend(text.map(|t| id(IdKind::Website, t))),
        "Phone Number" => e.identifiers.extend(text.map(|t| id(IdKind::Phone, t))),
        _ => {
            if let Some(chain) = kind.strip_prefix("Digital Currency Address - ")
                && let Some(address) = text
            {
                e.identifiers
                    .push(id(IdKind::Crypto, &format!("{chain} {address}")));
            }
        }
    }
}

/// A birth date's period as [`crate::screen`] compares it: one day
/// (`1967-03-12`), one year (`1967`, from 1 Jan to 31 Dec), a span of years
/// (`1962 to 1964`), each `circa` when OFAC marks it approximate.
fn date_period(period: &Node) -> Option<String> {
    let start = period.child("Start")?;
    let end = period.child("End").unwrap_or(start);
    let ymd = |n: Option<&Node>| -> Option<(u32, u32, u32)> {
        let n = n?;
        let part = |p: &str| n.text_of(p).and_then(|v| v.parse::<u32>().ok());
        Some((
            part("Year")?,
            part("Month").unwrap_or(0),
            part("Day").unwrap_or(0),
        ))
    };
    let from = ymd(start.child("From"))?;
    let to = ymd(end.child("To").or(end.child("From"))).unwrap_or(from);
    let text = if from == to && from.1 > 0 && from.2 > 0 {
        format!("{:04}-{:02}-{:02}", from.0, from.1, from.2)
    } else if from.0 == to.0 {
        format!("{}", from.0)
    } else {
        format!("{} to {}", from.0, to.0)
    };
    let approximate = [start, end]
        .iter()
        .any(|n| n.attr("Approximate") == Some("true"));
    Some(if approximate {
        format!("circa {text}")
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cut of the file in OFAC's published layout (sdn_advanced_notes),
    /// with sections in their usual order except programs, which here come
    /// before the parties to show order does not matter.
    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML">
  <DateOfIssue><Year>2026</Year><Month>8</Month><Day>8</Day></DateOfIssue>
  <ReferenceValueSets>
    <AliasTypeValues><AliasType ID="1400">A.K.A.</AliasType><AliasType ID="1403">Name</AliasType></AliasTypeValues>
    <CountryValues><Country ID="11082" ISO2="KP">Korea, North</Country><Country ID="11153" ISO2="CN">China</Country></CountryValues>
    <DetailReferenceValues><DetailReference ID="91526">Male</DetailReference></DetailReferenceValues>
    <FeatureTypeValues>
      <FeatureType ID="8">Birthdate</FeatureType>
      <FeatureType ID="10">Nationality Country</FeatureType>
      <FeatureType ID="25">Location</FeatureType>
      <FeatureType ID="224">Gender</FeatureType>
      <FeatureType ID="21">Email Address</FeatureType>
      <FeatureType ID="344">Digital Currency Address - XBT</FeatureType>
      <FeatureType ID="345">Digital Currency Address - ETH</FeatureType>
    </FeatureTypeValues>
    <IDRegDocTypeValues><IDRegDocType ID="1571">Passport</IDRegDocType><IDRegDocType ID="1584">Registration Number</IDRegDocType></IDRegDocTypeValues>
    <PartySubTypeValues><PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType><PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType><PartySubType ID="1" PartyTypeID="2">Vessel</PartySubType></PartySubTypeValues>
    <PartyTypeValues><PartyType ID="1">Individual</PartyType><PartyType ID="2">Entity</PartyType></PartyTypeValues>
  </ReferenceValueSets>
  <Locations>
    <Location ID="2001">
      <LocationPart LocPartTypeID="1451"><LocationPartValue Primary="true" LocPartValueTypeID="1"><Value>Ryugyong St</Value></LocationPartValue></LocationPart>
      <LocationPart LocPartTypeID="1454"><LocationPartValue Primary="true" LocPartValueTypeID="1"><Value>Pyongyang</Value></LocationPartValue></LocationPart>
      <LocationCountry CountryID="11082"/>
    </Location>
    <Location ID="2002"><LocationCountry CountryID="11082"/></Location>
  </Locations>
  <IDRegDocuments>
    <IDRegDocument ID="3001" IDRegDocTypeID="1571" IdentityID="4001" IssuedBy-CountryID="11082"><IDRegistrationNo>PD836410105</IDRegistrationNo></IDRegDocument>
    <IDRegDocument ID="3002" IDRegDocTypeID="1584" IdentityID="4002"><IDRegistrationNo>REG-77</IDRegistrationNo></IDRegDocument>
    <IDRegDocument ID="3003" IDRegDocTypeID="1571" IdentityID="4001"/>
  </IDRegDocuments>
  <SanctionsEntries>
    <SanctionsEntry ID="5001" ProfileID="51330" ListID="1550"><SanctionsMeasure ID="6001" SanctionsTypeID="1"><Comment>DPRK2</Comment></SanctionsMeasure><SanctionsMeasure ID="6002" SanctionsTypeID="1"><Comment>DPRK3</Comment></SanctionsMeasure></SanctionsEntry>
  </SanctionsEntries>
  <DistinctParties>
    <DistinctParty FixedRef="51330">
      <Profile ID="51330" PartySubTypeID="4">
        <Identity ID="4001" FixedRef="51330" Primary="true" False="false">
          <Alias FixedRef="51330" AliasTypeID="1400" Primary="false" LowQuality="true">
            <DocumentedName ID="7002" FixedRef="51330" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue NamePartGroupID="3">RHEE</NamePartValue></DocumentedNamePart>
              <DocumentedNamePart><NamePartValue NamePartGroupID="4">Chang Ho</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <Alias FixedRef="51330" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="7001" FixedRef="51330" DocNameStatusID="1">
              <DocumentedNamePart><NamePartValue NamePartGroupID="1">RI</NamePartValue></DocumentedNamePart>
              <DocumentedNamePart><NamePartValue NamePartGroupID="2">Chang Ho</NamePartValue></DocumentedNamePart>
            </DocumentedName>
          </Alias>
        </Identity>
        <Feature ID="8001" FeatureTypeID="8">
          <FeatureVersion ID="8101" ReliabilityID="1">
            <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">
              <Start Approximate="false"><From><Year>1967</Year><Month>1</Month><Day>1</Day></From><To><Year>1967</Year><Month>1</Month><Day>1</Day></To></Start>
              <End Approximate="false"><From><Year>1967</Year><Month>12</Month><Day>31</Day></From><To><Year>1967</Year><Month>12</Month><Day>31</Day></To></End>
            </DatePeriod>
          </FeatureVersion>
        </Feature>
        <Feature ID="8002" FeatureTypeID="8">
          <FeatureVersion ID="8102" ReliabilityID="1">
            <DatePeriod CalendarTypeID="1">
              <Start Approximate="false"><From><Year>1966</Year><Month>3</Month><Day>12</Day></From><To><Year>1966</Year><Month>3</Month><Day>12</Day></To></Start>
              <End Approximate="false"><From><Year>1966</Year><Month>3</Month><Day>12</Day></From><To><Year>1966</Year><Month>3</Month><Day>12</Day></To></End>
            </DatePeriod>
          </FeatureVersion>
        </Feature>
        <Feature ID="8003" FeatureTypeID="10"><FeatureVersion ID="8103"><VersionLocation LocationID="2002"/></FeatureVersion></Feature>
        <Feature ID="8004" FeatureTypeID="25"><FeatureVersion ID="8104"><VersionLocation LocationID="2001"/></FeatureVersion></Feature>
        <Feature ID="8005" FeatureTypeID="224"><FeatureVersion ID="8105"><VersionDetail DetailTypeID="1431" DetailReferenceID="91526"/></FeatureVersion></Feature>
        <Feature ID="8006" FeatureTypeID="21"><FeatureVersion ID="8106"><VersionDetail DetailTypeID="1432">Ri.Chang@Example.com</VersionDetail></FeatureVersion></Feature>
        <Feature ID="8007" FeatureTypeID="344"><FeatureVersion ID="8107"><VersionDetail DetailTypeID="1432">1AbCdEf</VersionDetail></FeatureVersion></Feature>
        <Feature ID="8008" FeatureTypeID="999"><FeatureVersion ID="8108"><VersionDetail DetailTypeID="1432">ignored</VersionDetail></FeatureVersion></Feature>
      </Profile>
    </DistinctParty>
    <DistinctParty FixedRef="57001">
      <Profile ID="57001" PartySubTypeID="3">
        <Identity ID="4002" FixedRef="57001" Primary="true">
          <Alias FixedRef="57001" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="7003"><DocumentedNamePart><NamePartValue NamePartGroupID="5">KOREA SOBAEKSU TRADING COMPANY</NamePartValue></DocumentedNamePart></DocumentedName>
          </Alias>
        </Identity>
      </Profile>
    </DistinctParty>
    <DistinctParty FixedRef="57002"><Profile ID="57002" PartySubTypeID="1"><Identity ID="4003"/></Profile></DistinctParty>
  </DistinctParties>
</Sanctions>"#;

    #[test]
    fn parties_resolve_their_references_documents_and_programs() {
        let (es, problems) = load("sdn_advanced.xml", SAMPLE.as_bytes());
        assert_eq!(es.len(), 2);
        let reasons: Vec<&str> = problems.iter().map(|p| p.reason.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "an IDRegDocument without IdentityID or number",
                "party 57002 has no name"
            ],
            "{problems:?}"
        );
        assert_eq!(problems[1].line, 87);
        let ri = &es[0];
        assert_eq!(
            (ri.id.as_str(), ri.kind),
            ("ofac:51330", EntityKind::Individual)
        );
        let names: Vec<(&str, bool)> = ri
            .names
            .iter()
            .map(|n| (n.text.as_str(), n.strong))
            .collect();
        assert_eq!(
            names,
            [("RI Chang Ho", true), ("RHEE Chang Ho", false)],
            "primary first"
        );
        assert_eq!(ri.dates_of_birth, ["1967", "1966-03-12"]);
        assert_eq!(ri.nationalities, ["Korea, North"]);
        assert_eq!(ri.addresses, ["Ryugyong St, Pyongyang, Korea, North"]);
        assert_eq!(ri.gender, Some(Gender::Male));
        let ids = crate::list::ids(ri);
        assert_eq!(
            ids,
            [
                (IdKind::Email, "ri.chang@example.com"),
                (IdKind::Crypto, "XBT:1AbCdEf"),
                (IdKind::Passport, "PD836410105"),
            ]
        );
        assert_eq!(ri.programs, ["DPRK2", "DPRK3"]);
        let company = &es[1];
        assert_eq!(company.kind, EntityKind::Entity);
        assert_eq!(company.identifiers[0].value, "REG77");
    }
}

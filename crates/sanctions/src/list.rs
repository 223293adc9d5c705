//! Sanctions lists in one model, and OFAC's legacy CSV files read into it.
//!
//! OFAC publishes `sdn.csv` (one row per entry: number, name, type,
//! programs, …, remarks), `alt.csv` (aliases by entry number) and `add.csv`
//! (addresses). The remarks carry most of what identifies a person:
//! `DOB 1964; alt. DOB 28 Aug 1962; nationality Korea, North; Passport
//! 290320764; Email Address …; Digital Currency Address - XBT 1…; a.k.a.
//! 'KIM, JIN SOK'`. The files are Latin-1 and end with a DOS end-of-file
//! byte; a row that cannot be read is reported and skipped.

use std::path::Path;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EntityKind {
    #[default]
    Individual,
    Entity,
    Vessel,
    Aircraft,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListedName {
    pub text: String,
    /// OFAC's own distinction: a weak alias ("low quality a.k.a.", the
    /// ones in remarks) is too broad to match on alone.
    pub strong: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdKind {
    Passport,
    NationalId,
    Registration,
    Email,
    Website,
    Phone,
    /// A digital-currency address; the chain is kept in the value's prefix
    /// (`XBT:1…`) so that equal strings on different chains differ.
    Crypto,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identifier {
    pub kind: IdKind,
    /// Normalised with [`normalise_identifier`].
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gender {
    Female,
    Male,
}

impl Gender {
    /// `male`, `Female`, `M`, `f` …; anything else is not known.
    pub fn parse(s: &str) -> Option<Gender> {
        match s.trim().to_ascii_lowercase().as_str() {
            "m" | "male" | "man" => Some(Gender::Male),
            "f" | "female" | "woman" => Some(Gender::Female),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Entity {
    /// Source and number: `ofac:11648`.
    pub id: String,
    pub kind: EntityKind,
    /// The primary name first.
    pub names: Vec<ListedName>,
    /// As listed, or in ISO form where the list's form is known:
    /// `1964`, `28 Aug 1962`, `1962-08-28`, `1962 to 1964`, `circa 1970`.
    pub dates_of_birth: Vec<String>,
    pub gender: Option<Gender>,
    pub nationalities: Vec<String>,
    pub addresses: Vec<String>,
    pub identifiers: Vec<Identifier>,
    pub programs: Vec<String>,
}

/// A row set aside while loading.
#[derive(Debug)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub reason: String,
}

/// An identifier in the form it is compared in: documents and registration
/// numbers without case, spaces or punctuation; e-mails in lower case;
/// websites without scheme, `www.` or trailing slash; Ethereum-style and
/// bech32 addresses (case-insensitive by their definitions) in lower case,
/// base58 addresses as written (case is part of them).
pub fn normalise_identifier(kind: IdKind, raw: &str) -> String {
    let raw = raw.trim().trim_end_matches('.');
    match kind {
        IdKind::Passport | IdKind::NationalId | IdKind::Registration => raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect(),
        IdKind::Email => raw.to_ascii_lowercase(),
        IdKind::Website => {
            let s = raw.to_ascii_lowercase();
            let s = s
                .strip_prefix("https://")
                .or_else(|| s.strip_prefix("http://"))
                .unwrap_or(&s);
            let s = s.strip_prefix("www.").unwrap_or(s);
            s.trim_end_matches('/').to_string()
        }
        IdKind::Phone => raw.chars().filter(char::is_ascii_digit).collect(),
        IdKind::Crypto => {
            // "XBT 1Abc…" or "XBT:1Abc…" → "XBT:1Abc…"
            let (chain, addr) = raw
                .split_once([' ', ':'])
                .map_or(("", raw), |(c, a)| (c.trim(), a.trim()));
            let lower = addr.starts_with("0x")
                || addr.starts_with("0X")
                || crate::checksum::is_bech32(chain, addr);
            let addr = if lower {
                addr.to_ascii_lowercase()
            } else {
                addr.to_string()
            };
            format!("{}:{addr}", chain.to_ascii_uppercase())
        }
    }
}

/// The identifier kind of an identity document by its type as a list
/// names it, in English, French or Spanish (`Passport`, `Numéro de
/// passeport`, `Número de pasaporte`, `National Identification Number`,
/// `Cédula No.`, `Registration Number`, `Tax ID No.`); `None` for a kind
/// not screened.
pub fn document_kind(name: &str) -> Option<IdKind> {
    let n = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if has(&["passport", "passeport", "pasaporte"]) {
        Some(IdKind::Passport)
    } else if has(&[
        "national id",
        "identification",
        "identity",
        "identidad",
        "cedula",
        "cédula",
    ]) {
        Some(IdKind::NationalId)
    } else if has(&["registration", "tax id"]) {
        Some(IdKind::Registration)
    } else {
        None
    }
}

/// Latin-1 bytes as text (OFAC's files are not UTF-8).
fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| c as char).collect()
}

/// OFAC's empty field.
fn field(b: &[u8]) -> Option<String> {
    let s = latin1(b);
    let s = s.trim();
    (s != "-0-" && !s.is_empty()).then(|| s.to_string())
}

/// Line numbers of byte offsets in one file, counted as a reader moves
/// forward, never from the start again.
pub(crate) struct Lines<'a> {
    bytes: &'a [u8],
    counted_to: usize,
    before: u64,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines {
            bytes,
            counted_to: 0,
            before: 0,
        }
    }

    /// The 1-based line of byte `pos`.
    pub(crate) fn at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.bytes.len());
        if pos > self.counted_to {
            self.before +=
                memchr::memchr_iter(b'\n', &self.bytes[self.counted_to..pos]).count() as u64;
            self.counted_to = pos;
        }
        self.before + 1
    }

    /// The line of a CSV record at the `csv` reader's byte offset: after a
    /// CRLF that offset is at the LF it has not yet consumed (and its own
    /// line count one short), not at the record.
    pub(crate) fn of_csv_record(&mut self, mut pos: usize) -> u64 {
        while matches!(self.bytes.get(pos), Some(b'\r' | b'\n')) {
            pos += 1;
        }
        self.at(pos)
    }
}

/// Rows of a headerless OFAC CSV: (line, fields), with unreadable rows
/// reported.
fn rows(path: &Path, problems: &mut Vec<Problem>) -> std::io::Result<Vec<(u64, Vec<Vec<u8>>)>> {
    let bytes = std::fs::read(path)?;
    let mut lines = Lines::new(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let file = path.display().to_string();
    let mut out = vec![];
    let mut rec = csv::ByteRecord::new();
    loop {
        match r.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = lines.of_csv_record(rec.position().map_or(0, |p| p.byte() as usize));
                // The DOS end-of-file byte makes a last one-field row.
                if rec.len() == 1 && rec[0].iter().all(|&b| b == 0x1A || b.is_ascii_whitespace()) {
                    continue;
                }
                out.push((line, rec.iter().map(<[u8]>::to_vec).collect()));
            }
            Err(e) => {
                let line = lines.of_csv_record(e.position().map_or(0, |p| p.byte() as usize));
                problems.push(Problem {
                    file: file.clone(),
                    line,
                    reason: e.to_string(),
                });
                if !matches!(
                    e.kind(),
                    csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. }
                ) {
                    break;
                }
            }
        }
    }
    Ok(out)
}

/// The OFAC files in `dir` (an installed `sanctions` pack, or a folder of
/// OFAC's downloads): every `sdn*.csv` in name order, later ones replacing
/// entries of earlier ones, the first `alt*.csv` and `add*.csv`, and the
/// first `sdn_comments*.csv` (the remarks longer than sdn.csv's 1,000
/// characters, continued).
pub fn load_ofac_dir(dir: &Path) -> Result<(Vec<Entity>, Vec<Problem>), String> {
    let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    let all = |prefix: &str| -> Vec<&Path> {
        names
            .iter()
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    let n = n.to_ascii_lowercase();
                    n.starts_with(prefix) && n.ends_with(".csv") && !n.contains("comments")
                })
            })
            .map(|p| p.as_path())
            .collect()
    };
    let sdn = all("sdn");
    let comments: Vec<&Path> = names
        .iter()
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.to_ascii_lowercase().starts_with("sdn_comments") && n.ends_with(".csv")
            })
        })
        .map(|p| p.as_path())
        .collect();
    if sdn.is_empty() {
        return Err(format!("no OFAC sdn*.csv in {}", dir.display()));
    }
    load_ofac(
        &sdn,
        all("alt").first().copied(),
        all("add").first().copied(),
        comments.first().copied(),
    )
    .map_err(|e| format!("cannot read the lists in {}: {e}", dir.display()))
}

/// OFAC's `sdn.csv` (one or more files: an entry in a later file replaces
/// one of the same number in an earlier), with its `alt.csv`, `add.csv`
/// and `sdn_comments.csv` when given.
pub fn load_ofac(
    sdns: &[&Path],
    alt: Option<&Path>,
    add: Option<&Path>,
    comments: Option<&Path>,
) -> std::io::Result<(Vec<Entity>, Vec<Problem>)> {
    let mut problems = vec![];
    let mut entities: Vec<Entity> = vec![];
    // Remarks are read once whole: a long one continues in sdn_comments,
    // mid-word.
    let mut remarks: Vec<String> = vec![];
    let mut by_number = rustc_hash::FxHashMap::default();
    for &sdn in sdns {
        for (line, f) in rows(sdn, &mut problems)? {
            let (Some(number), Some(name)) = (
                f.first().and_then(|b| field(b)),
                f.get(1).and_then(|b| field(b)),
            ) else {
                problems.push(Problem {
                    file: sdn.display().to_string(),
                    line,
                    reason: "row without an entry number and name".into(),
                });
                continue;
            };
            let kind = match f.get(2).and_then(|b| field(b)).as_deref() {
                Some("individual") => EntityKind::Individual,
                Some("vessel") => EntityKind::Vessel,
                Some("aircraft") => EntityKind::Aircraft,
                _ => EntityKind::Entity,
            };
            let e = Entity {
                id: format!("ofac:{number}"),
                kind,
                names: vec![ListedName {
                    text: name,
                    strong: true,
                }],
                programs: f
                    .get(3)
                    .and_then(|b| field(b))
                    .map(|p| {
                        p.split(']')
                            .map(|s| s.trim_matches([' ', '[']).to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                ..Entity::default()
            };
            let text = f.get(11).and_then(|b| field(b)).unwrap_or_default();
            match by_number.get(&number) {
                Some(&ix) => {
                    entities[ix] = e;
                    remarks[ix] = text;
                }
                None => {
                    by_number.insert(number, entities.len());
                    entities.push(e);
                    remarks.push(text);
                }
            }
        }
    }
    if let Some(comments) = comments {
        for (_, f) in rows(comments, &mut problems)? {
            // Not trimmed: the text continues the remarks exactly.
            let number = f.first().and_then(|b| field(b));
            if let (Some(&ix), Some(more)) = (number.and_then(|n| by_number.get(&n)), f.get(1)) {
                remarks[ix].push_str(latin1(more).trim_end());
            }
        }
    }
    for (e, text) in entities.iter_mut().zip(&remarks) {
        if !text.is_empty() {
            read_remarks(text, e);
        }
    }
    if let Some(alt) = alt {
        for (line, f) in rows(alt, &mut problems)? {
            let number = f.first().and_then(|b| field(b));
            let name = f.get(3).and_then(|b| field(b));
            match (number.and_then(|n| by_number.get(&n)), name) {
                (Some(&ix), Some(name)) => entities[ix].names.push(ListedName {
                    text: name,
                    strong: true,
                }),
                // Aliases of entries newer than the sdn.csv in hand are
                // common when the files are of different dates: not a
                // problem with the row.
                (None, Some(_)) => {}
                _ => problems.push(Problem {
                    file: alt.display().to_string(),
                    line,
                    reason: "alias row without an entry number or name".into(),
                }),
            }
        }
    }
    if let Some(add) = add {
        for (_, f) in rows(add, &mut problems)? {
            let Some(&ix) = f
                .first()
                .and_then(|b| field(b))
                .and_then(|n| by_number.get(&n))
            else {
                continue;
            };
            let parts: Vec<String> = (2..6)
                .filter_map(|i| f.get(i).and_then(|b| field(b)))
                .collect();
            if !parts.is_empty() {
                entities[ix].addresses.push(parts.join(", "));
            }
        }
    }
    Ok((entities, problems))
}

/// The facts in an OFAC remarks field, added to `e`.
fn read_remarks(remarks: &str, e: &mut Entity) {
    for part in remarks.split(';') {
        let p = part.trim().trim_end_matches('.');
        let after = |prefix: &str| {
            p.strip_prefix(prefix)
                .or_else(|| p.strip_prefix(&format!("alt. {prefix}")))
                .map(str::trim)
        };
        if let Some(v) = after("DOB") {
            e.dates_of_birth.push(v.to_string());
        } else if let Some(v) = after("Gender") {
            e.gender = e.gender.or(Gender::parse(v));
        } else if let Some(v) = after("nationality").or_else(|| after("citizen")) {
            e.nationalities.push(v.to_string());
        } else if let Some(v) = p
            .strip_prefix("a.k.a.")
            .or_else(|| p.strip_prefix("f.k.a."))
        {
            let v = v.trim().trim_matches('\'');
            if !v.is_empty() {
                // OFAC lists weak aliases in the remarks.
                e.names.push(ListedName {
                    text: v.to_string(),
                    strong: false,
                });
            }
        } else if let Some(v) = p.strip_prefix("Digital Currency Address - ") {
            e.identifiers.push(identifier(IdKind::Crypto, v));
        } else if let Some(v) = after("Email Address") {
            e.identifiers.push(identifier(IdKind::Email, v));
        } else if let Some(v) = after("Website") {
            e.identifiers.push(identifier(IdKind::Website, v));
        } else if let Some(v) = after("Phone Number").or_else(|| after("Telephone")) {
            e.identifiers.push(identifier(IdKind::Phone, v));
        } else {
            // "Passport 290320764 (Korea, North) expires 2020": the number only.
            for label in [
                "Passport",
                "Diplomatic Passport",
                "National ID No.",
                "Identification Number",
                "Registration Number",
                "Registration ID",
            ] {
                if let (Some(v), Some(kind)) = (after(label), document_kind(label)) {
                    let number = v.split([' ', '(']).next().unwrap_or("");
                    if !number.is_empty() {
                        e.identifiers.push(identifier(kind, number));
                    }
                    break;
                }
            }
        }
    }
}

/// The shared reference data the tests read (`$UNMASK_SHARED_DATA`, else
/// `../shared/data` beside the repository).
#[cfg(test)]
pub(crate) fn shared_data() -> std::path::PathBuf {
    std::env::var_os("UNMASK_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

/// An entity's identifiers as (kind, value), for tests to compare.
#[cfg(test)]
pub(crate) fn ids(e: &Entity) -> Vec<(IdKind, &str)> {
    e.identifiers
        .iter()
        .map(|i| (i.kind, i.value.as_str()))
        .collect()
}

pub(crate) fn identifier(kind: IdKind, raw: &str) -> Identifier {
    Identifier {
        kind,
        value: normalise_identifier(kind, raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_give_dates_nationality_aliases_and_identifiers() {
        let mut e = Entity::default();
        read_remarks(
            "DOB 1964; alt. DOB 28 Aug 1962; nationality Korea, North; Passport 290320764 (Korea, North); \
             Email Address Kim.Chol@Example.COM; Digital Currency Address - XBT 1AbCdEf; \
             Digital Currency Address - ETH 0xAbCDef01; a.k.a. 'KIM, JIN SOK'.",
            &mut e,
        );
        assert_eq!(e.dates_of_birth, ["1964", "28 Aug 1962"]);
        assert_eq!(e.nationalities, ["Korea, North"]);
        assert_eq!(
            e.names,
            [ListedName {
                text: "KIM, JIN SOK".into(),
                strong: false
            }]
        );
        let ids = crate::list::ids(&e);
        assert_eq!(
            ids,
            [
                (IdKind::Passport, "290320764"),
                (IdKind::Email, "kim.chol@example.com"),
                (IdKind::Crypto, "XBT:1AbCdEf"),
                (IdKind::Crypto, "ETH:0xabcdef01"),
            ]
        );
    }

    #[test]
    fn identifiers_compare_without_case_or_separators_but_base58_keeps_case() {
        assert_eq!(
            normalise_identifier(IdKind::Passport, "pd-123 456."),
            "PD123456"
        );
        assert_eq!(
            normalise_identifier(IdKind::Website, "https://www.Silverstar.example/"),
            "silverstar.example"
        );
        assert_eq!(
            normalise_identifier(IdKind::Crypto, "XBT bc1QXY"),
            "XBT:bc1qxy"
        );
        assert_ne!(
            normalise_identifier(IdKind::Crypto, "XBT 1AbC"),
            normalise_identifier(IdKind::Crypto, "XBT 1abc")
        );
    }

    #[test]
    fn the_ofac_files_load_with_aliases_and_addresses() {
        let dir = shared_data().join("sanctions/ofac");
        let (entities, problems) = load_ofac(
            &[
                &dir.join("sdn_2024-05-03.csv"),
                &dir.join("sdn_recent_dprk_rows_from_index.csv"),
            ],
            Some(&dir.join("alt_2026-06-02.csv")),
            Some(&dir.join("add_2026-06-02.csv")),
            Some(&dir.join("sdn_comments_watchman_2025-12.csv")),
        )
        .expect("the shared OFAC files are readable");
        assert_eq!(entities.len(), 14_965 + 59, "one entity per sdn row");
        let ri = entities.iter().find(|e| e.id == "ofac:51330").unwrap();
        assert!(
            ri.names
                .iter()
                .any(|n| n.text == "RHEE, Chang Ho" && !n.strong)
        );
        assert!(problems.is_empty(), "{problems:?}");
        let kim = entities.iter().find(|e| e.id == "ofac:11648").unwrap();
        assert_eq!(kim.kind, EntityKind::Individual);
        assert_eq!(kim.names[0].text, "KIM, Tong-Myo'ng");
        assert!(
            kim.names
                .iter()
                .any(|n| n.text == "KIM, TONG MYONG" && n.strong)
        );
        assert!(
            kim.identifiers
                .iter()
                .any(|i| i.kind == IdKind::Passport && i.value == "290320764")
        );
        assert!(kim.programs.iter().any(|p| p == "NPWMD"));
        // LI Jiadong's remarks run on in sdn_comments mid-word ("…; P" +
        // "hone Number 8613314257947; …"): what is there is read.
        let li = entities.iter().find(|e| e.id == "ofac:28264").unwrap();
        for (kind, value) in [
            (IdKind::Phone, "8613314257947"),
            (IdKind::NationalId, "210302198701102136"),
        ] {
            assert!(
                li.identifiers
                    .iter()
                    .any(|i| i.kind == kind && i.value == value),
                "{value}: {:?}",
                li.identifiers
            );
        }
        assert!(
            li.names
                .iter()
                .any(|n| n.text == "blackjack1987" && !n.strong)
        );
    }
}

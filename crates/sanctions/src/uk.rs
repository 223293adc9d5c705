//! The UK Sanctions List (FCDO) as CSV, read by its column names.
//!
//! The FCDO's full CSV has one row per name (and per address) of a
//! designation, all under one `Unique ID` (`DPR0001`): the name in parts
//! (`Name 1` … `Name 5`, `Name 6` the family name), `Name type` (primary or
//! alias), `Alias strength` (`Low` aliases are weak), the name in its own
//! script, `D.O.B` as `dd/mm/yyyy` with `00` for an unknown day or month,
//! nationalities, passport and national numbers, e-mail, phone, website,
//! business registration numbers, gender and address lines; the file may
//! open with a `Report Date:` line before the header. The shorter summary
//! export (one row per designation: `Unique ID`, `Name`, `Regime Name`,
//! `Type`) reads through the same code: a column that is absent is empty.

use crate::list::{Entity, EntityKind, Gender, IdKind, ListedName, Problem, identifier};
use rustc_hash::FxHashMap;

/// Whether `head` (the start of a CSV file) is a UK list: its header names
/// `Unique ID` and a name column within the first lines.
pub fn sniff(head: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    head.lines().take(3).any(|l| {
        let l = l.to_ascii_lowercase();
        l.contains("unique id") && (l.contains("name 6") || l.contains(",name,"))
    })
}

pub fn load(file: &str, bytes: &[u8]) -> (Vec<Entity>, Vec<Problem>) {
    let mut problems = vec![];
    let problem = |line: u64, reason: String| Problem {
        file: file.to_string(),
        line,
        reason,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rec = csv::ByteRecord::new();
    let mut lines = crate::list::Lines::new(bytes);
    let mut columns: Option<FxHashMap<String, usize>> = None;
    let mut entities: Vec<Entity> = vec![];
    let mut by_id: FxHashMap<String, usize> = FxHashMap::default();
    let mut first_line: Vec<u64> = vec![];
    loop {
        match reader.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = lines.of_csv_record(e.position().map_or(0, |p| p.byte() as usize));
                problems.push(problem(line, e.to_string()));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
                continue;
            }
        }
        let line = lines.of_csv_record(rec.position().map_or(0, |p| p.byte() as usize));
        let cells: Vec<String> = rec
            .iter()
            .map(|c| {
                String::from_utf8_lossy(c)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_string()
            })
            .collect();
        let Some(cols) = &columns else {
            // Everything before the header (a "Report Date:" line) is not data.
            if cells.iter().any(|c| c.eq_ignore_ascii_case("unique id")) {
                columns = Some(
                    cells
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.to_ascii_lowercase(), i))
                        .collect(),
                );
            }
            continue;
        };
        let get = |name: &str| -> &str {
            cols.get(name)
                .and_then(|&i| cells.get(i))
                .map_or("", String::as_str)
        };
        let id = get("unique id");
        if id.is_empty() {
            if cells.iter().any(|c| !c.is_empty()) {
                problems.push(problem(line, "row without a Unique ID".into()));
            }
            continue;
        }
        let name = if cols.contains_key("name") {
            get("name").to_string()
        } else {
            let parts: Vec<&str> = ["name 1", "name 2", "name 3", "name 4", "name 5", "name 6"]
                .iter()
                .map(|c| get(c))
                .filter(|p| !p.is_empty())
                .collect();
            parts.join(" ")
        };
        let ix = *by_id.entry(id.to_string()).or_insert_with(|| {
            entities.push(Entity {
                id: format!("uk:{id}"),
                ..Entity::default()
            });
            first_line.push(line);
            entities.len() - 1
        });
        let e = &mut entities[ix];
        let kind = [
            get("individual, entity, ship"),
            get("type"),
            get("designation type"),
        ]
        .into_iter()
        .find(|k| !k.is_empty())
        .unwrap_or("");
        e.kind = match kind.to_ascii_lowercase().as_str() {
            "individual" => EntityKind::Individual,
            "ship" | "vessel" => EntityKind::Vessel,
            _ => EntityKind::Entity,
        };
        if !name.is_empty() {
            let primary = get("name type").to_ascii_lowercase().starts_with("primary");
            let listed = ListedName {
                text: name,
                strong: !get("alias strength").to_ascii_lowercase().contains("low"),
            };
            let at = match e.names.iter().position(|n| n.text == listed.text) {
                Some(at) => {
                    e.names[at].strong |= listed.strong;
                    at
                }
                None => {
                    e.names.push(listed);
                    e.names.len() - 1
                }
            };
            // The primary name first, whichever row carries it.
            if primary {
                let name = e.names.remove(at);
                e.names.insert(0, name);
            }
        }
        for script in split_numbered(get("name non-latin script")) {
            push_new(
                &mut e.names,
                ListedName {
                    text: script,
                    strong: true,
                },
            );
        }
        for dob in split_numbered(get("d.o.b")) {
            if let Some(d) = uk_date(&dob) {
                push_new(&mut e.dates_of_birth, d);
            }
        }
        for n in split_numbered(get("nationality(/ies)")) {
            push_new(&mut e.nationalities, n);
        }
        e.gender = e.gender.or(Gender::parse(get("gender")));
        for (column, kind) in [
            ("passport number", IdKind::Passport),
            ("national identifier number", IdKind::NationalId),
            ("business registration number (s)", IdKind::Registration),
            ("email address", IdKind::Email),
            ("phone number", IdKind::Phone),
            ("website", IdKind::Website),
        ] {
            for v in split_numbered(get(column)) {
                let id = identifier(kind, &v);
                if !id.value.is_empty() {
                    push_new(&mut e.identifiers, id);
                }
            }
        }
        let address: Vec<&str> = [
            "address line 1",
            "address line 2",
            "address line 3",
            "address line 4",
            "address line 5",
            "address line 6",
            "address postal code",
            "address country",
        ]
        .iter()
        .map(|c| get(c))
        .filter(|p| !p.is_empty())
        .collect();
        if !address.is_empty() {
            push_new(&mut e.addresses, address.join(", "));
        }
        let regime = get("regime name");
        if !regime.is_empty() {
            push_new(&mut e.programs, regime.to_string());
        }
    }
    if columns.is_none() {
        problems.push(problem(1, "no header with a Unique ID column".into()));
    }
    let mut line = first_line.into_iter();
    entities.retain(|e| {
        let line = line.next().unwrap_or(0);
        if e.names.is_empty() {
            problems.push(problem(
                line,
                format!("designation {} has no name", &e.id[3..]),
            ));
        }
        !e.names.is_empty()
    });
    (entities, problems)
}

fn push_new<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

/// `(1) 12345 (2) 67890` → both; a plain value → itself.
fn split_numbered(cell: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = cell;
    let mut current = String::new();
    while !rest.is_empty() {
        let marker = rest.strip_prefix('(').and_then(|r| {
            let digits = r.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0 && r.as_bytes().get(digits) == Some(&b')')).then(|| &r[digits + 1..])
        });
        if let Some(after) = marker {
            out.push(std::mem::take(&mut current));
            rest = after;
        } else {
            let c = rest.chars().next().expect("rest is not empty");
            current.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().trim_end_matches(',').trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `12/03/1985` → `1985-03-12`; `00/00/1962` or `00/03/1962` → `1962`.
fn uk_date(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split(['/', '-']).map(str::trim).collect();
    let [d, m, y] = parts.as_slice() else {
        return (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string());
    };
    let (d, m, y) = (
        d.parse::<u32>().ok()?,
        m.parse::<u32>().ok()?,
        y.parse::<u32>().ok()?,
    );
    if !(1000..=9999).contains(&y) {
        return None;
    }
    Some(if d == 0 || m == 0 || m > 12 || d > 31 {
        y.to_string()
    } else {
        format!("{y}-{m:02}-{d:02}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = "Report Date: 11-Aug-2025\n\
Last Updated,Unique ID,OFSI Group ID,UN Reference Number,Name 6,Name 1,Name 2,Name 3,Name 4,Name 5,Name type,Alias strength,Title,Name non-latin script,Regime Name,\"Individual, Entity, Ship\",Address Line 1,Address Line 2,Address Postal Code,Address Country,Phone number,Website,Email address,D.O.B,Nationality(/ies),National Identifier number,Passport number,Gender,Business registration number (s)\n\
01/02/2024,DPR0042,13590,,PAK,Chol,Min,,,,Alias,Low,,,Democratic People's Republic of Korea,Individual,,,,,,,,00/00/1985,,,,,\n\
01/02/2024,DPR0042,13590,,PAK,Chol,Min,,,,Primary Name,,,박철민,Democratic People's Republic of Korea,Individual,Ryugyong St,Pyongyang,,North Korea,+850 2 123 4567,,pak@example.kp,12/03/1985,(1) North Korea (2) China,A-12,(1) PD 836410105 (2) 381420089,Male,\n\
01/02/2024,DPR0042,13590,,PARK,Cheol Min,,,,,Alias,Low,,,Democratic People's Republic of Korea,Individual,,,,,,,,,,,,,\n\
,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n\
01/02/2024,,13591,,NOBODY,,,,,,Primary Name,,,,,Individual,,,,,,,,,,,,,\n\
01/02/2024,DPR0099,13600,,KOREA SOBAEKSU TRADING COMPANY,,,,,,Primary Name,,,,Democratic People's Republic of Korea,Entity,,,,,,www.sobaeksu.example/,,,,,,,REG-77\n";

    #[test]
    fn the_full_csv_groups_rows_by_unique_id_with_every_field() {
        assert!(sniff(FULL.as_bytes()));
        let (es, problems) = load("uk.csv", FULL.as_bytes());
        assert_eq!(es.len(), 2);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].line, 7, "the row without an id");
        let pak = &es[0];
        assert_eq!(pak.id, "uk:DPR0042");
        assert_eq!(pak.kind, EntityKind::Individual);
        let names: Vec<(&str, bool)> = pak
            .names
            .iter()
            .map(|n| (n.text.as_str(), n.strong))
            .collect();
        assert_eq!(
            names,
            [
                ("Chol Min PAK", true),
                ("박철민", true),
                ("Cheol Min PARK", false)
            ],
            "the primary row's name first, aliases by strength"
        );
        assert_eq!(pak.dates_of_birth, ["1985", "1985-03-12"]);
        assert_eq!(pak.nationalities, ["North Korea", "China"]);
        assert_eq!(pak.gender, Some(Gender::Male));
        assert_eq!(pak.addresses, ["Ryugyong St, Pyongyang, North Korea"]);
        let ids = crate::list::ids(pak);
        assert_eq!(
            ids,
            [
                (IdKind::Passport, "PD836410105"),
                (IdKind::Passport, "381420089"),
                (IdKind::NationalId, "A12"),
                (IdKind::Email, "pak@example.kp"),
                (IdKind::Phone, "85021234567"),
            ]
        );
        let company = &es[1];
        assert_eq!(company.kind, EntityKind::Entity);
        assert_eq!(company.programs, ["Democratic People's Republic of Korea"]);
        let ids = crate::list::ids(company);
        assert_eq!(
            ids,
            [
                (IdKind::Registration, "REG77"),
                (IdKind::Website, "sobaeksu.example")
            ]
        );
    }

    #[test]
    fn the_shared_summary_export_loads() {
        let path = crate::list::shared_data().join("sanctions/uk/UK_Sanctions_List_2025-08-11.csv");
        let bytes = std::fs::read(&path).expect("the shared UK list is readable");
        assert!(sniff(&bytes));
        let (es, problems) = load("uk.csv", &bytes);
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(
            lines,
            [649, 3547],
            "two designations are nameless in this export: {problems:?}"
        );
        assert_eq!(es.len(), 5_300);
        let dprk: Vec<&Entity> = es
            .iter()
            .filter(|e| e.programs.iter().any(|p| p.contains("Korea")))
            .collect();
        assert_eq!(dprk.len(), 261);
        let an = es.iter().find(|e| e.id == "uk:DPR0001").unwrap();
        assert_eq!(
            (an.names[0].text.as_str(), an.kind),
            ("An Jong Hyuk", EntityKind::Individual)
        );
        assert_eq!(
            es.iter().filter(|e| e.kind == EntityKind::Vessel).count(),
            461
        );
    }

    #[test]
    fn dates_with_unknown_parts_keep_the_year() {
        assert_eq!(uk_date("12/03/1985").as_deref(), Some("1985-03-12"));
        assert_eq!(uk_date("00/00/1962").as_deref(), Some("1962"));
        assert_eq!(uk_date("1962").as_deref(), Some("1962"));
        assert_eq!(uk_date("sometime"), None);
        assert_eq!(split_numbered("(1) a, (2) b"), ["a", "b"]);
        assert_eq!(split_numbered("Korea (North)"), ["Korea (North)"]);
    }
}

//! Every list in a folder, into one set of entities.
//!
//! A folder is an installed `sanctions` pack or a folder of downloads; files
//! keep the names they were published or mirrored under, so each is known
//! by its content, not its name: OFAC's legacy CSVs (`sdn*.csv` with their
//! `alt` and `add` files), XML by its root element (`<Sanctions>` is OFAC's
//! advanced form, `<CONSOLIDATED_LIST>` the UN's), a CSV whose header names
//! `Unique ID` the UK's, and the digital-currency addresses parsed from
//! OFAC's advanced file (`all_addresses.json`). An entity of the same id in
//! a later source replaces an earlier one (OFAC's advanced XML supersedes
//! its CSVs); the addresses file adds to the entities it names.

use crate::list::{Entity, EntityKind, IdKind, ListedName, Problem, identifier, load_ofac_dir};
use rustc_hash::FxHashMap;
use std::path::Path;

pub struct Loaded {
    pub entities: Vec<Entity>,
    pub problems: Vec<Problem>,
    /// What was read: (file or source, entities from it).
    pub sources: Vec<(String, usize)>,
}

pub fn load_dir(dir: &Path) -> Result<Loaded, String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut out = Loaded {
        entities: vec![],
        problems: vec![],
        sources: vec![],
    };
    let mut by_id: FxHashMap<String, usize> = FxHashMap::default();
    let mut add =
        |out: &mut Loaded, source: String, entities: Vec<Entity>, problems: Vec<Problem>| {
            out.sources.push((source, entities.len()));
            out.problems.extend(problems);
            for e in entities {
                match by_id.get(&e.id) {
                    Some(&ix) => out.entities[ix] = e,
                    None => {
                        by_id.insert(e.id.clone(), out.entities.len());
                        out.entities.push(e);
                    }
                }
            }
        };
    let name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    if files.iter().any(|p| {
        let n = name(p);
        n.starts_with("sdn") && n.ends_with(".csv") && !n.contains("comments")
    }) {
        let (entities, problems) = load_ofac_dir(dir)?;
        add(&mut out, "OFAC SDN (legacy CSV)".into(), entities, problems);
    }
    let mut addresses = vec![];
    for path in &files {
        let n = name(path);
        let file = path.display().to_string();
        let read = || std::fs::read(path).map_err(|e| format!("cannot read {file}: {e}"));
        if n.ends_with(".xml") {
            let bytes = read()?;
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(2048)]).into_owned();
            let (entities, problems) = if head.contains("<CONSOLIDATED_LIST") {
                crate::un::load(&file, &bytes)
            } else if head.contains("<Sanctions") {
                crate::ofac_advanced::load(&file, &bytes)
            } else {
                continue;
            };
            add(&mut out, file, entities, problems);
        } else if n.ends_with(".csv")
            && !n.starts_with("sdn")
            && !n.starts_with("alt")
            && !n.starts_with("add")
        {
            let bytes = read()?;
            if crate::uk::sniff(&bytes) {
                let (entities, problems) = crate::uk::load(&file, &bytes);
                add(&mut out, file, entities, problems);
            }
        } else if n.ends_with(".json") && n.contains("address") {
            addresses.push(path.clone());
        }
    }
    for path in addresses {
        let file = path.display().to_string();
        let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {file}: {e}"))?;
        let before = out.entities.len();
        let added = crypto_addresses(
            &file,
            &bytes,
            &mut out.entities,
            &mut by_id,
            &mut out.problems,
        );
        out.sources.push((
            format!("{file} ({added} addresses)"),
            out.entities.len() - before,
        ));
    }
    Ok(out)
}

#[derive(serde::Deserialize)]
struct AddressFile {
    addresses: Vec<ListedAddress>,
}

#[derive(serde::Deserialize)]
struct ListedAddress {
    address: String,
    entity_id: Option<u64>,
    #[serde(default)]
    entity_name: String,
    #[serde(default)]
    ofac_tickers: Vec<String>,
    #[serde(default)]
    programs: Vec<String>,
}

/// OFAC's digital-currency addresses (one record per address, with the
/// entry number it is listed under and OFAC's chain tickers), added to the
/// entities they belong to; an entry not otherwise loaded is added with the
/// name given. Returns how many addresses were added.
fn crypto_addresses(
    file: &str,
    bytes: &[u8],
    entities: &mut Vec<Entity>,
    by_id: &mut FxHashMap<String, usize>,
    problems: &mut Vec<Problem>,
) -> usize {
    let parsed: AddressFile = match serde_json::from_slice(bytes) {
        Ok(p) => p,
        Err(e) => {
            problems.push(Problem {
                file: file.to_string(),
                line: e.line() as u64,
                reason: format!("not an address list: {e}"),
            });
            return 0;
        }
    };
    let mut added = 0;
    for a in parsed.addresses {
        let Some(number) = a.entity_id else { continue };
        let id = format!("ofac:{number}");
        let ix = *by_id.entry(id.clone()).or_insert_with(|| {
            entities.push(Entity {
                id,
                kind: EntityKind::Entity,
                names: vec![ListedName {
                    text: a.entity_name.clone(),
                    strong: true,
                }],
                programs: a.programs.clone(),
                ..Entity::default()
            });
            entities.len() - 1
        });
        for ticker in &a.ofac_tickers {
            let id = identifier(IdKind::Crypto, &format!("{ticker} {}", a.address));
            if !entities[ix].identifiers.contains(&id) {
                entities[ix].identifiers.push(id);
                added += 1;
            }
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_of_every_format_loads_into_one_set() {
        let shared = crate::list::shared_data().join("sanctions");
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "ofac/sdn_2024-05-03.csv",
            "ofac/alt_2026-06-02.csv",
            "ofac/add_2026-06-02.csv",
            "un/un_consolidated_2026-02-27.xml",
            "uk/UK_Sanctions_List_2025-08-11.csv",
            "crypto/all_addresses.json",
        ] {
            let from = shared.join(f);
            std::fs::copy(&from, dir.path().join(from.file_name().unwrap())).unwrap();
        }
        std::fs::write(dir.path().join("notes.xml"), "<notes/>").unwrap();
        let loaded = load_dir(dir.path()).unwrap();
        let count = |prefix: &str| {
            loaded
                .entities
                .iter()
                .filter(|e| e.id.starts_with(prefix))
                .count()
        };
        assert!(count("ofac:") >= 14_965, "{}", count("ofac:"));
        assert_eq!(count("un:"), 1_003);
        assert_eq!(count("uk:"), 5_300);
        assert_eq!(loaded.sources.len(), 4, "{:?}", loaded.sources);
        // A wallet listed only in the address file reaches its entry.
        let wu = loaded
            .entities
            .iter()
            .find(|e| e.id == "ofac:42496")
            .unwrap();
        assert!(
            wu.identifiers
                .iter()
                .any(|i| i.kind == IdKind::Crypto
                    && i.value == "XBT:125W5ek3DT6Zqy5S2iPt4FHQdNMCbZA3FU"),
            "{:?}",
            wu.identifiers
        );
    }
}

//! Remote-access tools from the LOLRMM catalogue: which process names and
//! install paths belong to which tool.

use std::collections::HashMap;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RmmTool {
    pub name: String,
    pub category: String,
}

/// An install-path pattern: lower-cased, `*` matching any run, `\` and `/`
/// treated alike.
struct PathPattern {
    parts: Vec<String>,
    tool: u32,
}

#[derive(Default)]
pub struct RmmIndex {
    tools: Vec<RmmTool>,
    by_process: HashMap<String, u32>,
    paths: Vec<PathPattern>,
}

fn norm(p: &str) -> String {
    p.trim().to_lowercase().replace('\\', "/")
}

fn glob_match(parts: &[String], text: &str) -> bool {
    // parts = pattern split on '*'; the first must be a prefix, the last a
    // suffix (unless the pattern ends with '*'), the rest in order.
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            continue;
        }
        if i == 0 {
            let Some(r) = rest.strip_prefix(part.as_str()) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part.as_str());
        } else {
            match rest.find(part.as_str()) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    parts.last().is_some_and(|l| l.is_empty()) || rest.is_empty()
}

impl RmmIndex {
    /// Reads the pack's `lolrmm_indicators.csv` in whichever shape it came:
    /// the flat indicator CSV of a mirror (tool, category, indicator_type,
    /// value, os) or LOLRMM's own API export (`rmm_tools.json`), which is
    /// what the upstream URL serves.
    pub fn load(dir: &Path) -> Result<RmmIndex, String> {
        let path = dir.join("lolrmm_indicators.csv");
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        RmmIndex::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<RmmIndex, String> {
        let mut ix = RmmIndex::default();
        let mut tool_ids: HashMap<String, u32> = HashMap::new();
        let mut add = |ix: &mut RmmIndex, tool: &str, cat: &str, kind: &str, value: &str| {
            let value = value.trim();
            if tool.is_empty() || value.is_empty() {
                return;
            }
            let id = *tool_ids.entry(tool.to_string()).or_insert_with(|| {
                ix.tools.push(RmmTool {
                    name: tool.to_string(),
                    category: cat.to_string(),
                });
                (ix.tools.len() - 1) as u32
            });
            match kind {
                "process_name" => {
                    ix.by_process.entry(norm(value)).or_insert(id);
                }
                "install_path" => {
                    // "C:/Program Files/AnyDesk/*" also matches the folder's files.
                    ix.paths.push(PathPattern {
                        parts: norm(value).split('*').map(String::from).collect(),
                        tool: id,
                    });
                }
                _ => {}
            }
        };
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            let tools: Vec<serde_json::Value> =
                serde_json::from_slice(bytes).map_err(|e| format!("not LOLRMM JSON: {e}"))?;
            let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            let list = |v: &serde_json::Value| -> Vec<String> {
                match v {
                    serde_json::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    serde_json::Value::String(s) => vec![s.clone()],
                    _ => vec![],
                }
            };
            for t in &tools {
                let (name, cat) = (text(&t["Name"]), text(&t["Category"]));
                // PEMetadata is an object or a list of them.
                let pe: Vec<&serde_json::Value> = match &t["Details"]["PEMetadata"] {
                    serde_json::Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for m in pe {
                    for f in ["Filename", "OriginalFileName"] {
                        add(&mut ix, &name, &cat, "process_name", &text(&m[f]));
                    }
                }
                for p in list(&t["Details"]["InstallationPaths"]) {
                    let kind = if p.contains(['\\', '/']) {
                        "install_path"
                    } else {
                        "process_name"
                    };
                    add(&mut ix, &name, &cat, kind, &p);
                }
                for n in list(&t["CodeSigning"]["search_names"]) {
                    add(&mut ix, &name, &cat, "process_name", &n);
                }
            }
        } else {
            let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
            for row in r.records() {
                let row = row.map_err(|e| e.to_string())?;
                if let (Some(tool), Some(cat), Some(kind), Some(value)) =
                    (row.get(0), row.get(1), row.get(2), row.get(3))
                {
                    add(&mut ix, tool, cat, kind, value);
                }
            }
        }
        if ix.tools.is_empty() {
            return Err("no remote-access tools found".into());
        }
        Ok(ix)
    }

    /// Indicators held (process names and path patterns).
    pub fn indicators(&self) -> usize {
        self.by_process.len() + self.paths.len()
    }

    /// The tool a running process belongs to, by its path (preferred) or
    /// its executable name.
    pub fn lookup(&self, name: Option<&str>, path: Option<&str>) -> Option<&RmmTool> {
        if let Some(p) = path.map(norm).filter(|p| !p.is_empty()) {
            if let Some(pp) = self.paths.iter().find(|pp| glob_match(&pp.parts, &p)) {
                return Some(&self.tools[pp.tool as usize]);
            }
            let exe = p.rsplit('/').next().unwrap_or("");
            if let Some(&t) = self.by_process.get(exe) {
                return Some(&self.tools[t as usize]);
            }
        }
        let n = norm(name?);
        self.by_process.get(&n).map(|&t| &self.tools[t as usize])
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    fn parts(p: &str) -> Vec<String> {
        p.split('*').map(String::from).collect()
    }

    #[test]
    fn reads_the_upstream_api_export() {
        let json = br#"[{"Name":"AnyDesk","Category":"RMM","Details":{"PEMetadata":[{"Filename":"AnyDesk.exe","OriginalFileName":""}],"InstallationPaths":["C:\\Program Files (x86)\\AnyDesk\\*","anydesk.app"]},"CodeSigning":{"search_names":["AnyDeskMSI.exe"]}},
                        {"Name":"Connectwise Automate (LabTech)","Category":"RMM","Details":{"PEMetadata":{"Filename":""},"InstallationPaths":["ltsvc.exe"]}}]"#;
        let ix = super::RmmIndex::from_bytes(json).unwrap();
        assert_eq!(ix.len(), 2);
        assert_eq!(
            ix.lookup(None, Some(r"C:\Program Files (x86)\AnyDesk\AnyDesk.exe"))
                .unwrap()
                .name,
            "AnyDesk"
        );
        assert_eq!(
            ix.lookup(Some("anydeskmsi.exe"), None).unwrap().name,
            "AnyDesk"
        );
        assert_eq!(
            ix.lookup(Some("LTSVC.exe"), None).unwrap().name,
            "Connectwise Automate (LabTech)"
        );
        assert!(super::RmmIndex::from_bytes(b"[]").is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match(
            &parts("c:/program files (x86)/anydesk/*"),
            "c:/program files (x86)/anydesk/anydesk.exe"
        ));
        assert!(glob_match(&parts("c:/*/kitty.exe"), "c:/tools/kitty.exe"));
        assert!(!glob_match(&parts("c:/*/kitty.exe"), "c:/tools/putty.exe"));
        assert!(glob_match(
            &parts("/applications/anydesk.app"),
            "/applications/anydesk.app"
        ));
        assert!(!glob_match(
            &parts("/applications/anydesk.app"),
            "/applications/anydesk.app.bak"
        ));
    }
}

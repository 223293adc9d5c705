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
    parts.last().is_some_and(|l| l.is_empty())
        || rest.is_empty()
        || parts.len() == 1 && rest.is_empty()
}

impl RmmIndex {
    /// Reads `lolrmm_indicators.csv` (tool, category, indicator_type, value, os).
    pub fn load(dir: &Path) -> Result<RmmIndex, String> {
        let path = dir.join("lolrmm_indicators.csv");
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut ix = RmmIndex::default();
        let mut tool_ids: HashMap<String, u32> = HashMap::new();
        for row in r.records() {
            let row = row.map_err(|e| e.to_string())?;
            let (Some(tool), Some(cat), Some(kind), Some(value)) =
                (row.get(0), row.get(1), row.get(2), row.get(3))
            else {
                continue;
            };
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
                    let p = norm(value);
                    // "C:/Program Files/AnyDesk/*" also matches the folder's files;
                    // a bare drive wildcard ("c:/*/x.exe") is kept as written.
                    ix.paths.push(PathPattern {
                        parts: p.split('*').map(String::from).collect(),
                        tool: id,
                    });
                }
                _ => {}
            }
        }
        Ok(ix)
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

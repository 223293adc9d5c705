//! Tables of records, stored by column with each column's values interned
//! (the arena interner the identity graph uses): a million rows of a dozen
//! short strings stay in tens of megabytes, and equality is a comparison of
//! two integers.

use std::path::Path;
use unmask_intern::Interner;

/// Distinct values of a column or field, in one arena; id 0 is the empty
/// value.
pub(crate) fn new_interner() -> Interner<()> {
    let mut i = Interner::default();
    i.intern((), "");
    i
}

/// One column: its distinct values (id 0 is the empty value) and each row's
/// value id.
pub struct Column {
    values: Interner<()>,
    pub ids: Vec<u32>,
}

impl Column {
    pub fn get(&self, row: usize) -> &str {
        self.values.text(self.ids[row])
    }
}

/// Records: an id per row and named columns. Values are trimmed and
/// lower-cased on reading, so case and stray spaces never count as a
/// difference.
#[derive(Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub ids: Vec<String>,
    pub columns: Vec<Column>,
}

impl Table {
    pub fn new(headers: Vec<String>) -> Table {
        Table {
            columns: headers
                .iter()
                .map(|_| Column {
                    values: new_interner(),
                    ids: vec![],
                })
                .collect(),
            headers,
            ids: vec![],
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a row: its id and one value per column (missing → empty).
    pub fn push<'v>(&mut self, id: &str, values: impl IntoIterator<Item = &'v str>) {
        self.ids.push(id.to_string());
        let mut values = values.into_iter();
        let mut buf = String::new();
        for c in &mut self.columns {
            let v = values.next().unwrap_or("").trim();
            buf.clear();
            buf.extend(v.chars().flat_map(char::to_lowercase));
            c.ids.push(c.values.intern((), &buf));
        }
    }

    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    pub fn get(&self, row: usize, col: usize) -> &str {
        self.columns[col].get(row)
    }

    /// Reads a CSV (with a header) or, for `.jsonl`/`.ndjson`, one JSON
    /// object per line. The record id is the column named `id_column`, or
    /// the first column.
    pub fn read(path: &Path, id_column: Option<&str>) -> Result<Table, String> {
        let name = path.to_string_lossy();
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
            Self::read_jsonl(path, id_column)
        } else {
            Self::read_csv(path, id_column)
        }
    }

    fn read_csv(path: &Path, id_column: Option<&str>) -> Result<Table, String> {
        let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
        let mut r = csv::Reader::from_path(path).map_err(|e| err(&e))?;
        let headers: Vec<String> = r
            .headers()
            .map_err(|e| err(&e))?
            .iter()
            .map(String::from)
            .collect();
        let id = match id_column {
            Some(n) => headers
                .iter()
                .position(|h| h == n)
                .ok_or_else(|| err(&format!("no id column {n:?}")))?,
            None => 0,
        };
        let mut t = Table::new(headers);
        let mut row = csv::StringRecord::new();
        while r.read_record(&mut row).map_err(|e| err(&e))? {
            let rid = row.get(id).unwrap_or("").to_string();
            t.push(&rid, row.iter());
        }
        Ok(t)
    }

    fn read_jsonl(path: &Path, id_column: Option<&str>) -> Result<Table, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut objects = vec![];
        let mut headers: Vec<String> = vec![];
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
            for k in v.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
            objects.push(v);
        }
        let id = id_column.unwrap_or_else(|| headers.first().map_or("id", String::as_str));
        let id = id.to_string();
        let mut t = Table::new(headers.clone());
        for o in &objects {
            let text = |v: Option<&serde_json::Value>| match v {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            };
            let values: Vec<String> = headers.iter().map(|h| text(o.get(h))).collect();
            t.push(&text(o.get(&id)), values.iter().map(String::as_str));
        }
        Ok(t)
    }
}

/// What is linked: one table against itself (dedupe) or two tables.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    pub left: &'a Table,
    pub right: &'a Table,
    pub dedupe: bool,
}

impl<'a> Input<'a> {
    pub fn dedupe(t: &'a Table) -> Input<'a> {
        Input {
            left: t,
            right: t,
            dedupe: true,
        }
    }

    pub fn link(left: &'a Table, right: &'a Table) -> Input<'a> {
        Input {
            left,
            right,
            dedupe: false,
        }
    }

    /// Number of possible pairs.
    pub fn all_pairs(&self) -> f64 {
        let n = self.left.len() as f64;
        if self.dedupe {
            n * (n - 1.0) / 2.0
        } else {
            n * self.right.len() as f64
        }
    }
}

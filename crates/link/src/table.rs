//! Tables of records, stored by column with each column's values interned:
//! a million rows of a dozen short strings stay in tens of megabytes, and
//! equality is a comparison of two integers.

use std::path::Path;

/// Distinct strings, each stored once; the index holds only ids and hashes
/// the stored strings (no second copy of every value).
#[derive(Clone, Debug)]
pub(crate) struct Interner {
    pub values: Vec<String>,
    index: hashbrown::HashTable<u32>,
}

impl Interner {
    /// Id 0 is the empty value.
    pub fn new() -> Interner {
        Interner {
            values: vec![String::new()],
            index: hashbrown::HashTable::new(),
        }
    }

    pub fn intern(&mut self, v: &str) -> u32 {
        if v.is_empty() {
            return 0;
        }
        let hash = |s: &str| crate::compare::fx(s.as_bytes(), 0);
        let values = &self.values;
        match self.index.find(hash(v), |&id| values[id as usize] == v) {
            Some(&id) => id,
            None => {
                let id = self.values.len() as u32;
                self.values.push(v.to_string());
                let values = &self.values;
                self.index
                    .insert_unique(hash(v), id, |&id| hash(&values[id as usize]));
                id
            }
        }
    }

    /// The values, with the index dropped.
    pub fn into_values(self) -> Vec<String> {
        self.values
    }
}

/// One column: its distinct values (id 0 is the empty value) and each row's
/// value id.
#[derive(Clone, Debug)]
pub struct Column {
    pub values: Vec<String>,
    pub ids: Vec<u32>,
}

impl Column {
    pub fn get(&self, row: usize) -> &str {
        &self.values[self.ids[row] as usize]
    }
}

/// Records: an id per row and named columns. Values are trimmed and
/// lower-cased on reading, so case and stray spaces never count as a
/// difference.
#[derive(Clone, Debug, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub ids: Vec<String>,
    pub columns: Vec<Column>,
    building: Vec<Interner>,
}

impl Table {
    pub fn new(headers: Vec<String>) -> Table {
        Table {
            columns: headers
                .iter()
                .map(|_| Column {
                    values: vec![],
                    ids: vec![],
                })
                .collect(),
            building: headers.iter().map(|_| Interner::new()).collect(),
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
    /// Call [`Table::finish`] after the last row.
    pub fn push<'v>(&mut self, id: &str, values: impl IntoIterator<Item = &'v str>) {
        self.ids.push(id.to_string());
        let mut values = values.into_iter();
        let mut buf = String::new();
        for (c, interner) in self.columns.iter_mut().zip(&mut self.building) {
            let v = values.next().unwrap_or("").trim();
            buf.clear();
            buf.extend(v.chars().flat_map(char::to_lowercase));
            c.ids.push(interner.intern(&buf));
        }
    }

    /// Ends loading: drops the interning indexes.
    pub fn finish(mut self) -> Table {
        for (c, i) in self
            .columns
            .iter_mut()
            .zip(std::mem::take(&mut self.building))
        {
            c.values = i.into_values();
        }
        self
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
        Ok(t.finish())
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
        Ok(t.finish())
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

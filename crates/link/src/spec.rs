//! The model file of `unmask link` (TOML): fields, comparison levels,
//! blocking rules, and which fields related people share.
//!
//! ```toml
//! id = "rec_id"                 # the id column (default: the first)
//! [[field]]
//! name = "given_name"
//! columns = ["given_name"]      # joined with a space when several
//! compare = "jaro_winkler"      # see below
//! thresholds = [0.92, 0.88, 0.70]
//! tf = true                     # a shared rare value counts more
//! related = false               # true: people who live together share it
//! [[blocking]]
//! on = ["given_name", "surname:3"]   # column, or column:N for its first N characters
//! ```
//!
//! Comparisons: `exact`, `jaro_winkler` (similarity thresholds),
//! `levenshtein` and `damerau` (edit distances), `date` (`yyyymmdd`),
//! `numeric` (absolute differences), `token_set` (Jaccard of words),
//! `hamming` (bits of 64-bit hex hashes), `minhash` (estimated Jaccard of
//! word 3-shingles, for long text).

use crate::block::BlockingRule;
use crate::compare::{Comparator, Field};

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    pub id: Option<String>,
    pub field: Vec<FieldSpec>,
    pub blocking: Vec<BlockingSpec>,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub name: String,
    pub columns: Vec<String>,
    pub compare: String,
    #[serde(default)]
    pub thresholds: Vec<f64>,
    #[serde(default)]
    pub tf: bool,
    #[serde(default)]
    pub related: bool,
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct BlockingSpec {
    pub on: Vec<String>,
}

/// A model file resolved against a table's columns.
#[derive(Clone, Debug)]
pub struct Spec {
    pub fields: Vec<Field>,
    pub related: Vec<bool>,
    pub rules: Vec<BlockingRule>,
}

impl ModelFile {
    pub fn parse(text: &str) -> Result<ModelFile, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn read(path: &std::path::Path) -> Result<ModelFile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Fields and rules for a table with these headers.
    pub fn resolve(&self, headers: &[String]) -> Result<Spec, String> {
        let col = |n: &str| {
            headers.iter().position(|h| h == n).ok_or_else(|| {
                format!(
                    "the data has no column {n:?} (columns: {})",
                    headers.join(", ")
                )
            })
        };
        let mut fields = vec![];
        for f in &self.field {
            let t = f.thresholds.clone();
            let whole = |t: &[f64]| t.iter().map(|&x| x as usize).collect::<Vec<_>>();
            let comparator = match f.compare.as_str() {
                "exact" => Comparator::Exact,
                "jaro_winkler" => Comparator::JaroWinkler(t),
                "levenshtein" => Comparator::Levenshtein(whole(&t)),
                "damerau" => Comparator::Damerau(whole(&t)),
                "date" => Comparator::Date,
                "numeric" => Comparator::Numeric(t),
                "token_set" => Comparator::TokenSet(t),
                "hamming" => Comparator::Hamming(t.iter().map(|&x| x as u32).collect()),
                "minhash" => Comparator::MinHash(t),
                other => return Err(format!("field {}: unknown comparison {other:?}", f.name)),
            };
            fields.push(Field {
                name: f.name.clone(),
                columns: f.columns.iter().map(|c| col(c)).collect::<Result<_, _>>()?,
                comparator,
                tf: f.tf,
            });
        }
        let mut rules = vec![];
        for b in &self.blocking {
            let mut parts = vec![];
            for p in &b.on {
                let (name, n) = match p.split_once(':') {
                    Some((c, n)) => (
                        c,
                        n.parse::<usize>()
                            .map_err(|_| format!("blocking part {p:?}: expected column:N"))?,
                    ),
                    None => (p.as_str(), 0),
                };
                parts.push((col(name)?, n));
            }
            rules.push(BlockingRule {
                parts,
                label: b.on.join(" & "),
            });
        }
        if fields.is_empty() || rules.is_empty() {
            return Err("a model needs at least one [[field]] and one [[blocking]] rule".into());
        }
        if fields.len() > crate::compare::MAX_FIELDS {
            return Err(format!("at most {} fields", crate::compare::MAX_FIELDS));
        }
        if rules.len() > 255 {
            return Err("at most 255 blocking rules".into());
        }
        Ok(Spec {
            fields,
            related: self.field.iter().map(|f| f.related).collect(),
            rules,
        })
    }
}

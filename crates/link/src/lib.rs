//! Link: probabilistic record linkage for any table of records.
//!
//! The Fellegi–Sunter model as Splink implements it, in Rust: records are
//! paired by blocking rules (the union of several), every candidate pair is
//! compared field by field into *levels* (exact, close, …, different,
//! missing), `u` (how often a level occurs between two random records) is
//! estimated from random pairs, `m` (how often it occurs for true matches)
//! by expectation–maximisation on the candidate pairs without labels, and a
//! pair's match weight is `log2(λ/(1−λ)) + Σ log2(m/u)`. Exact matches on a
//! field marked `tf` use the matched value's own frequency for `u`, so a
//! shared rare value counts more than a shared common one.
//!
//! This is the engine's first part (issue 4): the model for person records
//! and its training. Household-aware comparisons, clustering that refuses
//! chains, the TOML model file, `unmask link` and the benchmark against
//! Splink are still to come.

use rustc_hash::{FxHashMap, FxHashSet};

/// How one field of two records is compared. Levels are numbered from 1
/// (exact) upwards; the last level is "different"; 0 means a value is
/// missing on either side and carries no weight.
#[derive(Clone, Debug)]
pub enum Comparator {
    /// exact, then Jaro-Winkler at or above each threshold
    JaroWinkler(Vec<f64>),
    /// exact, then Levenshtein distance at or below each threshold
    Levenshtein(Vec<usize>),
    /// exact, then Damerau-Levenshtein distance at or below each threshold
    Damerau(Vec<usize>),
    /// `yyyymmdd`: exact, one edit, within a month, a year, ten years
    Date,
}

impl Comparator {
    pub fn levels(&self) -> usize {
        // missing, exact, one per threshold, different
        3 + match self {
            Comparator::JaroWinkler(t) => t.len(),
            Comparator::Levenshtein(t) | Comparator::Damerau(t) => t.len(),
            Comparator::Date => 4,
        }
    }

    /// The level of a pair of present values (1 = exact … last = different).
    pub fn level(&self, a: &str, b: &str) -> u8 {
        if a == b {
            return 1;
        }
        let n = self.levels() as u8;
        let found = match self {
            Comparator::JaroWinkler(t) => {
                let s = strsim::jaro_winkler(a, b);
                t.iter().position(|&x| s >= x)
            }
            Comparator::Levenshtein(t) => {
                let d = strsim::levenshtein(a, b);
                t.iter().position(|&x| d <= x)
            }
            Comparator::Damerau(t) => {
                let d = strsim::damerau_levenshtein(a, b);
                t.iter().position(|&x| d <= x)
            }
            Comparator::Date => date_level(a, b),
        };
        found.map_or(n - 1, |i| 2 + i as u8)
    }
}

fn days(s: &str) -> Option<i64> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (y, m, d) = (
        s[..4].parse::<i64>().ok()?,
        s[4..6].parse::<i64>().ok()?,
        s[6..].parse::<i64>().ok()?,
    );
    Some(y * 372 + m * 31 + d)
}

fn date_level(a: &str, b: &str) -> Option<usize> {
    if strsim::levenshtein(a, b) <= 1 {
        return Some(0);
    }
    let d = (days(a)? - days(b)?).abs();
    [31, 372, 3720].iter().position(|&x| d <= x).map(|i| i + 1)
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    /// Columns whose values, joined with a space, are compared.
    pub columns: Vec<usize>,
    pub comparator: Comparator,
    /// Use the value's frequency as `u` for exact matches.
    pub tf: bool,
}

/// A blocking rule: records whose keys are equal become candidate pairs.
/// Each part is a column and how many leading characters to keep (0: all).
#[derive(Clone, Debug)]
pub struct BlockingRule(pub Vec<(usize, usize)>);

pub struct Table {
    pub ids: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads a CSV with a header; the first column is the record id.
    pub fn read_csv(path: &std::path::Path) -> Result<(Vec<String>, Table), String> {
        let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let headers: Vec<String> = r
            .headers()
            .map_err(|e| e.to_string())?
            .iter()
            .map(String::from)
            .collect();
        let mut t = Table {
            ids: vec![],
            rows: vec![],
        };
        for row in r.records() {
            let row = row.map_err(|e| e.to_string())?;
            t.ids.push(row.get(0).unwrap_or("").to_string());
            t.rows
                .push(row.iter().map(|v| v.trim().to_lowercase()).collect());
        }
        Ok((headers, t))
    }

    fn value(&self, r: usize, cols: &[usize]) -> String {
        let parts: Vec<&str> = cols
            .iter()
            .map(|&c| self.rows[r][c].as_str())
            .filter(|v| !v.is_empty())
            .collect();
        parts.join(" ")
    }

    fn key(&self, r: usize, rule: &BlockingRule) -> Option<String> {
        let mut k = String::new();
        for &(c, n) in &rule.0 {
            let v = &self.rows[r][c];
            if v.is_empty() {
                return None;
            }
            let part: String = if n == 0 {
                v.clone()
            } else {
                v.chars().take(n).collect()
            };
            k.push_str(&part);
            k.push('\u{1f}');
        }
        Some(k)
    }
}

/// Candidate pairs from the union of the rules: across two tables (link),
/// or within one (dedupe: pass the same table twice and `dedupe = true`).
pub fn block(a: &Table, b: &Table, rules: &[BlockingRule], dedupe: bool) -> Vec<(u32, u32)> {
    let mut seen: FxHashSet<(u32, u32)> = FxHashSet::default();
    for rule in rules {
        let mut index: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for r in 0..b.rows.len() {
            if let Some(k) = b.key(r, rule) {
                index.entry(k).or_default().push(r as u32);
            }
        }
        for r in 0..a.rows.len() {
            let Some(k) = a.key(r, rule) else { continue };
            for &other in index.get(&k).into_iter().flatten() {
                if dedupe && other <= r as u32 {
                    continue;
                }
                seen.insert((r as u32, other));
            }
        }
    }
    let mut pairs: Vec<_> = seen.into_iter().collect();
    pairs.sort_unstable();
    pairs
}

pub struct Model {
    pub fields: Vec<Field>,
    /// Prior probability that a candidate-scale random pair matches.
    pub lambda: f64,
    /// m[f][level], u[f][level]
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// For tf fields: value → share of records holding it.
    tf: Vec<FxHashMap<String, f64>>,
}

/// Comparison vectors of pairs: one level per field, computed on all cores
/// (pairs are independent).
pub fn compare(fields: &[Field], a: &Table, b: &Table, pairs: &[(u32, u32)]) -> Vec<Vec<u8>> {
    let va: Vec<Vec<String>> = (0..a.rows.len())
        .map(|r| fields.iter().map(|f| a.value(r, &f.columns)).collect())
        .collect();
    let vb: Vec<Vec<String>> = (0..b.rows.len())
        .map(|r| fields.iter().map(|f| b.value(r, &f.columns)).collect())
        .collect();
    let one = |&(i, j): &(u32, u32)| -> Vec<u8> {
        fields
            .iter()
            .enumerate()
            .map(|(f, fd)| {
                let (x, y) = (&va[i as usize][f], &vb[j as usize][f]);
                if x.is_empty() || y.is_empty() {
                    0
                } else {
                    fd.comparator.level(x, y)
                }
            })
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    if pairs.len() < 10_000 || threads == 1 {
        return pairs.iter().map(one).collect();
    }
    let chunk = pairs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let parts: Vec<_> = pairs
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(one).collect::<Vec<_>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().expect("comparison thread"))
            .collect()
    })
}

fn frequencies(
    levels: &[Vec<u8>],
    fields: &[Field],
    weight: impl Fn(usize) -> f64,
) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = fields
        .iter()
        .map(|f| vec![0.0; f.comparator.levels()])
        .collect();
    for (i, v) in levels.iter().enumerate() {
        let w = weight(i);
        for (f, &l) in v.iter().enumerate() {
            out[f][l as usize] += w;
        }
    }
    for row in &mut out {
        // Level 0 (missing) carries no weight; normalise the rest, with a
        // floor so no level is impossible.
        let total: f64 = row[1..].iter().sum();
        for x in row.iter_mut().skip(1) {
            *x = ((*x + 1e-3) / (total + 1e-3 * 8.0)).max(1e-6);
        }
        row[0] = 1.0;
    }
    out
}

/// A small deterministic generator for random pairs.
struct SplitMix(u64);
impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (((z ^ (z >> 31)) as u128 * n as u128) >> 64) as usize
    }
}

impl Model {
    /// Trains without labels: `u` from `u_pairs` random pairs, λ from the
    /// candidate pairs that agree exactly on every field of `rules_for_lambda`
    /// (assumed to find 70 % of matches, as Splink's baseline does), `m` by
    /// EM on the candidate pairs.
    pub fn train(
        fields: Vec<Field>,
        a: &Table,
        b: &Table,
        levels: &[Vec<u8>],
        u_pairs: usize,
        dedupe: bool,
    ) -> Model {
        let mut rng = SplitMix(0x5EED);
        let random: Vec<(u32, u32)> = (0..u_pairs)
            .filter_map(|_| {
                let (i, j) = (
                    rng.below(a.rows.len()) as u32,
                    rng.below(b.rows.len()) as u32,
                );
                (!(dedupe && i == j)).then_some((i, j))
            })
            .collect();
        let random_levels = compare(&fields, a, b, &random);
        let u = frequencies(&random_levels, &fields, |_| 1.0);
        let total_pairs = if dedupe {
            a.rows.len() * (a.rows.len() - 1) / 2
        } else {
            a.rows.len() * b.rows.len()
        } as f64;
        // λ: pairs exact on every field, over all pairs, with assumed recall.
        let sure = levels
            .iter()
            .filter(|v| v.iter().filter(|&&l| l == 1).count() >= fields.len().saturating_sub(2))
            .count() as f64;
        let lambda = ((sure / 0.7) / total_pairs).clamp(1e-9, 0.5);
        let mut model = Model {
            tf: tf_tables(&fields, a, b),
            m: vec![],
            u,
            fields,
            lambda,
        };
        let (m, _) = em(&model.fields, &model.u, levels);
        model.m = m;
        model
    }

    /// Σ log2(m/u) over fields (the Bayes factor, in bits), with
    /// term-frequency `u` for exact matches on tf fields when values are given.
    pub fn log_bayes(&self, levels: &[u8], values: Option<&[&str]>) -> f64 {
        let mut w = 0.0;
        for (f, &l) in levels.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let mut u = self.u[f][l as usize];
            if l == 1 && self.fields[f].tf {
                if let Some(v) = values
                    .and_then(|v| v.get(f))
                    .and_then(|v| self.tf[f].get(*v))
                {
                    u = v.max(1e-7);
                }
            }
            w += (self.m[f][l as usize] / u).log2();
        }
        w
    }

    /// Match weight (bits) and probability of a pair.
    pub fn score(&self, levels: &[u8], values: Option<&[&str]>) -> (f64, f64) {
        let w = (self.lambda / (1.0 - self.lambda)).log2() + self.log_bayes(levels, values);
        (w, 1.0 / (1.0 + (-w * std::f64::consts::LN_2).exp()))
    }
}

/// Expectation–maximisation of `m` (and the share of candidates that
/// match) with `u` held fixed, from comparison vectors alone.
pub fn em(fields: &[Field], u: &[Vec<f64>], levels: &[Vec<u8>]) -> (Vec<Vec<f64>>, f64) {
    let mut m = frequencies(levels, fields, |_| 1.0);
    let mut lambda_c: f64 = 0.5;
    for _ in 0..100 {
        let post: Vec<f64> = levels
            .iter()
            .map(|v| {
                let bits: f64 = v
                    .iter()
                    .enumerate()
                    .filter(|(_, l)| **l != 0)
                    .map(|(f, &l)| (m[f][l as usize] / u[f][l as usize]).log2())
                    .sum();
                let odds = (lambda_c / (1.0 - lambda_c)).ln() + bits * std::f64::consts::LN_2;
                1.0 / (1.0 + (-odds).exp())
            })
            .collect();
        let next_m = frequencies(levels, fields, |i| post[i]);
        let next_lambda = post.iter().sum::<f64>() / post.len().max(1) as f64;
        let delta: f64 = next_m
            .iter()
            .zip(&m)
            .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
            .fold(0.0, f64::max);
        m = next_m;
        lambda_c = next_lambda.clamp(1e-6, 1.0 - 1e-6);
        if delta < 1e-6 {
            break;
        }
    }
    (m, lambda_c)
}

fn tf_tables(fields: &[Field], a: &Table, b: &Table) -> Vec<FxHashMap<String, f64>> {
    fields
        .iter()
        .map(|f| {
            let mut counts: FxHashMap<String, f64> = FxHashMap::default();
            if f.tf {
                let n = (a.rows.len() + b.rows.len()) as f64;
                for t in [a, b] {
                    for r in 0..t.rows.len() {
                        let v = t.value(r, &f.columns);
                        if !v.is_empty() {
                            *counts.entry(v).or_default() += 1.0 / n;
                        }
                    }
                }
            }
            counts
        })
        .collect()
}

/// Scores every candidate pair: (i, j, weight, probability). Exact matches
/// on tf fields look up the (shared) value's frequency, so the left
/// records' values are joined once, not per pair.
pub fn predict(
    model: &Model,
    a: &Table,
    pairs: &[(u32, u32)],
    levels: &[Vec<u8>],
) -> Vec<(u32, u32, f64, f64)> {
    let values: Vec<Vec<String>> = (0..a.rows.len())
        .map(|r| {
            model
                .fields
                .iter()
                .map(|f| a.value(r, &f.columns))
                .collect()
        })
        .collect();
    pairs
        .iter()
        .zip(levels)
        .map(|(&(i, j), v)| {
            let refs: Vec<&str> = values[i as usize].iter().map(String::as_str).collect();
            let (w, p) = model.score(v, Some(&refs));
            (i, j, w, p)
        })
        .collect()
}

/// The person-record model of the Splink baseline (`shared/bench/run_splink.py`)
/// for tables with Febrl's columns, found by name.
pub fn febrl_model(headers: &[String]) -> (Vec<Field>, Vec<BlockingRule>) {
    let col = |n: &str| {
        headers
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("no column {n}"))
    };
    let field = |name: &str, cols: &[&str], comparator: Comparator, tf: bool| Field {
        name: name.into(),
        columns: cols.iter().map(|c| col(c)).collect(),
        comparator,
        tf,
    };
    let names = Comparator::JaroWinkler(vec![0.92, 0.88, 0.70]);
    let fields = vec![
        field("given_name", &["given_name"], names.clone(), true),
        field("surname", &["surname"], names, true),
        field("date_of_birth", &["date_of_birth"], Comparator::Date, false),
        field(
            "address",
            &["street_number", "address_1"],
            Comparator::JaroWinkler(vec![0.90, 0.70]),
            false,
        ),
        field(
            "suburb",
            &["suburb"],
            Comparator::JaroWinkler(vec![0.90, 0.80]),
            true,
        ),
        field(
            "postcode",
            &["postcode"],
            Comparator::Levenshtein(vec![1]),
            false,
        ),
        field(
            "soc_sec_id",
            &["soc_sec_id"],
            Comparator::Damerau(vec![1, 2]),
            false,
        ),
    ];
    let rules = vec![
        BlockingRule(vec![(col("given_name"), 0), (col("surname"), 0)]),
        BlockingRule(vec![(col("date_of_birth"), 0), (col("given_name"), 1)]),
        BlockingRule(vec![(col("date_of_birth"), 0), (col("surname"), 1)]),
        BlockingRule(vec![(col("soc_sec_id"), 0)]),
        BlockingRule(vec![(col("postcode"), 0), (col("surname"), 3)]),
        // Beyond Splink's baseline: corrupted names with an intact birth
        // date or street.
        BlockingRule(vec![(col("date_of_birth"), 0)]),
        BlockingRule(vec![(col("address_1"), 0), (col("surname"), 1)]),
    ];
    (fields, rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_rare_value_counts_more_than_a_common_one() {
        let t = |rows: &[&str]| Table {
            ids: rows.iter().map(|r| r.to_string()).collect(),
            rows: rows.iter().map(|r| vec![r.to_string()]).collect(),
        };
        let a = t(&["smith", "smith", "smith", "smith", "zbigniewski", "jones"]);
        let fields = vec![Field {
            name: "surname".into(),
            columns: vec![0],
            comparator: Comparator::JaroWinkler(vec![0.9]),
            tf: true,
        }];
        let pairs = block(&a, &a, &[BlockingRule(vec![(0, 0)])], true);
        let levels = compare(&fields, &a, &a, &pairs);
        let model = Model::train(fields, &a, &a, &levels, 1000, true);
        let (common, _) = model.score(&[1], Some(&["smith"]));
        let (rare, _) = model.score(&[1], Some(&["zbigniewski"]));
        assert!(
            rare > common + 1.5,
            "rare {rare:.2} vs common {common:.2} bits"
        );
    }

    #[test]
    fn em_recovers_a_known_model() {
        // Three fields with four levels each (missing, exact, close, different);
        // pairs drawn from known m (matches) and u (non-matches), 30 % matching.
        let fields: Vec<Field> = (0..3)
            .map(|i| Field {
                name: format!("f{i}"),
                columns: vec![i],
                comparator: Comparator::JaroWinkler(vec![0.9]),
                tf: false,
            })
            .collect();
        let m_true = [0.0, 0.85, 0.10, 0.05];
        let u_true = [0.0, 0.02, 0.08, 0.90];
        let mut rng = SplitMix(42);
        let mut draw = |p: &[f64; 4]| {
            let x = rng.below(1_000_000) as f64 / 1e6;
            let mut acc = 0.0;
            for (l, &q) in p.iter().enumerate().skip(1) {
                acc += q;
                if x < acc {
                    return l as u8;
                }
            }
            3
        };
        let levels: Vec<Vec<u8>> = (0..20_000)
            .map(|i| {
                let p = if i % 10 < 3 { &m_true } else { &u_true };
                (0..3).map(|_| draw(p)).collect()
            })
            .collect();
        let u: Vec<Vec<f64>> = (0..3).map(|_| vec![1.0, 0.02, 0.08, 0.90]).collect();
        let (m, lambda) = em(&fields, &u, &levels);
        assert!((lambda - 0.3).abs() < 0.02, "λ {lambda}");
        for f in 0..3 {
            for l in 1..4 {
                assert!(
                    (m[f][l] - m_true[l]).abs() < 0.02,
                    "m[{f}][{l}] = {} vs {}",
                    m[f][l],
                    m_true[l]
                );
            }
        }
    }

    #[test]
    fn levels() {
        let jw = Comparator::JaroWinkler(vec![0.92, 0.88, 0.70]);
        assert_eq!(jw.levels(), 6);
        assert_eq!(jw.level("michaela", "michaela"), 1);
        assert_eq!(jw.level("michaela", "micheala"), 2);
        assert_eq!(jw.level("michaela", "zoe"), 5);
        assert_eq!(Comparator::Date.level("19151111", "19151112"), 2);
        assert_eq!(Comparator::Date.level("19151111", "19151201"), 3);
        assert_eq!(Comparator::Date.level("19151111", "19501111"), 6);
    }
}

/// The model file of `unmask link` (TOML):
///
/// ```toml
/// id = "rec_id"                 # the id column
/// [[field]]
/// name = "given_name"
/// columns = ["given_name"]      # joined with a space when several
/// compare = "jaro_winkler"      # jaro_winkler | levenshtein | damerau | date
/// thresholds = [0.92, 0.88, 0.70]
/// tf = true
/// [[blocking]]
/// on = ["given_name", "surname:3"]   # column, or column:N for its first N characters
/// ```
#[derive(serde::Deserialize, Debug)]
pub struct ModelFile {
    pub id: Option<String>,
    pub field: Vec<FieldSpec>,
    pub blocking: Vec<BlockingSpec>,
}

#[derive(serde::Deserialize, Debug)]
pub struct FieldSpec {
    pub name: String,
    pub columns: Vec<String>,
    pub compare: String,
    #[serde(default)]
    pub thresholds: Vec<f64>,
    #[serde(default)]
    pub tf: bool,
}

#[derive(serde::Deserialize, Debug)]
pub struct BlockingSpec {
    pub on: Vec<String>,
}

impl ModelFile {
    pub fn parse(text: &str) -> Result<ModelFile, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Fields and rules for a table with these headers.
    pub fn resolve(&self, headers: &[String]) -> Result<(Vec<Field>, Vec<BlockingRule>), String> {
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
            let comparator = match f.compare.as_str() {
                "jaro_winkler" => Comparator::JaroWinkler(f.thresholds.clone()),
                "levenshtein" => {
                    Comparator::Levenshtein(f.thresholds.iter().map(|&t| t as usize).collect())
                }
                "damerau" => {
                    Comparator::Damerau(f.thresholds.iter().map(|&t| t as usize).collect())
                }
                "date" => Comparator::Date,
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
            rules.push(BlockingRule(parts));
        }
        if fields.is_empty() || rules.is_empty() {
            return Err("a model needs at least one [[field]] and one [[blocking]] rule".into());
        }
        Ok((fields, rules))
    }
}

/// One field's contribution to a pair's weight, for `--explain`.
pub struct Contribution {
    pub field: String,
    pub left: String,
    pub right: String,
    pub level: u8,
    pub bits: f64,
}

impl Model {
    /// The waterfall of one pair: prior, then each field's level and bits.
    pub fn explain(
        &self,
        a: &Table,
        i: usize,
        b: &Table,
        j: usize,
    ) -> (f64, Vec<Contribution>, f64, f64) {
        let prior = (self.lambda / (1.0 - self.lambda)).log2();
        let mut parts = vec![];
        let mut levels = vec![];
        let mut vals = vec![];
        for f in &self.fields {
            let (x, y) = (a.value(i, &f.columns), b.value(j, &f.columns));
            let l = if x.is_empty() || y.is_empty() {
                0
            } else {
                f.comparator.level(&x, &y)
            };
            levels.push(l);
            vals.push(x.clone());
            parts.push(Contribution {
                field: f.name.clone(),
                left: x,
                right: y,
                level: l,
                bits: 0.0,
            });
        }
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        for (k, p) in parts.iter_mut().enumerate() {
            let mut one = vec![0u8; levels.len()];
            one[k] = levels[k];
            p.bits = self.log_bayes(&one, Some(&refs));
        }
        let (w, prob) = self.score(&levels, Some(&refs));
        (prior, parts, w, prob)
    }
}

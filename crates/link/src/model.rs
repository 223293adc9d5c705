//! The match model: Fellegi–Sunter with a third class for related people.
//!
//! A candidate pair is one of three kinds: a *match* (one person), a
//! *related* non-match (two people who share a home: surname, address,
//! often a phone), or *unrelated*. Each kind has its own distribution of
//! comparison levels per field: `m` for matches, `u` for unrelated pairs
//! (estimated from random pairs), and for related pairs `u` on personal
//! fields but a learned distribution on the fields the model file lists as
//! `related` — people who live together agree there as often as matches
//! do, which is the dependence an independence model misses and why it
//! merges households. Without `related` fields the model is Splink's
//! two-class one.
//!
//! `m`, the related distribution and the class shares are learned by EM
//! without labels. EM runs over distinct comparison vectors with their
//! counts, not over pairs: millions of pairs collapse to a few thousand
//! patterns. Exact matches on `tf` fields use the matched value's frequency
//! as `u` when scoring, so a shared rare value counts more than a common one.

use crate::block::Candidates;
use crate::compare::{Field, FieldValues, Levels, compare_pair};
use crate::spec::Spec;
use crate::table::Input;
use rustc_hash::FxHashMap;

pub struct Model {
    pub fields: Vec<Field>,
    /// m[f][level]: level shares among matches.
    pub m: Vec<Vec<f64>>,
    /// u[f][level]: level shares among unrelated (random) pairs.
    pub u: Vec<Vec<f64>>,
    /// Level shares among related non-matches; equal to `u` on fields not
    /// marked related. `None` for a two-class model.
    pub related: Option<Vec<Vec<f64>>>,
    pub related_fields: Vec<bool>,
    /// Shares of all possible pairs that are matches, related, unrelated.
    pub prior: [f64; 3],
}

/// One field's contribution to a pair's score, for explanations.
pub struct Contribution {
    pub field: String,
    pub left: String,
    pub right: String,
    pub level: u8,
    /// log2(m/u): evidence for a match against an unrelated pair.
    pub bits: f64,
    /// log2(m/r): against a related person (only for related fields).
    pub bits_vs_related: Option<f64>,
}

/// A small deterministic generator for random pairs (SplitMix64), so that
/// a run is reproducible.
pub struct SplitMix(pub u64);
impl SplitMix {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        ((crate::compare::mix(self.0) as u128 * n as u128) >> 64) as usize
    }
}

/// Level shares per field from weighted comparison vectors. Level 0
/// (missing) carries no weight; a small floor keeps every level possible.
/// A row's `covered` fields are skipped (see [`em`]) unless no row leaves
/// that field uncovered.
fn shares(n_levels: &[usize], rows: &[(&[u8], f64, &[bool])]) -> Vec<Vec<f64>> {
    let blank = || -> Vec<Vec<f64>> { n_levels.iter().map(|&n| vec![0.0; n]).collect() };
    let (mut free, mut all) = (blank(), blank());
    for (v, w, covered) in rows {
        for (f, &l) in v.iter().enumerate() {
            all[f][l as usize] += w;
            if !covered.get(f).copied().unwrap_or(false) {
                free[f][l as usize] += w;
            }
        }
    }
    for (row, fallback) in free.iter_mut().zip(all) {
        if row[1..].iter().sum::<f64>() < 1e-9 {
            *row = fallback;
        }
    }
    shares_of_counts(free)
}

/// Per field, counts of pairs at each level (level 0, "missing", is not
/// a share) into shares of the non-missing levels, lightly smoothed so
/// that no level is impossible.
pub fn shares_of_counts(mut counts: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    for row in &mut counts {
        let total: f64 = row[1..].iter().sum();
        let n = (row.len() - 1) as f64;
        for x in row.iter_mut().skip(1) {
            *x = ((*x + 1e-3) / (total + 1e-3 * n)).max(1e-6);
        }
        row[0] = 1.0;
    }
    counts
}

/// A distinct comparison vector among the pairs of one blocking rule, and
/// how many pairs have it: millions of pairs make a few thousand patterns.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub rule: u8,
    pub levels: Vec<u8>,
    pub count: f64,
}

pub fn patterns(levels: &Levels, rule: Option<&[u8]>) -> Vec<Pattern> {
    let mut counts: FxHashMap<(u8, &[u8]), f64> = FxHashMap::default();
    for k in 0..levels.len() {
        let r = rule.map_or(0, |r| r[k]);
        *counts.entry((r, levels.get(k))).or_default() += 1.0;
    }
    let mut v: Vec<Pattern> = counts
        .into_iter()
        .map(|((rule, l), count)| Pattern {
            rule,
            levels: l.to_vec(),
            count,
        })
        .collect();
    v.sort_by(|a, b| (a.rule, &a.levels).cmp(&(b.rule, &b.levels)));
    v
}

/// What EM learned.
pub struct Fit {
    pub m: Vec<Vec<f64>>,
    pub related: Option<Vec<Vec<f64>>>,
    /// Class shares (match, related, unrelated) among each rule's pairs.
    pub share: Vec<[f64; 3]>,
    /// Expected number of candidate pairs in each class.
    pub expected: [f64; 3],
}

/// `u` as measured on random pairs also counts the matches and relatives
/// among them: `measured = λ·m + ρ·h + (1 − λ − ρ)·u`, with λ and ρ their
/// shares of all pairs. At millions of records that is noise, but among a
/// company's few thousand applicants, on a level as rare as "near-identical
/// résumé", the matches can be most of what was measured. Given a fit, this
/// takes them out; `floor` (about half a pair of the random sample) keeps a
/// level that was never seen among strangers from weighing without bound.
pub fn u_without_linked(
    measured: &[Vec<f64>],
    fit: &Fit,
    all_pairs: f64,
    floor: f64,
) -> Vec<Vec<f64>> {
    let all = all_pairs.max(1.0);
    let (lambda, rho) = (fit.expected[0] / all, fit.expected[1] / all);
    measured
        .iter()
        .enumerate()
        .map(|(f, raw)| {
            let mut u: Vec<f64> = raw
                .iter()
                .enumerate()
                .map(|(l, &x)| {
                    let h = fit.related.as_ref().map_or(0.0, |h| h[f][l]);
                    ((x - lambda * fit.m[f][l] - rho * h) / (1.0 - lambda - rho)).max(floor)
                })
                .collect();
            let total: f64 = u[1..].iter().sum();
            for x in &mut u[1..] {
                *x /= total;
            }
            u[0] = 1.0;
            u
        })
        .collect()
}

/// EM for the match (and related) distributions and each blocking rule's
/// class shares, with `u` fixed, over patterns.
///
/// A pair found by a blocking rule agrees on that rule's key by
/// construction, so there the agreement says nothing about the class:
/// `covered[rule][field]` fields are left out of that pair's evidence (the
/// per-pair form of Splink's training sessions). Without this, the many
/// strangers who share a birth date and an initial look like matches to
/// EM, and `m` drifts towards `u`. Each rule has its own class shares: a
/// shared social security number is mostly matches, a shared birth date
/// mostly not.
pub fn em(
    n_levels: &[usize],
    u: &[Vec<f64>],
    related_fields: &[bool],
    patterns: &[Pattern],
    covered: &[Vec<bool>],
) -> Fit {
    let with_related = related_fields.iter().any(|&r| r);
    let none = vec![false; n_levels.len()];
    let cover = |p: &Pattern| covered.get(p.rule as usize).unwrap_or(&none).as_slice();
    // Start from agreement: pairs agreeing on most personal fields look
    // like matches, pairs agreeing only on related fields like relatives.
    let agree = |p: &Pattern, related: bool| {
        let (mut yes, mut n) = (0.0f64, 0.0f64);
        for (f, &l) in p.levels.iter().enumerate() {
            if l != 0 && related_fields[f] == related && !cover(p)[f] {
                n += 1.0;
                if l == 1 || (l == 2 && n_levels[f] > 3) {
                    yes += 1.0;
                }
            }
        }
        if n == 0.0 { 0.5 } else { yes / n }
    };
    let mut resp: Vec<[f64; 3]> = patterns
        .iter()
        .map(|p| {
            let a = agree(p, false);
            let r = if with_related { agree(p, true) } else { 0.0 };
            let m = a * a;
            let h = if with_related { r * (1.0 - a) } else { 0.0 };
            let rest = (1.0f64 - m - h).max(0.0);
            [m + 1e-6, h + 1e-9, rest + 1e-6]
        })
        .collect();
    let n_rules = patterns
        .iter()
        .map(|p| p.rule as usize + 1)
        .max()
        .unwrap_or(1);
    let mut m: Vec<Vec<f64>> = vec![];
    let mut h: Option<Vec<Vec<f64>>> = None;
    let mut share = vec![[0.0f64; 3]; n_rules];
    for _ in 0..200 {
        // M step
        let mut totals = vec![[0.0f64; 3]; n_rules];
        for (p, r) in patterns.iter().zip(&resp) {
            for k in 0..3 {
                totals[p.rule as usize][k] += r[k] * p.count;
            }
        }
        for (s, t) in share.iter_mut().zip(&totals) {
            let n: f64 = t.iter().sum::<f64>().max(1e-12);
            *s = t.map(|x| (x / n).clamp(1e-9, 1.0));
        }
        let rows = |k: usize| -> Vec<(&[u8], f64, &[bool])> {
            patterns
                .iter()
                .zip(&resp)
                .map(|(p, r)| (p.levels.as_slice(), r[k] * p.count, cover(p)))
                .collect()
        };
        let next_m = shares(n_levels, &rows(0));
        let next_h = with_related.then(|| {
            let mut learned = shares(n_levels, &rows(1));
            for (f, row) in learned.iter_mut().enumerate() {
                if !related_fields[f] {
                    row.clone_from(&u[f]);
                }
            }
            learned
        });
        let delta = if m.is_empty() {
            1.0
        } else {
            next_m
                .iter()
                .zip(&m)
                .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
                .fold(0.0, f64::max)
        };
        m = next_m;
        h = next_h;
        if delta < 1e-7 {
            break;
        }
        // E step
        for (p, r) in patterns.iter().zip(resp.iter_mut()) {
            let s = share[p.rule as usize];
            let mut ll = s.map(f64::ln);
            let cov = cover(p);
            for (f, &l) in p.levels.iter().enumerate() {
                if l == 0 || cov[f] {
                    continue;
                }
                let l = l as usize;
                ll[0] += m[f][l].ln();
                ll[2] += u[f][l].ln();
                if let Some(h) = &h {
                    ll[1] += h[f][l].ln();
                }
            }
            if h.is_none() {
                ll[1] = f64::NEG_INFINITY;
            }
            *r = softmax(ll);
        }
    }
    let mut expected = [0.0; 3];
    for (p, r) in patterns.iter().zip(&resp) {
        for k in 0..3 {
            expected[k] += r[k] * p.count;
        }
    }
    if !with_related {
        expected[1] = 0.0;
    }
    Fit {
        m,
        related: h,
        share,
        expected,
    }
}

fn softmax(ll: [f64; 3]) -> [f64; 3] {
    let top = ll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = ll.map(|x| (x - top).exp());
    let s: f64 = e.iter().sum();
    e.map(|x| x / s)
}

impl Model {
    /// Trains without labels: `u` from `u_pairs` random pairs, the rest by
    /// EM on the candidate pairs' comparison vectors.
    pub fn train(
        spec: &Spec,
        input: &Input,
        values: &[FieldValues],
        candidates: &Candidates,
        levels: &Levels,
        u_pairs: usize,
    ) -> Model {
        let fields = &spec.fields;
        let n_levels: Vec<usize> = fields.iter().map(|f| f.comparator.levels()).collect();
        let mut rng = SplitMix(0x5EED);
        let (na, nb) = (input.left.len(), input.right.len());
        let mut random = vec![];
        if na > 0 && nb > 0 {
            for _ in 0..u_pairs {
                let (i, j) = (rng.below(na) as u32, rng.below(nb) as u32);
                if !(input.dedupe && i == j) {
                    random.push((i, j));
                }
            }
        }
        let u = Model::level_shares(&n_levels, &crate::compare::compare(fields, values, &random));
        let covered: Vec<Vec<bool>> = spec
            .rules
            .iter()
            .map(|r| {
                fields
                    .iter()
                    .map(|f| r.parts.iter().any(|(c, _)| f.columns.contains(c)))
                    .collect()
            })
            .collect();
        let fit = em(
            &n_levels,
            &u,
            &spec.related,
            &patterns(levels, Some(&candidates.rule)),
            &covered,
        );
        let all = input.all_pairs().max(levels.len() as f64);
        Model::from_fit(fields.clone(), spec.related.clone(), u, fit, all)
    }

    /// A model from `u` and what EM learned, for `all_pairs` possible pairs.
    pub fn from_fit(
        fields: Vec<Field>,
        related_fields: Vec<bool>,
        u: Vec<Vec<f64>>,
        fit: Fit,
        all_pairs: f64,
    ) -> Model {
        // EM's shares are among candidates, but `u` describes random pairs:
        // scoring needs the shares among all pairs. Blocking is built to
        // find (nearly) every match and related pair, so their expected
        // counts carry over and the rest of all pairs are unrelated.
        let all = all_pairs.max(1.0);
        let matches = fit.expected[0] / all;
        let relatives = fit.expected[1] / all;
        Model {
            fields,
            m: fit.m,
            u,
            related: fit.related,
            related_fields,
            prior: [matches, relatives, (1.0 - matches - relatives).max(1e-12)],
        }
    }

    /// Log-likelihoods (natural) of the three classes for one pair;
    /// `tf_u(f)` gives the matched value's frequency for exact matches.
    fn log_likelihoods(&self, levels: &[u8], tf_u: impl Fn(usize) -> Option<f64>) -> [f64; 3] {
        let mut ll = self
            .prior
            .map(|p| if p > 0.0 { p.ln() } else { f64::NEG_INFINITY });
        for (f, &l) in levels.iter().enumerate() {
            if l == 0 {
                continue;
            }
            let l = l as usize;
            let u = if l == 1 && self.fields[f].tf {
                tf_u(f).unwrap_or(self.u[f][1]).max(1e-9)
            } else {
                self.u[f][l]
            };
            ll[0] += self.m[f][l].ln();
            ll[2] += u.ln();
            if let Some(h) = &self.related {
                // Relatives share a value whatever its frequency; on
                // personal fields they are strangers, with the value's own `u`.
                ll[1] += if self.related_fields[f] { h[f][l] } else { u }.ln();
            }
        }
        ll
    }

    /// Probability that pair (i, j) is one person, given its levels.
    pub fn probability(&self, values: &[FieldValues], i: u32, _j: u32, levels: &[u8]) -> f64 {
        // An exact match has one value: the left one.
        self.probability_with(levels, |f| {
            let fv = &values[f];
            Some(fv.freq[fv.id(i, false) as usize])
        })
    }

    /// Probability of a match from levels, with `tf(f)` the frequency of
    /// the value matched exactly on field `f` (when known).
    pub fn probability_with(&self, levels: &[u8], tf: impl Fn(usize) -> Option<f64>) -> f64 {
        softmax(self.log_likelihoods(levels, tf))[0]
    }

    /// Level shares among `pairs` comparison vectors (how `u` is estimated
    /// from random pairs).
    pub fn level_shares(n_levels: &[usize], levels: &Levels) -> Vec<Vec<f64>> {
        let p = patterns(levels, None);
        shares(
            n_levels,
            &p.iter()
                .map(|p| (p.levels.as_slice(), p.count, &[][..]))
                .collect::<Vec<_>>(),
        )
    }

    /// Match probabilities of all candidate pairs.
    pub fn predict(
        &self,
        values: &[FieldValues],
        pairs: &[(u32, u32)],
        levels: &Levels,
    ) -> Vec<f32> {
        pairs
            .iter()
            .enumerate()
            .map(|(k, &(i, j))| self.probability(values, i, j, levels.get(k)) as f32)
            .collect()
    }

    /// Compares and scores any pair, candidate or not.
    pub fn score_pair(&self, values: &[FieldValues], i: u32, j: u32) -> f64 {
        // Called for every cross-group pair while clustering: no allocation.
        let mut lv = [0u8; crate::compare::MAX_FIELDS];
        let lv = &mut lv[..self.fields.len()];
        compare_pair(&self.fields, values, i, j, lv);
        self.probability(values, i, j, lv)
    }

    /// The waterfall of one pair: each field's level and evidence, then the
    /// probability.
    pub fn explain(&self, values: &[FieldValues], i: u32, j: u32) -> (Vec<Contribution>, f64) {
        let mut lv = vec![0u8; self.fields.len()];
        compare_pair(&self.fields, values, i, j, &mut lv);
        let parts = self
            .fields
            .iter()
            .enumerate()
            .map(|(f, fd)| {
                let fv = &values[f];
                let (x, y) = (fv.id(i, false), fv.id(j, true));
                let l = lv[f] as usize;
                let u = if l == 1 && fd.tf {
                    fv.freq[x as usize].max(1e-9)
                } else {
                    self.u[f][l]
                };
                Contribution {
                    field: fd.name.clone(),
                    left: fv.text(x).to_string(),
                    right: fv.text(y).to_string(),
                    level: l as u8,
                    bits: if l == 0 {
                        0.0
                    } else {
                        (self.m[f][l] / u).log2()
                    },
                    bits_vs_related: match &self.related {
                        Some(h) if self.related_fields[f] && l != 0 => {
                            Some((self.m[f][l] / h[f][l]).log2())
                        }
                        _ => None,
                    },
                }
            })
            .collect();
        (parts, self.probability(values, i, j, &lv))
    }
}

/// The threshold that maximises the F1 the model itself expects: taking
/// each candidate's probability as the chance it is a true pair, the
/// expected true positives above `t` are the sum of their probabilities,
/// and all true pairs the sum over every candidate. No labels involved.
pub fn choose_threshold(probs: &[f32]) -> f64 {
    let mut p: Vec<f32> = probs.iter().copied().filter(|&x| x > 0.01).collect();
    p.sort_unstable_by(|a, b| b.total_cmp(a));
    let total: f64 = p.iter().map(|&x| x as f64).sum();
    let (mut tp, mut best, mut at) = (0.0, 0.0, 0.5);
    for (k, &x) in p.iter().enumerate() {
        tp += x as f64;
        let f1 = 2.0 * tp / ((k + 1) as f64 + total);
        if f1 > best {
            best = f1;
            at = x as f64;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(rng: &mut SplitMix, p: &[f64]) -> u8 {
        let x = rng.below(1_000_000) as f64 / 1e6;
        let mut acc = 0.0;
        for (l, &q) in p.iter().enumerate().skip(1) {
            acc += q;
            if x < acc {
                return l as u8;
            }
        }
        (p.len() - 1) as u8
    }

    fn levels_from(rows: Vec<Vec<u8>>) -> Levels {
        Levels {
            fields: rows[0].len(),
            data: rows.concat(),
        }
    }

    #[test]
    fn em_recovers_a_known_model() {
        // Three fields with four levels (missing, exact, close, different);
        // pairs drawn from known m (matches) and u (non-matches), 30 % matching.
        let m_true = [0.0, 0.85, 0.10, 0.05];
        let u_true = [0.0, 0.02, 0.08, 0.90];
        let mut rng = SplitMix(42);
        let rows: Vec<Vec<u8>> = (0..20_000)
            .map(|i| {
                let p = if i % 10 < 3 { &m_true } else { &u_true };
                (0..3).map(|_| draw(&mut rng, p)).collect()
            })
            .collect();
        let u: Vec<Vec<f64>> = (0..3).map(|_| vec![1.0, 0.02, 0.08, 0.90]).collect();
        let fit = em(
            &[4, 4, 4],
            &u,
            &[false; 3],
            &patterns(&levels_from(rows), None),
            &[],
        );
        let (m, prior) = (fit.m, fit.share[0]);
        assert!(fit.related.is_none());
        assert!((prior[0] - 0.3).abs() < 0.02, "λ {}", prior[0]);
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
    fn em_separates_households_from_matches() {
        // Fields: given name, birth date (personal), surname, address
        // (shared in a household). Matches agree on all four, households on
        // the last two only, strangers on none.
        let agree = [0.0, 0.9, 0.05, 0.05];
        let differ = [0.0, 0.01, 0.04, 0.95];
        let mut rng = SplitMix(7);
        let mut rows = vec![];
        for i in 0..30_000 {
            let kind = i % 10; // 0..3 match, 3..6 household, rest stranger
            let row: Vec<u8> = (0..4)
                .map(|f| {
                    let p = if kind < 3 || (kind < 6 && f >= 2) {
                        &agree
                    } else {
                        &differ
                    };
                    draw(&mut rng, p)
                })
                .collect();
            rows.push(row);
        }
        let u: Vec<Vec<f64>> = (0..4).map(|_| differ.to_vec()).collect();
        let related = [false, false, true, true];
        let fit = em(
            &[4; 4],
            &u,
            &related,
            &patterns(&levels_from(rows), None),
            &[],
        );
        let (m, prior) = (fit.m, fit.share[0]);
        let h = fit.related.expect("a related class");
        assert!((prior[0] - 0.3).abs() < 0.03, "matches {prior:?}");
        assert!((prior[1] - 0.3).abs() < 0.03, "households {prior:?}");
        assert!((h[2][1] - 0.9).abs() < 0.05 && (h[0][1] - 0.01).abs() < 1e-9);
        assert!((m[0][1] - 0.9).abs() < 0.05, "m given name {:?}", m[0]);
    }

    #[test]
    fn a_shared_rare_value_counts_more_than_a_common_one() {
        let mut t = crate::table::Table::new(vec!["surname".into()]);
        // 20 Smiths, 2 Zbigniewskis, 8 others: a shared "zbigniewski" is
        // ten times rarer than a shared "smith".
        let names = std::iter::repeat_n("smith", 20)
            .chain(["zbigniewski"; 2])
            .chain([
                "jones", "brown", "lee", "khan", "nowak", "garcia", "rossi", "silva",
            ]);
        for (k, s) in names.enumerate() {
            t.push(&k.to_string(), [s]);
        }
        let spec = crate::spec::ModelFile::parse(
            "[[field]]\nname = \"surname\"\ncolumns = [\"surname\"]\ncompare = \"jaro_winkler\"\nthresholds = [0.9]\ntf = true\n[[blocking]]\non = [\"surname\"]\n",
        )
        .unwrap()
        .resolve(&t.headers)
        .unwrap();
        let input = Input::dedupe(&t);
        let l = crate::run(&input, &spec, &crate::Options::default());
        let bits = |i: u32, j: u32| {
            let p = l.model.score_pair(&l.values, i, j);
            (p / (1.0 - p)).log2()
        };
        let (common, rare) = (bits(0, 1), bits(20, 21));
        assert!(
            (rare - common - 10f64.log2()).abs() < 0.01,
            "rare {rare:.2} bits vs common {common:.2} bits"
        );
    }

    #[test]
    fn the_threshold_follows_the_model_without_labels() {
        // Confident matches, confident non-matches and a few doubtful ones:
        // the expected-F1 threshold keeps the confident ones only.
        let mut probs = vec![0.99f32; 100];
        probs.extend(vec![0.3f32; 50]);
        probs.extend(vec![0.02f32; 1000]);
        let t = choose_threshold(&probs);
        assert!(t > 0.3 && t < 0.991, "{t}");
    }
}

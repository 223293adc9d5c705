//! Eval: findings against ground truth.
//!
//! Per object kind (personas, devices, addresses): average precision of
//! the risk ranking, and precision/recall at the `high` level. For actors:
//! pairwise precision/recall of the grouping, and how many findings merge
//! different honest people. For fairness: the `high`-level false-positive
//! rate among legitimate personas, split by the origin of their name, and
//! the ratio of the worst group to everyone else.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use unmask_model::findings::{Findings, Level};
use unmask_model::truth::Truth;

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Ranking {
    pub objects: usize,
    pub positives: usize,
    pub average_precision: f64,
    pub precision_at_high: f64,
    pub recall_at_high: f64,
    pub flagged_high: usize,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Grouping {
    pub pair_precision: f64,
    pub pair_recall: f64,
    /// Predicted actors holding legitimate personas of more than one real
    /// person (households, agencies merged).
    pub legit_merges: usize,
    /// Fraudulent operators whose personas are all in one predicted actor.
    pub operators_whole: usize,
    pub operators: usize,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct FairnessGroup {
    pub legit: usize,
    pub high: usize,
    pub fpr_high: f64,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Report {
    pub personas: Ranking,
    pub devices: Ranking,
    pub addresses: Ranking,
    pub facilitator_addresses: usize,
    pub facilitator_addresses_found_high: usize,
    pub actors: Grouping,
    pub legit_fpr_high: f64,
    pub fairness: BTreeMap<String, FairnessGroup>,
    /// Worst of (Korean, Chinese) high-level FPR over everyone else's;
    /// 1.0 means equal; lower than 1.25 is the acceptance bound.
    pub fairness_ratio: f64,
    pub missing_personas: usize,
}

/// Average precision of a ranking: mean precision at each positive's rank.
/// Ties are ranked pessimistically (negatives first) so a flat score
/// cannot look good.
pub fn average_precision(scored: &[(f64, bool)]) -> f64 {
    let mut v = scored.to_vec();
    v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let positives = v.iter().filter(|x| x.1).count();
    if positives == 0 {
        return 0.0;
    }
    let (mut tp, mut sum) = (0usize, 0.0);
    for (i, &(_, pos)) in v.iter().enumerate() {
        if pos {
            tp += 1;
            sum += tp as f64 / (i + 1) as f64;
        }
    }
    sum / positives as f64
}

fn ranking(items: &[(f64, bool, bool)]) -> Ranking {
    // (risk, is_positive, is_high)
    let positives = items.iter().filter(|x| x.1).count();
    let flagged = items.iter().filter(|x| x.2).count();
    let tp = items.iter().filter(|x| x.1 && x.2).count();
    Ranking {
        objects: items.len(),
        positives,
        average_precision: average_precision(&items.iter().map(|x| (x.0, x.1)).collect::<Vec<_>>()),
        precision_at_high: if flagged == 0 {
            0.0
        } else {
            tp as f64 / flagged as f64
        },
        recall_at_high: if positives == 0 {
            0.0
        } else {
            tp as f64 / positives as f64
        },
        flagged_high: flagged,
    }
}

fn pairs(n: usize) -> u64 {
    (n as u64) * (n as u64).saturating_sub(1) / 2
}

pub fn evaluate(truth: &Truth, f: &Findings) -> Report {
    let found: HashMap<&str, &unmask_model::findings::PersonaFinding> =
        f.personas.iter().map(|p| (p.id.as_str(), p)).collect();
    let mut r = Report::default();
    let mut items = vec![];
    let mut by_origin: BTreeMap<String, FairnessGroup> = BTreeMap::new();
    for t in &truth.personas {
        let Some(p) = found.get(t.id.as_str()) else {
            r.missing_personas += 1;
            items.push((0.0, t.fraud, false));
            continue;
        };
        let high = p.level == Level::High;
        items.push((p.risk, t.fraud, high));
        if !t.fraud {
            let g = by_origin.entry(t.name_origin.clone()).or_default();
            g.legit += 1;
            g.high += high as usize;
        }
    }
    r.personas = ranking(&items);
    let legit: usize = by_origin.values().map(|g| g.legit).sum();
    let legit_high: usize = by_origin.values().map(|g| g.high).sum();
    r.legit_fpr_high = if legit == 0 {
        0.0
    } else {
        legit_high as f64 / legit as f64
    };
    for g in by_origin.values_mut() {
        g.fpr_high = if g.legit == 0 {
            0.0
        } else {
            g.high as f64 / g.legit as f64
        };
    }
    let watched = ["korean", "chinese"];
    let (mut rest_n, mut rest_h) = (0, 0);
    for (k, g) in &by_origin {
        if !watched.contains(&k.as_str()) {
            rest_n += g.legit;
            rest_h += g.high;
        }
    }
    let rest = if rest_n == 0 {
        0.0
    } else {
        rest_h as f64 / rest_n as f64
    };
    let worst = watched
        .iter()
        .filter_map(|k| by_origin.get(*k))
        .map(|g| g.fpr_high)
        .fold(0.0, f64::max);
    // With no false positives anywhere the groups are equal.
    r.fairness_ratio = if worst == 0.0 {
        if rest == 0.0 { 1.0 } else { 0.0 }
    } else if rest == 0.0 {
        f64::INFINITY
    } else {
        worst / rest
    };
    r.fairness = by_origin;

    let devices: HashMap<&str, &unmask_model::findings::DeviceFinding> =
        f.devices.iter().map(|d| (d.id.as_str(), d)).collect();
    let items: Vec<_> = truth
        .devices
        .iter()
        .map(|t| {
            devices
                .get(t.id.as_str())
                .map_or((0.0, t.fraud, false), |d| {
                    (d.risk, t.fraud, d.level == Some(Level::High))
                })
        })
        .collect();
    r.devices = ranking(&items);

    // Addresses: a finding is a facilitator's when it holds a laptop the
    // truth places there — or, for a facilitator that received no laptop,
    // at least two of the applications that asked for shipment there (one
    // application alone is also in its own home address's members).
    let devices_truth: HashSet<&str> = truth.devices.iter().map(|d| d.id.as_str()).collect();
    // record id → the facilitator addresses it belongs to, split into
    // laptops and applications.
    let mut by_asset: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut by_app: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut has_assets = vec![];
    for (i, a) in truth.addresses.iter().filter(|a| a.facilitator).enumerate() {
        let mut assets = false;
        for m in &a.members {
            if devices_truth.contains(m.as_str()) {
                by_asset.entry(m).or_default().push(i);
                assets = true;
            } else {
                by_app.entry(m).or_default().push(i);
            }
        }
        has_assets.push(assets);
    }
    r.facilitator_addresses = has_assets.len();
    let mut found_fac = vec![false; has_assets.len()];
    let mut items = vec![];
    for a in &f.addresses {
        let mut hit: Vec<usize> = a
            .members
            .iter()
            .filter_map(|m| by_asset.get(m.as_str()))
            .flatten()
            .copied()
            .collect();
        let mut apps: HashMap<usize, usize> = HashMap::new();
        for i in a
            .members
            .iter()
            .filter_map(|m| by_app.get(m.as_str()))
            .flatten()
        {
            *apps.entry(*i).or_default() += 1;
        }
        hit.extend(
            apps.into_iter()
                .filter(|&(i, n)| !has_assets[i] && n >= 2)
                .map(|(i, _)| i),
        );
        let high = a.level == Some(Level::High)
            || (a.level.is_none() && a.risk >= f.scoring.as_ref().map_or(0.85, |s| s.high_at));
        if high {
            for &i in &hit {
                found_fac[i] = true;
            }
        }
        items.push((a.risk, !hit.is_empty(), high));
    }
    r.addresses = ranking(&items);
    r.facilitator_addresses_found_high = found_fac.iter().filter(|x| **x).count();

    // Actor grouping, pairwise.
    let truth_actor: HashMap<&str, &str> = truth
        .personas
        .iter()
        .map(|t| (t.id.as_str(), t.actor.as_str()))
        .collect();
    let fraud: HashMap<&str, bool> = truth
        .personas
        .iter()
        .map(|t| (t.id.as_str(), t.fraud))
        .collect();
    let (mut pred_pairs, mut tp) = (0u64, 0u64);
    for a in &f.actors {
        let members: Vec<&str> = a
            .members
            .iter()
            .map(String::as_str)
            .filter(|m| truth_actor.contains_key(m))
            .collect();
        pred_pairs += pairs(members.len());
        let mut cells: HashMap<&str, usize> = HashMap::new();
        for m in &members {
            *cells.entry(truth_actor[m]).or_default() += 1;
        }
        tp += cells.values().map(|&n| pairs(n)).sum::<u64>();
        let legit_people: HashSet<&str> = members
            .iter()
            .filter(|m| !fraud[*m])
            .map(|m| truth_actor[m])
            .collect();
        if legit_people.len() > 1 {
            r.actors.legit_merges += 1;
        }
    }
    let mut true_sizes: HashMap<&str, usize> = HashMap::new();
    for t in &truth.personas {
        *true_sizes.entry(t.actor.as_str()).or_default() += 1;
    }
    let true_pairs: u64 = true_sizes.values().map(|&n| pairs(n)).sum();
    r.actors.pair_precision = if pred_pairs == 0 {
        1.0
    } else {
        tp as f64 / pred_pairs as f64
    };
    r.actors.pair_recall = if true_pairs == 0 {
        1.0
    } else {
        tp as f64 / true_pairs as f64
    };
    let pred_of: HashMap<&str, &str> = f
        .personas
        .iter()
        .map(|p| (p.id.as_str(), p.actor.as_str()))
        .collect();
    let mut ops: HashMap<&str, HashSet<&str>> = HashMap::new();
    for t in truth.personas.iter().filter(|t| t.fraud) {
        ops.entry(t.actor.as_str())
            .or_default()
            .insert(pred_of.get(t.id.as_str()).copied().unwrap_or(""));
    }
    r.actors.operators = ops.len();
    r.actors.operators_whole = ops.values().filter(|s| s.len() == 1).count();
    r
}

/// A plain-text table for people.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let row = |s: &mut String, name: &str, k: &Ranking| {
        s.push_str(&format!(
            "{name:<10} {:>7} {:>9} {:>8.3} {:>10.3} {:>10.3} {:>8}\n",
            k.objects,
            k.positives,
            k.average_precision,
            k.precision_at_high,
            k.recall_at_high,
            k.flagged_high
        ));
    };
    s.push_str(&format!(
        "{:<10} {:>7} {:>9} {:>8} {:>10} {:>10} {:>8}\n",
        "kind", "objects", "positive", "AP", "P@high", "R@high", "high"
    ));
    row(&mut s, "personas", &r.personas);
    row(&mut s, "devices", &r.devices);
    row(&mut s, "addresses", &r.addresses);
    s.push_str(&format!(
        "facilitator addresses found at high: {}/{}\n",
        r.facilitator_addresses_found_high, r.facilitator_addresses
    ));
    s.push_str(&format!(
        "actor grouping: pairwise precision {:.3}, recall {:.3}; operators grouped whole {}/{}; honest people merged in {} actor(s)\n",
        r.actors.pair_precision, r.actors.pair_recall, r.actors.operators_whole, r.actors.operators, r.actors.legit_merges
    ));
    s.push_str(&format!(
        "legitimate personas at high (false-positive rate): {:.4}\n",
        r.legit_fpr_high
    ));
    s.push_str("fairness, high-level FPR among legitimate personas by name origin:\n");
    for (k, g) in &r.fairness {
        s.push_str(&format!(
            "  {k:<11} {:>5} legit  {:>3} high  FPR {:.4}\n",
            g.legit, g.high, g.fpr_high
        ));
    }
    s.push_str(&format!(
        "  Korean/Chinese vs. others ratio: {:.2} (bound 1.25)\n",
        r.fairness_ratio
    ));
    if r.missing_personas > 0 {
        s.push_str(&format!(
            "warning: {} truth personas are missing from findings\n",
            r.missing_personas
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn average_precision_known_values() {
        assert_eq!(
            average_precision(&[(0.9, true), (0.8, true), (0.1, false)]),
            1.0
        );
        // positives at ranks 1 and 3: (1/1 + 2/3) / 2
        let ap = average_precision(&[(0.9, true), (0.8, false), (0.7, true)]);
        assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // All tied: pessimistic order puts the negative first.
        assert!((average_precision(&[(0.5, true), (0.5, false)]) - 0.5).abs() < 1e-12);
        assert_eq!(average_precision(&[(0.5, false)]), 0.0);
    }
}

//! Clustering scored pairs into entities without chaining strangers.
//!
//! Connected components put A, B and C together when A–B and B–C are
//! matches even if A and C are plainly two people: one weak or wrong link
//! joins two groups. Here links are taken strongest first, and two groups
//! are merged only when, over every pair across them (compared on demand
//! when blocking never paired them), a match is on average more likely
//! than not. A single bridge between two otherwise unlike groups is
//! refused.

use crate::compare::FieldValues;
use crate::model::Model;
use crate::table::Input;

/// Average cross-group match probability needed to merge two groups.
pub const MERGE_AT: f64 = 0.5;

/// Cluster number per record: left records are `0..n_left`, right records
/// (when linking two tables) follow them.
pub fn cluster(
    model: &Model,
    values: &[FieldValues],
    input: &Input,
    pairs: &[(u32, u32)],
    probs: &[f32],
    threshold: f64,
) -> Vec<u32> {
    let n_left = input.left.len();
    let n = if input.dedupe {
        n_left
    } else {
        n_left + input.right.len()
    };
    let node = |j: u32| if input.dedupe { j } else { n_left as u32 + j };
    let edges = pairs
        .iter()
        .zip(probs)
        .map(|(&(i, j), &p)| (p, i, node(j)))
        .collect();
    cluster_graph(n, edges, threshold, |x, y| {
        oriented(input, n_left, x, y).map(|(l, r)| model.score_pair(values, l, r))
    })
}

/// The clustering itself, for any graph: `edges` are (probability, node,
/// node); `cross(x, y)` scores any pair of nodes, or `None` when the pair
/// is not comparable (it is then left out of the average).
pub fn cluster_graph(
    n: usize,
    mut edges: Vec<(f32, u32, u32)>,
    threshold: f64,
    mut cross: impl FnMut(u32, u32) -> Option<f64>,
) -> Vec<u32> {
    edges.retain(|e| e.0 as f64 >= threshold);
    edges.sort_by(|a, b| b.0.total_cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let mut group: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|x| vec![x]).collect();
    for (_, i, j) in edges {
        let (a, b) = (group[i as usize], group[j as usize]);
        if a == b {
            continue;
        }
        if members[a as usize].len() + members[b as usize].len() > 2 {
            let mut sum = 0.0;
            let mut count = 0usize;
            for &x in &members[a as usize] {
                for &y in &members[b as usize] {
                    if let Some(p) = cross(x, y) {
                        sum += p;
                        count += 1;
                    }
                }
            }
            if count > 0 && sum / (count as f64) < MERGE_AT {
                continue;
            }
        }
        let (keep, gone) = if members[a as usize].len() >= members[b as usize].len() {
            (a, b)
        } else {
            (b, a)
        };
        let moved = std::mem::take(&mut members[gone as usize]);
        for &x in &moved {
            group[x as usize] = keep;
        }
        members[keep as usize].extend(moved);
    }
    // Number clusters densely in order of first record.
    let mut number = vec![u32::MAX; n];
    let mut next = 0;
    group
        .iter()
        .map(|&g| {
            if number[g as usize] == u32::MAX {
                number[g as usize] = next;
                next += 1;
            }
            number[g as usize]
        })
        .collect()
}

/// A pair of nodes as (left row, right row), or `None` when linking two
/// tables and both nodes are on the same side (such pairs are not scored).
fn oriented(input: &Input, n_left: usize, x: u32, y: u32) -> Option<(u32, u32)> {
    if input.dedupe {
        return Some((x.min(y), x.max(y)));
    }
    let (xl, yl) = ((x as usize) < n_left, (y as usize) < n_left);
    match (xl, yl) {
        (true, false) => Some((x, y - n_left as u32)),
        (false, true) => Some((y, x - n_left as u32)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{Comparator, Field, compare};
    use crate::table::Table;

    /// Eight exact-compared fields; agreeing on one is 6.5 bits for a
    /// match, disagreeing 3.3 bits against, and the prior is −10 bits.
    fn model_and_table(rows: &[&str]) -> (Model, Table) {
        let mut t = Table::new((0..8).map(|c| format!("f{c}")).collect());
        for (k, r) in rows.iter().enumerate() {
            t.push(&k.to_string(), r.split(' '));
        }
        let fields: Vec<Field> = (0..8)
            .map(|c| Field {
                name: format!("f{c}"),
                columns: vec![c],
                comparator: Comparator::Exact,
                tf: false,
            })
            .collect();
        let model = Model {
            m: vec![vec![1.0, 0.9, 0.1]; 8],
            u: vec![vec![1.0, 0.01, 0.99]; 8],
            related: None,
            related_fields: vec![false; 8],
            prior: [1e-3, 0.0, 1.0 - 1e-3],
            fields,
        };
        (model, t)
    }

    #[test]
    fn one_link_does_not_chain_two_people_together() {
        let (model, t) = model_and_table(&[
            "a a a a a a a a", // A
            "a a a a a b b b", // B: A with three fields changed
            "c c c c a b b b", // C: shares four fields with B, one with A
            "a a a a a a b b", // D: close to both A and B
        ]);
        let input = Input::dedupe(&t);
        let values = FieldValues::build(&model.fields, &input);
        let pairs: Vec<(u32, u32)> = vec![(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)];
        let levels = compare(&model.fields, &values, &pairs);
        let probs = model.predict(&values, &pairs, &levels);
        // B–C alone is a match, so connected components would chain A to C.
        assert!(probs[3] > 0.8, "B–C {}", probs[3]);
        assert!(probs[1] < 0.01, "A–C {}", probs[1]);
        let c = cluster(&model, &values, &input, &pairs, &probs, 0.8);
        assert_eq!(c[0], c[1], "A and B are one person");
        assert_eq!(c[0], c[3], "D is close to every member and joins");
        assert_ne!(c[0], c[2], "C is refused: it matches B but not A");
    }
}

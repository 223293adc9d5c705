//! Blocking: which pairs are compared at all.
//!
//! Each rule makes a key per record (columns, or their first N characters);
//! records with equal keys become candidate pairs. Rules are applied in
//! order and a pair is kept by the first rule that finds it, so the union
//! has no duplicates and each rule's count is what it adds — the numbers a
//! user needs to see which rule is expensive and which finds matches.

use crate::compare::fx;
use crate::table::{Input, Table};

/// Parts of a key: a column and how many leading characters to keep (0: all).
#[derive(Clone, Debug)]
pub struct BlockingRule {
    pub parts: Vec<(usize, usize)>,
    /// As the user wrote it, for reports.
    pub label: String,
}

impl BlockingRule {
    /// The key of a row, or 0 when a part is missing.
    fn key(&self, t: &Table, row: usize) -> u64 {
        let mut h = 0x5EED_u64;
        for &(c, n) in &self.parts {
            let v = t.get(row, c);
            if v.is_empty() {
                return 0;
            }
            let part = match n {
                0 => v,
                n => &v[..v.char_indices().nth(n).map_or(v.len(), |(i, _)| i)],
            };
            h = fx(part.as_bytes(), h);
        }
        h | 1
    }

    fn keys(&self, t: &Table) -> Vec<u64> {
        (0..t.len()).map(|r| self.key(t, r)).collect()
    }
}

/// Candidate pairs, each with the (first) rule that found it.
pub struct Candidates {
    pub pairs: Vec<(u32, u32)>,
    pub rule: Vec<u8>,
    /// Pairs added by each rule, and the largest block it made.
    pub per_rule: Vec<RuleCount>,
}

#[derive(Clone, Debug, Default)]
pub struct RuleCount {
    pub label: String,
    pub added: usize,
    pub largest_block: usize,
}

pub fn block(input: &Input, rules: &[BlockingRule]) -> Candidates {
    let left: Vec<Vec<u64>> = rules.iter().map(|r| r.keys(input.left)).collect();
    let right: Vec<Vec<u64>> = if input.dedupe {
        vec![]
    } else {
        rules.iter().map(|r| r.keys(input.right)).collect()
    };
    let right_keys = |k: usize| if input.dedupe { &left[k] } else { &right[k] };
    let mut out = Candidates {
        pairs: vec![],
        rule: vec![],
        per_rule: vec![],
    };
    for (k, rule) in rules.iter().enumerate() {
        let earlier = |i: u32, j: u32| {
            (0..k).any(|e| {
                let a = left[e][i as usize];
                a != 0 && a == right_keys(e)[j as usize]
            })
        };
        let sorted = |keys: &[u64]| {
            let mut v: Vec<(u64, u32)> = keys
                .iter()
                .enumerate()
                .filter(|(_, k)| **k != 0)
                .map(|(r, &k)| (k, r as u32))
                .collect();
            v.sort_unstable();
            v
        };
        let runs = |v: &[(u64, u32)]| -> Vec<(u64, std::ops::Range<usize>)> {
            let mut out = vec![];
            let mut s = 0;
            while s < v.len() {
                let mut e = s + 1;
                while e < v.len() && v[e].0 == v[s].0 {
                    e += 1;
                }
                out.push((v[s].0, s..e));
                s = e;
            }
            out
        };
        let mut count = RuleCount {
            label: rule.label.clone(),
            ..Default::default()
        };
        let a = sorted(&left[k]);
        let before = out.pairs.len();
        if input.dedupe {
            for (_, r) in runs(&a) {
                count.largest_block = count.largest_block.max(r.len());
                let rows = &a[r];
                for x in 0..rows.len() {
                    for y in x + 1..rows.len() {
                        let (i, j) = (rows[x].1, rows[y].1);
                        if !earlier(i, j) {
                            out.pairs.push((i, j));
                        }
                    }
                }
            }
        } else {
            let b = sorted(&right[k]);
            let (ra, rb) = (runs(&a), runs(&b));
            let (mut x, mut y) = (0, 0);
            while x < ra.len() && y < rb.len() {
                match ra[x].0.cmp(&rb[y].0) {
                    std::cmp::Ordering::Less => x += 1,
                    std::cmp::Ordering::Greater => y += 1,
                    std::cmp::Ordering::Equal => {
                        count.largest_block =
                            count.largest_block.max(ra[x].1.len() * rb[y].1.len());
                        for &(_, i) in &a[ra[x].1.clone()] {
                            for &(_, j) in &b[rb[y].1.clone()] {
                                if !earlier(i, j) {
                                    out.pairs.push((i, j));
                                }
                            }
                        }
                        x += 1;
                        y += 1;
                    }
                }
            }
        }
        count.added = out.pairs.len() - before;
        out.rule.resize(out.pairs.len(), k as u8);
        out.per_rule.push(count);
    }
    out
}

/// Blocking recall from a truth column (an entity id per record): for each
/// rule, the true pairs it adds, and the share of all true pairs found by
/// it and the rules before it. Labels are used only for this report.
pub fn blocking_recall(input: &Input, cands: &Candidates, truth: usize) -> (usize, Vec<usize>) {
    let mut found = vec![0usize; cands.per_rule.len()];
    for (&(i, j), &k) in cands.pairs.iter().zip(&cands.rule) {
        let a = input.left.get(i as usize, truth);
        if !a.is_empty() && a == input.right.get(j as usize, truth) {
            found[k as usize] += 1;
        }
    }
    // True pairs: records with the same entity value.
    let mut left: rustc_hash::FxHashMap<&str, usize> = Default::default();
    for r in 0..input.left.len() {
        let v = input.left.get(r, truth);
        if !v.is_empty() {
            *left.entry(v).or_default() += 1;
        }
    }
    let total = if input.dedupe {
        left.values().map(|&n| n * (n - 1) / 2).sum()
    } else {
        (0..input.right.len())
            .map(|r| left.get(input.right.get(r, truth)).copied().unwrap_or(0))
            .sum()
    };
    (total, found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Table {
        let mut t = Table::new(vec!["id".into(), "name".into(), "dob".into(), "who".into()]);
        for (id, name, dob, who) in [
            ("1", "anna smith", "19800101", "a"),
            ("2", "anna smith", "19800101", "a"),
            ("3", "anna smiht", "19800101", "a"), // typo: only the dob rule finds it
            ("4", "bob jones", "19700505", "b"),
            ("5", "bob jones", "", "c"), // same name, another person
        ] {
            t.push(id, [id, name, dob, who]);
        }
        t
    }

    #[test]
    fn each_rule_reports_what_it_adds_and_the_recall_it_buys() {
        let t = people();
        let by_name = BlockingRule {
            parts: vec![(1, 0)],
            label: "name".into(),
        };
        let by_dob = BlockingRule {
            parts: vec![(2, 0)],
            label: "dob".into(),
        };
        let input = Input::dedupe(&t);
        let only_name = block(&input, std::slice::from_ref(&by_name));
        let (total, found) = blocking_recall(&input, &only_name, 3);
        assert_eq!(total, 3, "pairs 1-2, 1-3, 2-3");
        assert_eq!(found, vec![1], "the name rule finds 1-2 only");
        assert_eq!(only_name.pairs.len(), 2, "1-2 and the namesakes 4-5");

        let both = block(&input, &[by_name, by_dob]);
        let (_, found) = blocking_recall(&input, &both, 3);
        assert_eq!(found, vec![1, 2], "dob adds 1-3 and 2-3, not 1-2 again");
        assert_eq!(both.per_rule[1].added, 2);
        assert_eq!(both.pairs.len(), 4);
        assert_eq!(both.per_rule[1].largest_block, 3);
    }

    #[test]
    fn prefix_keys_and_linking_two_tables() {
        let a = people();
        let mut b = Table::new(a.headers.clone());
        b.push("x", ["x", "annabel smith", "19800101", "a"]);
        let rule = BlockingRule {
            parts: vec![(1, 4)],
            label: "name:4".into(),
        };
        let c = block(&Input::link(&a, &b), &[rule]);
        assert_eq!(c.pairs, vec![(0, 0), (1, 0), (2, 0)]);
    }
}

//! Febrl 4 (5,000 × 5,000 linkage) and Febrl 3 (5,000 dedupe) with the
//! model file of the benchmark, trained without labels, threshold chosen
//! by the model itself.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use unmask_link::*;

/// The project's shared reference data: `$UNMASK_SHARED_DATA` (set by
/// .ci/run), else `../shared/data` beside the clone.
fn febrl() -> PathBuf {
    std::env::var_os("UNMASK_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
        .join("febrl")
}

fn spec(t: &Table) -> Spec {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/febrl.toml");
    ModelFile::read(&path).unwrap().resolve(&t.headers).unwrap()
}

fn truth(file: &str, ordered: bool) -> HashSet<(String, String)> {
    std::fs::read_to_string(febrl().join(file))
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(','))
        .map(|(x, y)| {
            if ordered || x < y {
                (x.to_string(), y.to_string())
            } else {
                (y.to_string(), x.to_string())
            }
        })
        .collect()
}

fn f1(predicted: &HashSet<(String, String)>, truth: &HashSet<(String, String)>) -> (f64, f64, f64) {
    let tp = predicted.intersection(truth).count() as f64;
    let (p, r) = (tp / predicted.len() as f64, tp / truth.len() as f64);
    (p, r, 2.0 * p * r / (p + r))
}

#[test]
fn febrl4_links_without_labels() {
    let a = Table::read(&febrl().join("febrl4a.csv"), None).unwrap();
    let b = Table::read(&febrl().join("febrl4b.csv"), None).unwrap();
    let input = Input::link(&a, &b);
    let l = run(&input, &spec(&a), &Options::default());
    let truth = truth("febrl4_pairs.csv", true);
    let pair = |&(i, j): &(u32, u32)| (a.ids[i as usize].clone(), b.ids[j as usize].clone());
    let candidates: HashSet<_> = l.candidates.pairs.iter().map(pair).collect();
    let blocking_recall = truth.intersection(&candidates).count() as f64 / truth.len() as f64;
    let predicted: HashSet<_> = l
        .candidates
        .pairs
        .iter()
        .zip(&l.probs)
        .filter(|(_, p)| **p as f64 >= l.threshold)
        .map(|(x, _)| pair(x))
        .collect();
    let (precision, recall, f1) = f1(&predicted, &truth);
    println!(
        "blocking recall {blocking_recall:.4}, precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}"
    );
    assert!(blocking_recall > 0.99, "blocking lets true pairs through");
    assert!(f1 >= 0.997, "issue 4 target: F1 {f1:.4}");
}

#[test]
fn febrl3_clusters_without_labels() {
    let t = Table::read(&febrl().join("febrl3.csv"), None).unwrap();
    let l = run(&Input::dedupe(&t), &spec(&t), &Options::default());
    let truth = truth("febrl3_pairs.csv", false);
    let mut members: std::collections::HashMap<u32, Vec<&str>> = Default::default();
    for (r, &c) in l.clusters.iter().enumerate() {
        members.entry(c).or_default().push(&t.ids[r]);
    }
    let mut predicted = HashSet::new();
    for ids in members.values() {
        for x in ids {
            for y in ids {
                if x < y {
                    predicted.insert((x.to_string(), y.to_string()));
                }
            }
        }
    }
    let (precision, recall, f1) = f1(&predicted, &truth);
    println!("clusters: precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}");
    assert!(f1 >= 0.995, "issue 4 target: cluster F1 {f1:.4}");
}

//! Febrl 4 (5,000 × 5,000 linkage), trained without labels.

use std::collections::HashSet;
use std::path::Path;
use unmask_link::*;

fn febrl() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/febrl")
}

#[test]
fn febrl4_links_without_labels() {
    let (headers, a) = Table::read_csv(&febrl().join("febrl4a.csv")).unwrap();
    let (_, b) = Table::read_csv(&febrl().join("febrl4b.csv")).unwrap();
    let (fields, rules) = febrl_model(&headers);
    let pairs = block(&a, &b, &rules, false);
    let levels = compare(&fields, &a, &b, &pairs);
    let model = Model::train(fields, &a, &b, &levels, 200_000, false);
    let scored = predict(&model, &a, &pairs, &levels);

    let truth: HashSet<(String, String)> =
        std::fs::read_to_string(febrl().join("febrl4_pairs.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| {
                l.split_once(',')
                    .map(|(x, y)| (x.to_string(), y.to_string()))
            })
            .collect();
    let candidates: HashSet<(String, String)> = pairs
        .iter()
        .map(|&(i, j)| (a.ids[i as usize].clone(), b.ids[j as usize].clone()))
        .collect();
    let blocking_recall =
        truth.iter().filter(|p| candidates.contains(*p)).count() as f64 / truth.len() as f64;
    let predicted: Vec<(String, String)> = scored
        .iter()
        .filter(|s| s.3 >= 0.9)
        .map(|&(i, j, _, _)| (a.ids[i as usize].clone(), b.ids[j as usize].clone()))
        .collect();
    let tp = predicted.iter().filter(|p| truth.contains(*p)).count() as f64;
    let (precision, recall) = (tp / predicted.len() as f64, tp / truth.len() as f64);
    let f1 = 2.0 * precision * recall / (precision + recall);
    println!(
        "candidates {} (blocking recall {blocking_recall:.4}), predicted {}, precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}, λ {:.2e}",
        pairs.len(),
        predicted.len(),
        model.lambda
    );
    assert!(blocking_recall > 0.99, "blocking lets true pairs through");
    assert!(
        f1 >= 0.997,
        "issue 4 target: F1 {f1:.4} (precision {precision:.4}, recall {recall:.4})"
    );
}

#[test]
fn febrl3_dedupes_without_labels() {
    let (headers, t) = Table::read_csv(&febrl().join("febrl3.csv")).unwrap();
    let (fields, rules) = febrl_model(&headers);
    let pairs = block(&t, &t, &rules, true);
    let levels = compare(&fields, &t, &t, &pairs);
    let model = Model::train(fields, &t, &t, &levels, 200_000, true);
    let scored = predict(&model, &t, &pairs, &levels);
    let key = |x: &str, y: &str| {
        if x < y {
            (x.to_string(), y.to_string())
        } else {
            (y.to_string(), x.to_string())
        }
    };
    let truth: HashSet<(String, String)> =
        std::fs::read_to_string(febrl().join("febrl3_pairs.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .filter_map(|l| l.split_once(',').map(|(x, y)| key(x, y)))
            .collect();
    let predicted: HashSet<(String, String)> = scored
        .iter()
        .filter(|s| s.3 >= 0.9)
        .map(|&(i, j, _, _)| key(&t.ids[i as usize], &t.ids[j as usize]))
        .collect();
    let tp = predicted.iter().filter(|p| truth.contains(*p)).count() as f64;
    let (precision, recall) = (tp / predicted.len() as f64, tp / truth.len() as f64);
    let f1 = 2.0 * precision * recall / (precision + recall);
    println!(
        "febrl3: candidates {}, predicted {}, precision {precision:.4}, recall {recall:.4}, F1 {f1:.4}",
        pairs.len(),
        predicted.len()
    );
    assert!(
        f1 >= 0.99,
        "F1 {f1:.4} (precision {precision:.4}, recall {recall:.4})"
    );
}

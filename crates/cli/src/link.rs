//! `unmask link`: deduplicate one table or link two, with a model file,
//! trained on the data itself (no labels).

use clap::Args;
use std::io::Write;
use std::path::PathBuf;
use unmask_link::{Input, ModelFile, Options, Table, blocking_recall};

#[derive(Args)]
pub struct LinkArgs {
    /// The CSV or JSONL to deduplicate, or the left side of a linkage.
    left: PathBuf,
    /// The right side of a linkage.
    right: Option<PathBuf>,
    /// The model: fields, comparison levels, blocking rules (TOML; see models/).
    #[arg(long)]
    model: PathBuf,
    /// Where to write pairs.csv and clusters.csv.
    #[arg(long, default_value = "link-out")]
    out: PathBuf,
    /// Match probability at which a pair is a match; by default the one that
    /// maximises the model's own expected F1 (no labels).
    #[arg(long)]
    threshold: Option<f64>,
    /// Also write pairs down to this probability to pairs.csv (flagged
    /// `match` = 0), e.g. to study thresholds.
    #[arg(long)]
    keep: Option<f64>,
    /// Random pairs used to estimate u (level shares among non-matches).
    #[arg(long, default_value_t = 200_000)]
    u_pairs: usize,
    /// A column holding the true entity, used only to report blocking recall.
    #[arg(long, value_name = "COLUMN")]
    truth: Option<String>,
    /// Explain one pair: each field's level and evidence.
    #[arg(long, num_args = 2, value_names = ["ID1", "ID2"])]
    explain: Option<Vec<String>>,
}

pub fn run(args: LinkArgs) -> Result<(), String> {
    let t = std::time::Instant::now();
    let file = ModelFile::read(&args.model)?;
    let id = file.id.as_deref();
    let left = Table::read(&args.left, id)?;
    let right = match &args.right {
        Some(r) => Some(Table::read(r, id)?),
        None => None,
    };
    let input = match &right {
        Some(r) => Input::link(&left, r),
        None => Input::dedupe(&left),
    };
    let spec = file.resolve(&left.headers)?;
    if let Some(r) = &right {
        if r.headers != left.headers {
            return Err("both tables must have the same columns in the same order".into());
        }
    }
    let truth = match &args.truth {
        Some(c) => Some(left.column(c).ok_or_else(|| format!("no column {c:?}"))?),
        None => None,
    };
    let linkage = unmask_link::run(
        &input,
        &spec,
        &Options {
            u_pairs: args.u_pairs,
            threshold: args.threshold,
        },
    );
    let model = &linkage.model;
    if let Some(ids) = &args.explain {
        let find = |t: &Table, id: &str| {
            t.ids
                .iter()
                .position(|x| x == id)
                .map(|i| i as u32)
                .ok_or_else(|| format!("no record {id:?}"))
        };
        let (i, j) = (find(input.left, &ids[0])?, find(input.right, &ids[1])?);
        let (parts, p) = model.explain(&linkage.values, i, j);
        println!(
            "prior: {:.2e} of all pairs are matches{}",
            model.prior[0],
            if model.related.is_some() {
                format!(", {:.2e} related people", model.prior[1])
            } else {
                String::new()
            }
        );
        println!(
            "{:<16} {:>4} {:>8} {:>10}  values",
            "field", "lvl", "bits", "vs related"
        );
        println!(
            "{:<16} {:>4} {:>8.2} {:>10}  (prior odds of a match)",
            "prior",
            "",
            (model.prior[0] / model.prior[2]).log2(),
            ""
        );
        for c in &parts {
            let rel = c
                .bits_vs_related
                .map_or(String::new(), |b| format!("{b:.2}"));
            println!(
                "{:<16} {:>4} {:>8.2} {rel:>10}  {:?} / {:?}",
                c.field, c.level, c.bits, c.left, c.right
            );
        }
        println!(
            "match probability {p:.6} ({:.2} bits, with term frequencies and the related class)",
            (p / (1.0 - p).max(1e-300)).log2()
        );
        return Ok(());
    }
    let err = |e: std::io::Error| e.to_string();
    std::fs::create_dir_all(&args.out).map_err(err)?;
    let keep = args
        .keep
        .unwrap_or(linkage.threshold)
        .min(linkage.threshold);
    let path = args.out.join("pairs.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&path).map_err(err)?);
    writeln!(w, "left_id,right_id,match_probability,match").map_err(err)?;
    let mut kept = 0;
    for (&(i, j), &p) in linkage.candidates.pairs.iter().zip(&linkage.probs) {
        let p = p as f64;
        if p >= keep {
            let is = p >= linkage.threshold;
            kept += is as usize;
            writeln!(
                w,
                "{},{},{p:.6},{}",
                input.left.ids[i as usize], input.right.ids[j as usize], is as u8
            )
            .map_err(err)?;
        }
    }
    w.flush().map_err(err)?;
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(args.out.join("clusters.csv")).map_err(err)?);
    writeln!(w, "id,cluster,side").map_err(err)?;
    let ids = (input.left.ids.iter().map(|id| (id, "left"))).chain(
        (if input.dedupe {
            &[][..]
        } else {
            &input.right.ids[..]
        })
        .iter()
        .map(|id| (id, "right")),
    );
    let mut sizes = vec![0u32; linkage.clusters.len()];
    for ((id, side), &c) in ids.zip(&linkage.clusters) {
        writeln!(w, "{id},{c},{side}").map_err(err)?;
        sizes[c as usize] += 1;
    }
    w.flush().map_err(err)?;

    let n = |x: usize| {
        let s = x.to_string();
        let mut out = String::new();
        for (k, ch) in s.chars().enumerate() {
            if k > 0 && (s.len() - k) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    println!(
        "{} records{}; {} candidate pairs",
        n(input.left.len()),
        if input.dedupe {
            String::new()
        } else {
            format!(" × {}", n(input.right.len()))
        },
        n(linkage.candidates.pairs.len())
    );
    let recall = truth.map(|c| blocking_recall(&input, &linkage.candidates, c));
    println!(
        "{:<40} {:>12} {:>10}{}",
        "blocking rule",
        "pairs added",
        "max block",
        if recall.is_some() {
            "  true pairs  cumulative recall"
        } else {
            ""
        }
    );
    let mut found = 0;
    for (k, r) in linkage.candidates.per_rule.iter().enumerate() {
        print!(
            "{:<40} {:>12} {:>10}",
            r.label,
            n(r.added),
            n(r.largest_block)
        );
        if let Some((total, per)) = &recall {
            found += per[k];
            print!(
                "  {:>10}  {:.4}",
                n(per[k]),
                found as f64 / (*total).max(1) as f64
            );
        }
        println!();
    }
    let multi = sizes.iter().filter(|&&s| s > 1).count();
    let s = linkage.seconds;
    println!(
        "threshold {:.4}{}; {} pairs are matches; {} clusters of 2 or more → {}",
        linkage.threshold,
        if args.threshold.is_some() {
            " (given)"
        } else {
            " (chosen by the model's expected F1)"
        },
        n(kept),
        n(multi),
        args.out.display()
    );
    println!(
        "seconds: block {:.2}, compare {:.2}, train {:.2}, predict {:.2}, cluster {:.2}; total {:.2}",
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

//! Link: probabilistic record linkage for any table of records.
//!
//! The Fellegi–Sunter model as Splink implements it, plus the dependence
//! Splink leaves out. The pipeline, one module per step:
//!
//! - [`table`]: records by column, values interned (CSV or JSONL);
//! - [`block`]: candidate pairs from the union of blocking rules, with what
//!   each rule adds and, given a truth column, the recall it buys;
//! - [`compare`]: each field of a pair compared into a level (exact,
//!   close, …, different, missing);
//! - [`model`]: `u` from random pairs, `m` — and, for fields that people
//!   who live together share, a *related* class — by EM without labels;
//!   term-frequency `u` for exact matches; a threshold chosen from the
//!   model's own expected F1;
//! - [`cluster`]: scored pairs into entities, refusing to chain two groups
//!   through one link;
//! - [`spec`]: the TOML model file.
//!
//! [`run`] does all of it.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod model;
pub mod spec;
pub mod table;

pub use block::{BlockingRule, Candidates, block, blocking_recall};
pub use compare::{Comparator, Field, FieldValues, Levels, compare};
pub use model::{Model, choose_threshold};
pub use spec::{ModelFile, Spec};
pub use table::{Input, Table};

pub struct Options {
    /// Random pairs for `u` (200k gives Febrl the same results as 1M).
    pub u_pairs: usize,
    /// Keep pairs at or above this probability; `None`: chosen by the model.
    pub threshold: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            u_pairs: 200_000,
            threshold: None,
        }
    }
}

/// Everything one linkage produced.
pub struct Linkage {
    pub values: Vec<FieldValues>,
    pub candidates: Candidates,
    pub levels: Levels,
    pub model: Model,
    /// Match probability of each candidate pair.
    pub probs: Vec<f32>,
    pub threshold: f64,
    /// Cluster number per record (left records, then right ones).
    pub clusters: Vec<u32>,
    /// Seconds spent per step: block, compare, train, predict, cluster.
    pub seconds: [f64; 5],
}

pub fn run(input: &Input, spec: &Spec, opts: &Options) -> Linkage {
    let mut clock = std::time::Instant::now();
    let mut lap = || {
        let s = clock.elapsed().as_secs_f64();
        clock = std::time::Instant::now();
        s
    };
    let values = FieldValues::build(&spec.fields, input);
    let candidates = block(input, &spec.rules);
    let t_block = lap();
    let levels = compare(&spec.fields, &values, &candidates.pairs);
    let t_compare = lap();
    let model = Model::train(spec, input, &values, &candidates, &levels, opts.u_pairs);
    let t_train = lap();
    let probs = model.predict(&values, &candidates.pairs, &levels);
    let threshold = opts.threshold.unwrap_or_else(|| choose_threshold(&probs));
    let t_predict = lap();
    let clusters = cluster::cluster(&model, &values, input, &candidates.pairs, &probs, threshold);
    let t_cluster = lap();
    Linkage {
        values,
        candidates,
        levels,
        model,
        probs,
        threshold,
        clusters,
        seconds: [t_block, t_compare, t_train, t_predict, t_cluster],
    }
}

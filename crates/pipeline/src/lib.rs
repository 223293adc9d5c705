//! The scan, end to end, stage by stage: ingest → normalise → identity graph
//! → resolve → detect → score → report. Each stage is its own crate; this
//! file only wires them and measures them.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{BufWriter, IsTerminal, Write};
use std::path::Path;
use std::time::Instant;
use unmask_graph::GraphBuilder;
use unmask_ingest::{InputKind, Options, Progress, Reject, read_workspace};
use unmask_model::findings::{Findings, Level, RunSummary};
pub use unmask_resolve::LinkFit;

pub mod closure;
pub use closure::{Closure, Records, Relations, splice};

/// What of a workspace a scan reads, and whether it hands back what it
/// built. The default reads everything and keeps nothing.
#[derive(Clone, Copy, Default)]
pub struct Part<'a> {
    /// Only these records (a [`Closure::read`]); others are skipped as read.
    pub only: Option<&'a Records>,
    /// Hand back the identity graph and actors ([`ScanOutcome::kept`]),
    /// for the closures of later changes.
    pub keep: bool,
}

/// The identity graph and actors a scan built.
pub struct Kept {
    pub graph: unmask_graph::IdentityGraph,
    pub actors: unmask_resolve::Actors,
}

/// A sink that passes on only the records of one set.
struct Only<'a, S> {
    inner: &'a mut S,
    keep: &'a Records,
}

impl<S: unmask_ingest::Sink> unmask_ingest::Sink for Only<'_, S> {
    fn application(&mut self, r: unmask_model::Application, at: &unmask_ingest::Origin) {
        if self.keep.applications.contains(&r.application_id) {
            self.inner.application(r, at);
        }
    }
    fn worker(&mut self, r: unmask_model::Worker, at: &unmask_ingest::Origin) {
        if self.keep.workers.contains(&r.worker_id) {
            self.inner.worker(r, at);
        }
    }
    fn asset(&mut self, r: unmask_model::Asset, at: &unmask_ingest::Origin) {
        if self.keep.assets.contains(&r.asset_id) {
            self.inner.asset(r, at);
        }
    }
    fn payroll(&mut self, r: unmask_model::Payroll, at: &unmask_ingest::Origin) {
        if self.keep.workers.contains(&r.worker_id) {
            self.inner.payroll(r, at);
        }
    }
    fn login(&mut self, e: &unmask_model::LoginEvent<'_>, at: &unmask_ingest::Origin) {
        if self.keep.logins.contains(&e.user.trim().to_lowercase()) {
            self.inner.login(e, at);
        }
    }
    fn host(&mut self, r: unmask_model::HostRow, at: &unmask_ingest::Origin) {
        if self.keep.hosts.contains(&r.host.to_lowercase()) {
            self.inner.host(r, at);
        }
    }
    fn keystroke(&mut self, r: unmask_model::KeystrokeSample, at: &unmask_ingest::Origin) {
        self.inner.keystroke(r, at);
    }
    fn reject(&mut self, r: Reject) {
        self.inner.reject(r);
    }
}

pub struct ScanOutcome {
    pub findings: Findings,
    pub summary: unmask_ingest::Summary,
    pub timings: Vec<(&'static str, f64)>,
    pub events: u64,
    pub graph_bytes: usize,
    pub notes: Vec<String>,
    /// What the scan built, when [`Part::keep`] asked for it.
    pub kept: Option<Kept>,
}

struct Bar(ProgressBar);
impl Progress for Bar {
    fn start(&mut self, total: u64) {
        self.0.set_length(total);
    }
    fn file(&mut self, name: &str) {
        self.0.set_message(name.to_string());
    }
    fn advance(&mut self, n: u64) {
        self.0.inc(n);
    }
}

/// Peak resident memory of this process so far, from the kernel.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kb| kb * 1024)
}

/// Scans the workspace `dir` into `out` (findings.json, report.html,
/// rejected.jsonl, link-fit.json) with the reference data installed in
/// `data_dir`; actors are linked under `fit` when given, else under a fit
/// made on this workspace.
pub fn scan(
    dir: &Path,
    out: &Path,
    max_record_bytes: usize,
    quiet: bool,
    data_dir: &Path,
    scoring: &unmask_score::ScoringFile,
    fit: Option<&unmask_resolve::LinkFit>,
) -> std::io::Result<ScanOutcome> {
    let intel = unmask_refdata::Intel::load(data_dir);
    let o = scan_with(
        dir,
        out,
        max_record_bytes,
        quiet,
        &intel,
        data_dir,
        scoring,
        fit,
        Part::default(),
    );
    // Freed beside the caller, like the graph below.
    std::thread::spawn(move || drop(intel));
    o
}

/// [`scan`] with reference data already loaded (`data_dir` is where it
/// came from, for the notes): a service loads it once, not per scan.
#[allow(clippy::too_many_arguments)]
pub fn scan_with(
    dir: &Path,
    out: &Path,
    max_record_bytes: usize,
    quiet: bool,
    intel: &unmask_refdata::Intel,
    data_dir: &Path,
    scoring: &unmask_score::ScoringFile,
    fit: Option<&unmask_resolve::LinkFit>,
    part: Part,
) -> std::io::Result<ScanOutcome> {
    std::fs::create_dir_all(out)?;
    let mut timings = vec![];
    let t0 = Instant::now();
    let mut rejects = BufWriter::new(std::fs::File::create(out.join("rejected.jsonl"))?);
    let mut write_err = None;
    let (graph, summary, build_notes) = {
        let on_reject = |r: Reject| {
            if let Err(e) = serde_json::to_writer(&mut rejects, &r)
                .map_err(std::io::Error::from)
                .and_then(|_| rejects.write_all(b"\n"))
            {
                write_err.get_or_insert(e);
            }
        };
        let mut builder = GraphBuilder::new(on_reject);
        builder.expect_application_bytes(input_bytes(dir, InputKind::Applications));
        let target = if std::io::stderr().is_terminal() && !quiet {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {msg}",
            )
            .unwrap(),
        );
        let mut progress = Bar(bar);
        let options = Options {
            max_record_bytes,
            prepare_application: Some(unmask_graph::prepare_application),
        };
        let summary = match part.only {
            None => read_workspace(dir, &mut builder, &mut progress, &options)?,
            Some(keep) => {
                let mut only = Only {
                    inner: &mut builder,
                    keep,
                };
                read_workspace(dir, &mut only, &mut progress, &options)?
            }
        };
        progress.0.finish_and_clear();
        timings.push(("ingest", t0.elapsed().as_secs_f64()));
        let t = Instant::now();
        let (mut graph, notes) = builder.finish();
        // Common values: those the fit found, or those held by so many here
        // that no detector weighs them.
        match fit {
            Some(f) => f.mark_common(&mut graph),
            None => graph.mark_common(|k| unmask_detect::common_bound(&scoring.weights, k)),
        }
        timings.push(("graph index", t.elapsed().as_secs_f64()));
        (graph, summary, notes)
    };
    rejects.flush()?;
    if let Some(e) = write_err {
        return Err(e);
    }
    // Detectors that need no actors run on a thread of their own while
    // resolution runs; the rest follow it.
    let (actors, mut signals) = std::thread::scope(|s| {
        let unlinked = s.spawn(|| unmask_detect::detect_unlinked(&graph, intel, &scoring.weights));
        let t = Instant::now();
        let actors = unmask_resolve::resolve_with(&graph, fit);
        timings.push(("resolve", t.elapsed().as_secs_f64()));
        let t = Instant::now();
        let signals = unlinked
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        timings.push(("detect", t.elapsed().as_secs_f64()));
        (actors, signals)
    });
    let t = Instant::now();
    signals.extend(unmask_detect::detect_linked(
        &graph,
        &actors,
        intel,
        &scoring.weights,
    ));
    if let Some(d) = timings.iter_mut().find(|d| d.0 == "detect") {
        d.1 += t.elapsed().as_secs_f64();
    }
    let t = Instant::now();
    let now = unmask_model::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    );
    let mut findings = unmask_score::score(&graph, &actors, &signals, scoring, now.to_string());
    timings.push(("score", t.elapsed().as_secs_f64()));

    let mut notes = build_notes;
    if let Some(f) = fit {
        notes.push(format!(
            "actors linked under a given fit (made on {} units), not one made on this data",
            f.units
        ));
    }
    if !summary.ignored.is_empty() {
        notes.push(format!(
            "{} file(s) not recognised and not read, e.g. {}",
            summary.ignored.len(),
            summary
                .ignored
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for kind in [
        "applications",
        "workers",
        "assets",
        "payroll",
        "okta",
        "auth",
        "osquery",
    ] {
        if !summary.files.iter().any(|f| f.kind == kind) {
            notes.push(format!("no {kind} input in the workspace"));
        }
    }
    let loaded = [
        intel.ip.is_some(),
        intel.rmm.is_some(),
        intel.usb.is_some(),
        intel.sanctions.is_some(),
    ];
    for (&(packs, what), ok) in unmask_detect::NEEDS_DATA.iter().zip(loaded) {
        if !ok {
            notes.push(format!("skipped {what}: reference data pack(s) {packs} not installed in {} — run `unmask data install --only {packs}`", data_dir.display()));
        }
    }
    let events = summary.accepted_of(&["okta", "auth", "osquery"]);
    findings.run = Some(RunSummary {
        files: summary.files.len() as u64,
        records_accepted: summary.accepted(),
        records_rejected: summary.rejected(),
        events_accepted: events,
        notes: notes.clone(),
    });
    let t = Instant::now();
    let ctx = unmask_report::Context {
        graph: &graph,
        rejected: summary.rejected(),
        notes: &notes,
        max_actors: 150,
    };
    std::fs::write(
        out.join("link-fit.json"),
        serde_json::to_vec(&actors.fit).map_err(std::io::Error::from)?,
    )?;
    // The two outputs are independent: written side by side.
    std::thread::scope(|s| {
        let json = s.spawn(|| unmask_report::write_findings(&out.join("findings.json"), &findings));
        let html = unmask_report::write_html(&out.join("report.html"), &findings, &ctx);
        json.join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))?;
        html
    })?;
    timings.push(("report", t.elapsed().as_secs_f64()));
    let graph_bytes = graph.heap_bytes();
    let kept = Kept { graph, actors };
    // Freeing a million personas' allocations takes seconds: a thread of
    // its own does it, and a process that exits first does not wait.
    let kept = if part.keep {
        std::thread::spawn(move || drop(signals));
        Some(kept)
    } else {
        std::thread::spawn(move || drop((kept, signals)));
        None
    };
    Ok(ScanOutcome {
        findings,
        summary,
        timings,
        events,
        graph_bytes,
        notes,
        kept,
    })
}

pub fn print_summary(o: &ScanOutcome, out: &Path) {
    let f = &o.findings;
    let s = &o.summary;
    println!(
        "read {} file(s): {} record(s) accepted, {} set aside",
        s.files.len(),
        s.accepted(),
        s.rejected()
    );
    for file in &s.files {
        println!(
            "  {:<32} {:>10} accepted {:>6} set aside",
            file.file, file.accepted, file.rejected
        );
    }
    let ingest = o
        .timings
        .iter()
        .find(|t| t.0 == "ingest")
        .map_or(0.0, |t| t.1);
    if o.events > 0 && ingest > 0.0 {
        println!(
            "ingest: {} events in {:.2} s ({:.0} events/s)",
            o.events,
            ingest,
            o.events as f64 / ingest
        );
    }
    let high = f.personas.iter().filter(|p| p.level == Level::High).count();
    let medium = f
        .personas
        .iter()
        .filter(|p| p.level == Level::Medium)
        .count();
    let multi = f
        .actors
        .iter()
        .filter(|a| a.members.len() > 1 && a.level == Some(Level::High))
        .count();
    println!(
        "findings: {} personas ({high} high, {medium} medium), {} actors ({multi} high-risk with several personas), {} devices ({} high), {} addresses ({} high)",
        f.personas.len(),
        f.actors.len(),
        f.devices.len(),
        f.devices
            .iter()
            .filter(|d| d.level == Some(Level::High))
            .count(),
        f.addresses.len(),
        f.addresses
            .iter()
            .filter(|a| a.level == Some(Level::High))
            .count()
    );
    let stages: Vec<String> = o
        .timings
        .iter()
        .map(|(n, t)| format!("{n} {t:.2}s"))
        .collect();
    println!("stages: {}", stages.join(", "));
    println!(
        "memory: identity graph ≈ {:.1} MB, peak resident {:.1} MB",
        o.graph_bytes as f64 / 1e6,
        peak_rss_bytes().unwrap_or(0) as f64 / 1e6
    );
    for n in &o.notes {
        println!("note: {n}");
    }
    println!(
        "wrote {}/findings.json, report.html, rejected.jsonl, link-fit.json",
        out.display()
    );
}

/// Bytes on disk of the workspace's inputs of one kind (0 if it cannot be
/// listed; reading it reports why).
fn input_bytes(dir: &Path, kind: InputKind) -> u64 {
    unmask_ingest::discover(dir)
        .map(|(files, _)| {
            files
                .iter()
                .filter(|f| f.kind == kind)
                .filter_map(|f| std::fs::metadata(&f.path).ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

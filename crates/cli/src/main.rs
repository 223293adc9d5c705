//! `unmask`: exposes fake remote workers — one real operator behind many
//! hired personas — from the records a company already has.

mod data;
mod link;
mod screen;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc, not glibc's malloc: ingest parses records on one thread and
/// the graph builder frees them on another, and glibc serialises such
/// frees on its arena lock. On a million applications the allocator and
/// that lock took about 40 % of the ingest phase's CPU (perf, this machine).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "unmask",
    version,
    about = "Links personas into actors and explains which are likely fake remote workers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan a workspace of hiring and workforce records.
    Scan {
        /// The workspace directory (see the data contract in the README).
        dir: PathBuf,
        /// Where to write findings.json, report.html, rejected.jsonl and
        /// link-fit.json.
        #[arg(long, default_value = "unmask-out")]
        out: PathBuf,
        /// Largest record accepted, in bytes; longer records are set aside.
        #[arg(long, default_value_t = unmask_ingest::DEFAULT_MAX_RECORD_BYTES)]
        max_record_bytes: usize,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Where reference data packs are installed (default: see `unmask data status`).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Detector weights and level thresholds (TOML; see
        /// models/scoring.toml for every key and its default).
        #[arg(long)]
        scoring: Option<PathBuf>,
        /// Link actors under this fit (a scan's link-fit.json) instead of
        /// fitting the linkage model to this workspace: the same model
        /// across scans until it is refitted.
        #[arg(long)]
        fit: Option<PathBuf>,
    },
    /// Generate a realistic workspace with known answers, scan it and
    /// evaluate the findings.
    Demo {
        /// About how many personas (applications) to create.
        #[arg(long, default_value_t = 3000)]
        size: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Total sign-in events to generate (default: about 60 per worker).
        #[arg(long)]
        events: Option<u64>,
        /// Output directory: workspace/, truth.json and the scan's files.
        #[arg(long, default_value = "demo-out")]
        out: PathBuf,
        /// Only write the workspace and truth; do not scan.
        #[arg(long)]
        generate_only: bool,
        /// Where reference data packs are installed.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Detector weights and level thresholds (TOML).
        #[arg(long)]
        scoring: Option<PathBuf>,
    },
    /// Install, update and inspect reference data packs (IP, VPN, remote
    /// tools, IP-KVM identities).
    Data {
        #[command(subcommand)]
        cmd: data::DataCmd,
    },
    /// Deduplicate one CSV or link two with a probabilistic model trained on
    /// the data itself; or explain one pair.
    Link(link::LinkArgs),
    /// Screen a name (and date of birth, nationality, identifiers) against
    /// the sanctions lists.
    Screen(screen::ScreenArgs),
    /// Measure the screening on labelled public cases, side by side with
    /// plain Jaro–Winkler (recall@1, score spreads, false hits per 1,000).
    ScreenEval(screen::EvalArgs),
    /// Serve the API and the analyst UI over a case store.
    Serve {
        /// The store: a SQLite file, created on first start.
        #[arg(long, default_value = "unmask.db")]
        db: PathBuf,
        /// Where to listen; loopback unless told otherwise.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
        /// Where reference data packs are installed.
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// A scoring file (TOML); default: the built-in weights.
        #[arg(long)]
        scoring: Option<PathBuf>,
        /// Delete records older than this many days (checked hourly).
        #[arg(long)]
        retention_days: Option<u64>,
        /// Largest request body, in MiB.
        #[arg(long, default_value_t = 32)]
        max_body_mib: usize,
        /// Most records in one batch.
        #[arg(long, default_value_t = 50_000)]
        max_batch: usize,
        /// Seconds a request's body may take to arrive (408 after).
        #[arg(long, default_value_t = 30)]
        body_timeout: u64,
        /// Requests per second per token (sustained; bursts of twice that).
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        /// Serve HTTPS: the certificate chain (PEM) …
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// … and its private key (PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Compare findings with ground truth (AP, precision/recall, grouping,
    /// fairness).
    Eval {
        truth: PathBuf,
        findings: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Create a token; it is printed once and stored only as a hash.
    Create {
        #[arg(long, value_parser = ["ingest", "analyst", "admin"])]
        role: String,
        /// Who or what the token is for (kept in the store and audit log).
        #[arg(long, default_value = "")]
        label: String,
        #[arg(long, default_value = "unmask.db")]
        db: PathBuf,
    },
}

/// The scoring file if one is given, else the defaults.
fn load_scoring(path: Option<&std::path::Path>) -> Result<unmask_score::ScoringFile, String> {
    path.map_or(
        Ok(unmask_score::ScoringFile::default()),
        unmask_score::ScoringFile::load,
    )
}

fn read_json<T: serde::de::DeserializeOwned>(p: &std::path::Path) -> Result<T, String> {
    let f = std::fs::File::open(p).map_err(|e| format!("cannot open {}: {e}", p.display()))?;
    serde_json::from_reader(std::io::BufReader::new(f))
        .map_err(|e| format!("{} is not valid: {e}", p.display()))
}

fn main() -> ExitCode {
    // Piped into `head`, exit quietly like other Unix tools instead of
    // panicking on a closed stdout.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any
    // thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Scan {
            dir,
            out,
            max_record_bytes,
            quiet,
            data_dir,
            scoring,
            fit,
        } => match (
            load_scoring(scoring.as_deref()),
            fit.as_deref()
                .map(read_json::<unmask_pipeline::LinkFit>)
                .transpose(),
        ) {
            (Err(e), _) | (_, Err(e)) => Err(e),
            _ if !dir.is_dir() => Err(format!("{} is not a directory", dir.display())),
            (Ok(scoring), Ok(fit)) => match unmask_pipeline::scan(
                &dir,
                &out,
                max_record_bytes,
                quiet,
                &data_dir.unwrap_or_else(unmask_refdata::store::default_data_dir),
                &scoring,
                fit.as_ref(),
            ) {
                Ok(o) => {
                    unmask_pipeline::print_summary(&o, &out);
                    if o.summary.accepted() == 0 {
                        eprintln!(
                            "error: nothing usable was read from {} (see {}/rejected.jsonl)",
                            dir.display(),
                            out.display()
                        );
                        return ExitCode::from(2);
                    }
                    // The process ends here: its memory goes back whole,
                    // not a million findings one allocation at a time.
                    std::mem::forget(o);
                    Ok(())
                }
                Err(e) => Err(format!("scan failed: {e}")),
            },
        },
        Command::Data { cmd } => data::run(cmd),
        Command::Link(args) => link::run(args),
        Command::Screen(args) => screen::run(args),
        Command::ScreenEval(args) => screen::eval(args),
        Command::Serve {
            db,
            bind,
            data_dir,
            scoring,
            retention_days,
            max_body_mib,
            max_batch,
            body_timeout,
            rate,
            tls_cert,
            tls_key,
        } => load_scoring(scoring.as_deref()).and_then(|scoring| {
            unmask_serve::run(unmask_serve::Config {
                db,
                bind,
                data_dir: data_dir.unwrap_or_else(unmask_refdata::store::default_data_dir),
                scoring,
                limits: unmask_serve::Limits {
                    body_bytes: max_body_mib << 20,
                    max_batch,
                    per_second: rate,
                    burst: 2.0 * rate,
                    body_read: std::time::Duration::from_secs(body_timeout),
                },
                retention: retention_days.map(|d| std::time::Duration::from_secs(d * 86_400)),
                tls: tls_cert
                    .zip(tls_key)
                    .map(|(cert, key)| unmask_serve::tls::Tls { cert, key }),
            })
        }),
        Command::Token {
            action: TokenAction::Create { role, label, db },
        } => (|| {
            let store = unmask_serve::store::Store::open(&db)?;
            let role = unmask_serve::auth::Role::parse(&role).ok_or("unknown role")?;
            let token = unmask_serve::auth::create(&store, role, &label)?;
            println!("{token}");
            eprintln!(
                "a {} token for {}: shown once, stored as a hash in {}",
                role.name(),
                if label.is_empty() {
                    "(no label)"
                } else {
                    &label
                },
                db.display()
            );
            Ok(())
        })(),
        Command::Demo {
            size,
            seed,
            events,
            out,
            generate_only,
            data_dir,
            scoring,
        } => load_scoring(scoring.as_deref()).and_then(|scoring| {
            demo(
                size,
                seed,
                events,
                &out,
                generate_only,
                &data_dir.unwrap_or_else(unmask_refdata::store::default_data_dir),
                &scoring,
            )
        }),
        Command::Eval {
            truth,
            findings,
            json,
        } => (|| {
            let t: unmask_model::truth::Truth = read_json(&truth)?;
            let f: unmask_model::findings::Findings = read_json(&findings)?;
            let r = unmask_eval::evaluate(&t, &f);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&r).map_err(|e| e.to_string())?
                );
            } else {
                print!("{}", unmask_eval::render(&r));
            }
            Ok(())
        })(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn demo(
    size: usize,
    seed: u64,
    events: Option<u64>,
    out: &std::path::Path,
    generate_only: bool,
    data_dir: &std::path::Path,
    scoring: &unmask_score::ScoringFile,
) -> Result<(), String> {
    let t = std::time::Instant::now();
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let g = unmask_demo::generate(
        out,
        &unmask_demo::Options {
            size,
            seed,
            login_events: events,
        },
    )
    .map_err(|e| format!("demo generation failed: {e}"))?;
    println!(
        "demo world (seed {seed}): {} applications, {} workers, {} sign-in events → {} ({:.1} s)",
        g.applications,
        g.workers,
        g.login_events,
        g.workspace.display(),
        t.elapsed().as_secs_f64()
    );
    if generate_only {
        return Ok(());
    }
    let o = unmask_pipeline::scan(
        &g.workspace,
        out,
        unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
        false,
        data_dir,
        scoring,
        None,
    )
    .map_err(|e| format!("scan failed: {e}"))?;
    unmask_pipeline::print_summary(&o, out);
    let truth: unmask_model::truth::Truth = read_json(&g.truth)?;
    println!("\nevaluation against {}:", g.truth.display());
    print!(
        "{}",
        unmask_eval::render(&unmask_eval::evaluate(&truth, &o.findings))
    );
    println!("\nopen {}/report.html to read the evidence.", out.display());
    Ok(())
}

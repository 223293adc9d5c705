//! `unmask serve`: the scan as a service, for the people who act on it.
//!
//! - [`store`]: the case store (one SQLite file, WAL, versioned schema):
//!   records as received, tokens (hashed), dispositions, the audit log,
//!   the latest findings.
//! - [`engine`]: the store's records through the same pipeline as
//!   `unmask scan`, with confirmed cases' identifiers as known-bad.
//! - [`api`]: `/v1` — ingest (single or batched, idempotent by record id,
//!   per-record errors), findings, actors, personas, dispositions,
//!   erasure, audit, search; every route needs a token of a role.
//! - [`ui`]: the analyst's pages, server-rendered HTML from the same
//!   binary: alert queue, actor page with its graph, disposition form.
//!
//! Writes mark the store ahead of the last scan; a background task rescans
//! when it is, coalescing bursts, and `POST /v1/applications` of one
//! application waits for a scan that includes it. Scans after the first
//! are incremental over the last full one (see [`engine`]).

pub mod api;
pub mod auth;
pub mod engine;
pub mod openapi;
pub mod store;
pub mod tls;
pub mod ui;

use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use unmask_model::findings::{ActorFinding, Findings};

#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest request body.
    pub body_bytes: usize,
    /// Most records in one batch.
    pub max_batch: usize,
    /// Requests per second per token, sustained, and the burst allowed.
    pub per_second: f64,
    pub burst: f64,
    /// How long a request's body may take to arrive: a client that sends
    /// part of one and then nothing would otherwise hold its connection
    /// (and the server's stop) for as long as it likes.
    pub body_read: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 32 << 20,
            max_batch: 50_000,
            per_second: 500.0,
            burst: 1000.0,
            body_read: Duration::from_secs(30),
        }
    }
}

pub struct Config {
    pub db: PathBuf,
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub scoring: unmask_score::ScoringFile,
    pub limits: Limits,
    /// Records older than this are deleted (checked hourly).
    pub retention: Option<Duration>,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<tls::Tls>,
}

/// A token bucket per token.
pub struct Limiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(l: &Limits) -> Limiter {
        Limiter {
            per_second: l.per_second,
            burst: l.burst,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn allow(&self, token: i64) -> bool {
        let mut b = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let (level, at) = b.entry(token).or_insert((self.burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *level >= 1.0 {
            *level -= 1.0;
            true
        } else {
            false
        }
    }
}

pub struct State {
    pub store: Arc<store::Store>,
    pub engine: Arc<engine::Engine>,
    pub limits: Limits,
    pub limiter: Limiter,
    /// How many writes the store has seen, and the count the findings
    /// below were scanned at.
    written: AtomicU64,
    /// When the last write came (ms since the epoch): background rescans
    /// wait for a pause in a burst of writes.
    last_write_ms: AtomicU64,
    scanned: tokio::sync::Mutex<(u64, Option<Arc<Findings>>)>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl State {
    pub fn new(store: Arc<store::Store>, engine: engine::Engine, limits: Limits) -> State {
        State {
            store,
            engine: Arc::new(engine),
            limiter: Limiter::new(&limits),
            limits,
            written: AtomicU64::new(1),
            last_write_ms: AtomicU64::new(0),
            scanned: tokio::sync::Mutex::new((0, None)),
        }
    }

    /// Notes a write; returns the write's number.
    pub fn mark_written(&self) -> u64 {
        self.last_write_ms.store(now_ms(), Ordering::SeqCst);
        self.written.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Findings that include every write up to `at`: the current ones, or
    /// a new scan (one at a time; a scan covers every write before it).
    pub async fn scanned_after(&self, at: u64) -> Result<Arc<Findings>, String> {
        self.scan_after(at, false).await
    }

    /// As [`State::scanned_after`]; `background` scans at low priority
    /// ([`at_low_priority`]): the background's scans after a burst of
    /// writes may be full ones, and should not take the cores from the
    /// ingest still going on.
    async fn scan_after(&self, at: u64, background: bool) -> Result<Arc<Findings>, String> {
        let mut s = self.scanned.lock().await;
        if s.0 >= at
            && let Some(f) = &s.1
        {
            return Ok(f.clone());
        }
        let covers = self.written.load(Ordering::SeqCst);
        let engine = self.engine.clone();
        // Let go of the findings first: the scan then splices into them in
        // place rather than copying them (readers that hold them still keep
        // theirs).
        s.1 = None;
        let f = if background {
            at_low_priority(move || engine.rescan())
                .await
                .ok_or_else(|| "the scan stopped".to_string())??
        } else {
            tokio::task::spawn_blocking(move || engine.rescan())
                .await
                .map_err(|e| format!("scan task: {e}"))??
        };
        *s = (covers, Some(f.clone()));
        Ok(f)
    }

    /// The latest findings, scanning if the store has changed since.
    pub async fn current(&self) -> Result<Arc<Findings>, String> {
        self.scanned_after(self.written.load(Ordering::SeqCst))
            .await
    }
}

/// The decisions recorded on this actor's personas, oldest first: those on
/// an actor whose personas then included all of these. (Actors are keyed
/// by their personas, not their ids, which change when their members do.)
pub fn decisions_on<'a>(
    ds: &'a [store::Disposition],
    a: &'a ActorFinding,
) -> impl DoubleEndedIterator<Item = &'a store::Disposition> + 'a {
    ds.iter()
        .filter(|d| d.subject_kind == "actor" && a.members.iter().all(|m| d.members.contains(m)))
}

/// The benign disposition that dismisses this actor, if any: the latest
/// decision on its personas, when that is benign. A new persona joining
/// brings the actor back.
pub fn dismissed<'a>(
    ds: &'a [store::Disposition],
    a: &'a ActorFinding,
) -> Option<&'a store::Disposition> {
    decisions_on(ds, a)
        .rev()
        .find(|d| d.status != "needs_review")
        .filter(|d| d.status == "benign")
}

/// Actors by risk, highest first (ties by id).
pub fn actors_by_risk(f: &Findings) -> Vec<&ActorFinding> {
    let mut by_risk: Vec<&ActorFinding> = f.actors.iter().collect();
    by_risk.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.id.cmp(&b.id)));
    by_risk
}

/// Deletes a persona's personal data; returns how many records went.
pub fn erase_persona(store: &store::Store, id: &str) -> Result<usize, String> {
    let mut removed = 0;
    let mut logins: Vec<String> = vec![];
    for kind in ["applications", "workers"] {
        if let Some(body) = store.record(kind, id)? {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&body) {
                for f in ["login", "email"] {
                    if let Some(s) = v[f].as_str() {
                        logins.push(s.trim().to_ascii_lowercase());
                    }
                }
            }
            removed += store.delete_record(kind, id)? as usize;
        }
    }
    // Payroll rows of the worker, and sign-ins by its login.
    let mut doomed: Vec<(&str, String)> = vec![];
    store.each_record("payroll", |rid, _| {
        if rid.split('|').next() == Some(id) {
            doomed.push(("payroll", rid.to_string()));
        }
        Ok(())
    })?;
    if !logins.is_empty() {
        for kind in ["okta", "auth"] {
            store.each_record(kind, |rid, body| {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(body) {
                    let who = [
                        &v["actor"]["alternateId"],
                        &v["user"]["email_addr"],
                        &v["user"]["name"],
                    ]
                    .iter()
                    .filter_map(|x| x.as_str())
                    .any(|s| logins.contains(&s.trim().to_ascii_lowercase()));
                    if who {
                        doomed.push((kind, rid.to_string()));
                    }
                }
                Ok(())
            })?;
        }
    }
    for (kind, rid) in doomed {
        removed += store.delete_record(kind, &rid)? as usize;
    }
    store.forget_in_dispositions(id)?;
    Ok(removed)
}

/// Personas whose application or worker record mentions `text` (case
/// ignored), at most 50.
pub fn search(state: &State, text: &str) -> Result<Vec<String>, String> {
    let needle = text.trim().to_lowercase();
    if needle.len() < 2 {
        return Ok(vec![]);
    }
    let mut hits = vec![];
    for kind in ["applications", "workers"] {
        state.store.each_record(kind, |id, body| {
            if hits.len() < 50
                && (id.to_lowercase().contains(&needle) || body.to_lowercase().contains(&needle))
            {
                hits.push(id.to_string());
            }
            Ok(())
        })?;
    }
    // Assets name their worker.
    state.store.each_record("assets", |_, body| {
        if hits.len() < 50
            && body.to_lowercase().contains(&needle)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(body)
            && let Some(w) = v["assigned_to"].as_str()
            && !hits.iter().any(|h| h == w)
        {
            hits.push(w.to_string());
        }
        Ok(())
    })?;
    Ok(hits)
}

pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(api::openapi))
        .route("/v1/findings", get(api::findings))
        .route("/v1/actors", get(api::actors))
        .route("/v1/actors/{id}", get(api::actor))
        .route("/v1/personas/{id}", get(api::persona).delete(api::erase))
        .route("/v1/dispositions", post(api::dispositions))
        .route("/v1/audit", get(api::audit))
        .route("/v1/search", get(api::search))
        .route("/v1/{kind}", post(api::ingest))
        .merge(ui::routes())
        .route("/", get(|| async { axum::response::Redirect::to("/ui") }))
        // The size is `body_in_time`'s to check, with the time; axum's own
        // limit (2 MB unless set) would be a second one.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_in_time,
        ))
        .with_state(state)
}

/// Reads a request's body before its handler, within
/// [`Limits::body_read`] and [`Limits::body_bytes`]: 408 if it does not
/// arrive in time, 413 if it is too large.
async fn body_in_time(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let refuse = |status: axum::http::StatusCode, error: String| {
        (status, axum::Json(serde_json::json!({ "error": error }))).into_response()
    };
    let (parts, body) = request.into_parts();
    let limits = &state.limits;
    let read = tokio::time::timeout(
        limits.body_read,
        axum::body::to_bytes(body, limits.body_bytes),
    )
    .await;
    match read {
        Ok(Ok(bytes)) => {
            next.run(axum::extract::Request::from_parts(parts, bytes.into()))
                .await
        }
        Ok(Err(e)) => {
            let too_large =
                std::iter::successors(Some(&e as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .any(|e| e.is::<http_body_util::LengthLimitError>());
            if too_large {
                refuse(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is over {} bytes", limits.body_bytes),
                )
            } else {
                refuse(
                    axum::http::StatusCode::BAD_REQUEST,
                    format!("the body could not be read: {e}"),
                )
            }
        }
        Err(_) => refuse(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within {} s",
                limits.body_read.as_secs_f64()
            ),
        ),
    }
}

/// Builds the state for a store and starts the background work (rescans
/// after writes, retention).
pub fn start(config: &Config) -> Result<Arc<State>, String> {
    let store = Arc::new(store::Store::open(&config.db)?);
    let engine = engine::Engine::new(
        store.clone(),
        config.data_dir.clone(),
        config.scoring.clone(),
    );
    let filled = engine.fill_subjects()?;
    if filled > 0 {
        eprintln!("unmask serve: {filled} stored record(s) indexed by login, host or worker");
    }
    Ok(Arc::new(State::new(store, engine, config.limits.clone())))
}

/// Runs the service until interrupted.
pub async fn serve(config: Config) -> Result<(), String> {
    let state = start(&config)?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let shown_db = if state.store.is_postgres() {
        "PostgreSQL".to_string()
    } else {
        config.db.display().to_string()
    };
    spawn_background(state.clone(), config.retention);
    // Interrupted or terminated (a service manager's stop, `kill`): the
    // server stops taking connections, and those in flight have
    // [`STOP_GRACE`] to finish.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        let _ = stopping.send(true);
    });
    let signalled = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let stop = signalled(stopped.clone());
    // A request may wait on a scan (two minutes, at a million personas)
    // or a client may never finish sending: neither holds the stop.
    let grace = {
        let stopped = stopped.clone();
        async move {
            signalled(stopped).await;
            tokio::time::sleep(STOP_GRACE).await;
        }
    };
    let engine = state.engine.clone();
    let served = match &config.tls {
        Some(t) => {
            let acceptor = tls::acceptor(t)?;
            eprintln!("unmask serve: listening on https://{addr} (store {shown_db})");
            let served = axum::serve(
                tls::TlsListener {
                    tcp: listener,
                    acceptor,
                },
                router(state),
            )
            .with_graceful_shutdown(stop);
            tokio::select! {
                r = served => r.map_err(|e| e.to_string()),
                _ = grace => Ok(()),
            }
        }
        None => {
            eprintln!("unmask serve: listening on http://{addr} (store {shown_db})");
            if !addr.ip().is_loopback() {
                eprintln!(
                    "note: listening beyond this machine without TLS: give --tls-cert and --tls-key, or put it behind a TLS proxy"
                );
            }
            let served = axum::serve(listener, router(state)).with_graceful_shutdown(stop);
            tokio::select! {
                r = served => r.map_err(|e| e.to_string()),
                _ = grace => Ok(()),
            }
        }
    };
    engine.remove_scratch();
    served
}

/// Runs `work` on a thread of its own at a lower CPU priority (nice 10,
/// which the threads it starts inherit): a full scan of a large store
/// takes both cores for a minute, and requests scored meanwhile should
/// have them first. `None` if it panicked.
async fn at_low_priority<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("unmask-refresh".into())
        .spawn(move || {
            // SAFETY: setpriority only reads its arguments; on Linux, `who`
            // 0 with PRIO_PROCESS is the calling thread. Failing leaves the
            // priority as it was, which is only slower for requests.
            #[cfg(target_os = "linux")]
            unsafe {
                libc::setpriority(libc::PRIO_PROCESS, 0, 10);
            }
            let _ = tx.send(work());
        });
    match spawned {
        Ok(_) => rx.await.ok(),
        Err(e) => {
            eprintln!("unmask serve: cannot start a thread: {e}");
            None
        }
    }
}

/// Rescans after writes (every 2 s at most) and applies retention hourly.
pub fn spawn_background(state: Arc<State>, retention: Option<Duration>) {
    // The middle scan of the records since the base, on a loop of its own:
    // a full scan of a large store takes a minute or more, and records
    // keep coming meanwhile.
    let m = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tick.tick().await;
            if m.engine.wants_mid() {
                let engine = m.engine.clone();
                match at_low_priority(move || engine.scan_mid()).await {
                    Some(Err(e)) => eprintln!("unmask serve: the middle scan failed: {e}"),
                    None => eprintln!("unmask serve: the middle scan stopped"),
                    Some(Ok(())) => {}
                }
            }
        }
    });
    let s = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(2));
        loop {
            tick.tick().await;
            // Not in the middle of a burst of writes: the scan would be
            // stale at once, and would take the cores from ingest.
            let pause = now_ms().saturating_sub(s.last_write_ms.load(Ordering::SeqCst)) >= 1500;
            // A new base now and then (the incremental path re-reads every
            // record since the last, and keeps its fit); under a steady
            // stream of writes, once far behind, if anyone is asking for
            // scores meanwhile.
            let asked = s.engine.far_behind() && s.engine.asked_since_base();
            if s.engine.wants_refresh() && (pause || asked) {
                let engine = s.engine.clone();
                match at_low_priority(move || engine.full_scan()).await {
                    Some(Err(e)) => eprintln!("unmask serve: scan failed: {e}"),
                    None => eprintln!("unmask serve: the background scan stopped"),
                    Some(Ok(_)) => {}
                }
            }
            if !pause {
                continue;
            }
            let latest = s.written.load(Ordering::SeqCst);
            if let Err(e) = s.scan_after(latest, true).await {
                eprintln!("unmask serve: scan failed: {e}");
            }
        }
    });
    if let Some(keep) = retention {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let cutoff = std::time::SystemTime::now()
                    .checked_sub(keep)
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_millis() as i64);
                match state.store.expire_records(cutoff) {
                    Ok(gone) if !gone.is_empty() => {
                        let _ = state.store.audit(
                            None,
                            "retention",
                            &format!("{} record(s) past retention deleted", gone.len()),
                        );
                        state.mark_written();
                    }
                    Ok(_) => {}
                    Err(e) => eprintln!("unmask serve: retention failed: {e}"),
                }
            }
        });
    }
}

/// Whether `UNMASK_DEBUG_SERVE` is set: the service then prints each
/// scan's and each ingest batch's timings.
pub(crate) fn debugging() -> bool {
    static SET: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *SET.get_or_init(|| std::env::var_os("UNMASK_DEBUG_SERVE").is_some())
}

/// How long requests in flight at a stop have to finish.
pub const STOP_GRACE: Duration = Duration::from_secs(5);

/// [`serve`] on a runtime of its own, for the command line. A scan still
/// running when it returns is not waited for (the runtime would wait for
/// it: minutes, at a million personas); its workspace is already gone.
pub fn run(config: Config) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let served = runtime.block_on(serve(config));
    runtime.shutdown_timeout(Duration::from_millis(100));
    served
}

/// The PostgreSQL database the tests use, when there is one
/// (`UNMASK_TEST_POSTGRES`, a `postgres://` URL; `.ci/run` starts a server
/// on loopback and sets it). Each call gives a fresh database.
#[doc(hidden)]
pub fn test_postgres_url() -> Option<String> {
    let base = std::env::var("UNMASK_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())?;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "unmask_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut admin = postgres::Client::connect(&base, postgres::NoTls)
        .unwrap_or_else(|e| panic!("UNMASK_TEST_POSTGRES is set but cannot connect: {e}"));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("cannot create a test database: {e}"));
    // The same server and user, the new database.
    let (head, _) = base.rsplit_once('/').unwrap_or((&base, ""));
    Some(format!("{head}/{name}"))
}

//! The scan behind the service: the store's records through the same
//! pipeline `unmask scan` runs, and what each kind of record is.
//!
//! A *full scan* writes the store out as a workspace in the data
//! contract's layout (one JSON Lines file per kind; a kind's file is
//! rewritten only when the store says its records changed) and scans it
//! whole, keeping the identity graph, the actors and the fit it made: the
//! *base*. After it, a change is scored *incrementally*, under the base's
//! fit, in three layers:
//!
//! - the records received since the base are held in memory, read from
//!   the store a few at a time as they come (from a cursor that no write
//!   in flight can slip behind, [`Store::settled_ms`]);
//! - the background scans them alone now and then: the *middle*
//!   ([`Mid`]), with its relations; a request scans alone only the
//!   records since the middle, and looks up in the middle's relations
//!   which earlier ones the new ones reach;
//! - the new records and those they reach are scanned alone, where they
//!   attach to the base graph is looked up
//!   ([`unmask_pipeline::Relations::closure_of_added`]), the records of
//!   that closure are fetched from the store by id and by subject and
//!   scanned, and their findings spliced over the latest.
//!
//! That gives what a full scan of the store under the base's fit gives
//! (tested in `tests/api.rs`); a full scan refits. Deletions (erasure,
//! retention), a new confirmed case (its identifiers become known-bad) or
//! more than [`MAX_ADDED`] records since the base take a full scan, and
//! the background refreshes the base after [`REFRESH_AFTER`] or
//! [`REFRESH_ADDED`] records.
//! `UNMASK_DEBUG_SERVE` prints each scan's timings ([`crate::debugging`]).

use crate::store::Store;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use unmask_model::findings::Findings;

/// What the API accepts, the workspace file each kind becomes, and how a
/// record of it is identified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Applications,
    Workers,
    Assets,
    Payroll,
    Okta,
    Ocsf,
    Osquery,
    Keystrokes,
}

pub const KINDS: [Kind; 8] = [
    Kind::Applications,
    Kind::Workers,
    Kind::Assets,
    Kind::Payroll,
    Kind::Okta,
    Kind::Ocsf,
    Kind::Osquery,
    Kind::Keystrokes,
];

impl Kind {
    /// The path segment of `/v1/…` and the store's kind.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Applications => "applications",
            Kind::Workers => "workers",
            Kind::Assets => "assets",
            Kind::Payroll => "payroll",
            Kind::Okta => "okta",
            Kind::Ocsf => "auth",
            Kind::Osquery => "osquery",
            Kind::Keystrokes => "keystrokes",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        KINDS.into_iter().find(|k| k.name() == s)
    }

    fn file(self) -> &'static str {
        match self {
            Kind::Applications => "applications.jsonl",
            Kind::Workers => "workers.jsonl",
            Kind::Assets => "assets.jsonl",
            Kind::Payroll => "payroll.jsonl",
            Kind::Okta => "okta.jsonl",
            Kind::Ocsf => "auth.jsonl",
            Kind::Osquery => "osquery.jsonl",
            Kind::Keystrokes => "keystrokes.jsonl",
        }
    }

    /// The ingest kind a workspace file of this kind is read as.
    fn input(self) -> unmask_ingest::InputKind {
        use unmask_ingest::InputKind as I;
        match self {
            Kind::Applications => I::Applications,
            Kind::Workers => I::Workers,
            Kind::Assets => I::Assets,
            Kind::Payroll => I::Payroll,
            Kind::Okta => I::Okta,
            Kind::Ocsf => I::Ocsf,
            Kind::Osquery => I::Osquery,
            Kind::Keystrokes => I::Keystrokes,
        }
    }

    /// Checks a record (its JSON text as sent) and gives its id and whom
    /// it is about (see [`Identified::subject`]). The typed records are
    /// read as the scan will read them, so that a record the scan would set
    /// aside is refused here, with the reason; events are only looked into
    /// for their id and subject.
    pub fn identify(self, raw: &str) -> Result<Identified, String> {
        let id = self.id_of(raw)?;
        let subject = match self {
            Kind::Applications | Kind::Workers | Kind::Assets => None,
            Kind::Payroll => id.split('|').next().map(str::to_string),
            _ => unmask_ingest::event_subject(self.input(), raw.as_bytes()),
        };
        Ok(Identified { id, subject })
    }

    /// The contract's id field, or for events without one the SHA-256 of
    /// the record as sent.
    fn id_of(self, raw: &str) -> Result<String, String> {
        if !raw.trim_start().starts_with('{') {
            return Err("a record is a JSON object".into());
        }
        fn typed<T: serde::de::DeserializeOwned>(raw: &str) -> Result<(), String> {
            serde_json::from_str::<T>(raw)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
        match self {
            Kind::Applications => typed::<unmask_model::Application>(raw)?,
            Kind::Workers => typed::<unmask_model::Worker>(raw)?,
            Kind::Assets => typed::<unmask_model::Asset>(raw)?,
            Kind::Payroll => typed::<unmask_model::Payroll>(raw)?,
            _ => {}
        }
        let ids: Ids = serde_json::from_str(raw).map_err(|e| e.to_string())?;
        let text = |v: &Option<Value>| -> Option<String> {
            match v.as_ref()? {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        };
        match self {
            Kind::Applications => {
                text(&ids.application_id).ok_or_else(|| "no application_id".into())
            }
            Kind::Workers => text(&ids.worker_id).ok_or_else(|| "no worker_id".into()),
            Kind::Assets => text(&ids.asset_id).ok_or_else(|| "no asset_id".into()),
            Kind::Payroll => Ok(format!(
                "{}|{}|{}",
                text(&ids.worker_id).unwrap_or_default(),
                text(&ids.effective_date).unwrap_or_default(),
                text(&ids.account).unwrap_or_default()
            )),
            Kind::Okta => text(&ids.uuid).ok_or_else(|| "an Okta event without uuid".into()),
            Kind::Ocsf => Ok(ids
                .metadata
                .and_then(|m| text(&m.uid))
                .unwrap_or_else(|| digest(raw))),
            Kind::Osquery | Kind::Keystrokes => Ok(digest(raw)),
        }
    }
}

/// A record's id, and whom it is about: a payroll row's worker, an event's
/// login or host as a scan of part of the store selects them (the
/// store's `subject`, by which an incremental scan fetches them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identified {
    pub id: String,
    pub subject: Option<String>,
}

/// The fields records are identified by; serde skips the rest unread.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Ids {
    application_id: Option<Value>,
    worker_id: Option<Value>,
    asset_id: Option<Value>,
    effective_date: Option<Value>,
    account: Option<Value>,
    uuid: Option<Value>,
    metadata: Option<Meta>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct Meta {
    uid: Option<Value>,
}

fn digest(raw: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(raw.trim().as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The identifiers in an application or worker record as received, as
/// (kind, value in lower case): contacts, accounts (`wallet` for crypto
/// payouts), devices, IPs, references' contacts, home and ship-to
/// addresses. What the UI draws, and where a confirmed case's known-bad
/// identifiers come from.
pub fn identifiers(v: &Value) -> Vec<(&'static str, String)> {
    let mut out = vec![];
    let mut push = |kind: &'static str, x: &Value| {
        if let Some(s) = x.as_str().map(str::trim).filter(|s| !s.is_empty()) {
            out.push((kind, s.to_lowercase()));
        }
    };
    for (field, kind) in [("emails", "e-mail"), ("phones", "phone")] {
        for x in v[field].as_array().into_iter().flatten() {
            push(kind, x);
        }
    }
    for (field, kind) in [
        ("email", "e-mail"),
        ("login", "login"),
        ("ip", "IP"),
        ("application_ip", "IP"),
        ("device_fingerprint", "device"),
        ("photo_phash", "photo"),
    ] {
        push(kind, &v[field]);
    }
    for p in v["payment"].as_array().into_iter().flatten() {
        let kind = if p["method"].as_str() == Some("crypto") {
            "wallet"
        } else {
            "account"
        };
        push(kind, &p["account"]);
    }
    for r in v["references"].as_array().into_iter().flatten() {
        push("reference e-mail", &r["email"]);
        push("reference phone", &r["phone"]);
    }
    for (field, kind) in [("address", "home"), ("shipping_address", "ship-to")] {
        let a = &v[field];
        let parts: Vec<&str> = ["line1", "city", "postcode", "country"]
            .iter()
            .filter_map(|k| a[*k].as_str())
            .collect();
        if !parts.is_empty() {
            out.push((kind, parts.join(", ").to_lowercase()));
        }
    }
    out
}

/// Records received since the base beyond which a change is scored by a
/// full scan in the request's path (the background replaces the base long
/// before: see [`REFRESH_ADDED`]).
pub const MAX_ADDED: i64 = 200_000;

/// How old a base may grow, with changes since it, before the background
/// replaces it with a full scan (which also refits).
pub const REFRESH_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

/// How many records since the base an incremental scan may hold before
/// the background replaces the base, however young.
pub const REFRESH_ADDED: u64 = 20_000;

/// How many records an incremental scan may read before the background
/// replaces the base, however young: groups that meet are scanned together
/// again, and around the demo's fraud network, under a steady stream of
/// applications, they grow until a new base takes them in.
pub const REFRESH_READ: u64 = 10_000;

/// How many times at most a full scan scores what came during it before
/// it takes over (each round scores what came during the last).
const CATCH_UP_ROUNDS: usize = 4;

/// How many records since the middle scan ([`Mid`]) make the background
/// scan them again: each incremental scan scans these alone.
pub const MID_AFTER: usize = 300;

/// The last full scan, which incremental scans add to.
struct Base {
    kept: unmask_pipeline::Kept,
    relations: unmask_pipeline::Relations,
    findings: Arc<Findings>,
    /// The reference data it was scanned with.
    intel: Arc<unmask_refdata::Intel>,
    /// Records received from this time on (ms) may not be in it.
    since_ms: i64,
    /// When it was made.
    made: std::time::Instant,
    /// The store's deletions and the store's change counts, and the
    /// known-bad rows it was scanned with.
    deletions: u64,
    changes: Vec<u64>,
    known_bad: Vec<(String, String, String)>,
}

/// What incremental scans over one base have done.
struct Since {
    base: std::sync::Arc<Base>,
    /// Every record received since the base, as last read, by kind and id;
    /// and the ids of those about each subject (a payroll row's worker, an
    /// event's login or host).
    rows: std::collections::HashMap<(Kind, String), Row>,
    about: std::collections::HashMap<(Kind, String), std::collections::BTreeSet<String>>,
    /// The next read takes the records received from this time on (see
    /// [`Store::settled_ms`]).
    cursor_ms: i64,
    /// Records read and not yet scored (new, or with a new body); and
    /// those not in the middle scan as it holds them (these among them).
    pending: std::collections::HashSet<(Kind, String)>,
    past: std::collections::HashSet<(Kind, String)>,
    /// Added records scored together, and their closure.
    groups: Vec<Group>,
    /// The base's findings with every group's spliced over them. Shared
    /// with the service's readers; spliced in place when they have let go
    /// (`Arc::make_mut`), copied only when one still holds it.
    findings: Arc<Findings>,
    /// The records since the base as the background last scanned them.
    mid: Option<Arc<Mid>>,
}

/// A record received since the base.
struct Row {
    body: Arc<str>,
    digest: u64,
    subject: Option<String>,
}

/// The records received since the base, up to a point, scanned alone
/// under the base's fit by the background, with the relations of their
/// graph: where a new record relates to one of them is looked up here,
/// so that an incremental scan scans alone only the records received
/// since this one (at most about [`MID_AFTER`]), not all since the base.
struct Mid {
    kept: unmask_pipeline::Kept,
    relations: unmask_pipeline::Relations,
    /// The records it holds, with the digest of the body it holds.
    digests: std::collections::HashMap<(Kind, String), u64>,
}

struct Group {
    records: unmask_pipeline::Records,
    closure: unmask_pipeline::Closure,
}

impl Since {
    fn new(base: Arc<Base>) -> Since {
        Since {
            cursor_ms: base.since_ms,
            findings: base.findings.clone(),
            base,
            rows: Default::default(),
            about: Default::default(),
            pending: Default::default(),
            past: Default::default(),
            groups: vec![],
            mid: None,
        }
    }

    /// Reads the records received since the last read; `false` when the
    /// records since the base are more than [`MAX_ADDED`].
    fn read(&mut self, store: &Store) -> Result<bool, String> {
        // Before the read: what is received from then on is read again
        // next time (and, unchanged, found scored).
        let settled = store.settled_ms();
        for kind in KINDS {
            let left = MAX_ADDED - self.rows.len() as i64;
            let Some(rows) = store.records_since(kind.name(), self.cursor_ms, left.max(0))? else {
                return Ok(false);
            };
            for crate::store::Received { id, body, subject } in rows {
                let digest = fnv64(body.as_bytes());
                let key = (kind, id);
                if self.rows.get(&key).is_some_and(|r| r.digest == digest) {
                    continue;
                }
                if let Some(s) = &subject {
                    self.about
                        .entry((kind, s.clone()))
                        .or_default()
                        .insert(key.1.clone());
                }
                if let Some(old) = self.rows.get(&key)
                    && let Some(s) = &old.subject
                    && subject.as_ref() != Some(s)
                    && let Some(ids) = self.about.get_mut(&(kind, s.clone()))
                {
                    ids.remove(&key.1);
                }
                self.pending.insert(key.clone());
                self.past.insert(key.clone());
                self.rows.insert(
                    key,
                    Row {
                        body: body.into(),
                        digest,
                        subject,
                    },
                );
            }
        }
        self.cursor_ms = settled;
        Ok(true)
    }

    /// The records since the base that make up `records`, as workspace
    /// files; the workers their payroll rows are of come along from the
    /// store when they are not among them, so that a scan sees the rows as
    /// theirs.
    fn files_of(
        &self,
        store: &Store,
        records: &unmask_pipeline::Records,
    ) -> Result<Vec<(Kind, Vec<(String, Arc<str>)>)>, String> {
        let by_id = |kind: Kind, ids: &std::collections::HashSet<String, _>| {
            let mut v: Vec<(String, Arc<str>)> = ids
                .iter()
                .filter_map(|id| {
                    let r = self.rows.get(&(kind, id.clone()))?;
                    Some((id.clone(), r.body.clone()))
                })
                .collect();
            v.sort();
            v
        };
        let about = |kind: Kind, subjects: &std::collections::HashSet<String, _>| {
            let mut v: Vec<(String, Arc<str>)> = subjects
                .iter()
                .flat_map(|s| self.about.get(&(kind, s.clone())).into_iter().flatten())
                .filter_map(|id| {
                    let r = self.rows.get(&(kind, id.clone()))?;
                    Some((id.clone(), r.body.clone()))
                })
                .collect();
            v.sort();
            v
        };
        let mut workers = by_id(Kind::Workers, &records.workers);
        let payroll = about(Kind::Payroll, &records.workers);
        let mut missing: Vec<String> = records
            .workers
            .iter()
            .filter(|w| !self.rows.contains_key(&(Kind::Workers, (*w).clone())))
            .cloned()
            .collect();
        missing.sort();
        if !missing.is_empty() {
            workers.extend(
                store
                    .records_by_id("workers", missing)?
                    .into_iter()
                    .map(|(id, body)| (id, Arc::from(body))),
            );
        }
        Ok(vec![
            (
                Kind::Applications,
                by_id(Kind::Applications, &records.applications),
            ),
            (Kind::Workers, workers),
            (Kind::Assets, by_id(Kind::Assets, &records.assets)),
            (Kind::Payroll, payroll),
            (Kind::Okta, about(Kind::Okta, &records.logins)),
            (Kind::Ocsf, about(Kind::Ocsf, &records.logins)),
            (Kind::Osquery, about(Kind::Osquery, &records.hosts)),
        ])
    }

    /// Every record since the base as workspace files, and the digest of
    /// each: what a middle scan scans.
    #[allow(clippy::type_complexity)]
    fn everything(
        &self,
        store: &Store,
    ) -> Result<
        (
            Vec<(Kind, Vec<(String, Arc<str>)>)>,
            std::collections::HashMap<(Kind, String), u64>,
        ),
        String,
    > {
        let mut all = unmask_pipeline::Records::default();
        for (key, row) in &self.rows {
            Since::as_records(key, row, &mut all);
        }
        let digests = self
            .rows
            .iter()
            .map(|(k, r)| (k.clone(), r.digest))
            .collect();
        Ok((self.files_of(store, &all)?, digests))
    }

    /// A middle scan made of these records as they were: what is past it
    /// is what has changed since, and what is not yet scored.
    fn take_mid(&mut self, mid: Mid) {
        let (rows, pending) = (&self.rows, &self.pending);
        self.past.retain(|k| {
            pending.contains(k) || mid.digests.get(k) != rows.get(k).map(|r| &r.digest)
        });
        self.mid = Some(Arc::new(mid));
    }

    /// A record since the base, as the records a graph knows it by.
    fn as_records(key: &(Kind, String), row: &Row, into: &mut unmask_pipeline::Records) {
        let (kind, id) = key;
        match kind {
            Kind::Applications => into.applications.insert(id.clone()),
            Kind::Workers => into.workers.insert(id.clone()),
            Kind::Assets => into.assets.insert(id.clone()),
            // A worker's payroll is part of the worker.
            Kind::Payroll => row.subject.clone().is_some_and(|w| into.workers.insert(w)),
            Kind::Okta | Kind::Ocsf => row.subject.clone().is_some_and(|l| into.logins.insert(l)),
            Kind::Osquery => row.subject.clone().is_some_and(|h| into.hosts.insert(h)),
            Kind::Keystrokes => false,
        };
    }
}

pub struct Engine {
    pub store: std::sync::Arc<Store>,
    pub data_dir: PathBuf,
    pub scoring: unmask_score::ScoringFile,
    /// The reference data (the sanctions index alone takes half a second
    /// to build) with the known-bad rows of confirmed cases added to the
    /// user's own lists: loaded by the first full scan and again only when
    /// those rows change. Shared, not locked, by scans: a full scan of a
    /// large store holds it for a minute, and incremental scans go on.
    intel: std::sync::Mutex<Option<(Vec<(String, String, String)>, Arc<unmask_refdata::Intel>)>>,
    /// The workspace the last scan read, kept: each kind's file with the
    /// store's change count it was written at, so that a scan after new
    /// applications rewrites applications.jsonl and not the sign-ins.
    workspace: std::sync::Mutex<Option<Workspace>>,
    /// Where that workspace is, apart from its lock (a full scan holds the
    /// lock for minutes): removed at shutdown, which does not wait for it.
    /// At a million personas it is 6 GB, and a service stopped without
    /// removing it left that behind each time.
    scratch: std::sync::Mutex<Option<PathBuf>>,
    base: std::sync::Mutex<Option<std::sync::Arc<Base>>>,
    since: std::sync::Mutex<Option<Since>>,
    /// How many full and incremental scans have run.
    full_scans: std::sync::atomic::AtomicU64,
    incremental_scans: std::sync::atomic::AtomicU64,
    /// How many records the last incremental scan found since the middle
    /// scan.
    past_mid: std::sync::atomic::AtomicU64,
    mid_scans: std::sync::atomic::AtomicU64,
    /// How many records the last incremental scan read.
    last_read: std::sync::atomic::AtomicU64,
    /// `incremental_scans` when the base was installed: whether anyone
    /// has asked for scores since.
    incremental_at_base: std::sync::atomic::AtomicU64,
    /// [`Store::stored`] when the base's scan began: how many records
    /// came since, whether or not any scan has read them.
    stored_at_base: std::sync::atomic::AtomicU64,
}

struct Workspace {
    dir: tempfile::TempDir,
    written: std::collections::HashMap<Kind, u64>,
}

impl Engine {
    pub fn new(
        store: std::sync::Arc<Store>,
        data_dir: PathBuf,
        scoring: unmask_score::ScoringFile,
    ) -> Engine {
        Engine {
            store,
            intel: std::sync::Mutex::new(None),
            workspace: std::sync::Mutex::new(None),
            scratch: std::sync::Mutex::new(None),
            base: std::sync::Mutex::new(None),
            since: std::sync::Mutex::new(None),
            full_scans: Default::default(),
            incremental_scans: Default::default(),
            past_mid: Default::default(),
            mid_scans: Default::default(),
            last_read: Default::default(),
            incremental_at_base: Default::default(),
            stored_at_base: Default::default(),
            data_dir,
            scoring,
        }
    }

    /// Findings of everything in the store: incrementally over the base
    /// when it can be, else by a full scan.
    pub fn rescan(&self) -> Result<Arc<Findings>, String> {
        match self.incremental()? {
            Some(f) => Ok(f),
            None => self.full_scan(),
        }
    }

    /// How many (full, incremental) scans have run since the service
    /// started.
    pub fn scans(&self) -> (u64, u64) {
        use std::sync::atomic::Ordering::SeqCst;
        (
            self.full_scans.load(SeqCst),
            self.incremental_scans.load(SeqCst),
        )
    }

    /// Removes the full scans' workspace (a scan still running fails).
    pub fn remove_scratch(&self) {
        if let Some(dir) = self
            .scratch
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            && let Err(e) = std::fs::remove_dir_all(&dir)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            eprintln!("unmask serve: cannot remove {}: {e}", dir.display());
        }
    }

    /// How many middle scans have been made since the service started.
    pub fn mid_scans(&self) -> u64 {
        self.mid_scans.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The fit of the base, which incremental scans link under.
    pub fn base_fit(&self) -> Option<unmask_pipeline::LinkFit> {
        let base = self.base.lock().unwrap_or_else(|p| p.into_inner()).clone();
        base.map(|b| b.kept.actors.fit.clone())
    }

    /// Whether the store has been given more than [`REFRESH_ADDED`]
    /// records since the base's scan began, or the last incremental scan
    /// read more than [`REFRESH_READ`]. (Counted from the store, not from
    /// the last incremental scan: after a bulk load no one scored, the
    /// first pause replaces the base rather than leaving the first
    /// request to score the whole load over the old one.)
    pub fn far_behind(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        let added = self
            .store
            .stored()
            .saturating_sub(self.stored_at_base.load(SeqCst));
        added > REFRESH_ADDED || self.last_read.load(SeqCst) > REFRESH_READ
    }

    /// Whether an incremental scan has run since the base was installed:
    /// someone is waiting on scores. A bulk load with no one asking goes
    /// at the store's speed, with no full scans beside it (at a million
    /// personas, back to back, each two minutes of both cores).
    pub fn asked_since_base(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.incremental_scans.load(SeqCst) > self.incremental_at_base.load(SeqCst)
    }

    /// Whether the background should replace the base: the store has
    /// changed since, and the base is older than [`REFRESH_AFTER`] or far
    /// behind ([`Engine::far_behind`]).
    pub fn wants_refresh(&self) -> bool {
        let base = self.base.lock().unwrap_or_else(|p| p.into_inner()).clone();
        base.is_some_and(|b| {
            b.changes != self.changes() && (b.made.elapsed() > REFRESH_AFTER || self.far_behind())
        })
    }

    fn changes(&self) -> Vec<u64> {
        KINDS.iter().map(|k| self.store.changes(k.name())).collect()
    }

    /// Fills in the subject of records stored before the store kept it.
    pub fn fill_subjects(&self) -> Result<usize, String> {
        let mut filled = 0;
        for kind in [
            Kind::Payroll,
            Kind::Okta,
            Kind::Ocsf,
            Kind::Osquery,
            Kind::Keystrokes,
        ] {
            loop {
                let rows = self.store.records_without_subject(kind.name(), 5_000)?;
                if rows.is_empty() {
                    break;
                }
                filled += rows.len();
                let subjects = rows
                    .into_iter()
                    .map(|(id, body)| {
                        let subject = kind.identify(&body).ok().and_then(|r| r.subject);
                        (id, subject)
                    })
                    .collect();
                self.store.set_subjects(kind.name(), subjects)?;
            }
        }
        Ok(filled)
    }

    /// The findings of the store scored over the base, or `None` when
    /// that cannot be done (no base, deletions, new known-bad rows, too
    /// many records since).
    ///
    /// Records already scored since the base are not scanned again unless
    /// a new one reaches them: each scan's records and closure are kept as
    /// a *group*, a new record's group takes in every group its closure's
    /// core meets (or whose records it relates to among the added), and
    /// only that group is scanned and spliced over the latest findings.
    /// Groups that do not meet are independent: no record in one's core is
    /// reached by the other's records.
    ///
    /// The added records a new one relates to are found in two layers: the
    /// records since the [`Mid`] scan, scanned alone here (few: the
    /// background scans the middle again past [`MID_AFTER`]), and the
    /// middle's, looked up in its relations.
    fn incremental(&self) -> Result<Option<Arc<Findings>>, String> {
        // The since before the base, here as where a full scan puts a new
        // one in: the two always go together.
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        let Some(base) = self.base.lock().unwrap_or_else(|p| p.into_inner()).clone() else {
            return Ok(None);
        };
        if self.store.deletions() != base.deletions || self.known_bad()? != base.known_bad {
            return Ok(None);
        }
        if !since.as_ref().is_some_and(|s| Arc::ptr_eq(&s.base, &base)) {
            *since = Some(Since::new(base.clone()));
        }
        let since = since.as_mut().expect("set above");
        if !self.advance(since)? {
            return Ok(None);
        }
        use std::sync::atomic::Ordering::SeqCst;
        self.past_mid.store(since.past.len() as u64, SeqCst);
        self.incremental_scans.fetch_add(1, SeqCst);
        Ok(Some(since.findings.clone()))
    }

    /// Reads what the store received since `since` last did and scores
    /// it over `since.base`; `false` when the records since the base are
    /// more than [`MAX_ADDED`].
    fn advance(&self, since: &mut Since) -> Result<bool, String> {
        let t0 = std::time::Instant::now();
        if !since.read(&self.store)? {
            return Ok(false);
        }
        if since.pending.is_empty() {
            return Ok(true);
        }
        let t_since = t0.elapsed();
        let base = since.base.clone();
        // What is new since the last scan: records not scored, or scored
        // with another body.
        let mut fresh = unmask_pipeline::Records::default();
        for key in &since.pending {
            Since::as_records(key, &since.rows[key], &mut fresh);
        }
        let dir = tempfile::tempdir().map_err(|e| format!("no room for a scan: {e}"))?;
        // Added records scanned alone, their graph kept.
        let scan_alone = |name: &str, files: &[(Kind, Vec<(String, Arc<str>)>)]| {
            self.scan_under(&base, &dir.path().join(name), files, true)?
                .kept
                .ok_or_else(|| "a scan of added records kept no graph".to_string())
        };
        // The records past the middle, alone: which of them the fresh ones
        // reach among themselves, and where they attach to the middle.
        let mut past_records = unmask_pipeline::Records::default();
        for key in &since.past {
            Since::as_records(key, &since.rows[key], &mut past_records);
        }
        let tail = scan_alone("past", &since.files_of(&self.store, &past_records)?)?;
        let t_past = t0.elapsed();
        let d = &tail.graph;
        // The fresh records apart, each with what it reaches among the
        // added (and what its findings read whole there: its relations to
        // the base are as much the group's); those that meet, together.
        // Requests come in bursts and one scan scores a burst, but the
        // records of a burst are most often strangers: scored as one
        // group, a burst with one record near the fraud network merged all
        // of it into that network's group, and every burst after into it.
        let among = unmask_pipeline::Relations::new(d, &tail.actors);
        let reach = |of: &unmask_pipeline::Records| {
            let mut r = of.clone();
            let c = among.closure(d, &tail.actors, &of.nodes_in(d));
            r.extend(&c.core);
            r.extend(&c.unmoved);
            if let Some(mid) = &since.mid {
                let c = mid.relations.closure_of_added(
                    &mid.kept.graph,
                    &mid.kept.actors,
                    &tail,
                    Some(&r),
                );
                r.extend(&c.core);
                r.extend(&c.unmoved);
            }
            r
        };
        let mut groups: Vec<unmask_pipeline::Records> = if fresh.len() <= APART_MAX {
            fresh.each().map(|one| reach(&one)).collect()
        } else {
            vec![reach(&fresh)]
        };
        join_meeting(&mut groups);
        let t_among = t0.elapsed();
        // Take in every earlier group each meets, until none meets another;
        // their records alone show where they attach to the base.
        let mut scans = 0;
        // Earlier groups that meet one only where one reads whole what the
        // other moves: taken in only if the part shows a level they read
        // moved (else, at a million personas, every group that read one
        // of the demo's farms whole was merged into one of 65,000 records).
        let mut touching: Vec<Vec<Group>> = vec![];
        let (closures, closure, part) = loop {
            let mut all = unmask_pipeline::Records::default();
            for g in &groups {
                all.extend(g);
            }
            let alone = scan_alone(
                &format!("group{scans}"),
                &since.files_of(&self.store, &all)?,
            )?;
            scans += 1;
            let closures: Vec<unmask_pipeline::Closure> = groups
                .iter()
                .map(|g| {
                    base.relations.closure_of_added(
                        &base.kept.graph,
                        &base.kept.actors,
                        &alone,
                        Some(g),
                    )
                })
                .collect();
            // (Two of them that move one record need not be one group:
            // they are scanned together now, and a later group that takes
            // in either comes, by its closure, to meet the other's core.)
            let mut merged = false;
            touching.resize_with(groups.len(), Vec::new);
            let mut earlier = std::mem::take(&mut since.groups);
            for t in &mut touching {
                earlier.append(t);
            }
            for g in earlier {
                let meets = (0..groups.len()).find(|&i| {
                    g.records.meets(&groups[i]) || g.closure.core.meets(&closures[i].core)
                });
                let touches = (0..groups.len()).find(|&i| {
                    g.closure.unmoved.meets(&closures[i].core)
                        || g.closure.core.meets(&closures[i].unmoved)
                });
                match (meets, touches) {
                    (Some(i), _) => {
                        groups[i].extend(&g.records);
                        merged = true;
                    }
                    (None, Some(i)) => touching[i].push(g),
                    (None, None) => since.groups.push(g),
                }
            }
            if merged {
                continue;
            }
            let mut closure = unmask_pipeline::Closure::default();
            for c in &closures {
                closure.join(c);
            }
            let part = self.scan_under(
                &base,
                &dir.path().join(format!("part{scans}")),
                &self.files_of_closure(&closure)?,
                false,
            )?;
            // A level a group moves that a touching one reads whole, or one
            // it reads whole that a touching one moved (and the part,
            // without its records, gives otherwise): scanned together
            // after all.
            let before = &since.findings;
            for (i, ts) in touching.iter_mut().enumerate() {
                for g in std::mem::take(ts) {
                    let c = &closures[i];
                    if levels_differ(before, &part.findings, &g.closure.unmoved, &c.core)
                        || levels_differ(before, &part.findings, &g.closure.core, &c.unmoved)
                    {
                        groups[i].extend(&g.records);
                        merged = true;
                    } else {
                        ts.push(g);
                    }
                }
            }
            if !merged {
                break (closures, closure, part);
            }
        };
        for t in touching {
            since.groups.extend(t);
        }
        let t_part = t0.elapsed();
        let read_len = closure.read().len();
        self.last_read
            .store(read_len as u64, std::sync::atomic::Ordering::SeqCst);
        unmask_pipeline::splice(Arc::make_mut(&mut since.findings), &part.findings, &closure);
        let t_spliced = t0.elapsed();
        since.pending.clear();
        let n_groups = groups.len();
        for (records, closure) in groups.into_iter().zip(closures) {
            since.groups.push(Group { records, closure });
        }
        if crate::debugging() {
            eprintln!(
                "incremental: {} since the base, {} past the middle, closure read {} records, \
                 {n_groups} new of {} groups, {scans} group scans; since {t_since:?} past {t_past:?} among {t_among:?} \
                 part {t_part:?} spliced {t_spliced:?} total {:?}",
                since.rows.len(),
                since.past.len(),
                read_len,
                since.groups.len(),
                t0.elapsed()
            );
        }
        Ok(true)
    }

    /// These records scanned alone under the base's fit, in a workspace
    /// at `ws` (its findings beside it); `keep`, their graph kept.
    fn scan_under<B: AsRef<str>>(
        &self,
        base: &Base,
        ws: &std::path::Path,
        files: &[(Kind, Vec<(String, B)>)],
        keep: bool,
    ) -> Result<unmask_pipeline::ScanOutcome, String> {
        write_workspace(ws, files)?;
        unmask_pipeline::scan_with(
            ws,
            &ws.with_extension("out"),
            unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
            true,
            &base.intel,
            &self.data_dir,
            &self.scoring,
            Some(&base.kept.actors.fit),
            unmask_pipeline::Part { only: None, keep },
        )
        .map_err(|e| format!("scan failed: {e}"))
    }

    /// The records of a closure as workspace files, fetched from the store
    /// by id, and payroll, sign-ins and osquery rows by subject.
    fn files_of_closure(
        &self,
        closure: &unmask_pipeline::Closure,
    ) -> Result<Vec<(Kind, Vec<(String, String)>)>, String> {
        let read = closure.read();
        let sorted = |s: &std::collections::HashSet<String, _>| {
            let mut v: Vec<String> = s.iter().cloned().collect();
            v.sort();
            v
        };
        let store = &self.store;
        Ok(vec![
            (
                Kind::Applications,
                store.records_by_id("applications", sorted(&read.applications))?,
            ),
            (
                Kind::Workers,
                store.records_by_id("workers", sorted(&read.workers))?,
            ),
            (
                Kind::Assets,
                store.records_by_id("assets", sorted(&read.assets))?,
            ),
            (
                Kind::Payroll,
                store.records_about("payroll", sorted(&read.workers))?,
            ),
            (
                Kind::Okta,
                store.records_about("okta", sorted(&read.logins))?,
            ),
            (
                Kind::Ocsf,
                store.records_about("auth", sorted(&read.logins))?,
            ),
            (
                Kind::Osquery,
                store.records_about("osquery", sorted(&read.hosts))?,
            ),
        ])
    }

    /// Whether the records since the middle scan are more than
    /// [`MID_AFTER`]: the background should scan the middle again.
    pub fn wants_mid(&self) -> bool {
        self.past_mid.load(std::sync::atomic::Ordering::SeqCst) > MID_AFTER as u64
    }

    /// Scans every record received since the base alone, as the middle
    /// that incremental scans look new records up in. The records are
    /// taken as the last incremental scan read them; the scan runs without
    /// holding them, and is dropped if the base changed meanwhile.
    pub fn scan_mid(&self) -> Result<(), String> {
        let (base, files, digests) = {
            let since = self.since.lock().unwrap_or_else(|p| p.into_inner());
            let Some(since) = since.as_ref() else {
                return Ok(());
            };
            let (files, digests) = since.everything(&self.store)?;
            (since.base.clone(), files, digests)
        };
        let mid = self.mid_of(&base, &files, digests)?;
        let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(since) = since.as_mut()
            && Arc::ptr_eq(&since.base, &base)
        {
            since.take_mid(mid);
            self.past_mid
                .store(since.past.len() as u64, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    }

    /// The middle scan of these records under the base's fit.
    fn mid_of(
        &self,
        base: &Base,
        files: &[(Kind, Vec<(String, Arc<str>)>)],
        digests: std::collections::HashMap<(Kind, String), u64>,
    ) -> Result<Mid, String> {
        let t0 = std::time::Instant::now();
        let dir = tempfile::tempdir().map_err(|e| format!("no room for a scan: {e}"))?;
        let kept = self
            .scan_under(base, &dir.path().join("mid"), files, true)?
            .kept
            .ok_or_else(|| "the middle scan kept no graph".to_string())?;
        let relations = unmask_pipeline::Relations::new(&kept.graph, &kept.actors);
        self.mid_scans
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if crate::debugging() {
            eprintln!(
                "middle: {} records in {:?}",
                files.iter().map(|f| f.1.len()).sum::<usize>(),
                t0.elapsed()
            );
        }
        Ok(Mid {
            kept,
            relations,
            digests,
        })
    }

    /// Scans everything in the store and makes it the base; saves and
    /// returns the findings.
    pub fn full_scan(&self) -> Result<Arc<Findings>, String> {
        let t0 = std::time::Instant::now();
        // Before anything is read: a record received from now on may be
        // missing from this scan, and the incremental path will add it.
        let stored = self.store.stored();
        let since_ms = self.store.settled_ms();
        let deletions = self.store.deletions();
        let changes = self.changes();
        // One scan at a time holds the workspace (and the reference data
        // below; the service runs them one at a time anyway).
        let mut ws = self.workspace.lock().unwrap_or_else(|p| p.into_inner());
        if ws.is_none() {
            let dir = tempfile::tempdir().map_err(|e| format!("no room for a scan: {e}"))?;
            std::fs::create_dir_all(dir.path().join("workspace")).map_err(|e| e.to_string())?;
            *self.scratch.lock().unwrap_or_else(|p| p.into_inner()) = Some(dir.path().into());
            *ws = Some(Workspace {
                dir,
                written: Default::default(),
            });
        }
        let ws = ws.as_mut().expect("made above");
        let workspace = ws.dir.path().join("workspace");
        for kind in KINDS {
            // Taken before reading: a change during the read outdates it.
            let changes = self.store.changes(kind.name());
            if ws.written.get(&kind) == Some(&changes) {
                continue;
            }
            ws.written.remove(&kind);
            let path = workspace.join(kind.file());
            if self.store.count_records(kind.name())? == 0 {
                match std::fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(format!("cannot remove {}: {e}", path.display())),
                }
            } else {
                let file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
                let mut w = std::io::BufWriter::new(file);
                self.store.each_record(kind.name(), |_, body| {
                    w.write_all(body.as_bytes())?;
                    w.write_all(b"\n")
                })?;
                w.flush().map_err(|e| e.to_string())?;
            }
            ws.written.insert(kind, changes);
        }
        let t_written = t0.elapsed();
        let out = ws.dir.path().join("out");
        let known_bad = self.known_bad()?;
        let intel = self.intel_with(&known_bad);
        let o = unmask_pipeline::scan_with(
            &workspace,
            &out,
            unmask_ingest::DEFAULT_MAX_RECORD_BYTES,
            true,
            &intel,
            &self.data_dir,
            &self.scoring,
            None,
            unmask_pipeline::Part {
                only: None,
                keep: true,
            },
        )
        .map_err(|e| format!("scan failed: {e}"))?;
        let t_scanned = t0.elapsed();
        self.full_scans
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let scanned = Arc::new(o.findings);
        let mut latest = scanned.clone();
        if let Some(kept) = o.kept {
            let relations = unmask_pipeline::Relations::new(&kept.graph, &kept.actors);
            let base = Arc::new(Base {
                kept,
                relations,
                findings: scanned.clone(),
                intel,
                since_ms,
                made: std::time::Instant::now(),
                deletions,
                changes,
                known_bad,
            });
            // Caught up before it takes over: what came during the scan
            // (at a million personas, a minute and more of it) is scored
            // here, and a middle scan made of it, not in the first
            // request's path after.
            let mut next = Since::new(base.clone());
            for _ in 0..CATCH_UP_ROUNDS {
                if !next.read(&self.store)? || next.pending.len() <= MID_AFTER {
                    break;
                }
                if !self.advance(&mut next)? {
                    break;
                }
            }
            if next.rows.len() > MID_AFTER {
                let (files, digests) = next.everything(&self.store)?;
                let mid = self.mid_of(&base, &files, digests)?;
                next.take_mid(mid);
            }
            // Findings of its own, copied here from the base's: else the
            // first request's splice would copy them (seconds, at a
            // million personas).
            Arc::make_mut(&mut next.findings);
            let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
            let mut installed = self.base.lock().unwrap_or_else(|p| p.into_inner());
            use std::sync::atomic::Ordering::SeqCst;
            self.past_mid.store(next.past.len() as u64, SeqCst);
            self.last_read.store(0, SeqCst);
            self.incremental_at_base
                .store(self.incremental_scans.load(SeqCst), SeqCst);
            self.stored_at_base.store(stored, SeqCst);
            latest = next.findings.clone();
            *since = Some(next);
            *installed = Some(base);
        }
        let t_caught_up = t0.elapsed();
        // The full scan's own findings are saved (for a restart's first
        // answers), not the latest: those are the requests' to splice, and
        // a minute's serialising would hold them.
        let json = serde_json::to_string(&*scanned).map_err(|e| e.to_string())?;
        self.store.save_findings(&json)?;
        if crate::debugging() {
            eprintln!(
                "rescan: written {:?} scanned {:?} caught up {:?} saved {:?} stages {:?}",
                t_written,
                t_scanned,
                t_caught_up,
                t0.elapsed(),
                o.timings
            );
        }
        Ok(latest)
    }

    /// The reference data with these known-bad rows added to the user's
    /// lists: the last one made, when they have not changed.
    fn intel_with(&self, known_bad: &[(String, String, String)]) -> Arc<unmask_refdata::Intel> {
        let mut last = self.intel.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((rows, intel)) = last.as_ref()
            && rows == known_bad
        {
            return intel.clone();
        }
        let mut intel = unmask_refdata::Intel::load(&self.data_dir);
        let mut unusable = 0;
        for (kind, value, note) in known_bad {
            unusable += intel.lists.add(kind, value, note).is_err() as usize;
        }
        if unusable > 0 {
            eprintln!(
                "unmask serve: {unusable} identifier(s) of confirmed cases are not usable as known-bad"
            );
        }
        let intel = Arc::new(intel);
        *last = Some((known_bad.to_vec(), intel.clone()));
        intel
    }

    /// The e-mails, phones and wallets of personas in actors confirmed as
    /// fraud, as known-bad list rows.
    fn known_bad(&self) -> Result<Vec<(String, String, String)>, String> {
        let mut out = vec![];
        for d in self.store.dispositions()? {
            if d.status != "confirmed_fraud" {
                continue;
            }
            let note = format!("confirmed fraud ({} {})", d.subject_kind, d.subject);
            let members = if d.subject_kind == "actor" {
                d.members.clone()
            } else {
                vec![d.subject.clone()]
            };
            for m in members {
                for kind in ["applications", "workers"] {
                    let Some(body) = self.store.record(kind, &m)? else {
                        continue;
                    };
                    let Ok(v) = serde_json::from_str::<Value>(&body) else {
                        continue;
                    };
                    for (kind, value) in identifiers(&v) {
                        let kind = match kind {
                            "e-mail" => "email",
                            "phone" | "wallet" => kind,
                            _ => continue,
                        };
                        out.push((kind.to_string(), value, note.clone()));
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A workspace of the given records, one file per kind.
fn write_workspace<B: AsRef<str>>(
    dir: &std::path::Path,
    files: &[(Kind, Vec<(String, B)>)],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for (kind, rows) in files.iter().filter(|f| !f.1.is_empty()) {
        let path = dir.join(kind.file());
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(&path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        );
        for (_, body) in rows {
            w.write_all(body.as_ref().as_bytes())
                .map_err(|e| e.to_string())?;
            w.write_all(b"\n").map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// How many fresh records an incremental scan groups apart at most (each
/// takes a lookup over the records past the middle; a catch-up after a
/// full scan has thousands, scored as one group).
const APART_MAX: usize = 64;

/// Joins the sets of records that meet, until no two do.
fn join_meeting(sets: &mut Vec<unmask_pipeline::Records>) {
    loop {
        let mut joined = false;
        for i in 0..sets.len() {
            for j in i + 1..sets.len() {
                if !sets[j].is_empty() && sets[i].meets(&sets[j]) {
                    let s = std::mem::take(&mut sets[j]);
                    sets[i].extend(&s);
                    joined = true;
                }
            }
        }
        sets.retain(|s| !s.is_empty());
        if !joined {
            return;
        }
    }
}

/// Whether a persona in both `a` and `b` has another level or risk in
/// `after` than in `before` (lists in id order, as findings are).
fn levels_differ(
    before: &Findings,
    after: &Findings,
    a: &unmask_pipeline::Records,
    b: &unmask_pipeline::Records,
) -> bool {
    let level = |f: &Findings, id: &str, kind: &str| {
        let from = f.personas.partition_point(|p| p.id.as_str() < id);
        f.personas[from..]
            .iter()
            .take_while(|p| p.id == id)
            .find(|p| p.kind == kind)
            .map(|p| (p.level, p.risk))
    };
    let both = |x: &std::collections::HashSet<String, _>,
                y: &std::collections::HashSet<String, _>| {
        let (small, large) = if x.len() <= y.len() { (x, y) } else { (y, x) };
        small
            .iter()
            .filter(|id| large.contains(*id))
            .cloned()
            .collect::<Vec<String>>()
    };
    both(&a.applications, &b.applications)
        .iter()
        .any(|id| level(before, id, "application") != level(after, id, "application"))
        || both(&a.workers, &b.workers)
            .iter()
            .any(|id| level(before, id, "worker") != level(after, id, "worker"))
}

/// FNV-1a of a record's body: whether a record scored before has changed.
fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

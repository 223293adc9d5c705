//! Ingest on two threads. One thread does all the reading — discovery,
//! framing, parsing, rejects, duplicate ids, exactly as on one thread —
//! into a [`Stager`], which packs what a sink would receive into batches.
//! The caller's thread replays the batches into the real sink in the order
//! they were read, so the graph, its ids and every output are the same as
//! a single-threaded run; only parsing and building overlap.
//!
//! Sign-ins are the volume (tens of millions), so their strings are copied
//! into one text buffer per batch instead of being allocated one by one.

use crate::{Options, Origin, Progress, Reject, Sink, Summary, read_workspace_serial};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use unmask_model::{
    Application, Asset, HostRow, KeystrokeSample, LoginEvent, LoginSource, Payroll, Timestamp,
    Worker,
};

/// Records per batch: large enough that the channel costs nothing per
/// record, small enough that the builder starts at once.
const BATCH: usize = 4096;
/// Batches in flight: bounds memory when the builder is the slower side.
const IN_FLIGHT: usize = 8;

/// A string of a batch's text buffer: start and length, or absent.
#[derive(Clone, Copy)]
struct Span(u32, u32);
const NONE: Span = Span(u32::MAX, 0);

struct StagedLogin {
    source: LoginSource,
    at: Timestamp,
    user: Span,
    ip: Span,
    user_agent: Span,
    country: Span,
    city: Span,
    device: Span,
    success: bool,
    is_proxy: Option<bool>,
}

enum Item {
    /// The records after this come from this file.
    File(String),
    // Boxed: a sign-in is the common item and should not be as large as
    // an application.
    Application(Box<Application>, u64),
    Worker(Box<Worker>, u64),
    Asset(Box<Asset>, u64),
    Payroll(Box<Payroll>, u64),
    Login(StagedLogin, u64),
    Host(HostRow, u64),
    Keystroke(KeystrokeSample, u64),
    Reject(Reject),
}

#[derive(Default)]
struct Batch {
    items: Vec<Item>,
    text: String,
    /// Lines to move every line number on by: the batch was parsed from a
    /// chunk of a file that starts after that many lines.
    lines: u64,
}

impl Batch {
    fn put(&mut self, s: Option<&str>) -> Span {
        match s {
            None => NONE,
            Some(s) => {
                let start = self.text.len() as u32;
                self.text.push_str(s);
                Span(start, s.len() as u32)
            }
        }
    }
}

/// A sink that packs what it receives into batches: sent to the builder's
/// thread (`tx`), or kept (`kept`) to be replayed later.
pub(crate) struct Stager {
    tx: Option<SyncSender<Batch>>,
    kept: Vec<Batch>,
    batch: Batch,
    file: String,
    /// The builder hung up (it panicked): stop sending, let reading end.
    closed: bool,
    prepare_application: Option<fn(&mut Application)>,
}

impl Stager {
    fn push(&mut self, at: &Origin, item: impl FnOnce(&mut Batch, u64) -> Item) {
        if at.file != self.file {
            self.file.clone_from(&at.file);
            self.batch.items.push(Item::File(at.file.clone()));
        }
        let it = item(&mut self.batch, at.line);
        self.batch.items.push(it);
        if self.batch.items.len() >= BATCH {
            self.flush();
        }
    }
    fn flush(&mut self) {
        if self.batch.items.is_empty() {
            return;
        }
        match &self.tx {
            Some(tx) if !self.closed => {
                self.closed = tx.send(std::mem::take(&mut self.batch)).is_err();
            }
            Some(_) => {}
            None => self.kept.push(std::mem::take(&mut self.batch)),
        }
        self.batch.items.clear();
        self.batch.text.clear();
        self.batch.lines = 0;
    }

    /// A stager that keeps its batches.
    pub(crate) fn keeping() -> Stager {
        Stager {
            tx: None,
            kept: vec![],
            batch: Batch::default(),
            file: String::new(),
            closed: false,
            prepare_application: None,
        }
    }

    /// The kept batches, replayed into `sink` with every line number
    /// moved on by `lines` (the records were read from a chunk of a file
    /// that starts after that many lines).
    pub(crate) fn replay_into<S: Sink + ?Sized>(mut self, sink: &mut S, lines: u64) {
        self.flush();
        let mut at = Origin {
            file: String::new(),
            line: 0,
        };
        for batch in self.kept {
            replay_batch(batch, sink, &mut at, lines, &mut ());
        }
    }
}

impl Sink for Stager {
    fn application(&mut self, mut r: Application, at: &Origin) {
        if let Some(prepare) = self.prepare_application {
            prepare(&mut r);
        }
        self.push(at, |_, l| Item::Application(Box::new(r), l));
    }
    fn worker(&mut self, r: Worker, at: &Origin) {
        self.push(at, |_, l| Item::Worker(Box::new(r), l));
    }
    fn asset(&mut self, r: Asset, at: &Origin) {
        self.push(at, |_, l| Item::Asset(Box::new(r), l));
    }
    fn payroll(&mut self, r: Payroll, at: &Origin) {
        self.push(at, |_, l| Item::Payroll(Box::new(r), l));
    }
    fn login(&mut self, e: &LoginEvent<'_>, at: &Origin) {
        self.push(at, |b, l| {
            Item::Login(
                StagedLogin {
                    source: e.source,
                    at: e.at,
                    user: b.put(Some(e.user)),
                    ip: b.put(e.ip),
                    user_agent: b.put(e.user_agent),
                    country: b.put(e.country),
                    city: b.put(e.city),
                    device: b.put(e.device),
                    success: e.success,
                    is_proxy: e.is_proxy,
                },
                l,
            )
        });
    }
    fn host(&mut self, r: HostRow, at: &Origin) {
        self.push(at, |_, l| Item::Host(r, l));
    }
    fn keystroke(&mut self, r: KeystrokeSample, at: &Origin) {
        self.push(at, |_, l| Item::Keystroke(r, l));
    }
    fn reject(&mut self, r: Reject) {
        let at = Origin {
            file: r.file.clone(),
            line: r.line,
        };
        self.push(&at, |_, _| Item::Reject(r));
    }
    /// Passed on whole: the chunk's batches go to the builder as they are,
    /// not copied record by record on this thread.
    fn staged(&mut self, chunk: crate::Staged, lines: u64) {
        let mut chunk = chunk.0;
        chunk.flush();
        self.flush();
        for mut batch in chunk.kept {
            batch.lines += lines;
            self.batch = batch;
            self.flush();
        }
        // The chunk's batches named their file; what follows is from it.
        self.file = chunk.file;
    }
}

/// The reading thread's progress: bytes read, for the builder's thread to
/// pass on (progress bars are not shared across threads).
#[derive(Default)]
struct Counted {
    total: AtomicU64,
    read: AtomicU64,
}
struct CountedRef<'a>(&'a Counted);
impl Progress for CountedRef<'_> {
    fn start(&mut self, total: u64) {
        self.0.total.store(total, Ordering::Relaxed);
    }
    fn advance(&mut self, n: u64) {
        self.0.read.fetch_add(n, Ordering::Relaxed);
    }
}

fn replay(
    rx: Receiver<Batch>,
    sink: &mut dyn Sink,
    progress: &mut dyn Progress,
    counted: &Counted,
) {
    let mut at = Origin {
        file: String::new(),
        line: 0,
    };
    let (mut started, mut reported) = (false, 0u64);
    for batch in rx {
        if !started {
            progress.start(counted.total.load(Ordering::Relaxed));
            started = true;
        }
        replay_batch(batch, sink, &mut at, 0, progress);
        let read = counted.read.load(Ordering::Relaxed);
        progress.advance(read - reported);
        reported = read;
    }
}

/// One batch into the sink, in order, with line numbers moved on by
/// `lines`; `at` carries the current file from batch to batch.
fn replay_batch<S: Sink + ?Sized>(
    batch: Batch,
    sink: &mut S,
    at: &mut Origin,
    lines: u64,
    progress: &mut dyn Progress,
) {
    let Batch {
        items,
        text,
        lines: own,
    } = batch;
    let lines = lines + own;
    let get = |s: Span| (s.0 != u32::MAX).then(|| &text[s.0 as usize..(s.0 + s.1) as usize]);
    for item in items {
        match item {
            Item::File(f) => {
                progress.file(&f);
                at.file = f;
            }
            Item::Reject(mut r) => {
                r.line += lines;
                sink.reject(r)
            }
            Item::Login(e, line) => {
                at.line = line + lines;
                sink.login(
                    &LoginEvent {
                        source: e.source,
                        at: e.at,
                        user: get(e.user).unwrap_or(""),
                        ip: get(e.ip),
                        user_agent: get(e.user_agent),
                        country: get(e.country),
                        city: get(e.city),
                        device: get(e.device),
                        success: e.success,
                        is_proxy: e.is_proxy,
                    },
                    at,
                );
            }
            Item::Application(r, line) => {
                at.line = line + lines;
                sink.application(*r, at)
            }
            Item::Worker(r, line) => {
                at.line = line + lines;
                sink.worker(*r, at)
            }
            Item::Asset(r, line) => {
                at.line = line + lines;
                sink.asset(*r, at)
            }
            Item::Payroll(r, line) => {
                at.line = line + lines;
                sink.payroll(*r, at)
            }
            Item::Host(r, line) => {
                at.line = line + lines;
                sink.host(r, at)
            }
            Item::Keystroke(r, line) => {
                at.line = line + lines;
                sink.keystroke(r, at)
            }
        }
    }
}

/// [`crate::read_workspace`] with reading and building overlapped.
pub(crate) fn read_workspace_staged(
    dir: &Path,
    sink: &mut dyn Sink,
    progress: &mut dyn Progress,
    opts: &Options,
) -> std::io::Result<Summary> {
    let counted = Counted::default();
    let (tx, rx) = sync_channel::<Batch>(IN_FLIGHT);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut stager = Stager {
                tx: Some(tx),
                prepare_application: opts.prepare_application,
                ..Stager::keeping()
            };
            let summary = read_workspace_serial(dir, &mut stager, &mut CountedRef(&counted), opts);
            stager.flush();
            summary
        });
        replay(rx, sink, progress, &counted);
        match reader.join() {
            Ok(summary) => summary,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every call a sink receives, in order, as text.
    #[derive(Default)]
    struct Log(Vec<String>);
    impl Sink for Log {
        fn application(&mut self, r: Application, at: &Origin) {
            self.0.push(format!("app {} {at:?}", r.application_id));
        }
        fn worker(&mut self, r: Worker, at: &Origin) {
            self.0.push(format!("worker {} {at:?}", r.worker_id));
        }
        fn asset(&mut self, r: Asset, at: &Origin) {
            self.0.push(format!("asset {} {at:?}", r.asset_id));
        }
        fn payroll(&mut self, r: Payroll, at: &Origin) {
            self.0.push(format!("pay {} {at:?}", r.worker_id));
        }
        fn login(&mut self, e: &LoginEvent<'_>, at: &Origin) {
            self.0.push(format!("login {e:?} {at:?}"));
        }
        fn host(&mut self, r: HostRow, at: &Origin) {
            self.0.push(format!("host {r:?} {at:?}"));
        }
        fn keystroke(&mut self, r: KeystrokeSample, at: &Origin) {
            self.0.push(format!("keys {} {at:?}", r.subject));
        }
        fn reject(&mut self, r: Reject) {
            self.0.push(format!("reject {r:?}"));
        }
    }

    #[test]
    fn the_sink_sees_what_one_thread_would_give_it_in_the_same_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut apps = String::new();
        for i in 0..5000 {
            apps.push_str(&format!(
                "{{\"application_id\": \"a{i}\", \"submitted_at\": \"2026-03-01T10:00:00Z\", \"full_name\": \"P {i}\"}}\n"
            ));
            if i % 997 == 0 {
                apps.push_str("{\"application_id\": \"a1\", \"submitted_at\": \"2026-03-01T10:00:00Z\"}\n{broken\n");
            }
        }
        std::fs::write(dir.path().join("applications.jsonl"), apps).unwrap();
        let mut okta = String::new();
        for i in 0..9000 {
            okta.push_str(&format!(
                "{{\"published\": \"2026-04-01T09:{:02}:00Z\", \"actor\": {{\"type\": \"User\", \"alternateId\": \"u{}\"}}, \"client\": {{\"ipAddress\": \"81.2.69.{}\", \"geographicalContext\": {{\"country\": \"United Kingdom\", \"city\": null}}}}}}\n",
                i % 60,
                i % 37,
                i % 250
            ));
            if i % 3001 == 0 {
                okta.push_str("{\"published\": \"2026-04-01T09:00:00Z\"}\n");
            }
        }
        std::fs::write(dir.path().join("okta.jsonl"), okta).unwrap();
        std::fs::write(
            dir.path().join("workers.csv"),
            "worker_id,application_id,full_name\nw1,a1,P 1\nw2,a2\n",
        )
        .unwrap();
        let opts = Options::default();
        let (mut one, mut two) = (Log::default(), Log::default());
        let s1 = read_workspace_serial(dir.path(), &mut one, &mut (), &opts).unwrap();
        let s2 = read_workspace_staged(dir.path(), &mut two, &mut (), &opts).unwrap();
        assert!(one.0.len() > 2 * BATCH, "several batches: {}", one.0.len());
        assert!(one.0.iter().any(|l| l.starts_with("reject")));
        assert_eq!(one.0, two.0);
        assert_eq!(format!("{:?}", s1.files), format!("{:?}", s2.files));
    }
}

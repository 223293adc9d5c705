//! Ingest: every input file of the data contract, streamed into a [`Sink`].
//!
//! `read_workspace` finds the files it recognises below a directory,
//! decompresses `.gz`, frames records (JSON lines, JSON arrays, CSV rows),
//! parses each into the contract's types and hands it to the sink. A record
//! that cannot be accepted becomes a [`Reject`] with file, line, field and
//! reason; the run always goes on. Memory does not grow with the input: a
//! few batches of records are in flight at a time.

mod csv_rows;
mod events;
pub mod lines;
mod okta_fields;
mod staged;

use flate2::read::MultiGzDecoder;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use unmask_model::{Application, Asset, HostRow, KeystrokeSample, LoginEvent, Payroll, Worker};

pub use lines::Frame;

/// Largest record accepted, in bytes. Real Okta events are a few KB; a line
/// of megabytes is a broken export, not a person.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1 << 20;

/// Where a record came from: the file relative to the workspace, and the
/// 1-based line its record starts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u64,
}

/// A record set aside, one line of `rejected.jsonl`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
    /// The start of the record as read (lossy UTF-8), to find it by eye.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// Receives what ingest accepts. Events are borrowed: the sink keeps what
/// it needs (aggregates), not the event.
pub trait Sink {
    fn application(&mut self, r: Application, at: &Origin);
    fn worker(&mut self, r: Worker, at: &Origin);
    fn asset(&mut self, r: Asset, at: &Origin);
    fn payroll(&mut self, r: Payroll, at: &Origin);
    fn login(&mut self, e: &LoginEvent<'_>, at: &Origin);
    fn host(&mut self, r: HostRow, at: &Origin);
    fn keystroke(&mut self, r: KeystrokeSample, at: &Origin);
    fn reject(&mut self, r: Reject);
    /// Records a parsing thread already staged, with every line number
    /// moved on by `lines`. A sink that hands records to another thread
    /// passes the chunk on whole; any other takes the records one by one.
    fn staged(&mut self, chunk: Staged, lines: u64) {
        chunk.0.replay_into(self, lines);
    }
}

/// A chunk of records parsed on another thread, for [`Sink::staged`].
pub struct Staged(staged::Stager);

/// Told about bytes read, for a progress bar.
pub trait Progress {
    fn start(&mut self, _total_bytes: u64) {}
    fn file(&mut self, _name: &str) {}
    fn advance(&mut self, _bytes: u64) {}
}
impl Progress for () {}

/// What kind of input a file holds, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputKind {
    Applications,
    Workers,
    Assets,
    Payroll,
    Okta,
    Ocsf,
    Osquery,
    Keystrokes,
}

impl InputKind {
    pub fn name(self) -> &'static str {
        match self {
            InputKind::Applications => "applications",
            InputKind::Workers => "workers",
            InputKind::Assets => "assets",
            InputKind::Payroll => "payroll",
            InputKind::Okta => "okta",
            InputKind::Ocsf => "auth",
            InputKind::Osquery => "osquery",
            InputKind::Keystrokes => "keystrokes",
        }
    }
    fn is_event(self) -> bool {
        matches!(
            self,
            InputKind::Okta | InputKind::Ocsf | InputKind::Osquery | InputKind::Keystrokes
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    JsonLines,
    JsonDocument,
    Csv,
}

#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub rel: String,
    pub kind: InputKind,
    framing: Framing,
    gz: bool,
}

/// Classifies a path (relative to the workspace) by the contract's names.
pub fn classify(rel: &Path) -> Option<(InputKind, bool, &'static str)> {
    let name = rel.file_name()?.to_str()?.to_ascii_lowercase();
    let (stem_ext, gz) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name, false),
    };
    let (stem, ext) = stem_ext.rsplit_once('.')?;
    let parent = rel
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|p| p.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let kind = match (stem, ext) {
        ("applications", "jsonl" | "csv") => InputKind::Applications,
        ("workers", "jsonl" | "csv") => InputKind::Workers,
        ("assets", "jsonl" | "csv") => InputKind::Assets,
        ("payroll", "jsonl" | "csv") => InputKind::Payroll,
        ("okta", "jsonl" | "json") => InputKind::Okta,
        (_, "json" | "jsonl") if parent == "okta" => InputKind::Okta,
        ("auth", "jsonl") => InputKind::Ocsf,
        ("osquery", "jsonl" | "log") => InputKind::Osquery,
        (_, "log" | "jsonl") if parent == "osquery" => InputKind::Osquery,
        ("keystrokes", "jsonl") => InputKind::Keystrokes,
        _ => return None,
    };
    let framing = match ext {
        "csv" => "csv",
        "json" => "json",
        _ => "jsonl",
    };
    Some((kind, gz, framing))
}

/// Every recognised input below `dir`, flat records first (so that a
/// reader of the summary sees personas before events), then by path.
pub fn discover(dir: &Path) -> io::Result<(Vec<InputFile>, Vec<String>)> {
    let mut found = vec![];
    let mut ignored = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            let rel = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(path);
                continue;
            }
            match classify(&rel) {
                Some((kind, gz, framing)) => found.push(InputFile {
                    rel: rel.to_string_lossy().replace('\\', "/"),
                    path,
                    kind,
                    gz,
                    framing: match framing {
                        "csv" => Framing::Csv,
                        "json" => Framing::JsonDocument,
                        _ => Framing::JsonLines,
                    },
                }),
                None => ignored.push(rel.to_string_lossy().into_owned()),
            }
        }
    }
    found.sort_by(|a, b| (a.kind, &a.rel).cmp(&(b.kind, &b.rel)));
    ignored.sort();
    Ok((found, ignored))
}

/// Counts per file and in total.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub ignored: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct FileSummary {
    pub file: String,
    pub kind: &'static str,
    pub accepted: u64,
    pub rejected: u64,
    pub bytes: u64,
}

impl Summary {
    pub fn accepted(&self) -> u64 {
        self.files.iter().map(|f| f.accepted).sum()
    }
    pub fn rejected(&self) -> u64 {
        self.files.iter().map(|f| f.rejected).sum()
    }
    pub fn accepted_of(&self, kinds: &[&str]) -> u64 {
        self.files
            .iter()
            .filter(|f| kinds.contains(&f.kind))
            .map(|f| f.accepted)
            .sum()
    }
}

#[derive(Clone, Debug)]
pub struct Options {
    pub max_record_bytes: usize,
    /// Work on an application the sink would do anyway and that needs
    /// nothing but the record (normalising its phone numbers), done on the
    /// reading thread so that the sink's thread has less to do. It must
    /// leave a record the sink treats exactly as the original.
    pub prepare_application: Option<fn(&mut Application)>,
}
impl Default for Options {
    fn default() -> Self {
        Options {
            prepare_application: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
        }
    }
}

/// Reads every recognised input below `dir` into `sink`. Fails only when
/// `dir` itself cannot be listed; everything else is a [`Reject`]. Reading
/// and parsing run on a thread of their own while the sink builds on the
/// caller's ([`staged`]); the sink sees exactly what, and in the order, a
/// single thread would give it.
pub fn read_workspace(
    dir: &Path,
    sink: &mut dyn Sink,
    progress: &mut dyn Progress,
    opts: &Options,
) -> io::Result<Summary> {
    staged::read_workspace_staged(dir, sink, progress, opts)
}

/// Everything [`read_workspace`] does, on the calling thread.
fn read_workspace_serial(
    dir: &Path,
    sink: &mut dyn Sink,
    progress: &mut dyn Progress,
    opts: &Options,
) -> io::Result<Summary> {
    let (files, ignored) = discover(dir)?;
    let total: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    progress.start(total);
    let mut summary = Summary {
        ignored,
        ..Default::default()
    };
    let mut ids = SeenIds::default();
    for f in &files {
        progress.file(&f.rel);
        let mut counting = Counting {
            sink,
            accepted: 0,
            rejected: 0,
        };
        let bytes = read_file(f, &mut counting, progress, opts, &mut ids);
        summary.files.push(FileSummary {
            file: f.rel.clone(),
            kind: f.kind.name(),
            accepted: counting.accepted,
            rejected: counting.rejected,
            bytes,
        });
    }
    Ok(summary)
}

/// Ids already accepted per record type: a second record with the same id
/// is rejected with a pointer to the first.
#[derive(Default)]
struct SeenIds {
    applications: std::collections::HashMap<String, Origin>,
    workers: std::collections::HashMap<String, Origin>,
    assets: std::collections::HashMap<String, Origin>,
    payroll: HashSet<(String, unmask_model::Day, Option<String>)>,
}

impl SeenIds {
    fn first(
        map: &mut std::collections::HashMap<String, Origin>,
        id: &str,
        at: &Origin,
    ) -> Result<(), String> {
        match map.get(id) {
            Some(first) => Err(format!(
                "duplicate id {id:?}: first seen at {}:{}",
                first.file, first.line
            )),
            None => {
                map.insert(id.to_string(), at.clone());
                Ok(())
            }
        }
    }
}

struct Counting<'s> {
    sink: &'s mut dyn Sink,
    accepted: u64,
    rejected: u64,
}

impl Counting<'_> {
    fn reject(&mut self, at: &Origin, field: Option<String>, reason: String, raw: &[u8]) {
        self.rejected += 1;
        let excerpt = (!raw.is_empty()).then(|| {
            let cut = &raw[..raw.len().min(160)];
            String::from_utf8_lossy(cut).into_owned()
        });
        self.sink.reject(Reject {
            file: at.file.clone(),
            line: at.line,
            field,
            reason,
            excerpt,
        });
    }
}

/// Wraps the file so progress counts bytes on disk (compressed for `.gz`).
struct CountingRead<'p, R> {
    inner: R,
    progress: &'p mut dyn Progress,
    bytes: u64,
}
impl<R: Read> Read for CountingRead<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

const BUF: usize = 256 * 1024;

/// A memory-mapped file as a `BufRead`, reporting progress as it is consumed.
struct MappedRead<'m, 'p> {
    map: &'m memmap2::Mmap,
    data: &'m [u8],
    pos: usize,
    reported: usize,
    released: usize,
    progress: &'p mut dyn Progress,
}

/// Pages already read are released every this many bytes, so resident
/// memory stays flat however large the file is.
const RELEASE_EVERY: usize = 128 << 20;
impl Read for MappedRead<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (&self.data[self.pos..]).read(buf)?;
        self.consume(n);
        Ok(n)
    }
}
impl BufRead for MappedRead<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(&self.data[self.pos..])
    }
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.data.len());
        if self.pos - self.reported >= 1 << 20 || self.pos == self.data.len() {
            self.progress.advance((self.pos - self.reported) as u64);
            self.reported = self.pos;
        }
        // Keep a margin behind the read position: the current record may
        // still be borrowed from just before it.
        let upto = self.pos.saturating_sub(1 << 20) & !0xFFFF;
        if upto >= self.released + RELEASE_EVERY {
            // SAFETY: a private read-only file mapping: dropping its pages
            // only means they are read from the file again if touched, and
            // nothing before `upto` is touched again.
            let _ = unsafe {
                self.map.unchecked_advise_range(
                    memmap2::UncheckedAdvice::DontNeed,
                    self.released,
                    upto - self.released,
                )
            };
            self.released = upto;
        }
    }
}

fn read_file(
    f: &InputFile,
    out: &mut Counting,
    progress: &mut dyn Progress,
    opts: &Options,
    ids: &mut SeenIds,
) -> u64 {
    let at0 = Origin {
        file: f.rel.clone(),
        line: 0,
    };
    let file = match File::open(&f.path) {
        Ok(file) => file,
        Err(e) => {
            out.reject(&at0, None, format!("cannot open file: {e}"), b"");
            return 0;
        }
    };
    // Plain files are memory-mapped: the kernel's copy into a read buffer
    // was a quarter of ingest time on large Okta exports.
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let map = if !f.gz && len > 0 && file.metadata().is_ok_and(|m| m.is_file()) {
        // SAFETY: the map is read-only and private to this function. A file
        // truncated by another process while mapped can fault; exports are
        // not modified while they are scanned (ripgrep makes the same call).
        unsafe { memmap2::MmapOptions::new().map(&file) }.ok()
    } else {
        None
    };
    if let Some(m) = &map {
        let _ = m.advise(memmap2::Advice::Sequential);
        // Sign-in exports are the volume: parsed in chunks on every core.
        if f.framing == Framing::JsonLines && matches!(f.kind, InputKind::Okta | InputKind::Ocsf) {
            let before = (out.accepted, out.rejected);
            read_sign_ins_in_chunks(f, m, out, progress, opts.max_record_bytes);
            if (out.accepted, out.rejected) == before {
                out.reject(&at0, None, "file is empty: no records".into(), b"");
            }
            return len;
        }
    }
    let mut mapped;
    let mut counted;
    let reader: Box<dyn BufRead + '_> = match &map {
        Some(m) => {
            mapped = MappedRead {
                map: m,
                data: m,
                pos: 0,
                reported: 0,
                released: 0,
                progress,
            };
            Box::new(&mut mapped)
        }
        None => {
            counted = CountingRead {
                inner: file,
                progress,
                bytes: 0,
            };
            if f.gz {
                Box::new(BufReader::with_capacity(
                    BUF,
                    MultiGzDecoder::new(BufReader::with_capacity(BUF, &mut counted)),
                ))
            } else {
                Box::new(BufReader::with_capacity(BUF, &mut counted))
            }
        }
    };
    let before = (out.accepted, out.rejected);
    let result = match f.framing {
        Framing::Csv => csv_rows::read(reader, f, out, opts, ids),
        Framing::JsonLines => read_frames(
            f,
            out,
            ids,
            opts.max_record_bytes,
            &mut lines::LineReader::new(reader, opts.max_record_bytes),
        ),
        Framing::JsonDocument => read_frames(
            f,
            out,
            ids,
            opts.max_record_bytes,
            &mut lines::ObjectSplitter::new(reader, opts.max_record_bytes),
        ),
    };
    if let Err(e) = result {
        let reason = if e.kind() == io::ErrorKind::InvalidInput
            || e.to_string().contains("gzip")
            || e.to_string().contains("deflate")
        {
            format!("file unreadable past this point (corrupt compressed stream?): {e}")
        } else {
            format!("file unreadable past this point: {e}")
        };
        out.reject(&at0, None, reason, b"");
    } else if (out.accepted, out.rejected) == before {
        out.reject(&at0, None, "file is empty: no records".into(), b"");
    }
    len
}

/// Bytes of a sign-in file per chunk. Chunks end at a line break, so no
/// record spans two; a round parses one chunk per core.
const CHUNK: usize = if cfg!(test) { 4096 } else { 8 << 20 };

/// A memory-mapped JSON-lines file of sign-ins, parsed in chunks by one
/// worker per core, each chunk into a [`staged::Stager`] that keeps its
/// records; the chunks go to `out` in file order with their line numbers
/// moved on by the lines before them. The sink sees the same records, in
/// the same order, as from [`read_frames`].
///
/// The workers never wait for each other: chunk *k* goes to worker
/// *k mod cores*, whose results come back in the order it took its chunks,
/// and up to [`AHEAD`] chunks per worker are in flight while earlier ones
/// are passed on. The pages of the next chunks are asked for ahead of the
/// workers (`WILLNEED`), so the disk reads while they parse.
fn read_sign_ins_in_chunks(
    f: &InputFile,
    map: &memmap2::Mmap,
    out: &mut Counting,
    progress: &mut dyn Progress,
    limit: usize,
) {
    let data: &[u8] = map;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut start = 0usize;
    let mut next_chunk = || -> Option<&[u8]> {
        if start >= data.len() {
            return None;
        }
        let end = (start + CHUNK).min(data.len());
        let end = memchr::memchr(b'\n', &data[end..]).map_or(data.len(), |i| end + i + 1);
        let chunk = &data[start..end];
        start = end;
        // The pages after this chunk, while it waits for its worker.
        let ahead = (data.len() - end).min(CHUNK);
        if ahead > 0 {
            let _ = map.advise_range(memmap2::Advice::WillNeed, end, ahead);
        }
        Some(chunk)
    };
    let (mut lines_before, mut reported, mut released) = (0u64, 0usize, 0usize);
    std::thread::scope(|s| {
        let mut jobs = vec![];
        let mut results = vec![];
        for _ in 0..cores {
            let (job_tx, job_rx) = std::sync::mpsc::sync_channel::<&[u8]>(AHEAD);
            let (res_tx, res_rx) = std::sync::mpsc::sync_channel(AHEAD);
            s.spawn(move || {
                for chunk in job_rx {
                    let parsed = (chunk.len(), parse_chunk(f, chunk, limit));
                    if res_tx.send(parsed).is_err() {
                        return;
                    }
                }
            });
            jobs.push(job_tx);
            results.push(res_rx);
        }
        let (mut sent, mut done) = (0usize, 0usize);
        loop {
            while sent < done + cores * AHEAD {
                let Some(chunk) = next_chunk() else { break };
                if jobs[sent % cores].send(chunk).is_err() {
                    break;
                }
                sent += 1;
            }
            if done == sent {
                break;
            }
            let Ok((len, (stager, lines, accepted, rejected))) = results[done % cores].recv()
            else {
                break; // a worker panicked; the scope's join reports it
            };
            done += 1;
            out.sink.staged(Staged(stager), lines_before);
            lines_before += lines;
            out.accepted += accepted;
            out.rejected += rejected;
            progress.advance(len as u64);
            reported += len;
            // Pages parsed are released, as `MappedRead` does.
            let upto = reported & !0xFFFF;
            if upto >= released + RELEASE_EVERY {
                // SAFETY: as in `MappedRead::consume`: nothing before `upto`
                // is read again (every chunk before it was parsed).
                let _ = unsafe {
                    map.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        released,
                        upto - released,
                    )
                };
                released = upto;
            }
        }
        drop(jobs);
    });
}

/// Chunks queued per worker beyond the one it parses.
const AHEAD: usize = 2;

/// One chunk of a sign-in file: its records kept in a stager, its line
/// count, and how many records were accepted and set aside.
fn parse_chunk(f: &InputFile, chunk: &[u8], limit: usize) -> (staged::Stager, u64, u64, u64) {
    let mut stager = staged::Stager::keeping();
    let mut counting = Counting {
        sink: &mut stager,
        accepted: 0,
        rejected: 0,
    };
    let mut reader = lines::LineReader::new(chunk, limit);
    // Sign-ins carry no record ids; the duplicate check has nothing to see.
    let _ = read_frames(
        f,
        &mut counting,
        &mut SeenIds::default(),
        limit,
        &mut reader,
    );
    let (accepted, rejected) = (counting.accepted, counting.rejected);
    (stager, reader.line, accepted, rejected)
}

fn read_frames(
    f: &InputFile,
    out: &mut Counting,
    ids: &mut SeenIds,
    limit: usize,
    framer: &mut dyn lines::Framer,
) -> io::Result<()> {
    let mut at = Origin {
        file: f.rel.clone(),
        line: 0,
    };
    let mut osq = events::OsqueryRows::default();
    let mut scratch = events::Scratch::default();
    loop {
        let Some((line, frame)) = framer.next_frame()? else {
            return Ok(());
        };
        at.line = line;
        match frame {
            Frame::TooLong(n) => out.reject(
                &at,
                None,
                format!("record of {n} bytes exceeds the {limit}-byte limit; skipped"),
                b"",
            ),
            Frame::Truncated(raw) if raw.iter().all(u8::is_ascii_whitespace) => out.reject(
                &at,
                None,
                "truncated JSON: file ends inside a JSON array (missing `]`)".into(),
                b"",
            ),
            Frame::Truncated(raw) => out.reject(
                &at,
                None,
                "truncated JSON: file ends inside this record".into(),
                raw,
            ),
            Frame::Record(raw) => {
                if raw.first().is_none_or(u8::is_ascii_whitespace)
                    && raw.iter().all(u8::is_ascii_whitespace)
                {
                    continue; // blank lines separate nothing and lose nothing
                }
                dispatch(f.kind, raw, &at, out, ids, &mut osq, &mut scratch);
            }
        }
    }
}

/// A parse failure: which field and why.
pub(crate) struct FieldError {
    pub field: Option<String>,
    pub reason: String,
}

pub(crate) fn field_error<E: std::fmt::Display>(
    path: &serde_path_to_error::Path,
    e: &E,
) -> FieldError {
    let msg = e.to_string();
    // serde names a missing field in the message, not in the path.
    let missing = msg
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
        .map(String::from);
    let path = path.to_string();
    let field = missing.or_else(|| (path != "." && !path.is_empty()).then_some(path));
    let reason = if msg.contains("EOF while parsing") {
        format!("truncated JSON: {msg}")
    } else {
        msg
    };
    FieldError { field, reason }
}

/// Parses one JSON record. The fast path is plain serde_json; only a record
/// that fails is looked at again, to name the field and the reason.
pub(crate) fn parse_json<'a, T: serde::Deserialize<'a>>(raw: &'a [u8]) -> Result<T, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(raw);
    match T::deserialize(&mut de).and_then(|v| de.end().map(|_| v)) {
        Ok(v) => Ok(v),
        Err(first) => Err(explain::<T>(raw, first)),
    }
}

/// Why a record failed: invalid UTF-8, broken JSON, or (re-parsed through
/// a JSON value with path tracking) which field has the wrong shape.
#[cold]
fn explain<'a, T: serde::Deserialize<'a>>(raw: &[u8], first: serde_json::Error) -> FieldError {
    if let Err(e) = std::str::from_utf8(raw) {
        return FieldError {
            field: None,
            reason: format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        };
    }
    let value: serde_json::Value = match serde_json::from_slice(raw) {
        Ok(v) => v,
        Err(e) if e.is_eof() => {
            return FieldError {
                field: None,
                reason: format!("truncated JSON: {e}"),
            };
        }
        Err(e) => {
            return FieldError {
                field: None,
                reason: format!("malformed JSON: {e}"),
            };
        }
    };
    match serde_path_to_error::deserialize::<_, T>(value) {
        Err(e) => field_error(e.path(), e.inner()),
        Ok(_) => FieldError {
            field: None,
            reason: first.to_string(),
        },
    }
}

fn dispatch(
    kind: InputKind,
    raw: &[u8],
    at: &Origin,
    out: &mut Counting,
    ids: &mut SeenIds,
    osq: &mut events::OsqueryRows,
    scratch: &mut events::Scratch,
) {
    if !kind.is_event() {
        return flat_record(kind, RecordSource::Json(raw), raw, at, out, ids);
    }
    let res = match kind {
        InputKind::Okta => events::okta(raw, scratch).map(|e| {
            out.sink.login(&e.view(), at);
            1
        }),
        InputKind::Ocsf => events::ocsf(raw, scratch).map(|e| {
            out.sink.login(&e.view(), at);
            1
        }),
        InputKind::Osquery => osq.parse(raw).map(|rows| {
            let n = rows.len() as u64;
            for r in rows.drain(..) {
                out.sink.host(r, at);
            }
            n
        }),
        InputKind::Keystrokes => parse_json::<KeystrokeSample>(raw).map(|k| {
            out.sink.keystroke(k, at);
            1
        }),
        _ => unreachable!("flat kinds handled above"),
    };
    match res {
        Ok(n) => out.accepted += n,
        Err(e) => out.reject(at, e.field, e.reason, raw),
    }
}

/// Whom one event is about, as a scan of part of a workspace selects
/// events: a sign-in's user trimmed and lower-cased, an osquery result's
/// host lower-cased, a keystroke sample's subject. `None` for a record of
/// another kind or one ingest would set aside.
pub fn event_subject(kind: InputKind, raw: &[u8]) -> Option<String> {
    let mut scratch = events::Scratch::default();
    let login = |e: events::OwnedLogin| e.view().user.trim().to_lowercase();
    match kind {
        InputKind::Okta => events::okta(raw, &mut scratch).ok().map(login),
        InputKind::Ocsf => events::ocsf(raw, &mut scratch).ok().map(login),
        InputKind::Osquery => {
            let mut rows = events::OsqueryRows::default();
            let rows = rows.parse(raw).ok()?;
            rows.first().map(|r| r.host.to_lowercase())
        }
        InputKind::Keystrokes => parse_json::<KeystrokeSample>(raw)
            .ok()
            .map(|k| k.subject.trim().to_lowercase()),
        _ => None,
    }
}

pub(crate) enum RecordSource<'a> {
    Json(&'a [u8]),
    Value(serde_json::Value),
}

fn parse_flat<T: DeserializeOwned>(src: RecordSource) -> Result<T, FieldError> {
    match src {
        RecordSource::Json(raw) => parse_json(raw),
        RecordSource::Value(v) => {
            serde_path_to_error::deserialize(v).map_err(|e| field_error(e.path(), e.inner()))
        }
    }
}

pub(crate) fn flat_record(
    kind: InputKind,
    src: RecordSource,
    raw: &[u8],
    at: &Origin,
    out: &mut Counting,
    ids: &mut SeenIds,
) {
    let res: Result<(), FieldError> = (|| {
        match kind {
            InputKind::Applications => {
                let r: Application = parse_flat(src)?;
                SeenIds::first(&mut ids.applications, &r.application_id, at)
                    .map_err(dup("application_id"))?;
                out.sink.application(r, at);
            }
            InputKind::Workers => {
                let r: Worker = parse_flat(src)?;
                SeenIds::first(&mut ids.workers, &r.worker_id, at).map_err(dup("worker_id"))?;
                out.sink.worker(r, at);
            }
            InputKind::Assets => {
                let r: Asset = parse_flat(src)?;
                SeenIds::first(&mut ids.assets, &r.asset_id, at).map_err(dup("asset_id"))?;
                out.sink.asset(r, at);
            }
            InputKind::Payroll => {
                let r: Payroll = parse_flat(src)?;
                if !ids
                    .payroll
                    .insert((r.worker_id.clone(), r.effective_date, r.account.clone()))
                {
                    return Err(FieldError {
                        field: Some("worker_id".into()),
                        reason: format!(
                            "duplicate payroll record for {} from {}",
                            r.worker_id, r.effective_date
                        ),
                    });
                }
                out.sink.payroll(r, at);
            }
            _ => unreachable!("events are not flat records"),
        }
        Ok(())
    })();
    match res {
        Ok(()) => out.accepted += 1,
        Err(e) => out.reject(at, e.field, e.reason, raw),
    }
}

fn dup(field: &'static str) -> impl Fn(String) -> FieldError {
    move |reason| FieldError {
        field: Some(field.into()),
        reason,
    }
}

#[cfg(test)]
mod chunk_tests {
    use super::*;

    /// Every call a sink receives, as text.
    #[derive(Default)]
    struct Log(Vec<String>);
    impl Sink for Log {
        fn application(&mut self, _: Application, _: &Origin) {}
        fn worker(&mut self, _: Worker, _: &Origin) {}
        fn asset(&mut self, _: Asset, _: &Origin) {}
        fn payroll(&mut self, _: Payroll, _: &Origin) {}
        fn login(&mut self, e: &LoginEvent<'_>, at: &Origin) {
            self.0.push(format!("login {e:?} {at:?}"));
        }
        fn host(&mut self, _: HostRow, _: &Origin) {}
        fn keystroke(&mut self, _: KeystrokeSample, _: &Origin) {}
        fn reject(&mut self, r: Reject) {
            self.0.push(format!("reject {r:?}"));
        }
    }

    #[test]
    fn sign_ins_read_in_chunks_are_the_sign_ins_read_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("okta.jsonl");
        let mut body = String::new();
        for i in 0..800 {
            body.push_str(&format!(
                "{{\"published\": \"2026-04-01T09:{:02}:00Z\", \"actor\": {{\"type\": \"User\", \"alternateId\": \"u{}@x.example\"}}, \"client\": {{\"ipAddress\": \"81.2.69.{}\"}}}}{}",
                i % 60,
                i % 7,
                i % 250,
                if i % 5 == 0 { "\r\n" } else { "\n" }
            ));
            match i % 97 {
                0 => body.push_str("{\"published\": \"2026-04-01T09:00:00Z\"}\n"),
                1 => body.push_str("\n"),
                2 => body.push_str("{truncated\n"),
                _ => {}
            }
        }
        body.push_str(
            "{\"published\": \"2026-04-01T09:00:00Z\", \"actor\": {\"alternateId\": \"last\"}}",
        );
        std::fs::write(&path, &body).unwrap();
        assert!(body.len() > 8 * CHUNK, "several rounds of chunks");
        let f = InputFile {
            path: path.clone(),
            rel: "okta.jsonl".into(),
            kind: InputKind::Okta,
            framing: Framing::JsonLines,
            gz: false,
        };
        let (mut by_line, mut by_chunk) = (Log::default(), Log::default());
        let mut one = Counting {
            sink: &mut by_line,
            accepted: 0,
            rejected: 0,
        };
        let mut reader = lines::LineReader::new(body.as_bytes(), 1 << 20);
        read_frames(&f, &mut one, &mut SeenIds::default(), 1 << 20, &mut reader).unwrap();
        let (a1, r1) = (one.accepted, one.rejected);
        let file = File::open(&path).unwrap();
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }.unwrap();
        let mut two = Counting {
            sink: &mut by_chunk,
            accepted: 0,
            rejected: 0,
        };
        read_sign_ins_in_chunks(&f, &map, &mut two, &mut (), 1 << 20);
        assert_eq!((two.accepted, two.rejected), (a1, r1));
        assert!(r1 >= 16, "rejects are in the comparison: {r1}");
        assert_eq!(by_line.0, by_chunk.0);
    }
}

//! The data directory: versioned packs, each with a manifest, replaced
//! atomically.
//!
//! ```text
//! DATA/packs/<name>/<version>/{files…, manifest.json}
//! DATA/packs/<name>/current            (the installed version's name)
//! DATA/index/ip.bin                    (compiled from the ip and vpn packs)
//! ```
//!
//! An install stages a new version beside the old one, verifies every file
//! (sha256, and that it parses: an mmdb opens, a list yields records), and
//! only then points `current` at it with an atomic rename. A failed or
//! interrupted install leaves the previous version in use.

use crate::packs::{Format, PACKS, Pack};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use unmask_model::Timestamp;

/// `UNMASK_DATA_DIR`, else `$XDG_DATA_HOME/unmask`, else
/// `~/.local/share/unmask`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("UNMASK_DATA_DIR") {
        return d.into();
    }
    if let Some(d) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return Path::new(&d).join("unmask");
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
    Path::new(&home).join(".local/share/unmask")
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    pub name: String,
    pub source: String,
    pub sha256: String,
    pub bytes: u64,
    pub records: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub pack: String,
    pub version: String,
    pub licence: String,
    pub installed_at: String,
    /// When the data was built upstream (the newest file's modification
    /// time in the source, lacking a better statement).
    pub built_at: String,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    pub fn records(&self) -> u64 {
        self.files.iter().map(|f| f.records).sum()
    }
}

pub fn pack_dir(data: &Path, pack: &str) -> PathBuf {
    data.join("packs").join(pack)
}

/// The installed version of a pack, if any.
pub fn current(data: &Path, pack: &str) -> Option<(PathBuf, Manifest)> {
    let dir = pack_dir(data, pack);
    let version = std::fs::read_to_string(dir.join("current")).ok()?;
    let vdir = dir.join(version.trim());
    let m: Manifest =
        serde_json::from_slice(&std::fs::read(vdir.join("manifest.json")).ok()?).ok()?;
    Some((vdir, m))
}

fn sha256_file(p: &Path) -> io::Result<(String, u64)> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    let digest = h.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), n))
}

/// Checks that a file is what its format says and counts its records.
fn verify(path: &Path, format: Format) -> Result<u64, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let read = || std::fs::read(path).map_err(|e| format!("{name}: {e}"));
    match format {
        Format::Mmdb => return mmdb_networks(path).map(|(n, _)| n),
        Format::Rmm => {
            return crate::rmm::RmmIndex::from_bytes(&read()?)
                .map(|ix| ix.indicators() as u64)
                .map_err(|e| format!("{name}: {e}"));
        }
        Format::Json => {
            let v: serde_json::Value =
                serde_json::from_slice(&read()?).map_err(|e| format!("{name} is not JSON: {e}"))?;
            return Ok(match v {
                serde_json::Value::Array(a) => a.len() as u64,
                serde_json::Value::Object(o) => o
                    .values()
                    .map(|x| x.as_array().map_or(1, |a| a.len() as u64))
                    .sum(),
                _ => 1,
            });
        }
        _ => {}
    }
    let bytes = read()?;
    // Government CSVs are not always UTF-8 (Latin-1 names); lossy is
    // enough to check the structure.
    let text = String::from_utf8_lossy(&bytes);
    match format {
        Format::Xml => {
            let t = text.trim_start_matches('\u{feff}').trim();
            if !t.starts_with('<') || !t.ends_with('>') {
                return Err(format!("{name} is not a complete XML document"));
            }
            return Ok(text.matches("<INDIVIDUAL>").count() as u64
                + text.matches("<ENTITY>").count() as u64);
        }
        Format::Csv | Format::HeaderlessCsv => {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(format == Format::Csv)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let mut rows = 0u64;
            for (i, row) in r.byte_records().enumerate() {
                row.map_err(|e| format!("{name} row {}: {e}", i + 2))?;
                rows += 1;
            }
            return Ok(rows);
        }
        _ => {}
    }
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .count() as u64;
    // Range lists: every line must be an address or a CIDR (or an ASN).
    for (i, l) in text.lines().enumerate() {
        let l = l.split('#').next().unwrap_or("").trim();
        if l.is_empty() {
            continue;
        }
        let ok = l.starts_with("AS") || crate::ip::parse_cidr(l).is_some();
        if !ok {
            return Err(format!(
                "{name} line {}: {l:?} is neither a CIDR nor an ASN",
                i + 1
            ));
        }
    }
    Ok(records)
}

/// The number of networks in a MaxMind DB, and when it was built.
fn mmdb_networks(path: &Path) -> Result<(u64, i64), String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let r = maxminddb::Reader::open_readfile(path)
        .map_err(|e| format!("{name} is not a MaxMind DB: {e}"))?;
    let mut n = 0u64;
    for item in r
        .networks(Default::default())
        .map_err(|e| format!("{name}: {e}"))?
    {
        item.map_err(|e| format!("{name} is corrupt: {e}"))?;
        n += 1;
    }
    Ok((n, r.metadata().build_epoch as i64 * 1000))
}

fn now_rfc3339() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    Timestamp(ms).to_string()
}

/// Where a pack's files come from.
pub enum Source<'a> {
    /// A local mirror laid out like `shared/data`.
    Dir(&'a Path),
    /// A mirror served over HTTP(S), laid out the same way.
    Url(&'a str),
    /// Each file's public upstream location.
    Upstream,
}

/// Installs one pack: fetch every file, verify, then switch atomically.
pub fn install(data: &Path, pack: &Pack, from: &Source) -> Result<Manifest, String> {
    stage(data, pack.name, |staging| {
        let mut files = vec![];
        let mut newest = 0i64;
        let mut combined = Sha256::new();
        for f in pack.files {
            let name = Path::new(f.mirror)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let dst = staging.join(&name);
            let (source, modified) = match from {
                Source::Dir(mirror) => {
                    let src = mirror.join(f.mirror);
                    std::fs::copy(&src, &dst).map_err(|e| format!("{}: {e}", src.display()))?;
                    let m = std::fs::metadata(&src).and_then(|m| m.modified()).ok();
                    (
                        if f.upstream.is_empty() {
                            src.display().to_string()
                        } else {
                            f.upstream.to_string()
                        },
                        m,
                    )
                }
                Source::Url(base) => {
                    let url = format!("{}/{}", base.trim_end_matches('/'), f.mirror);
                    crate::download::fetch(
                        &url,
                        &data.join("downloads").join(pack.name).join(&name),
                        &dst,
                    )?;
                    (url, None)
                }
                Source::Upstream => {
                    if f.upstream.is_empty() {
                        return Err(format!(
                            "{} has no public upstream file; install it with --from a mirror",
                            f.mirror
                        ));
                    }
                    crate::download::fetch(
                        f.upstream,
                        &data.join("downloads").join(pack.name).join(&name),
                        &dst,
                    )?;
                    (f.upstream.to_string(), None)
                }
            };
            let records = verify(&dst, f.format())?;
            let (sha, bytes) = sha256_file(&dst).map_err(|e| e.to_string())?;
            combined.update(sha.as_bytes());
            // A MaxMind DB says when it was built; other files have only
            // their modification time.
            let built = if name.ends_with(".mmdb") {
                mmdb_networks(&dst).ok().map(|(_, b)| b)
            } else {
                None
            };
            let modified =
                modified.or_else(|| std::fs::metadata(&dst).and_then(|m| m.modified()).ok());
            let mtime = modified
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64);
            newest = newest.max(built.or(mtime).unwrap_or(0));
            files.push(FileEntry {
                name,
                source,
                sha256: sha,
                bytes,
                records,
            });
        }
        let version: String = combined
            .finalize()
            .iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Manifest {
            pack: pack.name.into(),
            version,
            licence: pack.licence.into(),
            installed_at: now_rfc3339(),
            built_at: Timestamp(newest).to_string(),
            files,
        })
    })
}

/// Builds a new version of a pack in a staging directory (`fill` writes
/// and verifies its files and returns the manifest), writes the manifest,
/// and activates it. On any error the staging directory is removed and the
/// installed version stays in use.
fn stage(
    data: &Path,
    pack: &str,
    fill: impl FnOnce(&Path) -> Result<Manifest, String>,
) -> Result<Manifest, String> {
    let dir = pack_dir(data, pack);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let staging = dir.join(format!(".staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let result = fill(&staging).and_then(|m| {
        std::fs::write(
            staging.join("manifest.json"),
            serde_json::to_vec_pretty(&m).unwrap(),
        )
        .map_err(|e| e.to_string())?;
        Ok(m)
    });
    match result {
        Ok(m) => {
            activate(&dir, &staging, &m)?;
            Ok(m)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            Err(e)
        }
    }
}

/// Moves a verified staging directory into place and points `current` at
/// it with an atomic rename.
fn activate(dir: &Path, staging: &Path, manifest: &Manifest) -> Result<(), String> {
    let vdir = dir.join(&manifest.version);
    if vdir.exists() {
        let _ = std::fs::remove_dir_all(staging); // the same data is already installed
    } else {
        std::fs::rename(staging, &vdir).map_err(|e| e.to_string())?;
    }
    let tmp = dir.join(".current.tmp");
    std::fs::write(&tmp, &manifest.version).map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, dir.join("current")).map_err(|e| e.to_string())?;
    prune(dir, &manifest.version);
    Ok(())
}

/// Kinds of file a user can add.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKind {
    /// An ASN database: MaxMind GeoLite2-ASN, IPinfo, DB-IP or ip-location-db.
    Asn,
    /// A country (or city) database in any of those layouts.
    Country,
    /// A provider's VPN/proxy tags as CSV.
    Proxy,
    /// The user's own known-bad and allow lists as CSV.
    Lists,
}

impl UserKind {
    pub fn pack(self) -> &'static str {
        match self {
            UserKind::Asn => "user-asn",
            UserKind::Country => "user-country",
            UserKind::Proxy => "user-proxy",
            UserKind::Lists => "user-lists",
        }
    }
    pub fn file(self) -> &'static str {
        match self {
            UserKind::Asn => "user-asn.mmdb",
            UserKind::Country => "user-country.mmdb",
            UserKind::Proxy => "user-proxy.csv",
            UserKind::Lists => "user-lists.csv",
        }
    }
    pub fn parse(s: &str) -> Option<UserKind> {
        Some(match s {
            "asn" => UserKind::Asn,
            "country" | "geoip" | "city" => UserKind::Country,
            "proxy" | "vpn-tags" | "tags" => UserKind::Proxy,
            "lists" => UserKind::Lists,
            _ => return None,
        })
    }
    pub const ALL: [UserKind; 4] = [
        UserKind::Asn,
        UserKind::Country,
        UserKind::Proxy,
        UserKind::Lists,
    ];
}

/// Adds a user's own file; it takes precedence over the shipped packs.
pub fn install_user(data: &Path, kind: UserKind, file: &Path) -> Result<Manifest, String> {
    stage(data, kind.pack(), |staging| {
        let dst = staging.join(kind.file());
        std::fs::copy(file, &dst).map_err(|e| format!("{}: {e}", file.display()))?;
        let records = match kind {
            UserKind::Asn | UserKind::Country => mmdb_networks(&dst)?.0,
            UserKind::Proxy => crate::ip::read_tags(&dst)?.len() as u64,
            UserKind::Lists => crate::lists::Lists::load(&dst)?.len() as u64,
        };
        let (sha, bytes) = sha256_file(&dst).map_err(|e| e.to_string())?;
        let built = std::fs::metadata(file)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        Ok(Manifest {
            pack: kind.pack().into(),
            version: sha[..12].to_string(),
            licence: "user-supplied".into(),
            installed_at: now_rfc3339(),
            built_at: Timestamp(built).to_string(),
            files: vec![FileEntry {
                name: kind.file().into(),
                source: file.display().to_string(),
                sha256: sha,
                bytes,
                records,
            }],
        })
    })
}

/// Keeps the current version and one previous, removes older ones.
fn prune(dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut versions: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| {
            e.file_type().is_ok_and(|t| t.is_dir())
                && !e.file_name().to_string_lossy().starts_with('.')
                && e.file_name() != keep
        })
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    versions.sort();
    versions.reverse();
    for (_, old) in versions.into_iter().skip(1) {
        let _ = std::fs::remove_dir_all(old);
    }
}

/// One line of `data status`.
#[derive(Clone, Debug, PartialEq)]
pub struct Status {
    pub pack: &'static str,
    pub installed: Option<Manifest>,
    pub age_days: Option<i64>,
    pub stale: bool,
}

pub fn status(data: &Path) -> Vec<Status> {
    let mut out = shipped_status(data);
    for k in UserKind::ALL {
        if let Some((_, m)) = current(data, k.pack()) {
            out.push(Status {
                pack: k.pack(),
                installed: Some(m),
                age_days: None,
                stale: false,
            });
        }
    }
    out
}

fn shipped_status(data: &Path) -> Vec<Status> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    PACKS
        .iter()
        .map(|p| {
            let installed = current(data, p.name).map(|(_, m)| m);
            let age_days = installed
                .as_ref()
                .and_then(|m| Timestamp::parse(&m.built_at).ok())
                .map(|t| (now - t.0) / 86_400_000);
            Status {
                pack: p.name,
                stale: age_days.is_some_and(|a| a > p.stale_after_days as i64),
                installed,
                age_days,
            }
        })
        .collect()
}

//! IP facts: `ip → {asn, org, country, kind, source}`.
//!
//! Built once (at `data install`) from the ASN and country MaxMind DBs and
//! the VPN/cloud/datacenter/Tor lists into three layers of sorted,
//! non-overlapping ranges, saved as one binary file; a run loads the arrays
//! and answers each question with a binary search per layer — no mmdb
//! decoding and no list scans on the hot path.
//!
//! Kind follows evidence precedence: Tor exit > known VPN range > cloud
//! range > datacenter (range or ASN) > unknown. Absence of evidence is
//! `unknown`, never "residential".

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpKind {
    Unknown = 0,
    Datacenter = 1,
    Cloud = 2,
    Vpn = 3,
    Tor = 4,
}

impl IpKind {
    fn from_u8(v: u8) -> IpKind {
        match v {
            4 => IpKind::Tor,
            3 => IpKind::Vpn,
            2 => IpKind::Cloud,
            1 => IpKind::Datacenter,
            _ => IpKind::Unknown,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            IpKind::Unknown => "unknown",
            IpKind::Datacenter => "datacenter",
            IpKind::Cloud => "cloud",
            IpKind::Vpn => "vpn",
            IpKind::Tor => "tor",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IpFacts<'a> {
    pub asn: Option<u32>,
    pub org: Option<&'a str>,
    pub country: Option<&'a str>,
    pub kind: IpKind,
    /// The list or database that decided `kind` (e.g. `tor-exit`,
    /// `protonvpn`, `amazon`, `datacenter-asn`).
    pub source: Option<&'a str>,
}

/// Parses `a.b.c.d/n`, `v6/n` or a bare address (a /32 or /128) into an
/// inclusive range of 128-bit integers (IPv4 as IPv4-mapped).
pub fn parse_cidr(s: &str) -> Option<(u128, u128)> {
    let (addr, len) = match s.trim().split_once('/') {
        Some((a, l)) => (a.trim(), Some(l.trim().parse::<u32>().ok()?)),
        None => (s.trim(), None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let (x, bits) = match ip {
        IpAddr::V4(v4) => (v4_key(u32::from(v4)), 32),
        IpAddr::V6(v6) => (u128::from(v6), 128),
    };
    let len = len.unwrap_or(bits);
    if len > bits {
        return None;
    }
    let host_bits = bits - len;
    let mask = if host_bits == 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((x & !mask, x | mask))
}

fn v4_key(v: u32) -> u128 {
    0xffff_0000_0000u128 | v as u128
}

/// The integer key of an address (IPv4 and IPv4-mapped IPv6 agree).
pub fn key(ip: IpAddr) -> u128 {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4_key(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Sorted, non-overlapping inclusive ranges with a value each. IPv4 keys
/// live in their own compact array (most lookups are IPv4). A directory on
/// the top 16 bits narrows each binary search to the few ranges of one
/// /16 (or IPv6 /16), so a lookup touches a couple of cache lines instead
/// of twenty scattered ones.
#[derive(Default, Debug)]
struct Layer {
    v4: Vec<(u32, u32, u32)>,
    v6: Vec<(u128, u128, u32)>,
    dir4: Vec<u32>,
    dir6: Vec<u32>,
}

/// For each 16-bit prefix b, the index of the last range starting at or
/// before b's first address (so a range spilling in from an earlier prefix
/// is included), with one extra entry for the end.
fn directory<T: Copy>(
    starts: impl Iterator<Item = T>,
    top16: impl Fn(T) -> u32,
    len: usize,
) -> Vec<u32> {
    let mut dir = vec![0u32; 65_537];
    let mut next = 0usize; // next prefix to fill
    for (i, st) in starts.enumerate() {
        let b = top16(st) as usize;
        while next <= b {
            // A prefix up to this range's own begins at the latest inside the
            // previous range: one range early is a safe lower bound.
            dir[next] = i.saturating_sub(1) as u32;
            next += 1;
        }
    }
    while next <= 65_536 {
        dir[next] = len.saturating_sub(1) as u32;
        next += 1;
    }
    dir
}

impl Layer {
    fn from_ranges(mut ranges: Vec<(u128, u128, u32)>) -> Layer {
        ranges.sort_unstable();
        let mut l = Layer::default();
        for (a, b, v) in ranges {
            if a >> 32 == 0xffff && b >> 32 == 0xffff {
                l.v4.push((a as u32, b as u32, v));
            } else {
                l.v6.push((a, b, v));
            }
        }
        l.index();
        l
    }

    fn index(&mut self) {
        self.dir4 = directory(self.v4.iter().map(|r| r.0), |x| x >> 16, self.v4.len());
        self.dir6 = directory(
            self.v6.iter().map(|r| r.0),
            |x| (x >> 112) as u32,
            self.v6.len(),
        );
    }

    #[inline]
    fn find(&self, k: u128) -> Option<u32> {
        if k >> 32 == 0xffff {
            let x = k as u32;
            let b = (x >> 16) as usize;
            let (lo, hi) = (
                self.dir4[b] as usize,
                (self.dir4[b + 1] as usize + 1).min(self.v4.len()),
            );
            let slice = self.v4.get(lo..hi)?;
            let i = slice.partition_point(|r| r.0 <= x);
            let r = slice.get(i.checked_sub(1)?)?;
            (x <= r.1).then_some(r.2)
        } else {
            let b = (k >> 112) as usize;
            let (lo, hi) = (
                self.dir6[b] as usize,
                (self.dir6[b + 1] as usize + 1).min(self.v6.len()),
            );
            let slice = self.v6.get(lo..hi)?;
            let i = slice.partition_point(|r| r.0 <= k);
            let r = slice.get(i.checked_sub(1)?)?;
            (k <= r.1).then_some(r.2)
        }
    }

    fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }
}

/// Collapses overlapping ranges, each with a (precedence, source) value, so
/// that every point keeps the highest precedence covering it.
fn sweep(ranges: Vec<(u128, u128, u32)>) -> Vec<(u128, u128, u32)> {
    // Boundary events: (position, +1 open / -1 close, value).
    let mut ev: Vec<(u128, i8, u32)> = Vec::with_capacity(ranges.len() * 2);
    for (a, b, v) in ranges {
        ev.push((a, 1, v));
        if b < u128::MAX {
            ev.push((b + 1, -1, v));
        }
    }
    ev.sort_unstable_by_key(|e| (e.0, e.1));
    let mut active: BTreeMap<u32, u32> = BTreeMap::new();
    let mut out: Vec<(u128, u128, u32)> = vec![];
    let mut i = 0;
    let mut open_at: Option<(u128, u32)> = None;
    while i < ev.len() {
        let pos = ev[i].0;
        while i < ev.len() && ev[i].0 == pos {
            let (_, d, v) = ev[i];
            let c = active.entry(v).or_insert(0);
            if d > 0 {
                *c += 1;
            } else {
                *c -= 1;
                if *c == 0 {
                    active.remove(&v);
                }
            }
            i += 1;
        }
        let top = active.keys().next_back().copied();
        match (open_at, top) {
            (Some((start, v)), Some(t)) if v == t => open_at = Some((start, v)),
            (prev, t) => {
                if let Some((start, v)) = prev {
                    out.push((start, pos - 1, v));
                }
                open_at = t.map(|t| (pos, t));
            }
        }
    }
    if let Some((start, v)) = open_at {
        out.push((start, u128::MAX, v));
    }
    out
}

#[derive(Default, Serialize, Deserialize)]
struct Strings {
    orgs: FxHashMap<u32, String>,
    countries: Vec<String>,
    sources: Vec<String>,
    vpn_asns: FxHashSet<u32>,
    datacenter_asns: FxHashSet<u32>,
}

/// The compiled index.
#[derive(Default)]
pub struct IpIndex {
    asn: Layer,
    country: Layer,
    kind: Layer,
    s: Strings,
}

/// One record of any of the common IP database layouts: ip-location-db's
/// flat `country_code` / `autonomous_system_number`; MaxMind GeoIP2 and
/// DB-IP's nested `country.iso_code`; IPinfo's `country: "US"`,
/// `asn: "AS15169"`, `as_name`.
#[derive(Deserialize)]
struct MmdbRecord {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
    asn: Option<AsnField>,
    as_name: Option<String>,
    country_code: Option<String>,
    country: Option<CountryField>,
}
#[derive(Deserialize)]
#[serde(untagged)]
enum AsnField {
    Number(u32),
    Text(String),
}
#[derive(Deserialize)]
#[serde(untagged)]
enum CountryField {
    Code(String),
    Nested { iso_code: Option<String> },
}

impl MmdbRecord {
    fn asn(&self) -> Option<u32> {
        self.autonomous_system_number.or(match &self.asn {
            Some(AsnField::Number(n)) => Some(*n),
            Some(AsnField::Text(t)) => t
                .trim()
                .trim_start_matches("AS")
                .trim_start_matches("as")
                .parse()
                .ok(),
            None => None,
        })
    }
    fn org(self) -> Option<String> {
        self.autonomous_system_organization.or(self.as_name)
    }
    fn country(&self) -> Option<String> {
        let c = self.country_code.clone().or(match &self.country {
            Some(CountryField::Code(c)) => Some(c.clone()),
            Some(CountryField::Nested { iso_code }) => iso_code.clone(),
            None => None,
        })?;
        (c.len() == 2).then(|| c.to_ascii_uppercase())
    }
}

fn mmdb_ranges(path: &Path, mut f: impl FnMut(u128, u128, MmdbRecord)) -> Result<(), String> {
    let reader =
        maxminddb::Reader::open_readfile(path).map_err(|e| format!("{}: {e}", path.display()))?;
    for item in reader
        .networks(Default::default())
        .map_err(|e| e.to_string())?
    {
        let item = item.map_err(|e| e.to_string())?;
        let Some(rec) = item.decode::<MmdbRecord>().map_err(|e| e.to_string())? else {
            continue;
        };
        let net = item.network().map_err(|e| e.to_string())?;
        let Some((a, b)) = parse_cidr(&format!("{}/{}", net.network(), net.prefix())) else {
            continue;
        };
        // IPv4 networks can appear inside ::/96 of an IPv6 database.
        let (a, b) = if a >> 32 == 0 && b >> 32 == 0 && net.prefix() >= 96 {
            (v4_key(a as u32), v4_key(b as u32))
        } else {
            (a, b)
        };
        f(a, b, rec);
    }
    Ok(())
}

/// Where an index is built from.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    /// An ASN database (any supported layout).
    pub asn: Option<std::path::PathBuf>,
    /// Country databases, best first.
    pub countries: Vec<std::path::PathBuf>,
    /// The `vpn` pack's directory (range lists and ASN lists).
    pub lists_dir: Option<std::path::PathBuf>,
    /// A provider's VPN/proxy tags as CSV.
    pub tags: Option<std::path::PathBuf>,
}

/// A provider's tags as CSV, in either of two shapes: `network,kind[,source]`
/// (kind: tor, vpn, proxy, relay, hosting, datacenter, cloud), or one
/// boolean column per kind as IPinfo's privacy export has
/// (`network,vpn,proxy,tor,relay,hosting[,service]`).
pub fn read_tags(path: &Path) -> Result<Vec<(u128, u128, IpKind, String)>, String> {
    let (mut r, headers, name) = crate::open_csv(path)?;
    let col = |n: &str| headers.iter().position(|h| h == n);
    let net = col("network")
        .or(col("cidr"))
        .or(col("ip"))
        .ok_or_else(|| format!("{name}: needs a 'network' column"))?;
    let kind_col = col("kind").or(col("type"));
    let source_col = col("source").or(col("provider")).or(col("service"));
    let flags: Vec<(usize, IpKind)> = [
        ("tor", IpKind::Tor),
        ("vpn", IpKind::Vpn),
        ("proxy", IpKind::Vpn),
        ("relay", IpKind::Vpn),
        ("hosting", IpKind::Datacenter),
    ]
    .iter()
    .filter_map(|(c, k)| col(c).map(|i| (i, *k)))
    .collect();
    if kind_col.is_none() && flags.is_empty() {
        return Err(format!(
            "{name}: needs a 'kind' column or vpn/proxy/tor/relay/hosting columns"
        ));
    }
    let parse_kind = |k: &str| match k.to_ascii_lowercase().as_str() {
        "tor" => Some(IpKind::Tor),
        "vpn" | "proxy" | "relay" | "residential_proxy" => Some(IpKind::Vpn),
        "cloud" => Some(IpKind::Cloud),
        "hosting" | "datacenter" => Some(IpKind::Datacenter),
        _ => None,
    };
    let truthy = |v: &str| {
        matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "1" | "yes" | "y" | "t"
        )
    };
    let mut out = vec![];
    for (i, row) in r.records().enumerate() {
        let row = row.map_err(|e| format!("{name} row {}: {e}", i + 2))?;
        let Some((a, b)) = row.get(net).and_then(parse_cidr) else {
            return Err(format!(
                "{name} row {}: {:?} is not an IP or CIDR",
                i + 2,
                row.get(net).unwrap_or("")
            ));
        };
        let kind = match kind_col {
            Some(c) => parse_kind(row.get(c).unwrap_or("")),
            None => flags
                .iter()
                .filter(|(c, _)| row.get(*c).is_some_and(truthy))
                .map(|(_, k)| *k)
                .max(),
        };
        let Some(kind) = kind else { continue };
        let source = source_col
            .and_then(|c| row.get(c))
            .filter(|s| !s.is_empty())
            .map_or("user-tags".to_string(), |s| format!("user:{s}"));
        out.push((a, b, kind, source));
    }
    Ok(out)
}

/// Special-purpose address space (RFC 6890 and friends): private, shared,
/// loopback, link-local, documentation, benchmarking, multicast, reserved.
/// No provider egresses from it, yet published feeds list some of it (one
/// cloud feed includes the RFC 5737 documentation /24s), so list entries
/// inside it are dropped.
const SPECIAL: &[&str] = &[
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "2001:db8::/32",
    "ff00::/8",
];

/// Whether a range lies inside special-purpose address space.
pub fn is_special(a: u128, b: u128) -> bool {
    SPECIAL
        .iter()
        .filter_map(|c| parse_cidr(c))
        .any(|(x, y)| x <= a && b <= y)
}

/// Lists read into the kind layer: (file name, kind, source label).
const KIND_LISTS: &[(&str, IpKind, &str)] = &[
    ("tor_exit_relays_latest.csv", IpKind::Tor, "tor-exit"),
    ("protonvpn_ipv4_merged.txt", IpKind::Vpn, "protonvpn"),
    (
        "apple-proxy_ipv4_merged.txt",
        IpKind::Vpn,
        "icloud-private-relay",
    ),
    (
        "apple-proxy_ipv6_merged.txt",
        IpKind::Vpn,
        "icloud-private-relay",
    ),
    ("output_vpn_ipv4.txt", IpKind::Vpn, "x4bnet-vpn"),
    ("output_vpn_ipv6.txt", IpKind::Vpn, "x4bnet-vpn"),
    ("amazon_ipv4_merged.txt", IpKind::Cloud, "amazon"),
    ("amazon_ipv6_merged.txt", IpKind::Cloud, "amazon"),
    ("google_ipv4_merged.txt", IpKind::Cloud, "google"),
    ("google_ipv6_merged.txt", IpKind::Cloud, "google"),
    ("microsoft_ipv4_merged.txt", IpKind::Cloud, "microsoft"),
    ("microsoft_ipv6_merged.txt", IpKind::Cloud, "microsoft"),
    ("oracle_ipv4_merged.txt", IpKind::Cloud, "oracle"),
    (
        "digitalocean_ipv4_merged.txt",
        IpKind::Cloud,
        "digitalocean",
    ),
    (
        "digitalocean_ipv6_merged.txt",
        IpKind::Cloud,
        "digitalocean",
    ),
    ("linode_ipv4_merged.txt", IpKind::Cloud, "linode"),
    ("linode_ipv6_merged.txt", IpKind::Cloud, "linode"),
    ("vultr_ipv4_merged.txt", IpKind::Cloud, "vultr"),
    ("vultr_ipv6_merged.txt", IpKind::Cloud, "vultr"),
    ("cloudflare_ipv4_merged.txt", IpKind::Cloud, "cloudflare"),
    ("cloudflare_ipv6_merged.txt", IpKind::Cloud, "cloudflare"),
    (
        "output_datacenter_ipv4.txt",
        IpKind::Datacenter,
        "x4bnet-datacenter",
    ),
    (
        "output_datacenter_ipv6.txt",
        IpKind::Datacenter,
        "x4bnet-datacenter",
    ),
];

fn asn_list(path: &Path) -> FxHashSet<u32> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.split('#')
                .next()?
                .trim()
                .strip_prefix("AS")?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

impl IpIndex {
    /// Builds the index (any source may be absent).
    pub fn build(src: &Sources) -> Result<IpIndex, String> {
        let mut s = Strings::default();
        let mut asn = vec![];
        if let Some(p) = &src.asn {
            mmdb_ranges(p, |a, b, r| {
                if let Some(n) = r.asn().filter(|&n| n != 0) {
                    if let Some(org) = r.org() {
                        s.orgs.entry(n).or_insert(org);
                    }
                    asn.push((a, b, n));
                }
            })?;
        }
        let mut country = vec![];
        let mut codes: HashMap<String, u32> = HashMap::new();
        // Earlier databases win where they overlap; later ones fill gaps.
        for (rank, p) in src.countries.iter().enumerate() {
            let prec = (src.countries.len() - rank) as u32;
            mmdb_ranges(p, |a, b, r| {
                if let Some(cc) = r.country() {
                    let next = codes.len() as u32;
                    let id = *codes.entry(cc).or_insert(next);
                    country.push((a, b, prec << 16 | id));
                }
            })?;
        }
        s.countries = vec![String::new(); codes.len()];
        for (c, id) in codes {
            s.countries[id as usize] = c;
        }
        let mut kind = vec![];
        let source_id = |s: &mut Strings, name: &str| -> u32 {
            (match s.sources.iter().position(|x| x == name) {
                Some(i) => i,
                None => {
                    s.sources.push(name.to_string());
                    s.sources.len() - 1
                }
            }) as u32
        };
        if let Some(d) = &src.lists_dir {
            for (file, k, source) in KIND_LISTS {
                let Ok(text) = std::fs::read_to_string(d.join(file)) else {
                    continue;
                };
                let sid = source_id(&mut s, source);
                for line in text.lines() {
                    // Tor CSV: fingerprint, ipaddr, port
                    let field = if file.ends_with(".csv") {
                        line.split(',').nth(1).unwrap_or("")
                    } else {
                        line
                    };
                    if let Some((a, b)) = parse_cidr(field.split('#').next().unwrap_or(""))
                        .filter(|&(a, b)| !is_special(a, b))
                    {
                        kind.push((a, b, (*k as u32) << 16 | sid));
                    }
                }
            }
            s.vpn_asns = asn_list(&d.join("input_vpn_ASN.txt"));
            s.datacenter_asns = asn_list(&d.join("input_datacenter_ASN.txt"));
        }
        if let Some(p) = &src.tags {
            for (a, b, k, source) in read_tags(p)? {
                let sid = source_id(&mut s, &source);
                kind.push((a, b, (k as u32) << 16 | sid));
            }
        }
        let country = sweep(country)
            .into_iter()
            .map(|(a, b, v)| (a, b, v & 0xffff))
            .collect();
        Ok(IpIndex {
            asn: Layer::from_ranges(sweep_first(asn)),
            country: Layer::from_ranges(country),
            kind: Layer::from_ranges(sweep(kind)),
            s,
        })
    }

    pub fn lookup(&self, ip: IpAddr) -> IpFacts<'_> {
        let k = key(ip);
        let asn = self.asn.find(k);
        let country = self
            .country
            .find(k)
            .map(|c| self.s.countries[c as usize].as_str());
        let (mut kind, mut source) = match self.kind.find(k) {
            Some(v) => (
                IpKind::from_u8((v >> 16) as u8),
                self.s
                    .sources
                    .get((v & 0xffff) as usize)
                    .map(String::as_str),
            ),
            None => (IpKind::Unknown, None),
        };
        if let Some(n) = asn {
            if kind < IpKind::Vpn && self.s.vpn_asns.contains(&n) {
                (kind, source) = (IpKind::Vpn, Some("vpn-asn"));
            } else if kind < IpKind::Datacenter && self.s.datacenter_asns.contains(&n) {
                (kind, source) = (IpKind::Datacenter, Some("datacenter-asn"));
            }
        }
        IpFacts {
            asn,
            org: asn.and_then(|n| self.s.orgs.get(&n)).map(String::as_str),
            country,
            kind,
            source,
        }
    }

    /// Range counts per layer, for `data status`.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.asn.len(), self.country.len(), self.kind.len())
    }

    pub fn save(&self, path: &Path) -> io::Result<()> {
        let tmp = path.with_extension("tmp");
        let mut w = io::BufWriter::new(std::fs::File::create(&tmp)?);
        w.write_all(b"UNMASKIP1")?;
        for l in [&self.asn, &self.country, &self.kind] {
            w.write_all(&(l.v4.len() as u64).to_le_bytes())?;
            for &(a, b, v) in &l.v4 {
                w.write_all(&a.to_le_bytes())?;
                w.write_all(&b.to_le_bytes())?;
                w.write_all(&v.to_le_bytes())?;
            }
            w.write_all(&(l.v6.len() as u64).to_le_bytes())?;
            for &(a, b, v) in &l.v6 {
                w.write_all(&a.to_le_bytes())?;
                w.write_all(&b.to_le_bytes())?;
                w.write_all(&v.to_le_bytes())?;
            }
        }
        serde_json::to_writer(&mut w, &self.s)?;
        w.flush()?;
        drop(w);
        std::fs::rename(tmp, path)
    }

    pub fn load(path: &Path) -> io::Result<IpIndex> {
        let mut buf = vec![];
        std::fs::File::open(path)?.read_to_end(&mut buf)?;
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "not an unmask IP index");
        let mut r = buf.strip_prefix(b"UNMASKIP1").ok_or_else(bad)?;
        fn take<'a>(r: &mut &'a [u8], n: usize) -> io::Result<&'a [u8]> {
            if r.len() < n {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "truncated IP index",
                ));
            }
            let (a, b) = r.split_at(n);
            *r = b;
            Ok(a)
        }
        let u64_ = |r: &mut &[u8]| -> io::Result<u64> {
            Ok(u64::from_le_bytes(take(r, 8)?.try_into().unwrap()))
        };
        let mut layers = vec![];
        for _ in 0..3 {
            let n4 = u64_(&mut r)? as usize;
            let raw = take(&mut r, n4.checked_mul(12).ok_or_else(bad)?)?;
            let v4 = raw
                .chunks_exact(12)
                .map(|c| {
                    (
                        u32::from_le_bytes(c[0..4].try_into().unwrap()),
                        u32::from_le_bytes(c[4..8].try_into().unwrap()),
                        u32::from_le_bytes(c[8..12].try_into().unwrap()),
                    )
                })
                .collect();
            let n6 = u64_(&mut r)? as usize;
            let raw = take(&mut r, n6.checked_mul(36).ok_or_else(bad)?)?;
            let v6 = raw
                .chunks_exact(36)
                .map(|c| {
                    (
                        u128::from_le_bytes(c[0..16].try_into().unwrap()),
                        u128::from_le_bytes(c[16..32].try_into().unwrap()),
                        u32::from_le_bytes(c[32..36].try_into().unwrap()),
                    )
                })
                .collect();
            let mut l = Layer {
                v4,
                v6,
                dir4: vec![],
                dir6: vec![],
            };
            l.index();
            layers.push(l);
        }
        let s: Strings =
            serde_json::from_slice(r).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let kind = layers.pop().unwrap();
        let country = layers.pop().unwrap();
        let asn = layers.pop().unwrap();
        Ok(IpIndex {
            asn,
            country,
            kind,
            s,
        })
    }
}

/// Non-overlapping ASN ranges. MaxMind DB networks never overlap; should
/// two ranges of a user's database overlap, the one starting first keeps
/// the shared part and the other keeps only what extends past it.
fn sweep_first(mut ranges: Vec<(u128, u128, u32)>) -> Vec<(u128, u128, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u128, u128, u32)> = Vec::with_capacity(ranges.len());
    for (a, b, v) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => {
                // Overlap: keep the earlier range and drop the overlapping
                // part of this one (mmdb networks never overlap; lists may).
                if b > last.1 {
                    let start = last.1 + 1;
                    out.push((start, b, v));
                }
            }
            _ => out.push((a, b, v)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_database_layout_reads() {
        let rec = |j: &str| serde_json::from_str::<MmdbRecord>(j).unwrap();
        // ip-location-db (flat)
        let r = rec(r#"{"country_code":"gb"}"#);
        assert_eq!(r.country().as_deref(), Some("GB"));
        // MaxMind GeoIP2 / DB-IP (nested)
        assert_eq!(rec(r#"{"country":{"iso_code":"DE","names":{"en":"Germany"}},"continent":{"code":"EU"}}"#).country().as_deref(), Some("DE"));
        // GeoLite2-ASN / ip-location-db ASN
        let r = rec(r#"{"autonomous_system_number":2856,"autonomous_system_organization":"BT"}"#);
        assert_eq!((r.asn(), r.org().as_deref()), (Some(2856), Some("BT")));
        // IPinfo (country as a code, ASN as text)
        let r = rec(
            r#"{"country":"US","country_name":"United States","asn":"AS15169","as_name":"Google LLC","as_domain":"google.com"}"#,
        );
        assert_eq!((r.country().as_deref(), r.asn()), (Some("US"), Some(15169)));
        assert_eq!(r.org().as_deref(), Some("Google LLC"));
        assert_eq!(rec(r#"{"country":"Atlantis"}"#).country(), None);
    }

    #[test]
    fn special_purpose_space() {
        let c = |s: &str| parse_cidr(s).unwrap();
        let (a, b) = c("198.51.100.0/24");
        assert!(is_special(a, b));
        let (a, b) = c("2001:db8:1::/48");
        assert!(is_special(a, b));
        let (a, b) = c("45.76.0.0/16");
        assert!(!is_special(a, b));
    }

    #[test]
    fn cidr_parsing() {
        assert_eq!(
            parse_cidr("10.0.0.0/8").unwrap(),
            (
                key("10.0.0.0".parse().unwrap()),
                key("10.255.255.255".parse().unwrap())
            )
        );
        assert_eq!(
            parse_cidr("2001:db8::/32").unwrap().0,
            u128::from("2001:db8::".parse::<std::net::Ipv6Addr>().unwrap())
        );
        assert!(parse_cidr("10.0.0.0/33").is_none());
        assert!(parse_cidr("nonsense").is_none());
        assert_eq!(
            key("::ffff:1.2.3.4".parse().unwrap()),
            key("1.2.3.4".parse().unwrap())
        );
    }

    #[test]
    fn sweep_keeps_highest_precedence() {
        let r = |a: &str| key(a.parse().unwrap());
        let (a, b) = parse_cidr("10.0.0.0/8").unwrap();
        let (c, d) = parse_cidr("10.1.0.0/16").unwrap();
        let out = sweep(vec![(a, b, 1 << 16), (c, d, 4 << 16 | 1)]);
        let l = Layer::from_ranges(out);
        assert_eq!(l.find(r("10.0.0.1")), Some(1 << 16));
        assert_eq!(l.find(r("10.1.2.3")), Some(4 << 16 | 1));
        assert_eq!(l.find(r("10.2.0.0")), Some(1 << 16));
        assert_eq!(l.find(r("11.0.0.0")), None);
        assert_eq!(l.find(r("9.255.255.255")), None);
    }
}

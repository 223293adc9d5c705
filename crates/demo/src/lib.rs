//! `unmask demo`: a realistic workspace with known answers.
//!
//! The world has honest applicants from many countries; benign look-alikes
//! that a careless tool flags (re-applicants, a name change after marriage,
//! couples sharing a home, IP and family computer, recruitment agencies
//! uploading CVs from one office, the default avatar, very common browser
//! fingerprints, the corporate VPN, night owls, travellers, people who
//! moved, IT staff with AnyDesk, Korean- and Chinese-named engineers at
//! home and abroad); operators running 2–12 personas with the reported
//! tradecraft (reused phones and payout accounts — not always —, altered
//! photos, near-duplicate résumés, personas vouching for each other, VPN
//! and Chinese IPs, laptops at facilitators, IP-KVMs, remote tools, a
//! UTC+8/+9 working day); and facilitators hosting several laptops.
//!
//! Everything is derived from the seed, so a world can be regenerated
//! exactly. `truth.json` beside the workspace says who is who.

mod rng;
mod world;
mod write;

use rng::Rng;
use serde_json::json;
use std::io;
use std::path::{Path, PathBuf};
use unmask_model::{Day, Timestamp};
use world::*;

#[derive(Clone, Debug)]
pub struct Options {
    /// Roughly how many personas (applications) to create.
    pub size: usize,
    pub seed: u64,
    /// Total sign-in events to generate; by default about 60 per worker.
    pub login_events: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            size: 3000,
            seed: 7,
            login_events: None,
        }
    }
}

pub struct Generated {
    pub workspace: PathBuf,
    pub truth: PathBuf,
    pub applications: usize,
    pub workers: usize,
    pub login_events: u64,
}

pub use unmask_model::truth::*;

/// The instant the demo world is "now": fixed so worlds are reproducible.
pub fn now() -> Timestamp {
    Timestamp::parse("2026-11-20T00:00:00Z").unwrap()
}

#[derive(Clone, Debug)]
pub(crate) struct Addr {
    pub line1: String,
    pub city: String,
    pub region: String,
    pub postcode: String,
    pub country: &'static Country,
}

impl Addr {
    fn json(&self) -> serde_json::Value {
        json!({"line1": self.line1, "city": self.city, "region": self.region, "postcode": self.postcode, "country": self.country.code})
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub actor: String,
    pub origin: &'static Origin,
    pub given: String,
    pub family: String,
    pub home: Addr,
    pub phone: String,
    pub email: String,
    pub dob: Day,
    pub tz: &'static str,
    pub home_ip: String,
    pub fingerprint: String,
    pub phash: String,
    pub resume: String,
    pub bank: String,
    pub story: &'static str,
}

#[derive(Clone, Debug)]
pub(crate) struct App {
    pub id: String,
    pub person: usize,
    pub fraud: bool,
    pub operator: Option<usize>,
    pub submitted: Timestamp,
    pub record: serde_json::Value,
    pub given: String,
    pub family: String,
    pub country: &'static Country,
    pub home: Addr,
    pub story: &'static str,
}

pub(crate) struct Operator {
    pub phones: Vec<String>,
    pub payouts: Vec<(String, String)>,
    pub fingerprint: String,
    pub phash: u64,
    pub resume: String,
    pub vpn_ips: Vec<String>,
    pub cn_ip: String,
    pub tz: &'static str,
    pub personas: Vec<usize>,
}

pub(crate) struct Facilitator {
    pub addr: Addr,
    pub ip: String,
    pub members: Vec<String>,
    /// Every third facilitator rents a block of static addresses and
    /// gives each laptop its own, so they share a /24, not an address.
    pub block: bool,
}

impl Facilitator {
    /// The address the `hire`-th worker's laptop signs in from.
    pub fn ip_for(&self, hire: usize) -> String {
        if !self.block {
            return self.ip.clone();
        }
        let net = self
            .ip
            .rsplit_once('.')
            .map_or(self.ip.as_str(), |(n, _)| n);
        format!("{net}.{}", 2 + hire % 250)
    }
}

const DEFAULT_AVATAR: &str = "8000000000000000";
const COMMON_FINGERPRINTS: [&str; 5] = [
    "fp_chrome_win_common",
    "fp_safari_mac_common",
    "fp_chrome_mac_common",
    "fp_edge_win_common",
    "fp_firefox_win_common",
];

fn fill(r: &mut Rng, pattern: &str) -> String {
    pattern
        .chars()
        .map(|c| match c {
            '#' => char::from(b'0' + r.below(10) as u8),
            'A' => char::from(b'A' + r.below(26) as u8),
            _ => c,
        })
        .collect()
}

fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ä' | 'á' | 'à' | 'ã' | 'â' => Some('a'),
            'é' | 'è' | 'ê' => Some('e'),
            'í' => Some('i'),
            'ö' | 'ó' | 'ô' | 'ő' => Some('o'),
            'ü' | 'ú' => Some('u'),
            'ç' | 'ć' => Some('c'),
            'ñ' | 'ń' => Some('n'),
            'ś' | 'ß' => Some('s'),
            'ł' => Some('l'),
            'ż' | 'ź' => Some('z'),
            'ę' => Some('e'),
            'ą' => Some('a'),
            _ => None,
        })
        .collect()
}

fn ip_in(r: &mut Rng, p16: &[(u8, u8)]) -> String {
    let (a, b) = *r.pick(p16);
    format!("{a}.{b}.{}.{}", r.below(256), 1 + r.below(254))
}

fn address(r: &mut Rng, c: &'static Country) -> Addr {
    let (city, region) = *r.pick(c.cities);
    let street = *r.pick(c.streets);
    let n = 1 + r.below(180);
    let line1 = match c.code {
        "DE" | "NL" | "PL" | "PT" | "ES" | "BR" | "UA" => format!("{street} {n}"),
        _ => format!("{n} {street}"),
    };
    Addr {
        line1,
        city: city.into(),
        region: region.into(),
        postcode: fill(r, c.postcode),
        country: c,
    }
}

fn resume(r: &mut Rng) -> String {
    let years = 3 + r.below(12);
    let role = r.pick(ROLES);
    let (s1, s2, s3) = (r.pick(SKILLS), r.pick(SKILLS), r.pick(SKILLS));
    let co = r.pick(COMPANIES);
    format!(
        "Senior {role} with {years} years of experience building production systems in {s1}, {s2} and {s3}. At {co} I led a team of {} engineers, cut cloud spend by {}% and shipped a payments platform used by {} customers. Open-source contributor; interested in distributed systems, developer tooling and mentoring.",
        2 + r.below(8),
        10 + r.below(40),
        1000 * (1 + r.below(90))
    )
}

/// A light edit of an operator's base résumé: a few words changed.
fn near_duplicate(r: &mut Rng, base: &str) -> String {
    let mut words: Vec<String> = base.split(' ').map(String::from).collect();
    for _ in 0..(1 + r.below(3)) {
        let i = r.below(words.len() as u64) as usize;
        words[i] = r.pick(SKILLS).to_string();
    }
    words.join(" ")
}

fn flip_bits(r: &mut Rng, h: u64, n: u64) -> u64 {
    let mut h = h;
    for _ in 0..n {
        h ^= 1 << r.below(64);
    }
    h
}

fn weighted_home(r: &mut Rng, o: &Origin) -> &'static Country {
    let total: u32 = o.homes.iter().map(|h| h.1).sum();
    let mut x = r.below(total as u64) as u32;
    for (code, w) in o.homes {
        if x < *w {
            // A country code may have several zones (US east and central).
            let options: Vec<&'static Country> =
                COUNTRIES.iter().filter(|c| c.code == *code).collect();
            return *r.pick(&options);
        }
        x -= w;
    }
    unreachable!()
}

fn iban(r: &mut Rng, cc: &str) -> String {
    format!("{cc}{}", fill(r, "## #### #### #### #### ##"))
}

fn new_person(
    r: &mut Rng,
    actor: String,
    origin: &'static Origin,
    home_country: Option<&'static Country>,
    story: &'static str,
) -> Person {
    let given = r.pick(origin.given).to_string();
    let family = r.pick(origin.family).to_string();
    let c = home_country.unwrap_or_else(|| weighted_home(r, origin));
    let home = address(r, c);
    let domain = *r.pick(&[
        "gmail.com",
        "outlook.com",
        "proton.me",
        "yahoo.com",
        "icloud.com",
        "gmx.de",
    ]);
    let email = format!(
        "{}.{}{}@{domain}",
        ascii_slug(&given),
        ascii_slug(&family),
        r.below(1000)
    );
    let dob = Day(Day::parse("1975-01-01").unwrap().0 + r.below(365 * 27) as i32);
    Person {
        actor,
        origin,
        given,
        family,
        phone: fill(r, c.phone),
        email,
        dob,
        tz: c.tz,
        home_ip: ip_in(r, c.ip16),
        fingerprint: format!("fp_{:012x}", r.next_u64() >> 16),
        phash: format!("{:016x}", r.next_u64()),
        resume: resume(r),
        bank: iban(r, c.code),
        home,
        story,
    }
}

/// Generates the world into `out/workspace` and `out/truth.json`.
pub fn generate(out: &Path, opts: &Options) -> io::Result<Generated> {
    let mut g = write::Gen::new(out, opts)?;
    g.run()?;
    g.finish()
}

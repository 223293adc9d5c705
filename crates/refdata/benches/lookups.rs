//! IP lookups per second with every pack loaded, beside the MaxMind DB
//! reader used directly (what a user of GeoIP-style files would do).
//!
//!     cargo bench -p unmask-refdata --bench lookups [-- N]
//!
//! Installs the packs from ../shared/data into a temporary directory,
//! measures start-up (loading the compiled index and the other packs), then
//! N (default 10 million) random addresses, 80 % IPv4 and 20 % IPv6, on one
//! thread.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Instant;
use unmask_refdata::{Intel, packs, rebuild_ip_index, store};

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let shared = std::env::var_os("UNMASK_SHARED_DATA")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let data = tempfile::tempdir().unwrap();
    let t = Instant::now();
    for p in packs::PACKS {
        store::install(data.path(), p, &store::Source::Dir(&shared)).unwrap();
    }
    rebuild_ip_index(data.path()).unwrap();
    println!("install + index build: {:.2} s", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let intel = Intel::load(data.path());
    let startup = t.elapsed().as_secs_f64();
    assert!(intel.missing.is_empty());

    // Random addresses from a fixed-seed generator (SplitMix64).
    let mut s = 0x5EED_u64;
    let mut next = || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let ips: Vec<IpAddr> = (0..n)
        .map(|i| {
            if i % 5 == 4 {
                // Global unicast IPv6 (2000::/3), where allocations live.
                let hi = (next() & 0x1FFF_FFFF_FFFF_FFFF) | 0x2000_0000_0000_0000;
                IpAddr::V6(Ipv6Addr::from(((hi as u128) << 64) | next() as u128))
            } else {
                IpAddr::V4(Ipv4Addr::from(next() as u32))
            }
        })
        .collect();

    let t = Instant::now();
    let mut known = 0usize;
    for &ip in &ips {
        let f = intel.ip_facts(ip);
        known +=
            f.asn.is_some() as usize + (f.kind != unmask_refdata::ip::IpKind::Unknown) as usize;
        black_box(&f);
    }
    let ours = t.elapsed().as_secs_f64();

    // Anchor: the two MaxMind DBs queried directly for ASN and country.
    let asn_db = maxminddb::Reader::open_readfile(
        store::current(data.path(), "ip-asn")
            .unwrap()
            .0
            .join("iptoasn-asn.mmdb"),
    )
    .unwrap();
    let cc_db = maxminddb::Reader::open_readfile(
        store::current(data.path(), "ip-country")
            .unwrap()
            .0
            .join("geo-whois-asn-country.mmdb"),
    )
    .unwrap();
    #[derive(serde::Deserialize)]
    struct Rec {
        autonomous_system_number: Option<u32>,
        country_code: Option<String>,
    }
    let m = (n / 10).max(1);
    let t = Instant::now();
    let mut found = 0usize;
    for &ip in &ips[..m] {
        let a = asn_db
            .lookup(ip)
            .ok()
            .and_then(|r| r.decode::<Rec>().ok().flatten());
        let c = cc_db
            .lookup(ip)
            .ok()
            .and_then(|r| r.decode::<Rec>().ok().flatten());
        found += a.and_then(|r| r.autonomous_system_number).is_some() as usize
            + c.and_then(|r| r.country_code).is_some() as usize;
    }
    let theirs = t.elapsed().as_secs_f64();

    println!("start-up (load index and packs): {:.3} s", startup);
    println!("| lookup path | addresses | lookups/s | what it answers |");
    println!("|---|---|---|---|");
    println!(
        "| unmask `Intel::ip_facts` (one thread) | {n} | {:.2} M | ASN, org, country, kind (Tor/VPN/cloud/datacenter), source |",
        n as f64 / ours / 1e6
    );
    println!(
        "| maxminddb reader, ASN + country DBs (one thread) | {m} | {:.2} M | ASN, country |",
        m as f64 / theirs / 1e6
    );
    println!("(answers with an ASN or a kind: {known}; anchor answers: {found})");
}

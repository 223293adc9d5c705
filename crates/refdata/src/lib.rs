//! Reference intelligence: facts the user's own records do not carry.
//!
//! Data packs (IP→ASN, IP→country, VPN/cloud/datacenter/Tor ranges, the
//! LOLRMM remote-access catalogue, IP-KVM USB identities) are installed into
//! a data directory ([`store`]) from their public upstream sources or a
//! local mirror, each with a manifest (source, licence, build date, sha256,
//! record count). [`Intel::load`] opens what is installed and answers the
//! detectors' questions through one interface:
//! `ip → {asn, org, country, kind, source}`, process/path → remote tool,
//! USB ids + strings → device class, process → VPN client (a small
//! built-in table, [`vpn_clients`]). Detectors read these facts only
//! through this crate.

pub mod download;
pub mod ip;
pub mod lists;
pub mod packs;
pub mod rmm;
pub mod store;
pub mod usb;
pub mod vpn_clients;

use std::path::Path;

/// Opens a user-supplied CSV: its reader, lower-cased headers, and the
/// name to cite in errors.
pub(crate) fn open_csv(
    path: &Path,
) -> Result<(csv::Reader<std::fs::File>, Vec<String>, String), String> {
    let name = path.display().to_string();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| format!("{name}: {e}"))?;
    let headers = r
        .headers()
        .map_err(|e| format!("{name}: {e}"))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    Ok((r, headers, name))
}

/// Everything installed, loaded once per run.
pub struct Intel {
    pub ip: Option<ip::IpIndex>,
    pub rmm: Option<rmm::RmmIndex>,
    pub usb: Option<usb::UsbIndex>,
    /// The user's own known-bad and allow lists (empty when none).
    pub lists: lists::Lists,
    /// The sanctions lists of the `sanctions` pack, indexed for screening.
    pub sanctions: Option<unmask_sanctions::Index>,
    /// What is missing, with how to install it.
    pub missing: Vec<String>,
}

/// The compiled IP index inside a data directory.
pub fn ip_index_path(data: &Path) -> std::path::PathBuf {
    data.join("index").join("ip.bin")
}

/// The sources of the IP index: a user's own databases and tags first,
/// then the shipped packs.
pub fn ip_sources(data: &Path) -> ip::Sources {
    let file = |pack: &str, name: &str| {
        store::current(data, pack)
            .map(|(d, _)| d.join(name))
            .filter(|p| p.exists())
    };
    let mut countries = vec![];
    countries.extend(file("user-country", "user-country.mmdb"));
    countries.extend(file("ip-country", "geo-whois-asn-country.mmdb"));
    countries.extend(file("ip-country", "iptoasn-country.mmdb"));
    ip::Sources {
        asn: file("user-asn", "user-asn.mmdb").or_else(|| file("ip-asn", "iptoasn-asn.mmdb")),
        countries,
        lists_dir: store::current(data, "vpn").map(|(d, _)| d),
        tags: file("user-proxy", "user-proxy.csv"),
    }
}

/// Rebuilds the IP index from what is installed (called after an install).
pub fn rebuild_ip_index(data: &Path) -> Result<(usize, usize, usize), String> {
    let src = ip_sources(data);
    if src.asn.is_none()
        && src.countries.is_empty()
        && src.lists_dir.is_none()
        && src.tags.is_none()
    {
        return Ok((0, 0, 0));
    }
    let index = ip::IpIndex::build(&src)?;
    let path = ip_index_path(data);
    std::fs::create_dir_all(path.parent().unwrap()).map_err(|e| e.to_string())?;
    index.save(&path).map_err(|e| e.to_string())?;
    Ok(index.sizes())
}

impl Intel {
    /// Everything known about an IP. Without the IP packs, the country
    /// still comes from the registries' delegation data compiled into the
    /// binary (iptocc); ASN and kind are then unknown.
    pub fn ip_facts(&self, ip: std::net::IpAddr) -> ip::IpFacts<'_> {
        let registry = || match ip.to_canonical() {
            std::net::IpAddr::V4(v4) => iptocc::country_code(v4),
            std::net::IpAddr::V6(v6) => iptocc::country_code(v6),
        };
        match &self.ip {
            Some(ix) => {
                let mut f = ix.lookup(ip);
                if f.country.is_none() {
                    f.country = registry();
                }
                f
            }
            None => ip::IpFacts {
                asn: None,
                org: None,
                country: registry(),
                kind: ip::IpKind::Unknown,
                source: None,
            },
        }
    }

    pub fn load(data: &Path) -> Intel {
        let mut missing = vec![];
        let hint = |p: &str| {
            format!("data pack '{p}' is not installed (run `unmask data install --only {p}`)")
        };
        let ip = match ip::IpIndex::load(&ip_index_path(data)) {
            Ok(ix) => Some(ix),
            Err(_) => {
                missing.push(hint("ip-asn ip-country vpn"));
                None
            }
        };
        let rmm = store::current(data, "rmm").and_then(|(d, _)| rmm::RmmIndex::load(&d).ok());
        if rmm.is_none() {
            missing.push(hint("rmm"));
        }
        let usb = store::current(data, "usb").and_then(|(d, _)| usb::UsbIndex::load(&d).ok());
        if usb.is_none() {
            missing.push(hint("usb"));
        }
        let sanctions = store::current(data, "sanctions")
            .and_then(|(d, _)| unmask_sanctions::load_dir(&d).ok())
            .map(|loaded| unmask_sanctions::Index::new(loaded.entities));
        if sanctions.is_none() {
            missing.push(hint("sanctions"));
        }
        let lists = store::current(data, "user-lists")
            .and_then(|(d, _)| lists::Lists::load(&d.join("user-lists.csv")).ok())
            .unwrap_or_default();
        Intel {
            ip,
            rmm,
            usb,
            lists,
            sanctions,
            missing,
        }
    }
}

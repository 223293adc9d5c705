//! Installing every pack from `../shared/data`, verification and atomic
//! replacement, resumable downloads from a loopback mirror, and the lookups
//! detectors rely on.

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use unmask_refdata::ip::IpKind;
use unmask_refdata::store::{self, Source};
use unmask_refdata::usb::Strength;
use unmask_refdata::{Intel, packs, rebuild_ip_index};

/// The project's shared reference data: `$UNMASK_SHARED_DATA` (set by
/// .ci/run), else `../shared/data` beside the clone.
fn shared() -> PathBuf {
    std::env::var_os("UNMASK_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"))
}

fn sha256(p: &Path) -> String {
    Sha256::digest(std::fs::read(p).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// All packs installed once from the shared mirror, for the lookup tests.
fn installed() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        for p in packs::PACKS {
            store::install(d.path(), p, &Source::Dir(&shared()))
                .unwrap_or_else(|e| panic!("{}: {e}", p.name));
        }
        rebuild_ip_index(d.path()).unwrap();
        d
    })
    .path()
}

#[test]
fn every_pack_installs_with_a_manifest_that_matches_its_files() {
    let data = installed();
    for p in packs::PACKS {
        let (dir, m) = store::current(data, p.name).expect("installed");
        assert_eq!(m.pack, p.name);
        assert_eq!(m.licence, p.licence);
        assert_eq!(m.files.len(), p.files.len());
        assert!(
            unmask_model::Timestamp::parse(&m.built_at).is_ok()
                && unmask_model::Timestamp::parse(&m.installed_at).is_ok()
        );
        for f in &m.files {
            assert_eq!(f.sha256, sha256(&dir.join(&f.name)), "{}", f.name);
            assert_eq!(
                f.sha256,
                sha256(
                    &shared().join(
                        p.files
                            .iter()
                            .find(|x| x.mirror.ends_with(&f.name))
                            .unwrap()
                            .mirror
                    )
                )
            );
            assert!(f.records > 0, "{} has records", f.name);
        }
    }
    let asn = store::current(data, "ip-asn").unwrap().1;
    assert_eq!(
        &asn.built_at[..10],
        "2026-09-16",
        "an mmdb's build date comes from its metadata"
    );
    let st = store::status(data);
    assert!(st.iter().all(|s| s.installed.is_some()));
    assert!(
        st.iter().find(|s| s.pack == "ip-asn").unwrap().stale,
        "built in September: older than the 30-day limit"
    );
}

#[test]
fn known_lookups() {
    let intel = Intel::load(installed());
    assert!(intel.missing.is_empty(), "{:?}", intel.missing);
    let sanctions = intel.sanctions.as_ref().unwrap();
    assert!(
        sanctions.entities.len() >= 14_965,
        "the pack's OFAC entries"
    );
    let ip = |s: &str| intel.ip_facts(s.parse().unwrap());
    // ProtonVPN (provider-published range), a Tor exit, an AWS range.
    let proton = ip("2.58.241.66");
    assert_eq!(
        (proton.kind, proton.source),
        (IpKind::Vpn, Some("protonvpn"))
    );
    assert_eq!(ip("204.8.96.141").kind, IpKind::Tor);
    let aws = ip("1.178.1.7");
    assert_eq!(
        (aws.kind, aws.source, aws.asn),
        (IpKind::Cloud, Some("amazon"), Some(16509))
    );
    // A residential BT address: GB, AS2856, and no claim it is residential.
    for bt in ["86.130.1.1", "2a00:23c4::1"] {
        let f = ip(bt);
        assert_eq!(
            (f.country, f.asn, f.kind),
            (Some("GB"), Some(2856), IpKind::Unknown),
            "{bt}"
        );
        assert!(f.org.unwrap().contains("BT"));
    }
    assert_eq!(
        ip("::ffff:86.130.1.1"),
        ip("86.130.1.1"),
        "IPv4-mapped IPv6 is the IPv4"
    );
    assert_eq!(ip("10.1.2.3").asn, None);
    // A cloud feed that lists documentation space does not make it cloud.
    assert_eq!(ip("198.51.100.10").kind, IpKind::Unknown);
    // Remote tools by path and by name.
    let rmm = intel.rmm.as_ref().unwrap();
    assert_eq!(
        rmm.lookup(None, Some(r"C:\Program Files (x86)\AnyDesk\AnyDesk.exe"))
            .unwrap()
            .name,
        "AnyDesk"
    );
    assert_eq!(
        rmm.lookup(Some("RustDesk.exe"), None).unwrap().name,
        "RustDesk"
    );
    assert!(
        rmm.lookup(
            Some("chrome.exe"),
            Some(r"C:\Program Files\Google\Chrome\Application\chrome.exe")
        )
        .is_none()
    );
    // PiKVM by its default strings; the bare generic gadget id is weak.
    let usb = intel.usb.as_ref().unwrap();
    let pikvm = usb
        .lookup(
            "1d6b",
            "0104",
            Some("PiKVM"),
            Some("PiKVM Composite Device"),
        )
        .unwrap();
    assert_eq!(
        (pikvm.kind.as_str(), pikvm.strength),
        ("ip-kvm", Strength::Strong)
    );
    assert!(pikvm.device.contains("PiKVM"));
    assert_eq!(
        usb.lookup("1d6b", "0104", Some("Linux"), Some("Gadget"))
            .unwrap()
            .strength,
        Strength::Weak
    );
    assert_eq!(
        usb.lookup("3346", "1009", None, None).unwrap().strength,
        Strength::Strong,
        "NanoKVM's own id"
    );
    assert!(
        usb.lookup("046d", "c52b", Some("Logitech"), Some("USB Receiver"))
            .is_none()
    );
}

#[test]
fn without_packs_countries_still_resolve_and_missing_packs_are_named() {
    let d = tempfile::tempdir().unwrap();
    let intel = Intel::load(d.path());
    assert_eq!(intel.missing.len(), 4);
    assert!(intel.sanctions.is_none());
    assert!(
        intel
            .missing
            .iter()
            .any(|m| m.contains("unmask data install --only rmm"))
    );
    let f = intel.ip_facts("86.130.1.1".parse().unwrap());
    assert_eq!((f.country, f.asn), (Some("GB"), None));
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&dst).unwrap();
            copy_tree(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn a_corrupt_update_leaves_the_installed_pack_in_use() {
    let d = tempfile::tempdir().unwrap();
    let vpn = packs::pack("vpn").unwrap();
    let first = store::install(d.path(), vpn, &Source::Dir(&shared())).unwrap();
    // A mirror whose Tor list is fine but whose ProtonVPN list is garbage.
    let mirror = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(mirror.path().join("netintel")).unwrap();
    copy_tree(&shared().join("netintel"), &mirror.path().join("netintel"));
    let bad = mirror
        .path()
        .join("netintel/vpn/cloud-ranges/protonvpn_ipv4_merged.txt");
    std::fs::set_permissions(&bad, std::os::unix::fs::PermissionsExt::from_mode(0o644)).ok();
    std::fs::write(&bad, "2.58.241.66/32\n<html>rate limited</html>\n").unwrap();
    let err = store::install(d.path(), vpn, &Source::Dir(mirror.path())).unwrap_err();
    assert!(err.contains("protonvpn_ipv4_merged.txt line 2"), "{err}");
    let (_, now) = store::current(d.path(), "vpn").unwrap();
    assert_eq!(now, first, "the old version is still current");
    // A truncated MaxMind DB is refused the same way.
    let asn = packs::pack("ip-asn").unwrap();
    store::install(d.path(), asn, &Source::Dir(&shared())).unwrap();
    let mmdb = mirror.path().join("netintel/mmdb/iptoasn-asn.mmdb");
    let bytes = std::fs::read(&mmdb).unwrap();
    std::fs::write(&mmdb, &bytes[..bytes.len() / 3]).unwrap();
    assert!(store::install(d.path(), asn, &Source::Dir(mirror.path())).is_err());
    assert!(store::current(d.path(), "ip-asn").is_some());
    assert!(
        !std::fs::read_dir(store::pack_dir(d.path(), "vpn"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(".staging")),
        "staging cleaned up"
    );
}

/// A loopback HTTP mirror of `root` that honours `Range`, and that cuts the
/// first full download of a large file off halfway.
fn serve(root: PathBuf) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let ranged = Arc::new(AtomicUsize::new(0));
    let r2 = ranged.clone();
    let cut = Arc::new(AtomicBool::new(true));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(200) {
            let Ok(mut s) = stream else { continue };
            let mut reader = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut range: Option<u64> = None;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
                if let Some(v) = h.to_ascii_lowercase().strip_prefix("range: bytes=") {
                    range = v.trim().trim_end_matches('-').parse().ok();
                }
            }
            let Ok(mut body) = std::fs::read(root.join(path.trim_start_matches('/'))) else {
                let _ = s.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
                continue;
            };
            let total = body.len();
            match range {
                Some(start) => {
                    r2.fetch_add(1, Ordering::SeqCst);
                    body = body.split_off(start as usize);
                    let _ = write!(
                        s,
                        "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{total}\r\nConnection: close\r\n\r\n",
                        body.len(),
                        total - 1
                    );
                    let _ = s.write_all(&body);
                }
                None if total > 1_000_000 && cut.swap(false, Ordering::SeqCst) => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
                    );
                    let _ = s.write_all(&body[..total / 2]);
                    let _ = s.shutdown(std::net::Shutdown::Both);
                }
                None => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Length: {total}\r\nConnection: close\r\n\r\n"
                    );
                    let _ = s.write_all(&body);
                }
            }
            let _ = s.flush();
            let mut sink = [0u8; 16];
            let _ = s.read(&mut sink);
        }
    });
    (url, ranged)
}

#[test]
fn downloads_resume_after_an_interruption_and_install_from_a_mirror_url() {
    let (url, ranged) = serve(shared());
    let d = tempfile::tempdir().unwrap();
    let asn = packs::pack("ip-asn").unwrap();
    let err = store::install(d.path(), asn, &Source::Url(&url)).unwrap_err();
    assert!(err.contains("resume"), "{err}");
    assert!(
        store::current(d.path(), "ip-asn").is_none(),
        "nothing half-downloaded is installed"
    );
    let m = store::install(d.path(), asn, &Source::Url(&url)).unwrap();
    assert_eq!(
        ranged.load(Ordering::SeqCst),
        1,
        "the second attempt asked only for the rest"
    );
    assert_eq!(
        m.files[0].sha256,
        sha256(&shared().join("netintel/mmdb/iptoasn-asn.mmdb"))
    );
    assert!(m.files[0].source.starts_with(&url));
    let missing = store::install(
        d.path(),
        packs::pack("rmm").unwrap(),
        &Source::Url(&format!("{url}/nowhere")),
    );
    assert!(missing.unwrap_err().contains("404"));
}

#[test]
fn user_data_takes_precedence_and_lists_load() {
    let d = tempfile::tempdir().unwrap();
    for p in ["ip-asn", "vpn"] {
        store::install(d.path(), packs::pack(p).unwrap(), &Source::Dir(&shared())).unwrap();
    }
    // A user's own country database (here: the iptoasn one, flat layout)
    // is used without the shipped country pack.
    let m = store::install_user(
        d.path(),
        store::UserKind::Country,
        &shared().join("netintel/mmdb/iptoasn-country.mmdb"),
    )
    .unwrap();
    assert_eq!(
        (m.pack.as_str(), m.licence.as_str()),
        ("user-country", "user-supplied")
    );
    // A provider's tags, IPinfo privacy shape: the BT address is a VPN now.
    let tags = d.path().join("tags.csv");
    std::fs::write(&tags, "network,vpn,proxy,tor,relay,hosting,service\n86.130.0.0/16,true,false,false,false,false,ExampleVPN\n81.2.69.0/24,false,false,false,false,true,\n").unwrap();
    store::install_user(d.path(), store::UserKind::Proxy, &tags).unwrap();
    let lists = d.path().join("lists.csv");
    std::fs::write(
        &lists,
        "kind,value,note\nemail,Known.Bad+x@GMail.com,case 2026-14\nphone,+1 571 555 0101,\nwallet,0xABCDEF0123,\ndomain,@fraud.example,\nip,185.220.101.5,\nallow_ip_range,198.51.100.0/24,corporate VPN\nallow_tool,AnyDesk,IT support\n",
    )
    .unwrap();
    let m = store::install_user(d.path(), store::UserKind::Lists, &lists).unwrap();
    assert_eq!(m.files[0].records, 7);
    rebuild_ip_index(d.path()).unwrap();
    let intel = Intel::load(d.path());
    let bt = intel.ip_facts("86.130.1.1".parse().unwrap());
    assert_eq!(
        (bt.country, bt.kind, bt.source),
        (Some("GB"), IpKind::Vpn, Some("user:ExampleVPN"))
    );
    assert_eq!(
        intel.ip_facts("81.2.69.9".parse().unwrap()).kind,
        IpKind::Datacenter
    );
    use unmask_refdata::lists::BadKind;
    let l = &intel.lists;
    assert_eq!(
        l.bad(BadKind::Email, "knownbad@gmail.com"),
        Some("case 2026-14"),
        "normalised like the graph"
    );
    assert!(l.bad(BadKind::Phone, "+15715550101").is_some());
    assert!(l.bad(BadKind::Wallet, "crypto:0xabcdef0123").is_some());
    assert!(l.bad(BadKind::Domain, "fraud.example").is_some());
    assert!(
        l.allowed_ip("198.51.100.10".parse().unwrap())
            && !l.allowed_ip("198.51.101.10".parse().unwrap())
    );
    assert!(l.allowed_tool("anydesk"));
    assert!(
        store::status(d.path())
            .iter()
            .any(|s| s.pack == "user-lists")
    );
    // Bad user files are refused with the row that is wrong.
    std::fs::write(&lists, "kind,value\nemail,not-an-address\n").unwrap();
    let err = store::install_user(d.path(), store::UserKind::Lists, &lists).unwrap_err();
    assert!(
        err.contains("row 2") && err.contains("not an e-mail"),
        "{err}"
    );
    std::fs::write(&tags, "network,kind\nnonsense,vpn\n").unwrap();
    assert!(
        store::install_user(d.path(), store::UserKind::Proxy, &tags)
            .unwrap_err()
            .contains("row 2")
    );
    assert_eq!(
        Intel::load(d.path()).lists.len(),
        7,
        "the earlier lists stay in use"
    );
}

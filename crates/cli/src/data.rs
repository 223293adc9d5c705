//! `unmask data install|status|lookup`: reference data packs.

use clap::Subcommand;
use std::path::{Path, PathBuf};
use unmask_refdata::{Intel, packs, store};

#[derive(Subcommand)]
pub enum DataCmd {
    /// Install or update data packs (all by default), from their public
    /// upstream locations, a local mirror directory or a mirror URL.
    Install {
        /// A directory (laid out like shared/data) or an http(s) URL of one.
        #[arg(long)]
        from: Option<String>,
        /// Only these packs (ip-asn, ip-country, vpn, rmm, usb).
        #[arg(long, num_args = 1..)]
        only: Vec<String>,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Use your own data: a MaxMind GeoIP2/GeoLite2, IPinfo or DB-IP
    /// database (asn, country), a provider's VPN/proxy tags (proxy: CSV of
    /// network,kind or IPinfo's privacy columns), or your own lists (lists:
    /// CSV kind,value[,note] with kinds email, phone, domain, ip, wallet,
    /// allow_ip_range, allow_tool). Your files take precedence.
    Add {
        /// asn, country, proxy or lists
        kind: String,
        file: PathBuf,
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// What is installed, how old it is, and what is stale or missing.
    Status {
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Ask the installed data about an IP, a process or a USB device.
    Lookup {
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// An IPv4 or IPv6 address (repeatable).
        #[arg(long)]
        ip: Vec<String>,
        /// A process name, e.g. AnyDesk.exe.
        #[arg(long)]
        process: Option<String>,
        /// A process or install path.
        #[arg(long)]
        path: Option<String>,
        /// USB vendor:product id, e.g. 1d6b:0104.
        #[arg(long)]
        usb: Option<String>,
        #[arg(long)]
        manufacturer: Option<String>,
        #[arg(long)]
        product: Option<String>,
    },
}

fn dir(d: Option<PathBuf>) -> PathBuf {
    d.unwrap_or_else(store::default_data_dir)
}

pub fn run(cmd: DataCmd) -> Result<(), String> {
    match cmd {
        DataCmd::Install {
            from,
            only,
            data_dir,
        } => install(&dir(data_dir), from.as_deref(), &only),
        DataCmd::Add {
            kind,
            file,
            data_dir,
        } => {
            let data = dir(data_dir);
            let k = store::UserKind::parse(&kind).ok_or_else(|| {
                format!("unknown kind {kind:?}: use asn, country, proxy or lists")
            })?;
            let m = store::install_user(&data, k, &file)?;
            println!(
                "added {} from {} · {} records · version {}",
                m.pack,
                file.display(),
                m.records(),
                m.version
            );
            if matches!(
                k,
                store::UserKind::Asn | store::UserKind::Country | store::UserKind::Proxy
            ) {
                let (a, c, x) = unmask_refdata::rebuild_ip_index(&data)?;
                println!(
                    "IP index rebuilt: {a} ASN ranges, {c} country ranges, {x} VPN/cloud/datacenter/Tor ranges"
                );
            }
            Ok(())
        }
        DataCmd::Status { data_dir } => {
            status(&dir(data_dir));
            Ok(())
        }
        DataCmd::Lookup {
            data_dir,
            ip,
            process,
            path,
            usb,
            manufacturer,
            product,
        } => lookup(
            &dir(data_dir),
            &ip,
            process,
            path,
            usb,
            manufacturer,
            product,
        ),
    }
}

fn install(data: &Path, from: Option<&str>, only: &[String]) -> Result<(), String> {
    for o in only {
        if packs::pack(o).is_none() {
            return Err(format!(
                "no pack named {o:?}; packs: {}",
                packs::PACKS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    let source = match from {
        Some(u) if u.starts_with("http://") || u.starts_with("https://") => store::Source::Url(u),
        Some(d) => {
            if !Path::new(d).is_dir() {
                return Err(format!("{d} is not a directory"));
            }
            store::Source::Dir(Path::new(d))
        }
        None => store::Source::Upstream,
    };
    let mut failed = vec![];
    for p in packs::PACKS
        .iter()
        .filter(|p| only.is_empty() || only.iter().any(|o| o == p.name))
    {
        match store::install(data, p, &source) {
            Ok(m) => println!(
                "installed {:<10} version {} · {} records · built {} · {}",
                p.name,
                m.version,
                m.records(),
                &m.built_at[..10.min(m.built_at.len())],
                m.licence
            ),
            Err(e) => {
                eprintln!(
                    "failed    {:<10} {e} (the installed version, if any, is still in use)",
                    p.name
                );
                failed.push(p.name);
            }
        }
    }
    match unmask_refdata::rebuild_ip_index(data) {
        Ok((a, c, k)) if a + c + k > 0 => println!(
            "IP index: {a} ASN ranges, {c} country ranges, {k} VPN/cloud/datacenter/Tor ranges"
        ),
        Ok(_) => {}
        Err(e) => return Err(format!("building the IP index failed: {e}")),
    }
    println!("data directory: {}", data.display());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} pack(s) failed: {}",
            failed.len(),
            failed.join(", ")
        ))
    }
}

fn status(data: &Path) {
    println!("data directory: {}", data.display());
    for s in store::status(data) {
        match &s.installed {
            Some(m) => println!(
                "{:<10} {} · {} records · built {} ({} days ago){} · {}",
                s.pack,
                m.version,
                m.records(),
                &m.built_at[..10.min(m.built_at.len())],
                s.age_days.unwrap_or(0),
                if s.stale {
                    " · STALE: run `unmask data install` to update"
                } else {
                    ""
                },
                m.licence
            ),
            None => println!(
                "{:<10} not installed (unmask data install --only {})",
                s.pack, s.pack
            ),
        }
    }
}

fn lookup(
    data: &Path,
    ips: &[String],
    process: Option<String>,
    path: Option<String>,
    usb: Option<String>,
    manufacturer: Option<String>,
    product: Option<String>,
) -> Result<(), String> {
    let intel = Intel::load(data);
    for m in &intel.missing {
        eprintln!("note: {m}");
    }
    for ip in ips {
        let addr: std::net::IpAddr = ip
            .parse()
            .map_err(|_| format!("{ip:?} is not an IP address"))?;
        let f = intel.ip_facts(addr);
        println!(
            "{}",
            serde_json::json!({"ip": ip, "asn": f.asn, "org": f.org, "country": f.country, "kind": f.kind.as_str(), "source": f.source})
        );
    }
    if process.is_some() || path.is_some() {
        let t = intel
            .rmm
            .as_ref()
            .and_then(|r| r.lookup(process.as_deref(), path.as_deref()));
        println!(
            "{}",
            serde_json::json!({"process": process, "path": path, "rmm_tool": t.map(|t| &t.name), "category": t.map(|t| &t.category)})
        );
    }
    if let Some(u) = usb {
        let (vid, pid) = u
            .split_once(':')
            .ok_or("--usb takes vendor:product, e.g. 1d6b:0104")?;
        let m = intel
            .usb
            .as_ref()
            .and_then(|x| x.lookup(vid, pid, manufacturer.as_deref(), product.as_deref()));
        println!(
            "{}",
            serde_json::json!({"usb": u, "device": m.as_ref().map(|m| &m.device), "kind": m.as_ref().map(|m| &m.kind), "strength": m.as_ref().map(|m| format!("{:?}", m.strength).to_lowercase())})
        );
    }
    Ok(())
}

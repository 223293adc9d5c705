//! Network: application and sign-in IPs in Tor, VPN, datacenter or cloud
//! ranges, read through the reference-data layer.
//!
//! iCloud Private Relay is a VPN by construction but is on by default for
//! many honest Apple users, so it weighs little.

use crate::{Signal, Subject, Weights, list};
use rustc_hash::FxHashMap;
use unmask_graph::{IdentityGraph, Node, PersonaId, Role};
use unmask_refdata::Intel;
use unmask_refdata::ip::IpKind;

/// A sign-in IP counts when a worker used it this often.
const MIN_EVENTS: u32 = 3;

fn weight(w: &Weights, kind: IpKind, source: Option<&str>) -> Option<(&'static str, f64)> {
    Some(match kind {
        IpKind::Tor => ("tor_ip", w.tor_ip),
        IpKind::Vpn if source == Some("icloud-private-relay") => ("vpn_ip", w.private_relay_ip),
        IpKind::Vpn => ("vpn_ip", w.vpn_ip),
        IpKind::Datacenter => ("datacenter_ip", w.datacenter_ip),
        IpKind::Cloud => ("cloud_ip", w.cloud_ip),
        IpKind::Unknown => return None,
    })
}

pub fn detect(g: &IdentityGraph, intel: &Intel, w: &Weights, out: &mut Vec<Signal>) {
    // Without the IP packs, only Okta's own proxy flag speaks.
    let classify = intel.ip.is_some();
    for (i, p) in g.personas.iter().enumerate() {
        let pid = PersonaId(i as u32);
        let applied = g
            .edges_from(Node::Persona(pid))
            .filter(|e| e.role == Role::ApplyIp)
            .map(|e| (e.to, e.count, "applied from"));
        let signed_in = g
            .logins_of(pid)
            .iter()
            .flat_map(|&x| g.edges_from(Node::External(x)))
            .filter(|e| e.role == Role::LoginIp && e.count >= MIN_EVENTS)
            .map(|e| (e.to, e.count, "signed in from"));
        let mut by_kind: FxHashMap<&'static str, (f64, Vec<String>, Vec<u32>)> =
            FxHashMap::default();
        for (id, count, how) in applied.chain(signed_in).filter(|_| classify) {
            let Ok(addr) = g.ident_text(id).parse::<std::net::IpAddr>() else {
                continue;
            };
            if intel.lists.allowed_ip(addr) {
                continue;
            }
            let f = intel.ip_facts(addr);
            let Some((sig, wt)) = weight(w, f.kind, f.source) else {
                continue;
            };
            let e = by_kind.entry(sig).or_default();
            e.0 = e.0.max(wt);
            let org = f.org.map(|o| format!(", {o}")).unwrap_or_default();
            let times = if how == "signed in from" {
                format!(" ×{count}")
            } else {
                String::new()
            };
            e.1.push(format!(
                "{how} {} ({}: {}{org}){times}",
                g.ident_text(id),
                f.kind.as_str(),
                f.source.unwrap_or("")
            ));
            e.2.push(id.0);
        }
        // Okta's own proxy flag, when no reference data classed the IPs:
        // the same fact as `vpn_ip`, so only one of them counts.
        if by_kind.is_empty() {
            let (proxied, events) = g.logins_of(pid).iter().fold((0, 0), |(p, n), &x| {
                let a = &g.activity[x.ix()];
                (p + a.proxied, n + a.events)
            });
            if proxied >= MIN_EVENTS as u64 && proxied * 5 >= events {
                out.push(Signal {
                    id: "okta_proxy",
                    subject: Subject::Persona(pid),
                    weight: w.okta_proxy,
                    evidence: format!(
                        "{} — Okta marked {proxied} of {events} sign-ins as through a proxy",
                        p.record_id
                    ),
                    cites: vec![],
                    fact: format!("okta_proxy:{}", p.record_id),
                });
            }
        }
        let mut kinds: Vec<_> = by_kind.into_iter().collect();
        kinds.sort_by_key(|(k, _)| *k);
        for (sig, (weight, what, ids)) in kinds {
            out.push(Signal {
                id: sig,
                subject: Subject::Persona(pid),
                weight,
                evidence: format!("{} {}", p.record_id, list(&what)),
                cites: vec![],
                fact: format!(
                    "{sig}:{}",
                    ids.iter()
                        .map(|&i| g.ident_text(unmask_graph::IdentId(i)))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            });
        }
    }
}

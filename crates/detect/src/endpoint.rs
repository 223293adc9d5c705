//! Endpoint: what osquery saw on a company laptop — an IP-KVM or a mouse
//! jiggler on the USB bus, remote-access tools or an Astrill VPN client
//! running — read through the reference-data layer. Signals go to the
//! device and to its worker.

use crate::{Signal, Subject, Weights, list};
use unmask_graph::{AssetId, IdentKind, IdentityGraph, Node, Role};
use unmask_refdata::Intel;
use unmask_refdata::usb::Strength;

pub fn detect(g: &IdentityGraph, intel: &Intel, w: &Weights, out: &mut Vec<Signal>) {
    // Host identifiers that name each asset.
    let mut hosts: Vec<Vec<Node>> = vec![vec![]; g.assets.len()];
    for (x, owner) in g.external_owner.iter().enumerate() {
        if let Some(Node::Asset(a)) = owner {
            hosts[a.ix()].push(Node::External(unmask_graph::ExternalId(x as u32)));
        }
    }
    for (i, asset) in g.assets.iter().enumerate() {
        let a = AssetId(i as u32);
        let facts: Vec<_> = hosts[i]
            .iter()
            .flat_map(|&h| g.edges_from(h))
            .filter(|e| e.role == Role::HostFact)
            .collect();
        let mut emit = |id: &'static str, weight: f64, evidence: String, fact: String| {
            let mut subjects = vec![Subject::Asset(a)];
            subjects.extend(asset.assigned_to.map(Subject::Persona));
            for s in subjects {
                out.push(Signal {
                    id,
                    subject: s,
                    weight,
                    evidence: evidence.clone(),
                    cites: vec![asset.record_id.clone()],
                    fact: fact.clone(),
                });
            }
        };
        if let Some(usb) = &intel.usb {
            for e in facts
                .iter()
                .filter(|e| g.ident_kind(e.to) == IdentKind::Usb)
            {
                // "vid:pid|vendor|model|serial"
                let text = g.ident_text(e.to);
                let mut parts = text.split('|');
                let ids = parts.next().unwrap_or("");
                let (vendor, model) = (
                    parts.next().filter(|s| !s.is_empty()),
                    parts.next().filter(|s| !s.is_empty()),
                );
                let Some((vid, pid)) = ids.split_once(':') else {
                    continue;
                };
                let Some(m) = usb.lookup(vid, pid, vendor, model) else {
                    continue;
                };
                let (id, weight) = match (m.kind.as_str(), m.strength) {
                    (k, _) if k.contains("jiggler") => ("mouse_jiggler", w.mouse_jiggler),
                    (_, Strength::Strong) => ("ip_kvm", w.ip_kvm),
                    (_, Strength::Weak) => ("ip_kvm", w.ip_kvm_weak),
                };
                let seen = format!(
                    "{} → {}",
                    e.first.to_string().get(..10).unwrap_or(""),
                    e.last.to_string().get(..10).unwrap_or("")
                );
                emit(
                    id,
                    weight,
                    format!(
                        "{} has USB device {ids} ({} / {}) on its bus: {} [{}], seen {seen}",
                        asset.record_id,
                        vendor.unwrap_or("?"),
                        model.unwrap_or("?"),
                        m.device,
                        m.kind
                    ),
                    format!("usb:{}:{}", asset.record_id, g.ident_text(e.to)),
                );
            }
        }
        if let Some(rmm) = &intel.rmm {
            let mut tools: Vec<(String, bool)> = facts
                .iter()
                .filter(|e| g.ident_kind(e.to) == IdentKind::Process)
                .filter_map(|e| {
                    let p = g.ident_text(e.to);
                    let exe = p.rsplit(['\\', '/']).next().unwrap_or(p);
                    rmm.lookup(Some(exe), Some(p)).map(|t| {
                        let sanctioned =
                            intel.lists.allowed_tool(&t.name) || intel.lists.allowed_tool(exe);
                        (
                            format!(
                                "{} ({p}){}",
                                t.name,
                                if sanctioned {
                                    ", company-sanctioned"
                                } else {
                                    ""
                                }
                            ),
                            sanctioned,
                        )
                    })
                })
                .collect();
            tools.sort();
            tools.dedup();
            if !tools.is_empty() {
                let weight = match tools.iter().filter(|t| !t.1).count() {
                    0 => w.sanctioned_tool,
                    1 => w.remote_tool,
                    _ => w.remote_tools_several,
                };
                let names: Vec<String> = tools.into_iter().map(|t| t.0).collect();
                emit(
                    "remote_access_tool",
                    weight,
                    format!(
                        "{} runs {} remote-access tool(s): {}",
                        asset.record_id,
                        names.len(),
                        list(&names)
                    ),
                    format!("rmm:{}", asset.record_id),
                );
            }
        }
        // VPN clients the operators are known to run (Astrill): a built-in
        // table, so no pack is needed.
        let mut clients: Vec<(String, bool)> = facts
            .iter()
            .filter(|e| g.ident_kind(e.to) == IdentKind::Process)
            .filter_map(|e| {
                let p = g.ident_text(e.to);
                unmask_refdata::vpn_clients::lookup(p).map(|c| {
                    let exe = p.rsplit(['\\', '/']).next().unwrap_or(p);
                    let sanctioned =
                        intel.lists.allowed_tool(c.name) || intel.lists.allowed_tool(exe);
                    (format!("{} ({p})", c.name), sanctioned)
                })
            })
            .collect();
        clients.sort();
        clients.dedup();
        if !clients.is_empty() {
            let sanctioned = clients.iter().all(|c| c.1);
            let names: Vec<String> = clients.into_iter().map(|c| c.0).collect();
            emit(
                "vpn_client",
                if sanctioned {
                    w.sanctioned_tool
                } else {
                    w.vpn_client
                },
                format!(
                    "{} runs a VPN client the scheme's operators use: {}{}",
                    asset.record_id,
                    list(&names),
                    if sanctioned {
                        ", company-sanctioned"
                    } else {
                        ""
                    }
                ),
                format!("vpnclient:{}", asset.record_id),
            );
        }
    }
}

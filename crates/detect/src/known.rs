//! The user's own lists: identifiers from confirmed cases (known-bad
//! e-mails, e-mail domains, phones, IPs, wallets) held by a persona, or
//! given as a reference's contact.

use crate::{Signal, Subject, Weights};
use unmask_graph::{IdentId, IdentKind, IdentityGraph, Role};
use unmask_normalise::email;
use unmask_refdata::Intel;
use unmask_refdata::lists::BadKind;

pub fn detect(g: &IdentityGraph, intel: &Intel, w: &Weights, out: &mut Vec<Signal>) {
    let lists = &intel.lists;
    if lists.is_empty() {
        return;
    }
    for id in (0..g.idents.len() as u32).map(IdentId) {
        let text = g.ident_text(id);
        let hit = match g.ident_kind(id) {
            IdentKind::Email => lists
                .bad(BadKind::Email, text)
                .map(|n| ("e-mail", n))
                .or_else(|| {
                    lists
                        .bad(BadKind::Domain, email::domain(text))
                        .map(|n| ("e-mail domain", n))
                }),
            IdentKind::Phone => lists.bad(BadKind::Phone, text).map(|n| ("phone", n)),
            IdentKind::Ip => lists.bad(BadKind::Ip, text).map(|n| ("IP", n)),
            IdentKind::Payment => lists
                .bad(BadKind::Wallet, text)
                .map(|n| ("wallet", n))
                .or_else(|| {
                    text.strip_prefix("email:")
                        .and_then(|e| lists.bad(BadKind::Email, e))
                        .map(|n| ("payout e-mail", n))
                }),
            _ => None,
        };
        let Some((what, note)) = hit else { continue };
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(" ({note})")
        };
        for e in g.edges_into(id) {
            let (persona, how) = match (e.role, e.from) {
                (Role::Contact, unmask_graph::Node::Reference(r)) => (
                    Some(g.references[r.ix()].of),
                    "gives as a reference's contact",
                ),
                (Role::Own | Role::Payout | Role::ApplyIp | Role::LoginIp, from) => {
                    (g.persona_of(from), "uses")
                }
                _ => (None, ""),
            };
            let Some(p) = persona else { continue };
            out.push(Signal {
                id: "known_bad_identifier",
                subject: Subject::Persona(p),
                weight: w.known_bad,
                evidence: format!(
                    "{} {how} {what} {text}, on the known-bad list{note}",
                    g.personas[p.ix()].record_id
                ),
                cites: vec![],
                fact: format!(
                    "known_bad:{}:{}",
                    g.personas[p.ix()].record_id,
                    g.ident_text(id)
                ),
            });
        }
    }
}

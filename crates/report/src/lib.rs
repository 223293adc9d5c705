//! Report: `findings.json` (the contract) and `report.html`, one
//! self-contained page a recruiter or analyst reads offline.
//!
//! The page puts the riskiest actors first; for each, its personas side by
//! side with their identifiers (values two personas share are highlighted),
//! the evidence with each signal's weight, and a timeline of applications,
//! starts, shipments and sign-ins. No scripts, no external assets; it
//! prints.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;
use unmask_graph::{IdentKind, IdentityGraph, Node, PersonaId, Role};
use unmask_model::Timestamp;
use unmask_model::findings::*;

pub fn write_findings(path: &Path, f: &Findings) -> io::Result<()> {
    let mut w = io::BufWriter::new(std::fs::File::create(path)?);
    serde_json::to_writer_pretty(&mut w, f)?;
    w.write_all(b"\n")?;
    w.flush()
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// Signals as list items: id, weight, evidence.
fn evidence_list(signals: &[Signal]) -> String {
    signals
        .iter()
        .map(|s| {
            format!(
                "<li><code>{}</code> +{:.2} {}</li>",
                esc(&s.id),
                s.weight,
                esc(&s.evidence)
            )
        })
        .collect()
}

fn badge(level: Level, risk: f64) -> String {
    format!(
        "<span class=\"lvl {}\">{} {:.2}</span>",
        level.as_str(),
        level.as_str(),
        risk
    )
}

/// Rows of the side-by-side table: what each persona presents.
const ROWS: [(&str, IdentKind, &[Role]); 8] = [
    ("E-mail", IdentKind::Email, &[Role::Own]),
    ("Phone", IdentKind::Phone, &[Role::Own]),
    ("Payment", IdentKind::Payment, &[Role::Own, Role::Payout]),
    ("Device", IdentKind::Device, &[Role::Own]),
    ("Photo hash", IdentKind::Photo, &[Role::Own]),
    ("Application IP", IdentKind::Ip, &[Role::ApplyIp]),
    ("Home", IdentKind::Address, &[Role::Home]),
    ("Ship to", IdentKind::Address, &[Role::ShipTo]),
];

fn values(g: &IdentityGraph, p: PersonaId, kind: IdentKind, roles: &[Role]) -> Vec<String> {
    let mut v: Vec<String> = g
        .edges_from(Node::Persona(p))
        .filter(|e| roles.contains(&e.role) && g.ident_kind(e.to) == kind)
        .map(|e| g.ident_text(e.to).to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

fn timeline(g: &IdentityGraph, p: PersonaId) -> Vec<(Timestamp, String)> {
    let per = &g.personas[p.ix()];
    let mut t = vec![];
    if let Some(at) = per.at {
        t.push((
            at,
            format!(
                "{} {}",
                per.record_id,
                if per.kind == unmask_graph::PersonaKind::Worker {
                    "starts"
                } else {
                    "applies"
                }
            ),
        ));
    }
    if per.kind == unmask_graph::PersonaKind::Worker {
        for a in g.assets.iter().filter(|a| a.assigned_to == Some(p)) {
            if let Some(d) = a.shipped_at {
                t.push((d.start(), format!("{} shipped", a.record_id)));
            }
        }
    }
    for &x in g.logins_of(p) {
        let act = &g.activity[x.ix()];
        if let (Some(f), Some(l)) = (act.first, act.last) {
            t.push((f, format!("first of {} sign-ins", act.events)));
            t.push((l, "last sign-in".into()));
        }
    }
    t
}

pub struct Context<'a> {
    pub graph: &'a IdentityGraph,
    pub rejected: u64,
    pub notes: &'a [String],
    /// How many actors to show in full.
    pub max_actors: usize,
}

pub fn write_html(path: &Path, f: &Findings, ctx: &Context) -> io::Result<()> {
    let g = ctx.graph;
    let mut h = String::new();
    let count = |lvl: Level| f.personas.iter().filter(|p| p.level == lvl).count();
    let index: std::collections::HashMap<&str, usize> = f
        .personas
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.as_str(), i))
        .collect();
    let _ = write!(
        h,
        r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>unmask report</title><style>
body{{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1rem 2rem;color:#1d2330}}
h1{{font-size:1.5rem;margin:.2rem 0}} h2{{margin-top:2rem;border-bottom:2px solid #dfe3ea}} h3{{margin:.2rem 0}}
.sum{{display:flex;gap:1rem;flex-wrap:wrap}} .sum div{{background:#f3f5f9;padding:.5rem .9rem;border-radius:6px}} .sum b{{display:block;font-size:1.3rem}}
.lvl{{padding:1px 7px;border-radius:9px;font-size:12px;white-space:nowrap}} .high{{background:#c62828;color:#fff}} .medium{{background:#f9a825}} .low{{background:#e0e0e0}}
.actor{{border:1px solid #dfe3ea;border-radius:8px;padding:.8rem 1rem;margin:1rem 0;page-break-inside:avoid}}
table{{border-collapse:collapse;width:100%;margin:.5rem 0}} td,th{{border:1px solid #e4e7ec;padding:3px 6px;vertical-align:top;text-align:left;font-size:12.5px;overflow-wrap:anywhere}}
.side{{table-layout:fixed}} .side th:first-child{{width:7.5rem}}
th{{background:#f7f8fa}} .shared{{background:#fff1b8;font-weight:600}} .w{{text-align:right;font-variant-numeric:tabular-nums;width:4rem}}
ul.ev{{margin:.3rem 0;padding-left:1.2rem}} .muted{{color:#667085}} code{{font-size:12px}}
.tl{{width:100%;height:auto}} @media print{{.actor{{border-color:#999}} body{{padding:0}}}}
</style></head><body><h1>unmask report</h1><p class="muted">Generated {} · risk = σ({} + Σ weights) · medium ≥ {}, high ≥ {}</p>
<div class="sum"><div><b>{}</b>personas</div><div><b>{}</b>actors</div><div><b>{}</b>high</div><div><b>{}</b>medium</div><div><b>{}</b>devices at high</div><div><b>{}</b>addresses flagged</div><div><b>{}</b>records set aside</div></div>"#,
        esc(&f.generated_at),
        f.scoring.as_ref().map_or(0.0, |s| s.prior_log_odds),
        f.scoring.as_ref().map_or(0.5, |s| s.medium_at),
        f.scoring.as_ref().map_or(0.85, |s| s.high_at),
        f.personas.len(),
        f.actors.len(),
        count(Level::High),
        count(Level::Medium),
        f.devices
            .iter()
            .filter(|d| d.level == Some(Level::High))
            .count(),
        f.addresses.iter().filter(|a| !a.signals.is_empty()).count(),
        ctx.rejected
    );
    if !ctx.notes.is_empty() {
        h.push_str("<h2>Notes on this run</h2><ul>");
        for n in ctx.notes {
            let _ = write!(h, "<li>{}</li>", esc(n));
        }
        h.push_str("</ul>");
    }
    let mut actors: Vec<&ActorFinding> = f
        .actors
        .iter()
        .filter(|a| a.level.is_none_or(|l| l >= Level::Medium))
        .collect();
    actors.sort_by(|a, b| {
        b.risk
            .total_cmp(&a.risk)
            .then(b.members.len().cmp(&a.members.len()))
    });
    let _ = write!(
        h,
        "<h2>Actors, highest risk first ({} at medium or high)</h2>",
        actors.len()
    );
    if actors.is_empty() {
        h.push_str("<p>No actor reaches the medium level.</p>");
    }
    for a in actors.iter().take(ctx.max_actors) {
        let members: Vec<PersonaId> = a
            .members
            .iter()
            .filter_map(|m| index.get(m.as_str()).map(|&i| PersonaId(i as u32)))
            .collect();
        let _ = write!(
            h,
            "<section class=\"actor\" id=\"{}\"><h3>{} {} · {} persona(s) · names: {}</h3>",
            esc(&a.id),
            esc(&a.id),
            badge(a.level.unwrap_or(Level::Low), a.risk),
            members.len(),
            esc(&a.names.join(", "))
        );
        // Side by side, five personas to a block so it fits a page.
        for block in members.chunks(5) {
            h.push_str("<table class=\"side\"><tr><th></th>");
            for &p in block {
                let pf = &f.personas[p.ix()];
                let _ = write!(
                    h,
                    "<th>{}<br><span class=\"muted\">{}</span><br>{}</th>",
                    esc(&pf.id),
                    esc(pf.name.as_deref().unwrap_or("")),
                    badge(pf.level, pf.risk)
                );
            }
            h.push_str("</tr>");
            for (label, kind, roles) in ROWS {
                // A value is highlighted when any other persona of the actor has it.
                let everyone: Vec<Vec<String>> =
                    members.iter().map(|&p| values(g, p, kind, roles)).collect();
                let cells: Vec<Vec<String>> =
                    block.iter().map(|&p| values(g, p, kind, roles)).collect();
                if cells.iter().all(Vec::is_empty) {
                    continue;
                }
                let _ = write!(h, "<tr><th>{label}</th>");
                for c in &cells {
                    h.push_str("<td>");
                    for v in c {
                        let shared = everyone.iter().filter(|o| o.contains(v)).count() > 1;
                        let _ = write!(
                            h,
                            "<div{}>{}</div>",
                            if shared { " class=\"shared\"" } else { "" },
                            esc(v)
                        );
                    }
                    h.push_str("</td>");
                }
                h.push_str("</tr>");
            }
            h.push_str("</table>");
        }
        h.push_str("<b>Evidence</b><table>");
        for s in &a.signals {
            let _ = write!(
                h,
                "<tr><td class=\"w\">+{:.2}</td><td><code>{}</code></td><td>{}</td></tr>",
                s.weight,
                esc(&s.id),
                esc(&s.evidence)
            );
        }
        h.push_str("</table>");
        let mut events: Vec<(Timestamp, String)> =
            members.iter().flat_map(|&p| timeline(g, p)).collect();
        events.sort();
        if let (Some(first), Some(last)) = (events.first().map(|e| e.0), events.last().map(|e| e.0))
        {
            let span = (last.0 - first.0).max(1) as f64;
            let _ = write!(
                h,
                "<b>Timeline</b> <span class=\"muted\">{} → {}</span><svg class=\"tl\" viewBox=\"0 0 1000 {}\" role=\"img\">",
                first,
                last,
                22 + events.len().min(14) * 16
            );
            for (i, (t, what)) in events.iter().take(14).enumerate() {
                let x = 10.0 + 980.0 * (t.0 - first.0) as f64 / span;
                let y = 16 + i * 16;
                let anchor = if x > 700.0 { "end" } else { "start" };
                let dx = if x > 700.0 { -6.0 } else { 6.0 };
                let _ = write!(
                    h,
                    "<circle cx=\"{x:.0}\" cy=\"{y}\" r=\"4\" fill=\"#3056d3\"/><text x=\"{:.0}\" y=\"{}\" font-size=\"11\" text-anchor=\"{anchor}\">{} · {}</text>",
                    x + dx,
                    y + 4,
                    t.to_string().get(..10).unwrap_or(""),
                    esc(what)
                );
            }
            h.push_str("<line x1=\"10\" x2=\"990\" y1=\"6\" y2=\"6\" stroke=\"#c5cbd6\"/></svg>");
        }
        h.push_str("</section>");
    }
    if actors.len() > ctx.max_actors {
        let _ = write!(
            h,
            "<p class=\"muted\">{} more actors at medium or high are in findings.json.</p>",
            actors.len() - ctx.max_actors
        );
    }
    let mut devs: Vec<&DeviceFinding> =
        f.devices.iter().filter(|d| !d.signals.is_empty()).collect();
    devs.sort_by(|a, b| b.risk.total_cmp(&a.risk));
    let _ = write!(
        h,
        "<h2>Devices with evidence ({})</h2><table><tr><th>Device</th><th>Worker</th><th>Risk</th><th>Evidence</th></tr>",
        devs.len()
    );
    for d in devs.iter().take(300) {
        let ev = evidence_list(&d.signals);
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><ul class=\"ev\">{ev}</ul></td></tr>",
            esc(&d.id),
            esc(d.assigned_to.as_deref().unwrap_or("")),
            badge(d.level.unwrap_or(Level::Low), d.risk)
        );
    }
    h.push_str("</table>");
    let mut addrs: Vec<&AddressFinding> = f
        .addresses
        .iter()
        .filter(|a| !a.signals.is_empty())
        .collect();
    addrs.sort_by(|a, b| b.risk.total_cmp(&a.risk));
    let _ = write!(
        h,
        "<h2>Addresses with evidence ({})</h2><table><tr><th>Address</th><th>Records</th><th>Risk</th><th>Evidence</th></tr>",
        addrs.len()
    );
    for a in addrs.iter().take(300) {
        let ev = evidence_list(&a.signals);
        let _ = write!(
            h,
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td><ul class=\"ev\">{ev}</ul></td></tr>",
            esc(&a.id),
            esc(&a.normalized),
            esc(&a.members.join(", ")),
            badge(a.level.unwrap_or(Level::Low), a.risk)
        );
    }
    h.push_str("</table><p class=\"muted\">Every score is the sum of the signals listed with it. Names are compared only for equality; no signal uses nationality, ethnicity or the origin of a name.</p></body></html>\n");
    std::fs::write(path, h)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::esc("<b a=\"x\">&'"),
            "&lt;b a=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}

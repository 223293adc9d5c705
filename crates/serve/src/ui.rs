//! The analyst's web pages: server-rendered HTML, no script needed.
//!
//! Sign-in takes a token (of the analyst role or above) and keeps it in an
//! HttpOnly, SameSite=Strict cookie. The alert queue lists actors by risk;
//! an actor's page shows its evidence, a graph of its personas and the
//! identifiers they share (each node a link to the records behind it), and
//! the disposition form; a persona's page shows its records as received.
//! Every page prints legibly (forms and navigation are left out on paper).

use crate::State;
use crate::api::{ApiError, NewDisposition, authorise, level_name};
use crate::auth::Role;
use axum::Router;
use axum::extract::{Form, Path, Query, State as St};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::Value;
use std::fmt::Write;
use std::sync::Arc;

pub fn routes() -> Router<Arc<State>> {
    Router::new()
        .route("/ui", get(queue))
        .route("/ui/login", get(login_page).post(login))
        .route("/ui/logout", get(logout))
        .route("/ui/actors/{id}", get(actor).post(dispose))
        .route("/ui/personas/{id}", get(persona))
        .route("/ui/search", get(search))
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path segment of a link.
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1b1b1b}
header{background:#1f2a44;color:#fff;padding:.6em 1.2em;display:flex;gap:1.5em;align-items:center}
header a{color:#fff}main{padding:1em 1.2em;max-width:72em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
.high{color:#a40000;font-weight:600}.medium{color:#8a5a00}.low{color:#355e3b}
.ev{font-size:.92em;color:#333}pre{background:#f6f6f6;padding:.8em;overflow:auto}
form.inline{display:inline}svg{border:1px solid #ddd;max-width:100%;height:auto}
@media print{header form,form,nav{display:none}header{background:none;color:#000}a{color:#000;text-decoration:none}}";

fn page(title: &str, body: &str) -> Response {
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content='width=device-width,initial-scale=1'>\
         <title>{} · unmask</title><style>{STYLE}</style></head><body><header><strong>unmask</strong>\
         <nav><a href='/ui'>Alert queue</a></nav>\
         <form action='/ui/search' method=get><input name=q placeholder='name, e-mail, phone, IP, asset' size=32 aria-label=Search> <button>Search</button></form>\
         <nav><a href='/ui/logout'>Sign out</a></nav></header><main>{body}</main></body></html>",
        esc(title)
    ))
    .into_response()
}

/// The caller, or a redirect to sign-in.
fn signed_in(state: &State, headers: &HeaderMap) -> Result<crate::auth::Caller, Response> {
    match authorise(state, headers, Role::Analyst) {
        Ok(c) => Ok(c),
        Err(ApiError(StatusCode::UNAUTHORIZED, _)) => {
            Err(Redirect::to("/ui/login").into_response())
        }
        Err(e) => Err(e.into_response()),
    }
}

/// The caller and the current findings, or the response to give instead
/// (a redirect to sign-in, or why the scan failed).
async fn signed_in_with_findings(
    state: &State,
    headers: &HeaderMap,
) -> Result<(crate::auth::Caller, Arc<unmask_model::findings::Findings>), Response> {
    let caller = signed_in(state, headers)?;
    let f = state
        .current()
        .await
        .map_err(|e| ApiError::from(e).into_response())?;
    Ok((caller, f))
}

async fn login_page() -> Response {
    Html(format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in · unmask</title><style>{STYLE}</style></head>\
         <body><main><h1>unmask</h1><form method=post action='/ui/login'><label>Token <input name=token type=password size=70 autofocus></label> \
         <button>Sign in</button></form><p>Tokens come from <code>unmask token create --role analyst</code>.</p></main></body></html>"
    ))
    .into_response()
}

#[derive(Deserialize)]
struct Login {
    token: String,
}

async fn login(St(state): St<Arc<State>>, Form(f): Form<Login>) -> Response {
    let token = f.token.trim().to_string();
    let mut headers = HeaderMap::new();
    if let Ok(v) = format!("Bearer {token}").parse() {
        headers.insert("authorization", v);
    }
    match authorise(&state, &headers, Role::Analyst) {
        Ok(c) => {
            let _ = state.store.audit(Some(c.token_id), "ui.login", "web UI");
            (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, "/ui".to_string()),
                    (
                        header::SET_COOKIE,
                        format!("unmask_token={token}; HttpOnly; SameSite=Strict; Path=/"),
                    ),
                ],
            )
                .into_response()
        }
        Err(ApiError(code, why)) => (
            code,
            page(
                "Sign in",
                &format!(
                    "<p>{}</p><p><a href='/ui/login'>Try again</a></p>",
                    esc(&why)
                ),
            ),
        )
            .into_response(),
    }
}

async fn logout() -> Response {
    (
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, "/ui/login".to_string()),
            (
                header::SET_COOKIE,
                "unmask_token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0".to_string(),
            ),
        ],
    )
        .into_response()
}

#[derive(Deserialize)]
struct QueueQuery {
    level: Option<String>,
    all: Option<String>,
}

async fn queue(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Response {
    let (caller, f) = match signed_in_with_findings(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ds = state.store.dispositions().unwrap_or_default();
    let _ = state
        .store
        .audit(Some(caller.token_id), "read", "alert queue");
    let level = q.level.as_deref().unwrap_or("high");
    let show_all = q.all.is_some();
    let mut rows = String::new();
    let mut n = 0;
    for a in crate::actors_by_risk(&f) {
        let l = a.level.map_or("low", level_name);
        if (level != "any" && l != level) || (!show_all && crate::dismissed(&ds, a).is_some()) {
            continue;
        }
        n += 1;
        if n > 500 {
            continue;
        }
        let top: Vec<String> = a.signals.iter().take(3).map(|s| esc(&s.id)).collect();
        let _ = write!(
            rows,
            "<tr><td><a href='/ui/actors/{}'>{}</a></td><td class={l}>{:.2} {l}</td><td>{}</td><td>{}</td><td class=ev>{}</td></tr>",
            seg(&a.id),
            esc(&a.id),
            a.risk,
            a.members.len(),
            esc(&a.names.join(", ")),
            top.join(", ")
        );
    }
    let filters: String = ["high", "medium", "low", "any"]
        .iter()
        .map(|l| {
            if *l == level {
                format!("<strong>{l}</strong>")
            } else {
                format!("<a href='/ui?level={l}'>{l}</a>")
            }
        })
        .collect::<Vec<_>>()
        .join(" · ");
    page(
        "Alert queue",
        &format!(
            "<h1>Alert queue</h1><nav>Level: {filters} · <a href='/ui?level={level}&all=1'>include dismissed</a></nav>\
             <p>{n} actor(s), highest risk first{}.</p>\
             <table><thead><tr><th>Actor</th><th>Risk</th><th>Personas</th><th>Names</th><th>Strongest signals</th></tr></thead><tbody>{rows}</tbody></table>",
            if n > 500 { " (first 500 shown)" } else { "" }
        ),
    )
}

/// The actor's graph as SVG: personas on a circle, the identifiers they
/// share inside it, each node a link.
fn graph_svg(members: &[(String, Option<String>, Vec<(&str, String)>)]) -> String {
    use std::collections::BTreeMap;
    let mut shared: BTreeMap<(&str, String), Vec<usize>> = BTreeMap::new();
    for (i, (_, _, ids)) in members.iter().enumerate() {
        for id in ids {
            let e = shared.entry(id.clone()).or_default();
            if !e.contains(&i) {
                e.push(i);
            }
        }
    }
    // Only what links two personas or more (the rest is on their pages).
    let links: Vec<((&str, String), Vec<usize>)> =
        shared.into_iter().filter(|(_, m)| m.len() > 1).collect();
    let (w, h) = (900.0f64, 560.0f64);
    let (cx, cy) = (w / 2.0, h / 2.0);
    let n = members.len().max(1) as f64;
    let at = |i: usize, r: f64, of: f64| {
        let t = std::f64::consts::TAU * i as f64 / of - std::f64::consts::FRAC_PI_2;
        (cx + r * t.cos(), cy + r * t.sin())
    };
    let mut s =
        format!("<svg viewBox='0 0 {w} {h}' width='{w}' role=img aria-label='Graph of the actor'>");
    let k = links.len().max(1) as f64;
    for (j, ((kind, value), ms)) in links.iter().enumerate() {
        let (x, y) = at(j, 110.0, k);
        for &m in ms {
            let (px, py) = at(m, 230.0, n);
            let _ = write!(
                s,
                "<line x1='{px:.0}' y1='{py:.0}' x2='{x:.0}' y2='{y:.0}' stroke='#999'/>"
            );
        }
        let _ = write!(
            s,
            "<a href='/ui/search?q={}'><rect x='{:.0}' y='{:.0}' width='14' height='14' fill='#c77c02' class=node data-kind='{}'><title>{}: {}</title></rect>\
             <text x='{:.0}' y='{:.0}' font-size='11'>{}</text></a>",
            seg(value),
            x - 7.0,
            y - 7.0,
            esc(kind),
            esc(kind),
            esc(value),
            x + 10.0,
            y + 4.0,
            esc(&format!(
                "{kind}: {}",
                value.chars().take(28).collect::<String>()
            ))
        );
    }
    for (i, (id, name, _)) in members.iter().enumerate() {
        let (x, y) = at(i, 230.0, n);
        let _ = write!(
            s,
            "<a href='/ui/personas/{}'><circle cx='{x:.0}' cy='{y:.0}' r='11' fill='#1f4e8c' class=node data-persona='{}'><title>{}</title></circle>\
             <text x='{:.0}' y='{:.0}' font-size='12'>{}</text></a>",
            seg(id),
            esc(id),
            esc(id),
            x + 14.0,
            y + 4.0,
            esc(&format!("{id} {}", name.as_deref().unwrap_or("")))
        );
    }
    s.push_str("</svg>");
    s
}

/// Sign-ins of the actor's workers by hour of day (UTC), from the stored
/// Okta and OCSF events, and the time zone the first of them claims.
fn login_hours(state: &State, members: &[String]) -> ([u32; 24], Option<String>) {
    let mut who: Vec<String> = vec![];
    let mut claimed = None;
    for m in members {
        if let Ok(Some(body)) = state.store.record("workers", m)
            && let Ok(v) = serde_json::from_str::<Value>(&body)
        {
            for f in ["login", "email"] {
                if let Some(s) = v[f].as_str() {
                    who.push(s.trim().to_lowercase());
                }
            }
            if claimed.is_none() {
                claimed = v["claimed_timezone"].as_str().map(str::to_string);
            }
        }
    }
    let mut hours = [0u32; 24];
    if who.is_empty() {
        return (hours, claimed);
    }
    let mine = |s: Option<&str>| {
        s.map(|s| s.trim().to_lowercase()).is_some_and(|s| {
            who.contains(&s)
                || s.split('@')
                    .next()
                    .is_some_and(|local| who.iter().any(|w| w == local))
        })
    };
    let _ = state.store.each_record("okta", |_, body| {
        if let Ok(v) = serde_json::from_str::<Value>(body)
            && mine(v["actor"]["alternateId"].as_str())
            && let Some(t) = v["published"]
                .as_str()
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        {
            hours[(t.as_second().rem_euclid(86_400) / 3600) as usize] += 1;
        }
        Ok(())
    });
    let _ = state.store.each_record("auth", |_, body| {
        if let Ok(v) = serde_json::from_str::<Value>(body)
            && (mine(v["user"]["email_addr"].as_str()) || mine(v["user"]["name"].as_str()))
            && let Some(ms) = v["time"].as_i64()
        {
            hours[((ms / 1000).rem_euclid(86_400) / 3600) as usize] += 1;
        }
        Ok(())
    });
    (hours, claimed)
}

/// The UTC offset (whole hours) under which most sign-ins fall in a
/// working day, 08:00–18:59.
fn best_offset(hours: &[u32; 24]) -> i32 {
    (-12..=14)
        .max_by_key(|off: &i32| {
            let in_day: u32 = (0..24)
                .filter(|h| (8..=18).contains(&((h + off).rem_euclid(24))))
                .map(|h| hours[h as usize])
                .sum();
            // Ties: the offset nearest UTC.
            (in_day, -off.abs())
        })
        .unwrap_or(0)
}

/// Two rows of 24 bars: sign-ins by local hour in the claimed zone, and in
/// the best-fitting one, the working day shaded.
fn hours_svg(hours: &[u32; 24], claimed: Option<&str>) -> String {
    let total: u32 = hours.iter().sum();
    if total == 0 {
        return "<p class=ev>No sign-ins of this actor's workers in the store.</p>".into();
    }
    let claimed_off = claimed
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .map(|tz| tz.to_offset(jiff::Timestamp::now()).seconds() / 3600);
    let best = best_offset(hours);
    let max = *hours.iter().max().unwrap_or(&1) as f64;
    let mut s = String::from(
        "<svg viewBox='0 0 760 250' width='760' role=img aria-label='Sign-ins by hour of day'>",
    );
    let mut row = |y0: f64, off: i32, label: String| {
        let _ = write!(
            s,
            "<text x='0' y='{:.0}' font-size='12'>{}</text>",
            y0 - 78.0,
            esc(&label)
        );
        let _ = write!(
            s,
            "<rect x='{:.0}' y='{:.0}' width='{:.0}' height='72' fill='#eef3e8'/>",
            40.0 + 8.0 * 29.0,
            y0 - 72.0,
            11.0 * 29.0
        );
        for local in 0..24i32 {
            let utc = (local - off).rem_euclid(24) as usize;
            let h = 70.0 * hours[utc] as f64 / max;
            let x = 40.0 + local as f64 * 29.0;
            let _ = write!(
                s,
                "<rect x='{x:.0}' y='{:.1}' width='24' height='{h:.1}' fill='#1f4e8c'><title>{local:02}:00 local: {} sign-ins</title></rect>",
                y0 - h,
                hours[utc]
            );
            if local % 3 == 0 {
                let _ = write!(
                    s,
                    "<text x='{x:.0}' y='{:.0}' font-size='10'>{local:02}</text>",
                    y0 + 12.0
                );
            }
        }
    };
    match claimed_off {
        Some(off) => row(
            110.0,
            off,
            format!(
                "claimed zone {} (UTC{off:+}): {total} sign-ins by local hour; working day shaded",
                claimed.unwrap_or("")
            ),
        ),
        None => row(
            110.0,
            0,
            format!("UTC (no claimed zone known): {total} sign-ins"),
        ),
    }
    row(230.0, best, format!("best-fitting zone UTC{best:+}"));
    s.push_str("</svg>");
    s
}

async fn actor(St(state): St<Arc<State>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (caller, f) = match signed_in_with_findings(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(a) = f.actors.iter().find(|a| a.id == id) else {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", &format!("<p>No actor {}.</p>", esc(&id))),
        )
            .into_response();
    };
    let _ = state
        .store
        .audit(Some(caller.token_id), "read", &format!("actor {id}"));
    let l = a.level.map_or("low", level_name);
    let mut evidence = String::new();
    for sg in &a.signals {
        let _ = write!(
            evidence,
            "<tr><td>{}</td><td>{:+.2}</td><td class=ev>{}</td></tr>",
            esc(&sg.id),
            sg.weight,
            esc(&sg.evidence)
        );
    }
    let mut members = vec![];
    let mut rows = String::new();
    for m in &a.members {
        let p = f.personas.iter().find(|p| &p.id == m);
        let mut ids = vec![];
        for kind in ["applications", "workers"] {
            if let Ok(Some(body)) = state.store.record(kind, m)
                && let Ok(v) = serde_json::from_str::<Value>(&body)
            {
                ids.extend(crate::engine::identifiers(&v));
            }
        }
        members.push((m.clone(), p.and_then(|p| p.name.clone()), ids));
        if let Some(p) = p {
            let pl = level_name(p.level);
            let sig: Vec<String> = p.signals.iter().map(|s| esc(&s.id)).collect();
            let _ = write!(
                rows,
                "<tr><td><a href='/ui/personas/{}'>{}</a></td><td>{}</td><td>{}</td><td class={pl}>{:.2} {pl}</td><td class=ev>{}</td></tr>",
                seg(&p.id),
                esc(&p.id),
                esc(&p.kind),
                esc(p.name.as_deref().unwrap_or("")),
                p.risk,
                sig.join(", ")
            );
        }
    }
    let ds = state.store.dispositions().unwrap_or_default();
    let mut history = String::new();
    for d in crate::decisions_on(&ds, a) {
        let _ = write!(
            history,
            "<li><strong>{}</strong> by token {} at {}: {}</li>",
            esc(&d.status),
            d.token_id,
            d.at,
            esc(&d.note)
        );
    }
    let options: String = crate::api::STATUSES
        .iter()
        .map(|s| {
            format!(
                "<label><input type=radio name=status value={s} required> {}</label> ",
                s.replace('_', " ")
            )
        })
        .collect();
    page(
        &format!("Actor {id}"),
        &format!(
            "<h1>Actor {} <span class={l}>{:.2} {l}</span></h1><p>{}</p>\
             <h2>Graph</h2><p class=ev>Personas (circles) and the identifiers two or more of them share (squares); click a node for its records.</p>{}\
             <h2>Sign-in hours</h2>{}\
             <h2>Evidence</h2><table><thead><tr><th>Signal</th><th>Weight</th><th>Evidence</th></tr></thead><tbody>{evidence}</tbody></table>\
             <h2>Personas</h2><table><thead><tr><th>Persona</th><th>Kind</th><th>Name</th><th>Risk</th><th>Signals</th></tr></thead><tbody>{rows}</tbody></table>\
             <h2>Disposition</h2><ul id=dispositions>{}</ul>\
             <form method=post action='/ui/actors/{}' id=disposition>{options}<br><label>Note <input name=note size=70></label> <button>Record</button></form>",
            esc(&id),
            a.risk,
            esc(&a.names.join(", ")),
            graph_svg(&members),
            {
                let (hours, claimed) = login_hours(&state, &a.members);
                hours_svg(&hours, claimed.as_deref())
            },
            if history.is_empty() {
                "<li>none yet</li>".to_string()
            } else {
                history
            },
            seg(&id)
        ),
    )
}

#[derive(Deserialize)]
struct DispositionForm {
    status: String,
    #[serde(default)]
    note: String,
}

async fn dispose(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<DispositionForm>,
) -> Response {
    let caller = match signed_in(&state, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let d = NewDisposition {
        subject_kind: "actor".into(),
        subject: id.clone(),
        status: f.status,
        note: f.note,
    };
    match crate::api::record_disposition(&state, caller, d).await {
        Ok(_) => Redirect::to(&format!("/ui/actors/{}", seg(&id))).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn persona(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let (caller, f) = match signed_in_with_findings(&state, &headers).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let p = f.personas.iter().find(|p| p.id == id);
    let mut records = String::new();
    for kind in ["applications", "workers"] {
        if let Ok(Some(body)) = state.store.record(kind, &id) {
            let pretty = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or(body);
            let _ = write!(records, "<h3>{kind}</h3><pre>{}</pre>", esc(&pretty));
        }
    }
    if p.is_none() && records.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            page("Not found", &format!("<p>No persona {}.</p>", esc(&id))),
        )
            .into_response();
    }
    let _ = state
        .store
        .audit(Some(caller.token_id), "read", &format!("persona {id}"));
    let mut head = String::new();
    if let Some(p) = p {
        let l = level_name(p.level);
        let _ = write!(
            head,
            "<p>{} · <span class={l}>{:.2} {l}</span> · actor <a href='/ui/actors/{}'>{}</a></p><table><tbody>",
            esc(p.name.as_deref().unwrap_or("")),
            p.risk,
            seg(&p.actor),
            esc(&p.actor)
        );
        for s in &p.signals {
            let _ = write!(
                head,
                "<tr><td>{}</td><td>{:+.2}</td><td class=ev>{}</td></tr>",
                esc(&s.id),
                s.weight,
                esc(&s.evidence)
            );
        }
        head.push_str("</tbody></table>");
    }
    page(
        &format!("Persona {id}"),
        &format!(
            "<h1>Persona {}</h1>{head}<h2>Records as received</h2>{records}",
            esc(&id)
        ),
    )
}

#[derive(Deserialize)]
struct SearchQuery {
    q: String,
}

async fn search(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Response {
    let caller = match signed_in(&state, &headers) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let hits = crate::search(&state, &q.q).unwrap_or_default();
    let _ = state.store.audit(
        Some(caller.token_id),
        "search",
        &format!("{} result(s)", hits.len()),
    );
    let list: String = hits
        .iter()
        .map(|h| format!("<li><a href='/ui/personas/{}'>{}</a></li>", seg(h), esc(h)))
        .collect();
    page(
        "Search",
        &format!(
            "<h1>Search: {}</h1><ul>{}</ul>",
            esc(&q.q),
            if list.is_empty() {
                "<li>nothing found</li>".into()
            } else {
                list
            }
        ),
    )
}

//! The HTTP API under `/v1`, its token check, limits and audit.

use crate::State;
use crate::auth::{Caller, Role};
use crate::engine::{Identified, Kind};
use crate::store::{Disposition, Incoming};
use axum::Json;
use axum::extract::{Path, Query, State as St};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// An error as the API answers it: a status and a JSON body saying why.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({"error": self.1}))).into_response()
    }
}

impl From<String> for ApiError {
    fn from(e: String) -> ApiError {
        ApiError(StatusCode::INTERNAL_SERVER_ERROR, e)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The token from `Authorization: Bearer …`, or the UI's cookie.
fn token_of(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get("authorization").and_then(|v| v.to_str().ok())
        && let Some(t) = v.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("unmask_token=").map(str::to_string))
}

/// Checks the caller's token, role and rate.
pub fn authorise(state: &State, headers: &HeaderMap, need: Role) -> ApiResult<Caller> {
    let Some(token) = token_of(headers) else {
        return Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "a token is required (Authorization: Bearer …)".into(),
        ));
    };
    let Some((token_id, role)) = state.store.token(&crate::auth::hash(&token))? else {
        return Err(ApiError(StatusCode::UNAUTHORIZED, "unknown token".into()));
    };
    let role = Role::parse(&role).unwrap_or(Role::Ingest);
    if role < need {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            format!(
                "this needs the {} role; the token has {}",
                need.name(),
                role.name()
            ),
        ));
    }
    if !state.limiter.allow(token_id) {
        return Err(ApiError(
            StatusCode::TOO_MANY_REQUESTS,
            "rate limit: slow down".into(),
        ));
    }
    Ok(Caller { token_id, role })
}

/// `POST /v1/{kind}`: one record or an array of them. Each is checked on
/// its own; accepted ones are stored (replacing one of the same id), and
/// the answer says per record what happened. A single application is
/// scored before the answer: its risk, level, actor and signals come back.
pub async fn ingest(
    St(state): St<Arc<State>>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Ingest)?;
    let Some(kind) = Kind::parse(&kind) else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no record kind {kind:?}"),
        ));
    };
    // Parsing, checking and storing run off the async threads; the
    // checking on every core.
    let store = state.store.clone();
    let max_batch = state.limits.max_batch;
    let kind_name = kind.name();
    let Ingested {
        results,
        accepted,
        total,
        new,
        single,
    } = tokio::task::spawn_blocking(move || ingest_batch(&store, kind, &body, max_batch))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    let written = state.mark_written();
    state.store.audit(
        Some(caller.token_id),
        "ingest",
        &format!("{} {kind_name} record(s), {new} new", accepted.len()),
    )?;
    let mut answer = Answer {
        accepted: accepted.len(),
        rejected: total - accepted.len(),
        new,
        results,
        application: None,
    };
    if single && kind == Kind::Applications && accepted.len() == 1 {
        let findings = state.scanned_after(written).await?;
        let id = &accepted[0];
        // Personas are in id order (applications and workers may share one).
        let from = findings.personas.partition_point(|p| p.id < *id);
        if let Some(p) = findings.personas[from..]
            .iter()
            .take_while(|p| p.id == *id)
            .find(|p| p.kind == "application")
        {
            answer.application = Some(json!({
                "id": p.id, "risk": p.risk, "level": p.level, "actor": p.actor, "signals": p.signals,
            }));
        }
    }
    let status = if accepted.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(answer)).into_response())
}

/// An ingest request's answer. Typed rather than a `Value`: a batch of
/// 5,000 made 5,000 maps of three keys each, twice (built, then copied
/// into the answer), a tenth of the batch's time outside the store.
#[derive(serde::Serialize)]
struct Answer {
    accepted: usize,
    rejected: usize,
    new: usize,
    results: Vec<RecordResult>,
    /// A single application's score.
    #[serde(skip_serializing_if = "Option::is_none")]
    application: Option<Value>,
}

/// What became of one record of a request.
#[derive(serde::Serialize)]
struct RecordResult {
    index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// What one ingest request did.
struct Ingested {
    results: Vec<RecordResult>,
    accepted: Vec<String>,
    total: usize,
    new: usize,
    /// The body was one record, not an array.
    single: bool,
}

/// Records are kept as sent: read as raw JSON, looked into only for what
/// identifies and checks them.
fn ingest_batch(
    store: &crate::store::Store,
    kind: Kind,
    body: &[u8],
    max_batch: usize,
) -> ApiResult<Ingested> {
    let t0 = std::time::Instant::now();
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError(StatusCode::BAD_REQUEST, "the body is not UTF-8".into()))?;
    let not_json = |e: serde_json::Error| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("the body is not JSON: {e}"),
        )
    };
    let array = text.trim_start().starts_with('[');
    let records: Vec<&serde_json::value::RawValue> = if array {
        serde_json::from_str(text).map_err(not_json)?
    } else {
        vec![serde_json::from_str(text).map_err(not_json)?]
    };
    if records.len() > max_batch {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} records in one batch; at most {max_batch}",
                records.len()
            ),
        ));
    }
    let check = |r: &&serde_json::value::RawValue| -> Result<Incoming, String> {
        let Identified { id, subject } = kind.identify(r.get())?;
        // One record, one line: the scan reads the store as JSON Lines, and
        // a pretty-printed record has line breaks (only ever between
        // tokens, so compacting it changes nothing).
        let body = if r.get().contains(['\n', '\r']) {
            serde_json::from_str::<Value>(r.get())
                .map_or_else(|_| r.get().replace(['\n', '\r'], " "), |v| v.to_string())
        } else {
            r.get().to_string()
        };
        Ok(Incoming { id, subject, body })
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let per = records.len().div_ceil(threads).max(1);
    let checked: Vec<Result<Incoming, String>> = if records.len() < 256 {
        records.iter().map(check).collect()
    } else {
        std::thread::scope(|s| {
            let parts: Vec<_> = records
                .chunks(per)
                .map(|part| s.spawn(move || part.iter().map(check).collect::<Vec<_>>()))
                .collect();
            parts
                .into_iter()
                .flat_map(|p| p.join().unwrap_or_default())
                .collect()
        })
    };
    let mut results = Vec::with_capacity(records.len());
    let mut accepted: Vec<Incoming> = Vec::with_capacity(records.len());
    for (i, c) in checked.into_iter().enumerate() {
        match c {
            Ok(r) => {
                results.push(RecordResult {
                    index: i,
                    id: Some(r.id.clone()),
                    status: "accepted",
                    error: None,
                });
                accepted.push(r);
            }
            Err(e) => results.push(RecordResult {
                index: i,
                id: None,
                status: "rejected",
                error: Some(e),
            }),
        }
    }
    let ids: Vec<String> = accepted.iter().map(|r| r.id.clone()).collect();
    let checked_in = t0.elapsed();
    let new = store.put_records(kind.name(), accepted)?;
    if crate::debugging() {
        eprintln!(
            "ingest: {} {} record(s), checked in {checked_in:?}, stored in {:?}",
            ids.len(),
            kind.name(),
            t0.elapsed() - checked_in
        );
    }
    Ok(Ingested {
        results,
        accepted: ids,
        total: records.len(),
        new,
        single: !array,
    })
}

/// `GET /v1/findings`: the contract's findings.json of the latest scan.
pub async fn findings(St(state): St<Arc<State>>, headers: HeaderMap) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Analyst)?;
    let f = state.current().await?;
    state
        .store
        .audit(Some(caller.token_id), "read", "findings export")?;
    Ok(Json(f.as_ref().clone()).into_response())
}

#[derive(Deserialize)]
pub struct ListQuery {
    level: Option<String>,
    limit: Option<usize>,
    /// Include actors dismissed as benign (default: not).
    all: Option<bool>,
}

/// `GET /v1/actors`: actors by risk, highest first.
pub async fn actors(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    authorise(&state, &headers, Role::Analyst)?;
    let f = state.current().await?;
    let dispositions = state.store.dispositions()?;
    let mut list: Vec<Value> = crate::actors_by_risk(&f)
        .into_iter()
        .filter(|a| {
            q.level
                .as_deref()
                .filter(|l| *l != "any")
                .is_none_or(|l| a.level.map_or("low", level_name) == l)
        })
        .filter(|a| q.all.unwrap_or(false) || crate::dismissed(&dispositions, a).is_none())
        .map(|a| json!({"id": a.id, "risk": a.risk, "level": a.level, "members": a.members, "names": a.names}))
        .collect();
    list.truncate(q.limit.unwrap_or(100));
    Ok(Json(json!({"actors": list})).into_response())
}

pub fn level_name(l: unmask_model::findings::Level) -> &'static str {
    match l {
        unmask_model::findings::Level::Low => "low",
        unmask_model::findings::Level::Medium => "medium",
        unmask_model::findings::Level::High => "high",
    }
}

/// `GET /v1/actors/{id}`: the actor, its personas' findings, its
/// dispositions. Reading it is audited.
pub async fn actor(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Analyst)?;
    let f = state.current().await?;
    let Some(a) = f.actors.iter().find(|a| a.id == id) else {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no actor {id}")));
    };
    state
        .store
        .audit(Some(caller.token_id), "read", &format!("actor {id}"))?;
    let personas: Vec<&unmask_model::findings::PersonaFinding> = f
        .personas
        .iter()
        .filter(|p| a.members.contains(&p.id))
        .collect();
    let all = state.store.dispositions()?;
    let dispositions: Vec<Value> = crate::decisions_on(&all, a).map(disposition_json).collect();
    Ok(
        Json(json!({"actor": a, "personas": personas, "dispositions": dispositions}))
            .into_response(),
    )
}

fn disposition_json(d: &Disposition) -> Value {
    json!({"subject_kind": d.subject_kind, "subject": d.subject, "members": d.members,
           "status": d.status, "note": d.note, "by_token": d.token_id, "at": d.at})
}

/// `GET /v1/personas/{id}`: the persona's finding, its records as
/// received, its dispositions. Audited.
pub async fn persona(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Analyst)?;
    let f = state.current().await?;
    let finding = f.personas.iter().find(|p| p.id == id);
    let mut records = serde_json::Map::new();
    for kind in ["applications", "workers"] {
        if let Some(body) = state.store.record(kind, &id)? {
            records.insert(
                kind.into(),
                serde_json::from_str(&body).unwrap_or(Value::Null),
            );
        }
    }
    if finding.is_none() && records.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no persona {id}")));
    }
    state
        .store
        .audit(Some(caller.token_id), "read", &format!("persona {id}"))?;
    let dispositions: Vec<Value> = state
        .store
        .dispositions()?
        .iter()
        .filter(|d| d.subject == id || d.members.contains(&id))
        .map(disposition_json)
        .collect();
    Ok(
        Json(json!({"persona": finding, "records": records, "dispositions": dispositions}))
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct NewDisposition {
    pub subject_kind: String,
    pub subject: String,
    pub status: String,
    #[serde(default)]
    pub note: String,
}

pub const STATUSES: [&str; 3] = ["confirmed_fraud", "benign", "needs_review"];

/// Records a disposition; for an actor, with its members as they are now,
/// so that a benign actor stays dismissed until someone new joins it.
pub async fn record_disposition(
    state: &Arc<State>,
    caller: Caller,
    d: NewDisposition,
) -> ApiResult<Value> {
    if !STATUSES.contains(&d.status.as_str()) {
        return Err(ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("status must be one of {}", STATUSES.join(", ")),
        ));
    }
    let f = state.current().await?;
    let members = match d.subject_kind.as_str() {
        "actor" => match f.actors.iter().find(|a| a.id == d.subject) {
            Some(a) => a.members.clone(),
            None => {
                return Err(ApiError(
                    StatusCode::NOT_FOUND,
                    format!("no actor {}", d.subject),
                ));
            }
        },
        "persona" => {
            if !f.personas.iter().any(|p| p.id == d.subject) {
                return Err(ApiError(
                    StatusCode::NOT_FOUND,
                    format!("no persona {}", d.subject),
                ));
            }
            vec![]
        }
        other => {
            return Err(ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("subject_kind {other:?}: actor or persona"),
            ));
        }
    };
    let rec = Disposition {
        subject_kind: d.subject_kind,
        subject: d.subject,
        members,
        status: d.status,
        note: d.note.chars().take(4000).collect(),
        token_id: caller.token_id,
        at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |t| t.as_millis() as i64),
    };
    state.store.add_disposition(&rec)?;
    state.store.audit(
        Some(caller.token_id),
        "disposition",
        &format!("{} {}: {}", rec.subject_kind, rec.subject, rec.status),
    )?;
    if rec.status == "confirmed_fraud" {
        // Its identifiers are known-bad from the next scan on.
        state.mark_written();
    }
    Ok(disposition_json(&rec))
}

/// `POST /v1/dispositions`.
pub async fn dispositions(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    // The token first: a caller without the role learns nothing of the body.
    let caller = authorise(&state, &headers, Role::Analyst)?;
    let d: NewDisposition = serde_json::from_slice(&body).map_err(|e| {
        ApiError(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("not a disposition: {e}"),
        )
    })?;
    let v = record_disposition(&state, caller, d).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// `DELETE /v1/personas/{id}`: the right to erasure. The persona's
/// records, its payroll rows, the sign-ins of its login and its place in
/// dispositions go; the audit log keeps only that it happened.
pub async fn erase(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Admin)?;
    let store = state.store.clone();
    let pid = id.clone();
    let removed = tokio::task::spawn_blocking(move || crate::erase_persona(&store, &pid))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))??;
    if removed == 0 {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no records of persona {id}"),
        ));
    }
    state.store.audit(
        Some(caller.token_id),
        "erase",
        &format!("a persona ({removed} records)"),
    )?;
    state.store.scrub_audit(&id)?;
    // The saved findings are rescanned at once, so that they no longer
    // hold the persona either.
    let at = state.mark_written();
    state.scanned_after(at).await?;
    Ok(Json(json!({"erased": removed})).into_response())
}

#[derive(Deserialize)]
pub struct AuditQuery {
    limit: Option<i64>,
}

/// `GET /v1/audit`: who read or changed what, newest first.
pub async fn audit(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    authorise(&state, &headers, Role::Admin)?;
    let log: Vec<Value> = state
        .store
        .audit_log(None, q.limit.unwrap_or(200).clamp(1, 10_000))?
        .into_iter()
        .map(|e| json!({"at": e.at, "token": e.token_id, "action": e.action, "subject": e.subject}))
        .collect();
    Ok(Json(json!({"audit": log})).into_response())
}

#[derive(Deserialize)]
pub struct SearchQuery {
    pub q: String,
}

/// `GET /v1/search?q=`: personas whose records mention the text (a name,
/// e-mail, phone, IP, asset), by id.
pub async fn search(
    St(state): St<Arc<State>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> ApiResult<Response> {
    let caller = authorise(&state, &headers, Role::Analyst)?;
    let hits = crate::search(&state, &q.q)?;
    state.store.audit(
        Some(caller.token_id),
        "search",
        &format!("{} result(s)", hits.len()),
    )?;
    Ok(Json(json!({"personas": hits})).into_response())
}

/// `GET /openapi.json`.
pub async fn openapi(St(state): St<Arc<State>>, headers: HeaderMap) -> ApiResult<Response> {
    authorise(&state, &headers, Role::Ingest)?;
    Ok(Json(crate::openapi::document()).into_response())
}

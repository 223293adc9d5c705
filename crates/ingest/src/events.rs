//! Okta System Log, OCSF Authentication and osquery result logs, read as
//! their own documentation defines them.
//!
//! Okta and OCSF events are the high-volume inputs, so they deserialize into
//! borrowed structs that name only the fields used (serde skips the rest
//! without allocating). Strings with escapes fall back to owned copies.
//! Okta events are first offered to [`crate::okta_fields`], which reads
//! those structs straight off the bytes and defers to serde when unsure.

use crate::{FieldError, parse_json as parse};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;
use unmask_model::{HostRow, HostTable, LoginEvent, LoginSource, Timestamp};

fn missing(field: &str, reason: &str) -> FieldError {
    FieldError {
        field: Some(field.into()),
        reason: reason.into(),
    }
}

type Str<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Okta<'a> {
    pub(crate) published: Option<Timestamp>,
    #[serde(borrow)]
    pub(crate) actor: Option<OktaActor<'a>>,
    #[serde(borrow)]
    pub(crate) client: Option<OktaClient<'a>>,
    #[serde(borrow)]
    pub(crate) outcome: Option<OktaOutcome<'a>>,
    pub(crate) security_context: Option<OktaSecurity>,
    #[serde(borrow)]
    pub(crate) device: Option<OktaDevice<'a>>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaActor<'a> {
    #[serde(borrow)]
    pub(crate) alternate_id: Str<'a>,
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Str<'a>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaClient<'a> {
    #[serde(borrow)]
    pub(crate) ip_address: Str<'a>,
    #[serde(borrow)]
    pub(crate) user_agent: Option<OktaUserAgent<'a>>,
    #[serde(borrow)]
    pub(crate) geographical_context: Option<OktaGeo<'a>>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaUserAgent<'a> {
    #[serde(borrow)]
    pub(crate) raw_user_agent: Str<'a>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct OktaGeo<'a> {
    #[serde(borrow)]
    pub(crate) country: Str<'a>,
    #[serde(borrow)]
    pub(crate) city: Str<'a>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct OktaOutcome<'a> {
    #[serde(borrow)]
    pub(crate) result: Str<'a>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OktaSecurity {
    pub(crate) is_proxy: Option<bool>,
}
#[derive(Deserialize, Default, Debug, PartialEq)]
pub(crate) struct OktaDevice<'a> {
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
}

/// Owned strings for the few fields that had JSON escapes; events without
/// escapes (almost all) borrow from the input line.
pub(crate) struct OwnedLogin<'a> {
    at: Timestamp,
    source: LoginSource,
    user: Cow<'a, str>,
    ip: Str<'a>,
    user_agent: Str<'a>,
    country: Str<'a>,
    city: Str<'a>,
    device: Str<'a>,
    success: bool,
    is_proxy: Option<bool>,
}

impl<'a> OwnedLogin<'a> {
    pub(crate) fn view(&self) -> LoginEvent<'_> {
        LoginEvent {
            source: self.source,
            at: self.at,
            user: &self.user,
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            country: self.country.as_deref(),
            city: self.city.as_deref(),
            device: self.device.as_deref(),
            success: self.success,
            is_proxy: self.is_proxy,
        }
    }
}

/// simd-json's working memory, reused across events.
#[derive(Default)]
pub(crate) struct Scratch {
    input: Vec<u8>,
    buffers: simd_json::Buffers,
}

/// Parses a high-volume event with simd-json (in place, in `scratch`);
/// anything it refuses goes through serde_json, which either accepts it or
/// explains the failure with the same messages as every other record.
pub(crate) fn parse_fast<'a, T: Deserialize<'a>>(
    raw: &'a [u8],
    scratch: &'a mut Scratch,
) -> Result<T, FieldError> {
    scratch.input.clear();
    scratch.input.extend_from_slice(raw);
    match simd_json::serde::from_slice_with_buffers::<T>(&mut scratch.input, &mut scratch.buffers) {
        Ok(v) => Ok(v),
        Err(_) => parse(raw),
    }
}

pub(crate) fn okta<'a>(
    raw: &'a [u8],
    scratch: &'a mut Scratch,
) -> Result<OwnedLogin<'a>, FieldError> {
    let e: Okta = match crate::okta_fields::okta(raw) {
        Some(e) => e,
        None => parse_fast(raw, scratch)?,
    };
    let at = e
        .published
        .ok_or_else(|| missing("published", "Okta event has no `published` time"))?;
    let actor = e
        .actor
        .ok_or_else(|| missing("actor", "Okta event has no actor"))?;
    if let Some(kind) = actor.kind.as_deref()
        && kind != "User"
    {
        return Err(missing(
            "actor.type",
            &format!("actor is a {kind}, not a User: not a person's sign-in"),
        ));
    }
    let user = actor
        .alternate_id
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("actor.alternateId", "Okta event has no actor.alternateId"))?;
    let (ip, user_agent, country, city) = match e.client {
        Some(c) => {
            let (country, city) = c
                .geographical_context
                .map(|g| (g.country, g.city))
                .unwrap_or_default();
            (
                c.ip_address,
                c.user_agent.and_then(|u| u.raw_user_agent),
                country,
                city,
            )
        }
        None => Default::default(),
    };
    Ok(OwnedLogin {
        at,
        source: LoginSource::Okta,
        user,
        ip,
        user_agent,
        country,
        city,
        device: e.device.and_then(|d| d.id),
        success: e
            .outcome
            .and_then(|o| o.result)
            .is_none_or(|r| r.eq_ignore_ascii_case("SUCCESS") || r.eq_ignore_ascii_case("ALLOW")),
        is_proxy: e.security_context.and_then(|s| s.is_proxy),
    })
}

#[derive(Deserialize)]
struct Ocsf<'a> {
    class_uid: Option<u32>,
    time: Option<Timestamp>,
    #[serde(borrow)]
    user: Option<OcsfUser<'a>>,
    #[serde(borrow)]
    src_endpoint: Option<OcsfEndpoint<'a>>,
    #[serde(borrow)]
    device: Option<OcsfDevice<'a>>,
    #[serde(borrow)]
    http_request: Option<OcsfHttp<'a>>,
    status_id: Option<u32>,
}
#[derive(Deserialize)]
struct OcsfUser<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    uid: Str<'a>,
    #[serde(borrow)]
    email_addr: Str<'a>,
}
#[derive(Deserialize)]
struct OcsfEndpoint<'a> {
    #[serde(borrow)]
    ip: Str<'a>,
    #[serde(borrow)]
    location: Option<OcsfLocation<'a>>,
}
#[derive(Deserialize)]
struct OcsfLocation<'a> {
    #[serde(borrow)]
    country: Str<'a>,
    #[serde(borrow)]
    city: Str<'a>,
}
#[derive(Deserialize)]
struct OcsfDevice<'a> {
    #[serde(borrow)]
    uid: Str<'a>,
    #[serde(borrow)]
    hostname: Str<'a>,
}
#[derive(Deserialize)]
struct OcsfHttp<'a> {
    #[serde(borrow)]
    user_agent: Str<'a>,
}

pub(crate) fn ocsf<'a>(
    raw: &'a [u8],
    scratch: &'a mut Scratch,
) -> Result<OwnedLogin<'a>, FieldError> {
    let e: Ocsf = parse_fast(raw, scratch)?;
    match e.class_uid {
        Some(3002) => {}
        Some(other) => {
            return Err(missing(
                "class_uid",
                &format!("class_uid {other} is not OCSF Authentication (3002)"),
            ));
        }
        None => return Err(missing("class_uid", "OCSF event has no class_uid")),
    }
    let at = e
        .time
        .ok_or_else(|| missing("time", "OCSF event has no `time`"))?;
    let u = e
        .user
        .ok_or_else(|| missing("user", "OCSF Authentication event has no user"))?;
    let user = u
        .name
        .or(u.email_addr)
        .or(u.uid)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| missing("user.name", "user has no name, email_addr or uid"))?;
    let (ip, country, city) = match e.src_endpoint {
        Some(s) => {
            let (c, ci) = s.location.map(|l| (l.country, l.city)).unwrap_or_default();
            (s.ip, c, ci)
        }
        None => Default::default(),
    };
    Ok(OwnedLogin {
        at,
        source: LoginSource::Ocsf,
        user,
        ip,
        user_agent: e.http_request.and_then(|h| h.user_agent),
        country,
        city,
        device: e.device.and_then(|d| d.uid.or(d.hostname)),
        // OCSF status_id: 1 Success, 2 Failure, 0/99 Unknown/Other.
        success: e.status_id != Some(2),
        is_proxy: None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OsqueryLine {
    name: Option<String>,
    host_identifier: Option<String>,
    unix_time: Option<Timestamp>,
    calendar_time: Option<String>,
    action: Option<String>,
    columns: Option<Map<String, Value>>,
    diff_results: Option<Diff>,
    snapshot: Option<Vec<Map<String, Value>>>,
}
#[derive(Deserialize)]
struct Diff {
    #[serde(default)]
    added: Vec<Map<String, Value>>,
    #[serde(default)]
    removed: Vec<Map<String, Value>>,
}

/// Reuses one output vector across lines.
#[derive(Default)]
pub(crate) struct OsqueryRows {
    rows: Vec<HostRow>,
}

fn columns(m: Map<String, Value>) -> Vec<(String, String)> {
    m.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, v)
        })
        .collect()
}

impl OsqueryRows {
    /// One result-log line → its rows: an event (`columns` + `action`), a
    /// batch (`diffResults`), or a `snapshot`.
    pub(crate) fn parse(&mut self, raw: &[u8]) -> Result<&mut Vec<HostRow>, FieldError> {
        let l: OsqueryLine = parse(raw)?;
        let name = l
            .name
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("name", "osquery result has no query name"))?;
        let host = l
            .host_identifier
            .filter(|s| !s.is_empty())
            .ok_or_else(|| missing("hostIdentifier", "osquery result has no hostIdentifier"))?;
        let at = match (l.unix_time, l.calendar_time) {
            (Some(t), _) => t,
            (None, _) => return Err(missing("unixTime", "osquery result has no unixTime")),
        };
        let table = HostTable::from_query_name(&name);
        let row = |cols, removed| HostRow {
            table,
            query_name: name.clone(),
            host: host.clone(),
            at,
            removed,
            columns: columns(cols),
        };
        self.rows.clear();
        if let Some(cols) = l.columns {
            let removed = match l.action.as_deref() {
                Some("removed") => true,
                Some("added" | "snapshot") | None => false,
                Some(other) => {
                    return Err(missing(
                        "action",
                        &format!("unknown osquery action {other:?}"),
                    ));
                }
            };
            self.rows.push(row(cols, removed));
        } else if let Some(diff) = l.diff_results {
            self.rows
                .extend(diff.added.into_iter().map(|c| row(c, false)));
            self.rows
                .extend(diff.removed.into_iter().map(|c| row(c, true)));
        } else if let Some(snap) = l.snapshot {
            self.rows.extend(snap.into_iter().map(|c| row(c, false)));
        } else {
            return Err(missing(
                "columns",
                "osquery result has none of columns, diffResults or snapshot",
            ));
        }
        Ok(&mut self.rows)
    }
}

//! Input records: the four flat record types of the contract, and the
//! events that Okta, OCSF, osquery and keystroke capture produce, reduced to
//! what the pipeline reads.
//!
//! Unknown fields of the flat records are kept in `extra` (the contract says
//! they are kept, not rejected). Event bodies are not kept: an event's
//! provenance is its file and line, which findings can cite.

use crate::time::{Day, Timestamp};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub type Extra = Map<String, Value>;

/// A postal address as written; `unmask-normalise` gives it a canonical key.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PostalAddress {
    #[serde(deserialize_with = "text")]
    pub line1: Option<String>,
    #[serde(deserialize_with = "text")]
    pub line2: Option<String>,
    #[serde(deserialize_with = "text")]
    pub city: Option<String>,
    #[serde(deserialize_with = "text")]
    pub region: Option<String>,
    #[serde(deserialize_with = "text")]
    pub postcode: Option<String>,
    #[serde(deserialize_with = "text")]
    pub country: Option<String>,
}

impl PostalAddress {
    pub fn is_empty(&self) -> bool {
        [
            &self.line1,
            &self.line2,
            &self.city,
            &self.postcode,
            &self.region,
        ]
        .iter()
        .all(|f| f.as_deref().is_none_or(|s| s.trim().is_empty()))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PaymentMethod {
    #[serde(deserialize_with = "text")]
    pub method: Option<String>,
    #[serde(deserialize_with = "text")]
    pub account: Option<String>,
    #[serde(deserialize_with = "text")]
    pub holder: Option<String>,
    #[serde(deserialize_with = "text")]
    pub chain: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reference {
    #[serde(deserialize_with = "text")]
    pub name: Option<String>,
    #[serde(deserialize_with = "text")]
    pub email: Option<String>,
    #[serde(deserialize_with = "text")]
    pub phone: Option<String>,
    #[serde(deserialize_with = "text")]
    pub company: Option<String>,
    #[serde(deserialize_with = "text")]
    pub relationship: Option<String>,
}

/// One application or marketplace profile: a persona as presented.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Application {
    #[serde(deserialize_with = "id")]
    pub application_id: String,
    pub submitted_at: Timestamp,
    #[serde(default, deserialize_with = "text")]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub job_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub given_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub family_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "texts")]
    pub emails: Vec<String>,
    #[serde(default, deserialize_with = "texts")]
    pub phones: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub address: Option<PostalAddress>,
    #[serde(default, deserialize_with = "opt_day")]
    pub date_of_birth: Option<Day>,
    #[serde(default, deserialize_with = "text")]
    pub claimed_timezone: Option<String>,
    #[serde(default, deserialize_with = "texts")]
    pub links: Vec<String>,
    #[serde(default, deserialize_with = "text")]
    pub resume_text: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub photo: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub photo_phash: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub ip: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub user_agent: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub device_fingerprint: Option<String>,
    #[serde(default, deserialize_with = "list")]
    pub payment: Vec<PaymentMethod>,
    #[serde(default, deserialize_with = "nullable")]
    pub shipping_address: Option<PostalAddress>,
    #[serde(default, deserialize_with = "list")]
    pub references: Vec<Reference>,
    /// The employee who referred the applicant: a `worker_id`, or that
    /// worker's login or company e-mail.
    #[serde(default, deserialize_with = "text")]
    pub referred_by: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClaimedLocation {
    #[serde(deserialize_with = "text")]
    pub city: Option<String>,
    #[serde(deserialize_with = "text")]
    pub country: Option<String>,
}

/// One hired worker (employee or contractor).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Worker {
    #[serde(deserialize_with = "id")]
    pub worker_id: String,
    #[serde(default, deserialize_with = "text")]
    pub application_id: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub full_name: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub login: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub claimed_location: Option<ClaimedLocation>,
    #[serde(default, deserialize_with = "text")]
    pub claimed_timezone: Option<String>,
    #[serde(default, deserialize_with = "opt_day")]
    pub start_date: Option<Day>,
    #[serde(default, deserialize_with = "opt_day")]
    pub end_date: Option<Day>,
    #[serde(default, deserialize_with = "text")]
    pub role: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub manager: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One company device and where it was shipped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Asset {
    #[serde(deserialize_with = "id")]
    pub asset_id: String,
    #[serde(default, deserialize_with = "text")]
    pub serial: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub hostname: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub assigned_to: Option<String>,
    #[serde(default, deserialize_with = "opt_day")]
    pub shipped_at: Option<Day>,
    #[serde(default, deserialize_with = "nullable")]
    pub shipped_to: Option<PostalAddress>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// One pay destination of a worker from a date.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Payroll {
    #[serde(deserialize_with = "id")]
    pub worker_id: String,
    pub effective_date: Day,
    #[serde(default, deserialize_with = "text")]
    pub method: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub account: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub holder: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub bank_country: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where a login or host event came from, for evidence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginSource {
    Okta,
    Ocsf,
}

/// A sign-in, from Okta System Log or OCSF Authentication (3002), reduced to
/// what linkage and detection read. Borrowed so that ingest does not
/// allocate per event.
#[derive(Clone, Debug, PartialEq)]
pub struct LoginEvent<'a> {
    pub source: LoginSource,
    pub at: Timestamp,
    /// Okta `actor.alternateId`, OCSF `user.name` / `user.uid` / `user.email_addr`.
    pub user: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub country: Option<&'a str>,
    pub city: Option<&'a str>,
    /// OCSF `device.uid` or `device.hostname`; Okta `device.id` when present.
    pub device: Option<&'a str>,
    pub success: bool,
    /// Okta `securityContext.isProxy`.
    pub is_proxy: Option<bool>,
}

/// One row of an osquery result: the query's table, the host, when, and the
/// row's columns with values as text (osquery's `numerics` flag only
/// changes how numbers are written).
#[derive(Clone, Debug, PartialEq)]
pub struct HostRow {
    pub table: HostTable,
    pub query_name: String,
    pub host: String,
    pub at: Timestamp,
    pub removed: bool,
    pub columns: Vec<(String, String)>,
}

impl HostRow {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(k, _)| k == column)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// The osquery tables the pipeline understands; any other query is kept as
/// `Other` so that nothing accepted is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostTable {
    UsbDevices,
    Processes,
    Programs,
    Apps,
    SystemInfo,
    OsVersion,
    Time,
    InterfaceAddresses,
    KeyboardLayouts,
    Drivers,
    Other,
}

impl HostTable {
    /// osquery query names are free-form (`pack_farm_usb_devices`,
    /// `pack/inventory/usb_devices`); the table is the known suffix.
    pub fn from_query_name(name: &str) -> HostTable {
        const TABLES: [(&str, HostTable); 10] = [
            ("usb_devices", HostTable::UsbDevices),
            ("processes", HostTable::Processes),
            ("programs", HostTable::Programs),
            ("apps", HostTable::Apps),
            ("system_info", HostTable::SystemInfo),
            ("os_version", HostTable::OsVersion),
            ("interface_addresses", HostTable::InterfaceAddresses),
            ("keyboard_layouts", HostTable::KeyboardLayouts),
            ("drivers", HostTable::Drivers),
            ("time", HostTable::Time),
        ];
        let lower = name.to_ascii_lowercase();
        TABLES
            .iter()
            .find(|(suffix, _)| {
                lower == *suffix
                    || lower
                        .strip_suffix(suffix)
                        .is_some_and(|head| head.ends_with(['_', '/', ':', '-', '.']))
            })
            .map(|(_, t)| *t)
            .unwrap_or(HostTable::Other)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct KeyEvent {
    #[serde(default, deserialize_with = "text")]
    pub key: Option<String>,
    pub down_ms: f64,
    pub up_ms: f64,
}

/// One typing sample.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct KeystrokeSample {
    #[serde(deserialize_with = "id")]
    pub subject: String,
    #[serde(default, deserialize_with = "text")]
    pub session_id: Option<String>,
    #[serde(default)]
    pub captured_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "text")]
    pub text_kind: Option<String>,
    pub events: Vec<KeyEvent>,
}

// ---- lenient value shapes -------------------------------------------------
//
// Exports disagree on small things: ids written as numbers, `null` where a
// field is absent, a single e-mail where a list was meant. These accept the
// harmless variants and still reject real type errors (an object where a
// name belongs).

fn scalar_text(v: Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s).filter(|s| !s.trim().is_empty())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Array(_) => Err("expected text, found a list".into()),
        Value::Object(_) => Err("expected text, found an object".into()),
    }
}

fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    scalar_text(Value::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    text(d)?.ok_or_else(|| serde::de::Error::custom("id is empty"))
}

fn texts<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|v| scalar_text(v).transpose())
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom),
        v => Ok(scalar_text(v)
            .map_err(serde::de::Error::custom)?
            .into_iter()
            .collect()),
    }
}

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    Option::<T>::deserialize(d)
}

fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn opt_day<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Day>, D::Error> {
    match text(d)? {
        None => Ok(None),
        Some(s) => Day::parse(&s).map(Some).map_err(serde::de::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_example_application_parses() {
        let a: Application = serde_json::from_str(
            r#"{"application_id": "app-000123", "submitted_at": "2026-03-02T14:11:09Z",
             "full_name": "Daniel Moreau", "emails": ["daniel.moreau.dev@gmail.com"],
             "phones": ["+33 6 12 34 56 78"], "address": {"line1": "12 rue Garibaldi", "city": "Lyon",
             "region": "", "postcode": "69003", "country": "FR"}, "date_of_birth": "1994-05-02",
             "payment": [{"method": "bank", "account": "DE89370400440532013000", "holder": "Daniel Moreau"}],
             "references": [{"name": "Maria Kovacs", "email": "m.kovacs@example.org"}],
             "favourite_colour": "teal"}"#,
        )
        .unwrap();
        assert_eq!(a.application_id, "app-000123");
        assert_eq!(a.address.as_ref().unwrap().region, None, "empty is absent");
        assert_eq!(a.references[0].name.as_deref(), Some("Maria Kovacs"));
        assert_eq!(a.extra["favourite_colour"], "teal", "unknown fields kept");
    }

    #[test]
    fn lenient_shapes_and_real_type_errors() {
        let w: Worker = serde_json::from_str(r#"{"worker_id": 42, "end_date": null}"#).unwrap();
        assert_eq!(w.worker_id, "42");
        let a: Application = serde_json::from_str(
            r#"{"application_id":"a","submitted_at":1795465867,"emails":"x@y.z","payment":null}"#,
        )
        .unwrap();
        assert_eq!(a.emails, vec!["x@y.z"]);
        assert!(
            serde_json::from_str::<Application>(
                r#"{"application_id":"a","submitted_at":"2026-01-01","full_name":{"x":1}}"#
            )
            .is_err()
        );
        assert!(serde_json::from_str::<Worker>(r#"{"worker_id": ""}"#).is_err());
    }

    #[test]
    fn host_tables_from_query_names() {
        assert_eq!(
            HostTable::from_query_name("pack_farm_usb_devices"),
            HostTable::UsbDevices
        );
        assert_eq!(
            HostTable::from_query_name("pack/inv/processes"),
            HostTable::Processes
        );
        assert_eq!(HostTable::from_query_name("time"), HostTable::Time);
        assert_eq!(
            HostTable::from_query_name("pack_x_uptime"),
            HostTable::Other,
            "'uptime' must not match 'time'"
        );
    }
}

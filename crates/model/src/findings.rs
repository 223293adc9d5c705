//! `findings.json`, schema `unmask.findings/v1`.
//!
//! The contract's fields come first in each struct; everything after them is
//! an optional addition (allowed by the contract: "add optional fields
//! freely") that makes a finding checkable by a person: display names, the
//! records a signal cites, how the risk was computed.

use serde::{Deserialize, Serialize};

pub const SCHEMA: &str = "unmask.findings/v1";

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// One indicator that fired: its contribution to the log-odds of the
/// subject being fraudulent, and evidence naming the other records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    pub id: String,
    pub weight: f64,
    pub evidence: String,
    /// Ids of the other records the evidence cites (personas, assets,
    /// addresses), so a UI can link them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cites: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonaFinding {
    pub id: String,
    /// `application` or `worker`.
    pub kind: String,
    pub risk: f64,
    pub level: Level,
    pub actor: String,
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActorFinding {
    pub id: String,
    pub members: Vec<String>,
    pub risk: f64,
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The distinct names the actor's personas used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeviceFinding {
    pub id: String,
    pub risk: f64,
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AddressFinding {
    pub id: String,
    pub normalized: String,
    pub risk: f64,
    /// Assets shipped here and personas who give this address.
    pub members: Vec<String>,
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
}

/// How risks were computed, so a reader can redo the sum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scoring {
    /// risk = 1 / (1 + exp(-(prior_log_odds + Σ signal weights)))
    pub prior_log_odds: f64,
    pub medium_at: f64,
    pub high_at: f64,
}

/// What the run read, set aside and could not do.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub files: u64,
    pub records_accepted: u64,
    pub records_rejected: u64,
    pub events_accepted: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Findings {
    pub schema: String,
    pub generated_at: String,
    pub personas: Vec<PersonaFinding>,
    pub actors: Vec<ActorFinding>,
    pub devices: Vec<DeviceFinding>,
    pub addresses: Vec<AddressFinding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scoring: Option<Scoring>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<RunSummary>,
}

impl Findings {
    /// Every list in id order: the order a scan writes, whatever order the
    /// records were read in, and so the order a partial rescan spliced
    /// into earlier findings keeps.
    pub fn sort_by_id(&mut self) {
        self.personas.sort_by(|a, b| a.id.cmp(&b.id));
        self.actors.sort_by(|a, b| a.id.cmp(&b.id));
        self.devices.sort_by(|a, b| a.id.cmp(&b.id));
        self.addresses.sort_by(|a, b| a.id.cmp(&b.id));
    }
}

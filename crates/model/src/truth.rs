//! Ground truth for evaluation, `truth.json` (schema `unmask.truth/v1`):
//! who is really behind each persona, which devices and addresses are part
//! of a scheme. `unmask demo` writes it; `unmask eval` reads it; a user can
//! write one for their own labelled cases.

use serde::{Deserialize, Serialize};

/// Ground truth, `truth.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Truth {
    pub schema: String,
    pub seed: u64,
    pub personas: Vec<TruthPersona>,
    pub devices: Vec<TruthDevice>,
    pub addresses: Vec<TruthAddress>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TruthPersona {
    pub id: String,
    pub kind: String,
    /// The real person behind the persona.
    pub actor: String,
    pub fraud: bool,
    /// Origin of the name's pool, for the fairness split only.
    pub name_origin: String,
    /// Which part of the world this persona comes from (legit, couple,
    /// agency, reapplicant, name_change, operator, …).
    pub story: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TruthDevice {
    pub id: String,
    /// Used by a fake worker (in a laptop farm or the operator's hands).
    pub fraud: bool,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct TruthAddress {
    pub display: String,
    pub facilitator: bool,
    /// Records that mention this address (assets shipped there,
    /// applications that asked for shipment there).
    pub members: Vec<String>,
}

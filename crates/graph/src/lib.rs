//! The identity graph: the one structure resolution and detection read.
//!
//! Nodes are personas (applications and workers), the references they give,
//! assets, and *externals* (the login names and host identifiers that event
//! logs use). Each of them points at *identifiers* — e-mails, phones,
//! devices, payment accounts, photo hashes, IPs, addresses, and host facts
//! like a USB device — through an [`Edge`] with a role and the time span it
//! was seen (first, last, count). Everything is a dense `u32` id; strings
//! are interned once; events are aggregated into edges as they stream in,
//! so memory grows with distinct facts, not with event count.

mod build;

pub use build::{GraphBuilder, payment_key, prepare_application};

use unmask_intern::Interner;
use unmask_model::{Day, Extra, Timestamp};
use unmask_normalise::name::Name;

macro_rules! id {
    ($($name:ident),*) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            pub fn ix(self) -> usize { self.0 as usize }
        }
    )*};
}
id!(PersonaId, RefId, AssetId, ExternalId, IdentId);

/// What an identifier is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum IdentKind {
    Email,
    Phone,
    Device,
    Payment,
    Photo,
    Resume,
    Ip,
    Address,
    UserAgent,
    Country,
    Usb,
    Process,
    Program,
    HostTimezone,
    KeyboardLayout,
}

impl IdentKind {
    pub fn label(self) -> &'static str {
        match self {
            IdentKind::Email => "e-mail",
            IdentKind::Phone => "phone",
            IdentKind::Device => "device fingerprint",
            IdentKind::Payment => "payment account",
            IdentKind::Photo => "photo",
            IdentKind::Resume => "résumé text",
            IdentKind::Ip => "IP",
            IdentKind::Address => "address",
            IdentKind::UserAgent => "user agent",
            IdentKind::Country => "country",
            IdentKind::Usb => "USB device",
            IdentKind::Process => "process",
            IdentKind::Program => "program",
            IdentKind::HostTimezone => "host time zone",
            IdentKind::KeyboardLayout => "keyboard layout",
        }
    }
}

/// Why a node points at an identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// A persona's own contact or account details.
    Own,
    /// The address a persona says it lives at.
    Home,
    /// Where an application asked for equipment to go.
    ShipTo,
    /// Where an asset was shipped.
    ShippedTo,
    /// The IP an application was submitted from.
    ApplyIp,
    /// A worker's pay destination (payroll).
    Payout,
    /// A reference's contact details.
    Contact,
    LoginIp,
    LoginCountry,
    LoginUserAgent,
    LoginDevice,
    HostFact,
}

/// Whether some stage reads who *else* points at an identifier of `kind`
/// in `role`: the edges through which one record's findings depend on
/// another's. Sign-in countries, user agents, login devices and host facts
/// are read per login or per host only; so are an application's user
/// agent and country.
pub fn relates(kind: IdentKind, role: Role) -> bool {
    use IdentKind as K;
    match kind {
        K::Email | K::Phone => matches!(role, Role::Own | Role::Contact),
        K::Device | K::Photo | K::Resume => role == Role::Own,
        K::Payment => matches!(role, Role::Own | Role::Payout),
        K::Ip => matches!(role, Role::ApplyIp | Role::LoginIp),
        K::Address => matches!(role, Role::Home | Role::ShipTo | Role::ShippedTo),
        _ => false,
    }
}

/// A node that points at identifiers, packed as tag + index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Node {
    Persona(PersonaId),
    Reference(RefId),
    Asset(AssetId),
    External(ExternalId),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: Node,
    pub to: IdentId,
    pub role: Role,
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonaKind {
    Application,
    Worker,
}

impl PersonaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonaKind::Application => "application",
            PersonaKind::Worker => "worker",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Persona {
    pub record_id: String,
    pub kind: PersonaKind,
    pub name: Option<Name>,
    pub date_of_birth: Option<Day>,
    pub claimed_timezone: Option<String>,
    /// ISO alpha-2, lower case, as claimed (address or claimed location).
    pub country: Option<String>,
    /// `city, cc` as claimed.
    pub locality: Option<String>,
    /// Submitted (applications) or started (workers).
    pub at: Option<Timestamp>,
    /// A worker's own application, when the worker record names it.
    pub application: Option<PersonaId>,
    pub application_ref: Option<String>,
    pub source: String,
    pub extra: Extra,
}

#[derive(Clone, Debug)]
pub struct Reference {
    pub of: PersonaId,
    pub name: Option<Name>,
    pub company: Option<String>,
    pub relationship: Option<String>,
    pub email: Option<IdentId>,
    pub phone: Option<IdentId>,
}

#[derive(Clone, Debug)]
pub struct AssetNode {
    pub record_id: String,
    pub serial: Option<String>,
    pub hostname: Option<String>,
    pub kind: Option<String>,
    pub assigned_to: Option<PersonaId>,
    pub assigned_ref: Option<String>,
    pub shipped_at: Option<Day>,
    pub shipped_to: Option<IdentId>,
    pub source: String,
}

#[derive(Clone, Debug)]
pub struct PayrollEntry {
    pub worker: PersonaId,
    pub effective: Day,
    pub method: Option<String>,
    pub account: Option<IdentId>,
    pub holder: Option<Name>,
    pub bank_country: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExternalKind {
    /// A login name or e-mail as event logs write it (lower-cased).
    Login,
    /// An osquery `hostIdentifier`.
    Host,
}

/// Sign-in activity of one login, aggregated.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    pub events: u64,
    pub failures: u64,
    pub proxied: u64,
    pub hours_utc: [u32; 24],
    pub days: u32,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// Country changes between placed sign-ins consecutive in time less
    /// than [`HOP_WINDOW_MS`] apart: how many, and the first [`HOPS_KEPT`].
    /// (In time, not in the order read: a service writes sign-ins out in
    /// id order, an export in time order, and both must agree.)
    pub hop_count: u32,
    pub hops: Vec<(Placed, Placed)>,
}

/// Where and when one sign-in was, for impossible travel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub at: Timestamp,
    pub country: IdentId,
    pub ip: Option<IdentId>,
}

/// Two sign-ins in different countries closer than this are a *hop*: no
/// journey between two countries, airports and all, takes under two
/// hours door to door. Countries are all the logs give; without
/// distances, neighbours' border towns are the known blind spot.
pub const HOP_WINDOW_MS: i64 = 2 * 3_600_000;
/// Hops kept per login as evidence (all are counted).
pub const HOPS_KEPT: usize = 16;

/// A normalised address: the canonical key is the identifier's text.
#[derive(Clone, Debug)]
pub struct AddressInfo {
    pub building: String,
    pub locality: String,
    /// One written form, for people.
    pub display: String,
}

pub struct IdentityGraph {
    pub personas: Vec<Persona>,
    pub references: Vec<Reference>,
    pub assets: Vec<AssetNode>,
    pub payroll: Vec<PayrollEntry>,
    /// (application, the worker who referred it).
    pub referrals: Vec<(PersonaId, PersonaId)>,
    /// Applications naming a referrer who is not in workers, with the name
    /// as given: a worker added later may resolve it.
    pub unresolved_referrals: Vec<(PersonaId, String)>,
    pub idents: Interner<IdentKind>,
    pub externals: Interner<ExternalKind>,
    /// For each external, the persona (logins) or asset (hosts) it names.
    pub external_owner: Vec<Option<Node>>,
    pub activity: Vec<Activity>,
    pub addresses: rustc_hash::FxHashMap<IdentId, AddressInfo>,
    pub edges: Vec<Edge>,
    /// Edge indices sorted by identifier; `by_ident_start[i]..[i+1]` are
    /// the edges into identifier `i`.
    by_ident: Vec<u32>,
    by_ident_start: Vec<u32>,
    /// Edge indices sorted by source node.
    by_node: Vec<u32>,
    /// Per identifier, whether it is common ([`IdentityGraph::mark_common`]): counted
    /// when the graph is built, or set from a fit made on the whole store.
    common: Vec<bool>,
    persona_logins: Vec<Vec<ExternalId>>,
    /// Résumé words ([`unmask_normalise::text::word_hashes`]) of all
    /// personas end to end; persona `i`'s are
    /// `resume_words[resume_start[i]..resume_start[i + 1]]`. Kept beside
    /// the exact-text identifier so that near-duplicates can be found.
    resume_words: Vec<u32>,
    resume_start: Vec<u32>,
}

impl IdentityGraph {
    pub fn ident_text(&self, id: IdentId) -> &str {
        self.idents.text(id.0)
    }
    pub fn ident_kind(&self, id: IdentId) -> IdentKind {
        self.idents.kind(id.0)
    }
    pub fn ident(&self, kind: IdentKind, text: &str) -> Option<IdentId> {
        self.idents.get(kind, text).map(IdentId)
    }

    /// Whether `id` is *common*: held by so many people that no stage
    /// weighs it beyond its frequency — the default avatar, a corporate
    /// VPN's egress, an agency's switchboard ([`IdentityGraph::mark_common`]).
    pub fn is_common(&self, id: IdentId) -> bool {
        self.common.get(id.ix()).copied().unwrap_or(false)
    }

    /// Identifiers that are common, in id order.
    pub fn common(&self) -> impl Iterator<Item = IdentId> + '_ {
        self.common
            .iter()
            .enumerate()
            .filter(|c| *c.1)
            .map(|(i, _)| IdentId(i as u32))
    }

    /// How many people hold `id` in roles that [`relates`], counted up to
    /// `bound`: a worker and its application are one, a reference counts
    /// as its giver, a login nobody owns as itself.
    pub fn holders_up_to(&self, id: IdentId, bound: usize) -> usize {
        let kind = self.ident_kind(id);
        let unit = |p: PersonaId| Node::Persona(self.personas[p.ix()].application.unwrap_or(p));
        let mut seen: Vec<Node> = vec![];
        for e in self.edges_into(id).filter(|e| relates(kind, e.role)) {
            let who = match e.from {
                Node::Persona(p) => unit(p),
                Node::Reference(r) => unit(self.references[r.ix()].of),
                Node::External(x) => match self.external_owner[x.ix()] {
                    Some(Node::Persona(p)) => unit(p),
                    _ => e.from,
                },
                Node::Asset(_) => e.from,
            };
            if !seen.contains(&who) {
                seen.push(who);
                if seen.len() >= bound {
                    break;
                }
            }
        }
        seen.len()
    }

    /// Marks as common each identifier held by at least `bound(kind)`
    /// people ([`IdentityGraph::holders_up_to`]); `None`, never. The bound
    /// is where every stage has stopped weighing a value of that kind, so
    /// marking it changes no finding, and lets a change to one holder not
    /// reach the others (ARCHITECTURE.md, *Incremental scoring*).
    pub fn mark_common(&mut self, bound: impl Fn(IdentKind) -> Option<usize>) {
        self.common = (0..self.idents.len() as u32)
            .map(IdentId)
            .map(|id| bound(self.ident_kind(id)).is_some_and(|b| self.holders_up_to(id, b) >= b))
            .collect();
    }

    /// Makes exactly `ids` the common identifiers: those a fit made on the
    /// whole store found common, so that a part of the store scanned under
    /// that fit treats them as the whole did.
    pub fn set_common(&mut self, ids: impl IntoIterator<Item = IdentId>) {
        self.common = vec![false; self.idents.len()];
        for id in ids {
            self.common[id.ix()] = true;
        }
    }

    /// Every edge into an identifier.
    pub fn edges_into(&self, id: IdentId) -> impl Iterator<Item = &Edge> + '_ {
        let (a, b) = (
            self.by_ident_start[id.ix()] as usize,
            self.by_ident_start[id.ix() + 1] as usize,
        );
        self.by_ident[a..b].iter().map(|&e| &self.edges[e as usize])
    }

    /// Every edge out of a node.
    pub fn edges_from(&self, node: Node) -> impl Iterator<Item = &Edge> + '_ {
        let start = self
            .by_node
            .partition_point(|&e| self.edges[e as usize].from < node);
        self.by_node[start..]
            .iter()
            .map(|&e| &self.edges[e as usize])
            .take_while(move |e| e.from == node)
    }

    /// The persona an edge's source stands for: personas themselves, and
    /// logins of workers. References, assets and unknown logins give `None`.
    pub fn persona_of(&self, node: Node) -> Option<PersonaId> {
        match node {
            Node::Persona(p) => Some(p),
            Node::External(x) => match self.external_owner[x.ix()] {
                Some(Node::Persona(p)) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }

    /// The asset a node stands for (assets, and hosts that name one).
    pub fn asset_of(&self, node: Node) -> Option<AssetId> {
        match node {
            Node::Asset(a) => Some(a),
            Node::External(x) => match self.external_owner[x.ix()] {
                Some(Node::Asset(a)) => Some(a),
                _ => None,
            },
            _ => None,
        }
    }

    /// Logins (externals) that belong to a persona.
    pub fn logins_of(&self, p: PersonaId) -> &[ExternalId] {
        &self.persona_logins[p.ix()]
    }

    /// The persona's home address identifier, if it gave one (a worker
    /// inherits its application's).
    pub fn home_of(&self, p: PersonaId) -> Option<IdentId> {
        let own = self
            .edges_from(Node::Persona(p))
            .find(|e| e.role == Role::Home)
            .map(|e| e.to);
        own.or_else(|| {
            self.personas[p.ix()]
                .application
                .and_then(|a| self.home_of(a))
        })
    }

    /// The persona's résumé words (hashed), sorted (empty without a résumé).
    pub fn resume_words(&self, p: PersonaId) -> &[u32] {
        let end = self
            .resume_start
            .get(p.ix() + 1)
            .map_or(self.resume_words.len(), |&e| e as usize);
        &self.resume_words[self.resume_start[p.ix()] as usize..end]
    }

    /// Approximate heap use of the graph, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.idents.heap_bytes()
            + self.externals.heap_bytes()
            + self.edges.capacity() * size_of::<Edge>()
            + (self.by_ident.capacity() + self.by_ident_start.capacity() + self.by_node.capacity())
                * 4
            + self.common.capacity()
            + self.activity.capacity() * size_of::<Activity>()
            + (self.resume_words.capacity() + self.resume_start.capacity()) * 4
    }

    pub fn persona_display(&self, p: PersonaId) -> String {
        let per = &self.personas[p.ix()];
        match &per.name {
            Some(n) => format!("{} ({})", per.record_id, n.display),
            None => per.record_id.clone(),
        }
    }
}

//! The closure of a change: which records a scan of part of the store must
//! read so that the findings it gives for them are the ones a scan of the
//! whole store would give, under the same fit.
//!
//! Under a fixed fit ([`unmask_resolve::LinkFit`]) a record's findings
//! depend on the rest of the store only through the records it is related
//! to: those holding one of its identifiers in a role some stage compares
//! ([`unmask_graph::relates`]), its own references, logins, assets, payroll, the
//! worker and application of its unit, its referrals, the other members of
//! its actor, the sharers of its sign-in subnets, the holders of a near
//! photo, the units linkage compares for a near résumé, and the applicants and
//! references that share a name with its references. The closure follows
//! these to a fixpoint from the records that changed; every record in it
//! has all of its relations in it, so its findings can be recomputed from
//! the closure alone and spliced over the old ones ([`splice`]).
//!
//! Two things are not followed, each because what it brings is a count
//! that stages read only up to a bound. A *common* identifier (held by so
//! many that no detector weighs it, [`unmask_detect::common_bound`]: the
//! default avatar, a corporate VPN) is weighed by nobody, and the fit
//! carries it and how many held it. A reference's name held by more applicants than
//! `reference_name_is_applicant` accepts is not followed either; a few of
//! its holders are read as *witnesses* — enough for the count to say
//! "common" in the part too — whose own findings are not taken.

use crate::Kept;
use rustc_hash::{FxHashMap, FxHashSet};
use std::net::IpAddr;
use unmask_graph::{
    AssetId, ExternalId, ExternalKind, IdentId, IdentKind, IdentityGraph, Node, PersonaId,
    PersonaKind, RefId, Role, relates,
};
use unmask_model::findings::Findings;
use unmask_resolve::Actors;

/// A reference's name held by more units than this is not an applicant's
/// (see `reference_name_is_applicant`).
const RARE_NAME_UNITS: usize = 2;

/// Records of a workspace, by the ids the contract gives them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Records {
    pub applications: FxHashSet<String>,
    pub workers: FxHashSet<String>,
    pub assets: FxHashSet<String>,
    /// Login names as sign-in logs give them, lower-cased.
    pub logins: FxHashSet<String>,
    /// osquery host identifiers, lower-cased.
    pub hosts: FxHashSet<String>,
}

impl Records {
    pub fn len(&self) -> usize {
        self.applications.len()
            + self.workers.len()
            + self.assets.len()
            + self.logins.len()
            + self.hosts.len()
    }

    /// Each record alone.
    pub fn each(&self) -> impl Iterator<Item = Records> + '_ {
        let one = |set: fn(&mut Records) -> &mut FxHashSet<String>, id: &String| {
            let mut r = Records::default();
            set(&mut r).insert(id.clone());
            r
        };
        let apps = self
            .applications
            .iter()
            .map(move |id| one(|r| &mut r.applications, id));
        let workers = self
            .workers
            .iter()
            .map(move |id| one(|r| &mut r.workers, id));
        let assets = self.assets.iter().map(move |id| one(|r| &mut r.assets, id));
        let logins = self.logins.iter().map(move |id| one(|r| &mut r.logins, id));
        let hosts = self.hosts.iter().map(move |id| one(|r| &mut r.hosts, id));
        apps.chain(workers).chain(assets).chain(logins).chain(hosts)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The nodes of these records in a graph.
    pub fn nodes_in(&self, g: &IdentityGraph) -> Vec<Node> {
        let mut out = vec![];
        for (i, p) in g.personas.iter().enumerate() {
            let here = match p.kind {
                PersonaKind::Application => self.applications.contains(&p.record_id),
                PersonaKind::Worker => self.workers.contains(&p.record_id),
            };
            if here {
                out.push(Node::Persona(PersonaId(i as u32)));
            }
        }
        for (i, a) in g.assets.iter().enumerate() {
            if self.assets.contains(&a.record_id) {
                out.push(Node::Asset(AssetId(i as u32)));
            }
        }
        for x in 0..g.externals.len() as u32 {
            let text = g.externals.text(x);
            let here = match g.externals.kind(x) {
                ExternalKind::Login => self.logins.contains(text),
                ExternalKind::Host => self.hosts.contains(text),
            };
            if here {
                out.push(Node::External(ExternalId(x)));
            }
        }
        out
    }

    /// Adds the records of `other`.
    pub fn extend(&mut self, other: &Records) {
        self.applications.extend(other.applications.iter().cloned());
        self.workers.extend(other.workers.iter().cloned());
        self.assets.extend(other.assets.iter().cloned());
        self.logins.extend(other.logins.iter().cloned());
        self.hosts.extend(other.hosts.iter().cloned());
    }

    /// Whether the two have a record in common.
    pub fn meets(&self, other: &Records) -> bool {
        fn any(a: &FxHashSet<String>, b: &FxHashSet<String>) -> bool {
            let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
            small.iter().any(|x| large.contains(x))
        }
        any(&self.applications, &other.applications)
            || any(&self.workers, &other.workers)
            || any(&self.assets, &other.assets)
            || any(&self.logins, &other.logins)
            || any(&self.hosts, &other.hosts)
    }

    /// Leaves out the records of `other`.
    pub fn remove(&mut self, other: &Records) {
        self.applications
            .retain(|x| !other.applications.contains(x));
        self.workers.retain(|x| !other.workers.contains(x));
        self.assets.retain(|x| !other.assets.contains(x));
        self.logins.retain(|x| !other.logins.contains(x));
        self.hosts.retain(|x| !other.hosts.contains(x));
    }

    /// Every record a graph was built from.
    pub fn of(g: &IdentityGraph) -> Records {
        let mut r = Records::default();
        for p in &g.personas {
            match p.kind {
                PersonaKind::Application => &mut r.applications,
                PersonaKind::Worker => &mut r.workers,
            }
            .insert(p.record_id.clone());
        }
        r.assets = g.assets.iter().map(|a| a.record_id.clone()).collect();
        for x in 0..g.externals.len() as u32 {
            let text = g.externals.text(x).to_string();
            match g.externals.kind(x) {
                ExternalKind::Login => r.logins.insert(text),
                ExternalKind::Host => r.hosts.insert(text),
            };
        }
        r
    }
}

/// What a partial scan reads and what of its findings it gives.
#[derive(Clone, Debug, Default)]
pub struct Closure {
    /// Records whose findings the partial scan gives, complete with every
    /// record they relate to.
    pub core: Records,
    /// Records its findings read that the change does not move (the
    /// referrer of an application in the core, the holders of an address
    /// where equipment is shipped, and what their findings rest on): read
    /// complete, so that they come out in the part as in the whole, and
    /// not spliced.
    pub unmoved: Records,
    /// Normalised addresses whose findings it gives.
    pub addresses: FxHashSet<String>,
    /// Records read only so that counts come out as in the whole store;
    /// their own findings are not taken.
    pub witnesses: Records,
}

impl Closure {
    /// Takes in another closure: a part scan of both gives the findings of
    /// both cores (each complete with its relations in the union).
    pub fn join(&mut self, other: &Closure) {
        self.core.extend(&other.core);
        self.unmoved.extend(&other.unmoved);
        self.witnesses.extend(&other.witnesses);
        self.addresses.extend(other.addresses.iter().cloned());
        self.unmoved.remove(&self.core);
        self.witnesses.remove(&self.core);
        self.witnesses.remove(&self.unmoved);
    }

    /// Everything a partial scan reads.
    pub fn read(&self) -> Records {
        let mut r = self.core.clone();
        r.extend(&self.unmoved);
        r.extend(&self.witnesses);
        r
    }
}

/// Indexes over a graph that the closure follows and the graph does not
/// keep: who points back at a record, subnets, names, résumé keys, and
/// where records added later would attach. They own what they index, so
/// that a service can keep them beside the graph between changes.
pub struct Relations {
    refs_of: Vec<Vec<RefId>>,
    workers_of: Vec<Vec<PersonaId>>,
    /// Per persona, the applications it referred (which read its level),
    /// and the referrer of an application (whose level it reads).
    referred: Vec<Vec<PersonaId>>,
    referrer: Vec<Option<PersonaId>>,
    assets_of: Vec<Vec<AssetId>>,
    hosts_of: Vec<Vec<ExternalId>>,
    /// Per name key, (unit, persona) of the personas with that name.
    units_named: FxHashMap<String, Vec<(PersonaId, PersonaId)>>,
    refs_named: FxHashMap<String, Vec<RefId>>,
    subnet_ips: FxHashMap<(IpAddr, u8), Vec<IdentId>>,
    /// Per unit persona, the units whose résumés are near its own.
    near_resumes: FxHashMap<PersonaId, Vec<PersonaId>>,
    near_photos: FxHashMap<IdentId, Vec<IdentId>>,
    /// Personas by record id, for a change to a record already here.
    applications: FxHashMap<String, PersonaId>,
    workers: FxHashMap<String, PersonaId>,
    /// Workers naming an application that is not here, by its id; and
    /// applications naming a referrer who is not, by the name as given and
    /// lower-cased (a referrer is a worker id or a login).
    awaiting_application: FxHashMap<String, Vec<PersonaId>>,
    awaiting_referrer: FxHashMap<String, Vec<PersonaId>>,
    assets: FxHashMap<String, AssetId>,
    /// Assets assigned to a worker who is not here, by the worker's id.
    awaiting_assignee: FxHashMap<String, Vec<AssetId>>,
    /// Photo hashes that are not common, for near photos of a new one.
    photos: Vec<(u64, IdentId)>,
    /// Résumé blocking keys under the fit, in key order, with the unit
    /// persona holding each.
    resume_keys: Vec<([u32; 3], PersonaId)>,
}

/// The /24 (IPv4) or /48 (IPv6) a sign-in IP is grouped by, as the login
/// detector groups them.
fn subnet(addr: IpAddr) -> (IpAddr, u8) {
    match addr {
        IpAddr::V4(a) => (IpAddr::V4((u32::from(a) & !0xff).into()), 24),
        IpAddr::V6(a) => (
            IpAddr::V6((u128::from(a) & !((1u128 << 80) - 1)).into()),
            48,
        ),
    }
}

impl Relations {
    pub fn new(g: &IdentityGraph, actors: &Actors) -> Self {
        let n = g.personas.len();
        let mut refs_of = vec![vec![]; n];
        let mut refs_named: FxHashMap<String, Vec<RefId>> = FxHashMap::default();
        for (i, r) in g.references.iter().enumerate() {
            refs_of[r.of.ix()].push(RefId(i as u32));
            if let Some(name) = &r.name {
                refs_named
                    .entry(name.key.clone())
                    .or_default()
                    .push(RefId(i as u32));
            }
        }
        let mut workers_of = vec![vec![]; n];
        let mut units_named: FxHashMap<String, Vec<(PersonaId, PersonaId)>> = FxHashMap::default();
        let (mut applications, mut workers) = (FxHashMap::default(), FxHashMap::default());
        let mut awaiting_application: FxHashMap<String, Vec<PersonaId>> = FxHashMap::default();
        for (i, p) in g.personas.iter().enumerate() {
            let id = PersonaId(i as u32);
            match p.kind {
                PersonaKind::Application => applications.insert(p.record_id.clone(), id),
                PersonaKind::Worker => workers.insert(p.record_id.clone(), id),
            };
            match (p.application, &p.application_ref) {
                (Some(a), _) => workers_of[a.ix()].push(id),
                (None, Some(r)) => awaiting_application.entry(r.clone()).or_default().push(id),
                (None, None) => {}
            }
            if let Some(name) = &p.name {
                units_named
                    .entry(name.key.clone())
                    .or_default()
                    .push((actors.unit[i], PersonaId(i as u32)));
            }
        }
        let mut referred = vec![vec![]; n];
        let mut referrer = vec![None; n];
        for &(app, by) in &g.referrals {
            referred[by.ix()].push(app);
            referrer[app.ix()] = Some(by);
        }
        let mut assets_of = vec![vec![]; n];
        let mut assets = FxHashMap::default();
        let mut awaiting_assignee: FxHashMap<String, Vec<AssetId>> = FxHashMap::default();
        for (i, a) in g.assets.iter().enumerate() {
            let id = AssetId(i as u32);
            assets.insert(a.record_id.clone(), id);
            match (a.assigned_to, &a.assigned_ref) {
                (Some(p), _) => assets_of[p.ix()].push(id),
                (None, Some(w)) => awaiting_assignee.entry(w.clone()).or_default().push(id),
                (None, None) => {}
            }
        }
        let mut hosts_of = vec![vec![]; g.assets.len()];
        for (x, o) in g.external_owner.iter().enumerate() {
            if let Some(Node::Asset(a)) = o {
                hosts_of[a.ix()].push(ExternalId(x as u32));
            }
        }
        let mut subnet_ips: FxHashMap<(IpAddr, u8), Vec<IdentId>> = FxHashMap::default();
        for id in (0..g.idents.len() as u32).map(IdentId) {
            if g.ident_kind(id) == IdentKind::Ip
                && g.edges_into(id).any(|e| e.role == Role::LoginIp)
                && let Ok(addr) = g.ident_text(id).parse::<IpAddr>()
            {
                subnet_ips.entry(subnet(addr)).or_default().push(id);
            }
        }
        let mut near_resumes: FxHashMap<PersonaId, Vec<PersonaId>> = FxHashMap::default();
        for (a, b) in unmask_resolve::near_resumes(g, actors) {
            near_resumes.entry(a).or_default().push(b);
            near_resumes.entry(b).or_default().push(a);
        }
        let mut near_photos: FxHashMap<IdentId, Vec<IdentId>> = FxHashMap::default();
        for &(a, b, _) in &actors.photo_pairs {
            near_photos.entry(a).or_default().push(b);
            near_photos.entry(b).or_default().push(a);
        }
        let mut awaiting_referrer: FxHashMap<String, Vec<PersonaId>> = FxHashMap::default();
        for (p, by) in &g.unresolved_referrals {
            awaiting_referrer.entry(by.clone()).or_default().push(*p);
            awaiting_referrer
                .entry(by.to_lowercase())
                .or_default()
                .push(*p);
        }
        let photos = (0..g.idents.len() as u32)
            .map(IdentId)
            .filter(|&id| g.ident_kind(id) == IdentKind::Photo && !g.is_common(id))
            .filter_map(|id| Some((u64::from_str_radix(g.ident_text(id), 16).ok()?, id)))
            .collect();
        Relations {
            applications,
            workers,
            assets,
            awaiting_assignee,
            awaiting_application,
            awaiting_referrer,
            photos,
            resume_keys: unmask_resolve::resume_keys(g, actors),
            refs_of,
            workers_of,
            referred,
            referrer,
            assets_of,
            hosts_of,
            units_named,
            refs_named,
            subnet_ips,
            near_resumes,
            near_photos,
        }
    }

    /// The closure of a change to the records behind `seeds`, in the
    /// graph and actors these relations were built on.
    pub fn closure(&self, g: &IdentityGraph, actors: &Actors, seeds: &[Node]) -> Closure {
        let mut todo = vec![];
        for &n in seeds {
            self.changed(g, actors, n, &mut todo);
        }
        self.close(g, actors, todo)
    }

    /// A record here that changed: it, and what it was related to (whose
    /// findings its old values reached).
    fn changed(&self, g: &IdentityGraph, actors: &Actors, n: Node, todo: &mut Vec<Item>) {
        todo.push(Item::Node(n));
        let mut related = vec![];
        self.related(g, actors, n, &mut related);
        todo.extend(related);
    }

    /// The closure of records added to (or changed in) the graph these
    /// relations were built on, without building the graph again: `added`
    /// is what a scan of the added records alone built, under the same fit.
    /// Where an added record would attach to the graph — an identifier it
    /// holds, its name and its references' names, a near photo, a résumé
    /// blocking key, a record it names or that names it, a sign-in subnet —
    /// is looked up here, and the closure followed from those records; the
    /// added records are in its core. When several changes come one after
    /// another, `added` holds all of them since the graph was built; `only`
    /// (default: all of them) says which of them the closure is of.
    pub fn closure_of_added(
        &self,
        g: &IdentityGraph,
        actors: &Actors,
        added: &Kept,
        only: Option<&Records>,
    ) -> Closure {
        let d = &added.graph;
        // Of the added records, those the closure is of (all by default).
        let all;
        let only = match only {
            Some(o) => o,
            None => {
                all = Records::of(d);
                &all
            }
        };
        let mine = |n: Node| match n {
            Node::Persona(p) => {
                let per = &d.personas[p.ix()];
                match per.kind {
                    PersonaKind::Application => only.applications.contains(&per.record_id),
                    PersonaKind::Worker => only.workers.contains(&per.record_id),
                }
            }
            Node::Reference(r) => {
                let per = &d.personas[d.references[r.ix()].of.ix()];
                only.applications.contains(&per.record_id) || only.workers.contains(&per.record_id)
            }
            Node::Asset(a) => only.assets.contains(&d.assets[a.ix()].record_id),
            Node::External(x) => match d.externals.kind(x.0) {
                ExternalKind::Login => only.logins.contains(d.externals.text(x.0)),
                ExternalKind::Host => only.hosts.contains(d.externals.text(x.0)),
            },
        };
        let mut todo: Vec<Item> = vec![];
        let personas = |ps: Option<&Vec<PersonaId>>| {
            ps.into_iter()
                .flatten()
                .map(|&p| Item::persona(p))
                .collect::<Vec<_>>()
        };
        for (i, p) in d.personas.iter().enumerate() {
            if !mine(Node::Persona(PersonaId(i as u32))) {
                continue;
            }
            let (here, awaiting) = match p.kind {
                PersonaKind::Application => (
                    self.applications.get(&p.record_id),
                    personas(self.awaiting_application.get(&p.record_id)),
                ),
                PersonaKind::Worker => {
                    let mut w = personas(self.awaiting_referrer.get(&p.record_id));
                    w.extend(
                        self.awaiting_assignee
                            .get(&p.record_id)
                            .into_iter()
                            .flatten()
                            .map(|&a| Item::Node(Node::Asset(a))),
                    );
                    (self.workers.get(&p.record_id), w)
                }
            };
            if let Some(&q) = here {
                self.changed(g, actors, Node::Persona(q), &mut todo);
            }
            todo.extend(awaiting);
            if p.application.is_none()
                && let Some(a) = p
                    .application_ref
                    .as_ref()
                    .and_then(|r| self.applications.get(r))
            {
                todo.push(Item::persona(*a));
            }
            if let Some(n) = &p.name {
                todo.push(Item::Name(n.key.clone()));
            }
        }
        for (_, by) in d
            .unresolved_referrals
            .iter()
            .filter(|r| mine(Node::Persona(r.0)))
        {
            let worker = self.workers.get(by).copied().or_else(|| {
                let x = g.externals.get(ExternalKind::Login, &by.to_lowercase())?;
                g.persona_of(g.external_owner[x as usize]?)
            });
            // Its findings read the referrer's level; the referrer's
            // findings do not move with it.
            todo.extend(worker.map(|w| Item::Read(Node::Persona(w))));
        }
        for (i, r) in d.references.iter().enumerate() {
            if !mine(Node::Reference(RefId(i as u32))) {
                continue;
            }
            if let Some(n) = &r.name {
                todo.push(Item::Name(n.key.clone()));
            }
        }
        for (i, a) in d.assets.iter().enumerate() {
            if !mine(Node::Asset(AssetId(i as u32))) {
                continue;
            }
            if let Some(&x) = self.assets.get(&a.record_id) {
                self.changed(g, actors, Node::Asset(x), &mut todo);
            }
            if a.assigned_to.is_none()
                && let Some(w) = a.assigned_ref.as_ref().and_then(|w| self.workers.get(w))
            {
                todo.push(Item::persona(*w));
            }
        }
        for x in 0..d.externals.len() as u32 {
            if !mine(Node::External(ExternalId(x))) {
                continue;
            }
            let (kind, text) = (d.externals.kind(x), d.externals.text(x));
            if let Some(here) = g.externals.get(kind, text) {
                todo.push(Item::Node(Node::External(ExternalId(here))));
            }
            if kind == ExternalKind::Login {
                todo.extend(personas(self.awaiting_referrer.get(text)));
            }
        }
        for e in d.edges.iter().filter(|e| mine(e.from)) {
            let kind = d.ident_kind(e.to);
            if !relates(kind, e.role) || d.is_common(e.to) {
                continue;
            }
            let text = d.ident_text(e.to);
            todo.extend(g.ident(kind, text).map(Item::Ident));
            if kind == IdentKind::Ip
                && e.role == Role::LoginIp
                && let Ok(addr) = text.parse::<IpAddr>()
            {
                for &ip in self.subnet_ips.get(&subnet(addr)).into_iter().flatten() {
                    todo.push(Item::Ident(ip));
                }
            }
            if kind == IdentKind::Photo
                && let Ok(h) = u64::from_str_radix(text, 16)
            {
                todo.extend(
                    self.photos
                        .iter()
                        .filter(|&&(q, _)| (h ^ q).count_ones() <= unmask_resolve::PHOTO_MAX_BITS)
                        .map(|&(_, id)| Item::Ident(id)),
                );
            }
        }
        // Units sharing a blocking key are compared; only near résumés pair.
        // (A hair below linkage's floor: what rounds differently is kept.)
        let near = unmask_resolve::RESUME_NEAR[unmask_resolve::RESUME_NEAR.len() - 1] - 0.01;
        for (key, unit) in unmask_resolve::resume_keys(d, &added.actors) {
            if !mine(Node::Persona(unit)) {
                continue;
            }
            let from = self.resume_keys.partition_point(|r| r.0 < key);
            todo.extend(
                self.resume_keys[from..]
                    .iter()
                    .take_while(|r| r.0 == key)
                    .filter(|r| {
                        let (a, b) = (d.resume_words(unit), g.resume_words(r.1));
                        unmask_resolve::resume_similarity(&actors.fit, a, b) >= near
                    })
                    .map(|r| Item::persona(r.1)),
            );
        }
        if std::env::var_os("UNMASK_DEBUG_CLOSURE").is_some() {
            eprintln!(
                "added: {} records, {} seeds here",
                d.personas.len() + d.assets.len(),
                todo.len()
            );
        }
        let mut c = self.close(g, actors, todo);
        c.core.extend(only);
        c.unmoved.remove(&c.core);
        c.witnesses.remove(&c.core);
        c.witnesses.remove(&c.unmoved);
        c.addresses.extend(
            d.edges
                .iter()
                .filter(|e| mine(e.from) && d.ident_kind(e.to) == IdentKind::Address)
                .map(|e| d.ident_text(e.to).to_string()),
        );
        c
    }

    /// The closure of a change given by what it reaches directly: records
    /// (`Item::Node`), the holders of an identifier, the holders of a name.
    ///
    /// Three layers. The *core* is what the change reaches directly, and
    /// from there what shares a record's fate: its unit, references,
    /// assets, logins, the applications it referred, its actor. Its
    /// addresses' findings are recomputed.
    ///
    /// Some records the core's findings read are *read whole* but do not
    /// move (`Closure::unmoved`): an application's referrer (whose level
    /// it reads), the holders of an address where equipment is shipped
    /// (whose levels the address's finding reads), and what their findings
    /// rest on in turn, their unit, actor, references, assets and logins.
    /// They are read complete, so that they come out as in the whole, and
    /// are not spliced; their addresses and referrals are not followed.
    /// Sharing an identifier does not carry a change further: a record
    /// two shares away from the change counts the same holders as before.
    /// The *witnesses* are what the core's findings read and no more: the
    /// other holders of the core's identifiers, its login subnets, near
    /// photos and résumés, the holders of its names — with what names and
    /// counts them (a witness's unit partner, a login's owner, a
    /// reference's persona). Their own findings are not taken.
    fn close(&self, g: &IdentityGraph, actors: &Actors, seeds: Vec<Item>) -> Closure {
        let mut todo: Vec<Node> = vec![];
        let mut rtodo: Vec<Node> = vec![];
        let mut wtodo: Vec<Node> = vec![];
        for item in seeds {
            match item {
                Item::Read(n) => rtodo.push(n),
                item => self.expand(g, item, &mut todo, &mut wtodo, RARE_NAME_UNITS + 1),
            }
        }
        let seeded = todo.len() + rtodo.len();
        // Every record read complete, and those of them whose findings the
        // change does not move (read, not spliced).
        let mut core: FxHashSet<Node> = FxHashSet::default();
        let mut unmoved: FxHashSet<Node> = FxHashSet::default();
        let mut addresses: FxHashSet<IdentId> = FxHashSet::default();
        loop {
            if let Some(n) = todo.pop() {
                if !core.insert(n) && !unmoved.remove(&n) {
                    continue;
                }
                self.fate(g, actors, n, &mut todo, Some(&mut rtodo));
                for e in g.edges_from(n) {
                    if g.ident_kind(e.to) == IdentKind::Address
                        && relates(IdentKind::Address, e.role)
                        && addresses.insert(e.to)
                    {
                        // Its finding is recomputed. Where equipment is or
                        // may be shipped, that finding weighs the levels of
                        // those it receives it for: its holders are read
                        // whole, but their own findings do not move with
                        // its. Elsewhere it is the list of its holders, who
                        // are witnesses. (When they shared its fate, the
                        // demo's farms and their operators chained 106,000
                        // of a million personas into one core.)
                        let shipped = g
                            .edges_into(e.to)
                            .any(|h| matches!(h.role, Role::ShipTo | Role::ShippedTo));
                        let holders = g
                            .edges_into(e.to)
                            .filter(|h| relates(IdentKind::Address, h.role))
                            .map(|h| h.from);
                        if shipped {
                            rtodo.extend(holders);
                        } else {
                            wtodo.extend(holders);
                        }
                    }
                }
            } else if let Some(n) = rtodo.pop() {
                if core.insert(n) {
                    unmoved.insert(n);
                    self.fate(g, actors, n, &mut rtodo, None);
                }
            } else {
                break;
            }
        }
        for &n in &core {
            let mut items = vec![];
            self.related(g, actors, n, &mut items);
            for item in items {
                self.expand(g, item, &mut wtodo, &mut vec![], RARE_NAME_UNITS);
            }
        }
        let mut witnesses: FxHashSet<Node> = FxHashSet::default();
        while let Some(n) = wtodo.pop() {
            if core.contains(&n) || !witnesses.insert(n) {
                continue;
            }
            match n {
                Node::Persona(p) => {
                    wtodo.extend(g.personas[p.ix()].application.map(Node::Persona));
                    wtodo.extend(self.workers_of[p.ix()].iter().map(|&w| Node::Persona(w)));
                }
                Node::Reference(r) => wtodo.push(Node::Persona(g.references[r.ix()].of)),
                Node::External(x) => wtodo.extend(g.external_owner[x.ix()]),
                Node::Asset(a) => wtodo.extend(g.assets[a.ix()].assigned_to.map(Node::Persona)),
            }
        }
        if std::env::var_os("UNMASK_DEBUG_CLOSURE").is_some() {
            eprintln!(
                "closure: {seeded} seeded, {} core ({} read whole, unmoved), {} witnesses, {} addresses",
                core.len(),
                unmoved.len(),
                witnesses.len(),
                addresses.len()
            );
        }
        for n in &unmoved {
            core.remove(n);
            witnesses.remove(n);
        }
        collect(g, &core, &unmoved, &witnesses, &addresses)
    }

    /// What `item` stands for, as records: into `to`, or for a name held
    /// by more than `rare` units, a few holders (enough for the count to
    /// say "common") into `few`.
    fn expand(
        &self,
        g: &IdentityGraph,
        item: Item,
        to: &mut Vec<Node>,
        few: &mut Vec<Node>,
        rare: usize,
    ) {
        match item {
            Item::Node(n) | Item::Read(n) => to.push(n),
            Item::Ident(id) => {
                if !g.is_common(id) {
                    let kind = g.ident_kind(id);
                    to.extend(
                        g.edges_into(id)
                            .filter(|e| relates(kind, e.role))
                            .map(|e| e.from),
                    );
                }
            }
            Item::Name(key) => {
                let holders = self.units_named.get(&key).map_or(&[][..], |v| v);
                let mut units: Vec<PersonaId> = holders.iter().map(|h| h.0).collect();
                units.sort();
                units.dedup();
                if units.len() <= rare {
                    to.extend(holders.iter().map(|h| Node::Persona(h.1)));
                    for &r in self.refs_named.get(&key).into_iter().flatten() {
                        to.push(Node::Reference(r));
                    }
                } else {
                    let mut seen = FxHashSet::default();
                    few.extend(
                        holders
                            .iter()
                            .filter(|h| seen.insert(h.0))
                            .take(RARE_NAME_UNITS + 1)
                            .map(|h| Node::Persona(h.1)),
                    );
                }
            }
        }
    }

    /// The records whose findings move with `n`'s (see
    /// [`Relations::close`]), into `todo`; and with `read` given, the
    /// referrer whose level `n`'s findings read, into it. Without it, `n`
    /// is itself read whole and unmoved: what its own findings rest on
    /// goes into `todo`, and not the applications it referred, whose
    /// findings read a level that does not move.
    fn fate(
        &self,
        g: &IdentityGraph,
        actors: &Actors,
        n: Node,
        todo: &mut Vec<Node>,
        read: Option<&mut Vec<Node>>,
    ) {
        match n {
            Node::Persona(p) => {
                let per = &g.personas[p.ix()];
                todo.extend(self.refs_of[p.ix()].iter().map(|&r| Node::Reference(r)));
                todo.extend(per.application.map(Node::Persona));
                todo.extend(self.workers_of[p.ix()].iter().map(|&w| Node::Persona(w)));
                let up = self.referrer[p.ix()].map(Node::Persona);
                match read {
                    Some(read) => {
                        todo.extend(self.referred[p.ix()].iter().map(|&w| Node::Persona(w)));
                        read.extend(up);
                    }
                    None => todo.extend(up),
                }
                todo.extend(self.assets_of[p.ix()].iter().map(|&a| Node::Asset(a)));
                todo.extend(g.logins_of(p).iter().map(|&x| Node::External(x)));
                let actor = actors.of[p.ix()] as usize;
                todo.extend(actors.members[actor].iter().map(|&m| Node::Persona(m)));
            }
            Node::Reference(r) => todo.push(Node::Persona(g.references[r.ix()].of)),
            Node::Asset(a) => {
                todo.extend(g.assets[a.ix()].assigned_to.map(Node::Persona));
                todo.extend(self.hosts_of[a.ix()].iter().map(|&x| Node::External(x)));
            }
            Node::External(x) => todo.extend(g.external_owner[x.ix()]),
        }
    }

    /// What `n`'s findings read of other records: its identifiers (the
    /// holders of each), its sign-in subnets, near photos, near résumés,
    /// and its names.
    fn related(&self, g: &IdentityGraph, actors: &Actors, n: Node, out: &mut Vec<Item>) {
        for e in g
            .edges_from(n)
            .filter(|e| relates(g.ident_kind(e.to), e.role))
        {
            let id = e.to;
            if g.is_common(id) {
                continue;
            }
            out.push(Item::Ident(id));
            if e.role == Role::LoginIp
                && let Ok(addr) = g.ident_text(id).parse::<IpAddr>()
            {
                out.extend(
                    self.subnet_ips
                        .get(&subnet(addr))
                        .into_iter()
                        .flatten()
                        .map(|&ip| Item::Ident(ip)),
                );
            }
            out.extend(
                self.near_photos
                    .get(&id)
                    .into_iter()
                    .flatten()
                    .map(|&p| Item::Ident(p)),
            );
        }
        match n {
            Node::Persona(p) => {
                if let Some(name) = &g.personas[p.ix()].name {
                    out.push(Item::Name(name.key.clone()));
                }
                out.extend(
                    self.near_resumes
                        .get(&actors.unit[p.ix()])
                        .into_iter()
                        .flatten()
                        .map(|&u| Item::persona(u)),
                );
            }
            Node::Reference(r) => {
                if let Some(name) = &g.references[r.ix()].name {
                    out.push(Item::Name(name.key.clone()));
                }
            }
            Node::Asset(_) | Node::External(_) => {}
        }
    }
}

/// The records of a closure's layers, and its addresses' texts.
fn collect(
    g: &IdentityGraph,
    core: &FxHashSet<Node>,
    unmoved: &FxHashSet<Node>,
    witnesses: &FxHashSet<Node>,
    addresses: &FxHashSet<IdentId>,
) -> Closure {
    let records = |nodes: &FxHashSet<Node>| {
        let mut r = Records::default();
        for node in nodes {
            match *node {
                Node::Persona(p) => {
                    let per = &g.personas[p.ix()];
                    match per.kind {
                        PersonaKind::Application => &mut r.applications,
                        PersonaKind::Worker => &mut r.workers,
                    }
                    .insert(per.record_id.clone());
                }
                Node::Asset(a) => {
                    r.assets.insert(g.assets[a.ix()].record_id.clone());
                }
                Node::External(x) => {
                    let text = g.externals.text(x.0).to_string();
                    match g.externals.kind(x.0) {
                        ExternalKind::Login => r.logins.insert(text),
                        ExternalKind::Host => r.hosts.insert(text),
                    };
                }
                Node::Reference(_) => {}
            }
        }
        r
    };
    Closure {
        core: records(core),
        unmoved: records(unmoved),
        witnesses: records(witnesses),
        addresses: addresses
            .iter()
            .map(|&id| g.ident_text(id).to_string())
            .collect(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Item {
    Node(Node),
    /// A record whose findings the change does not move but the core's
    /// findings read, and must come out in the part as in the whole: read
    /// complete (see [`Relations::close`]), not spliced.
    Read(Node),
    Ident(IdentId),
    /// A name key, as references and applicants are matched by.
    Name(String),
}

impl Item {
    fn persona(p: PersonaId) -> Item {
        Item::Node(Node::Persona(p))
    }
}

/// `out`'s findings of the closure's records replaced by `part`'s:
/// personas, devices and addresses of the closure, and every actor with a
/// member in it (an actor is wholly inside a closure's core or wholly
/// outside). In place and by binary search over `out`'s lists, which are
/// in id order: at a million personas a pass over them all cost more than
/// the part's scan. An entry the part gives again takes its old one's
/// place; only what appears or goes moves the rest.
pub fn splice(out: &mut Findings, part: &Findings, c: &Closure) {
    let persona_in = |id: &str, kind: &str| match kind {
        "application" => c.core.applications.contains(id),
        _ => c.core.workers.contains(id),
    };
    let core_ids: FxHashSet<&str> = c
        .core
        .applications
        .iter()
        .chain(&c.core.workers)
        .map(String::as_str)
        .collect();
    // Actors that had a member in the core: those of the personas with a
    // core record's id (an actor lists its members by id alone), found
    // before the personas are replaced.
    let mut old_actors: Vec<String> = vec![];
    for id in &core_ids {
        let from = out.personas.partition_point(|p| p.id.as_str() < *id);
        old_actors.extend(
            out.personas[from..]
                .iter()
                .take_while(|p| p.id == *id)
                .map(|p| p.actor.clone()),
        );
    }
    old_actors.sort_unstable();
    old_actors.dedup();
    replace_sorted(
        &mut out.personas,
        core_ids.iter().copied(),
        |p| &p.id,
        |p| persona_in(&p.id, &p.kind),
        |a, b| a.kind == b.kind,
        part.personas
            .iter()
            .filter(|p| persona_in(&p.id, &p.kind))
            .cloned()
            .collect(),
    );
    replace_sorted(
        &mut out.actors,
        old_actors.iter().map(String::as_str),
        |a| &a.id,
        |_| true,
        |_, _| true,
        part.actors
            .iter()
            .filter(|a| a.members.iter().any(|m| core_ids.contains(m.as_str())))
            .cloned()
            .collect(),
    );
    replace_sorted(
        &mut out.devices,
        c.core.assets.iter().map(String::as_str),
        |d| &d.id,
        |_| true,
        |_, _| true,
        part.devices
            .iter()
            .filter(|d| c.core.assets.contains(&d.id))
            .cloned()
            .collect(),
    );
    let address_ids: Vec<String> = c
        .addresses
        .iter()
        .map(|a| unmask_score::address_id(a))
        .collect();
    replace_sorted(
        &mut out.addresses,
        address_ids.iter().map(String::as_str),
        |a| &a.id,
        |a| c.addresses.contains(&a.normalized),
        |_, _| true,
        part.addresses
            .iter()
            .filter(|a| c.addresses.contains(&a.normalized))
            .cloned()
            .collect(),
    );
    out.generated_at = part.generated_at.clone();
}

/// In `v`, sorted by `key` (entries of one key in a stable order), the
/// entries under one of `ids` that `gone` picks removed and `new` put in:
/// each new entry where a removed one of its key that is the `same` was,
/// the others after the entries of their key. The rest of `v` keeps its
/// order; it moves only as far as entries come and go (one that goes and
/// one that comes only the span between them).
fn replace_sorted<'a, T>(
    v: &mut Vec<T>,
    ids: impl Iterator<Item = &'a str>,
    key: fn(&T) -> &str,
    gone: impl Fn(&T) -> bool,
    same: fn(&T, &T) -> bool,
    mut new: Vec<T>,
) {
    let mut removed: Vec<usize> = vec![];
    for id in ids {
        let from = v.partition_point(|x| key(x) < id);
        removed.extend(
            (from..v.len())
                .take_while(|&i| key(&v[i]) == id)
                .filter(|&i| gone(&v[i])),
        );
    }
    removed.sort_unstable();
    removed.dedup();
    new.sort_by(|a, b| key(a).cmp(key(b)));
    let mut left = vec![];
    for n in new {
        let from = removed.partition_point(|&i| key(&v[i]) < key(&n));
        let at = removed[from..]
            .iter()
            .take_while(|&&i| key(&v[i]) == key(&n))
            .position(|&i| same(&v[i], &n));
        match at {
            Some(at) => {
                let i = removed.remove(from + at);
                v[i] = n;
            }
            None => left.push(n),
        }
    }
    if let ([r], [_]) = (removed.as_slice(), left.as_slice()) {
        let (r, n) = (*r, left.pop().expect("one"));
        let p = v.partition_point(|x| key(x) <= key(&n));
        if p > r {
            v[r..p].rotate_left(1);
            v[p - 1] = n;
        } else {
            v[p..=r].rotate_right(1);
            v[p] = n;
        }
        return;
    }
    for &i in removed.iter().rev() {
        v.remove(i);
    }
    for n in left {
        let p = v.partition_point(|x| key(x) <= key(&n));
        v.insert(p, n);
    }
}

#[cfg(test)]
mod tests {
    use super::replace_sorted;

    /// What `replace_sorted` must give: the picked entries dropped, the
    /// new ones appended, and a stable sort by key; except that a new
    /// entry the `same` as a dropped one keeps that one's place among its
    /// key's entries, where the sort would put it after the survivors.
    fn naive(
        v: &[(String, u8)],
        ids: &[String],
        gone: u8,
        new: &[(String, u8)],
    ) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = vec![];
        let mut new = new.to_vec();
        for x in v {
            if ids.contains(&x.0) && x.1 % 3 == gone {
                if let Some(i) = new.iter().position(|n| n.0 == x.0 && n.1 == x.1) {
                    out.push(new.remove(i));
                }
            } else {
                out.push(x.clone());
            }
        }
        out.extend(new);
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    #[test]
    fn replaces_as_a_pass_over_everything_would() {
        // A small xorshift: many shapes of list, ids and replacements.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut moved_apart = 0;
        for _ in 0..2_000 {
            let len = next(12) as usize;
            let mut v: Vec<(String, u8)> = (0..len)
                .map(|_| (format!("k{}", next(8)), next(5) as u8))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            // Entries of one key are told apart by their tag.
            v.dedup();
            let ids: Vec<String> = (0..next(4)).map(|_| format!("k{}", next(8))).collect();
            let gone = next(3) as u8;
            let mut new: Vec<(String, u8)> = (0..next(4))
                .map(|_| (format!("k{}", next(8)), next(5) as u8))
                .filter(|n| !v.contains(n) || (ids.contains(&n.0) && n.1 % 3 == gone))
                .collect();
            new.sort();
            new.dedup();
            let want = naive(&v, &ids, gone, &new);
            let mut got = v.clone();
            replace_sorted(
                &mut got,
                ids.iter().map(String::as_str),
                |x| &x.0,
                |x| x.1 % 3 == gone,
                |a, b| a.1 == b.1,
                new.clone(),
            );
            moved_apart += (got.len() != v.len()) as usize;
            assert_eq!(
                got, want,
                "from {v:?}, ids {ids:?} gone {gone}, new {new:?}"
            );
        }
        // The cases where entries come and go, not only replace, were met.
        assert!(moved_apart > 100, "{moved_apart}");
    }
}

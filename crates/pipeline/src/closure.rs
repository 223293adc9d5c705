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

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a partial scan reads and what of its findings it gives.
#[derive(Clone, Debug, Default)]
pub struct Closure {
    /// Records whose findings the partial scan gives, complete with every
    /// record they relate to.
    pub core: Records,
    /// Normalised addresses whose findings it gives.
    pub addresses: FxHashSet<String>,
    /// Records read only so that counts come out as in the whole store;
    /// their own findings are not taken.
    pub witnesses: Records,
}

impl Closure {
    /// Everything a partial scan reads.
    pub fn read(&self) -> Records {
        let mut r = self.core.clone();
        r.applications
            .extend(self.witnesses.applications.iter().cloned());
        r.workers.extend(self.witnesses.workers.iter().cloned());
        r
    }
}

/// Indexes over a graph that the closure follows and the graph does not
/// keep: who points back at a record, subnets, names, résumé keys.
pub struct Relations<'g> {
    g: &'g IdentityGraph,
    actors: &'g Actors,
    refs_of: Vec<Vec<RefId>>,
    workers_of: Vec<Vec<PersonaId>>,
    referrals_of: Vec<Vec<PersonaId>>,
    assets_of: Vec<Vec<AssetId>>,
    hosts_of: Vec<Vec<ExternalId>>,
    /// Per name key, (unit, persona) of the personas with that name.
    units_named: FxHashMap<&'g str, Vec<(PersonaId, PersonaId)>>,
    refs_named: FxHashMap<&'g str, Vec<RefId>>,
    subnet_ips: FxHashMap<(IpAddr, u8), Vec<IdentId>>,
    /// Per unit persona, the units whose résumés are near its own.
    near_resumes: FxHashMap<PersonaId, Vec<PersonaId>>,
    near_photos: FxHashMap<IdentId, Vec<IdentId>>,
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

impl<'g> Relations<'g> {
    pub fn new(g: &'g IdentityGraph, actors: &'g Actors) -> Self {
        let n = g.personas.len();
        let mut refs_of = vec![vec![]; n];
        let mut refs_named: FxHashMap<&str, Vec<RefId>> = FxHashMap::default();
        for (i, r) in g.references.iter().enumerate() {
            refs_of[r.of.ix()].push(RefId(i as u32));
            if let Some(name) = &r.name {
                refs_named
                    .entry(name.key.as_str())
                    .or_default()
                    .push(RefId(i as u32));
            }
        }
        let mut workers_of = vec![vec![]; n];
        let mut units_named: FxHashMap<&str, Vec<(PersonaId, PersonaId)>> = FxHashMap::default();
        for (i, p) in g.personas.iter().enumerate() {
            if let Some(a) = p.application {
                workers_of[a.ix()].push(PersonaId(i as u32));
            }
            if let Some(name) = &p.name {
                units_named
                    .entry(name.key.as_str())
                    .or_default()
                    .push((actors.unit[i], PersonaId(i as u32)));
            }
        }
        let mut referrals_of = vec![vec![]; n];
        for &(app, by) in &g.referrals {
            referrals_of[app.ix()].push(by);
            referrals_of[by.ix()].push(app);
        }
        let mut assets_of = vec![vec![]; n];
        for (i, a) in g.assets.iter().enumerate() {
            if let Some(p) = a.assigned_to {
                assets_of[p.ix()].push(AssetId(i as u32));
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
        Relations {
            g,
            actors,
            refs_of,
            workers_of,
            referrals_of,
            assets_of,
            hosts_of,
            units_named,
            refs_named,
            subnet_ips,
            near_resumes,
            near_photos,
        }
    }

    /// The closure of a change to the records behind `seeds`.
    pub fn closure(&self, seeds: &[Node]) -> Closure {
        let g = self.g;
        let mut walk = Walk::default();
        let mut todo: Vec<Item> = seeds.iter().map(|&n| Item::Node(n)).collect();
        let mut witnesses: FxHashSet<PersonaId> = FxHashSet::default();
        while let Some(item) = todo.pop() {
            if !walk.visit(item.clone()) {
                continue;
            }
            match item {
                Item::Ident(id) => {
                    if g.is_common(id) {
                        continue;
                    }
                    let kind = g.ident_kind(id);
                    for e in g.edges_into(id).filter(|e| relates(kind, e.role)) {
                        todo.push(Item::Node(e.from));
                    }
                    if g.ident_kind(id) == IdentKind::Ip
                        && g.edges_into(id).any(|e| e.role == Role::LoginIp)
                        && let Ok(addr) = g.ident_text(id).parse::<IpAddr>()
                    {
                        for &ip in self.subnet_ips.get(&subnet(addr)).into_iter().flatten() {
                            todo.push(Item::Ident(ip));
                        }
                    }
                    for &p in self.near_photos.get(&id).into_iter().flatten() {
                        todo.push(Item::Ident(p));
                    }
                }
                Item::Name(key) => {
                    let holders = self.units_named.get(key.as_str()).map_or(&[][..], |v| v);
                    let mut units: Vec<PersonaId> = holders.iter().map(|h| h.0).collect();
                    units.sort();
                    units.dedup();
                    if units.len() <= RARE_NAME_UNITS {
                        todo.extend(holders.iter().map(|h| Item::persona(h.1)));
                        for &r in self.refs_named.get(key.as_str()).into_iter().flatten() {
                            todo.push(Item::Node(Node::Reference(r)));
                        }
                    } else {
                        // One holder from each of enough units.
                        let mut seen = FxHashSet::default();
                        witnesses.extend(
                            holders
                                .iter()
                                .filter(|h| seen.insert(h.0))
                                .take(RARE_NAME_UNITS + 1)
                                .map(|h| h.1),
                        );
                    }
                }
                Item::Node(node) => {
                    for e in g
                        .edges_from(node)
                        .filter(|e| relates(g.ident_kind(e.to), e.role))
                    {
                        todo.push(Item::Ident(e.to));
                    }
                    match node {
                        Node::Persona(p) => self.persona(p, &mut todo),
                        Node::Reference(r) => {
                            let r = &g.references[r.ix()];
                            todo.push(Item::persona(r.of));
                            if let Some(n) = &r.name {
                                todo.push(Item::Name(n.key.clone()));
                            }
                        }
                        Node::Asset(a) => {
                            if let Some(p) = g.assets[a.ix()].assigned_to {
                                todo.push(Item::persona(p));
                            }
                            for &x in &self.hosts_of[a.ix()] {
                                todo.push(Item::Node(Node::External(x)));
                            }
                        }
                        Node::External(x) => {
                            if let Some(owner) = g.external_owner[x.ix()] {
                                todo.push(Item::Node(owner));
                            }
                        }
                    }
                }
            }
        }
        if std::env::var_os("UNMASK_DEBUG_CLOSURE").is_some() {
            let mut by: Vec<(usize, String)> = walk
                .idents
                .iter()
                .filter(|&&i| !g.is_common(i))
                .map(|&i| {
                    (
                        g.edges_into(i)
                            .filter(|e| relates(g.ident_kind(i), e.role))
                            .count(),
                        format!("{:?} {}", g.ident_kind(i), g.ident_text(i)),
                    )
                })
                .collect();
            by.sort();
            by.reverse();
            eprintln!(
                "closure: {} nodes, {} idents, {} names; widest {:?}",
                walk.nodes.len(),
                walk.idents.len(),
                walk.names.len(),
                &by[..by.len().min(8)]
            );
        }
        let mut c = Closure::default();
        for node in &walk.nodes {
            match *node {
                Node::Persona(p) => {
                    let per = &g.personas[p.ix()];
                    match per.kind {
                        PersonaKind::Application => &mut c.core.applications,
                        PersonaKind::Worker => &mut c.core.workers,
                    }
                    .insert(per.record_id.clone());
                }
                Node::Asset(a) => {
                    c.core.assets.insert(g.assets[a.ix()].record_id.clone());
                }
                Node::External(x) => {
                    let text = g.externals.text(x.0).to_string();
                    match g.externals.kind(x.0) {
                        ExternalKind::Login => c.core.logins.insert(text),
                        ExternalKind::Host => c.core.hosts.insert(text),
                    };
                }
                Node::Reference(_) => {}
            }
        }
        for &id in &walk.idents {
            if g.ident_kind(id) == IdentKind::Address {
                c.addresses.insert(g.ident_text(id).to_string());
            }
        }
        for p in witnesses {
            if walk.nodes.contains(&Node::Persona(p)) {
                continue;
            }
            let per = &g.personas[p.ix()];
            match per.kind {
                PersonaKind::Application => &mut c.witnesses.applications,
                PersonaKind::Worker => &mut c.witnesses.workers,
            }
            .insert(per.record_id.clone());
        }
        c
    }

    fn persona(&self, p: PersonaId, todo: &mut Vec<Item>) {
        let (g, actors) = (self.g, self.actors);
        let per = &g.personas[p.ix()];
        todo.extend(
            self.refs_of[p.ix()]
                .iter()
                .map(|&r| Item::Node(Node::Reference(r))),
        );
        if let Some(a) = per.application {
            todo.push(Item::persona(a));
        }
        todo.extend(self.workers_of[p.ix()].iter().map(|&w| Item::persona(w)));
        todo.extend(self.referrals_of[p.ix()].iter().map(|&w| Item::persona(w)));
        todo.extend(
            self.assets_of[p.ix()]
                .iter()
                .map(|&a| Item::Node(Node::Asset(a))),
        );
        todo.extend(
            g.logins_of(p)
                .iter()
                .map(|&x| Item::Node(Node::External(x))),
        );
        let actor = actors.of[p.ix()] as usize;
        todo.extend(actors.members[actor].iter().map(|&m| Item::persona(m)));
        if let Some(n) = &per.name {
            todo.push(Item::Name(n.key.clone()));
        }
        for &u in self
            .near_resumes
            .get(&actors.unit[p.ix()])
            .into_iter()
            .flatten()
        {
            todo.push(Item::persona(u));
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Item {
    Node(Node),
    Ident(IdentId),
    /// A name key, as references and applicants are matched by.
    Name(String),
}

impl Item {
    fn persona(p: PersonaId) -> Item {
        Item::Node(Node::Persona(p))
    }
}

#[derive(Default)]
struct Walk {
    nodes: FxHashSet<Node>,
    idents: FxHashSet<IdentId>,
    names: FxHashSet<String>,
}

impl Walk {
    /// Whether `item` is new (and now seen).
    fn visit(&mut self, item: Item) -> bool {
        match item {
            Item::Node(n) => self.nodes.insert(n),
            Item::Ident(i) => self.idents.insert(i),
            Item::Name(k) => self.names.insert(k),
        }
    }
}

/// `old` findings with those of the closure's records replaced by `part`'s:
/// personas, devices and addresses of the closure, and every actor with a
/// member in it (an actor is wholly inside a closure or wholly outside).
pub fn splice(old: &Findings, part: &Findings, c: &Closure) -> Findings {
    let persona_in = |id: &str, kind: &str| match kind {
        "application" => c.core.applications.contains(id),
        _ => c.core.workers.contains(id),
    };
    let mut out = old.clone();
    let replaced: FxHashSet<&str> = old
        .personas
        .iter()
        .filter(|p| persona_in(&p.id, &p.kind))
        .map(|p| p.id.as_str())
        .collect();
    out.personas.retain(|p| !persona_in(&p.id, &p.kind));
    out.personas.extend(
        part.personas
            .iter()
            .filter(|p| persona_in(&p.id, &p.kind))
            .cloned(),
    );
    let core_ids: FxHashSet<&str> = part
        .personas
        .iter()
        .filter(|p| persona_in(&p.id, &p.kind))
        .map(|p| p.id.as_str())
        .chain(replaced.iter().copied())
        .collect();
    out.actors
        .retain(|a| !a.members.iter().any(|m| core_ids.contains(m.as_str())));
    out.actors.extend(
        part.actors
            .iter()
            .filter(|a| a.members.iter().any(|m| core_ids.contains(m.as_str())))
            .cloned(),
    );
    out.devices.retain(|d| !c.core.assets.contains(&d.id));
    out.devices.extend(
        part.devices
            .iter()
            .filter(|d| c.core.assets.contains(&d.id))
            .cloned(),
    );
    out.addresses
        .retain(|a| !c.addresses.contains(&a.normalized));
    out.addresses.extend(
        part.addresses
            .iter()
            .filter(|a| c.addresses.contains(&a.normalized))
            .cloned(),
    );
    out.generated_at = part.generated_at.clone();
    out.sort_by_id();
    out
}

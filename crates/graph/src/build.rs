//! Builds the graph from the records ingest accepts (it is the ingest
//! [`Sink`]), then indexes it in [`GraphBuilder::finish`].
//!
//! References between records (a worker's application, an asset's worker,
//! a login's worker) are resolved in `finish`, so the order files are read
//! in does not matter.

use crate::*;
use rustc_hash::{FxHashMap, FxHashSet};
use unmask_ingest::{Origin, Reject, Sink};
use unmask_model::{
    Application, Asset, HostRow, HostTable, KeystrokeSample, LoginEvent, Payroll, PostalAddress,
    Worker,
};
use unmask_normalise::{address, email, ip, name, phone, text};

pub struct GraphBuilder<'r> {
    g: IdentityGraph,
    edge_ix: FxHashMap<(Node, IdentId, Role), u32>,
    app_ix: FxHashMap<String, PersonaId>,
    worker_ix: FxHashMap<String, PersonaId>,
    /// Applications and the referrer each names, resolved at the end.
    pending_referrals: Vec<(PersonaId, String)>,
    /// Per login, its sign-ins that named a country: hops are counted
    /// between sign-ins consecutive in time, at the end.
    placed: Vec<Vec<crate::Placed>>,
    pending_payroll: Vec<(String, PayrollEntry)>,
    worker_logins: Vec<(PersonaId, String)>,
    login_days: FxHashSet<(u32, i32)>,
    /// Per login, the day of the sign-in read last.
    last_day: Vec<i32>,
    /// Sign-in IPs as written → their identifier (`None`: not an IP).
    ip_cache: FxHashMap<Box<str>, Option<IdentId>>,
    country_cache: FxHashMap<Box<str>, IdentId>,
    scratch: String,
    on_reject: Box<dyn FnMut(Reject) + 'r>,
    pub notes: Vec<String>,
}

impl<'r> GraphBuilder<'r> {
    pub fn new(on_reject: impl FnMut(Reject) + 'r) -> Self {
        GraphBuilder {
            g: IdentityGraph {
                personas: vec![],
                references: vec![],
                assets: vec![],
                payroll: vec![],
                referrals: vec![],
                unresolved_referrals: vec![],
                idents: Default::default(),
                externals: Default::default(),
                external_owner: vec![],
                activity: vec![],
                addresses: Default::default(),
                edges: vec![],
                by_ident: vec![],
                by_ident_start: vec![],
                by_node: vec![],
                common: vec![],
                persona_logins: vec![],
                resume_words: vec![],
                resume_start: vec![],
            },
            edge_ix: Default::default(),
            app_ix: Default::default(),
            worker_ix: Default::default(),
            pending_referrals: vec![],
            placed: vec![],
            pending_payroll: vec![],
            worker_logins: vec![],
            login_days: Default::default(),
            last_day: vec![],
            ip_cache: Default::default(),
            country_cache: Default::default(),
            scratch: String::new(),
            on_reject: Box::new(on_reject),
            notes: vec![],
        }
    }

    fn ident(&mut self, kind: IdentKind, text: &str) -> IdentId {
        IdentId(self.g.idents.intern(kind, text))
    }

    /// Sizes the builder's tables for applications files of `bytes` in
    /// all, before they are read: at a million applications, growing the
    /// identifier and edge tables step by step (each step rehashing all
    /// that is in them) was a tenth of the building thread's time. The
    /// figures are what an application record holds on average in the
    /// demo. Too low a guess costs the growing it would have cost anyway;
    /// too high a guess reserves memory that is never touched, but for a
    /// byte per slot of the hash tables.
    pub fn expect_application_bytes(&mut self, bytes: u64) {
        const BYTES_PER_APPLICATION: u64 = 1200;
        const IDENTIFIERS_PER_APPLICATION: usize = 10;
        const EDGES_PER_APPLICATION: usize = 12;
        let n = (bytes / BYTES_PER_APPLICATION) as usize;
        self.g.personas.reserve(n);
        self.app_ix.reserve(n);
        self.g.idents.reserve(n * IDENTIFIERS_PER_APPLICATION, 24);
        self.edge_ix.reserve(n * EDGES_PER_APPLICATION);
        self.g.edges.reserve(n * EDGES_PER_APPLICATION);
    }

    fn link(&mut self, from: Node, to: IdentId, role: Role, at: Timestamp) {
        self.link_n(from, to, role, at, 1);
    }

    fn link_n(&mut self, from: Node, to: IdentId, role: Role, at: Timestamp, n: u32) {
        let edges = &mut self.g.edges;
        let ix = *self.edge_ix.entry((from, to, role)).or_insert_with(|| {
            edges.push(Edge {
                from,
                to,
                role,
                first: at,
                last: at,
                count: 0,
            });
            (edges.len() - 1) as u32
        });
        let e = &mut edges[ix as usize];
        e.first = e.first.min(at);
        e.last = e.last.max(at);
        e.count = e.count.saturating_add(n);
    }

    fn address(&mut self, a: &PostalAddress) -> Option<IdentId> {
        let parts = address::Parts {
            line1: a.line1.as_deref(),
            line2: a.line2.as_deref(),
            city: a.city.as_deref(),
            postcode: a.postcode.as_deref(),
            country: a.country.as_deref(),
        };
        let k = address::address(&parts)?;
        let id = self.ident(IdentKind::Address, &k.key);
        self.g.addresses.entry(id).or_insert_with(|| AddressInfo {
            building: k.building,
            locality: k.locality,
            display: [&a.line1, &a.line2, &a.city, &a.postcode, &a.country]
                .iter()
                .filter_map(|s| s.as_deref())
                .collect::<Vec<_>>()
                .join(", "),
        });
        Some(id)
    }

    fn external(&mut self, kind: ExternalKind, key: &str) -> ExternalId {
        let id = self.g.externals.intern(kind, key);
        if id as usize == self.g.external_owner.len() {
            self.g.external_owner.push(None);
            self.g.activity.push(Activity::default());
        }
        ExternalId(id)
    }

    /// Each login's hops between sign-ins consecutive in time; sign-ins
    /// at the same moment are ordered by country and IP, as written.
    fn count_hops(&mut self) {
        let g = &mut self.g;
        for (x, placed) in std::mem::take(&mut self.placed).into_iter().enumerate() {
            let mut placed = placed;
            placed.sort_by(|a, b| {
                a.at.0.cmp(&b.at.0).then_with(|| {
                    let text = |p: &crate::Placed| {
                        (
                            g.idents.text(p.country.0),
                            p.ip.map(|ip| g.idents.text(ip.0)),
                        )
                    };
                    text(a).cmp(&text(b))
                })
            });
            let act = &mut g.activity[x];
            for w in placed.windows(2) {
                let (prev, here) = (w[0], w[1]);
                if prev.country != here.country && here.at.0 - prev.at.0 < crate::HOP_WINDOW_MS {
                    act.hop_count += 1;
                    if act.hops.len() < crate::HOPS_KEPT {
                        act.hops.push((prev, here));
                    }
                }
            }
        }
    }

    fn add_persona(&mut self, p: Persona) -> PersonaId {
        self.g.personas.push(p);
        // Shingles of this persona, if any, are appended next.
        self.g.resume_start.push(self.g.resume_words.len() as u32);
        PersonaId((self.g.personas.len() - 1) as u32)
    }

    /// Resolves cross-record references and builds the indexes.
    pub fn finish(mut self) -> (IdentityGraph, Vec<String>) {
        let mut notes = std::mem::take(&mut self.notes);
        self.count_hops();
        // Worker → its application.
        for p in 0..self.g.personas.len() {
            if let Some(app) = self.g.personas[p].application_ref.clone() {
                match self.app_ix.get(&app) {
                    Some(&a) => self.g.personas[p].application = Some(a),
                    None => notes.push(format!(
                        "worker {} names application {app}, which is not in the workspace",
                        self.g.personas[p].record_id
                    )),
                }
            }
        }
        // Logins → workers.
        for (p, key) in std::mem::take(&mut self.worker_logins) {
            let x = self.external(ExternalKind::Login, &key);
            self.g.external_owner[x.ix()] = Some(Node::Persona(p));
        }
        // Applications → the workers who referred them, by worker id, login
        // or company e-mail.
        for (p, by) in std::mem::take(&mut self.pending_referrals) {
            let referrer = self.worker_ix.get(&by).copied().or_else(|| {
                let x = self
                    .g
                    .externals
                    .get(ExternalKind::Login, &by.to_lowercase())?;
                match self.g.external_owner[x as usize] {
                    Some(Node::Persona(w)) => Some(w),
                    _ => None,
                }
            });
            match referrer {
                Some(w) => self.g.referrals.push((p, w)),
                None => {
                    notes.push(format!(
                        "application {} was referred by {by}, who is not in workers",
                        self.g.personas[p.ix()].record_id
                    ));
                    self.g.unresolved_referrals.push((p, by));
                }
            }
        }
        // Hosts → assets, by asset id, hostname or serial.
        for a in 0..self.g.assets.len() {
            let asset = &self.g.assets[a];
            let keys: Vec<String> = [
                Some(&asset.record_id),
                asset.hostname.as_ref(),
                asset.serial.as_ref(),
            ]
            .into_iter()
            .flatten()
            .map(|s| s.to_lowercase())
            .collect();
            for k in keys {
                if let Some(x) = self.g.externals.get(ExternalKind::Host, &k) {
                    self.g.external_owner[x as usize] = Some(Node::Asset(AssetId(a as u32)));
                }
            }
        }
        // Assets → workers.
        for a in 0..self.g.assets.len() {
            if let Some(w) = self.g.assets[a].assigned_ref.clone() {
                match self.worker_ix.get(&w) {
                    Some(&p) => self.g.assets[a].assigned_to = Some(p),
                    None => notes.push(format!(
                        "asset {} is assigned to {w}, who is not in workers",
                        self.g.assets[a].record_id
                    )),
                }
            }
        }
        // Payroll → workers.
        for (w, mut entry) in std::mem::take(&mut self.pending_payroll) {
            match self.worker_ix.get(&w) {
                Some(&p) => {
                    entry.worker = p;
                    if let Some(acct) = entry.account {
                        self.link(
                            Node::Persona(p),
                            acct,
                            Role::Payout,
                            entry.effective.start(),
                        );
                    }
                    self.g.payroll.push(entry);
                }
                None => notes.push(format!("payroll names worker {w}, who is not in workers")),
            }
        }
        let unowned = self
            .g
            .external_owner
            .iter()
            .enumerate()
            .filter(|(i, o)| o.is_none() && self.g.externals.kind(*i as u32) == ExternalKind::Login)
            .count();
        if unowned > 0 {
            notes.push(format!(
                "{unowned} login name(s) in the event logs match no worker's login or e-mail"
            ));
        }
        // Distinct (login, day) pairs: each is one day the login was seen.
        for (x, _) in std::mem::take(&mut self.login_days) {
            self.g.activity[x as usize].days += 1;
        }
        let g = &mut self.g;
        // Indexes.
        let n_idents = g.idents.len();
        let mut counts = vec![0u32; n_idents + 1];
        for e in &g.edges {
            counts[e.to.ix() + 1] += 1;
        }
        for i in 0..n_idents {
            counts[i + 1] += counts[i];
        }
        let mut fill = counts.clone();
        let mut by_ident = vec![0u32; g.edges.len()];
        for (i, e) in g.edges.iter().enumerate() {
            by_ident[fill[e.to.ix()] as usize] = i as u32;
            fill[e.to.ix()] += 1;
        }
        g.by_ident = by_ident;
        g.by_ident_start = counts;
        let mut by_node: Vec<u32> = (0..g.edges.len() as u32).collect();
        by_node.sort_by_key(|&i| g.edges[i as usize].from);
        g.by_node = by_node;
        g.persona_logins = vec![vec![]; g.personas.len()];
        for (x, o) in g.external_owner.iter().enumerate() {
            if let Some(Node::Persona(p)) = o {
                g.persona_logins[p.ix()].push(ExternalId(x as u32));
            }
        }
        self.edge_ix = Default::default();
        (self.g, notes)
    }

    fn add_phone(
        &mut self,
        node: Node,
        raw: &str,
        country: Option<&str>,
        role: Role,
        at: Timestamp,
    ) -> Option<IdentId> {
        let key = phone::phone(raw, country)?;
        let id = self.ident(IdentKind::Phone, &key);
        self.link(node, id, role, at);
        Some(id)
    }

    fn add_email(&mut self, node: Node, raw: &str, role: Role, at: Timestamp) -> Option<IdentId> {
        let key = email::email(raw)?;
        let id = self.ident(IdentKind::Email, &key);
        self.link(node, id, role, at);
        Some(id)
    }
}

/// A payment destination as one comparable key: IBAN-like accounts upper
/// case without spaces, e-mail-like accounts (Payoneer, PayPal) as e-mail
/// keys, crypto addresses lower case (EVM checksums are case only).
pub fn payment_key(method: Option<&str>, account: &str) -> Option<String> {
    let a = account.trim();
    if a.is_empty() {
        return None;
    }
    if a.contains('@') {
        return email::email(a).map(|e| format!("email:{e}"));
    }
    let m = method
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if m == "crypto" || a.starts_with("0x") || a.starts_with("0X") {
        return Some(format!("crypto:{}", a.to_ascii_lowercase()));
    }
    let compact: String = a
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!compact.is_empty()).then(|| format!("acct:{compact}"))
}

fn fnv64(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// Normalises an application's phone numbers (its own and its
/// references') in place to the keys [`GraphBuilder`] gives them: pure,
/// slow work (national numbers go through libphonenumber's rules) that
/// ingest can do on its reading thread (`Options::prepare_application`).
/// A key is idempotent, so the builder then takes the fast path; numbers
/// it cannot put in international form are left as they were.
pub fn prepare_application(r: &mut Application) {
    let country = country_of(r.address.as_ref());
    let fix = |p: &mut String| {
        if let Some(k) = phone::phone(p, country.as_deref())
            && k.starts_with('+')
        {
            *p = k;
        }
    };
    r.phones.iter_mut().for_each(fix);
    r.references
        .iter_mut()
        .filter_map(|rf| rf.phone.as_mut())
        .for_each(fix);
}

fn country_of(a: Option<&PostalAddress>) -> Option<String> {
    a.and_then(|a| a.country.as_deref())
        .map(address::country_code)
        .filter(|c| !c.is_empty())
}

impl Sink for GraphBuilder<'_> {
    fn application(&mut self, r: Application, at: &Origin) {
        let country = country_of(r.address.as_ref());
        let locality = r
            .address
            .as_ref()
            .filter(|a| a.city.is_some())
            .map(|a| address::locality(a.city.as_deref(), a.country.as_deref()));
        let p = self.add_persona(Persona {
            record_id: r.application_id.clone(),
            kind: PersonaKind::Application,
            name: name::name(
                r.full_name.as_deref(),
                r.given_name.as_deref(),
                r.family_name.as_deref(),
            ),
            date_of_birth: r.date_of_birth,
            claimed_timezone: r.claimed_timezone.clone(),
            country: country.clone(),
            locality,
            at: Some(r.submitted_at),
            application: None,
            application_ref: None,
            source: format!("{}:{}", at.file, at.line),
            extra: r.extra,
        });
        self.app_ix.insert(r.application_id, p);
        if let Some(by) = r.referred_by {
            self.pending_referrals.push((p, by));
        }
        let node = Node::Persona(p);
        let t = r.submitted_at;
        for e in &r.emails {
            self.add_email(node, e, Role::Own, t);
        }
        for ph in &r.phones {
            self.add_phone(node, ph, country.as_deref(), Role::Own, t);
        }
        if let Some(fp) = r
            .device_fingerprint
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let id = self.ident(IdentKind::Device, fp);
            self.link(node, id, Role::Own, t);
        }
        for pay in &r.payment {
            if let Some(k) = pay
                .account
                .as_deref()
                .and_then(|a| payment_key(pay.method.as_deref(), a))
            {
                let id = self.ident(IdentKind::Payment, &k);
                self.link(node, id, Role::Own, t);
            }
        }
        if let Some(h) = r
            .photo_phash
            .as_deref()
            .map(|h| h.trim().to_ascii_lowercase())
        {
            if h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()) {
                let id = self.ident(IdentKind::Photo, &h);
                self.link(node, id, Role::Own, t);
            } else {
                self.notes.push(format!(
                    "{}:{}: photo_phash {h:?} is not 16 hex digits; ignored",
                    at.file, at.line
                ));
            }
        }
        if let Some(text) = r.resume_text.as_deref() {
            let folded = text::fold(text);
            if folded.len() >= 40 {
                let id = self.ident(IdentKind::Resume, &format!("{:016x}", fnv64(&folded)));
                self.link(node, id, Role::Own, t);
                self.g
                    .resume_words
                    .extend(unmask_normalise::text::word_hashes(&folded));
            }
        }
        if let Some(addr) = r.ip.as_deref().and_then(ip::ip) {
            let id = self.ident(IdentKind::Ip, &addr.to_string());
            self.link(node, id, Role::ApplyIp, t);
        }
        if let Some(ua) = r.user_agent.as_deref().filter(|s| !s.trim().is_empty()) {
            let id = self.ident(IdentKind::UserAgent, ua.trim());
            self.link(node, id, Role::Own, t);
        }
        if let Some(id) = r.address.as_ref().and_then(|a| self.address(a)) {
            self.link(node, id, Role::Home, t);
        }
        if let Some(id) = r.shipping_address.as_ref().and_then(|a| self.address(a)) {
            self.link(node, id, Role::ShipTo, t);
        }
        for rf in &r.references {
            let rid = RefId(self.g.references.len() as u32);
            let rnode = Node::Reference(rid);
            let email = rf
                .email
                .as_deref()
                .and_then(|e| self.add_email(rnode, e, Role::Contact, t));
            let phone = rf
                .phone
                .as_deref()
                .and_then(|ph| self.add_phone(rnode, ph, country.as_deref(), Role::Contact, t));
            self.g.references.push(Reference {
                of: p,
                name: name::name(rf.name.as_deref(), None, None),
                company: rf.company.clone(),
                relationship: rf.relationship.clone(),
                email,
                phone,
            });
        }
    }

    fn worker(&mut self, r: Worker, at: &Origin) {
        let loc = r.claimed_location.as_ref();
        let country = loc
            .and_then(|l| l.country.as_deref())
            .map(address::country_code)
            .filter(|c| !c.is_empty());
        let locality = loc
            .filter(|l| l.city.is_some())
            .map(|l| address::locality(l.city.as_deref(), l.country.as_deref()));
        let p = self.add_persona(Persona {
            record_id: r.worker_id.clone(),
            kind: PersonaKind::Worker,
            name: name::name(r.full_name.as_deref(), None, None),
            date_of_birth: None,
            claimed_timezone: r.claimed_timezone.clone(),
            country,
            locality,
            at: r.start_date.map(Day::start),
            application: None,
            application_ref: r.application_id.clone(),
            source: format!("{}:{}", at.file, at.line),
            extra: r.extra,
        });
        self.worker_ix.insert(r.worker_id, p);
        for key in [&r.login, &r.email].into_iter().flatten() {
            let k = key.trim().to_lowercase();
            if !k.is_empty() {
                self.worker_logins.push((p, k));
            }
        }
    }

    fn asset(&mut self, r: Asset, at: &Origin) {
        let a = AssetId(self.g.assets.len() as u32);
        let shipped_to = r.shipped_to.as_ref().and_then(|s| self.address(s));
        if let Some(id) = shipped_to {
            let t = r.shipped_at.map(Day::start).unwrap_or(Timestamp(0));
            self.link(Node::Asset(a), id, Role::ShippedTo, t);
        }
        self.g.assets.push(AssetNode {
            record_id: r.asset_id,
            serial: r.serial,
            hostname: r.hostname,
            kind: r.kind,
            assigned_to: None,
            assigned_ref: r.assigned_to,
            shipped_at: r.shipped_at,
            shipped_to,
            source: format!("{}:{}", at.file, at.line),
        });
    }

    fn payroll(&mut self, r: Payroll, _at: &Origin) {
        let account = r
            .account
            .as_deref()
            .and_then(|a| payment_key(r.method.as_deref(), a))
            .map(|k| self.ident(IdentKind::Payment, &k));
        self.pending_payroll.push((
            r.worker_id,
            PayrollEntry {
                worker: PersonaId(u32::MAX),
                effective: r.effective_date,
                method: r.method,
                account,
                holder: name::name(r.holder.as_deref(), None, None),
                bank_country: r.bank_country.map(|c| address::country_code(&c)),
            },
        ));
    }

    fn login(&mut self, e: &LoginEvent<'_>, _at: &Origin) {
        // The hot path of ingest: no allocation unless a value is new.
        let user = e.user.trim();
        // Lower-cased as workers' logins are (fully, not only ASCII), so
        // that `ÉMILE@…` signing in is the worker `émile@…`.
        let x = if !user.is_ascii() {
            self.external(ExternalKind::Login, &user.to_lowercase())
        } else if user.bytes().any(|b| b.is_ascii_uppercase()) {
            self.external(ExternalKind::Login, &user.to_ascii_lowercase())
        } else {
            self.external(ExternalKind::Login, user)
        };
        let node = Node::External(x);
        let act = &mut self.g.activity[x.ix()];
        act.events += 1;
        act.failures += (!e.success) as u64;
        act.proxied += (e.is_proxy == Some(true)) as u64;
        act.hours_utc[e.at.utc_hour() as usize] += 1;
        act.first = Some(act.first.map_or(e.at, |f| f.min(e.at)));
        act.last = Some(act.last.map_or(e.at, |l| l.max(e.at)));
        // A login's sign-ins mostly come day by day: the set is only
        // asked when the day changes.
        let day = e.at.day().0;
        if self.last_day.len() <= x.ix() {
            self.last_day.resize(x.ix() + 1, i32::MIN);
        }
        if self.last_day[x.ix()] != day {
            self.last_day[x.ix()] = day;
            self.login_days.insert((x.0, day));
        }
        // IPs as written map to their canonical identifier once: parsing
        // and printing an address per event was a tenth of the builder.
        let ip_id = match e.ip {
            None => None,
            Some(raw) => match self.ip_cache.get(raw) {
                Some(&id) => id,
                None => {
                    let id = ip::ip(raw).map(|addr| {
                        use std::fmt::Write as _;
                        let mut buf = std::mem::take(&mut self.scratch);
                        buf.clear();
                        let _ = write!(buf, "{addr}");
                        let id = self.ident(IdentKind::Ip, &buf);
                        self.scratch = buf;
                        id
                    });
                    self.ip_cache.insert(raw.into(), id);
                    id
                }
            },
        };
        if let Some(id) = ip_id {
            self.link(node, id, Role::LoginIp, e.at);
        }
        if let Some(c) = e.country.filter(|c| !c.is_empty()) {
            let id = match self.country_cache.get(c) {
                Some(&id) => id,
                None => {
                    let id = self.ident(IdentKind::Country, &address::country_code(c));
                    self.country_cache.insert(c.into(), id);
                    id
                }
            };
            self.link(node, id, Role::LoginCountry, e.at);
            let here = crate::Placed {
                at: e.at,
                country: id,
                ip: ip_id,
            };
            if self.placed.len() <= x.ix() {
                self.placed.resize_with(x.ix() + 1, Vec::new);
            }
            self.placed[x.ix()].push(here);
        }
        if let Some(ua) = e.user_agent.filter(|s| !s.is_empty()) {
            let id = self.ident(IdentKind::UserAgent, ua);
            self.link(node, id, Role::LoginUserAgent, e.at);
        }
        if let Some(d) = e.device.filter(|s| !s.is_empty()) {
            let id = self.ident(IdentKind::Device, &d.to_lowercase());
            self.link(node, id, Role::LoginDevice, e.at);
        }
    }

    fn host(&mut self, r: HostRow, _at: &Origin) {
        if r.removed {
            return; // a removal ends a fact; the span already records when it was last seen
        }
        let x = self.external(ExternalKind::Host, &r.host.to_lowercase());
        let fact = match r.table {
            HostTable::UsbDevices => r.get("vendor_id").zip(r.get("model_id")).map(|(v, m)| {
                let strings = [r.get("vendor"), r.get("model"), r.get("serial")]
                    .iter()
                    .map(|s| s.unwrap_or(""))
                    .collect::<Vec<_>>()
                    .join("|");
                (
                    IdentKind::Usb,
                    format!(
                        "{}:{}|{strings}",
                        v.to_ascii_lowercase(),
                        m.to_ascii_lowercase()
                    ),
                )
            }),
            HostTable::Processes => r
                .get("path")
                .or(r.get("name"))
                .map(|p| (IdentKind::Process, p.to_string())),
            HostTable::Programs | HostTable::Apps => r
                .get("name")
                .or(r.get("bundle_name"))
                .map(|n| (IdentKind::Program, n.to_string())),
            HostTable::Time => r
                .get("local_timezone")
                .map(|z| (IdentKind::HostTimezone, z.to_string())),
            HostTable::KeyboardLayouts => r
                .get("data")
                .or(r.get("name"))
                .map(|l| (IdentKind::KeyboardLayout, l.to_string())),
            HostTable::InterfaceAddresses => r
                .get("address")
                .and_then(ip::ip)
                .map(|a| (IdentKind::Ip, a.to_string())),
            _ => None,
        };
        if let Some((kind, text)) = fact {
            let id = self.ident(kind, &text);
            self.link(Node::External(x), id, Role::HostFact, r.at);
        }
    }

    fn keystroke(&mut self, _r: KeystrokeSample, _at: &Origin) {
        // Typing cadence is read by the keystroke detector (a later issue);
        // the sample is accepted and counted, not yet linked.
    }

    fn reject(&mut self, r: Reject) {
        (self.on_reject)(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_keys() {
        assert_eq!(
            payment_key(Some("bank"), "de89 3704 0044 0532 0130 00").unwrap(),
            "acct:DE89370400440532013000"
        );
        assert_eq!(
            payment_key(Some("payoneer"), "D.Moreau.Pay+x@GMAIL.com").unwrap(),
            "email:dmoreaupay@gmail.com"
        );
        assert_eq!(
            payment_key(None, "0x52908400098527886E0F7030069857D2E4169EE7").unwrap(),
            "crypto:0x52908400098527886e0f7030069857d2e4169ee7"
        );
        assert_eq!(payment_key(Some("bank"), " - "), None);
    }
}

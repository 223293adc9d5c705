//! Builds the demo world step by step and writes it in the contract's
//! formats (applications as JSON lines, workers as CSV, Okta as JSON lines
//! and a JSON-array export, OCSF, osquery in all three line shapes).

use crate::rng::Rng;
use crate::world::*;
use crate::*;
use std::fs::File;
use std::io::{BufWriter, Write};
use unmask_normalise::zone;

pub(crate) struct Gen {
    r: Rng,
    opts: Options,
    ws: PathBuf,
    out: PathBuf,
    persons: Vec<Person>,
    apps: Vec<App>,
    operators: Vec<Operator>,
    facilitators: Vec<Facilitator>,
    truth: Truth,
    workers: usize,
    events: u64,
    used: std::collections::HashSet<String>,
}

struct Hire {
    worker_id: String,
    login: String,
    email: String,
    app: usize,
    start: Day,
    asset_id: String,
    hostname: String,
    serial: String,
    facilitator: Option<usize>,
    tz: &'static str,
    /// Where the person behind the worker really works from.
    real_tz: &'static str,
    night_owl: bool,
    corporate_vpn: bool,
    traveller: bool,
    it_staff: bool,
}

const DAY_MS: i64 = 86_400_000;

impl Gen {
    pub(crate) fn new(out: &Path, opts: &Options) -> io::Result<Gen> {
        let ws = out.join("workspace");
        if ws.exists() {
            std::fs::remove_dir_all(&ws)?;
        }
        std::fs::create_dir_all(ws.join("okta"))?;
        std::fs::create_dir_all(ws.join("osquery"))?;
        Ok(Gen {
            r: Rng::new(opts.seed),
            opts: opts.clone(),
            ws,
            out: out.to_path_buf(),
            persons: vec![],
            apps: vec![],
            operators: vec![],
            facilitators: vec![],
            truth: Truth {
                schema: "unmask.truth/v1".into(),
                seed: opts.seed,
                personas: vec![],
                devices: vec![],
                addresses: vec![],
            },
            workers: 0,
            events: 0,
            used: Default::default(),
        })
    }

    /// A new person whose e-mail and phone no one else in the world has
    /// (two real people do not share a mailbox by chance).
    fn person(
        &mut self,
        actor: String,
        origin: &'static Origin,
        home: Option<&'static Country>,
        story: &'static str,
    ) -> Person {
        let mut p = new_person(&mut self.r, actor, origin, home, story);
        while !self.used.insert(p.email.clone()) {
            let (local, domain) = p.email.split_once('@').unwrap();
            p.email = format!("{local}{}@{domain}", self.r.below(10));
        }
        while !self.used.insert(p.phone.clone()) {
            p.phone = fill(&mut self.r, p.home.country.phone);
        }
        p
    }

    fn pick_origin(&mut self) -> &'static Origin {
        // English names are the most common in the applicant pool.
        let i = self.r.below(ORIGINS.len() as u64 + 3) as usize;
        &ORIGINS[i.saturating_sub(3)]
    }

    fn submitted(&mut self, lo_days: i64, hi_days: i64) -> Timestamp {
        let back = lo_days * DAY_MS + (self.r.below(((hi_days - lo_days) * DAY_MS) as u64) as i64);
        Timestamp(now().0 - back)
    }

    fn app_record(&mut self, p: &Person, submitted: Timestamp, family: &str) -> serde_json::Value {
        let full = format!("{} {}", p.given, family);
        let job = format!("job-{}", 1 + self.r.below(40));
        let src = *self.r.pick(&[
            "upwork",
            "freelancer",
            "careers-site",
            "linkedin",
            "careers-site",
        ]);
        json!({
            "application_id": "", "submitted_at": submitted.to_string(), "source": src, "job_id": job,
            "given_name": p.given, "family_name": family, "full_name": full,
            "emails": [p.email], "phones": [p.phone], "address": p.home.json(),
            "date_of_birth": p.dob.to_string(), "claimed_timezone": p.tz,
            "links": [format!("https://github.com/{}{}", ascii_slug(&p.given), ascii_slug(family))],
            "resume_text": p.resume, "photo_phash": p.phash, "ip": p.home_ip,
            "user_agent": *self.r.pick(USER_AGENTS), "device_fingerprint": p.fingerprint,
            "payment": [{"method": "bank", "account": p.bank, "holder": full}],
            "references": [self.honest_reference(p.home.country)],
        })
    }

    fn honest_reference(&mut self, c: &'static Country) -> serde_json::Value {
        let mut phone = fill(&mut self.r, c.phone);
        while !self.used.insert(phone.clone()) {
            phone = fill(&mut self.r, c.phone);
        }
        let o = self.pick_origin();
        let given = *self.r.pick(o.given);
        let family = *self.r.pick(o.family);
        let co = *self.r.pick(COMPANIES);
        let domain = format!("{}.example", ascii_slug(co));
        if self.used.len() % 101 == 7 {
            // A real company whose switchboard is a VoIP number.
            phone = format!("+44 56 {:08}", self.used.len() * 7919 % 100_000_000);
        }
        json!({"name": format!("{given} {family}"), "email": format!("{}.{}@{domain}", ascii_slug(given), ascii_slug(family)),
               "phone": phone, "company": co, "relationship": "former manager"})
    }

    fn push_app(
        &mut self,
        person: usize,
        submitted: Timestamp,
        record: serde_json::Value,
        fraud: bool,
        operator: Option<usize>,
        story: &'static str,
    ) {
        let p = &self.persons[person];
        self.apps.push(App {
            id: String::new(),
            person,
            fraud,
            operator,
            submitted,
            given: record["given_name"].as_str().unwrap_or("").into(),
            family: record["family_name"].as_str().unwrap_or("").into(),
            country: p.home.country,
            home: p.home.clone(),
            record,
            story,
        });
    }

    /// Honest people, their households, and the benign look-alikes.
    fn honest_world(&mut self) {
        let n_people = (self.opts.size as f64 * 0.86 / 1.07).round().max(10.0) as usize;
        let agencies: Vec<(String, String, String)> = (0..3)
            .map(|i| {
                let c = country(["GB", "US", "IN"][i]);
                (
                    ip_in(&mut self.r, c.ip16),
                    format!("fp_agency_{i}"),
                    fill(&mut self.r, c.phone),
                )
            })
            .collect();
        let mut i = 0;
        while i < n_people {
            let origin = self.pick_origin();
            let actor = format!("person-{}", self.persons.len());
            let couple = self.r.chance(0.04);
            let mut p = self.person(actor, origin, None, if couple { "couple" } else { "legit" });
            let agency = !couple && self.r.chance(0.06);
            if !couple && !agency {
                if self.r.chance(0.08) {
                    p.phash = DEFAULT_AVATAR.into();
                }
                if self.r.chance(0.25) {
                    p.fingerprint = self.r.pick(&COMMON_FINGERPRINTS).to_string();
                }
            }
            if agency {
                p.story = "agency";
            }
            let me = self.persons.len();
            self.persons.push(p.clone());
            let t = self.submitted(60, 540);
            let mut rec = self.app_record(&p, t, &p.family);
            if me % 97 == 41 {
                // Applying while visiting family in China.
                rec["ip"] = json!(format!("175.167.{}.{}", me % 256, 1 + me % 253));
            }
            if agency {
                let (ip, fp, phone) = self.r.pick(&agencies).clone();
                rec["ip"] = json!(ip);
                rec["device_fingerprint"] = json!(fp);
                if self.r.chance(0.4) {
                    rec["phones"] = json!([phone]);
                }
            }
            self.push_app(me, t, rec, false, None, p.story);
            // Re-applicants and a name change after marriage: one person,
            // two applications.
            if !agency && self.r.chance(0.05) {
                let t2 = Timestamp(t.0 + (90 + self.r.below(200) as i64) * DAY_MS)
                    .min(Timestamp(now().0 - 30 * DAY_MS));
                let rec2 = self.app_record(&p, t2, &p.family);
                self.persons[me].story = "reapplicant";
                self.apps.last_mut().unwrap().story = "reapplicant";
                self.push_app(me, t2, rec2, false, None, "reapplicant");
            } else if !agency && self.r.chance(0.012) {
                let new_family = self.r.pick(origin.family).to_string();
                let t2 = Timestamp(t.0 + (60 + self.r.below(200) as i64) * DAY_MS)
                    .min(Timestamp(now().0 - 30 * DAY_MS));
                let rec2 = self.app_record(&p, t2, &new_family);
                self.apps.last_mut().unwrap().story = "name_change";
                self.push_app(me, t2, rec2, false, None, "name_change");
            }
            if couple {
                // A partner sharing the home, its IP and the family computer.
                let mut q = self.person(
                    format!("person-{}", self.persons.len()),
                    origin,
                    Some(p.home.country),
                    "couple",
                );
                q.home = p.home.clone();
                q.home_ip = p.home_ip.clone();
                q.fingerprint = p.fingerprint.clone();
                if self.r.chance(0.6) {
                    q.family = p.family.clone();
                }
                let qi = self.persons.len();
                self.persons.push(q.clone());
                let tq = self.submitted(60, 540);
                let rec = self.app_record(&q, tq, &q.family);
                self.push_app(qi, tq, rec, false, None, "couple");
                i += 1;
            }
            i += 1;
        }
    }

    /// Operators and their personas; facilitators.
    fn operator_world(&mut self) {
        let n_ops = (self.opts.size / 110).max(3);
        let n_fac = n_ops.div_ceil(2).max(2);
        for f in 0..n_fac {
            let c = country(if self.r.chance(0.6) { "US" } else { "GB" });
            let addr = address(&mut self.r, c);
            let ip = ip_in(&mut self.r, c.ip16);
            self.facilitators.push(Facilitator {
                addr,
                ip,
                members: vec![],
                block: f % 3 == 1,
            });
        }
        let sizes = [2u64, 2, 3, 3, 4, 4, 5, 6, 8, 12];
        for k in 0..n_ops {
            let n = if k == 0 { 12 } else { *self.r.pick(&sizes) };
            let op = Operator {
                phones: (0..1 + self.r.below(2))
                    .map(|_| fill(&mut self.r, "+1 (571) ###-####"))
                    .collect(),
                payouts: (0..1 + self.r.below(2))
                    .map(|i| {
                        if i == 0 && self.r.chance(0.5) {
                            (
                                "payoneer".to_string(),
                                format!("pay.{:x}@gmail.com", self.r.next_u64() >> 40),
                            )
                        } else if self.r.chance(0.5) {
                            (
                                "crypto".to_string(),
                                format!(
                                    "0x{:016x}{:016x}{:08x}",
                                    self.r.next_u64(),
                                    self.r.next_u64(),
                                    self.r.next_u64() >> 32
                                ),
                            )
                        } else {
                            ("bank".to_string(), iban(&mut self.r, "US"))
                        }
                    })
                    .collect(),
                fingerprint: format!("fp_{:012x}", self.r.next_u64() >> 16),
                phash: self.r.next_u64(),
                resume: resume(&mut self.r),
                vpn_ips: (0..3).map(|_| ip_in(&mut self.r, VPN16)).collect(),
                cn_ip: ip_in(&mut self.r, CN16),
                tz: if self.r.chance(0.5) {
                    "Asia/Shanghai"
                } else {
                    "Asia/Pyongyang"
                },
                personas: vec![],
            };
            let burst = self.submitted(90, 480);
            let mut members: Vec<usize> = vec![];
            for _ in 0..n {
                let (olabel, cc) = *self.r.pick(OPERATOR_TARGETS);
                let origin = ORIGINS.iter().find(|o| o.label == olabel).unwrap();
                let c = country(cc);
                let mut p = self.person(format!("operator-{k}"), origin, Some(c), "operator");
                if self.r.chance(0.55) {
                    p.phone = self.r.pick(&op.phones).clone();
                }
                if self.r.chance(0.5) {
                    p.fingerprint = op.fingerprint.clone();
                } else if self.r.chance(0.3) {
                    p.fingerprint = self.r.pick(&COMMON_FINGERPRINTS).to_string();
                }
                if self.r.chance(0.6) {
                    let flips = 1 + self.r.below(4);
                    p.phash = format!("{:016x}", flip_bits(&mut self.r, op.phash, flips));
                }
                p.resume = if self.r.chance(0.35) {
                    op.resume.clone()
                } else {
                    near_duplicate(&mut self.r, &op.resume)
                };
                p.home_ip = match self.r.below(20) {
                    0..=9 => self.r.pick(&op.vpn_ips).clone(),
                    10..=13 => op.cn_ip.clone(),
                    14..=16 => self.facilitators[self.r.below(n_fac as u64) as usize]
                        .ip
                        .clone(),
                    _ => p.home_ip.clone(),
                };
                let t = Timestamp(burst.0 + self.r.below(30 * DAY_MS as u64) as i64);
                let mut rec = self.app_record(&p, t, &p.family);
                if self.r.chance(0.6) {
                    let (method, account) = self.r.pick(&op.payouts).clone();
                    rec["payment"] = json!([{"method": method, "account": account, "holder": format!("{} {}", p.given, p.family)}]);
                }
                if self.r.chance(0.4) {
                    let f = &self.facilitators[self.r.below(n_fac as u64) as usize];
                    rec["shipping_address"] = f.addr.json();
                }
                let pi = self.persons.len();
                self.persons.push(p);
                members.push(self.apps.len());
                self.push_app(pi, t, rec, true, Some(k), "operator");
            }
            // Personas vouch for each other: a reference that is another
            // persona of the same operator, by name with its e-mail or phone.
            for (j, &a) in members.iter().enumerate() {
                if members.len() > 1 && self.r.chance(0.6) {
                    let other = members
                        [(j + 1 + self.r.below(members.len() as u64 - 1) as usize) % members.len()];
                    let o = &self.apps[other];
                    let op_person = &self.persons[o.person];
                    let mut reference = json!({"name": format!("{} {}", o.given, o.family), "company": *self.r.pick(COMPANIES), "relationship": "former colleague"});
                    if self.r.chance(0.5) {
                        reference["email"] = json!(op_person.email);
                    } else {
                        reference["phone"] = json!(op_person.phone);
                    }
                    self.apps[a].record["references"] = json!([reference]);
                } else if self.r.chance(0.5) {
                    // A "company" reference at a free-mail address.
                    let o = self.pick_origin();
                    let (g, f) = (*self.r.pick(o.given), *self.r.pick(o.family));
                    self.apps[a].record["references"] = json!([{"name": format!("{g} {f}"), "email": format!("{}.{}.ref@gmail.com", ascii_slug(g), ascii_slug(f)), "company": *self.r.pick(COMPANIES), "relationship": "manager"}]);
                    if a % 2 == 0 {
                        // … on a British VoIP number bought online.
                        self.apps[a].record["references"][0]["phone"] =
                            json!(format!("+44 56 {:08}", (a * 7919) % 100_000_000));
                    }
                }
            }
            let mut op = op;
            op.personas = members;
            self.operators.push(op);
        }
    }

    fn assign_ids(&mut self) {
        self.apps.sort_by_key(|a| a.submitted);
        for op in &mut self.operators {
            op.personas.clear();
        }
        for (i, a) in self.apps.iter_mut().enumerate() {
            a.id = format!("app-{:06}", i + 1);
            a.record["application_id"] = json!(a.id);
            if let Some(k) = a.operator {
                self.operators[k].personas.push(i);
            }
        }
    }

    fn write_applications(&mut self) -> io::Result<()> {
        let mut w = BufWriter::new(File::create(self.ws.join("applications.jsonl"))?);
        for (i, a) in self.apps.iter().enumerate() {
            serde_json::to_writer(&mut w, &a.record)?;
            w.write_all(b"\n")?;
            if i == self.apps.len() / 2 {
                // Real exports carry junk: a record cut off mid-write.
                w.write_all(
                    b"{\"application_id\": \"app-broken\", \"submitted_at\": \"2026-01-0\n",
                )?;
            }
            let p = &self.persons[a.person];
            self.truth.personas.push(TruthPersona {
                id: a.id.clone(),
                kind: "application".into(),
                actor: p.actor.clone(),
                fraud: a.fraud,
                name_origin: p.origin.label.into(),
                story: a.story.into(),
            });
        }
        w.flush()
    }

    /// Employee referrals, on a stream of their own so they reshuffle
    /// nothing else: ordinary ones among honest staff; an operator's hired
    /// persona referring more of the scheme's personas (Mandiant's case of
    /// one fake employee referring the next); and, rarely, a fake worker
    /// referring a real person, which must not condemn that person.
    fn refer(&mut self, hires: &[Hire]) {
        let mut r = crate::rng::Rng::new(self.opts.seed ^ 0x5EED_0003);
        // (start, worker id or login) by honesty, in start order.
        let mut pools: [Vec<(i64, String)>; 2] = [vec![], vec![]];
        for (n, h) in hires.iter().enumerate() {
            let by = if n % 3 == 0 { &h.login } else { &h.worker_id };
            pools[self.apps[h.app].fraud as usize].push((h.start.0 as i64 * DAY_MS, by.clone()));
        }
        for p in &mut pools {
            p.sort();
        }
        for a in &mut self.apps {
            let pool = match (a.fraud, r.below(1000)) {
                (false, 0..=49) => &pools[0],
                (false, 50..=54) | (true, 0..=299) => &pools[1],
                _ => continue,
            };
            // Only staff who had started when the application came in.
            let before = pool.partition_point(|(start, _)| *start < a.submitted.0);
            if before > 0 {
                a.record["referred_by"] = json!(pool[r.below(before as u64) as usize].1);
            }
        }
    }

    fn hire(&mut self) -> Vec<Hire> {
        let mut hires = vec![];
        let mut hired_person = std::collections::HashSet::new();
        let mut order: Vec<usize> = (0..self.apps.len()).collect();
        // Latest application of a person first, so re-applicants are hired
        // on their newest one.
        order.sort_by_key(|&i| std::cmp::Reverse(self.apps[i].submitted));
        for i in order {
            let a = &self.apps[i];
            let p = a.person;
            if hired_person.contains(&p) || a.submitted.0 > now().0 - 45 * DAY_MS {
                continue;
            }
            let rate = if a.fraud { 0.4 } else { 0.16 };
            if !self.r.chance(rate) {
                continue;
            }
            hired_person.insert(p);
            hires.push(i);
        }
        // Every operator gets at least one worker hired.
        let hired: std::collections::HashSet<usize> = hires.iter().copied().collect();
        for k in 0..self.operators.len() {
            if !self.operators[k].personas.iter().any(|m| hired.contains(m)) {
                hires.push(self.operators[k].personas[0]);
            }
        }
        hires.sort_by_key(|&i| self.apps[i].submitted);
        let n_fac = self.facilitators.len();
        hires
            .into_iter()
            .enumerate()
            .map(|(n, i)| {
                let a = &self.apps[i];
                let start_days = a.submitted.0 / DAY_MS + 14 + self.r.below(30) as i64;
                let login = format!(
                    "{}{}{}",
                    ascii_slug(&a.given[..1]),
                    ascii_slug(&a.family),
                    n
                );
                let facilitator = if a.fraud && self.r.chance(0.85) {
                    // Mostly a facilitator in the claimed country; sometimes
                    // the wrong one (the New York laptop used in London).
                    let same: Vec<usize> = (0..n_fac)
                        .filter(|&f| self.facilitators[f].addr.country.code == a.country.code)
                        .collect();
                    Some(if !same.is_empty() && self.r.chance(0.8) {
                        *self.r.pick(&same)
                    } else {
                        self.r.below(n_fac as u64) as usize
                    })
                } else {
                    None
                };
                let real_tz = match a.operator {
                    Some(k) => self.operators[k].tz,
                    None => self.persons[a.person].tz,
                };
                Hire {
                    worker_id: format!("w-{:05}", n + 1),
                    email: format!("{login}@acme.example"),
                    login,
                    app: i,
                    start: Day(start_days as i32),
                    asset_id: format!("LT-{:04}", n + 1),
                    hostname: format!("acme-lt-{:04}", n + 1),
                    serial: format!("C02{:09X}", self.r.next_u64() >> 28),
                    facilitator,
                    tz: self.persons[a.person].tz,
                    real_tz,
                    night_owl: !a.fraud && self.r.chance(0.04),
                    corporate_vpn: !a.fraud && self.r.chance(0.15),
                    traveller: !a.fraud && self.r.chance(0.05),
                    it_staff: !a.fraud && self.r.chance(0.05),
                }
            })
            .collect()
    }

    fn write_people_records(&mut self, hires: &[Hire]) -> io::Result<()> {
        let mut wcsv = BufWriter::new(File::create(self.ws.join("workers.csv"))?);
        writeln!(
            wcsv,
            "worker_id,application_id,full_name,email,login,claimed_location.city,claimed_location.country,claimed_timezone,start_date,role"
        )?;
        let mut assets = BufWriter::new(File::create(self.ws.join("assets.jsonl"))?);
        let mut payroll = BufWriter::new(File::create(self.ws.join("payroll.jsonl"))?);
        for h in hires {
            let a = &self.apps[h.app];
            let p = &self.persons[a.person];
            let full = format!("{} {}", a.given, a.family);
            writeln!(
                wcsv,
                "{},{},{},{},{},{},{},{},{},{}",
                h.worker_id,
                a.id,
                csv_cell(&full),
                h.email,
                h.login,
                csv_cell(&a.home.city),
                a.country.code,
                h.tz,
                h.start,
                *self.r.pick(&["contractor", "employee"])
            )?;
            self.truth.personas.push(TruthPersona {
                id: h.worker_id.clone(),
                kind: "worker".into(),
                actor: p.actor.clone(),
                fraud: a.fraud,
                name_origin: p.origin.label.into(),
                story: a.story.into(),
            });
            // Where the laptop goes.
            let ship_to = match h.facilitator {
                Some(f) => {
                    self.facilitators[f].members.push(h.asset_id.clone());
                    self.facilitators[f].addr.clone()
                }
                None if !a.fraud && self.r.chance(0.04) => {
                    // An honest worker who moved, or has it sent to family.
                    address(&mut self.r, a.country)
                }
                None => a.home.clone(),
            };
            let mut ship_json = ship_to.json();
            if self.r.chance(0.3) {
                // The same address, written differently by another clerk.
                let l = ship_json["line1"]
                    .as_str()
                    .unwrap_or("")
                    .replace("Street", "St")
                    .replace("Road", "Rd")
                    .replace("Court", "Ct");
                ship_json["line1"] = json!(l);
                let pc = ship_json["postcode"]
                    .as_str()
                    .unwrap_or("")
                    .replace(' ', "")
                    .to_lowercase();
                ship_json["postcode"] = json!(pc);
            }
            let shipped = Day(h.start.0 - 5);
            let asset = json!({"asset_id": h.asset_id, "serial": h.serial, "hostname": h.hostname, "kind": "laptop",
                               "assigned_to": h.worker_id, "shipped_at": shipped.to_string(), "shipped_to": ship_json});
            serde_json::to_writer(&mut assets, &asset)?;
            assets.write_all(b"\n")?;
            self.truth.devices.push(TruthDevice {
                id: h.asset_id.clone(),
                fraud: a.fraud,
            });
            // Pay.
            let record_payment = &a.record["payment"][0];
            let (method, account, holder, bank_country) = match a.operator {
                Some(k) if self.r.chance(0.7) => {
                    let (m, acct) = self.r.pick(&self.operators[k].payouts).clone();
                    let holder = if self.r.chance(0.4) {
                        "Global Talent Payments LLC".to_string()
                    } else {
                        full.clone()
                    };
                    (m, acct, holder, "US".to_string())
                }
                _ => (
                    record_payment["method"]
                        .as_str()
                        .unwrap_or("bank")
                        .to_string(),
                    record_payment["account"].as_str().unwrap_or("").to_string(),
                    full.clone(),
                    a.country.code.to_string(),
                ),
            };
            let pay = json!({"worker_id": h.worker_id, "effective_date": h.start.to_string(), "method": method,
                             "account": account, "holder": holder, "bank_country": bank_country});
            serde_json::to_writer(&mut payroll, &pay)?;
            payroll.write_all(b"\n")?;
        }
        // A payroll line with an impossible date: reported, set aside.
        if let Some(h) = hires.first() {
            writeln!(
                payroll,
                "{{\"worker_id\": \"{}\", \"effective_date\": \"2026-02-30\", \"method\": \"bank\", \"account\": \"x\"}}",
                h.worker_id
            )?;
        }
        // Applications that asked for shipment to each facilitator.
        let mut requests: std::collections::HashMap<(&str, &str), Vec<String>> =
            std::collections::HashMap::new();
        for a in &self.apps {
            let s = &a.record["shipping_address"];
            if let (Some(l), Some(p)) = (s["line1"].as_str(), s["postcode"].as_str()) {
                requests.entry((l, p)).or_default().push(a.id.clone());
            }
        }
        for f in &self.facilitators {
            let mut members = f.members.clone();
            members.extend(
                requests
                    .get(&(f.addr.line1.as_str(), f.addr.postcode.as_str()))
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
            self.truth.addresses.push(TruthAddress {
                display: format!(
                    "{}, {} {}, {}",
                    f.addr.line1, f.addr.city, f.addr.postcode, f.addr.country.code
                ),
                facilitator: true,
                members,
            });
        }
        wcsv.flush()?;
        assets.flush()?;
        payroll.flush()
    }

    fn write_logins(&mut self, hires: &[Hire]) -> io::Result<()> {
        let mut okta = BufWriter::with_capacity(1 << 20, File::create(self.ws.join("okta.jsonl"))?);
        let mut ocsf = BufWriter::new(File::create(self.ws.join("auth.jsonl"))?);
        let mut recent: Vec<String> = vec![];
        let window_days = 45i64;
        let end_day = now().0 / DAY_MS;
        // Workers with at least one working day in the window sign in; a
        // requested total is split over them exactly.
        let active = hires
            .iter()
            .filter(|h| (h.start.0 as i64).max(end_day - window_days) < end_day)
            .count()
            .max(1) as u64;
        let (per_worker, mut remainder) = match self.opts.login_events {
            Some(n) => (n / active, n % active),
            None => (60, 0),
        };
        let mut line = String::with_capacity(2048);
        for (wi, h) in hires.iter().enumerate() {
            let a = &self.apps[h.app];
            let p = &self.persons[a.person];
            let first_day = (h.start.0 as i64).max(end_day - window_days);
            let days: Vec<i64> = (first_day..end_day)
                .filter(|d| (d + 4).rem_euclid(7) < 5)
                .collect();
            if days.is_empty() {
                continue;
            }
            let real = zone::zone(h.real_tz).expect("demo zones exist");
            let travel = country(*self.r.pick(&["ES", "PT", "JP", "US", "FR"]));
            let travel_start = self.r.below(days.len() as u64) as usize;
            let ua = *self.r.pick(USER_AGENTS);
            let use_ocsf = wi % 10 == 9;
            let op_vpn: Vec<String> = a
                .operator
                .map(|k| self.operators[k].vpn_ips.clone())
                .unwrap_or_default();
            let op_cn = a.operator.map(|k| self.operators[k].cn_ip.clone());
            let mine = per_worker + (remainder > 0) as u64;
            remainder = remainder.saturating_sub(1);
            for n in 0..mine {
                let day = days[(n as usize * days.len()) / mine as usize % days.len()];
                let di = days.iter().position(|&d| d == day).unwrap_or(0);
                let travelling = h.traveller && di >= travel_start && di < travel_start + 5;
                let tz = if travelling {
                    zone::zone(travel.tz).unwrap()
                } else {
                    real.clone()
                };
                // Local working hours; night owls work late.
                let local_hour = if h.night_owl {
                    (18 + self.r.below(9)) % 24
                } else {
                    8 + self.r.below(10)
                } as i64;
                let local_ms =
                    day * DAY_MS + local_hour * 3_600_000 + self.r.below(3_600_000) as i64;
                let off = zone::offset_minutes(&tz, Timestamp(local_ms)) as i64;
                let at = Timestamp(local_ms - off * 60_000);
                let (ip, geo, proxy) = if travelling {
                    (ip_in(&mut self.r, travel.ip16), travel.name, false)
                } else if a.fraud {
                    match h.facilitator {
                        Some(f) if self.r.chance(0.75) => {
                            let fac = &self.facilitators[f];
                            (fac.ip_for(wi), fac.addr.country.name, false)
                        }
                        _ if self.r.chance(0.7) || op_cn.is_none() => {
                            (self.r.pick(&op_vpn).clone(), "Netherlands", true)
                        }
                        _ => (op_cn.clone().unwrap(), "China", false),
                    }
                } else if h.corporate_vpn && self.r.chance(0.7) {
                    (
                        self.r.pick(CORPORATE_VPN).to_string(),
                        "United States",
                        false,
                    )
                } else {
                    (p.home_ip.clone(), a.country.name, false)
                };
                let ok = !self.r.chance(0.03);
                line.clear();
                if use_ocsf {
                    ocsf_event(&mut line, &mut self.r, h, at, &ip, geo, ua, ok);
                    ocsf.write_all(line.as_bytes())?;
                } else {
                    okta_event(
                        &mut line,
                        &mut self.r,
                        h,
                        &format!("{} {}", a.given, a.family),
                        at,
                        &ip,
                        geo,
                        ua,
                        ok,
                        proxy,
                    );
                    if day == end_day - 1 && recent.len() < 200 {
                        recent.push(line.trim_end().to_string());
                    } else {
                        okta.write_all(line.as_bytes())?;
                    }
                }
                self.events += 1;
            }
        }
        // An event from a service account without a user: set aside.
        okta.write_all(b"{\"uuid\":\"svc-1\",\"published\":\"2026-11-19T03:00:00Z\",\"eventType\":\"system.import.start\",\"actor\":{\"id\":\"0oa1\",\"type\":\"PublicClientApp\",\"alternateId\":\"scim-sync\"}}\n")?;
        // The most recent day also arrives as an Okta JSON-array export.
        let mut arr = BufWriter::new(File::create(self.ws.join("okta/export-recent.json"))?);
        writeln!(arr, "[")?;
        for (i, e) in recent.iter().enumerate() {
            writeln!(arr, "  {e}{}", if i + 1 < recent.len() { "," } else { "" })?;
        }
        writeln!(arr, "]")?;
        arr.flush()?;
        okta.flush()?;
        ocsf.flush()
    }

    fn write_hosts(&mut self, hires: &[Hire]) -> io::Result<()> {
        let mut log = BufWriter::new(File::create(self.ws.join("osquery/results.log"))?);
        let base = now().secs() - 86_400 * 3;
        for (i, h) in hires.iter().enumerate() {
            let a = &self.apps[h.app];
            let host = if i % 4 == 0 {
                h.serial.clone()
            } else {
                h.hostname.clone()
            };
            let t = base + self.r.below(86_400 * 2) as i64;
            let ev = |name: &str, cols: serde_json::Value, action: &str| {
                json!({"name": format!("pack_it_{name}"), "hostIdentifier": host, "calendarTime": "", "unixTime": t,
                       "epoch": 0, "counter": 1, "numerics": false, "columns": cols, "action": action})
            };
            let mut lines = vec![
                json!({"snapshot": [{"hostname": h.hostname, "hardware_serial": h.serial, "computer_name": h.hostname}],
                       "action": "snapshot", "name": "pack_it_system_info", "hostIdentifier": host, "unixTime": t.to_string()}),
                ev(
                    "usb_devices",
                    json!({"vendor": "Logitech", "vendor_id": "046d", "model": "USB Receiver", "model_id": "c52b", "serial": ""}),
                    "added",
                ),
            ];
            let mut procs = vec![
                json!({"name": "chrome.exe", "path": "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"}),
                json!({"name": "slack.exe", "path": "C:\\Users\\user\\AppData\\Local\\slack\\slack.exe"}),
            ];
            let mut tz = h.tz.to_string();
            let mut layout = "00000409";
            if a.fraud {
                match self.r.below(10) {
                    0..=4 => lines.push(ev("usb_devices", json!({"vendor": "PiKVM", "vendor_id": "1d6b", "model": "PiKVM Composite Device", "model_id": "0104", "serial": "CAFEBABE"}), "added")),
                    5..=6 => lines.push(ev("usb_devices", json!({"vendor": "TinyPilot", "vendor_id": "1d6b", "model": "TinyPilot", "model_id": "0104", "serial": "6b65796d696d6570690"}), "added")),
                    7 => lines.push(ev("usb_devices", json!({"vendor": "JetKVM", "vendor_id": "1d6b", "model": "JetKVM USB Emulation Device", "model_id": "0104", "serial": ""}), "added")),
                    _ => {}
                }
                if self.r.chance(0.4) {
                    procs.push(json!({"name": "AnyDesk.exe", "path": "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"}));
                }
                if self.r.chance(0.3) {
                    procs.push(json!({"name": "rustdesk.exe", "path": "C:\\Program Files\\RustDesk\\rustdesk.exe"}));
                }
                if self.r.chance(0.3) {
                    procs.push(json!({"name": "astrill.exe", "path": "C:\\Program Files (x86)\\Astrill\\astrill.exe"}));
                }
                if self.r.chance(0.2) {
                    tz = "Asia/Shanghai".into();
                }
                if self.r.chance(0.3) {
                    layout = "00000412";
                }
            } else if h.it_staff {
                procs.push(json!({"name": "AnyDesk.exe", "path": "C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe"}));
            } else if h.traveller {
                // Staff who travel to China run Astrill honestly.
                procs.push(json!({"name": "astrill.exe", "path": "C:\\Program Files (x86)\\Astrill\\astrill.exe"}));
            }
            if a.home.country.code == "KR" {
                layout = "00000412";
            }
            lines.push(json!({"diffResults": {"added": procs, "removed": []}, "name": "pack_it_processes", "hostIdentifier": host, "unixTime": t, "numerics": false}));
            lines.push(json!({"snapshot": [{"local_timezone": tz, "unix_time": t.to_string()}], "action": "snapshot", "name": "pack_it_time", "hostIdentifier": host, "unixTime": t}));
            lines.push(ev("keyboard_layouts", json!({"key": "HKEY_USERS\\S-1-5-21\\Keyboard Layout\\Preload", "name": "1", "type": "REG_SZ", "data": layout}), "added"));
            for l in lines {
                serde_json::to_writer(&mut log, &l)?;
                log.write_all(b"\n")?;
            }
        }
        log.flush()?;
        // A few typing samples, to exercise the keystroke input.
        let mut ks = BufWriter::new(File::create(self.ws.join("keystrokes.jsonl"))?);
        for h in hires.iter().take(10) {
            let mut t = 0.0;
            let events: Vec<_> = ".tie5Roanl"
                .chars()
                .map(|c| {
                    let down = t;
                    t += 80.0 + self.r.below(120) as f64;
                    json!({"key": c.to_string(), "down_ms": down, "up_ms": down + 60.0 + self.r.below(50) as f64})
                })
                .collect();
            serde_json::to_writer(
                &mut ks,
                &json!({"subject": h.worker_id, "session_id": format!("s-{}", h.worker_id), "text_kind": "fixed", "events": events}),
            )?;
            ks.write_all(b"\n")?;
        }
        ks.flush()
    }

    pub(crate) fn run(&mut self) -> io::Result<()> {
        let mut honest = self.r.fork(1);
        std::mem::swap(&mut self.r, &mut honest);
        self.honest_world();
        std::mem::swap(&mut self.r, &mut honest);
        let mut ops = self.r.fork(2);
        std::mem::swap(&mut self.r, &mut ops);
        self.operator_world();
        std::mem::swap(&mut self.r, &mut ops);
        self.assign_ids();
        let hires = self.hire();
        self.refer(&hires);
        self.write_applications()?;
        self.workers = hires.len();
        self.write_people_records(&hires)?;
        self.write_logins(&hires)?;
        self.write_hosts(&hires)
    }

    pub(crate) fn finish(self) -> io::Result<Generated> {
        let truth = self.out.join("truth.json");
        let mut w = BufWriter::new(File::create(&truth)?);
        serde_json::to_writer(&mut w, &self.truth)?;
        w.flush()?;
        Ok(Generated {
            workspace: self.ws,
            truth,
            applications: self.apps.len(),
            workers: self.workers,
            login_events: self.events,
        })
    }
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn hex(r: &mut Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    while s.len() < n {
        s.push_str(&format!("{:016x}", r.next_u64()));
    }
    s.truncate(n);
    s
}

/// An Okta System Log `user.session.start` event shaped like a real export
/// (~1.3 KB), written without building a JSON tree.
#[allow(clippy::too_many_arguments)]
fn okta_event(
    out: &mut String,
    r: &mut Rng,
    h: &Hire,
    display: &str,
    at: Timestamp,
    ip: &str,
    country: &str,
    ua: &str,
    ok: bool,
    proxy: bool,
) {
    use std::fmt::Write as _;
    let uuid = hex(r, 32);
    let _ = writeln!(
        out,
        concat!(
            r#"{{"actor":{{"id":"00u{}","type":"User","alternateId":"{}","displayName":"{}","detailEntry":null}},"#,
            r#""client":{{"userAgent":{{"rawUserAgent":"{}","os":"Windows 10","browser":"CHROME"}},"zone":"null","device":"Computer","id":null,"ipAddress":"{}","#,
            r#""geographicalContext":{{"city":null,"state":null,"country":"{}","postalCode":null,"geolocation":{{"lat":0.0,"lon":0.0}}}}}},"#,
            r#""device":null,"authenticationContext":{{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"102{}"}},"#,
            r#""displayMessage":"User login to Okta","eventType":"user.session.start","outcome":{{"result":"{}","reason":{}}},"published":"{}","#,
            r#""securityContext":{{"asNumber":null,"asOrg":null,"isp":null,"domain":null,"isProxy":{}}},"severity":"INFO","#,
            r#""debugContext":{{"debugData":{{"requestId":"{}","requestUri":"/api/v1/authn","url":"/api/v1/authn?"}}}},"legacyEventType":"core.user_auth.login_success","#,
            r#""transaction":{{"type":"WEB","id":"{}","detail":{{}}}},"uuid":"{}","version":"0","#,
            r#""request":{{"ipChain":[{{"ip":"{}","geographicalContext":{{"country":"{}"}},"version":"V4","source":null}}]}},"target":[]}}"#
        ),
        &uuid[..17],
        h.email,
        display,
        ua,
        ip,
        country,
        &uuid[..22],
        if ok { "SUCCESS" } else { "FAILURE" },
        if ok {
            "null"
        } else {
            "\"INVALID_CREDENTIALS\""
        },
        at,
        proxy,
        &uuid[4..24],
        &uuid[8..28],
        uuid,
        ip,
        country
    );
}

#[allow(clippy::too_many_arguments)]
fn ocsf_event(
    out: &mut String,
    r: &mut Rng,
    h: &Hire,
    at: Timestamp,
    ip: &str,
    country: &str,
    ua: &str,
    ok: bool,
) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        concat!(
            r#"{{"class_uid":3002,"category_uid":3,"activity_id":1,"type_uid":300201,"severity_id":1,"time":{},"#,
            r#""user":{{"name":"{}","uid":"{}","email_addr":"{}"}},"src_endpoint":{{"ip":"{}","location":{{"country":"{}"}}}},"#,
            r#""device":{{"uid":"{}","hostname":"{}"}},"http_request":{{"user_agent":"{}"}},"status_id":{},"#,
            r#""metadata":{{"version":"1.3.0","uid":"{}","product":{{"name":"Acme VPN Gateway","vendor_name":"Acme"}}}}}}"#
        ),
        at.0,
        h.login,
        h.worker_id,
        h.email,
        ip,
        country,
        h.asset_id,
        h.hostname,
        ua,
        if ok { 1 } else { 2 },
        hex(r, 24)
    );
}

//! Actor resolution on small worlds built through the scan's own graph
//! builder: look-alikes that share a home, an office or a résumé template
//! are not one person, while an operator's edited résumé or a reference who
//! is the operator's other persona is. A world this small is below what EM
//! learns from, so these test the documented defaults; the CLI tests
//! measure grouping on the demo, where EM is used.

use serde_json::{Value, json};
use unmask_graph::{GraphBuilder, IdentityGraph};
use unmask_ingest::{Origin, Sink};
use unmask_resolve::resolve;

const ROLES: [&str; 6] = [
    "backend", "frontend", "data", "platform", "mobile", "security",
];
const SKILLS: [&str; 12] = [
    "Rust",
    "Go",
    "Python",
    "Kafka",
    "React",
    "Postgres",
    "Kubernetes",
    "Terraform",
    "Java",
    "Swift",
    "Spark",
    "Redis",
];
const FIRMS: [&str; 6] = [
    "Granite",
    "Brightlane",
    "Northwind",
    "Bluepeak",
    "Ironleaf",
    "Quayside",
];

/// One résumé from the shared template, its slots filled from `seed`.
fn resume(seed: u64) -> String {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = |n: usize| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % n as u64) as usize
    };
    format!(
        "Senior {} engineer with {} years of experience building production systems in {}, {} and {}. At {} I led a team of {} engineers, cut cloud spend by {}% and shipped a payments platform used by {} customers.",
        ROLES[next(6)],
        3 + next(12),
        SKILLS[next(12)],
        SKILLS[next(12)],
        SKILLS[next(12)],
        FIRMS[next(6)],
        2 + next(8),
        10 + next(40),
        1000 * (1 + next(90))
    )
}

struct World(GraphBuilder<'static>, usize);

impl World {
    fn new() -> Self {
        let mut w = World(GraphBuilder::new(|_| {}), 0);
        // Honest applicants: each their own everything, one template.
        for k in 0..60 {
            w = w.app(
                &format!("honest-{k}"),
                json!({"resume_text": resume(1000 + k)}),
            );
        }
        w
    }
    fn app(mut self, id: &str, extra: Value) -> Self {
        self.1 += 1;
        let n = self.1;
        let mut v = json!({"application_id": id, "submitted_at": "2026-03-01T10:00:00Z",
            "full_name": format!("Person {id}"), "emails": [format!("{id}@mail.example")],
            "phones": [format!("+44 7700 9{n:05}")], "device_fingerprint": format!("fp-{id}"),
            "ip": format!("81.2.{}.{}", n / 250, n % 250 + 1)});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        let at = Origin {
            file: "test".into(),
            line: n as u64,
        };
        self.0.application(serde_json::from_value(v).unwrap(), &at);
        self
    }
    fn graph(self) -> IdentityGraph {
        self.0.finish().0
    }
}

fn same_actor(g: &IdentityGraph, a: &str, b: &str) -> bool {
    let actors = resolve(g);
    let ix = |id: &str| {
        g.personas
            .iter()
            .position(|p| p.record_id == id)
            .expect("persona exists")
    };
    actors.of[ix(a)] == actors.of[ix(b)]
}

#[test]
fn an_agency_sharing_phone_device_and_office_ip_is_not_one_person() {
    let mut w = World::new();
    for k in 0..5 {
        w = w.app(
            &format!("agency-{k}"),
            json!({"resume_text": resume(500 + k), "phones": ["+44 20 7946 0000"],
                   "device_fingerprint": "fp-agency", "ip": "81.9.9.9"}),
        );
    }
    let g = w.graph();
    for k in 1..5 {
        assert!(!same_actor(&g, "agency-0", &format!("agency-{k}")));
    }
}

#[test]
fn a_couple_sharing_the_family_computer_and_home_ip_is_two_people() {
    let g = World::new()
        .app(
            "partner-1",
            json!({"resume_text": resume(800), "device_fingerprint": "fp-home", "ip": "86.1.2.3"}),
        )
        .app(
            "partner-2",
            json!({"resume_text": resume(801), "device_fingerprint": "fp-home", "ip": "86.1.2.3"}),
        )
        .graph();
    assert!(!same_actor(&g, "partner-1", "partner-2"));
}

#[test]
fn résumés_from_one_template_do_not_make_one_person() {
    let g = World::new().graph();
    let actors = resolve(&g);
    assert_eq!(
        actors.members.len(),
        g.personas.len(),
        "sixty honest applicants from one template stay sixty people"
    );
}

#[test]
fn an_edited_résumé_under_another_name_is_one_person() {
    let original = resume(700);
    // The operator's second persona: the same résumé with its team size
    // and a skill changed, as the scheme's operators retarget one CV.
    let edited = original
        .replacen("I led a team of", "I led a group of", 1)
        .replacen("production systems", "distributed systems", 1);
    assert_ne!(original, edited);
    let g = World::new()
        .app("op-a", json!({"resume_text": original}))
        .app("op-b", json!({"resume_text": edited}))
        .graph();
    assert!(same_actor(&g, "op-a", "op-b"));
    assert!(!same_actor(&g, "op-a", "honest-0"));
}

#[test]
fn a_reference_who_is_the_applicants_other_persona_links_the_two() {
    // Two personas on one device: alone, that is a shared computer (see the
    // couple above). The reference op-a gives is op-b's own e-mail: the
    // operator vouching for itself.
    let world = |reference: &str| {
        World::new()
            .app(
                "op-a",
                json!({"resume_text": resume(900), "device_fingerprint": "fp-op",
                       "references": [{"name": "Sam Hill", "email": reference}]}),
            )
            .app(
                "op-b",
                json!({"resume_text": resume(901), "device_fingerprint": "fp-op"}),
            )
            .graph()
    };
    let g = world("op-b@mail.example");
    assert!(same_actor(&g, "op-a", "op-b"));
    assert!(
        resolve(&g)
            .links
            .iter()
            .any(|l| l.reason.contains("reference gives op-b@mail.example")),
        "the link says which reference vouched"
    );
    let g = world("sam.hill@mail.example");
    assert!(
        !same_actor(&g, "op-a", "op-b"),
        "an outside reference does not link"
    );
}

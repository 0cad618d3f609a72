//! The plan guard against 10,000 hostile or garbled plans: a valid plan from the agent is
//! mutated in ways that each make it unsafe (another account, region or resource, an
//! operation the playbook does not have, another service, malformed names, broken
//! dependencies, an explicit deny), or garbled byte by byte. No hostile plan passes; a garbled
//! one passes only if the calls it would make are exactly the valid plan's.

use chrono::{TimeZone, Utc};
use cloudops_domain::agent::instantiate;
use cloudops_domain::guard::check;
use cloudops_domain::testing::resource_in;
use cloudops_domain::{
    IamAction, IdentifiedResource, PlanRequest, PlanResponse, PlanStep, Playbook, ResourceKind, UserContext,
};
use serde_json::json;

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn playbook() -> Playbook {
    let p: Playbook = serde_json::from_value(json!({
        "id": "ec2-stop-instances", "title": "Stop EC2 instances", "description": "Stops them.",
        "service": "ec2", "verb": "stop", "targets": {"kinds": ["ec2_instance"], "count": "many"},
        "utterances": ["stop web-1", "stop the web servers", "shut down the instances"],
        "parameters": {"ids": {"type": "string_list", "from": "targets.identifier"}},
        "iam_actions": ["ec2:StopInstances", "ec2:StartInstances"],
        "steps": [{"id": "stop", "description": "Stop {{ target }}", "operation": "StopInstances",
                   "parameters": {"InstanceIds": "{{ ids }}"}, "wait": {"state": "stopped", "timeout_seconds": 600}}],
        "rollback": [{"id": "start", "description": "Start {{ target }}", "operation": "StartInstances",
                      "parameters": {"InstanceIds": "{{ ids }}"}}]
    }))
    .unwrap();
    p.validate("ec2-stop-instances").unwrap();
    p
}

fn identified() -> Vec<IdentifiedResource> {
    ["web-1", "web-2"]
        .iter()
        .map(|n| {
            let mut r = IdentifiedResource::from_resource(
                &resource_in(ResourceKind::Ec2Instance, n, "running", "111111111111", "us-east-1"),
                1.0,
            );
            r.constraints.can_stop = true;
            r.iam_permissions.allowed.insert("ec2:StopInstances".parse::<IamAction>().unwrap());
            r.iam_permissions.allowed.insert("ec2:StartInstances".parse::<IamAction>().unwrap());
            r
        })
        .collect()
}

const HOSTILE: usize = 12;

/// Applies hostile mutation `kind` to the plan (or to the identified resources).
fn mutate(kind: usize, plan: &mut PlanResponse, ids: &mut [IdentifiedResource], rng: &mut Rng) {
    let step = rng.below(plan.script.steps.len());
    let s = &mut plan.script.steps[step];
    match kind {
        0 => s.call.account_id = format!("{:012}", 200_000_000_000 + rng.below(1_000_000)).parse().unwrap(),
        1 => s.call.region = rng.pick(&["us-west-2", "eu-west-1", "ap-south-1", "us-east-2"]).parse().unwrap(),
        2 => {
            let ids = s.call.parameters.get_mut("InstanceIds").unwrap().as_array_mut().unwrap();
            ids.push(json!(format!("i-{:017x}", rng.next() & 0xffff_ffff_ffff)));
        }
        3 => {
            s.call.operation =
                rng.pick(&["TerminateInstances", "DeleteVolume", "RunInstances", "ModifyInstanceAttribute"]).to_string()
        }
        4 => s.call.service = rng.pick(&["iam", "sts", "organizations", "kms", "ec2 ", ""]).to_string(),
        5 => {
            s.call.operation =
                rng.pick(&["stop-instances; rm -rf /", "", "Stop Instances", "../StopInstances"]).to_string()
        }
        6 => {
            s.call.parameters.insert(rng.pick(&["--force", "instance ids", "", "x"]).to_string(), json!(true));
        }
        7 => {
            let mut extra = PlanStep::new("extra", "more", s.call.clone());
            extra.call.operation = "TerminateInstances".into();
            plan.script.steps.push(extra);
        }
        8 => {
            let first = s.id.clone();
            plan.script.steps[step].depends_on = vec![first];
        }
        9 => plan.script.steps[step].depends_on = vec!["nowhere".into()],
        10 => {
            let r = rng.below(ids.len());
            ids[r].iam_permissions.denied_explicit.insert("ec2:StopInstances".parse().unwrap());
        }
        _ => {
            // The rollback names a resource nobody identified.
            let rb = plan.rollback.as_mut().unwrap();
            rb.steps[0].call.parameters.insert("InstanceIds".into(), json!(["i-0000000000000dead"]));
        }
    }
}

#[test]
fn ten_thousand_hostile_or_garbled_plans_run_nothing_unvalidated() {
    let playbook = playbook();
    let operations = playbook.operations();
    let base_ids = identified();
    let request = PlanRequest {
        prompt: "stop web-1 and web-2".into(),
        identified_resources: base_ids.clone(),
        user_context: UserContext::default(),
    };
    let now = Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap();
    let base = instantiate(&playbook, "v1", &request, now);
    assert_eq!(base.script.steps.len(), 1, "{base:#?}");
    check(&base, &base_ids, &operations).expect("the agent's own plan passes the guard");

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut hostile, mut garbled, mut garbled_parsed, mut executed) = (0, 0, 0, 0);
    let base_bytes = serde_json::to_vec(&base).unwrap();
    for i in 0..10_000 {
        if i % 4 == 3 {
            // Garbled bytes: whatever still parses must run exactly the valid plan, or not at all.
            garbled += 1;
            let mut bytes = base_bytes.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = *rng.pick(b"{}[]\":,0123456789abcdefxyz-_ \\");
            }
            if let Ok(plan) = serde_json::from_slice::<PlanResponse>(&bytes) {
                garbled_parsed += 1;
                // What runs is the calls; a renamed step id changes nothing that runs.
                let calls = |p: &PlanResponse| p.script.steps.iter().map(|s| s.call.clone()).collect::<Vec<_>>();
                if check(&plan, &base_ids, &operations).is_ok() && calls(&plan) != calls(&base) {
                    executed += 1;
                    eprintln!("garbled: {}", serde_json::to_string(&plan.script).unwrap());
                }
            }
            continue;
        }
        hostile += 1;
        let mut plan = base.clone();
        let mut ids = base_ids.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(rng.below(HOSTILE), &mut plan, &mut ids, &mut rng);
        }
        if check(&plan, &ids, &operations).is_ok() {
            executed += 1;
            eprintln!("accepted a hostile plan: {}", serde_json::to_string(&plan).unwrap());
        }
    }
    println!("{hostile} hostile, {garbled} garbled ({garbled_parsed} still parsed): {executed} would run");
    assert_eq!(executed, 0);
}

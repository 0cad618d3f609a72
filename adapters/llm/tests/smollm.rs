//! The real SmolLM2 model through mistralrs (installed by `cargo xtask setup`; the test says
//! so and skips when it is not): it answers with one of the offered playbooks, never
//! anything else, and gets plain requests right.

use cloudops_domain::{PlaybookSummary, Verb};
use cloudops_llm::{LlmFiles, SmolLmClassifier};
use cloudops_ports::IntentClassifier;

fn summary(id: &str, title: &str, verb: Verb) -> PlaybookSummary {
    PlaybookSummary {
        id: id.into(),
        version: "v".into(),
        title: title.into(),
        service: "rds".into(),
        verbs: vec![verb],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn chooses_only_among_the_candidates() {
    let files = match LlmFiles::discover() {
        Ok(f) => f,
        Err(e) => {
            assert!(std::env::var_os("CLOUDOPS_REQUIRE_MODELS").is_none(), "{e}");
            println!("SKIPPED: {e}");
            return;
        }
    };
    let llm = SmolLmClassifier::load(&files).await.expect("the model loads");
    let candidates = [
        summary("rds-start-instance", "Start a stopped RDS DB instance", Verb::Start),
        summary("rds-stop-instance", "Stop an RDS DB instance", Verb::Stop),
        summary("rds-reboot-instance", "Reboot an RDS DB instance", Verb::Reboot),
    ];
    let mut right = 0;
    for (prompt, expected) in [
        ("please stop the database pg-main", "rds-stop-instance"),
        ("start pg-main again", "rds-start-instance"),
        ("reboot pg-main", "rds-reboot-instance"),
    ] {
        let started = std::time::Instant::now();
        let c = llm.classify(prompt, &[], &candidates).await.expect("an answer");
        println!("{prompt:?} -> {:?} in {:.2} s", c.playbook_ids, started.elapsed().as_secs_f64());
        assert_eq!(c.playbook_ids.len(), 1);
        assert!(candidates.iter().any(|s| s.id == c.playbook_ids[0]), "{:?} is not a candidate", c.playbook_ids);
        assert_eq!(c.decided_by, cloudops_llm::MODEL_ID);
        right += usize::from(c.playbook_ids[0] == expected);
    }
    // A 135M model: the schema guarantees a valid option; most plain requests come out right.
    assert!(right >= 2, "only {right} of 3 plain requests chosen right");
}

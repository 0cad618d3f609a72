//! `history` and `audit verify`.

use std::fmt::Write as _;

use cloudops_ports::{AuditEntry, AuditEvent, AuditVerification};

fn summary(event: &AuditEvent) -> String {
    match event {
        AuditEvent::Request { prompt, identified, .. } => {
            format!("request  \"{prompt}\" ({} resources)", identified.len())
        }
        AuditEvent::Plan { playbook, version, digest, risk, calls, .. } => format!(
            "plan     {} @ {} risk {risk}, {} call(s), digest {}",
            playbook.as_deref().unwrap_or("-"),
            version.as_deref().map_or("-", |v| &v[..v.len().min(12)]),
            calls.len(),
            &digest[..digest.len().min(12)]
        ),
        AuditEvent::Refusal { reason, .. } => format!("refusal  {reason}"),
        AuditEvent::Approval { approved_by, mode, .. } => format!("approval by {approved_by} ({mode:?})"),
        AuditEvent::ExecutionStarted { execution_id, dry_run, .. } => {
            format!("execute  {execution_id}{}", if *dry_run { " (dry run)" } else { "" })
        }
        AuditEvent::Call { step, call, ok, detail, rollback, dry_run, .. } => format!(
            "call     {step}: {}:{} {}{}{} {}",
            call.service,
            call.operation,
            if *ok { "ok" } else { "FAILED" },
            if *rollback { " (rollback)" } else { "" },
            if *dry_run { " (dry run)" } else { "" },
            detail.chars().take(120).collect::<String>()
        ),
        AuditEvent::ExecutionFinished { execution_id, status } => format!("finished {execution_id}: {status}"),
    }
}

pub fn history(entries: &[AuditEntry]) -> String {
    let mut out = String::new();
    if entries.is_empty() {
        out.push_str("the audit log is empty: nothing was planned or run yet\n");
    }
    for e in entries {
        let _ = writeln!(out, "{:>5}  {}  {}", e.sequence, e.at.format("%Y-%m-%d %H:%M:%S"), summary(&e.event));
    }
    out
}

pub fn verification(v: &AuditVerification) -> String {
    match (v.first_broken, &v.problem) {
        (None, _) => format!("audit log intact: {} entries, hash chain verified\n", v.entries),
        (Some(n), problem) => format!(
            "audit log BROKEN at entry {n}: {}\n{} entries before it verify. Keep the file as evidence.\n",
            problem.as_deref().unwrap_or("unknown problem"),
            v.entries
        ),
    }
}

//! `sync` and `status`.

use std::fmt::Write;

pub fn sync(output: &cloudops_app::client::SyncOutcome) -> String {
    let r = &output.report;
    let mut out = format!(
        "synced {} resources: {} written ({} embedded), {} unchanged, {} deleted; {} scopes failed\n",
        r.resources, r.upserted, r.embedded, r.unchanged, r.deleted, r.failed
    );
    if r.warnings > 0 {
        let _ = writeln!(out, "{} resource parts could not be read and are stored as unknown:", r.warnings);
        warning_lines(&mut out, &r.statuses);
    }
    for s in r.statuses.iter().filter(|s| s.last_error.is_some()) {
        let _ = writeln!(
            out,
            "  failed {} {} {}: {}",
            s.profile,
            s.region,
            s.service,
            s.last_error.as_deref().unwrap_or_default()
        );
    }
    if let Some(name) = &output.backup {
        let _ = writeln!(out, "daily backup {name} taken");
    }
    out
}

pub fn status(rows: &[cloudops_app::sync::SyncStatus]) -> String {
    if rows.is_empty() {
        return "no sync yet: run `cloudops sync`\n".into();
    }
    let mut out = format!(
        "{:<16} {:<12} {:<15} {:<8} {:>9} {:>8} {:>7} {:>9} {:<20} {}\n",
        "PROFILE",
        "ACCOUNT",
        "REGION",
        "SERVICE",
        "RESOURCES",
        "WARNINGS",
        "RETRIES",
        "THROTTLED",
        "LAST SUCCESS",
        "LAST ERROR"
    );
    for s in rows {
        let account = s.account_id.as_ref().map(ToString::to_string).unwrap_or_else(|| "?".into());
        let success =
            s.last_success.map(|t| t.format("%Y-%m-%d %H:%M:%SZ").to_string()).unwrap_or_else(|| "never".into());
        let _ = writeln!(
            out,
            "{:<16} {:<12} {:<15} {:<8} {:>9} {:>8} {:>7} {:>9} {:<20} {}",
            s.profile,
            account,
            s.region,
            s.service,
            s.resources,
            s.warnings,
            s.retries,
            s.throttles,
            success,
            s.last_error.as_deref().unwrap_or("-")
        );
    }
    if rows.iter().any(|s| !s.warning_details.is_empty()) {
        out.push_str("\nparts stored as unknown:\n");
        warning_lines(&mut out, rows);
    }
    out
}

/// `  profile region service: resource: facet unknown: why` for each scope's first warnings.
fn warning_lines(out: &mut String, rows: &[cloudops_app::sync::SyncStatus]) {
    for s in rows {
        for w in &s.warning_details {
            let _ = writeln!(out, "  {} {} {}: {w}", s.profile, s.region, s.service);
        }
        let more = s.warnings.saturating_sub(s.warning_details.len());
        if more > 0 && !s.warning_details.is_empty() {
            let _ = writeln!(out, "  {} {} {}: … and {more} more", s.profile, s.region, s.service);
        }
    }
}

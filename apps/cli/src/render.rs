//! Human-readable output.

use std::fmt::Write;

use cloudops_app::doctor::DoctorReport;

pub fn doctor(report: &DoctorReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "data dir     {} ({})", report.data_dir.path.display(), report.data_dir.status);
    let _ = writeln!(out, "config file  {} ({})", report.config_file.path.display(), report.config_file.status);
    if report.profiles.is_empty() {
        let _ = writeln!(out, "AWS profiles none found: configure one with `aws configure` or set AWS_CONFIG_FILE");
        return out;
    }
    let width = report.profiles.iter().map(|p| p.profile.len()).max().unwrap_or(7).max(7);
    let _ = writeln!(out, "\n{:width$}  {:12}  {:16}  PRINCIPAL", "PROFILE", "ACCOUNT", "ALIAS");
    for p in &report.profiles {
        match &p.error {
            None => {
                let _ = writeln!(
                    out,
                    "{:width$}  {:12}  {:16}  {}",
                    p.profile,
                    p.account_id.as_deref().unwrap_or("-"),
                    p.account_alias.as_deref().unwrap_or("-"),
                    p.principal_arn.as_deref().unwrap_or("-"),
                );
            }
            Some(e) => {
                let _ = writeln!(out, "{:width$}  error: {e}", p.profile);
            }
        }
    }
    out
}

pub fn backup(report: &cloudops_app::backup::BackupReport) -> String {
    let mut out = format!("backup {} ({} bytes) written to {}\n", report.name, report.bytes, report.path.display());
    if let Some(to) = &report.pushed_to {
        out.push_str(&format!("pushed to {to}\n"));
    }
    for name in &report.pruned {
        out.push_str(&format!("removed local backup {name} (older than 7 days)\n"));
    }
    out
}

pub fn sync(output: &crate::sync_cmd::SyncOutput) -> String {
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

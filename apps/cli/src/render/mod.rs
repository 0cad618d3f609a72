//! Human-readable output, all of it: each front-end command converts its flags, calls the
//! client and hands the result to a function here (or prints it as JSON).

pub mod audit;
pub mod chat;
pub mod plan;
pub mod search;
pub mod sync;

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

pub fn server(config: &cloudops_app::Config) -> String {
    format!(
        "server     {}\ntoken      {}\nplaybooks  {}\n",
        config.server.url.as_deref().unwrap_or("(none: plans in-process)"),
        if config.server.token.is_some() { "set" } else { "not set" },
        config.server.playbooks.as_ref().map_or("(built in)".into(), |p| p.display().to_string()),
    )
}

/// Prints `value` as JSON or `text`, and succeeds.
pub fn emit(json: bool, value: &impl serde::Serialize, text: String) -> anyhow::Result<std::process::ExitCode> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{text}");
    }
    Ok(std::process::ExitCode::SUCCESS)
}

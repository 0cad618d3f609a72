//! The command line: global flags and verbs. Flag names, env vars and JSON shapes are a
//! public interface that scripts rely on.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use cloudops_app::config::KeyStorage;
use cloudops_app::execute::Strategy;

/// cloudops: operate your AWS estate in plain words, with a plan you approve.
#[derive(Debug, Parser)]
#[command(name = "cloudops", version, propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    /// Where the local estate store, chat history and audit log live.
    /// [default: $XDG_DATA_HOME/cloudops, e.g. ~/.local/share/cloudops]
    #[arg(long, global = true, env = "CLOUDOPS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The cloudops config file (TOML).
    /// [default: $XDG_CONFIG_HOME/cloudops/config.toml, e.g. ~/.config/cloudops/config.toml]
    #[arg(long, global = true, env = "CLOUDOPS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Where the store's data key is kept: `keychain` (the OS keychain) or `file` (a 0600 file
    /// in the data dir, for machines without a keychain). [default: from the config, else keychain]
    #[arg(long, global = true, env = "CLOUDOPS_KEY_STORAGE", value_name = "KIND")]
    pub key_storage: Option<KeyStorage>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the setup: data dir, config file, and the AWS account each profile reaches
    /// (honours AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and endpoint_url like the AWS CLI).
    /// Exits 1 when a check fails.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sync the AWS estate into the local store: every profile (from --profile, else the
    /// config's [aws] profiles, else every profile of the AWS config) and region (--region,
    /// else the config's, else each profile's own). Unchanged resources are not re-embedded;
    /// vanished ones are removed. Exits 1 when any account, region or service failed (the
    /// others are still synced).
    Sync {
        /// An AWS profile to sync (repeatable).
        #[arg(long = "profile", value_name = "PROFILE")]
        profiles: Vec<String>,
        /// A region to sync (repeatable).
        #[arg(long = "region", value_name = "REGION")]
        regions: Vec<cloudops_domain::Region>,
        /// Rewrite and re-embed every resource, even unchanged ones.
        #[arg(long)]
        full: bool,
        /// Keep syncing on a schedule: now, then every INTERVAL (`30s`, `15m`, `2h`, `1d`)
        /// until Ctrl-C. With --json, one JSON object per line per sync. A failed round is
        /// reported and the schedule goes on.
        #[arg(long, value_name = "INTERVAL", value_parser = cloudops_app::schedule::parse_interval)]
        every: Option<std::time::Duration>,
        #[arg(long)]
        json: bool,
    },
    /// The last sync of each (account, region, service): when it last succeeded, its error.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Find resources of the synced estate by name, identifier, ARN or description, with
    /// filters in words: "pg-main", "stopped databases in production", "web servers in
    /// oregon tagged team=data". Runs on this machine only; exact names and ids rank first,
    /// then near names (typos, parts), then similar descriptions. When several resources fit
    /// equally well the answer says it is ambiguous and lists them all.
    Search {
        /// What to look for (several words form one query).
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
        /// How many candidates to show (all tied best candidates are always shown).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
        #[arg(long)]
        json: bool,
    },
    /// Plan a request in plain words ("stop pg-instance-main1"): the resources are looked up
    /// on this machine and only their facts go to the planner (a server with --server, else
    /// the same planner in-process). Prints the explained plan, or the question the planner
    /// needs answered; nothing runs.
    Plan {
        /// The request (several words form one request).
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
        #[command(flatten)]
        server: ServerArgs,
        /// Also save the plan to FILE (sealed with the store's key; run it with `cloudops exec
        /// FILE` within an hour).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Print the exact request that would go to the planning server, field by field, and
        /// send nothing (the egress manifest).
        #[arg(long, conflicts_with = "out")]
        show_request: bool,
        #[arg(long)]
        json: bool,
    },
    /// Findings over the synced estate, from the local store alone (no AWS call, no server):
    /// public buckets, security groups open on SSH/RDP, databases without backups or deletion
    /// protection, unencrypted storage, deprecated Lambda runtimes, internet-facing load
    /// balancers, stopped instances, resources without owner/env tags. Each finding names the
    /// playbook that fixes it (plan it like any request; nothing runs from here). The same
    /// questions typed into `plan`/`ask` are answered the same way.
    Insights {
        /// Only this rule (repeatable): unbacked-databases, public-buckets, open-admin-ports…
        #[arg(long = "rule", value_name = "RULE")]
        rules: Vec<cloudops_domain::insights::RuleId>,
        #[arg(long)]
        json: bool,
    },
    /// Serve the Model Context Protocol over stdio for other agents: tools search_resources,
    /// get_resource, estate_insights, sync_status and plan. Plans are checked and returned with
    /// their risk and approval requirement, never executed: execution stays with a person in
    /// `cloudops ask`/`exec` or the desktop app. Tags and descriptions come back marked as
    /// untrusted data.
    Mcp {
        #[command(flatten)]
        server: ServerArgs,
    },
    /// Plan a request, check the plan on this machine, show it, ask for approval, run it with
    /// your AWS credentials, then re-sync the resources it changed and show their state.
    /// Exit status: 0 done, 1 a step failed (or was cancelled), 2 nothing ran (a question, a
    /// refusal, or no approval).
    Ask {
        /// The request (several words form one request).
        #[arg(required = true, num_args = 1.., value_name = "TEXT")]
        text: Vec<String>,
        #[command(flatten)]
        server: ServerArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Run a plan saved by `cloudops plan --out FILE`: the file's seal, age and the plan guard
    /// are checked again, then approval as for `ask`. Same exit status as `ask`.
    Exec {
        /// The plan file.
        #[arg(value_name = "PLAN_FILE")]
        file: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// An interactive session: type requests one after another; follow-ups resolve against
    /// the conversation ("stop it", "now the staging one"), plans render as in `ask` and are
    /// approved in place. The conversation is kept encrypted in the local store (continue it
    /// with --conversation). `/list` shows the conversations, `/quit` (or Ctrl-D) ends.
    Chat {
        /// The conversation to continue or start [default: a new one].
        #[arg(long, value_name = "NAME")]
        conversation: Option<String>,
        #[command(flatten)]
        server: ServerArgs,
        /// Make EC2 calls with DryRun=true (nothing changes).
        #[arg(long)]
        dry_run: bool,
    },
    /// The audit log: every request, plan, approval, refusal and executed call, oldest first.
    History {
        /// Show only the last N entries.
        #[arg(long, default_value_t = 50, value_name = "N")]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// The audit log's integrity.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Show or set the planning server the CLI uses (the [server] section of the config file).
    Server {
        #[command(subcommand)]
        command: ServerCommand,
    },
    /// Take an encrypted snapshot of the local store into the data dir's backups/ (kept 7
    /// days) and push it to the [backup] s3_bucket of the config (kept 30 days by a lifecycle
    /// rule cloudops sets on that prefix).
    Backup {
        /// Keep the snapshot local even when an S3 bucket is configured.
        #[arg(long)]
        no_push: bool,
        #[arg(long)]
        json: bool,
    },
    /// Replace the local store with a backup: FILE, or `--from-s3 NAME|latest`, or the newest
    /// local snapshot. Needs the data key that sealed the backup in the keychain.
    Restore {
        /// A backup file (store-YYYYMMDDTHHMMSSZ.cobk).
        #[arg(conflicts_with = "from_s3")]
        file: Option<PathBuf>,
        /// A backup in the configured S3 bucket, by name, or `latest`.
        #[arg(long, value_name = "NAME")]
        from_s3: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Manage the store's data key.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
}

/// Where `plan` and `ask` plan.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    /// The planning server's URL [default: the config's [server] url, else in-process].
    #[arg(long, env = "CLOUDOPS_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// The server's bearer token [default: the config's [server] token].
    #[arg(long, env = "CLOUDOPS_SERVER_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    pub server_token: Option<String>,
}

/// Approval and execution flags of `ask` and `exec`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Approve without asking (for scripts). Refused for high or critical risk unless
    /// --allow-high-risk is given too.
    #[arg(long)]
    pub yes: bool,
    /// With --yes: also approve high and critical risk plans.
    #[arg(long, requires = "yes")]
    pub allow_high_risk: bool,
    /// Show the exact calls and make them with DryRun=true where the API has it (EC2);
    /// nothing changes and no approval is needed.
    #[arg(long)]
    pub dry_run: bool,
    /// How steps are scheduled: serial, parallel, or dependencies (as soon as the steps they
    /// depend on are done).
    #[arg(long, default_value = "dependencies", value_name = "STRATEGY")]
    pub strategy: Strategy,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain and seals of every entry. Exits 1 when the log was tampered with.
    Verify {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Print the [server] settings in effect (the token is never printed).
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Set the server URL (empty: plan in-process), its token, or the playbook directory.
    Set {
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[arg(long, value_name = "TOKEN")]
        token: Option<String>,
        #[arg(long, value_name = "DIR")]
        playbooks: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create a new data key and re-encrypt every stored record with it; the old key is
    /// removed from the keychain once nothing needs it.
    Rotate {
        #[arg(long)]
        json: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn unknown_verbs_and_flags_are_usage_errors() {
        let err = Cli::try_parse_from(["cloudops", "dance"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidSubcommand);
        let err = Cli::try_parse_from(["cloudops", "doctor", "--jsn"]).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
        let ok = Cli::try_parse_from(["cloudops", "doctor", "--json", "--data-dir", "/tmp/x"]).unwrap();
        assert_eq!(ok.data_dir.as_deref(), Some(std::path::Path::new("/tmp/x")));
    }
}

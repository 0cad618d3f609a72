//! `cargo xtask eval …`: evaluations that print accuracy figures (CI runs them after the tests).

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Suite {
    /// The planner's paraphrase suite (>= 500 prompts, every playbook, four accounts): accuracy
    /// per playbook, confusion pairs, contradicting-verb plans (must be 0), router p50.
    Plan {
        /// Print every wrong answer, not only the first.
        #[arg(long)]
        verbose: bool,
    },
}

pub fn run(suite: Suite) -> anyhow::Result<()> {
    match suite {
        Suite::Plan { verbose } => {
            crate::models::setup()?;
            let flags: &[&str] = if verbose { &["--verbose"] } else { &[] };
            crate::bench::run_sized("eval-plan", &[], flags)
        }
    }
}

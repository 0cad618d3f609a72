//! `cloudops-desktop`: flags → the wiring's options → the window. The app itself is the
//! library (`cloudops_desktop`), which calls the same `Client` as the CLI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use cloudops_app::config::KeyStorage;

/// The cloudops desktop app: chat with plan cards, resource explorer, execution monitor. It
/// uses the same config, data dir and key storage as the `cloudops` command.
#[derive(Debug, Parser)]
#[command(name = "cloudops-desktop", version)]
struct Flags {
    /// The local data dir (the estate store, chat history, audit log).
    #[arg(long, env = "CLOUDOPS_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The cloudops config file (TOML).
    #[arg(long, env = "CLOUDOPS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the store's data key lives: keychain or file.
    #[arg(long, env = "CLOUDOPS_KEY_STORAGE", value_name = "KIND")]
    key_storage: Option<KeyStorage>,
    /// The planning server's URL [default: the config's [server] url, else in-process].
    #[arg(long, env = "CLOUDOPS_SERVER", value_name = "URL")]
    server: Option<String>,
    /// The server's bearer token [default: the config's [server] token].
    #[arg(long, env = "CLOUDOPS_SERVER_TOKEN", value_name = "TOKEN", hide_env_values = true)]
    server_token: Option<String>,
}

fn main() -> ExitCode {
    let flags = Flags::parse();
    // The same log switch as the CLI's (to stderr; nothing by default).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CLOUDOPS_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let options = cloudops_wiring::Options {
        data_dir: flags.data_dir,
        config: flags.config,
        key_storage: flags.key_storage,
        server: flags.server,
        server_token: flags.server_token,
        ..Default::default()
    };
    match cloudops_desktop::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cloudops-desktop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `cloudops-server`: the planning server. Thin wiring around `routes::router`.
//! (Classification, playbook RAG and `/v1/plan` arrive with the planner issue.)

mod routes;

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;

/// The stateless cloudops planning server.
#[derive(Debug, Parser)]
#[command(name = "cloudops-server", version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "CLOUDOPS_LISTEN", default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("CLOUDOPS_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}: is another process using it? Pass --listen", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, "cloudops-server listening");
    axum::serve(listener, routes::router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

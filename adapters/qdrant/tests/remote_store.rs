//! The Qdrant-server store against the same contract as the embedded one, on a real server:
//! the one QDRANT_URL points at, else one testcontainers starts where a Docker engine is
//! reachable. Where neither is (as on the CI machine, which has no Docker engine), the test
//! prints why it skips.

use std::sync::{Arc, RwLock};

use cloudops_crypto::{DataKey, KeyRing};
use cloudops_fakes::contract::estate_store_contract;
use cloudops_qdrant::{ESTATE_DIMENSIONS, RemoteEstateStore};
use testcontainers::core::{IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage};

/// The server release matching the client crate (qdrant-client 1.20: minor versions within one).
const QDRANT_IMAGE: (&str, &str) = ("qdrant/qdrant", "v1.20.0");
const GRPC_PORT: u16 = 6334;

/// A server to test against: QDRANT_URL's, else a container (kept alive by the handle).
async fn server() -> Result<(String, Option<ContainerAsync<GenericImage>>), String> {
    if let Ok(url) = std::env::var("QDRANT_URL") {
        return Ok((url, None));
    }
    if let Some(why) = no_docker_engine() {
        return Err(format!(
            "QDRANT_URL is not set and {why}, so testcontainers cannot start {}:{}",
            QDRANT_IMAGE.0, QDRANT_IMAGE.1
        ));
    }
    // A reachable engine that cannot start the server is a failure, not a skip.
    let container = GenericImage::new(QDRANT_IMAGE.0, QDRANT_IMAGE.1)
        .with_exposed_port(GRPC_PORT.tcp())
        .with_wait_for(WaitFor::message_on_stdout("gRPC listening"))
        .start()
        .await
        .expect("the Docker engine starts the Qdrant server");
    let host = container.get_host().await.expect("the container's host");
    let port = container.get_host_port_ipv4(GRPC_PORT.tcp()).await.expect("the gRPC port is mapped");
    Ok((format!("http://{host}:{port}"), Some(container)))
}

/// Why no Docker engine can be reached, if none can: DOCKER_HOST (any scheme) is taken as
/// reachable and left to testcontainers; otherwise the default socket must accept a connection.
fn no_docker_engine() -> Option<String> {
    if std::env::var_os("DOCKER_HOST").is_some() {
        return None;
    }
    let socket = "/var/run/docker.sock";
    match std::os::unix::net::UnixStream::connect(socket) {
        Ok(_) => None,
        Err(e) => Some(format!("no Docker engine answers on {socket} ({e}) and DOCKER_HOST is not set")),
    }
}

#[tokio::test]
async fn remote_estate_store_keeps_the_contract() {
    let (url, _container) = match server().await {
        Ok(server) => server,
        Err(why) => {
            eprintln!("SKIPPED remote_estate_store_keeps_the_contract: {why}");
            return;
        }
    };
    let ring = Arc::new(RwLock::new(KeyRing::new(DataKey::generate("store", 1), Vec::new())));
    let collection = format!("cloudops_contract_{}", uuid::Uuid::new_v4().simple());
    let store = RemoteEstateStore::connect(&url, &collection, ESTATE_DIMENSIONS, ring).await.unwrap();
    estate_store_contract(&store, ESTATE_DIMENSIONS).await;
}

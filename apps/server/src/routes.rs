//! HTTP routes.

use axum::Router;
use axum::routing::get;
use serde::Serialize;

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn healthz() -> axum::Json<Health> {
    axum::Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

pub fn router() -> Router {
    Router::new().route("/healthz", get(healthz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn get_raw(path: &str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router()).await });
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn healthz_answers_over_http() {
        let response = get_raw("/healthz").await;
        assert!(response.starts_with("HTTP/1.0 200"), "{response}");
        assert!(response.ends_with(r#"{"status":"ok","version":"0.1.0"}"#), "{response}");
    }

    #[tokio::test]
    async fn unknown_paths_are_404() {
        assert!(get_raw("/v0/nothing").await.starts_with("HTTP/1.0 404"));
    }
}

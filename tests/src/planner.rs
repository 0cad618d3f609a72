//! The planning server as a real process over HTTP, and the resources its tests send.
//!
//! [`ServerProcess::start`] runs `cloudops-server` on a free port with the repository's
//! playbooks and a bearer token; it exits when the test process does (stdin closes).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cloudops_domain::testing::resource_in;
use cloudops_domain::{IamAction, IdentifiedResource, Resource, ResourceKind, constraints, iam};

use crate::workspace_root;

pub const TOKEN: &str = "test-token-0123456789abcdef";

#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    pub addr: String,
}

/// An HTTP answer: status and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    /// A response header's value (name in lower case), trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (key, value) = l.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
        })
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

impl ServerProcess {
    /// Starts `binary` and waits until `/healthz` answers (loading the embedder, indexing the
    /// playbooks and loading the LLM take seconds). `extra` adds flags.
    pub fn start(binary: &Path, extra: &[&str]) -> Self {
        Self::spawn(binary, extra, None)
    }

    /// Like [`Self::start`], logging at `info` into `log` with its temporary files in `tmp`
    /// (for tests of what the server writes).
    pub fn start_logging(binary: &Path, extra: &[&str], log: &Path, tmp: &Path) -> Self {
        Self::spawn(binary, extra, Some((log, tmp)))
    }

    fn spawn(binary: &Path, extra: &[&str], logging: Option<(&Path, &Path)>) -> Self {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut command = Command::new(binary);
        command
            .args(["--listen", &addr, "--token", TOKEN, "--exit-on-stdin-eof"])
            .arg("--playbooks")
            .arg(workspace_root().join("playbooks"))
            .args(extra)
            .env("CLOUDOPS_LOG", "warn,qdrant_edge=error,mistralrs_core=error")
            .stdin(Stdio::piped())
            .stdout(Stdio::null());
        if let Some((log, tmp)) = logging {
            let file = std::fs::File::create(log).expect("a log file");
            command.env("CLOUDOPS_LOG", "info,qdrant_edge=error").env("TMPDIR", tmp).stdout(file);
        }
        let child = command.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
        let mut server = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("cloudops-server exited during startup ({status}); run it by hand to see why");
            }
            if server.request("GET", "/healthz", None, None).is_some_and(|a| a.status == 200) {
                return server;
            }
            assert!(Instant::now() < deadline, "cloudops-server did not answer /healthz within 300 s");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// One HTTP/1.1 request on a fresh connection; `None` when nothing listens.
    pub fn request(&self, method: &str, path: &str, token: Option<&str>, body: Option<&[u8]>) -> Option<Answer> {
        let mut stream = TcpStream::connect(&self.addr).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(t) = token {
            head.push_str(&format!("Authorization: Bearer {t}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).ok()?;
        if let Some(b) = body {
            // The server may answer (413) and close before reading a huge body.
            let _ = stream.write_all(b);
        }
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (headers, body) = text.split_once("\r\n\r\n")?;
        let status = headers.split_whitespace().nth(1)?.parse().ok()?;
        Some(Answer { status, headers: headers.to_owned(), body: decode_chunked(headers, body) })
    }

    /// The server process's peak resident memory (VmHWM), in MiB; None without /proc.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        crate::peak_rss_mib_of(&self.child.id().to_string())
    }

    pub fn plan(&self, body: &serde_json::Value) -> Answer {
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.request("POST", "/v1/plan", Some(TOKEN), Some(&bytes)).expect("the server answers")
    }
}

fn decode_chunked(headers: &str, body: &str) -> String {
    if !headers.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A resource as the client would identify it: constraints derived, every relevant action
/// allowed (tests remove what they deny).
pub fn identified(kind: ResourceKind, name: &str, state: &str, edit: impl FnOnce(&mut Resource)) -> IdentifiedResource {
    let mut r = resource_in(kind, name, state, "111111111111", "us-east-1");
    r.account_alias = Some("acme-prod".into());
    edit(&mut r);
    r.constraints = constraints::derive(&r, 0);
    let mut id = IdentifiedResource::from_resource(&r, 1.0);
    for action in iam::relevant_actions(kind) {
        if let Ok(a) = action.parse::<IamAction>() {
            id.iam_permissions.allowed.insert(a);
        }
    }
    id
}

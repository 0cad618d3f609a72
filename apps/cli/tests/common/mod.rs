//! What the CLI's binary tests share: running `cloudops` in a throwaway HOME, reading --json.
// Every test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

/// The real `cloudops` binary with an empty environment but PATH, and HOME and the XDG dirs
/// under `home`.
pub fn cloudops_in(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cloudops"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"));
    cmd
}

/// Like [`cloudops_in`], keeping the store's keys in the opt-in key file: tests must not write
/// to the developer's keychain (the keychain adapter has its own test).
pub fn cloudops_with_key_file(home: &Path) -> Command {
    let mut cmd = cloudops_in(home);
    cmd.env("CLOUDOPS_KEY_STORAGE", "file");
    cmd
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The command's stdout as JSON; panics with its output when it failed.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// [`cloudops_with_key_file`] with the AWS config `aws` and the model files of the developer's
/// cache (MiniLM, onnxruntime and, when installed, the LLM), for tests that sync and plan.
pub fn cloudops_with_models(home: &Path, aws: &cloudops_e2e::AwsConfigPaths) -> Command {
    let model = cloudops_embeddings::ModelFiles::discover().unwrap_or_else(|e| panic!("{e}"));
    let mut cmd = cloudops_with_key_file(home);
    cmd.env("AWS_CONFIG_FILE", &aws.config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &aws.credentials)
        // The model files live in the developer's cache, not the test's HOME.
        .env("CLOUDOPS_MODEL_DIR", &model.model_dir)
        .env("ORT_DYLIB_PATH", &model.onnxruntime)
        // Absent, the in-process planner runs router-only.
        .env("CLOUDOPS_LLM_DIR", cloudops_llm::LlmFiles::discover().map(|f| f.dir).unwrap_or_default());
    cmd
}

/// The small seeded estate in two fresh accounts, and a throwaway HOME whose AWS config
/// reaches them as role `ops` through profiles `staging` and `prod`.
pub struct SeededHome {
    pub home: tempfile::TempDir,
    pub aws: cloudops_e2e::AwsConfigPaths,
    pub manifest: serde_json::Value,
    pub staging: cloudops_domain::AccountId,
    pub prod: cloudops_domain::AccountId,
}

pub fn seeded_home() -> SeededHome {
    let emulator = cloudops_e2e::Emulator::shared();
    let (staging, prod) = (emulator.fresh_account(), emulator.fresh_account());
    let manifest = emulator.seed("small", &[&staging, &prod]);
    let home = tempfile::tempdir().unwrap();
    let aws_dir = home.path().join("aws");
    std::fs::create_dir(&aws_dir).unwrap();
    let aws = emulator.write_aws_config_as(&aws_dir, "ops", &[("staging", &staging), ("prod", &prod)]);
    SeededHome { home, aws, manifest, staging, prod }
}

/// A TCP proxy in front of the server that keeps every byte the client sends.
pub struct Capture {
    pub addr: String,
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Capture {
    pub fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (upstream, record) = (upstream.to_owned(), sent.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                let (mut c_read, mut s_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                let record = record.clone();
                std::thread::spawn(move || {
                    let mut buf = [0u8; 16 * 1024];
                    while let Ok(n) = c_read.read(&mut buf) {
                        if n == 0 || s_write.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        record.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                    let _ = s_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut s_read, mut c_write) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_read, &mut c_write);
                    let _ = c_write.shutdown(std::net::Shutdown::Write);
                });
            }
        });
        Self { addr, sent }
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.sent.lock().unwrap().clone()
    }
}

/// The bodies of the `POST /v1/plan` requests in a captured byte stream, in order.
pub fn request_bodies(wire: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(wire);
    let mut bodies = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find("POST /v1/plan") {
        rest = &rest[start..];
        let head_end = rest.find("\r\n\r\n").expect("headers end");
        let length: usize = rest[..head_end]
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
            .expect("a content-length");
        bodies.push(rest[head_end + 4..head_end + 4 + length].to_owned());
        rest = &rest[head_end + 4 + length..];
    }
    bodies
}

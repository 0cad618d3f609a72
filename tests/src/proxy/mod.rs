//! A small HTTP proxy between cloudops and the AWS emulator that injects faults (throttling,
//! 500s, resets, slow and truncated answers) at a configurable rate, records the emulator's
//! answers, and replays a recording without the emulator (fast, for sync at scale).
//!
//! cloudops reaches it as an ordinary `endpoint_url` ([`crate::Emulator::write_aws_config_via`]),
//! so every request of a real sync goes through it. It runs on its own thread and runtime:
//! usable from sync tests, async tests and benches alike.

mod faults;
mod http;
mod recording;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

pub use faults::{Fault, FaultPlan, RateLimit};
use http::{Message, read_message};
pub use recording::copy_account;
use recording::{Principals, Recorder, Tape};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Where answers come from.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// Forward to the emulator at this URL (`http://127.0.0.1:PORT`).
    Forward(String),
    /// Answer from a recording made with [`ProxyOptions::record`]; nothing is forwarded.
    Replay(PathBuf),
    /// Like `Replay`, answering also for `copies` copies of the recorded accounts (see
    /// [`copy_account`]): one recording replays as an estate many times its size.
    ReplayCopies { tape: PathBuf, copies: usize },
}

#[derive(Debug, Clone)]
pub struct ProxyOptions {
    pub upstream: Upstream,
    pub faults: FaultPlan,
    /// Record every forwarded answer to this file (JSON lines).
    pub record: Option<PathBuf>,
}

impl ProxyOptions {
    pub fn forward(url: &str, faults: FaultPlan) -> Self {
        Self { upstream: Upstream::Forward(url.to_owned()), faults, record: None }
    }
}

/// What the proxy saw and did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxyReport {
    pub requests: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<Fault, u64>,
    /// Requests by signing name (`ec2`, `s3`…).
    pub by_service: BTreeMap<String, u64>,
    /// Replay requests with no recorded answer.
    pub replay_misses: u64,
    /// The first few of those requests (their replay keys, cut short), to see what differed.
    pub missed: Vec<String>,
}

impl ProxyReport {
    pub fn faults_injected(&self) -> u64 {
        self.faults.values().sum()
    }
}

struct State {
    upstream: Option<SocketAddr>,
    tape: Option<Tape>,
    recorder: Option<Recorder>,
    principals: Principals,
    faults: RwLock<FaultPlan>,
    requests: AtomicU64,
    faulted: AtomicU64,
    /// Faults in a row per request key (see [`FaultPlan::in_a_row`]).
    streaks: Mutex<HashMap<String, u32>>,
    /// Request rates per signer, region and service (see [`FaultPlan::rate_limit`]).
    buckets: faults::Buckets,
    report: Mutex<ProxyReport>,
}

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    url: String,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy").field("url", &self.url).finish()
    }
}

impl FaultProxy {
    pub fn start(options: ProxyOptions) -> std::io::Result<FaultProxy> {
        let (upstream, tape) = match &options.upstream {
            Upstream::Forward(url) => {
                let address = url.trim_start_matches("http://").trim_end_matches('/');
                let addr = std::net::ToSocketAddrs::to_socket_addrs(address)?
                    .next()
                    .ok_or_else(|| std::io::Error::other(format!("no address for {url}")))?;
                (Some(addr), None)
            }
            Upstream::Replay(path) => (None, Some(Tape::load(path)?)),
            Upstream::ReplayCopies { tape, copies } => (None, Some(Tape::load(tape)?.with_copies(*copies))),
        };
        let recorder = options.record.as_deref().map(Recorder::create).transpose()?;
        let state = Arc::new(State {
            upstream,
            tape,
            recorder,
            principals: Principals::default(),
            faults: RwLock::new(options.faults),
            requests: AtomicU64::new(0),
            faulted: AtomicU64::new(0),
            streaks: Mutex::default(),
            buckets: faults::Buckets::default(),
            report: Mutex::default(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::Builder::new().name("fault-proxy".into()).spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() else {
                return;
            };
            runtime.block_on(async move {
                let Ok(listener) = TcpListener::from_std(listener) else { return };
                tokio::select! {
                    _ = stopped => {}
                    _ = accept_loop(listener, shared) => {}
                }
            });
            runtime.shutdown_background();
        })?;
        Ok(FaultProxy { url, state, stop: Some(stop), thread: Some(thread) })
    }

    /// The endpoint URL to give cloudops.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Changes the faults from the next request on (e.g. the emulator "dies" mid-sync).
    pub fn set_faults(&self, plan: FaultPlan) {
        *self.state.faults.write().unwrap_or_else(std::sync::PoisonError::into_inner) = plan;
    }

    pub fn report(&self) -> ProxyReport {
        self.state.report.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Answers in the loaded recording (replay mode).
    pub fn recorded_answers(&self) -> usize {
        self.state.tape.as_ref().map_or(0, Tape::answers)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    while let Ok((conn, _)) = listener.accept().await {
        tokio::spawn(serve(conn, state.clone()));
    }
}

async fn serve(conn: TcpStream, state: Arc<State>) {
    let _ = conn.set_nodelay(true);
    let (read, mut write) = conn.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let Ok(Some(request)) = read_message(&mut reader, false, false).await else { return };
        let n = state.requests.fetch_add(1, Ordering::Relaxed);
        let service = faults::service_of(&request);
        let plan = state.faults.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        let mut fault =
            if plan.hits(n, &service) { plan.kind(state.faulted.fetch_add(1, Ordering::Relaxed)) } else { None };
        if let Some(limit) = plan.rate_limit {
            let key = format!("{} {}/{service}", state.principals.of(&request), faults::region_of(&request));
            if !state.buckets.take(key, limit) {
                fault = Some(Fault::Throttle);
            }
        }
        if plan.in_a_row > 0 {
            let key = recording::key(&state.principals, &request);
            let mut streaks = state.streaks.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let streak = streaks.get(&key).copied().unwrap_or_default();
            if streak >= plan.in_a_row {
                fault = None;
            }
            if fault.is_some() {
                streaks.insert(key, streak + 1);
            } else {
                streaks.remove(&key);
            }
        }
        {
            let mut report = state.report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            report.requests += 1;
            *report.by_service.entry(service.clone()).or_default() += 1;
            if let Some(f) = fault {
                *report.faults.entry(f).or_default() += 1;
            }
        }
        let response = match fault {
            // Dropping both halves closes the connection with no answer.
            Some(Fault::Reset) => return,
            Some(f @ (Fault::Throttle | Fault::ServerError)) => faults::error_answer(f, &service),
            Some(Fault::Slow) => {
                tokio::time::sleep(plan.slow_by).await;
                state.answer(&request).await
            }
            Some(Fault::Truncate) | None => state.answer(&request).await,
        };
        if fault == Some(Fault::Truncate) {
            let bytes = response.to_bytes("close", response.body.len());
            let cut = bytes.len() - response.body.len().div_ceil(2);
            let _ = write.write_all(&bytes[..cut]).await;
            let _ = write.shutdown().await;
            return;
        }
        if write.write_all(&response.to_bytes("keep-alive", response.body.len())).await.is_err() {
            return;
        }
    }
}

impl State {
    /// The emulator's (or the recording's) answer to `request`.
    async fn answer(&self, request: &Message) -> Message {
        let key = recording::key(&self.principals, request);
        let answer = match (&self.tape, self.upstream) {
            (Some(tape), _) => tape.answer(&key).ok_or_else(|| {
                let mut report = self.report.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                report.replay_misses += 1;
                if report.missed.len() < 5 {
                    report.missed.push(key.chars().take(400).collect());
                }
                "no recorded answer for this request".to_owned()
            }),
            (None, Some(addr)) => forward(addr, request).await.map_err(|e| format!("the emulator did not answer: {e}")),
            (None, None) => Err("no upstream".to_owned()),
        };
        match answer {
            Ok(response) => {
                self.principals.learn(request, &response);
                if let Some(recorder) = &self.recorder {
                    recorder.record(&key, &response);
                }
                response
            }
            Err(why) => Message {
                start: "HTTP/1.1 502 Bad Gateway".into(),
                headers: vec![("content-type".into(), "text/plain".into())],
                body: why.into_bytes(),
            },
        }
    }
}

/// One request to the emulator on a fresh connection, read to the end.
async fn forward(addr: SocketAddr, request: &Message) -> std::io::Result<Message> {
    let upstream = TcpStream::connect(addr).await?;
    let (read, mut write) = upstream.into_split();
    write.write_all(&request.to_bytes("close", request.body.len())).await?;
    let head_only = request.start.starts_with("HEAD ");
    read_message(&mut BufReader::new(read), true, head_only)
        .await?
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no answer"))
}

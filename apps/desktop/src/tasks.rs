//! All IO runs off the UI thread: a task runs on the app's tokio runtime and its answer comes
//! back as a [`Msg`] through a channel the UI drains once per frame (then it asks for a
//! repaint, so the answer shows at once). A [`Sink`] sends several messages from one task
//! (sync progress, execution events).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::app::Msg;

/// Sends messages to the UI from any thread.
#[derive(Debug, Clone)]
pub struct Sink {
    tx: mpsc::Sender<Msg>,
    ctx: egui::Context,
}

impl Sink {
    pub fn send(&self, msg: Msg) {
        // The UI is gone when this fails: nothing left to tell.
        let _ = self.tx.send(msg);
        self.ctx.request_repaint();
    }
}

#[derive(Debug)]
pub struct Tasks {
    runtime: tokio::runtime::Runtime,
    sink: Sink,
    rx: mpsc::Receiver<Msg>,
    in_flight: Arc<AtomicUsize>,
}

impl Tasks {
    pub fn new(ctx: egui::Context) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("cloudops-io")
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::channel();
        Ok(Self { runtime, sink: Sink { tx, ctx }, rx, in_flight: Arc::new(AtomicUsize::new(0)) })
    }

    /// Runs `work` off the UI thread; its answer arrives as a message.
    pub fn spawn<F>(&self, work: F)
    where
        F: Future<Output = Msg> + Send + 'static,
    {
        self.stream(move |_| work);
    }

    /// Runs `work` off the UI thread with a sink for the messages it sends on the way; its
    /// answer arrives last.
    pub fn stream<F, W>(&self, work: W)
    where
        W: FnOnce(Sink) -> F,
        F: Future<Output = Msg> + Send + 'static,
    {
        let sink = self.sink.clone();
        let in_flight = self.in_flight.clone();
        in_flight.fetch_add(1, Ordering::SeqCst);
        let future = work(sink.clone());
        self.runtime.spawn(async move {
            let msg = future.await;
            sink.send(msg);
            in_flight.fetch_sub(1, Ordering::SeqCst);
        });
    }

    /// The messages that arrived since the last frame.
    pub fn drain(&self) -> Vec<Msg> {
        self.rx.try_iter().collect()
    }

    /// How many tasks are still running.
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Runs `future` to its end on the IO runtime, blocking: only once the window closed (the
    /// store released before the process ends), never during a frame.
    pub fn at_exit<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

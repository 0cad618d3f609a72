//! Probes for `cargo xtask bench desktop`. With `CLOUDOPS_DESKTOP_PROBE` set the app prints
//! one line on stdout when it reaches the probed point, then closes its window:
//! - `first-frame`: the first frame was drawn (the second has begun);
//! - `explorer`: the explorer shows the whole estate, with this process's memory then.

/// What to probe for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    FirstFrame,
    Explorer,
}

impl Probe {
    pub const VARIABLE: &str = "CLOUDOPS_DESKTOP_PROBE";

    pub fn from_env() -> Option<Self> {
        match std::env::var(Self::VARIABLE).ok()?.as_str() {
            "first-frame" => Some(Self::FirstFrame),
            "explorer" => Some(Self::Explorer),
            _ => None,
        }
    }
}

/// `VmHWM` and `VmRSS` of this process in KiB (0 where /proc is missing).
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

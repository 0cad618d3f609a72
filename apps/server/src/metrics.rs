//! `/metrics` in the Prometheus text format: requests by route and status, plans by who
//! decided them, plan latency histograms. No labels carry request content.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Latency bucket upper bounds, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, seconds: f64) {
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                self.counts[i] += 1;
            }
        }
        self.sum += seconds;
        self.count += 1;
    }
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    plans: BTreeMap<String, Histogram>,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    pub fn request(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.inner.lock() {
            *m.requests.entry((route.to_owned(), status)).or_default() += 1;
        }
    }

    /// A plan finished; `decided_by` is `router`, `llm` or `clarification`.
    pub fn plan(&self, decided_by: &str, seconds: f64) {
        if let Ok(mut m) = self.inner.lock() {
            m.plans.entry(decided_by.to_owned()).or_default().observe(seconds);
        }
    }

    pub fn render(&self, playbook_uses: &[(String, u64)]) -> String {
        let Ok(m) = self.inner.lock() else { return String::new() };
        let mut out = String::new();
        out.push_str("# HELP cloudops_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE cloudops_http_requests_total counter\n");
        for ((route, status), n) in &m.requests {
            let _ = writeln!(out, "cloudops_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP cloudops_plan_seconds Time to answer POST /v1/plan, by who chose the playbook.\n");
        out.push_str("# TYPE cloudops_plan_seconds histogram\n");
        for (decided_by, h) in &m.plans {
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(out, "cloudops_plan_seconds_bucket{{decided_by=\"{decided_by}\",le=\"{bound}\"}} {n}");
            }
            let _ =
                writeln!(out, "cloudops_plan_seconds_bucket{{decided_by=\"{decided_by}\",le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "cloudops_plan_seconds_sum{{decided_by=\"{decided_by}\"}} {}", h.sum);
            let _ = writeln!(out, "cloudops_plan_seconds_count{{decided_by=\"{decided_by}\"}} {}", h.count);
        }
        out.push_str("# HELP cloudops_playbook_uses_total Plans made from each playbook.\n");
        out.push_str("# TYPE cloudops_playbook_uses_total counter\n");
        for (id, n) in playbook_uses {
            let _ = writeln!(out, "cloudops_playbook_uses_total{{playbook=\"{id}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.request("/v1/plan", 200);
        m.request("/v1/plan", 200);
        m.plan("router", 0.015);
        let text = m.render(&[("rds-stop-instance".into(), 3)]);
        assert!(text.contains("cloudops_http_requests_total{route=\"/v1/plan\",status=\"200\"} 2"), "{text}");
        assert!(text.contains("cloudops_plan_seconds_bucket{decided_by=\"router\",le=\"0.01\"} 0"), "{text}");
        assert!(text.contains("cloudops_plan_seconds_bucket{decided_by=\"router\",le=\"0.02\"} 1"), "{text}");
        assert!(text.contains("cloudops_playbook_uses_total{playbook=\"rds-stop-instance\"} 3"), "{text}");
    }
}

//! The faults the proxy injects, answered the way each AWS protocol really answers them, so the
//! SDK's own error parsing and retry classification see what they would see from AWS.

use std::time::Duration;

use super::http::Message;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// The service's throttling error (Throttling, RequestLimitExceeded, SlowDown, 429).
    Throttle,
    /// HTTP 500 with the service's internal error.
    ServerError,
    /// The connection is closed without an answer.
    Reset,
    /// The answer comes, but late (see [`FaultPlan::slow_by`]).
    Slow,
    /// The answer's body is cut in half (Content-Length promises all of it).
    Truncate,
}

impl Fault {
    pub const ALL: [Fault; 5] = [Fault::Throttle, Fault::ServerError, Fault::Reset, Fault::Slow, Fault::Truncate];

    pub fn label(self) -> &'static str {
        match self {
            Fault::Throttle => "throttle",
            Fault::ServerError => "server-error",
            Fault::Reset => "reset",
            Fault::Slow => "slow",
            Fault::Truncate => "truncate",
        }
    }
}

/// What to inject and where.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    /// Share of matching requests that get a fault, 0.0..=1.0.
    pub rate: f64,
    /// The faults to choose from (in turn).
    pub kinds: Vec<Fault>,
    /// Only requests to these signing names (`ec2`, `s3`, `elasticloadbalancing`…); empty: all.
    pub services: Vec<String>,
    /// How late a [`Fault::Slow`] answer is.
    pub slow_by: Duration,
    /// Makes the choice of requests reproducible.
    pub seed: u64,
    /// AWS's own kind of throttling: a request rate per (signer, region, service) beyond which
    /// requests get the service's throttling error, so backing off really helps.
    pub rate_limit: Option<RateLimit>,
    /// At most this many faults in a row for the same request (method, target, body, signer):
    /// the next attempt gets through, as with a transient fault. 0: no limit (each attempt rolls
    /// on its own, so one may fail every retry).
    pub in_a_row: u32,
}

impl FaultPlan {
    /// No faults at all (plain forwarding, or recording).
    pub fn none() -> Self {
        Self {
            rate: 0.0,
            kinds: Vec::new(),
            services: Vec::new(),
            slow_by: Duration::ZERO,
            seed: 0,
            rate_limit: None,
            in_a_row: 0,
        }
    }

    /// Every kind of fault at `rate` on every service, each attempt rolling on its own.
    pub fn mixed(rate: f64, seed: u64) -> Self {
        Self {
            rate,
            kinds: Fault::ALL.to_vec(),
            services: Vec::new(),
            slow_by: Duration::from_millis(300),
            seed,
            rate_limit: None,
            in_a_row: 0,
        }
    }

    /// Like [`FaultPlan::mixed`], but no request is faulted more than twice in a row: within the
    /// SDK's five attempts every request gets through, so a test can require that nothing fails.
    pub fn transient(rate: f64, seed: u64) -> Self {
        Self { in_a_row: 2, ..Self::mixed(rate, seed) }
    }

    /// Whether request number `n` to `service` gets a fault (the proxy then takes the next
    /// of [`FaultPlan::kinds`] in turn, so every kind shows up in a run with a few faults).
    pub fn hits(&self, n: u64, service: &str) -> bool {
        if self.kinds.is_empty() || !(self.services.is_empty() || self.services.iter().any(|s| s == service)) {
            return false;
        }
        let roll = splitmix(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        ((roll >> 11) as f64 / (1u64 << 53) as f64) < self.rate
    }

    /// The `i`-th fault's kind.
    pub fn kind(&self, i: u64) -> Option<Fault> {
        let len = u64::try_from(self.kinds.len()).ok().filter(|l| *l > 0)?;
        usize::try_from(i % len).ok().map(|i| self.kinds[i])
    }
}

/// A token bucket: `per_second` requests on average, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

/// The buckets of a [`RateLimit`], one per key.
#[derive(Debug, Default)]
pub struct Buckets(std::sync::Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>);

impl Buckets {
    /// Takes a token from `key`'s bucket; false when it is empty (the request is throttled).
    pub fn take(&self, key: String, limit: RateLimit) -> bool {
        let now = std::time::Instant::now();
        let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = map.entry(key).or_insert((limit.burst, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * limit.per_second).min(limit.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The signing name of a SigV4 request (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`).
pub fn service_of(request: &Message) -> String {
    credential_part(request, 3).unwrap_or_default()
}

/// The region a SigV4 request is signed for.
pub fn region_of(request: &Message) -> String {
    credential_part(request, 2).unwrap_or_default()
}

/// The access key id a SigV4 request is signed with.
pub fn access_key_of(request: &Message) -> String {
    credential_part(request, 0).unwrap_or_default()
}

fn credential_part(request: &Message, i: usize) -> Option<String> {
    let auth = request.header("authorization")?;
    let credential = auth.split("Credential=").nth(1)?.split(',').next()?;
    credential.split('/').nth(i).map(str::to_owned)
}

/// The answer AWS gives for `fault` (throttle or server error) in `service`'s protocol.
pub fn error_answer(fault: Fault, service: &str) -> Message {
    let throttle = fault == Fault::Throttle;
    let (status, content_type, error_type, body) = match service {
        "ec2" => {
            let code = if throttle { "RequestLimitExceeded" } else { "InternalError" };
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>{code}</Code><Message>injected by the test proxy</Message></Error></Errors><RequestID>fault</RequestID></Response>"
            );
            (if throttle { 503 } else { 500 }, "text/xml", None, body)
        }
        "s3" => {
            let code = if throttle { "SlowDown" } else { "InternalError" };
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>injected by the test proxy</Message><RequestId>fault</RequestId></Error>"
            );
            (if throttle { 503 } else { 500 }, "application/xml", None, body)
        }
        "lambda" => {
            let code = if throttle { "TooManyRequestsException" } else { "ServiceException" };
            let body =
                format!("{{\"Type\":\"Service\",\"message\":\"injected by the test proxy\",\"__type\":\"{code}\"}}");
            (if throttle { 429 } else { 500 }, "application/json", Some(code), body)
        }
        // The query protocol: STS, IAM, RDS, ELBv2.
        _ => {
            let (kind, code) = if throttle { ("Sender", "Throttling") } else { ("Receiver", "InternalFailure") };
            let body = format!(
                "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>injected by the test proxy</Message></Error><RequestId>fault</RequestId></ErrorResponse>"
            );
            (if throttle { 400 } else { 500 }, "text/xml", None, body)
        }
    };
    let reason = match status {
        400 => "Bad Request",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    };
    let mut headers = vec![("content-type".to_owned(), content_type.to_owned())];
    if let Some(t) = error_type {
        headers.push(("x-amzn-ErrorType".to_owned(), t.to_owned()));
    }
    Message { start: format!("HTTP/1.1 {status} {reason}"), headers, body: body.into_bytes() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_honoured_and_reproducible() {
        let plan = FaultPlan::mixed(0.1, 7);
        let hits = (0..10_000).filter(|n| plan.hits(*n, "ec2")).count();
        assert!((800..1200).contains(&hits), "{hits}");
        assert!((0..100).all(|n| plan.hits(n, "ec2") == FaultPlan::mixed(0.1, 7).hits(n, "ec2")));
        let only_s3 = FaultPlan { services: vec!["s3".into()], ..FaultPlan::mixed(1.0, 1) };
        assert!(!only_s3.hits(1, "ec2") && only_s3.hits(1, "s3"));
        let kinds: std::collections::BTreeSet<_> = (0..5).filter_map(|i| plan.kind(i)).collect();
        assert_eq!(kinds.len(), Fault::ALL.len(), "five faults are one of each kind");
    }

    #[test]
    fn a_rate_limit_lets_the_burst_through_then_throttles_per_key() {
        let buckets = Buckets::default();
        let limit = RateLimit { per_second: 0.001, burst: 3.0 };
        let passed = (0..10).filter(|_| buckets.take("a ec2".into(), limit)).count();
        assert_eq!(passed, 3);
        assert!(buckets.take("b ec2".into(), limit), "another key has its own bucket");
    }

    #[test]
    fn credentials_name_the_service() {
        let m = Message {
            headers: vec![(
                "Authorization".into(),
                "AWS4-HMAC-SHA256 Credential=AKID/20261206/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host".into(),
            )],
            ..Default::default()
        };
        assert_eq!((service_of(&m).as_str(), access_key_of(&m).as_str()), ("elasticloadbalancing", "AKID"));
    }
}

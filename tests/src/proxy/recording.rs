//! Recorded emulator answers, keyed by what identifies a request: method, path and query, the
//! JSON target, the body, and who signed it. Assumed-role sessions get fresh random keys every
//! run, so a session's key is replaced by the role it assumed (learnt from the AssumeRole
//! exchange itself, in recording and in replay alike).

use std::collections::HashMap;
use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Value, json};

use super::faults::{access_key_of, region_of, service_of};
use super::http::Message;

/// Who signed requests with a given access key: the assumed role's ARN, else the key.
#[derive(Debug, Default)]
pub struct Principals(Mutex<HashMap<String, String>>);

impl Principals {
    pub fn of(&self, request: &Message) -> String {
        let key = access_key_of(request);
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&key).cloned().unwrap_or(key)
    }

    /// After an `sts:AssumeRole` exchange: the new session key belongs to the role.
    pub fn learn(&self, request: &Message, response: &Message) {
        let body = String::from_utf8_lossy(&request.body);
        if !body.contains("Action=AssumeRole") {
            return;
        }
        let Some(role) = body.split('&').find_map(|p| p.strip_prefix("RoleArn=")).map(percent_decode) else { return };
        let answer = String::from_utf8_lossy(&response.body);
        let key = answer.split("<AccessKeyId>").nth(1).and_then(|rest| rest.split("</AccessKeyId>").next());
        if let Some(key) = key {
            self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(key.to_owned(), role);
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16));
        match (bytes[i], hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The replay key of a request. The query protocols (EC2, IAM, RDS, ELB) name neither region
/// nor service in the request line or body, so the signing scope does; the host (without the
/// proxy's port, which differs between runs) holds an S3 bucket addressed virtual-host style.
pub fn key(principals: &Principals, request: &Message) -> String {
    let mut parts = request.start.split_whitespace();
    let (method, target) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    let host = request.header("host").unwrap_or_default();
    let host = host.rsplit_once(':').map_or(host, |(name, _port)| name);
    format!(
        "{method} {target}\n{}\n{} {}/{} {host}\n{}",
        request.header("x-amz-target").unwrap_or_default(),
        principals.of(request),
        region_of(request),
        service_of(request),
        String::from_utf8_lossy(&request.body)
    )
}

/// Appends exchanges to a JSON-lines file as they happen.
#[derive(Debug)]
pub struct Recorder(Mutex<std::fs::File>);

impl Recorder {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        Ok(Self(Mutex::new(std::fs::File::create(path)?)))
    }

    pub fn record(&self, key: &str, response: &Message) {
        let line = json!({
            "key": key,
            "start": response.start,
            "headers": response.headers,
            "body": String::from_utf8_lossy(&response.body),
        });
        let mut file = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(file, "{line}");
    }
}

/// The operation a replay key names, for whoever signed it: the JSON target, else the query
/// protocol's `Action=`, else method and path (REST services).
fn operation(key: &str) -> String {
    let mut lines = key.splitn(4, '\n');
    let (start, target, principal, body) = (
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
        lines.next().unwrap_or_default(),
    );
    let op = if !target.is_empty() {
        target.to_owned()
    } else if let Some(action) = body.split('&').find_map(|p| p.strip_prefix("Action=")) {
        action.to_owned()
    } else {
        start.split('?').next().unwrap_or_default().to_owned()
    };
    format!("{principal} {op}")
}

fn is_error(answer: &Message) -> bool {
    answer.start.split_whitespace().nth(1).and_then(|s| s.parse::<u16>().ok()).is_some_and(|s| s >= 400)
}

/// Recorded answers, served in the order they were recorded per key (the last one repeats).
///
/// Concurrent scopes race, so which request of an operation comes first differs between runs;
/// where that decides what is sent (the first `SimulatePrincipalPolicy` of an account that has
/// none marks the account "evaluate locally"), a replay can send a request the recording never
/// saw. Such a request gets the recorded answer of its operation if every recorded answer of
/// that operation, for that principal, was the same error: the endpoint always refused it.
#[derive(Debug, Default)]
pub struct Tape {
    answers: HashMap<String, Vec<Message>>,
    refused: HashMap<String, Message>,
    served: Mutex<HashMap<String, usize>>,
}

impl Tape {
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let file = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut answers: HashMap<String, Vec<Message>> = HashMap::new();
        for line in file.lines() {
            let v: Value = serde_json::from_str(&line?)?;
            let headers = v["headers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| Some((h[0].as_str()?.to_owned(), h[1].as_str()?.to_owned())))
                .collect();
            let message = Message {
                start: v["start"].as_str().unwrap_or_default().to_owned(),
                headers,
                body: v["body"].as_str().unwrap_or_default().as_bytes().to_vec(),
            };
            answers.entry(v["key"].as_str().unwrap_or_default().to_owned()).or_default().push(message);
        }
        let mut by_operation: HashMap<String, Vec<&Message>> = HashMap::new();
        for (key, list) in &answers {
            by_operation.entry(operation(key)).or_default().extend(list);
        }
        let refused = by_operation
            .into_iter()
            .filter(|(_, list)| list.iter().all(|m| is_error(m) && m.start == list[0].start && m.body == list[0].body))
            .map(|(op, list)| (op, list[0].clone()))
            .collect();
        Ok(Self { answers, refused, served: Mutex::default() })
    }

    pub fn answer(&self, key: &str) -> Option<Message> {
        let Some(list) = self.answers.get(key) else {
            return self.refused.get(&operation(key)).cloned();
        };
        let mut served = self.served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = served.entry(key.to_owned()).or_default();
        let answer = list.get(*n).or_else(|| list.last()).cloned();
        *n += 1;
        answer
    }

    /// Recorded answers in all.
    pub fn answers(&self) -> usize {
        self.answers.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_assumed_roles_session_key_is_keyed_by_the_role() {
        let principals = Principals::default();
        let signed = |key: &str, body: &str| Message {
            start: "POST / HTTP/1.1".into(),
            headers: vec![(
                "Authorization".into(),
                format!("AWS4-HMAC-SHA256 Credential={key}/20261206/us-east-1/sts/aws4_request"),
            )],
            body: body.as_bytes().to_vec(),
        };
        let assume = signed("test", "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fops");
        let answer = Message { body: b"<AccessKeyId>ASIARANDOM1</AccessKeyId>".to_vec(), ..Default::default() };
        principals.learn(&assume, &answer);
        let call = signed("ASIARANDOM1", "Action=DescribeInstances");
        assert!(key(&principals, &call).contains("arn:aws:iam::111122223333:role/ops"), "{}", key(&principals, &call));
    }
}

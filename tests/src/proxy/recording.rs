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
    /// A copy's account id → (the recorded account it copies, the copy's number).
    copies: HashMap<String, (String, usize)>,
}

/// The account id copy `k` (1..=99) of recorded account `account` answers for: `9`, then `k`
/// in two digits, then the account's last nine digits. Recorded ids come from
/// [`crate::Emulator::fresh_account`], which never starts one with `9`.
pub fn copy_account(account: &str, k: usize) -> String {
    format!("9{k:02}{}", &account[3..])
}

/// Every maximal run of exactly 12 ASCII digits in `text`, with its start.
fn account_ids(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i - start == 12 {
            out.push((start, &text[start..i]));
        }
        i = i.max(start + 1);
    }
    out
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
        Ok(Self { answers, refused, served: Mutex::default(), copies: HashMap::new() })
    }

    /// Replays the recording as `copies` more estates beside the recorded one: copy `k`'s
    /// accounts are [`copy_account`]`(recorded, k)`, each answering as its recorded account
    /// does with every recorded account id (in ARNs, owner ids, bucket names) and every
    /// assumed-role session key made the copy's own. For sync at scale without an emulator.
    pub fn with_copies(mut self, copies: usize) -> Self {
        let mut recorded: Vec<String> = Vec::new();
        for key in self.answers.keys() {
            let principal = key.split('\n').nth(2).unwrap_or_default();
            if let Some(rest) = principal.strip_prefix("arn:aws:iam::")
                && let Some(account) = rest.get(..12).filter(|a| a.bytes().all(|b| b.is_ascii_digit()))
                && !recorded.iter().any(|r| r == account)
            {
                recorded.push(account.to_owned());
            }
        }
        self.copies = (1..=copies.min(99))
            .flat_map(|k| recorded.iter().map(move |a| (copy_account(a, k), (a.clone(), k))))
            .collect();
        self
    }

    /// `key` as its recorded account would have sent it, and which copy sent it (0: none).
    fn recorded_key(&self, key: &str) -> (String, usize) {
        let mut out = key.to_owned();
        let mut copy = 0;
        for (at, id) in account_ids(key).into_iter().rev() {
            if let Some((recorded, k)) = self.copies.get(id) {
                out.replace_range(at..at + 12, recorded);
                copy = *k;
            }
        }
        (out, copy)
    }

    /// A recorded answer as copy `k` gives it.
    fn as_copy(&self, mut answer: Message, k: usize) -> Message {
        if k == 0 {
            return answer;
        }
        let mut body = String::from_utf8_lossy(&answer.body).into_owned();
        for (copy, (recorded, n)) in &self.copies {
            if *n == k {
                body = body.replace(recorded.as_str(), copy);
            }
        }
        // An assumed role's session key: each copy's own, so signers stay apart.
        if let Some((head, rest)) = body.split_once("<AccessKeyId>")
            && let Some((key, tail)) = rest.split_once("</AccessKeyId>")
        {
            body = format!("{head}<AccessKeyId>{key}C{k:02}</AccessKeyId>{tail}");
        }
        answer.body = body.into_bytes();
        answer
    }

    pub fn answer(&self, key: &str) -> Option<Message> {
        let (recorded, copy) = self.recorded_key(key);
        let Some(list) = self.answers.get(&recorded) else {
            return self.refused.get(&operation(&recorded)).cloned().map(|a| self.as_copy(a, copy));
        };
        let mut served = self.served.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = served.entry(key.to_owned()).or_default();
        let answer = list.get(*n).or_else(|| list.last()).cloned();
        *n += 1;
        drop(served);
        answer.map(|a| self.as_copy(a, copy))
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
    fn a_copy_answers_as_its_recorded_account_with_its_own_ids() {
        let recorded = "123456789012";
        let key = |account: &str| {
            format!("POST /\n\narn:aws:iam::{account}:role/ops us-east-1/ec2 127.0.0.1\nAction=DescribeInstances")
        };
        let body = format!("<ownerId>{recorded}</ownerId><AccessKeyId>ASIAKEY</AccessKeyId>");
        let mut tape = Tape::default();
        tape.answers.insert(key(recorded), vec![Message { body: body.into_bytes(), ..Default::default() }]);
        let tape = tape.with_copies(2);
        let copy = copy_account(recorded, 2);
        assert_eq!(copy, "902456789012");
        let answer = String::from_utf8(tape.answer(&key(&copy)).expect("answered").body).unwrap();
        assert_eq!(answer, "<ownerId>902456789012</ownerId><AccessKeyId>ASIAKEYC02</AccessKeyId>");
        let own = String::from_utf8(tape.answer(&key(recorded)).expect("answered").body).unwrap();
        assert!(own.contains(recorded) && own.contains("<AccessKeyId>ASIAKEY</AccessKeyId>"), "{own}");
        assert!(tape.answer(&key(&copy_account(recorded, 3))).is_none(), "only two copies");
    }

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

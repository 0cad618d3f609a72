//! Condition blocks, decided against what is known offline about a request.
//!
//! Every answer is three-valued: a condition on a key the context cannot know (source IP,
//! MFA, dates…) or with an operator not evaluated offline is `Unknown`, never guessed.

use std::collections::BTreeMap;

use serde_json::Value;

/// True / false / cannot be decided offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    pub(crate) fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }
}

/// What is known about the request being evaluated: condition key values (keys compare
/// case-insensitively, as in IAM) and which keys are decidable even when absent (a resource
/// without an `env` tag is known not to have `aws:ResourceTag/env`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestContext {
    values: BTreeMap<String, Vec<String>>,
    decidable_prefixes: Vec<String>,
}

impl RequestContext {
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets a key to one value (`aws:RequestedRegion` = `us-east-1`).
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.values.insert(key.to_ascii_lowercase(), vec![value.to_owned()]);
        self
    }
    /// Sets a multi-valued key (`aws:TagKeys`).
    pub fn with_values(mut self, key: &str, values: &[&str]) -> Self {
        self.values.insert(key.to_ascii_lowercase(), values.iter().map(|v| (*v).to_owned()).collect());
        self
    }
    /// Declares every key starting with `prefix` decidable: absent means not present.
    pub fn decidable(mut self, prefix: &str) -> Self {
        self.decidable_prefixes.push(prefix.to_ascii_lowercase());
        self
    }
    /// The values of `key`: `Ok(Some)` present, `Ok(None)` known absent, `Err(())` unknowable.
    fn lookup(&self, key: &str) -> Result<Option<&Vec<String>>, ()> {
        let key = key.to_ascii_lowercase();
        match self.values.get(&key) {
            Some(v) => Ok(Some(v)),
            None if self.decidable_prefixes.iter().any(|p| key.starts_with(p.as_str())) => Ok(None),
            None => Err(()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Single,
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    operator: String,
    if_exists: bool,
    set_op: SetOp,
    key: String,
    values: Vec<String>,
}

fn scalar(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err("condition values must be strings, numbers or booleans".into()),
    }
}

impl Condition {
    /// Parses `{"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}, …}`.
    pub(crate) fn parse_block(block: &Value) -> Result<Vec<Condition>, String> {
        let ops = block.as_object().ok_or("Condition must be an object")?;
        let mut out = Vec::new();
        for (op, keys) in ops {
            let keys = keys.as_object().ok_or_else(|| format!("Condition {op} must map keys to values"))?;
            let (set_op, rest) = match op.split_once(':') {
                Some(("ForAllValues", rest)) => (SetOp::ForAllValues, rest),
                Some(("ForAnyValue", rest)) => (SetOp::ForAnyValue, rest),
                Some(_) => return Err(format!("unknown condition qualifier in {op}")),
                None => (SetOp::Single, op.as_str()),
            };
            let (operator, if_exists) = match rest.strip_suffix("IfExists") {
                Some(base) => (base.to_owned(), true),
                None => (rest.to_owned(), false),
            };
            for (key, values) in keys {
                let values = match values {
                    Value::Array(items) => items.iter().map(scalar).collect::<Result<_, _>>()?,
                    one => vec![scalar(one)?],
                };
                out.push(Condition { operator: operator.clone(), if_exists, set_op, key: key.clone(), values });
            }
        }
        Ok(out)
    }

    pub(crate) fn evaluate(&self, ctx: &RequestContext) -> Truth {
        let Ok(present) = ctx.lookup(&self.key) else {
            return Truth::Unknown;
        };
        if self.operator == "Null" {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return truth(want_absent == present.is_none());
        }
        let Some(request_values) = present else {
            // Absent key: IfExists and ForAllValues hold vacuously; everything else fails.
            return truth(self.if_exists || self.set_op == SetOp::ForAllValues);
        };
        let Some((positive, negated)) = operator_fn(&self.operator) else {
            return Truth::Unknown;
        };
        let matches_any_policy_value = |request: &str| -> Truth {
            let mut result = Truth::False;
            for policy in &self.values {
                match positive.apply(policy, request) {
                    Truth::True => return Truth::True,
                    Truth::Unknown => result = Truth::Unknown,
                    Truth::False => {}
                }
            }
            result
        };
        let per_value: Vec<Truth> = request_values
            .iter()
            .map(|v| {
                let t = matches_any_policy_value(v);
                if negated { not(t) } else { t }
            })
            .collect();
        match self.set_op {
            SetOp::ForAllValues => per_value.into_iter().fold(Truth::True, Truth::and),
            // Single-valued keys have one value; ForAnyValue needs one that satisfies.
            SetOp::Single | SetOp::ForAnyValue => per_value.into_iter().fold(Truth::False, or),
        }
    }
}

fn truth(b: bool) -> Truth {
    if b { Truth::True } else { Truth::False }
}

fn not(t: Truth) -> Truth {
    match t {
        Truth::True => Truth::False,
        Truth::False => Truth::True,
        Truth::Unknown => Truth::Unknown,
    }
}

fn or(a: Truth, b: Truth) -> Truth {
    match (a, b) {
        (Truth::True, _) | (_, Truth::True) => Truth::True,
        (Truth::False, Truth::False) => Truth::False,
        _ => Truth::Unknown,
    }
}

/// How a policy value is compared with a request value.
#[derive(Debug, Clone, Copy)]
enum Compare {
    Equals,
    EqualsIgnoreCase,
    Like,
    Numeric(fn(f64, f64) -> bool),
}

impl Compare {
    fn apply(self, policy: &str, request: &str) -> Truth {
        match self {
            Compare::Equals => truth(policy == request),
            Compare::EqualsIgnoreCase => truth(policy.eq_ignore_ascii_case(request)),
            Compare::Like => truth(super::wildcard_match(policy, request)),
            Compare::Numeric(cmp) => match (policy.parse::<f64>(), request.parse::<f64>()) {
                (Ok(p), Ok(r)) => truth(cmp(p, r)),
                _ => Truth::Unknown,
            },
        }
    }
}

/// The positive comparison and whether the operator negates it; `None` for operators not
/// decided offline (dates, IP addresses, binary values).
fn operator_fn(operator: &str) -> Option<(Compare, bool)> {
    Some(match operator {
        "StringEquals" => (Compare::Equals, false),
        "StringNotEquals" => (Compare::Equals, true),
        "StringEqualsIgnoreCase" | "Bool" => (Compare::EqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Compare::EqualsIgnoreCase, true),
        "StringLike" | "ArnLike" | "ArnEquals" => (Compare::Like, false),
        "StringNotLike" | "ArnNotLike" | "ArnNotEquals" => (Compare::Like, true),
        "NumericEquals" => (Compare::Numeric(|p, r| r == p), false),
        "NumericNotEquals" => (Compare::Numeric(|p, r| r == p), true),
        "NumericLessThan" => (Compare::Numeric(|p, r| r < p), false),
        "NumericLessThanEquals" => (Compare::Numeric(|p, r| r <= p), false),
        "NumericGreaterThan" => (Compare::Numeric(|p, r| r > p), false),
        "NumericGreaterThanEquals" => (Compare::Numeric(|p, r| r >= p), false),
        _ => return None,
    })
}

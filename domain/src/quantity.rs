//! Quantities with units in a prompt ("a 5 minute timeout", "1.5 GB of memory", "after 3
//! months"), converted into a parameter's unit, and relative changes ("double the memory").
//!
//! A playbook parameter says its [`Unit`]; [`in_unit`] finds the prompt's quantities of that
//! dimension and converts them. Nothing is rounded or clamped: a value that is not a whole
//! number of the unit is reported as such, and the range check stays the parameter's.

use serde::{Deserialize, Serialize};

/// The unit a parameter's value is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Seconds,
    Days,
    /// Lambda's "MB" (MiB): 1 GB of memory is 1024.
    Mebibytes,
    Gibibytes,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Self::Seconds => "seconds",
            Self::Days => "days",
            Self::Mebibytes => "MB",
            Self::Gibibytes => "GiB",
        }
    }

    fn dimension(self) -> Dimension {
        match self {
            Self::Seconds | Self::Days => Dimension::Time,
            Self::Mebibytes | Self::Gibibytes => Dimension::Size,
        }
    }

    /// How many base units (seconds, MiB) one of this unit is.
    fn scale(self) -> f64 {
        match self {
            Self::Seconds => 1.0,
            Self::Days => 86_400.0,
            Self::Mebibytes => 1.0,
            Self::Gibibytes => 1024.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dimension {
    Time,
    Size,
}

/// A quantity the prompt states: its words and its value in base units (seconds or MiB).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// The words as typed ("5 minute").
    pub text: String,
    dimension: Dimension,
    base: f64,
    /// Byte range in the prompt.
    pub span: (usize, usize),
}

/// Unit words → (dimension, base units per one).
fn unit_word(word: &str) -> Option<(Dimension, f64)> {
    use Dimension::*;
    Some(match word {
        "s" | "sec" | "secs" | "second" | "seconds" => (Time, 1.0),
        "m" | "min" | "mins" | "minute" | "minutes" => (Time, 60.0),
        "h" | "hr" | "hrs" | "hour" | "hours" => (Time, 3_600.0),
        "d" | "day" | "days" => (Time, 86_400.0),
        "w" | "wk" | "wks" | "week" | "weeks" => (Time, 7.0 * 86_400.0),
        "month" | "months" => (Time, 30.0 * 86_400.0),
        "y" | "yr" | "yrs" | "year" | "years" => (Time, 365.0 * 86_400.0),
        "kb" | "kib" => (Size, 1.0 / 1024.0),
        "mb" | "mib" | "meg" | "megs" | "megabyte" | "megabytes" => (Size, 1.0),
        "g" | "gb" | "gib" | "gig" | "gigs" | "gigabyte" | "gigabytes" => (Size, 1024.0),
        "tb" | "tib" | "terabyte" | "terabytes" => (Size, 1024.0 * 1024.0),
        _ => return None,
    })
}

fn number_word(word: &str) -> Option<f64> {
    Some(match word {
        "a" | "an" | "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "sixty" => 60.0,
        "ninety" => 90.0,
        _ => return None,
    })
}

fn number(word: &str) -> Option<f64> {
    let digits = word.replace(',', "");
    if digits.is_empty() || !digits.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// "5min", "512mb", "1.5gb", "5-minute": a number with its unit glued on.
fn glued(word: &str) -> Option<(f64, Dimension, f64)> {
    let split = word.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))?;
    let (n, unit) = word.split_at(split);
    let (dimension, scale) = unit_word(unit.trim_start_matches('-'))?;
    Some((number(n)?, dimension, scale))
}

/// The prompt's words with their byte ranges, lower case, trimmed of punctuation.
fn words(prompt: &str) -> Vec<(usize, usize, String)> {
    crate::verbs::words(prompt).into_iter().map(|(s, e)| (s, e, prompt[s..e].to_lowercase())).collect()
}

/// Every quantity with a unit the prompt states, in order. A bare number is not one (its
/// unit is the parameter's, read by the playbook's pattern).
pub fn quantities(prompt: &str) -> Vec<Quantity> {
    let words = words(prompt);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (start, end, w) = &words[i];
        if let Some((n, dimension, scale)) = glued(w) {
            out.push(Quantity {
                text: prompt[*start..*end].to_owned(),
                dimension,
                base: n * scale,
                span: (*start, *end),
            });
            i += 1;
            continue;
        }
        // "half an hour", "half a minute".
        let half = w == "half" && words.get(i + 1).is_some_and(|n| n.2 == "a" || n.2 == "an");
        let first = if half { i + 1 } else { i };
        let value = words.get(first).and_then(|(_, _, w)| number(w).or_else(|| number_word(w)));
        let unit = words.get(first + 1).and_then(|(_, _, u)| unit_word(u.trim_start_matches('-')));
        // "a"/"an"/"m"/"s"/"d"/"g" alone are too common: a one-letter unit needs digits,
        // "a"/"an" a spelled-out unit.
        let too_loose = |first: usize| {
            let (said, unit) = (&words[first].2, &words[first + 1].2);
            (unit.len() == 1 && number(said).is_none()) || (matches!(said.as_str(), "a" | "an") && unit.len() < 3)
        };
        match (value, unit) {
            (Some(n), Some((dimension, scale))) if !too_loose(first) => {
                let n = if half { n / 2.0 } else { n };
                let end = words[first + 1].1;
                out.push(Quantity {
                    text: prompt[*start..end].to_owned(),
                    dimension,
                    base: n * scale,
                    span: (*start, end),
                });
                i = first + 2;
            }
            _ => i += 1,
        }
    }
    out
}

/// Why the prompt's quantities give no value in the unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityProblem {
    /// "90 seconds" for a parameter in days: not a whole number of them.
    NotWhole { text: String, unit: Unit },
    /// Two different values of the dimension ("5 minutes … 10 minutes").
    Several(Vec<String>),
}

impl std::fmt::Display for QuantityProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotWhole { text, unit } => write!(f, "{text} is not a whole number of {}", unit.label()),
            Self::Several(texts) => write!(f, "the request gives several values ({}); say which one", texts.join(", ")),
        }
    }
}

/// The prompt's quantity of `unit`'s dimension, in `unit`, with the words it was said in:
/// `Ok(None)` when the prompt states none.
pub fn in_unit(prompt: &str, unit: Unit) -> Result<Option<(i64, String)>, QuantityProblem> {
    let found: Vec<Quantity> = quantities(prompt).into_iter().filter(|q| q.dimension == unit.dimension()).collect();
    let Some(first) = found.first() else { return Ok(None) };
    if found.iter().any(|q| (q.base - first.base).abs() > f64::EPSILON) {
        return Err(QuantityProblem::Several(found.iter().map(|q| q.text.clone()).collect()));
    }
    let value = first.base / unit.scale();
    if (value - value.round()).abs() > 1e-9 || value.abs() > i64::MAX as f64 {
        return Err(QuantityProblem::NotWhole { text: first.text.clone(), unit });
    }
    Ok(Some((value.round() as i64, first.text.clone())))
}

/// A change relative to the current value the prompt asks for: "double" → ×2, "halve" → ×½.
pub fn relative_factor(prompt: &str) -> Option<f64> {
    let words = words(prompt);
    let half_of_unit = |i: usize| words.get(i + 1).is_some_and(|n| n.2 == "a" || n.2 == "an");
    words.iter().enumerate().find_map(|(i, (_, _, w))| match w.as_str() {
        "double" | "twice" | "2x" | "x2" => Some(2.0),
        "triple" | "3x" | "x3" => Some(3.0),
        "quadruple" | "4x" | "x4" => Some(4.0),
        "halve" => Some(0.5),
        "half" if !half_of_unit(i) => Some(0.5),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_convert_into_the_parameters_unit() {
        let table: &[(&str, Unit, Option<i64>)] = &[
            ("give invoice-fn a 5 minute timeout", Unit::Seconds, Some(300)),
            ("set the timeout to 5 minutes", Unit::Seconds, Some(300)),
            ("timeout of 90s please", Unit::Seconds, Some(90)),
            ("a 2-minute timeout", Unit::Seconds, Some(120)),
            ("raise it to 1.5 min", Unit::Seconds, Some(90)),
            ("half an hour", Unit::Seconds, Some(1800)),
            ("an hour", Unit::Seconds, Some(3600)),
            ("expire after 3 months", Unit::Days, Some(90)),
            ("keep noncurrent versions for two weeks", Unit::Days, Some(14)),
            ("give it 1 GB of memory", Unit::Mebibytes, Some(1024)),
            ("memory to 1.5GB", Unit::Mebibytes, Some(1536)),
            ("512 MB", Unit::Mebibytes, Some(512)),
            ("set memory to 2048", Unit::Mebibytes, None),
            ("stop kafka-broker-2", Unit::Seconds, None),
            ("a bucket in us-east-1", Unit::Days, None),
            ("5 m of it", Unit::Seconds, Some(300)),
        ];
        for (prompt, unit, expected) in table {
            assert_eq!(in_unit(prompt, *unit).unwrap().map(|v| v.0), *expected, "{prompt}");
        }
    }

    #[test]
    fn what_does_not_convert_is_said_never_rounded() {
        assert_eq!(
            in_unit("expire after 36 hours", Unit::Days),
            Err(QuantityProblem::NotWhole { text: "36 hours".into(), unit: Unit::Days })
        );
        assert!(matches!(in_unit("5 minutes, no, 10 minutes", Unit::Seconds), Err(QuantityProblem::Several(_))));
        assert_eq!(in_unit("5 minutes (300 seconds)", Unit::Seconds).unwrap().map(|v| v.0), Some(300));
    }

    #[test]
    fn relative_changes() {
        assert_eq!(relative_factor("double the memory of image-resizer"), Some(2.0));
        assert_eq!(relative_factor("halve its timeout"), Some(0.5));
        assert_eq!(relative_factor("cut the timeout in half"), Some(0.5));
        assert_eq!(relative_factor("half an hour"), None);
        assert_eq!(relative_factor("set memory to 512"), None);
    }
}

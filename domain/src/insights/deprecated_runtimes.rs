//! Lambda functions on runtimes AWS has deprecated (or will within 180 days).

use chrono::{DateTime, NaiveDate, Utc};

use super::{Hit, Rule, RuleId, Severity};
use crate::resource::{Resource, ResourceKind};

/// How far ahead a coming deprecation is reported.
const WARN_DAYS: i64 = 180;

/// Runtime deprecation dates from the AWS Lambda runtimes page ("Deprecated runtimes" and
/// "Supported runtimes" tables). Data, not logic: add a row as AWS announces one.
const DEPRECATIONS: &[(&str, (i32, u32, u32))] = &[
    ("nodejs", (2016, 10, 31)),
    ("nodejs4.3", (2020, 3, 5)),
    ("nodejs6.10", (2019, 8, 12)),
    ("nodejs8.10", (2020, 3, 6)),
    ("nodejs10.x", (2021, 7, 30)),
    ("nodejs12.x", (2023, 3, 31)),
    ("nodejs14.x", (2023, 12, 4)),
    ("nodejs16.x", (2024, 6, 12)),
    ("nodejs18.x", (2025, 9, 1)),
    ("nodejs20.x", (2026, 4, 30)),
    ("python2.7", (2021, 7, 15)),
    ("python3.6", (2022, 7, 18)),
    ("python3.7", (2023, 12, 4)),
    ("python3.8", (2024, 10, 14)),
    ("python3.9", (2025, 12, 15)),
    ("java8", (2024, 1, 8)),
    ("go1.x", (2024, 1, 8)),
    ("provided", (2024, 1, 8)),
    ("dotnetcore1.0", (2019, 7, 30)),
    ("dotnetcore2.0", (2019, 5, 30)),
    ("dotnetcore2.1", (2022, 1, 5)),
    ("dotnetcore3.1", (2023, 4, 3)),
    ("dotnet5.0", (2022, 5, 10)),
    ("dotnet7", (2024, 5, 14)),
    ("dotnet6", (2024, 12, 20)),
    ("ruby2.5", (2022, 3, 31)),
    ("ruby2.7", (2023, 12, 7)),
    ("ruby3.2", (2026, 3, 31)),
];

pub(super) const RULE: Rule = Rule {
    id: RuleId::DeprecatedRuntimes,
    title: "Lambda functions on deprecated runtimes",
    kinds: &[ResourceKind::LambdaFunction],
    asks: &[
        &["runtime", "runtimes", "python", "node", "nodejs", "java", "ruby", "dotnet", ".net", "go"],
        &[
            "deprecated",
            "deprecation",
            "outdated",
            "eol",
            "end-of-life",
            "end of life",
            "unsupported",
            "old",
            "older",
            "sunset",
            "retired",
            "obsolete",
            "out of support",
            "expiring",
        ],
    ],
    check,
    fix: None,
};

/// The day AWS deprecates (or deprecated) `runtime`, if it is in the table.
pub(crate) fn deprecation(runtime: &str) -> Option<NaiveDate> {
    let (_, (y, m, d)) = DEPRECATIONS.iter().find(|(name, _)| name.eq_ignore_ascii_case(runtime))?;
    NaiveDate::from_ymd_opt(*y, *m, *d)
}

fn check(r: &Resource, now: DateTime<Utc>) -> Option<Hit> {
    let runtime = r.config.engine.as_deref()?;
    let day = deprecation(runtime)?;
    let days = (day - now.date_naive()).num_days();
    if days <= 0 {
        Hit::new(Severity::Medium, format!("{runtime} deprecated since {day}: no security patches"))
    } else if days <= WARN_DAYS {
        Hit::new(Severity::Low, format!("{runtime} deprecated on {day} (in {days} days)"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::resource;
    use chrono::TimeZone;

    #[test]
    fn deprecated_and_soon_deprecated_runtimes_are_findings() {
        let now = Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap();
        let table = [
            (Some("python3.8"), Some(Severity::Medium)),
            (Some("nodejs16.x"), Some(Severity::Medium)),
            (Some("Python3.9"), Some(Severity::Medium)),
            (Some("ruby3.2"), Some(Severity::Low)),    // 80 days ahead
            (Some("nodejs20.x"), Some(Severity::Low)), // 110 days ahead
            // near misses: current runtimes, a container image (no runtime)
            (Some("python3.12"), None),
            (Some("nodejs22.x"), None),
            (None, None),
        ];
        for (runtime, want) in table {
            let mut r = resource(ResourceKind::LambdaFunction, "fn", "active");
            r.config.engine = runtime.map(str::to_owned);
            assert_eq!(check(&r, now).map(|h| h.severity), want, "{runtime:?}");
        }
    }

    #[test]
    fn every_table_row_is_a_real_date() {
        for (name, _) in DEPRECATIONS {
            assert!(deprecation(name).is_some(), "{name}");
        }
    }
}

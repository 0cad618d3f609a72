//! Running a job on a schedule (a sync every 15 minutes): the first run at once, then one
//! every `interval` measured from the start of the previous run (a run longer than the
//! interval is followed at once by the next, never overlapped), until `stop` resolves.

use std::future::Future;
use std::time::Duration;

/// Parses an interval as the CLI and config write it: `90s`, `15m`, `2h`, `1d`.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("interval '{text}': write a number and a unit, e.g. 15m"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3_600,
        "d" => n * 86_400,
        _ => return Err(format!("interval '{text}': the unit must be s, m, h or d (e.g. 30s, 15m, 2h)")),
    };
    if seconds == 0 {
        return Err("the interval must be longer than 0".into());
    }
    Ok(Duration::from_secs(seconds))
}

/// Runs `job` now and then every `interval` until `stop` resolves (a run in progress finishes
/// first). Answers how many runs were made.
pub async fn every<J, F>(interval: Duration, mut job: J, stop: impl Future<Output = ()>) -> usize
where
    J: FnMut(usize) -> F,
    F: Future<Output = ()>,
{
    tokio::pin!(stop);
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut runs = 0;
    loop {
        tokio::select! {
            biased;
            () = &mut stop => return runs,
            _ = ticks.tick() => {}
        }
        job(runs).await;
        runs += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_parse_with_units_and_refuse_the_rest() {
        assert_eq!(parse_interval("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_interval("2h"), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse_interval("1d"), Ok(Duration::from_secs(86_400)));
        for bad in ["15", "m", "15 minutes", "0s", "-5m", ""] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn runs_at_once_then_every_interval_until_stopped() {
        let started = std::time::Instant::now();
        let mut at = Vec::new();
        let stop = tokio::time::sleep(Duration::from_millis(180));
        let runs = every(
            Duration::from_millis(50),
            |_| {
                at.push(started.elapsed());
                async {}
            },
            stop,
        )
        .await;
        assert!(runs >= 2 && runs == at.len(), "{at:?}");
        assert!(at[0] < Duration::from_millis(40), "the first run is at once: {at:?}");
        assert!(
            at.windows(2).all(|w| w[1] - w[0] >= Duration::from_millis(45)),
            "never sooner than the interval: {at:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "the stop ended it");
    }
}

//! Impact analysis: a draft condition replayed against the compartment's recent events, next to
//! the condition it replaces, so a change to an alerting rule shows what it would have done to
//! the alerts of the last days before it is made.
//!
//! [`history`] reads the events (the sandbox's log, or OCI's Audit and the team's inboxes) and
//! keeps them a short while; [`replay`] matches both conditions against every event with the
//! matcher the Test panel and the sandbox use (`app::condition`), so "would have matched" here
//! means what the sandbox would have delivered. Replaying is a pure function of the history:
//! 100,000 events take a fraction of a second (BENCHMARKS.md), so a draft is replayed anew at
//! every keystroke pause while the history is read once.

pub mod audit;
pub mod history;

use app::api::impact::{Check, DayCount, EXAMPLES, Example, ImpactReport, TypeCount};
use app::condition::Condition;
use history::{History, Replayed};
use serde_json::Value;
use std::collections::BTreeMap;

/// What each condition matched, without the examples (a plan's per-rule line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Matched by the condition as it is.
    pub before: u64,
    /// Matched by the draft.
    pub after: u64,
    /// By the draft only.
    pub gained: u64,
    /// By the condition as it is only.
    pub lost: u64,
}

fn matched(condition: Option<&Condition>, event: &Value) -> bool {
    condition.is_some_and(|c| c.matches(event))
}

/// The counts of replaying `before` and `after` over the history.
pub fn count(history: &History, before: Option<&Condition>, after: Option<&Condition>) -> Counts {
    let mut counts = Counts::default();
    for replayed in &history.events {
        let (b, a) = (matched(before, &replayed.event), matched(after, &replayed.event));
        counts.before += u64::from(b);
        counts.after += u64::from(a);
        counts.gained += u64::from(a && !b);
        counts.lost += u64::from(b && !a);
    }
    counts
}

/// Replays `before` and `after` over the history: counts, by type, by day, and examples.
pub fn replay(
    compartment_id: &str,
    history: &History,
    before: Option<&Condition>,
    after: Option<&Condition>,
    cached: bool,
) -> ImpactReport {
    let first_day = history.since.date_naive();
    let last_day = history.until.date_naive();
    let day_count = usize::try_from((last_day - first_day).num_days()).unwrap_or(0) + 1;
    let mut daily: Vec<DayCount> =
        first_day.iter_days().take(day_count).map(|day| DayCount { day, before: 0, after: 0 }).collect();
    let mut by_type = BTreeMap::<&str, (u64, u64)>::new();
    let mut counts = Counts::default();
    let (mut gained, mut lost) = (Vec::new(), Vec::new());
    for replayed in &history.events {
        let (b, a) = (matched(before, &replayed.event), matched(after, &replayed.event));
        if !b && !a {
            continue;
        }
        counts.before += u64::from(b);
        counts.after += u64::from(a);
        let event_type = replayed.event.get("eventType").and_then(Value::as_str).unwrap_or("(no type)");
        let entry = by_type.entry(event_type).or_default();
        entry.0 += u64::from(b);
        entry.1 += u64::from(a);
        let index = usize::try_from((replayed.time.date_naive() - first_day).num_days()).ok();
        if let Some(day) = index.and_then(|i| daily.get_mut(i)) {
            day.before += u64::from(b);
            day.after += u64::from(a);
        }
        if a && !b {
            counts.gained += 1;
            gained.push(replayed);
        } else if b && !a {
            counts.lost += 1;
            lost.push(replayed);
        }
    }
    let mut by_type: Vec<TypeCount> = by_type
        .into_iter()
        .map(|(event_type, (before, after))| TypeCount { event_type: event_type.to_owned(), before, after })
        .collect();
    by_type.sort_by(|x, y| (y.before.max(y.after)).cmp(&x.before.max(x.after)).then(x.event_type.cmp(&y.event_type)));
    let examples = |events: Vec<&Replayed>| -> Vec<Example> {
        events.into_iter().rev().take(EXAMPLES).map(|r| example(r, before, after)).collect()
    };
    let mut unseen = history.unseen.clone();
    if !history.complete {
        for event_type in [before, after].into_iter().flatten().flat_map(named_types) {
            if !audit::from_audit(&event_type) {
                let sentence =
                    format!("{event_type} is not recorded by Audit: only what the inboxes received of it is replayed.");
                if !unseen.contains(&sentence) {
                    unseen.push(sentence);
                }
            }
        }
    }
    ImpactReport {
        compartment_id: compartment_id.to_owned(),
        since: history.since,
        until: history.until,
        days: history.days,
        looked_at: history.events.len() as u64,
        before: counts.before,
        after: counts.after,
        gained: counts.gained,
        lost: counts.lost,
        by_type,
        daily,
        gained_examples: examples(gained),
        lost_examples: examples(lost),
        sources: history.sources.clone(),
        unseen,
        cached,
    }
}

/// The event types a condition names under `eventType`, wildcards left out.
fn named_types(condition: &Condition) -> Vec<String> {
    let probe = condition.explain(&serde_json::json!({}));
    probe
        .into_iter()
        .filter(|check| check.path == "eventType")
        .flat_map(|check| check.wanted)
        .filter(|t| !t.contains('*'))
        .collect()
}

fn example(replayed: &Replayed, before: Option<&Condition>, after: Option<&Condition>) -> Example {
    let event = &replayed.event;
    let data = |name: &str| event.get("data").and_then(|d| d.get(name)).and_then(Value::as_str).map(str::to_owned);
    Example {
        event_type: event.get("eventType").and_then(Value::as_str).unwrap_or_default().to_owned(),
        event_time: replayed.time,
        resource_name: data("resourceName"),
        compartment: data("compartmentName").filter(|n| !n.is_empty()).or_else(|| data("compartmentId")),
        source: replayed.source,
        before: before.map(|c| Check::explain(c, event)).unwrap_or_default(),
        after: after.map(|c| Check::explain(c, event)).unwrap_or_default(),
        event: event.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::api::impact::HistorySource;
    use chrono::{DateTime, TimeDelta, Utc};
    use serde_json::json;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn history(events: Vec<(&str, &str, &str)>) -> History {
        let until = at("2026-12-05T12:00:00Z");
        History {
            since: until - TimeDelta::days(7),
            until,
            days: 7,
            events: events
                .into_iter()
                .enumerate()
                .map(|(i, (time, event_type, bucket))| Replayed {
                    time: at(time),
                    source: HistorySource::SandboxLog,
                    event: json!({"eventType": event_type, "eventID": i.to_string(), "data": {"additionalDetails": {"bucketName": bucket}}}),
                })
                .collect(),
            sources: Vec::new(),
            unseen: Vec::new(),
            complete: true,
        }
    }

    #[test]
    fn narrowing_a_condition_counts_what_it_loses_by_type_and_by_day() {
        let history = history(vec![
            ("2026-11-28T13:00:00Z", "com.oraclecloud.objectstorage.createobject", "logs"),
            ("2026-11-29T08:00:00Z", "com.oraclecloud.objectstorage.createobject", "images"),
            ("2026-12-05T11:00:00Z", "com.oraclecloud.objectstorage.createobject", "logs"),
            ("2026-12-05T11:30:00Z", "com.oraclecloud.objectstorage.deleteobject", "logs"),
        ]);
        let before = Condition::parse(r#"{"eventType": "com.oraclecloud.objectstorage.*object"}"#).unwrap();
        let after = Condition::parse(
            r#"{"eventType": "com.oraclecloud.objectstorage.createobject", "data": {"additionalDetails": {"bucketName": "logs"}}}"#,
        )
        .unwrap();
        let report = replay("c", &history, Some(&before), Some(&after), false);
        assert_eq!((report.looked_at, report.before, report.after, report.gained, report.lost), (4, 4, 2, 0, 2));
        assert_eq!(report.delta(), "+0 / −2");
        assert_eq!(
            report.by_type[0],
            TypeCount { event_type: "com.oraclecloud.objectstorage.createobject".into(), before: 3, after: 2 }
        );
        assert_eq!(report.by_type[1].after, 0);
        assert_eq!(report.daily.len(), 8, "the window's first and last days are both partly in it");
        assert_eq!((report.daily[0].before, report.daily[0].after), (1, 1));
        assert_eq!((report.daily[1].before, report.daily[1].after), (1, 0));
        assert_eq!((report.daily[7].before, report.daily[7].after), (2, 1));
        let lost: Vec<_> = report.lost_examples.iter().map(|e| e.event_time).collect();
        assert_eq!(lost, [at("2026-12-05T11:30:00Z"), at("2026-11-29T08:00:00Z")], "newest first");
        let why = &report.lost_examples[1].after;
        assert!(
            why.iter().any(|c| c.path == "data.additionalDetails.bucketName" && !c.matched && c.found == "\"images\""),
            "{why:?}"
        );
        assert!(report.lost_examples[1].before.iter().all(|c| c.matched));
        assert_eq!(count(&history, Some(&before), Some(&after)), Counts { before: 4, after: 2, gained: 0, lost: 2 });
    }

    #[test]
    fn a_new_rule_gains_everything_it_matches_and_a_deleted_one_loses_it() {
        let history = history(vec![("2026-12-01T00:00:00Z", "com.oraclecloud.computeapi.launchinstance.begin", "")]);
        let all = Condition::parse("{}").unwrap();
        assert_eq!(count(&history, None, Some(&all)), Counts { before: 0, after: 1, gained: 1, lost: 0 });
        assert_eq!(count(&history, Some(&all), None), Counts { before: 1, after: 0, gained: 0, lost: 1 });
        let report = replay("c", &history, None, Some(&all), true);
        assert!(report.gained_examples[0].before.is_empty() && report.cached);
    }

    #[test]
    fn types_audit_cannot_show_are_named_when_the_history_is_not_complete() {
        let mut history = history(Vec::new());
        history.complete = false;
        let condition = Condition::parse(
            r#"{"eventType": ["com.oraclecloud.computeapi.launchinstance.end", "com.oraclecloud.computeapi.launchinstance.begin", "com.oraclecloud.cloudguard.*"]}"#,
        )
        .unwrap();
        let report = replay("c", &history, None, Some(&condition), false);
        assert_eq!(report.unseen.len(), 1, "{:?}", report.unseen);
        assert!(report.unseen[0].starts_with("com.oraclecloud.computeapi.launchinstance.end"));
    }
}

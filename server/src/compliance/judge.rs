//! The verdict on one cell from one region's facts. Pure, so every reason can be tested without a
//! cloud.
//!
//! A rule recommendation passes when some rule in the compartment or a compartment above it is
//! enabled, its condition matches an event of every required type in the compartment (the
//! condition matcher decides, not the rule's name or maker), and one of its enabled notification
//! actions reaches an ACTIVE topic with an ACTIVE subscription; when inbox verification is on, a
//! chain whose ACTIVE subscriptions are all the team's inboxes must also have had a delivery
//! within the window. Failing, the reason names what is missing in the rule that came closest.

use super::read::{Facts, RuleFact, TopicFact};
use app::api::compliance::CellStatus;
use app::compliance::probe_event;
use app::condition::Condition;
use chrono::{DateTime, TimeDelta, Utc};

/// A cell's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Pass, fail or error.
    pub status: CellStatus,
    /// Why.
    pub reason: String,
    /// The deciding rule.
    pub rule: Option<(String, String)>,
    /// Its topic.
    pub topic_id: Option<String>,
    /// Request ids of the reads that decided it.
    pub request_ids: Vec<String>,
}

impl Verdict {
    fn fail(reason: String) -> Self {
        Self { status: CellStatus::Fail, reason, rule: None, topic_id: None, request_ids: Vec::new() }
    }
}

/// How recent a delivery must be to prove an inbox-only chain, when inbox verification is on.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Days.
    pub days: u32,
    /// Now.
    pub now: DateTime<Utc>,
}

/// Judges a rule recommendation requiring `types` for `compartment`, whose rules may sit in any
/// compartment of `lineage` (the compartment first, then each above it). `name` names a
/// compartment for reasons.
pub fn rule_cell(
    types: &[&str],
    compartment: &str,
    lineage: &[String],
    facts: &Facts,
    name: &dyn Fn(&str) -> String,
    window: Option<Window>,
) -> Verdict {
    if let Some((where_, err)) = lineage.iter().find_map(|c| facts.errors.get(c).map(|e| (c, e))) {
        return Verdict {
            status: CellStatus::Error,
            reason: format!("The rules of {} could not be read: {err}", name(where_)),
            rule: None,
            topic_id: None,
            request_ids: Vec::new(),
        };
    }
    let events: Vec<serde_json::Value> = types.iter().map(|t| probe_event(t, compartment)).collect();
    let mut closest: Option<(usize, &RuleFact, Vec<&str>)> = None;
    let mut broken: Option<(Verdict, &RuleFact)> = None;
    for rule in lineage.iter().filter_map(|c| facts.rules.get(c)).flatten() {
        let condition = Condition::parse(&rule.condition).ok();
        let missed: Vec<&str> = types
            .iter()
            .zip(&events)
            .filter(|(_, event)| !condition.as_ref().is_some_and(|c| c.matches(event)))
            .map(|(t, _)| *t)
            .collect();
        if !missed.is_empty() {
            let covered = types.len() - missed.len();
            if covered > 0 && closest.as_ref().is_none_or(|(best, _, _)| covered > *best) {
                closest = Some((covered, rule, missed));
            }
            continue;
        }
        let verdict = chain(rule, facts, window);
        if verdict.status == CellStatus::Pass {
            return Verdict { reason: format!("{} (in {})", verdict.reason, name(&rule.compartment_id)), ..verdict };
        }
        broken.get_or_insert((verdict, rule));
    }
    if let Some((verdict, _)) = broken {
        return verdict;
    }
    match closest {
        Some((covered, rule, missed)) => Verdict {
            rule: Some((rule.id.clone(), rule.name.clone())),
            request_ids: rule.request_id.iter().cloned().collect(),
            ..Verdict::fail(format!(
                "Rule {} (in {}) matches {covered} of the {} event types; it misses {}.",
                rule.name,
                name(&rule.compartment_id),
                types.len(),
                missed.iter().map(|t| short(t)).collect::<Vec<_>>().join(", ")
            ))
        },
        None => Verdict::fail(format!(
            "No rule in {} or a compartment above it matches these events ({}).",
            name(compartment),
            types.iter().map(|t| short(t)).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Whether a rule that matches every type reaches a person: its first live notification chain,
/// or why none is.
fn chain(rule: &RuleFact, facts: &Facts, window: Option<Window>) -> Verdict {
    let base = |status, reason: String, topic: Option<&str>, topic_fact: Option<&TopicFact>| Verdict {
        status,
        reason,
        rule: Some((rule.id.clone(), rule.name.clone())),
        topic_id: topic.map(str::to_owned),
        request_ids: rule.request_id.iter().chain(topic_fact.and_then(|t| t.request_id.as_ref())).cloned().collect(),
    };
    if !rule.enabled {
        return base(
            CellStatus::Fail,
            format!("Rule {} matches every event type but is disabled.", rule.name),
            None,
            None,
        );
    }
    let enabled: Vec<&String> = rule.notifies.iter().filter(|(on, _)| *on).map(|(_, id)| id).collect();
    if enabled.is_empty() {
        let why = if rule.notifies.is_empty() {
            format!("Rule {} sends its events to no notification topic.", rule.name)
        } else {
            format!("Rule {}'s notification action is disabled.", rule.name)
        };
        return base(CellStatus::Fail, why, None, None);
    }
    let mut first_failure: Option<Verdict> = None;
    for topic_id in enabled {
        let Some(topic) = facts.topics.get(topic_id) else {
            let reason = format!("Rule {} notifies topic {topic_id}, which no longer exists.", rule.name);
            first_failure.get_or_insert(base(CellStatus::Fail, reason, Some(topic_id), None));
            continue;
        };
        let verdict = |status, reason| base(status, reason, Some(topic_id), Some(topic));
        if topic.state != "ACTIVE" {
            let reason = format!("Topic {} of rule {} is {}, not ACTIVE.", topic.name, rule.name, topic.state);
            first_failure.get_or_insert(verdict(CellStatus::Fail, reason));
            continue;
        }
        let active: Vec<_> = topic.subscriptions.iter().filter(|s| s.state == "ACTIVE").collect();
        if active.is_empty() {
            let pending = topic.subscriptions.iter().filter(|s| s.state == "PENDING").count();
            let reason = match pending {
                0 => format!(
                    "Topic {} of rule {} has no subscription: its notifications reach no one.",
                    topic.name, rule.name
                ),
                n => format!(
                    "Topic {} of rule {} has no ACTIVE subscription ({n} waiting for confirmation): its notifications reach no one.",
                    topic.name, rule.name
                ),
            };
            first_failure.get_or_insert(verdict(CellStatus::Fail, reason));
            continue;
        }
        if let Some(window) = window
            && active.iter().all(|s| s.inbox)
        {
            let since = window.now - TimeDelta::days(i64::from(window.days));
            if !active.iter().any(|s| s.last_delivery.is_some_and(|at| at >= since)) {
                let reason = format!(
                    "Topic {} of rule {} delivers only to inboxes, and none received anything in {} days; verify the pipeline.",
                    topic.name, rule.name, window.days
                );
                first_failure.get_or_insert(verdict(CellStatus::Fail, reason));
                continue;
            }
        }
        let reason = format!(
            "Rule {} notifies topic {}, which has {} ACTIVE subscription{}",
            rule.name,
            topic.name,
            active.len(),
            if active.len() == 1 { "" } else { "s" }
        );
        return verdict(CellStatus::Pass, reason);
    }
    first_failure.unwrap_or_else(|| base(CellStatus::Fail, format!("Rule {} reaches no one.", rule.name), None, None))
}

/// Judges the topic-and-subscription recommendation for `compartment`.
pub fn topic_cell(compartment: &str, facts: &Facts, name: &dyn Fn(&str) -> String) -> Verdict {
    if let Some(err) = facts.errors.get(compartment) {
        return Verdict {
            status: CellStatus::Error,
            reason: format!("The topics of {} could not be read: {err}", name(compartment)),
            rule: None,
            topic_id: None,
            request_ids: Vec::new(),
        };
    }
    let ids = facts.compartment_topics.get(compartment).cloned().unwrap_or_default();
    for id in &ids {
        if let Some(topic) = facts.topics.get(id) {
            let active = topic.subscriptions.iter().filter(|s| s.state == "ACTIVE").count();
            if topic.state == "ACTIVE" && active > 0 {
                return Verdict {
                    status: CellStatus::Pass,
                    reason: format!(
                        "Topic {} has {active} ACTIVE subscription{}.",
                        topic.name,
                        if active == 1 { "" } else { "s" }
                    ),
                    rule: None,
                    topic_id: Some(id.clone()),
                    request_ids: topic.request_id.iter().cloned().collect(),
                };
            }
        }
    }
    Verdict::fail(match ids.len() {
        0 => format!("{} has no notification topic.", name(compartment)),
        n => format!("None of the {n} topics in {} has an ACTIVE subscription.", name(compartment)),
    })
}

/// A type without its `com.oraclecloud.` prefix.
fn short(event_type: &str) -> &str {
    event_type.strip_prefix("com.oraclecloud.").unwrap_or(event_type)
}

#[cfg(test)]
mod tests {
    use super::super::read::SubscriptionFact;
    use super::*;
    use std::collections::HashMap;

    const C: &str = "ocid1.compartment.oc1..c";
    const ROOT: &str = "ocid1.tenancy.oc1..t";
    const TYPES: &[&str] = &["com.oraclecloud.virtualnetwork.createvcn", "com.oraclecloud.virtualnetwork.deletevcn"];

    fn rule(condition: &str, enabled: bool, notifies: Vec<(bool, &str)>) -> RuleFact {
        RuleFact {
            id: "ocid1.eventrule.oc1..r".into(),
            name: "vcn-changes".into(),
            compartment_id: ROOT.into(),
            enabled,
            condition: condition.into(),
            notifies: notifies.into_iter().map(|(on, id)| (on, id.to_owned())).collect(),
            request_id: Some("req-rule".into()),
        }
    }

    fn topic(state: &str, subs: &[(&str, bool, Option<DateTime<Utc>>)]) -> TopicFact {
        TopicFact {
            name: "alerts".into(),
            state: state.into(),
            subscriptions: subs
                .iter()
                .map(|(s, inbox, last)| SubscriptionFact {
                    id: "ocid1.onssubscription.oc1..s".into(),
                    state: (*s).into(),
                    inbox: *inbox,
                    last_delivery: *last,
                })
                .collect(),
            request_id: Some("req-topic".into()),
        }
    }

    fn facts(rules: Vec<RuleFact>, topics: Vec<(&str, TopicFact)>) -> Facts {
        Facts {
            rules: HashMap::from([(ROOT.to_owned(), rules)]),
            topics: topics.into_iter().map(|(id, t)| (id.to_owned(), t)).collect(),
            ..Facts::default()
        }
    }

    fn judge(f: &Facts, window: Option<Window>) -> Verdict {
        let lineage = [C.to_owned(), ROOT.to_owned()];
        rule_cell(TYPES, C, &lineage, f, &|id: &str| if id == ROOT { "root".into() } else { "proj".into() }, window)
    }

    const BOTH: &str =
        r#"{"eventType":["com.oraclecloud.virtualnetwork.createvcn","com.oraclecloud.virtualnetwork.deletevcn"]}"#;

    #[test]
    fn a_rule_above_the_compartment_with_a_live_chain_passes_with_its_evidence() {
        let f =
            facts(vec![rule(BOTH, true, vec![(true, "t")])], vec![("t", topic("ACTIVE", &[("ACTIVE", false, None)]))]);
        let v = judge(&f, None);
        assert_eq!(v.status, CellStatus::Pass, "{v:?}");
        assert!(v.reason.contains("in root"), "{}", v.reason);
        assert_eq!(v.request_ids, ["req-rule", "req-topic"]);
        // A whole-service wildcard covers the types as well.
        let wild = r#"{"eventType":"com.oraclecloud.virtualnetwork.*"}"#;
        let f =
            facts(vec![rule(wild, true, vec![(true, "t")])], vec![("t", topic("ACTIVE", &[("ACTIVE", false, None)]))]);
        assert_eq!(judge(&f, None).status, CellStatus::Pass);
    }

    #[test]
    fn each_broken_link_is_named() {
        let live = || vec![("t", topic("ACTIVE", &[("ACTIVE", false, None)]))];
        let reason = |f: Facts| {
            let v = judge(&f, None);
            assert_eq!(v.status, CellStatus::Fail);
            v.reason
        };
        assert!(reason(facts(vec![rule(BOTH, false, vec![(true, "t")])], live())).contains("is disabled"));
        assert!(reason(facts(vec![rule(BOTH, true, vec![(false, "t")])], live())).contains("action is disabled"));
        assert!(reason(facts(vec![rule(BOTH, true, vec![])], live())).contains("no notification topic"));
        assert!(reason(facts(vec![rule(BOTH, true, vec![(true, "gone")])], live())).contains("no longer exists"));
        let deleting = vec![("t", topic("DELETING", &[("ACTIVE", false, None)]))];
        assert!(reason(facts(vec![rule(BOTH, true, vec![(true, "t")])], deleting)).contains("DELETING, not ACTIVE"));
        let pending = vec![("t", topic("ACTIVE", &[("PENDING", false, None)]))];
        assert!(reason(facts(vec![rule(BOTH, true, vec![(true, "t")])], pending)).contains("1 waiting"));
        let none = vec![("t", topic("ACTIVE", &[]))];
        assert!(reason(facts(vec![rule(BOTH, true, vec![(true, "t")])], none)).contains("no subscription"));
        let one = r#"{"eventType":["com.oraclecloud.virtualnetwork.createvcn"]}"#;
        let partial = reason(facts(vec![rule(one, true, vec![(true, "t")])], live()));
        assert!(partial.contains("matches 1 of the 2") && partial.contains("virtualnetwork.deletevcn"), "{partial}");
        let other = r#"{"eventType":["com.oraclecloud.computeapi.launchinstance.end"]}"#;
        assert!(reason(facts(vec![rule(other, true, vec![(true, "t")])], live())).starts_with("No rule in proj"));
        assert!(reason(facts(vec![rule("not json", true, vec![(true, "t")])], live())).starts_with("No rule"));
    }

    #[test]
    fn a_live_chain_wins_over_a_broken_one_and_errors_are_errors() {
        let mut off = rule(BOTH, false, vec![(true, "t")]);
        off.name = "old".into();
        let f = facts(
            vec![off, rule(BOTH, true, vec![(true, "t")])],
            vec![("t", topic("ACTIVE", &[("ACTIVE", false, None)]))],
        );
        assert_eq!(judge(&f, None).status, CellStatus::Pass);
        let mut f = facts(vec![], vec![]);
        f.errors.insert(ROOT.into(), "500 InternalError".into());
        let v = judge(&f, None);
        assert_eq!(v.status, CellStatus::Error);
        assert!(v.reason.contains("root") && v.reason.contains("500"), "{}", v.reason);
    }

    #[test]
    fn inbox_only_chains_need_a_recent_delivery_when_verification_is_on() {
        let now = Utc::now();
        let window = Some(Window { days: 7, now });
        let stale = Some(now - TimeDelta::days(8));
        let f =
            facts(vec![rule(BOTH, true, vec![(true, "t")])], vec![("t", topic("ACTIVE", &[("ACTIVE", true, stale)]))]);
        assert_eq!(judge(&f, None).status, CellStatus::Pass, "verification off");
        let v = judge(&f, window);
        assert!(v.status == CellStatus::Fail && v.reason.contains("in 7 days"), "{v:?}");
        let fresh = Some(now - TimeDelta::hours(1));
        let f =
            facts(vec![rule(BOTH, true, vec![(true, "t")])], vec![("t", topic("ACTIVE", &[("ACTIVE", true, fresh)]))]);
        assert_eq!(judge(&f, window).status, CellStatus::Pass);
        let mixed = vec![("t", topic("ACTIVE", &[("ACTIVE", true, stale), ("ACTIVE", false, None)]))];
        let f = facts(vec![rule(BOTH, true, vec![(true, "t")])], mixed);
        assert_eq!(judge(&f, window).status, CellStatus::Pass, "a person's subscription needs no proof");
    }

    #[test]
    fn a_topic_with_an_active_subscription_passes_the_topic_recommendation() {
        let name = |_: &str| "proj".to_owned();
        let mut f = facts(vec![], vec![("t", topic("ACTIVE", &[("PENDING", false, None)]))]);
        f.compartment_topics.insert(C.into(), vec!["t".into()]);
        assert!(topic_cell(C, &f, &name).reason.contains("None of the 1 topics"));
        f.topics.insert("t".into(), topic("ACTIVE", &[("ACTIVE", false, None)]));
        assert_eq!(topic_cell(C, &f, &name).status, CellStatus::Pass);
        f.compartment_topics.insert(C.into(), vec![]);
        assert!(topic_cell(C, &f, &name).reason.contains("has no notification topic"));
    }
}

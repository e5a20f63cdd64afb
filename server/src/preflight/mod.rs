//! Pre-flight checks: what OCI would otherwise fail on, or accept and then silently not deliver,
//! found before a rule is saved or a plan applied. [`facts`] reads what the checks need in a few
//! concurrent round trips; [`judge`] turns the facts into findings, each with what to do about it
//! (the exact policy statement, the console path, the CLI command); [`policy`] reads IAM
//! statements.
//!
//! Blocking means OCI would refuse the change (the connection's user lacks a permission, a target
//! does not exist); a warning means OCI would accept it and nothing would arrive (no policy for
//! the Events service, a bucket that does not emit object events, no confirmed subscriber, an
//! endpoint OCI cannot reach). What cannot be read or evaluated is said, with the reason.
//!
//! Design choices (unconfirmed against OCI): the Events service needs no policy to publish to a
//! topic of its own tenancy, so only Functions and Streaming actions are checked for one; buckets
//! are looked for in the rule's own compartment (a rule also sees its subcompartments' events).

pub mod facts;
pub mod policy;

use crate::oci::client::OciClient;
use crate::oci::error::Verb;
use crate::oci::functions::LifecycleState as FunctionState;
use crate::oci::ons::{Protocol, SubscriptionState, TopicState};
use app::api::preflight::{CheckKind, DraftRule, Finding, Outcome, PreflightReport, Remedy};
use app::api::rules::{ActionKind, RuleAction};
use app::condition::Condition;
use app::template::{ActionTarget, Desired};
use chrono::Utc;
use facts::{Facts, Identity, Wanted};
use policy::{Need, Principal, Tree, Verdict};
use std::collections::{BTreeMap, BTreeSet};

/// Who asks, through what.
pub struct Context<'a> {
    /// The connection's client.
    pub client: &'a OciClient,
    /// The tenancy.
    pub tenancy: &'a str,
    /// The connection's user, when it signs in as one.
    pub user: Option<&'a str>,
    /// Whether the connection is the built-in sandbox (whose subscribers may live on loopback).
    pub sandbox: bool,
    /// Facts shared by every target of one fan-out plan (see [`facts::Shared`]).
    pub shared: Option<&'a facts::Shared>,
}

/// Checks `rules`, drafted or as they are, in `compartment_id`.
pub async fn check(ctx: &Context<'_>, compartment_id: &str, rules: &[DraftRule]) -> PreflightReport {
    check_with(ctx, compartment_id, rules, &[]).await
}

/// Checks what applying `desired` needs: its rules (actions to its own topics are left out: the
/// apply makes those topics) and the permissions making its topics and subscriptions needs.
pub async fn for_plan(ctx: &Context<'_>, compartment_id: &str, desired: &Desired) -> PreflightReport {
    let rules: Vec<DraftRule> = desired
        .rules
        .iter()
        .map(|rule| DraftRule {
            name: rule.name.clone(),
            condition: rule.condition.clone(),
            actions: rule
                .actions
                .iter()
                .filter_map(|action| match &action.target {
                    ActionTarget::Id(id) => Some(RuleAction::new(action.kind, id.clone())),
                    ActionTarget::Topic(_) => None,
                })
                .collect(),
        })
        .collect();
    let mut extra = Vec::new();
    if !desired.topics.is_empty() {
        extra.push((Verb::Manage, "ons-topics"));
    }
    if !desired.subscriptions.is_empty() {
        extra.push((Verb::Manage, "ons-subscriptions"));
    }
    check_with(ctx, compartment_id, &rules, &extra).await
}

/// [`check`], with permissions the change needs beyond its rules'.
async fn check_with(
    ctx: &Context<'_>,
    compartment_id: &str,
    rules: &[DraftRule],
    extra: &[(Verb, &'static str)],
) -> PreflightReport {
    let targets = |kind: ActionKind| -> BTreeSet<String> {
        rules.iter().flat_map(|r| &r.actions).filter(|a| a.kind == kind).map(|a| a.target_id.clone()).collect()
    };
    let watches_objects = rules.iter().any(|r| object_types(&r.condition).next().is_some());
    let wanted = Wanted {
        tenancy: ctx.tenancy,
        compartment: compartment_id,
        user: ctx.user,
        topics: targets(ActionKind::Notifications),
        functions: targets(ActionKind::Functions),
        buckets_in: watches_objects.then_some(compartment_id),
    };
    let facts = facts::read(ctx.client, wanted, ctx.shared).await;
    let mut findings = judge(&facts, compartment_id, rules, extra, ctx.sandbox);
    findings.sort_by_key(|f| (f.outcome, f.kind));
    PreflightReport { compartment_id: compartment_id.to_owned(), findings, checked_at: Utc::now() }
}

/// The findings for `rules` given what was read.
pub fn judge(
    facts: &Facts,
    compartment_id: &str,
    rules: &[DraftRule],
    extra: &[(Verb, &'static str)],
    sandbox: bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    user_permissions(facts, compartment_id, rules, extra, &mut findings);
    for rule in rules {
        for action in &rule.actions {
            match action.kind {
                ActionKind::Notifications => topic(facts, rule, &action.target_id, sandbox, &mut findings),
                ActionKind::Functions => function(facts, rule, compartment_id, &action.target_id, &mut findings),
                ActionKind::Streaming => findings.push(finding(
                    CheckKind::Target,
                    Outcome::Unknown,
                    rule,
                    &action.target_id,
                    "Signalbox does not read streams yet: check that the stream exists and that the Events service may push to it (allow service cloudEvents to use stream-push in tenancy).".into(),
                    None,
                )),
            }
        }
        buckets(facts, rule, &mut findings);
    }
    merge(findings)
}

fn finding(
    kind: CheckKind,
    outcome: Outcome,
    rule: &DraftRule,
    subject: &str,
    message: String,
    remedy: Option<Remedy>,
) -> Finding {
    Finding { kind, outcome, rules: vec![rule.name.clone()], subject: subject.to_owned(), message, remedy }
}

/// Findings that say the same thing about several rules, as one naming them all.
fn merge(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<Finding> = Vec::new();
    for finding in findings {
        match merged.iter_mut().find(|f| {
            f.kind == finding.kind
                && f.outcome == finding.outcome
                && f.subject == finding.subject
                && f.message == finding.message
        }) {
            Some(same) => {
                for rule in finding.rules {
                    if !same.rules.contains(&rule) {
                        same.rules.push(rule);
                    }
                }
            }
            None => merged.push(finding),
        }
    }
    merged
}

/// `tenancy`, or `compartment a:b` as a statement in the root names it.
fn location(tree: &Tree, compartment: &str) -> String {
    if compartment == tree.root {
        return "tenancy".into();
    }
    let mut path: Vec<String> = tree
        .lineage(compartment)
        .iter()
        .filter_map(|id| tree.compartments.get(id).map(|(_, name)| name.clone()))
        .collect();
    if path.is_empty() {
        return format!("compartment id {compartment}");
    }
    path.reverse();
    format!("compartment {}", path.join(":"))
}

fn policy_remedy(tenancy: &str, statement: String) -> Remedy {
    let cli = format!(
        "oci iam policy create --compartment-id {tenancy} --name signalbox-preflight --description \"Added for Signalbox\" --statements '[\"{}\"]'",
        statement.replace('"', "\\\"")
    );
    Remedy {
        statement: Some(statement),
        console: Some(
            "Identity & Security → Policies → (root compartment) → Create Policy → show manual editor".into(),
        ),
        cli: Some(cli),
    }
}

/// What the connection's user needs for `rules`, each against the user's groups' policies.
fn user_permissions(
    facts: &Facts,
    compartment_id: &str,
    rules: &[DraftRule],
    extra: &[(Verb, &'static str)],
    findings: &mut Vec<Finding>,
) {
    let mut needs: BTreeMap<(Verb, &'static str, String), Vec<String>> = BTreeMap::new();
    for (verb, resource) in extra {
        needs.entry((*verb, resource, compartment_id.to_owned())).or_default();
    }
    let mut add = |verb, resource, compartment: &str, rule: &DraftRule| {
        needs.entry((verb, resource, compartment.to_owned())).or_default().push(rule.name.clone());
    };
    for rule in rules {
        add(Verb::Manage, "cloudevents-rules", compartment_id, rule);
        add(Verb::Inspect, "compartments", compartment_id, rule);
        if rule.condition.contains("definedTags") {
            add(Verb::Use, "tag-namespaces", compartment_id, rule);
        }
        for action in &rule.actions {
            match action.kind {
                ActionKind::Notifications => {
                    let place = match facts.topics.get(&action.target_id) {
                        Some(Ok(Some(topic))) => topic.compartment_id.clone(),
                        _ => compartment_id.to_owned(),
                    };
                    add(Verb::Use, "ons-topics", &place, rule);
                }
                ActionKind::Functions => {
                    let place = match facts.functions.get(&action.target_id) {
                        Some(Ok(Some(function))) => function.compartment_id.clone(),
                        _ => compartment_id.to_owned(),
                    };
                    add(Verb::Use, "fn-function", &place, rule);
                }
                ActionKind::Streaming => add(Verb::Use, "stream-push", compartment_id, rule),
            }
        }
    }
    let unknown = |subject: String, rules: Vec<String>, why: &str| Finding {
        kind: CheckKind::UserPolicy,
        outcome: Outcome::Unknown,
        rules,
        subject,
        message: format!("Cannot tell: {why}."),
        remedy: None,
    };
    let all_rules: Vec<String> = rules.iter().map(|r| r.name.clone()).collect();
    let (names, ids) = match &facts.identity {
        // No membership at all is more likely memberships the IAM API does not show (a group of
        // an identity domain) than a user who can do nothing: say so rather than block.
        Identity::User { ids, .. } if ids.is_empty() => {
            let why = "the IAM API shows no group for the connection's user; if its groups live in an identity domain, check its policies in the console";
            findings.push(unknown("the connection's permissions".into(), all_rules, why));
            return;
        }
        Identity::User { names, ids } => (names, ids),
        Identity::Unknown(why) => {
            findings.push(unknown("the connection's permissions".into(), all_rules, why));
            return;
        }
    };
    let (tree, policies) = match (&facts.tree, &facts.policies) {
        (Ok(tree), Ok(policies)) => (tree, policies),
        (Err(why), _) | (_, Err(why)) => {
            findings.push(unknown("the connection's permissions".into(), all_rules, why));
            return;
        }
    };
    let principal =
        Principal::User { group_names: names.iter().map(|n| policy::group_name(n)).collect(), group_ids: ids.clone() };
    for ((verb, resource, compartment), rules) in needs {
        let place = location(tree, &compartment);
        let subject = format!("{verb} {resource} in {place}");
        let need = Need { verb, resource, compartment_id: &compartment };
        let (outcome, message, remedy) = match policy::evaluate(&need, &principal, policies, tree) {
            Verdict::Granted { policy, statement } => {
                (Outcome::Pass, format!("Granted by policy \"{policy}\": {statement}"), None)
            }
            Verdict::Unclear(why) => (Outcome::Unknown, format!("Cannot tell: {why}."), None),
            Verdict::Missing => {
                let group = names.first().map_or("<a group of the connection's user>", String::as_str);
                let statement = format!("Allow group {group} to {verb} {resource} in {place}");
                let message = format!(
                    "No policy lets the connection's groups ({}) {verb} {resource} in {place}; OCI will refuse the change (404 NotAuthorizedOrNotFound).",
                    names.join(", ")
                );
                (Outcome::Blocking, message, Some(policy_remedy(&tree.root, statement)))
            }
        };
        findings.push(Finding { kind: CheckKind::UserPolicy, outcome, rules, subject, message, remedy });
    }
}

/// An action's target as read: found, or a finding saying it does not exist (blocking: OCI
/// refuses a rule naming it) or could not be read.
fn existing<'a, T>(
    read: Option<&'a facts::Read<Option<T>>>,
    rule: &DraftRule,
    id: &str,
    what: &str,
    remedy: Remedy,
    findings: &mut Vec<Finding>,
) -> Option<&'a T> {
    let (outcome, message, remedy) = match read? {
        Ok(Some(target)) => return Some(target),
        Ok(None) => (
            Outcome::Blocking,
            format!(
                "There is no {what} {id} in this region (or the connection's user cannot see it); OCI will refuse the rule."
            ),
            Some(remedy),
        ),
        Err(why) => (Outcome::Unknown, format!("Cannot tell: the {what} could not be read ({why})."), None),
    };
    findings.push(finding(CheckKind::Target, outcome, rule, id, message, remedy));
    None
}

fn topic(facts: &Facts, rule: &DraftRule, topic_id: &str, sandbox: bool, findings: &mut Vec<Finding>) {
    let remedy = Remedy {
        console: Some("Developer Services → Application Integration → Notifications → Topics".into()),
        cli: Some("oci ons topic list --compartment-id <compartment>".into()),
        statement: None,
    };
    let Some(topic) = existing(facts.topics.get(topic_id), rule, topic_id, "topic", remedy, findings) else { return };
    let name = topic.name.as_str();
    if topic.lifecycle_state == TopicState::Active {
        findings.push(finding(
            CheckKind::Target,
            Outcome::Pass,
            rule,
            name,
            format!("Topic {name} exists and is ACTIVE."),
            None,
        ));
    } else {
        findings.push(finding(
            CheckKind::Target,
            Outcome::Warning,
            rule,
            name,
            format!(
                "Topic {name} is {}, not ACTIVE: messages published now are not delivered.",
                topic.lifecycle_state.as_str()
            ),
            None,
        ));
    }
    let subscriptions = match facts.subscriptions.get(topic_id) {
        Some(Ok(subscriptions)) => subscriptions,
        Some(Err(why)) => {
            findings.push(finding(
                CheckKind::Subscription,
                Outcome::Unknown,
                rule,
                name,
                format!("Cannot tell: the subscriptions could not be listed ({why})."),
                None,
            ));
            return;
        }
        None => return,
    };
    let live: Vec<_> = subscriptions.iter().filter(|s| s.lifecycle_state != SubscriptionState::Deleted).collect();
    let active = live.iter().filter(|s| s.lifecycle_state == SubscriptionState::Active).count();
    let pending: Vec<_> = live.iter().filter(|s| s.lifecycle_state == SubscriptionState::Pending).collect();
    let now = Utc::now().timestamp_millis();
    let oldest = pending
        .iter()
        .filter_map(|s| s.created_time)
        .min()
        .map(|t| app::format::duration(chrono::TimeDelta::milliseconds(now - t)));
    let resend = Remedy {
        console: Some(format!("Notifications → Topics → {name} → Subscriptions → Resend confirmation")),
        cli: pending.first().map(|s| format!("oci ons subscription resend-subscription-confirmation --id {}", s.id)),
        statement: None,
    };
    let (outcome, message, remedy) = match (live.len(), active, pending.len()) {
        (0, _, _) => (
            Outcome::Warning,
            format!("Topic {name} has no subscriptions: events reach it and stop there."),
            Some(Remedy {
                console: Some(format!("Notifications → Topics → {name} → Create Subscription")),
                cli: Some(format!(
                    "oci ons subscription create --topic-id {topic_id} --compartment-id {} --protocol CUSTOM_HTTPS --subscription-endpoint https://…",
                    topic.compartment_id
                )),
                statement: None,
            }),
        ),
        (_, 0, waiting) => (
            Outcome::Warning,
            format!(
                "None of topic {name}'s {waiting} subscriptions is confirmed (pending for {}): nobody receives its messages.",
                oldest.unwrap_or_default()
            ),
            Some(resend),
        ),
        (_, active, 0) => (
            Outcome::Pass,
            format!("Topic {name} has {active} confirmed subscription{}.", if active == 1 { "" } else { "s" }),
            None,
        ),
        (_, active, waiting) => (
            Outcome::Warning,
            format!(
                "{waiting} of topic {name}'s subscriptions {} pending (for {}); {active} confirmed.",
                if waiting == 1 { "is" } else { "are" },
                oldest.unwrap_or_default()
            ),
            Some(resend),
        ),
    };
    findings.push(finding(CheckKind::Subscription, outcome, rule, name, message, remedy));
    if !sandbox {
        for subscription in live {
            if let Some(problem) = unreachable(&subscription.protocol, &subscription.endpoint) {
                findings.push(finding(
                    CheckKind::Endpoint,
                    Outcome::Warning,
                    rule,
                    &app::api::subscriptions::redact_endpoint(&subscription.endpoint),
                    format!("OCI cannot deliver to this endpoint of topic {name}: {problem}."),
                    None,
                ));
            }
        }
    }
}

/// Why OCI, on the internet, could not reach an HTTPS subscription's endpoint, if it could not.
pub fn unreachable(protocol: &Protocol, endpoint: &str) -> Option<String> {
    if !matches!(protocol, Protocol::CustomHttps | Protocol::Https | Protocol::Slack | Protocol::PagerDuty) {
        return None;
    }
    let Ok(url) = url::Url::parse(endpoint) else {
        return Some("the endpoint is not a URL".into());
    };
    if url.scheme() != "https" {
        return Some(format!("it is {}, and OCI delivers only over https", url.scheme()));
    }
    let private = |ip: std::net::IpAddr| crate::netaddr::classify(ip) != crate::netaddr::AddressClass::Public;
    match url.host() {
        Some(url::Host::Ipv4(ip)) if private(ip.into()) => Some(format!("{ip} is not a public address")),
        Some(url::Host::Ipv6(ip)) if private(ip.into()) => Some(format!("{ip} is not a public address")),
        Some(url::Host::Domain(host))
            if host == "localhost"
                || [".localhost", ".local", ".internal", ".lan"].iter().any(|s| host.ends_with(s)) =>
        {
            Some(format!("{host} is a name only a private network resolves"))
        }
        _ => None,
    }
}

fn function(facts: &Facts, rule: &DraftRule, compartment_id: &str, function_id: &str, findings: &mut Vec<Finding>) {
    let remedy = Remedy {
        console: Some("Developer Services → Functions → Applications".into()),
        cli: Some("oci fn function list --application-id <application>".into()),
        statement: None,
    };
    let Some(function) = existing(facts.functions.get(function_id), rule, function_id, "function", remedy, findings)
    else {
        return;
    };
    let name = function.display_name.as_str();
    // 20260325 puts the image under `sourceDetails`; a source of another kind needs no image.
    let image = function.image.clone().or_else(|| function.source_details.as_ref().and_then(|s| s.image.clone()));
    let (outcome, message) = if function.lifecycle_state != FunctionState::Active {
        (
            Outcome::Warning,
            format!("Function {name} is {}, not ACTIVE: invocations fail.", function.lifecycle_state.as_str()),
        )
    } else if image.is_none() && function.source_details.is_none() {
        (Outcome::Warning, format!("Function {name} has no image: invocations fail until one is deployed (fn deploy)."))
    } else {
        let from = image.map(|image| format!(" with image {image}")).unwrap_or_default();
        (Outcome::Pass, format!("Function {name} is ACTIVE{from}."))
    };
    findings.push(finding(CheckKind::Target, outcome, rule, name, message, None));

    let subject = format!("Events → function {name}");
    let (tree, policies) = match (&facts.tree, &facts.policies) {
        (Ok(tree), Ok(policies)) => (tree, policies),
        (Err(why), _) | (_, Err(why)) => {
            findings.push(finding(
                CheckKind::EventsPolicy,
                Outcome::Unknown,
                rule,
                &subject,
                format!("Cannot tell: {why}."),
                None,
            ));
            return;
        }
    };
    let need = Need { verb: Verb::Use, resource: "fn-function", compartment_id: &function.compartment_id };
    let principal = Principal::EventsService { rule_compartment: compartment_id.to_owned() };
    let (outcome, message, remedy) = match policy::evaluate(&need, &principal, policies, tree) {
        Verdict::Granted { policy, statement } => {
            (Outcome::Pass, format!("The Events service may invoke it: policy \"{policy}\": {statement}"), None)
        }
        Verdict::Unclear(why) => {
            (Outcome::Unknown, format!("Cannot tell whether the Events service may invoke it: {why}."), None)
        }
        Verdict::Missing => {
            let statement = format!(
                "Allow service cloudEvents to use functions-family in {}",
                location(tree, &function.compartment_id)
            );
            (
                Outcome::Warning,
                format!(
                    "No policy lets the Events service invoke function {name}: OCI accepts the rule, and every event it matches is dropped."
                ),
                Some(policy_remedy(&tree.root, statement)),
            )
        }
    };
    findings.push(finding(CheckKind::EventsPolicy, outcome, rule, &subject, message, remedy));
}

/// The catalogue's object event types a condition names (exactly or by a wildcard).
fn object_types(condition: &str) -> impl Iterator<Item = &'static str> + '_ {
    let named = app::catalogue::named_types(condition);
    app::catalogue::EVENT_TYPES
        .iter()
        .map(|t| t.name)
        .filter(|name| name.starts_with("com.oraclecloud.objectstorage.") && name.ends_with("object"))
        .filter(move |name| named.iter().any(|pattern| wildcard(pattern, name)))
}

/// Whether `pattern` (with `*` for any run of characters) matches `text`.
fn wildcard(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    if parts.is_empty() {
        return rest.is_empty();
    }
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Fields of an object event that say which bucket it came from: a condition that rules a bucket
/// out by one of these can never be fired by it, emitting or not.
const BUCKET_FIELDS: [&str; 6] = [
    "eventType",
    "data.compartmentId",
    "data.compartmentName",
    "data.additionalDetails.bucketName",
    "data.additionalDetails.bucketId",
    "data.additionalDetails.namespace",
];

fn buckets(facts: &Facts, rule: &DraftRule, findings: &mut Vec<Finding>) {
    let types: Vec<&str> = object_types(&rule.condition).collect();
    if types.is_empty() {
        return;
    }
    let Ok(condition) = Condition::parse(&rule.condition) else { return };
    let subject = "buckets the rule watches";
    let (buckets, more) = match &facts.buckets {
        Some(Ok((buckets, more))) => (buckets, *more),
        Some(Err(why)) => {
            findings.push(finding(
                CheckKind::BucketEvents,
                Outcome::Unknown,
                rule,
                subject,
                format!("Cannot tell: the buckets could not be read ({why})."),
                None,
            ));
            return;
        }
        None => return,
    };
    let could_fire = |bucket: &crate::oci::objectstorage::Bucket| {
        types.iter().filter_map(|name| app::catalogue::find(name)).any(|event_type| {
            let mut event = app::catalogue::sample_event(event_type);
            event["data"]["compartmentId"] = bucket.compartment_id.clone().into();
            event["data"]["additionalDetails"]["bucketName"] = bucket.name.clone().into();
            event["data"]["additionalDetails"]["bucketId"] = bucket.id.clone().into();
            event["data"]["additionalDetails"]["namespace"] = bucket.namespace.clone().into();
            condition
                .explain(&event)
                .iter()
                .all(|check| check.matched() || !BUCKET_FIELDS.contains(&check.path.as_str()))
        })
    };
    let watched: Vec<_> = buckets.iter().filter(|b| could_fire(b)).collect();
    let silent: Vec<&str> = watched.iter().filter(|b| !b.object_events_enabled).map(|b| b.name.as_str()).collect();
    let beyond = if more { format!(" (the first {} buckets were read)", facts::MAX_BUCKETS) } else { String::new() };
    if silent.is_empty() {
        let message = match watched.len() {
            0 => format!("No bucket in the compartment matches the rule yet{beyond}."),
            n => {
                format!("All {n} bucket{} the rule watches emit object events{beyond}.", if n == 1 { "" } else { "s" })
            }
        };
        findings.push(finding(CheckKind::BucketEvents, Outcome::Pass, rule, subject, message, None));
        return;
    }
    let first = silent[0];
    findings.push(finding(
        CheckKind::BucketEvents,
        Outcome::Warning,
        rule,
        subject,
        format!(
            "{} never fire{} this rule: Emit Object Events is off{beyond}.",
            silent.join(", "),
            if silent.len() == 1 { "s" } else { "" }
        ),
        Some(Remedy {
            statement: None,
            console: Some(format!("Storage → Buckets → {first} → Emit Object Events → Edit → enable")),
            cli: Some(format!("oci os bucket update --bucket-name {first} --object-events-enabled true")),
        }),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_like_conditions() {
        assert!(wildcard("com.oraclecloud.objectstorage.*object", "com.oraclecloud.objectstorage.createobject"));
        assert!(wildcard("com.oraclecloud.objectstorage.createobject", "com.oraclecloud.objectstorage.createobject"));
        assert!(wildcard("*", "anything"));
        assert!(!wildcard("com.oraclecloud.objectstorage.*bucket", "com.oraclecloud.objectstorage.createobject"));
        assert!(!wildcard("com.oraclecloud.objectstorage.createobject", "com.oraclecloud.objectstorage.createobjectx"));
    }

    #[test]
    fn object_rules_are_recognised_by_their_types() {
        let condition = r#"{"eventType": ["com.oraclecloud.objectstorage.createobject", "com.oraclecloud.computeapi.launchinstance.end"]}"#;
        assert_eq!(object_types(condition).collect::<Vec<_>>(), ["com.oraclecloud.objectstorage.createobject"]);
        assert_eq!(object_types(r#"{"eventType": "com.oraclecloud.objectstorage.createbucket"}"#).count(), 0);
        assert_eq!(object_types("{}").count(), 0, "a catch-all rule is not about buckets");
    }

    #[test]
    fn endpoints_oci_cannot_reach_are_named() {
        for (endpoint, problem) in [
            ("http://hooks.example.com/x", Some("http")),
            ("https://10.0.0.5/hook", Some("not a public")),
            ("https://[::1]/hook", Some("not a public")),
            ("https://alerts.internal/hook", Some("private network")),
            ("https://hooks.slack.com/services/T/B/x", None),
        ] {
            let found = unreachable(&Protocol::CustomHttps, endpoint);
            assert_eq!(found.is_some(), problem.is_some(), "{endpoint}: {found:?}");
            if let (Some(found), Some(problem)) = (found, problem) {
                assert!(found.contains(problem), "{endpoint}: {found}");
            }
        }
        assert_eq!(unreachable(&Protocol::Email, "ops@example.com"), None);
    }
}

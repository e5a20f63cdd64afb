//! IAM policy statements, read well enough to answer one question: does some statement let this
//! principal do this verb on this resource type in this compartment? The answer is "granted" (by
//! which statement), "missing", or "can't tell" with the reason, never a guess.
//!
//! Understood: `Allow <subject> to <verb> <resource-type> in <location> [where <conditions>]`
//! with subjects `group <name>` (also `'Domain'/'name'`), `group id <ocid>`, lists of them,
//! `any-user`, `any-group`, `dynamic-group …` and `service <name>`; the four verbs; resource
//! types and the families and aggregate `all-resources` that include them; locations `tenancy`,
//! `compartment <name or a:b path>` (relative to where the policy is attached) and
//! `compartment id <ocid>`. A policy attached to a compartment also covers its subcompartments.
//!
//! Not evaluated, so reported as "can't tell" when they are all that would grant the need:
//! conditions (`where …`, except `request.principal.type = 'eventrule'` with an optional
//! `request.principal.compartment.id`, the form Oracle documents for the Events service),
//! permission lists (`{FN_INVOCATION}`), dynamic groups (their matching rules are not read), and
//! `define`/`endorse`/`admit` statements. Design choice (unconfirmed against OCI's evaluator):
//! group names compare case-insensitively and an identity domain prefix is ignored.

use crate::oci::error::Verb;
use std::collections::HashMap;

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// Groups, by name (lower case, domain dropped) or OCID.
    Groups(Vec<GroupRef>),
    /// Dynamic groups by name.
    DynamicGroups(Vec<String>),
    /// Every principal (`any-user`).
    AnyUser,
    /// Every user in a group (`any-group`).
    AnyGroup,
    /// OCI services by name, lower case (`cloudevents`).
    Services(Vec<String>),
}

/// A group as a statement names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    /// By name, lower case.
    Name(String),
    /// By OCID.
    Id(String),
}

/// Where a statement applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole tenancy.
    Tenancy,
    /// A compartment by name or `a:b` path, relative to the policy's compartment.
    Path(Vec<String>),
    /// A compartment by OCID.
    Id(String),
}

/// One understood `Allow` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// Who.
    pub subject: Subject,
    /// The verb; `None` for a permission list.
    pub verb: Option<Verb>,
    /// The resource type or family, lower case, aliases resolved.
    pub resource: String,
    /// Where.
    pub location: Location,
    /// The `where` clause, if any.
    pub condition: Option<String>,
}

/// A statement this module does not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread(pub String);

/// Parses one statement.
pub fn parse(text: &str) -> Result<Statement, Unread> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let first = lower.split_whitespace().next().unwrap_or_default();
    if first != "allow" {
        return Err(Unread(format!("a \"{first}\" statement (only Allow statements grant access)")));
    }
    let body = &text[5..];
    let body_lower = &lower[5..];
    let to = body_lower.find(" to ").ok_or_else(|| Unread("no \" to \" after the subject".into()))?;
    let subject = parse_subject(body[..to].trim())?;
    let rest = &body[to + 4..];
    let rest_lower = &body_lower[to + 4..];
    let (grant, rest, rest_lower) = match rest_lower.find(" in ") {
        Some(at) => (&rest[..at], &rest[at + 4..], &rest_lower[at + 4..]),
        None => return Err(Unread("no \" in <location>\"".into())),
    };
    let (location_text, condition) = match rest_lower.find(" where ") {
        Some(at) => (&rest[..at], Some(rest[at + 7..].trim().to_owned())),
        None => (rest, None),
    };
    let (verb, resource) = parse_grant(grant.trim())?;
    Ok(Statement { subject, verb, resource, location: parse_location(location_text.trim())?, condition })
}

fn parse_subject(text: &str) -> Result<Subject, Unread> {
    let lower = text.to_ascii_lowercase();
    if lower == "any-user" {
        return Ok(Subject::AnyUser);
    }
    if lower == "any-group" {
        return Ok(Subject::AnyGroup);
    }
    let names = |prefix: &str| -> Vec<String> {
        text[prefix.len()..]
            .split(',')
            .map(|part| {
                let part = part.trim();
                let part = if part.to_ascii_lowercase().starts_with(prefix) { &part[prefix.len()..] } else { part };
                part.trim().to_owned()
            })
            .filter(|part| !part.is_empty())
            .collect()
    };
    if lower.starts_with("service ") {
        return Ok(Subject::Services(names("service ").into_iter().map(|n| n.to_ascii_lowercase()).collect()));
    }
    if lower.starts_with("dynamic-group ") {
        return Ok(Subject::DynamicGroups(names("dynamic-group ")));
    }
    if lower.starts_with("group ") {
        let groups = names("group ")
            .into_iter()
            .map(|name| match name.strip_prefix("id ").or_else(|| name.strip_prefix("ID ")) {
                Some(id) => GroupRef::Id(id.trim().to_owned()),
                None => GroupRef::Name(group_name(&name)),
            })
            .collect();
        return Ok(Subject::Groups(groups));
    }
    Err(Unread(format!("the subject \"{text}\"")))
}

/// A group name as compared: quotes and an identity domain (`'Default'/'Admins'`) dropped,
/// lower case.
pub fn group_name(name: &str) -> String {
    let name = name.rsplit('/').next().unwrap_or(name);
    name.trim().trim_matches(|c| c == '\'' || c == '"').to_ascii_lowercase()
}

fn parse_grant(text: &str) -> Result<(Option<Verb>, String), Unread> {
    if text.starts_with('{') {
        let resource = text.rsplit('}').next().unwrap_or_default().trim();
        return Ok((None, canonical(resource)));
    }
    let mut words = text.split_whitespace();
    let verb = match words.next().map(str::to_ascii_lowercase).as_deref() {
        Some("inspect") => Verb::Inspect,
        Some("read") => Verb::Read,
        Some("use") => Verb::Use,
        Some("manage") => Verb::Manage,
        other => return Err(Unread(format!("the verb \"{}\"", other.unwrap_or_default()))),
    };
    let resource = words.next().ok_or_else(|| Unread("no resource type".into()))?;
    Ok((Some(verb), canonical(resource)))
}

/// Resource-type spellings seen in Oracle's own documentation, mapped to the canonical name.
fn canonical(resource: &str) -> String {
    let lower = resource.to_ascii_lowercase();
    match lower.as_str() {
        "ons-topic" => "ons-topics".into(),
        "function-family" => "functions-family".into(),
        "ons-subscription" => "ons-subscriptions".into(),
        _ => lower,
    }
}

fn parse_location(text: &str) -> Result<Location, Unread> {
    let lower = text.to_ascii_lowercase();
    if lower == "tenancy" {
        return Ok(Location::Tenancy);
    }
    let Some(rest) = lower.strip_prefix("compartment ").map(|_| text["compartment ".len()..].trim()) else {
        return Err(Unread(format!("the location \"{text}\"")));
    };
    if rest.to_ascii_lowercase().starts_with("id ") {
        return Ok(Location::Id(rest[3..].trim().to_owned()));
    }
    let path = rest.split(':').map(|p| p.trim().trim_matches('\'').trim_matches('"').to_owned()).collect();
    Ok(Location::Path(path))
}

/// Whether a statement's resource type includes `needed`.
pub fn covers(granted: &str, needed: &str) -> bool {
    granted == needed
        || granted == "all-resources"
        || FAMILIES.iter().any(|(family, members)| *family == granted && members.contains(&needed))
}

const FAMILIES: &[(&str, &[&str])] = &[
    ("functions-family", &["fn-app", "fn-function", "fn-invocation"]),
    ("ons-family", &["ons-topics", "ons-subscriptions"]),
    ("stream-family", &["streams", "stream-push", "stream-pull"]),
    ("object-family", &["buckets", "objects"]),
];

/// The compartment tree: parent and name of each compartment, by OCID.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// The tenancy (root) OCID.
    pub root: String,
    /// OCID → (parent OCID, name).
    pub compartments: HashMap<String, (String, String)>,
}

impl Tree {
    /// The compartment and its ancestors up to the root, nearest first.
    pub fn lineage(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_owned()];
        let mut current = id.to_owned();
        while let Some((parent, _)) = self.compartments.get(&current) {
            if out.contains(parent) || out.len() > 64 {
                break;
            }
            out.push(parent.clone());
            current = parent.clone();
        }
        if out.last() != Some(&self.root) {
            out.push(self.root.clone());
        }
        out
    }

    /// The compartment a location names for a policy attached to `attached_to`.
    fn resolve(&self, location: &Location, attached_to: &str) -> Option<String> {
        match location {
            Location::Tenancy => Some(self.root.clone()),
            Location::Id(id) => Some(id.clone()),
            Location::Path(path) => path.iter().try_fold(attached_to.to_owned(), |parent, name| {
                self.compartments
                    .iter()
                    .find(|(_, (p, n))| *p == parent && n.eq_ignore_ascii_case(name))
                    .map(|(id, _)| id.clone())
            }),
        }
    }
}

/// A policy as read from OCI.
#[derive(Debug, Clone)]
pub struct Attached {
    /// Its name.
    pub name: String,
    /// The compartment it is attached to.
    pub compartment_id: String,
    /// Its statements, as written.
    pub statements: Vec<String>,
}

/// The principal asking.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A user in these groups (names lower case, and OCIDs).
    User {
        /// Group names, as [`group_name`] gives them.
        group_names: Vec<String>,
        /// Group OCIDs.
        group_ids: Vec<String>,
    },
    /// The Events service delivering for a rule in this compartment.
    EventsService {
        /// The rule's compartment.
        rule_compartment: String,
    },
}

/// What IAM is asked.
#[derive(Debug, Clone)]
pub struct Need<'a> {
    /// At least this verb.
    pub verb: Verb,
    /// On this resource type.
    pub resource: &'a str,
    /// In this compartment.
    pub compartment_id: &'a str,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// This statement of this policy grants it.
    Granted {
        /// The policy's name.
        policy: String,
        /// The statement as written.
        statement: String,
    },
    /// Only statements Signalbox cannot evaluate might grant it.
    Unclear(String),
    /// Nothing grants it.
    Missing,
}

/// Whether `policies` give `principal` what `need` asks, judged over `tree`.
pub fn evaluate(need: &Need<'_>, principal: &Principal, policies: &[Attached], tree: &Tree) -> Verdict {
    let lineage = tree.lineage(need.compartment_id);
    let mut unclear: Option<String> = None;
    for policy in policies {
        for text in &policy.statements {
            let statement = match parse(text) {
                Ok(statement) => statement,
                Err(_) => continue,
            };
            if !covers(&statement.resource, need.resource) {
                continue;
            }
            let Some(place) = tree.resolve(&statement.location, &policy.compartment_id) else { continue };
            // A policy grants only in the compartment it is attached to and below.
            if !lineage.contains(&place) || !tree.lineage(&place).contains(&policy.compartment_id) {
                continue;
            }
            let why_unclear = match (subject_matches(&statement.subject, principal), statement.verb) {
                (Match::No, _) => continue,
                (_, Some(verb)) if verb < need.verb => continue,
                (Match::Maybe(why), _) => Some(why),
                (Match::Yes, None) => {
                    Some(format!("\"{text}\" grants permissions by name, which Signalbox does not map to verbs"))
                }
                (Match::Yes, Some(_)) => condition_unclear(statement.condition.as_deref(), principal, text),
            };
            match why_unclear {
                None => return Verdict::Granted { policy: policy.name.clone(), statement: text.clone() },
                Some(why) => unclear = unclear.or(Some(format!("policy \"{}\": {why}", policy.name))),
            }
        }
    }
    match unclear {
        Some(why) => Verdict::Unclear(why),
        None => Verdict::Missing,
    }
}

enum Match {
    Yes,
    No,
    Maybe(String),
}

fn subject_matches(subject: &Subject, principal: &Principal) -> Match {
    match (subject, principal) {
        (Subject::AnyUser, _) => Match::Yes,
        (Subject::AnyGroup, Principal::User { .. }) => Match::Yes,
        (Subject::Groups(groups), Principal::User { group_names, group_ids }) => {
            let member = groups.iter().any(|group| match group {
                GroupRef::Name(name) => group_names.contains(name),
                GroupRef::Id(id) => group_ids.contains(id),
            });
            if member { Match::Yes } else { Match::No }
        }
        (Subject::Services(names), Principal::EventsService { .. }) => {
            if names.iter().any(|n| n == "cloudevents") {
                Match::Yes
            } else {
                Match::No
            }
        }
        (Subject::DynamicGroups(names), _) => Match::Maybe(format!(
            "dynamic group {} may include this principal; its matching rule is not read",
            names.join(", ")
        )),
        _ => Match::No,
    }
}

/// Why a matching statement's condition leaves the answer open, if it does.
fn condition_unclear(condition: Option<&str>, principal: &Principal, text: &str) -> Option<String> {
    let condition = condition?;
    if let Principal::EventsService { rule_compartment } = principal
        && events_condition_holds(condition, rule_compartment)
    {
        return None;
    }
    Some(format!("\"{text}\" applies only where {condition}, which Signalbox does not evaluate"))
}

/// Whether a condition is the Events-service form Oracle documents and holds for a rule in
/// `rule_compartment`: `request.principal.type = 'eventrule'`, alone or in `all { … }` with
/// `request.principal.compartment.id = '<ocid>'`.
fn events_condition_holds(condition: &str, rule_compartment: &str) -> bool {
    let inner = condition.trim();
    let inner = match inner.to_ascii_lowercase().strip_prefix("all") {
        Some(rest) if rest.trim_start().starts_with('{') => {
            let start = inner.find('{').map_or(0, |i| i + 1);
            let end = inner.rfind('}').unwrap_or(inner.len());
            inner.get(start..end).unwrap_or_default()
        }
        _ => inner,
    };
    let mut saw_type = false;
    for clause in inner.split(',') {
        let Some((left, right)) = clause.split_once('=') else { return false };
        let left = left.trim().to_ascii_lowercase();
        let right = right.trim().trim_matches(|c| c == '\'' || c == '"');
        match left.as_str() {
            "request.principal.type" if right.eq_ignore_ascii_case("eventrule") => saw_type = true,
            "request.principal.compartment.id" if right == rule_compartment => {}
            _ => return false,
        }
    }
    saw_type
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "ocid1.tenancy.oc1..root";
    const PROD: &str = "ocid1.compartment.oc1..prod";
    const WEB: &str = "ocid1.compartment.oc1..web";
    const DEV: &str = "ocid1.compartment.oc1..dev";

    fn tree() -> Tree {
        let mut compartments = HashMap::new();
        compartments.insert(PROD.to_owned(), (ROOT.to_owned(), "prod".to_owned()));
        compartments.insert(WEB.to_owned(), (PROD.to_owned(), "web".to_owned()));
        compartments.insert(DEV.to_owned(), (ROOT.to_owned(), "dev".to_owned()));
        Tree { root: ROOT.into(), compartments }
    }

    fn attached(compartment: &str, statements: &[&str]) -> Vec<Attached> {
        vec![Attached {
            name: "p".into(),
            compartment_id: compartment.into(),
            statements: statements.iter().map(|s| (*s).to_owned()).collect(),
        }]
    }

    fn user(groups: &[&str]) -> Principal {
        Principal::User { group_names: groups.iter().map(|g| group_name(g)).collect(), group_ids: vec![] }
    }

    fn need<'a>(verb: Verb, resource: &'a str, compartment: &'a str) -> Need<'a> {
        Need { verb, resource, compartment_id: compartment }
    }

    #[test]
    fn statements_are_read() {
        let parsed = parse("ALLOW GROUP Administrators to manage all-resources IN TENANCY").unwrap();
        assert_eq!(parsed.subject, Subject::Groups(vec![GroupRef::Name("administrators".into())]));
        assert_eq!(
            (parsed.verb, parsed.resource.as_str(), parsed.location),
            (Some(Verb::Manage), "all-resources", Location::Tenancy)
        );
        let parsed = parse("Allow group 'Default'/'EventAdmins', group id ocid1.group.oc1..x to use ons-topic in compartment prod:web where request.user.id = 'a'").unwrap();
        assert_eq!(
            parsed.subject,
            Subject::Groups(vec![GroupRef::Name("eventadmins".into()), GroupRef::Id("ocid1.group.oc1..x".into())])
        );
        assert_eq!(parsed.resource, "ons-topics", "Oracle's singular spelling is the same type");
        assert_eq!(parsed.location, Location::Path(vec!["prod".into(), "web".into()]));
        assert_eq!(parsed.condition.as_deref(), Some("request.user.id = 'a'"));
        assert_eq!(
            parse("allow service cloudEvents to use functions-family in tenancy").unwrap().subject,
            Subject::Services(vec!["cloudevents".into()])
        );
        assert_eq!(
            parse("Allow any-user to {FN_INVOCATION} fn-function in compartment id ocid1.compartment.oc1..dev")
                .unwrap()
                .verb,
            None
        );
        assert!(parse("Define tenancy Acme as ocid1.tenancy.oc1..x").is_err());
        assert!(parse("Allow group x to frobnicate things in tenancy").is_err());
        assert!(parse("Allow group x to manage things").is_err());
    }

    #[test]
    fn a_grant_covers_its_compartment_and_below_with_weaker_verbs() {
        let policies = attached(ROOT, &["Allow group EventAdmins to manage cloudevents-rules in compartment prod"]);
        let admins = user(&["eventadmins"]);
        for (verb, compartment, granted) in [
            (Verb::Manage, PROD, true),
            (Verb::Inspect, WEB, true),
            (Verb::Manage, DEV, false),
            (Verb::Manage, ROOT, false),
        ] {
            let verdict = evaluate(&need(verb, "cloudevents-rules", compartment), &admins, &policies, &tree());
            assert_eq!(matches!(verdict, Verdict::Granted { .. }), granted, "{verb} in {compartment}: {verdict:?}");
        }
        let verdict = evaluate(&need(Verb::Manage, "cloudevents-rules", PROD), &user(&["others"]), &policies, &tree());
        assert_eq!(verdict, Verdict::Missing);
        let weak = attached(ROOT, &["Allow group EventAdmins to read cloudevents-rules in tenancy"]);
        assert_eq!(evaluate(&need(Verb::Manage, "cloudevents-rules", PROD), &admins, &weak, &tree()), Verdict::Missing);
    }

    #[test]
    fn names_resolve_from_where_the_policy_is_attached() {
        let in_prod = attached(PROD, &["Allow group ops to use ons-family in compartment web"]);
        let ops = user(&["ops"]);
        assert!(matches!(
            evaluate(&need(Verb::Use, "ons-topics", WEB), &ops, &in_prod, &tree()),
            Verdict::Granted { .. }
        ));
        let wrong = attached(ROOT, &["Allow group ops to use ons-family in compartment web"]);
        assert_eq!(
            evaluate(&need(Verb::Use, "ons-topics", WEB), &ops, &wrong, &tree()),
            Verdict::Missing,
            "web is not a child of the root"
        );
        let by_id = attached(PROD, &[&format!("Allow group ops to use fn-function in compartment id {WEB}")]);
        assert!(matches!(
            evaluate(&need(Verb::Use, "fn-function", WEB), &ops, &by_id, &tree()),
            Verdict::Granted { .. }
        ));
        let outside = attached(DEV, &[&format!("Allow group ops to use fn-function in compartment id {WEB}")]);
        assert_eq!(
            evaluate(&need(Verb::Use, "fn-function", WEB), &ops, &outside, &tree()),
            Verdict::Missing,
            "a policy attached to dev grants nothing in prod:web"
        );
    }

    #[test]
    fn the_events_service_is_granted_by_either_documented_form() {
        let events = Principal::EventsService { rule_compartment: PROD.into() };
        let function = need(Verb::Use, "fn-function", DEV);
        for statement in [
            "allow service cloudEvents to use functions-family in tenancy".to_owned(),
            "Allow any-user to use fn-function in compartment dev where request.principal.type = 'eventrule'"
                .to_owned(),
            format!(
                "Allow any-user to use fn-function in tenancy where all {{request.principal.type='eventrule', request.principal.compartment.id='{PROD}'}}"
            ),
        ] {
            let verdict = evaluate(&function, &events, &attached(ROOT, &[&statement]), &tree());
            assert!(matches!(verdict, Verdict::Granted { .. }), "{statement}: {verdict:?}");
        }
        let other_compartment = format!(
            "Allow any-user to use fn-function in tenancy where all {{request.principal.type='eventrule', request.principal.compartment.id='{DEV}'}}"
        );
        assert!(matches!(
            evaluate(&function, &events, &attached(ROOT, &[&other_compartment]), &tree()),
            Verdict::Unclear(_)
        ));
        let groups_only = attached(ROOT, &["Allow group Administrators to manage all-resources in tenancy"]);
        assert_eq!(
            evaluate(&function, &events, &groups_only, &tree()),
            Verdict::Missing,
            "a group's grant is not the service's"
        );
    }

    #[test]
    fn what_cannot_be_evaluated_is_said_not_guessed() {
        let ops = user(&["ops"]);
        let conditional =
            attached(ROOT, &["Allow group ops to manage ons-topics in tenancy where target.topic.name = 'x'"]);
        let Verdict::Unclear(why) = evaluate(&need(Verb::Manage, "ons-topics", PROD), &ops, &conditional, &tree())
        else {
            panic!("a condition is not evaluated")
        };
        assert!(why.contains("target.topic.name"), "{why}");
        let dynamic = attached(ROOT, &["Allow dynamic-group fn-callers to use fn-function in tenancy"]);
        assert!(matches!(
            evaluate(&need(Verb::Use, "fn-function", PROD), &ops, &dynamic, &tree()),
            Verdict::Unclear(_)
        ));
        let both = attached(
            ROOT,
            &[
                "Allow dynamic-group fn-callers to use fn-function in tenancy",
                "Allow group ops to use functions-family in tenancy",
            ],
        );
        assert!(
            matches!(evaluate(&need(Verb::Use, "fn-function", PROD), &ops, &both, &tree()), Verdict::Granted { .. }),
            "a clear grant wins"
        );
    }
}

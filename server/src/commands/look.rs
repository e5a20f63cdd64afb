//! Quick looks: `signalbox rules ls` and `signalbox topics ls` print a compartment's list as the
//! console shows it (read from the server's inventory, every page of it), with how fresh it is;
//! `signalbox rules show` prints one rule whole; `signalbox connections ls` the team's connections
//! and `signalbox compartments ls` the compartments one of them reaches.

use super::{Failure, Output, Session, print_json, print_table};
use app::api::inventory::{Freshness, MAX_PAGE, Page, PageRequest};
use app::api::rules::RuleFilter;
use app::api::topics::TopicFilter;
use app::format;

/// Which list to read.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// The team's connection, by name or id (may be left out when the team has only one).
    #[arg(long, env = "SIGNALBOX_CONNECTION")]
    pub connection: Option<String>,
    /// The compartment: its OCID, or its name or path (`ops/alerts`) in the connection's tree.
    #[arg(long, env = "SIGNALBOX_COMPARTMENT")]
    pub compartment: String,
    /// Only what contains this text (name, description, condition; any case).
    #[arg(long, short = 'q')]
    pub query: Option<String>,
}

/// Which rule to show.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// The rule: its OCID, or its name in `--compartment`.
    pub rule: String,
    /// The team's connection, by name or id (may be left out when the team has only one).
    #[arg(long, env = "SIGNALBOX_CONNECTION")]
    pub connection: Option<String>,
    /// Where to look for a rule given by name: the compartment's OCID, name or path.
    #[arg(long, env = "SIGNALBOX_COMPARTMENT")]
    pub compartment: Option<String>,
}

/// `signalbox rules show`.
pub async fn show_rule(session: &Session, args: &ShowArgs, output: Output) -> Result<(), Failure> {
    let team = session.team.team_id;
    let connection = session.connection(args.connection.as_deref()).await?;
    let wanted = args.rule.trim();
    let id = if app::model::ocid::Ocid::parse_of(wanted, &["eventrule"]).is_some() {
        wanted.to_owned()
    } else {
        let compartment = args.compartment.as_deref().ok_or_else(|| {
            Failure(format!("--compartment: say where to find the rule \"{wanted}\" by name, or give its OCID"))
        })?;
        let compartment = session.compartment(&connection, compartment).await?;
        let filter = RuleFilter { text: Some(wanted.to_owned()), ..RuleFilter::default() };
        let (found, _) =
            every_page(|paging| {
                let (filter, compartment) = (&filter, &compartment);
                async move {
                    session.call(app::api::rules::list_rules(team, connection.id, compartment, filter, &paging)).await
                }
            })
            .await?;
        let named: Vec<_> = found.into_iter().filter(|r| r.name == wanted).collect();
        match named.as_slice() {
            [one] => one.id.clone(),
            [] => return Err(Failure(format!("RULE: no rule in that compartment is called \"{wanted}\""))),
            many => {
                return Err(Failure(format!("RULE: {} rules are called \"{wanted}\"; give the OCID", many.len())));
            }
        }
    };
    let rule = session.call(app::api::rules::get_rule(team, connection.id, &id)).await?;
    if output == Output::Json {
        return print_json(&rule);
    }
    let rows = [
        ("Name", rule.name.clone()),
        ("OCID", rule.id.clone()),
        ("State", rule.state.clone()),
        ("Enabled", if rule.is_enabled { "yes" } else { "no" }.to_owned()),
        ("Description", rule.description.clone()),
        ("Compartment", rule.compartment_id.clone()),
        ("Created", rule.created_at.to_rfc3339()),
    ];
    for (label, value) in rows {
        println!("{label:<12} {value}");
    }
    let condition = serde_json::from_str::<serde_json::Value>(&rule.condition)
        .ok()
        .and_then(|c| serde_json::to_string_pretty(&c).ok())
        .unwrap_or_else(|| rule.condition.clone());
    println!("Condition");
    for line in condition.lines() {
        println!("  {line}");
    }
    println!("Actions");
    for action in &rule.actions {
        let enabled = if action.is_enabled { "" } else { " (disabled)" };
        println!("  {} {}{enabled}", action.kind.as_str(), action.target_id);
    }
    Ok(())
}

/// `signalbox connections ls`.
pub async fn list_connections(session: &Session, output: Output) -> Result<(), Failure> {
    let all = session.call(app::api::connections::list_connections(session.team.team_id)).await?;
    if output == Output::Json {
        return print_json(&all);
    }
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|c| {
            let test = c.last_test.as_ref().map_or("not tested", |t| if t.ok { "ok" } else { "FAILED" });
            vec![c.name.clone(), c.kind.as_str().to_owned(), c.region.clone(), test.to_owned(), c.tenancy.clone()]
        })
        .collect();
    print_table(&["NAME", "KIND", "REGION", "LAST TEST", "TENANCY"], &rows);
    Ok(())
}

/// `signalbox compartments ls`: the tree a connection reaches, with the paths `--compartment`
/// takes.
pub async fn list_compartments(session: &Session, connection: Option<&str>, output: Output) -> Result<(), Failure> {
    let connection = session.connection(connection).await?;
    let tree = session.call(app::api::connections::list_compartments(session.team.team_id, connection.id)).await?;
    if output == Output::Json {
        return print_json(&tree);
    }
    let rows: Vec<Vec<String>> = tree.iter().map(|c| vec![c.path.clone(), c.id.clone()]).collect();
    print_table(&["PATH", "OCID"], &rows);
    Ok(())
}

/// `signalbox rules ls`.
pub async fn list_rules(session: &Session, args: &ListArgs, output: Output) -> Result<(), Failure> {
    let (team, connection, compartment) = scope(session, args).await?;
    let filter = RuleFilter { text: args.query.clone(), ..RuleFilter::default() };
    let (rules, freshness) = every_page(|paging| {
        let (filter, compartment) = (&filter, &compartment);
        async move { session.call(app::api::rules::list_rules(team, connection, compartment, filter, &paging)).await }
    })
    .await?;
    if output == Output::Json {
        return print_json(&rules);
    }
    let rows: Vec<Vec<String>> = rules
        .iter()
        .map(|rule| {
            let types = app::catalogue::named_types(&rule.condition);
            let types = types.iter().map(|t| t.trim_start_matches("com.oraclecloud.")).collect::<Vec<_>>();
            vec![
                rule.name.clone(),
                rule.state.clone(),
                if rule.is_enabled { "yes" } else { "no" }.to_owned(),
                if types.is_empty() { "(any)".to_owned() } else { types.join(", ") },
                rule.id.clone(),
            ]
        })
        .collect();
    print_table(&["NAME", "STATE", "ENABLED", "EVENT TYPES", "OCID"], &rows);
    footer(rows.len(), "rule", &freshness);
    Ok(())
}

/// `signalbox topics ls`.
pub async fn list_topics(session: &Session, args: &ListArgs, output: Output) -> Result<(), Failure> {
    let (team, connection, compartment) = scope(session, args).await?;
    let filter = TopicFilter { text: args.query.clone(), ..TopicFilter::default() };
    let (topics, freshness) = every_page(|paging| {
        let (filter, compartment) = (&filter, &compartment);
        async move { session.call(app::api::topics::list_topics(team, connection, compartment, filter, &paging)).await }
    })
    .await?;
    if output == Output::Json {
        return print_json(&topics);
    }
    let rows: Vec<Vec<String>> = topics
        .iter()
        .map(|topic| {
            let counts = &topic.subscriptions;
            vec![
                topic.name.clone(),
                topic.state.clone(),
                format!("{} active, {} pending", counts.active, counts.pending),
                topic.id.clone(),
            ]
        })
        .collect();
    print_table(&["NAME", "STATE", "SUBSCRIPTIONS", "OCID"], &rows);
    footer(rows.len(), "topic", &freshness);
    Ok(())
}

/// The team, connection id and compartment OCID the arguments name.
async fn scope(session: &Session, args: &ListArgs) -> Result<(i64, i64, String), Failure> {
    let connection = session.connection(args.connection.as_deref()).await?;
    let compartment = session.compartment(&connection, &args.compartment).await?;
    Ok((session.team.team_id, connection.id, compartment))
}

/// Reads every page of a list, the largest pages the API gives.
async fn every_page<T, F, Fut>(read: F) -> Result<(Vec<T>, Freshness), Failure>
where
    F: Fn(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, app::api::ApiError>>,
{
    let mut paging = PageRequest { limit: Some(MAX_PAGE), ..PageRequest::default() };
    let mut items = Vec::new();
    loop {
        let page = read(paging.clone()).await?;
        items.extend(page.items);
        match page.next {
            Some(next) => paging.after = Some(next),
            None => return Ok((items, page.freshness)),
        }
    }
}

/// "3 rules, synced 12 s ago", and on standard error when the last sync failed.
fn footer(count: usize, what: &str, freshness: &Freshness) {
    let now = freshness.answered_at;
    let plural = if count == 1 { "" } else { "s" };
    let synced = freshness
        .synced_at
        .map_or_else(|| "not synced yet".to_owned(), |at| format!("synced {}", format::relative(at, now)));
    println!("{count} {what}{plural}, {synced}");
    if let Some(error) = &freshness.error {
        eprintln!("signalbox: warning: the last sync failed, so this may be out of date: {error}");
    }
}

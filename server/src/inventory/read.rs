//! Reading a compartment from OCI for the inventory: every kind's list at once, each paged as OCI
//! pages it (50 a page), then each new rule's actions a few at a time (OCI's rule list does not
//! carry them).

use super::items;
use crate::db::inventory_items::NewItem;
use crate::oci::client::{OciClient, collect_pages};
use crate::oci::error::OciError;
use crate::oci::events::ListRulesRequest;
use crate::oci::functions::{ListApplicationsRequest, ListFunctionsRequest};
use app::api::functions::FunctionSummary;
use futures_util::{StreamExt, TryStreamExt, stream};

/// Applications whose functions are listed at once.
const LISTS_IN_FLIGHT: usize = 4;

/// What a compartment holds, as inventory rows (with a rule's actions when the list had them).
pub struct Read {
    /// Rows of every kind.
    pub items: Vec<(NewItem, Option<String>)>,
}

/// Reads every rule, topic, subscription and function of `compartment_id`.
pub async fn compartment(client: &OciClient, compartment_id: &str) -> Result<Read, OciError> {
    let (rules, topics, subscriptions, functions) = futures_util::try_join!(
        rules(client, compartment_id),
        topics(client, compartment_id),
        subscriptions(client, compartment_id),
        functions(client, compartment_id),
    )?;
    let mut items = rules;
    items.extend(topics.into_iter().map(|t| (t, None)));
    items.extend(subscriptions.into_iter().map(|s| (s, None)));
    items.extend(functions.into_iter().map(|f| (f, None)));
    Ok(Read { items })
}

async fn rules(client: &OciClient, compartment_id: &str) -> Result<Vec<(NewItem, Option<String>)>, OciError> {
    let listed = collect_pages(|page| {
        let client = client.clone();
        let request =
            ListRulesRequest { compartment_id: compartment_id.to_owned(), limit: Some(50), page, ..Default::default() };
        async move { client.list_rules(&request).await }
    })
    .await?;
    Ok(listed.into_iter().map(|r| items::rule_summary(&crate::api::rules::summary(r))).collect())
}

async fn topics(client: &OciClient, compartment_id: &str) -> Result<Vec<NewItem>, OciError> {
    let listed = client.list_all_topics(compartment_id).await?;
    Ok(listed.into_iter().map(|t| items::topic(&crate::api::topics::topic(t, Default::default()))).collect())
}

async fn subscriptions(client: &OciClient, compartment_id: &str) -> Result<Vec<NewItem>, OciError> {
    let listed = client.list_all_subscriptions(compartment_id, None).await?;
    Ok(listed
        .into_iter()
        .map(|s| items::subscription(&crate::api::subscriptions::from_summary(s, None), compartment_id))
        .collect())
}

/// Every application's functions: the applications, then their functions a few at a time.
async fn functions(client: &OciClient, compartment_id: &str) -> Result<Vec<NewItem>, OciError> {
    let applications = collect_pages(|page| {
        let client = client.clone();
        let request = ListApplicationsRequest { compartment_id: compartment_id.to_owned(), page, ..Default::default() };
        async move { client.list_applications(&request).await }
    })
    .await?;
    let per_application: Vec<Vec<NewItem>> = stream::iter(applications)
        .map(|application| async move {
            let functions = collect_pages(|page| {
                let client = client.clone();
                let request =
                    ListFunctionsRequest { application_id: application.id.clone(), page, ..Default::default() };
                async move { client.list_functions(&request).await }
            })
            .await?;
            Ok::<_, OciError>(
                functions
                    .into_iter()
                    .map(|f| {
                        let summary = FunctionSummary {
                            id: f.id,
                            name: f.display_name,
                            application: application.display_name.clone(),
                            state: f.lifecycle_state.as_str().to_owned(),
                        };
                        items::function(&summary, compartment_id)
                    })
                    .collect(),
            )
        })
        .buffered(LISTS_IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(per_application.into_iter().flatten().collect())
}

/// Every compartment under `tenancy`, as inventory rows.
pub async fn tree(client: &OciClient, tenancy: &str) -> Result<Vec<NewItem>, OciError> {
    let all = collect_pages(|page| {
        let (client, tenancy) = (client.clone(), tenancy.to_owned());
        async move { client.list_compartments(&tenancy, true, page.as_deref()).await }
    })
    .await?;
    Ok(all.iter().map(items::compartment).collect())
}

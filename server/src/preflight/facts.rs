//! What pre-flight checks read from OCI, read at once: independent reads run concurrently, so a
//! check costs a few round trips whatever OCI's latency, not one per fact. A read that fails is
//! kept as the reason the checks that need it cannot tell, never as a failure of the whole check.
//!
//! Policies are read only where they can matter: a policy grants access in the compartment it is
//! attached to and below, so only the compartments on the way from the root to the rule's and
//! its targets' compartments are listed, not every compartment of the tenancy (one call each,
//! which in a tenancy of hundreds would make checking as you type cost hundreds of calls).

use super::policy::{Attached, Tree};
use crate::oci::client::{OciClient, collect_pages};
use crate::oci::error::OciError;
use crate::oci::functions::Function;
use crate::oci::objectstorage::Bucket;
use crate::oci::ons::{ListSubscriptionsRequest, NotificationTopic, SubscriptionSummary};
use futures_util::{StreamExt, TryStreamExt};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Reads in flight at once for one kind of fact.
const IN_FLIGHT: usize = 8;
/// Buckets read one by one (OCI's list does not say whether a bucket emits events) at most.
pub const MAX_BUCKETS: usize = 200;

/// A fact, or why it could not be read.
pub type Read<T> = Result<T, String>;

/// Who the connection signs in as.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A user (API key or session token) in these groups.
    User {
        /// Group names, as OCI spells them.
        names: Vec<String>,
        /// Group OCIDs.
        ids: Vec<String>,
    },
    /// Not a user, or its groups could not be read: why.
    Unknown(String),
}

/// What to read.
pub struct Wanted<'a> {
    /// The tenancy.
    pub tenancy: &'a str,
    /// The rules' compartment.
    pub compartment: &'a str,
    /// The connection's user, when it signs in as one.
    pub user: Option<&'a str>,
    /// Topic OCIDs the actions name.
    pub topics: BTreeSet<String>,
    /// Function OCIDs the actions name.
    pub functions: BTreeSet<String>,
    /// The compartment whose buckets to read, when a rule watches object events.
    pub buckets_in: Option<&'a str>,
}

/// Everything read.
pub struct Facts {
    /// The compartment tree.
    pub tree: Read<Tree>,
    /// Every policy of the tenancy.
    pub policies: Read<Vec<Attached>>,
    /// The connection's identity.
    pub identity: Identity,
    /// Topics by OCID; `None` when OCI says there is no such topic.
    pub topics: HashMap<String, Read<Option<NotificationTopic>>>,
    /// Each topic's subscriptions.
    pub subscriptions: HashMap<String, Read<Vec<SubscriptionSummary>>>,
    /// Functions by OCID; `None` when there is no such function.
    pub functions: HashMap<String, Read<Option<Function>>>,
    /// The buckets of `buckets_in`, and whether there were more than [`MAX_BUCKETS`].
    pub buckets: Option<Read<(Vec<Bucket>, bool)>>,
}

/// The facts that are the same for every target of one fan-out plan: the compartment tree, who
/// the connection is, and the policies of each compartment. Each is read once, by the first
/// target that needs it, and the others wait for that read instead of repeating it (150 targets
/// would otherwise list the same policies 150 times). Kept for one plan only: IAM may change
/// between a review and its apply, which reads them again.
#[derive(Debug, Default)]
pub struct Shared {
    tree: tokio::sync::OnceCell<Read<Tree>>,
    identity: tokio::sync::OnceCell<Identity>,
    policies: std::sync::Mutex<HashMap<String, Arc<PoliciesOnce>>>,
}

/// One compartment's policies, read once.
type PoliciesOnce = tokio::sync::OnceCell<Read<Vec<Attached>>>;

impl Shared {
    /// The policies attached to `compartment`, read once.
    fn policies_of(&self, compartment: &str) -> Arc<PoliciesOnce> {
        let mut cells = self.policies.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        cells.entry(compartment.to_owned()).or_default().clone()
    }
}

/// Reads everything `wanted` names; what `shared` holds is read once for every plan sharing it.
pub async fn read(client: &OciClient, wanted: Wanted<'_>, shared: Option<&Shared>) -> Facts {
    // Owned ids, so the streams borrow nothing but the client: a plan of a hundred rules reads
    // its targets [`IN_FLIGHT`] at a time, not a hundred calls at once.
    let topic_ids: Vec<String> = wanted.topics.iter().cloned().collect();
    let topics = futures_util::stream::iter(topic_ids)
        .map(|id| async move {
            let topic = found(client.get_topic(&id).await.map(|r| r.body));
            let subscriptions = match &topic {
                Ok(Some(topic)) => subscriptions(client, topic).await,
                Ok(None) => Ok(Vec::new()),
                Err(why) => Err(why.clone()),
            };
            (id, topic, subscriptions)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>();
    let function_ids: Vec<String> = wanted.functions.iter().cloned().collect();
    let functions = futures_util::stream::iter(function_ids)
        .map(|id| async move {
            let function = found(client.get_function(&id).await.map(|r| r.body));
            (id, function)
        })
        .buffer_unordered(IN_FLIGHT)
        .collect::<Vec<_>>();
    let buckets = async {
        match wanted.buckets_in {
            Some(compartment) => Some(buckets(client, compartment).await),
            None => None,
        }
    };
    let tree = async {
        match shared {
            Some(shared) => shared.tree.get_or_init(|| tree(client, wanted.tenancy)).await.clone(),
            None => tree(client, wanted.tenancy).await,
        }
    };
    let identity = async {
        match shared {
            Some(shared) => shared.identity.get_or_init(|| identity(client, wanted.tenancy, wanted.user)).await.clone(),
            None => identity(client, wanted.tenancy, wanted.user).await,
        }
    };
    let (tree, identity, topics, functions, buckets) = tokio::join!(tree, identity, topics, functions, buckets);
    let mut by_topic = HashMap::new();
    let mut subscriptions_by_topic = HashMap::new();
    for (id, topic, subscriptions) in topics {
        by_topic.insert(id.clone(), topic);
        subscriptions_by_topic.insert(id, subscriptions);
    }
    let functions: HashMap<String, Read<Option<Function>>> = functions.into_iter().collect();
    let policies = match &tree {
        Ok(tree) => {
            let targets = by_topic
                .values()
                .filter_map(|t| t.as_ref().ok().and_then(Option::as_ref).map(|t| t.compartment_id.as_str()))
                .chain(
                    functions
                        .values()
                        .filter_map(|f| f.as_ref().ok().and_then(Option::as_ref).map(|f| f.compartment_id.as_str())),
                );
            let places: BTreeSet<String> =
                std::iter::once(wanted.compartment).chain(targets).flat_map(|c| tree.lineage(c)).collect();
            match shared {
                Some(shared) => shared_policies(client, shared, places).await,
                None => policies(client, places).await,
            }
        }
        Err(why) => Err(why.clone()),
    };
    Facts { tree, policies, identity, topics: by_topic, subscriptions: subscriptions_by_topic, functions, buckets }
}

/// A read of one resource: absent on 404, the error's words otherwise.
fn found<T>(result: Result<T, OciError>) -> Read<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.status() == Some(404) => Ok(None),
        Err(err) => Err(err.to_string()),
    }
}

async fn subscriptions(client: &OciClient, topic: &NotificationTopic) -> Read<Vec<SubscriptionSummary>> {
    collect_pages(|page| {
        let request = ListSubscriptionsRequest {
            compartment_id: topic.compartment_id.clone(),
            topic_id: Some(topic.topic_id.clone()),
            page,
            limit: Some(50),
        };
        async move { client.list_subscriptions(&request).await }
    })
    .await
    .map_err(|err| err.to_string())
}

/// The compartment tree of the tenancy.
pub(crate) async fn tree(client: &OciClient, tenancy: &str) -> Read<Tree> {
    let compartments =
        collect_pages(|page| async move { client.list_compartments(tenancy, true, page.as_deref()).await })
            .await
            .map_err(|err| format!("the compartments could not be listed ({err})"))?;
    Ok(Tree {
        root: tenancy.to_owned(),
        compartments: compartments.into_iter().map(|c| (c.id, (c.compartment_id, c.name))).collect(),
    })
}

/// The policies attached to `places`, each compartment's read once for every plan of `shared`.
async fn shared_policies(client: &OciClient, shared: &Shared, places: BTreeSet<String>) -> Read<Vec<Attached>> {
    let lists: Vec<Read<Vec<Attached>>> = futures_util::stream::iter(places)
        .map(|compartment| async move {
            let cell = shared.policies_of(&compartment);
            cell.get_or_init(|| policies(client, BTreeSet::from([compartment.clone()]))).await.clone()
        })
        .buffer_unordered(IN_FLIGHT)
        .collect()
        .await;
    lists.into_iter().collect::<Result<Vec<_>, _>>().map(|all| all.into_iter().flatten().collect())
}

/// The policies attached to `places`.
async fn policies(client: &OciClient, places: BTreeSet<String>) -> Read<Vec<Attached>> {
    futures_util::stream::iter(places)
        .map(|compartment| async move {
            collect_pages(|page| {
                let compartment = compartment.clone();
                async move { client.list_policies(&compartment, page.as_deref()).await }
            })
            .await
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await
        .map(|lists| {
            lists
                .into_iter()
                .flatten()
                .map(|p| Attached { name: p.name, compartment_id: p.compartment_id, statements: p.statements })
                .collect()
        })
        .map_err(|err| {
            format!("the policies could not be listed ({err}); the connection's user needs inspect policies in tenancy")
        })
}

async fn identity(client: &OciClient, tenancy: &str, user: Option<&str>) -> Identity {
    let Some(user) = user else {
        return Identity::Unknown(
            "the connection signs in as an instance or resource principal, whose permissions come from dynamic groups Signalbox does not read".into(),
        );
    };
    let memberships =
        collect_pages(|page| async move { client.list_user_group_memberships(tenancy, user, page.as_deref()).await });
    let groups = collect_pages(|page| async move { client.list_groups(tenancy, page.as_deref()).await });
    match tokio::join!(memberships, groups) {
        (Ok(memberships), Ok(groups)) => {
            let ids: Vec<String> = memberships.into_iter().map(|m| m.group_id).collect();
            let names = groups.iter().filter(|g| ids.contains(&g.id)).map(|g| g.name.clone()).collect();
            Identity::User { names, ids }
        }
        (Err(err), _) | (_, Err(err)) => Identity::Unknown(format!(
            "the user's groups could not be read ({err}); the connection's user needs inspect groups in tenancy"
        )),
    }
}

async fn buckets(client: &OciClient, compartment: &str) -> Read<(Vec<Bucket>, bool)> {
    let namespace = client.get_namespace().await.map_err(|err| err.to_string())?.body;
    let namespace = namespace.as_str();
    let listed =
        collect_pages(|page| async move { client.list_buckets(namespace, compartment, page.as_deref()).await })
            .await
            .map_err(|err| err.to_string())?;
    let more = listed.len() > MAX_BUCKETS;
    let buckets = futures_util::stream::iter(listed.into_iter().take(MAX_BUCKETS))
        .map(|summary| async move { client.get_bucket(namespace, &summary.name).await.map(|r| r.body) })
        .buffer_unordered(IN_FLIGHT)
        .try_collect::<Vec<_>>()
        .await
        .map_err(|err| err.to_string())?;
    Ok((buckets, more))
}

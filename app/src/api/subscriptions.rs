//! Subscriptions of a topic: the types of `.../topics/{topic_id}/subscriptions` and
//! `.../subscriptions`, the per-protocol checks the form and the server share, and the client
//! calls.
//!
//! An HTTPS endpoint may carry Basic credentials; OCI takes them in the URL's userinfo
//! (`oci-api.md` §7, CUSTOM_HTTPS). Signalbox takes them as separate fields, builds that URL for
//! OCI and never shows the password again: every endpoint it answers goes through
//! [`redact_endpoint`]. The protocols and the endpoint checks are in [`crate::model::subscription`].

use super::ApiError;
use crate::model::problem::Problem;
pub use crate::model::subscription::{
    MAX_ENDPOINT, SubscriptionProtocol, check_endpoint, is_loopback_http, redact_endpoint,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A subscription, with its endpoint's password (if any) hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Subscription {
    /// Subscription OCID.
    pub id: String,
    /// Topic OCID.
    pub topic_id: String,
    /// Topic name, when the list spans topics.
    pub topic_name: Option<String>,
    /// Protocol, as OCI names it (`EMAIL`, `CUSTOM_HTTPS`, …).
    pub protocol: String,
    /// Address, URL (password replaced by `****`), phone number or function OCID.
    pub endpoint: String,
    /// `PENDING` until the endpoint confirms, then `ACTIVE`.
    pub state: String,
    /// Created, when OCI says.
    pub created_at: Option<DateTime<Utc>>,
    /// Seconds since it was created, as of the answer: how long a pending one has waited.
    pub age_seconds: Option<i64>,
}

/// Basic credentials for an HTTPS endpoint.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BasicAuth {
    /// User name (no colon).
    pub username: String,
    /// Password; stored by OCI, never answered by Signalbox.
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth").field("username", &self.username).field("password", &"****").finish()
    }
}

/// Body of `POST .../topics/{topic_id}/subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreateSubscriptionRequest {
    /// Protocol.
    pub protocol: SubscriptionProtocol,
    /// Address, URL, phone number or function OCID.
    pub endpoint: String,
    /// Basic credentials, for `CUSTOM_HTTPS` only.
    #[serde(default)]
    pub basic_auth: Option<BasicAuth>,
}

/// Why Basic credentials are not acceptable, if they are not.
pub fn check_basic_auth(protocol: SubscriptionProtocol, auth: &BasicAuth) -> Result<(), Problem> {
    if protocol != SubscriptionProtocol::CustomHttps {
        return Err(Problem::new("basic_auth", "Only HTTPS endpoints take Basic credentials; remove them."));
    }
    if auth.username.is_empty() || auth.username.contains(':') || auth.username.chars().any(char::is_control) {
        return Err(Problem::new("basic_auth.username", "Enter a user name without a colon."));
    }
    if auth.password.is_empty() {
        return Err(Problem::new("basic_auth.password", "Enter the password, or clear the user name to send none."));
    }
    Ok(())
}

/// The endpoint OCI is given: the URL with `user:password@` inserted for Basic credentials.
pub fn endpoint_with_credentials(endpoint: &str, auth: Option<&BasicAuth>) -> String {
    let Some(auth) = auth else {
        return endpoint.to_owned();
    };
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return endpoint.to_owned();
    };
    format!("{scheme}://{}:{}@{rest}", super::urlencoding(&auth.username), super::urlencoding(&auth.password))
}

fn base(team_id: i64, connection_id: i64) -> String {
    format!("/teams/{team_id}/connections/{connection_id}")
}

/// Lists a topic's subscriptions.
pub async fn list_subscriptions(
    team_id: i64,
    connection_id: i64,
    topic_id: &str,
) -> Result<Vec<Subscription>, ApiError> {
    let path = format!("{}/topics/{}/subscriptions", base(team_id, connection_id), super::urlencoding(topic_id));
    super::get_json(&path).await
}

/// A page of a compartment's subscriptions across topics (oldest first unless `paging` says),
/// optionally only those in `state`.
pub async fn list_compartment_subscriptions(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    state: Option<&str>,
    paging: &super::inventory::PageRequest,
) -> Result<super::inventory::Page<Subscription>, ApiError> {
    let mut path =
        format!("{}/subscriptions?compartment_id={}", base(team_id, connection_id), super::urlencoding(compartment_id));
    if let Some(state) = state {
        path.push_str(&format!("&state={}", super::urlencoding(state)));
    }
    path.push_str(&paging.query());
    super::get_json(&path).await
}

/// Creates a subscription; it starts `PENDING` until the endpoint confirms (functions start
/// `ACTIVE`).
pub async fn create_subscription(
    team_id: i64,
    connection_id: i64,
    topic_id: &str,
    request: &CreateSubscriptionRequest,
    csrf: &str,
) -> Result<Subscription, ApiError> {
    let path = format!("{}/topics/{}/subscriptions", base(team_id, connection_id), super::urlencoding(topic_id));
    super::send_json(http::Method::POST, &path, request, Some(csrf)).await
}

/// Deletes a subscription.
pub async fn delete_subscription(
    team_id: i64,
    connection_id: i64,
    subscription_id: &str,
    csrf: &str,
) -> Result<(), ApiError> {
    let path = format!("{}/subscriptions/{}", base(team_id, connection_id), super::urlencoding(subscription_id));
    super::send_empty(http::Method::DELETE, &path, Some(csrf)).await
}

/// Sends a pending subscription's confirmation request again.
pub async fn resend_confirmation(
    team_id: i64,
    connection_id: i64,
    subscription_id: &str,
    csrf: &str,
) -> Result<(), ApiError> {
    let path = format!(
        "{}/subscriptions/{}/resend_confirmation",
        base(team_id, connection_id),
        super::urlencoding(subscription_id)
    );
    super::send_empty(http::Method::POST, &path, Some(csrf)).await
}

#[cfg(test)]
mod tests {
    use super::SubscriptionProtocol::*;
    use super::*;

    #[test]
    fn endpoints_are_checked_per_protocol() {
        assert!(check_endpoint(Email, "oncall@example.com", false).is_ok());
        for bad in ["oncall", "a@b", "a b@example.com", "@example.com", "a@.com"] {
            assert!(check_endpoint(Email, bad, false).unwrap_err().contains("e-mail"), "{bad}");
        }
        assert!(check_endpoint(CustomHttps, "https://hooks.example.com/oci", false).is_ok());
        assert!(check_endpoint(CustomHttps, "http://hooks.example.com/oci", true).unwrap_err().contains("https://"));
        assert!(check_endpoint(CustomHttps, "http://127.0.0.1:9000/hook", true).is_ok());
        assert!(check_endpoint(CustomHttps, "http://127.0.0.1:9000/hook", false).unwrap_err().contains("https://"));
        assert!(check_endpoint(CustomHttps, "https://h.example.com/x?a=1", false).unwrap_err().contains("query"));
        assert!(check_endpoint(CustomHttps, "https://u:p@h.example.com/x", false).unwrap_err().contains("Basic"));
        assert!(check_endpoint(Slack, "https://hooks.slack.com/services/T/B/X", false).is_ok());
        assert!(check_endpoint(Slack, "https://example.com/x", false).is_err());
        assert!(check_endpoint(Pagerduty, "https://events.pagerduty.com/integration/k/enqueue", false).is_ok());
        assert!(check_endpoint(Sms, "+14155550100", false).is_ok());
        assert!(check_endpoint(Sms, "4155550100", false).is_err());
        assert!(check_endpoint(OracleFunctions, "ocid1.fnfunc.oc1.iad.aaaa", false).is_ok());
        assert!(check_endpoint(OracleFunctions, "ocid1.topic.oc1..x", false).is_err());
        assert!(check_endpoint(Email, &format!("{}@example.com", "a".repeat(600)), false).unwrap_err().contains("512"));
    }

    #[test]
    fn credentials_go_into_the_url_and_never_come_back() {
        let auth = BasicAuth { username: "ops".into(), password: "s3cr:t@x".into() };
        let url = endpoint_with_credentials("https://h.example.com/hook", Some(&auth));
        assert_eq!(url, "https://ops:s3cr%3At%40x@h.example.com/hook");
        assert_eq!(redact_endpoint(&url), "https://ops:****@h.example.com/hook");
        assert_eq!(redact_endpoint("https://h.example.com/a@b"), "https://h.example.com/a@b");
        assert_eq!(redact_endpoint("oncall@example.com"), "oncall@example.com");
        assert!(!format!("{auth:?}").contains("s3cr"));
        // Defect 18.8: Slack and PagerDuty webhook URLs are credentials too.
        assert_eq!(
            redact_endpoint("https://hooks.slack.com/services/T0001/B0002/abcdefghijklmnopqrstuvwx"),
            "https://hooks.slack.com/services/****uvwx"
        );
        assert_eq!(
            redact_endpoint("https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue"),
            "https://events.pagerduty.com/integration/****cdef/enqueue"
        );
        assert_eq!(redact_endpoint("https://hooks.slack.com/services/short"), "https://hooks.slack.com/services/****");
        assert!(check_basic_auth(Email, &auth).is_err());
        let no_user = BasicAuth { username: String::new(), password: "p".into() };
        assert_eq!(check_basic_auth(CustomHttps, &no_user).unwrap_err().field, "basic_auth.username");
    }
}

//! Subscriptions of a topic: the types of `.../topics/{topic_id}/subscriptions` and
//! `.../subscriptions`, the per-protocol checks the form and the server share, and the client
//! calls.
//!
//! An HTTPS endpoint may carry Basic credentials; OCI takes them in the URL's userinfo
//! (`oci-api.md` §7, CUSTOM_HTTPS). Signalbox takes them as separate fields, builds that URL for
//! OCI and never shows the password again: every endpoint it answers goes through
//! [`redact_endpoint`].

use super::ApiError;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The delivery protocols a subscription can use, as OCI names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubscriptionProtocol {
    /// An e-mail address.
    Email,
    /// An HTTPS endpoint (optionally with Basic credentials).
    CustomHttps,
    /// A Slack incoming-webhook URL.
    Slack,
    /// A PagerDuty Events integration URL.
    Pagerduty,
    /// A phone number for SMS.
    Sms,
    /// An OCI function.
    OracleFunctions,
}

impl SubscriptionProtocol {
    /// Every protocol, in the order the form offers them.
    pub const ALL: [Self; 6] =
        [Self::Email, Self::CustomHttps, Self::Slack, Self::Pagerduty, Self::Sms, Self::OracleFunctions];

    /// OCI's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "EMAIL",
            Self::CustomHttps => "CUSTOM_HTTPS",
            Self::Slack => "SLACK",
            Self::Pagerduty => "PAGERDUTY",
            Self::Sms => "SMS",
            Self::OracleFunctions => "ORACLE_FUNCTIONS",
        }
    }

    /// OCI's name parsed back.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "E-mail",
            Self::CustomHttps => "HTTPS endpoint",
            Self::Slack => "Slack",
            Self::Pagerduty => "PagerDuty",
            Self::Sms => "SMS",
            Self::OracleFunctions => "Function",
        }
    }

    /// What the endpoint field holds, as its label.
    pub fn endpoint_label(self) -> &'static str {
        match self {
            Self::Email => "E-mail address",
            Self::CustomHttps => "URL",
            Self::Slack => "Slack webhook URL",
            Self::Pagerduty => "PagerDuty integration URL",
            Self::Sms => "Phone number",
            Self::OracleFunctions => "Function OCID",
        }
    }

    /// An example endpoint, as the field's placeholder.
    pub fn example(self) -> &'static str {
        match self {
            Self::Email => "oncall@example.com",
            Self::CustomHttps => "https://hooks.example.com/oci",
            Self::Slack => "https://hooks.slack.com/services/T000/B000/XXXX",
            Self::Pagerduty => "https://events.pagerduty.com/integration/KEY/enqueue",
            Self::Sms => "+14155550100",
            Self::OracleFunctions => "ocid1.fnfunc.oc1.iad.aaaa…",
        }
    }
}

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

/// Longest endpoint OCI accepts.
pub const MAX_ENDPOINT: usize = 512;

/// Why `endpoint` is not acceptable for `protocol`, if it is not. `allow_loopback_http` admits
/// `http://127.0.0.1…` and `http://localhost…`, which only the built-in sandbox can reach.
pub fn check_endpoint(protocol: SubscriptionProtocol, endpoint: &str, allow_loopback_http: bool) -> Result<(), String> {
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err(format!("Enter the {}, such as {}.", protocol.endpoint_label().to_lowercase(), protocol.example()));
    }
    if endpoint.len() > MAX_ENDPOINT {
        return Err(format!("The endpoint is {} characters long; OCI accepts at most {MAX_ENDPOINT}.", endpoint.len()));
    }
    match protocol {
        SubscriptionProtocol::Email => check_email(endpoint),
        SubscriptionProtocol::Sms => {
            let digits = endpoint.strip_prefix('+').unwrap_or("");
            if (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                Err(format!(
                    "\"{endpoint}\" is not a phone number: write it with + and the country code, digits only, such as +14155550100."
                ))
            }
        }
        SubscriptionProtocol::OracleFunctions => {
            if endpoint.starts_with("ocid1.fnfunc.") && !endpoint.contains(char::is_whitespace) {
                Ok(())
            } else {
                Err(format!("\"{endpoint}\" is not a function OCID (ocid1.fnfunc.…); pick a function from the list."))
            }
        }
        SubscriptionProtocol::CustomHttps => {
            check_url(endpoint, allow_loopback_http)?;
            if endpoint.contains('?') {
                return Err(
                    "OCI does not accept a query string in an HTTPS endpoint; remove the part from ? on.".into()
                );
            }
            if authority(endpoint).contains('@') {
                return Err("Put the user name and password in the Basic authentication fields, not in the URL.".into());
            }
            Ok(())
        }
        SubscriptionProtocol::Slack => {
            check_url(endpoint, allow_loopback_http)?;
            if endpoint.starts_with("https://hooks.slack.com/") || is_loopback_http(endpoint) {
                Ok(())
            } else {
                Err("A Slack subscription needs the incoming-webhook URL Slack gives you, https://hooks.slack.com/services/….".into())
            }
        }
        SubscriptionProtocol::Pagerduty => {
            check_url(endpoint, allow_loopback_http)?;
            if endpoint.starts_with("https://events.pagerduty.com/integration/") || is_loopback_http(endpoint) {
                Ok(())
            } else {
                Err("A PagerDuty subscription needs the integration URL, https://events.pagerduty.com/integration/KEY/enqueue.".into())
            }
        }
    }
}

/// Why Basic credentials are not acceptable, if they are not.
pub fn check_basic_auth(protocol: SubscriptionProtocol, auth: &BasicAuth) -> Result<(), (&'static str, String)> {
    if protocol != SubscriptionProtocol::CustomHttps {
        return Err(("basic_auth", "Only HTTPS endpoints take Basic credentials; remove them.".into()));
    }
    if auth.username.is_empty() || auth.username.contains(':') || auth.username.chars().any(char::is_control) {
        return Err(("basic_auth.username", "Enter a user name without a colon.".into()));
    }
    if auth.password.is_empty() {
        return Err(("basic_auth.password", "Enter the password, or clear the user name to send none.".into()));
    }
    Ok(())
}

pub(crate) fn check_email(address: &str) -> Result<(), String> {
    let fail = || Err(format!("\"{address}\" is not an e-mail address; write it as name@example.com."));
    let Some((user, domain)) = address.split_once('@') else {
        return fail();
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    let user_ok = !user.is_empty() && !user.contains(|c: char| c.is_whitespace() || c == '@' || c.is_control());
    if domain_ok && user_ok && address.len() <= 254 { Ok(()) } else { fail() }
}

fn check_url(url: &str, allow_loopback_http: bool) -> Result<(), String> {
    if url.contains(char::is_whitespace) {
        return Err("The URL contains a space; copy it again without spaces.".into());
    }
    if let Some(rest) = url.strip_prefix("https://") {
        let host = host_of(rest);
        return if host.is_empty() { Err(format!("\"{url}\" has no host after https://.")) } else { Ok(()) };
    }
    if is_loopback_http(url) {
        return if allow_loopback_http {
            Ok(())
        } else {
            Err("OCI delivers only to https:// URLs that it can reach; use an https:// address.".into())
        };
    }
    Err(format!("\"{url}\" is not an https:// URL; OCI delivers only over HTTPS."))
}

fn authority(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or("")
}

fn host_of(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    host.rsplit_once(':').filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit())).map_or(host, |(h, _)| h)
}

/// Whether the URL is `http://` to this machine, which only the built-in sandbox can deliver to.
pub fn is_loopback_http(url: &str) -> bool {
    url.strip_prefix("http://").is_some_and(|rest| matches!(host_of(rest), "127.0.0.1" | "localhost" | "[::1]"))
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

/// The endpoint with its secrets replaced by `****`: the password of its userinfo, and the
/// credential part of Slack and PagerDuty webhook URLs (whoever has one can post to the channel
/// or page the on-call), of which only the last four characters are kept so two URLs can still be
/// told apart in a plan or a list.
pub fn redact_endpoint(endpoint: &str) -> String {
    let Some((scheme, rest)) = endpoint.split_once("://") else {
        return endpoint.to_owned();
    };
    let authority = authority(endpoint);
    let path = &rest[authority.len()..];
    if let Some(secret) = path.strip_prefix("/services/").or_else(|| path.strip_prefix("/workflows/"))
        && host_of(authority).eq_ignore_ascii_case("hooks.slack.com")
    {
        let kind = &path[..path.len() - secret.len()];
        return format!("{scheme}://{authority}{kind}****{}", last_four(secret));
    }
    if let Some(after) = path.strip_prefix("/integration/")
        && host_of(authority).eq_ignore_ascii_case("events.pagerduty.com")
    {
        let (key, tail) = after.split_once('/').map_or((after, ""), |(key, tail)| (key, tail));
        let tail = if tail.is_empty() { String::new() } else { format!("/{tail}") };
        return format!("{scheme}://{authority}/integration/****{}{tail}", last_four(key));
    }
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return endpoint.to_owned();
    };
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    format!("{scheme}://{user}:****@{host}{path}")
}

/// The last four characters of a secret, when it is long enough for that to give nothing away.
fn last_four(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 16 { chars[chars.len() - 4..].iter().collect() } else { String::new() }
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

/// Lists a compartment's subscriptions across topics, optionally only those in `state`.
pub async fn list_compartment_subscriptions(
    team_id: i64,
    connection_id: i64,
    compartment_id: &str,
    state: Option<&str>,
) -> Result<Vec<Subscription>, ApiError> {
    let mut path =
        format!("{}/subscriptions?compartment_id={}", base(team_id, connection_id), super::urlencoding(compartment_id));
    if let Some(state) = state {
        path.push_str(&format!("&state={}", super::urlencoding(state)));
    }
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
        assert_eq!(check_basic_auth(CustomHttps, &no_user).unwrap_err().0, "basic_auth.username");
    }
}

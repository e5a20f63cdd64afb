//! Subscriptions: the delivery protocols as OCI names them, and the checks of an endpoint and the
//! redaction of its secrets that the form, the template renderer, the planner and the server
//! share.

use super::ocid::Ocid;
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
            if Ocid::parse_of(endpoint, &["fnfunc"]).is_some() {
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

/// Why `address` is not an e-mail address OCI would take, if it is not.
pub fn check_email(address: &str) -> Result<(), String> {
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

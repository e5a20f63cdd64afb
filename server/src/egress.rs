//! The one policy for outbound requests made on a user's behalf: the sandbox delivering to a
//! subscription's endpoint, an inbox following a confirmation URL, and anything later that fetches
//! a URL a user named. The OCI client's own calls are not user-directed (their endpoints come from
//! the region table) and do not go through it.
//!
//! A URL passes when its scheme is `https` (or `http` to this machine where loopback is allowed),
//! and every address its host resolves to is allowed ([`EgressPolicy::check_ip`]): link-local
//! addresses and metadata services never, loopback only for the built-in sandbox (which delivers
//! to this machine by design, README "Subscriptions"), private ranges only when the operator named
//! them with `--allow-egress`. A name is resolved, and every address it resolves to must pass, not
//! only the first.
//!
//! The check is made when an endpoint is stored (so a bad one is refused with its field named) and
//! again for every request: the [`EgressClient`] resolves names through the policy, so the address
//! connected to is one that was checked (a name re-pointed to `169.254.169.254` after it was stored
//! is refused at delivery). It never follows redirects (a 307 would re-send the body wherever it
//! points), never uses a proxy, and bounds connection time, total time and the bytes it reads.

use crate::netaddr::{AddressClass, Cidr, classify};
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Longest wait for a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest a whole request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Most bytes read of an answer's body.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Which addresses outbound requests may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EgressPolicy {
    /// Whether this machine may be reached (the built-in sandbox delivers to local inboxes and
    /// test receivers).
    pub allow_loopback: bool,
    /// Private ranges the operator allowed (`--allow-egress`).
    pub allowed: Vec<Cidr>,
}

/// Why a URL or address may not be reached. The message names the address and the remedy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

impl EgressPolicy {
    /// The policy of the built-in sandbox: loopback allowed, plus the operator's ranges.
    pub fn with_loopback(allowed: Vec<Cidr>) -> Self {
        Self { allow_loopback: true, allowed }
    }

    /// Whether `ip` may be reached.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Refused> {
        match classify(ip) {
            AddressClass::Public => Ok(()),
            AddressClass::Loopback if self.allow_loopback => Ok(()),
            AddressClass::Loopback => {
                Err(Refused(format!("{ip} is this machine; only the built-in sandbox may deliver to it")))
            }
            AddressClass::Private if self.allowed.iter().any(|range| range.contains(ip)) => Ok(()),
            AddressClass::Private => Err(Refused(format!(
                "{ip} is a private address; an operator can allow its range with --allow-egress (SIGNALBOX_ALLOW_EGRESS)"
            ))),
            AddressClass::LinkLocal => Err(Refused(format!("{ip} is a link-local address, which is never reached"))),
            AddressClass::Metadata => Err(Refused(format!("{ip} is a cloud metadata service, which is never reached"))),
            AddressClass::Reserved => {
                Err(Refused(format!("{ip} is not a routable address (reserved, multicast or unspecified)")))
            }
        }
    }

    /// Parses `url` and checks its scheme and every address its host resolves to now.
    pub async fn check_url(&self, url: &str) -> Result<Url, Refused> {
        let parsed = self.check_form(url)?;
        let host = parsed.host().ok_or_else(|| Refused("the URL has no host".into()))?;
        let port = parsed.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = match host {
            url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
            url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
            url::Host::Domain(name) => lookup(name, port).await?.into_iter().map(|a| a.ip()).collect(),
        };
        for ip in &addresses {
            self.check_ip(*ip)?;
        }
        if parsed.scheme() == "http" && !addresses.iter().all(|ip| classify(*ip) == AddressClass::Loopback) {
            return Err(Refused("plain http:// is accepted only to this machine; use https://".into()));
        }
        Ok(parsed)
    }

    /// Checks what can be checked without the network: the URL parses, its scheme, no
    /// disallowed literal address.
    pub fn check_form(&self, url: &str) -> Result<Url, Refused> {
        let parsed = Url::parse(url.trim()).map_err(|err| Refused(format!("not a URL ({err})")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_loopback => {}
            "http" => return Err(Refused("plain http:// is not accepted; use https://".into())),
            other => return Err(Refused(format!("the scheme {other}: is not accepted; use https://"))),
        }
        match parsed.host() {
            None => return Err(Refused("the URL has no host".into())),
            Some(url::Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip))?,
            Some(url::Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip))?,
            Some(url::Host::Domain(_)) => {}
        }
        Ok(parsed)
    }
}

async fn lookup(name: &str, port: u16) -> Result<Vec<SocketAddr>, Refused> {
    let found: Vec<SocketAddr> = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((name, port)))
        .await
        .map_err(|_| Refused(format!("{name} did not resolve in time")))?
        .map_err(|err| Refused(format!("{name} does not resolve ({err})")))?
        .collect();
    if found.is_empty() {
        return Err(Refused(format!("{name} resolves to no address")));
    }
    Ok(found)
}

/// Resolves names for the [`EgressClient`], refusing a name when any of its addresses is refused.
struct PolicyResolver(EgressPolicy);

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let addresses = lookup(name.as_str(), 0).await?;
            for address in &addresses {
                policy.check_ip(address.ip())?;
            }
            let addrs: Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

/// An HTTP client that reaches only what its policy allows.
#[derive(Debug, Clone)]
pub struct EgressClient {
    policy: EgressPolicy,
    http: reqwest::Client,
}

/// The answer to an outbound request: its status and at most [`MAX_RESPONSE_BYTES`] of its body.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: reqwest::StatusCode,
    /// The body's first bytes.
    pub body: Vec<u8>,
}

/// Why an outbound request did not get an answer.
#[derive(Debug, thiserror::Error)]
pub enum EgressError {
    /// The policy refused the URL.
    #[error("refused: {0}")]
    Refused(#[from] Refused),
    /// The request was made and failed (connection, timeout). Without the URL: it may carry a
    /// token or credentials.
    #[error("{0}")]
    Failed(String),
}

impl EgressClient {
    /// A client for `policy`.
    pub fn new(policy: EgressPolicy) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .dns_resolver(Arc::new(PolicyResolver(policy.clone())))
            .build()
            .unwrap_or_default();
        Self { policy, http }
    }

    /// The policy it enforces.
    pub fn policy(&self) -> &EgressPolicy {
        &self.policy
    }

    /// Sends `request` (built with [`EgressClient::post`] or [`EgressClient::get`]) after
    /// checking its URL, and reads at most [`MAX_RESPONSE_BYTES`] of the answer.
    pub async fn send(&self, request: reqwest::RequestBuilder) -> Result<Answer, EgressError> {
        let request = request.build().map_err(|err| EgressError::Failed(err.without_url().to_string()))?;
        self.policy.check_form(request.url().as_str())?;
        if request.url().scheme() == "http" {
            // Names are checked by the resolver as they connect; plain http must also end on
            // this machine, which only the full check says.
            self.policy.check_url(request.url().as_str()).await?;
        }
        let mut response =
            self.http.execute(request).await.map_err(|err| EgressError::Failed(describe(err.without_url())))?;
        let status = response.status();
        let mut body = Vec::new();
        while body.len() < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk[..chunk.len().min(MAX_RESPONSE_BYTES - body.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(Answer { status, body })
    }

    /// A POST to `url`, to [`EgressClient::send`].
    pub fn post(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.post(url)
    }

    /// A GET of `url`, to [`EgressClient::send`].
    pub fn get(&self, url: &str) -> reqwest::RequestBuilder {
        self.http.get(url)
    }
}

/// A transport error with its cause chain (the resolver's refusal is the interesting part).
fn describe(err: reqwest::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox() -> EgressPolicy {
        EgressPolicy::with_loopback(Vec::new())
    }

    #[tokio::test]
    async fn literal_addresses_in_every_spelling_are_classified() {
        let strict = EgressPolicy::default();
        for url in [
            "https://169.254.169.254/latest/meta-data/",
            "https://[::ffff:169.254.169.254]/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://2852039166/",
            "https://0xa9.0xfe.0xa9.0xfe/",
            "https://0251.0376.0251.0376/",
            "https://0xa9fea9fe/",
            "https://169.254.43518/",
            "https://[fe80::1]/",
            "https://[fd00:ec2::254]/",
            "https://0.0.0.0/",
            "https://127.0.0.1/",
            "https://2130706433/",
            "https://0x7f.1/",
            "https://[::1]/",
            "https://10.0.0.1/",
            "https://192.168.1.1/",
            "https://[fd00::1]/",
        ] {
            assert!(strict.check_url(url).await.is_err(), "{url} must be refused");
        }
        for url in ["https://169.254.169.254/", "https://2852039166/", "https://[fe80::1]/", "https://0.0.0.0/"] {
            assert!(sandbox().check_url(url).await.is_err(), "{url} is refused even where loopback is allowed");
        }
        assert!(sandbox().check_url("http://127.0.0.1:8080/hook").await.is_ok());
        assert!(sandbox().check_url("http://2130706433:8080/hook").await.is_ok(), "decimal loopback is loopback");
        assert!(sandbox().check_url("https://[::1]/x").await.is_ok());
    }

    #[tokio::test]
    async fn private_ranges_pass_only_when_allowed() {
        let allowed = EgressPolicy { allow_loopback: false, allowed: vec!["10.20.0.0/16".parse().expect("range")] };
        assert!(allowed.check_url("https://10.20.1.2/hook").await.is_ok());
        assert!(allowed.check_url("https://10.21.1.2/hook").await.is_err());
        let wide = EgressPolicy { allow_loopback: false, allowed: vec!["0.0.0.0/0".parse().expect("range")] };
        assert!(wide.check_url("https://169.254.169.254/").await.is_err(), "a range never allows metadata");
        assert!(wide.check_url("https://127.0.0.1/").await.is_err(), "nor loopback");
    }

    #[tokio::test]
    async fn schemes_other_than_https_are_refused() {
        let strict = EgressPolicy::default();
        for url in ["http://8.8.8.8/", "ftp://8.8.8.8/", "file:///etc/passwd", "gopher://8.8.8.8/", "not a url"] {
            assert!(strict.check_url(url).await.is_err(), "{url}");
        }
        assert!(sandbox().check_url("file:///etc/passwd").await.is_err());
    }

    #[tokio::test]
    async fn names_are_resolved_and_every_address_checked() {
        // `localhost` resolves to loopback: refused without loopback, plain http accepted with it.
        assert!(EgressPolicy::default().check_url("https://localhost/").await.is_err());
        assert!(sandbox().check_url("http://localhost:1/").await.is_ok());
        let unresolvable = sandbox().check_url("https://no-such-host.invalid/").await;
        assert!(unresolvable.is_err(), "a name that does not resolve is refused");
    }

    #[tokio::test]
    async fn the_client_never_follows_redirects_and_refuses_at_request_time() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                let answer =
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n";
                let _ = socket.write_all(answer.as_bytes()).await;
            }
        });
        let client = EgressClient::new(sandbox());
        let answer =
            client.send(client.post(&format!("http://127.0.0.1:{port}/hook")).body("secret")).await.expect("answer");
        assert_eq!(answer.status, 307, "the redirect is reported, not followed");
        let strict = EgressClient::new(EgressPolicy::default());
        let refused = strict.send(strict.post(&format!("http://127.0.0.1:{port}/hook"))).await;
        assert!(matches!(refused, Err(EgressError::Refused(_))), "{refused:?}");
        let by_name = strict.send(strict.post(&format!("https://localhost:{port}/hook"))).await;
        assert!(by_name.is_err(), "a name resolving to a refused address is refused when connecting");
    }
}

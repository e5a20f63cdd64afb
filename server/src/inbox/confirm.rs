//! Confirming a subscription by following the confirmation URL ONS sent, when it is safe to.

use super::Inboxes;
use crate::db::Pool;
use crate::db::deliveries;
use crate::oci::region::REALMS;
use reqwest::Url;

/// The confirmation URL as a URL this server may request, or why it may not.
///
/// Judged on the parsed URL (dot segments resolved, host normalised), which is exactly what is then
/// requested: a string check followed by a request for the normalised URL would let
/// `…/oci-sandbox/../api/…` through. Only a subscription's confirmation link qualifies, on the
/// built-in sandbox or on an OCI realm's domain over https.
pub fn followable(url: &str, sandbox_base: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|err| format!("not followed: the confirmation URL is not a URL ({err})"))?;
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let sandbox = Url::parse(sandbox_base).ok().filter(|_| !sandbox_base.is_empty());
    let path = parsed.path();
    let on_sandbox = sandbox.as_ref().is_some_and(|base| {
        base.origin() == parsed.origin()
            && path
                .strip_prefix(base.path().trim_end_matches('/'))
                .map(without_region)
                .is_some_and(is_confirmation_path)
    });
    let on_oci = parsed.scheme() == "https"
        && parsed.port().is_none()
        && REALMS.iter().any(|realm| host.ends_with(&format!(".{}", realm.domain)))
        && is_confirmation_path(path);
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("not followed: the confirmation URL carries credentials".into());
    }
    if on_sandbox || on_oci {
        Ok(parsed)
    } else {
        Err(format!(
            "not followed: {host:?} with path {path:?} is not a confirmation link of an OCI endpoint (https on an OCI realm's domain) nor of the built-in sandbox; open the URL yourself if you trust it"
        ))
    }
}

/// `path` without the sandbox's `/regions/{region}` prefix (another region of the built-in
/// sandbox, `crate::sandbox::host`), when it has one.
fn without_region(path: &str) -> &str {
    let Some(rest) = path.strip_prefix("/regions/") else { return path };
    match rest.split_once('/') {
        Some((region, after))
            if !region.is_empty()
                && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            &path[path.len() - after.len() - 1..]
        }
        _ => path,
    }
}

/// Whether `path` is `/20181201/subscriptions/{id}/confirmation`.
fn is_confirmation_path(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').collect();
    matches!(segments.as_slice(), ["", "20181201", "subscriptions", id, "confirmation"] if id.starts_with("ocid1."))
}

impl Inboxes {
    /// Follows a confirmation's URL (when [`followable`]) and records the outcome on the delivery.
    pub async fn confirm(&self, pool: &Pool, delivery_id: i64, url: &str) {
        let outcome = match followable(url, &self.sandbox_base) {
            Err(reason) => reason,
            Ok(url) => match self.http.send(self.http.get(url.as_str())).await {
                Ok(answer) if answer.status.is_success() => format!("confirmed (HTTP {})", answer.status.as_u16()),
                Ok(answer) => format!("confirmation refused (HTTP {})", answer.status.as_u16()),
                // The error says nothing of the URL, which carries the confirmation token.
                Err(err) => format!("confirmation failed: {err}"),
            },
        };
        if let Err(err) = deliveries::set_confirmation(pool, delivery_id, &outcome).await {
            tracing::warn!(error = %err, delivery_id, "cannot record a confirmation's outcome");
        }
        tracing::info!(delivery_id, outcome, "inbox confirmation handled");
        self.announce();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SANDBOX: &str = "http://127.0.0.1:3000/oci-sandbox";

    #[test]
    fn oci_and_sandbox_urls_are_followed() {
        let oci = "https://cell1.notification.us-ashburn-1.oci.oraclecloud.com/20181201/subscriptions/ocid1.onssubscription.oc1..x/confirmation?token=t";
        assert!(followable(oci, SANDBOX).is_ok());
        let sandbox = format!("{SANDBOX}/20181201/subscriptions/ocid1.onssubscription.oc1..x/confirmation?token=t");
        assert!(followable(&sandbox, SANDBOX).is_ok());
        let regional = format!(
            "{SANDBOX}/regions/eu-frankfurt-1/20181201/subscriptions/ocid1.onssubscription.oc1..x/confirmation?token=t"
        );
        assert!(followable(&regional, SANDBOX).is_ok(), "another region of the sandbox");
        for url in [
            format!("{SANDBOX}/regions/eu-frankfurt-1/../../api/v1/users"),
            format!("{SANDBOX}/regions/eu-frankfurt-1/api/v1/users"),
            format!("{SANDBOX}/regions/EU_X/20181201/subscriptions/ocid1.x/confirmation"),
            format!("{SANDBOX}/regions//20181201/subscriptions/ocid1.x/confirmation"),
            format!("{SANDBOX}/regions/a/regions/b/20181201/subscriptions/ocid1.x/confirmation"),
        ] {
            assert!(followable(&url, SANDBOX).is_err(), "{url}");
        }
    }

    /// Defect 18.2: the prefix was checked on the raw string, then the normalised URL requested.
    #[test]
    fn dot_segments_cannot_leave_the_sandbox() {
        for url in [
            format!("{SANDBOX}/../api/v1/users"),
            format!("{SANDBOX}/20181201/subscriptions/ocid1.x/confirmation/../../../../api/v1/users"),
            format!("{SANDBOX}/%2e%2e/api/v1/users"),
            format!("{SANDBOX}/20181201/subscriptions/ocid1.x/unsubscription?token=t"),
            "http://127.0.0.1:3000/oci-sandbox/./../api/v1/teams".to_owned(),
            "http://localhost:3000/oci-sandbox/20181201/subscriptions/ocid1.x/confirmation".to_owned(),
            "https://x.oraclecloud.com:8443/20181201/subscriptions/ocid1.x/confirmation".to_owned(),
            "https://x.oraclecloud.com/20181201/subscriptions/ocid1.x/confirmation/../../../latest".to_owned(),
        ] {
            assert!(followable(&url, SANDBOX).is_err(), "{url}");
        }
    }

    #[test]
    fn other_urls_are_not() {
        for url in [
            "http://notification.us-ashburn-1.oraclecloud.com/x",
            "https://oraclecloud.com.evil.example/x",
            "https://169.254.169.254/latest",
            "http://127.0.0.1:3000/api/v1/users",
            "http://127.0.0.1:3000/oci-sandboxed/x",
            "https://user@x.oraclecloud.com/x",
            "not a url",
        ] {
            assert!(followable(url, SANDBOX).is_err(), "{url}");
        }
    }
}

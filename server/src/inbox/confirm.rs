//! Confirming a subscription by following the confirmation URL ONS sent, when it is safe to.

use super::Inboxes;
use crate::db::deliveries;
use crate::oci::region::REALMS;
use reqwest::Url;
use sqlx::SqlitePool;

/// The confirmation URL as a URL this server may request, or why it may not.
pub fn followable(url: &str, sandbox_base: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|err| format!("not followed: the confirmation URL is not a URL ({err})"))?;
    if !sandbox_base.is_empty() && url.starts_with(&format!("{sandbox_base}/")) {
        return Ok(parsed);
    }
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let oci = parsed.scheme() == "https"
        && parsed.username().is_empty()
        && REALMS.iter().any(|realm| host.ends_with(&format!(".{}", realm.domain)));
    if oci {
        Ok(parsed)
    } else {
        Err(format!(
            "not followed: {host:?} is not an OCI endpoint (https on an OCI realm's domain) nor the built-in sandbox; open the URL yourself if you trust it"
        ))
    }
}

impl Inboxes {
    /// Follows a confirmation's URL (when [`followable`]) and records the outcome on the delivery.
    pub async fn confirm(&self, pool: &SqlitePool, delivery_id: i64, url: &str) {
        let outcome = match followable(url, &self.sandbox_base) {
            Err(reason) => reason,
            Ok(url) => match self.http.get(url).send().await {
                Ok(answer) if answer.status().is_success() => format!("confirmed (HTTP {})", answer.status().as_u16()),
                Ok(answer) => format!("confirmation refused (HTTP {})", answer.status().as_u16()),
                // The error without its URL: the URL carries the confirmation token.
                Err(err) => format!("confirmation failed: {}", err.without_url()),
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
        assert!(followable(&format!("{SANDBOX}/20181201/subscriptions/x/confirmation?token=t"), SANDBOX).is_ok());
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

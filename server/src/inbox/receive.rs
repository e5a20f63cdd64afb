//! `POST /hooks/{token}`: one delivery into an inbox.

use super::well_formed;
use crate::auth::ClientIp;
use crate::db::deliveries::{self, NewDelivery};
use crate::db::inboxes;
use crate::state::AppState;
use app::api::inboxes::{DeliveryKind, MAX_BODY_BYTES};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, Ipv4Addr};

/// Headers whose values are credentials (ONS sends Basic auth taken from the endpoint URL): kept
/// by name only.
const SECRET_HEADERS: [&str; 3] = ["authorization", "cookie", "proxy-authorization"];

/// Handles `POST /hooks/{token}`. Public: the token is the credential (see the module docs).
pub async fn receive_delivery(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientIp,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let inboxes = &state.inboxes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return counted("too_large", too_large());
    }
    let ip = client.0.and_then(|ip| ip.parse().ok()).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let found = if well_formed(&token) {
        match inboxes::by_token(&state.pool, &token).await {
            Ok(found) => found,
            Err(err) => {
                tracing::error!(error = %err, "cannot look up an inbox");
                return counted(
                    "unavailable",
                    answer(StatusCode::SERVICE_UNAVAILABLE, "The inbox cannot be reached right now; retry later."),
                );
            }
        }
    } else {
        None
    };
    let Some((inbox_id, team_id)) = found else {
        return if inboxes.allow_unknown(ip) {
            counted("unknown_inbox", answer(StatusCode::NOT_FOUND, "No inbox has this URL."))
        } else {
            counted("rate_limited", busy())
        };
    };
    if !inboxes.allow_inbox(inbox_id) {
        return counted("rate_limited", busy());
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return counted("too_large", too_large());
    };
    let listed = listed_headers(&headers);
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty());
    let confirmation_url =
        value("x-oci-ns-confirmationurl").map(str::to_owned).or_else(|| body_confirmation_url(&bytes));
    let kind = match value("x-oci-ns-messagetype") {
        Some("SubscriptionConfirmation") => DeliveryKind::Confirmation,
        Some("Notification") => DeliveryKind::Notification,
        _ if confirmation_url.is_some() && value("x-oci-ns-subscriptionid").is_some() => DeliveryKind::Confirmation,
        _ if value("x-oci-ns-messageid").is_some() => DeliveryKind::Notification,
        _ => DeliveryKind::Other,
    };
    let new = NewDelivery {
        inbox_id,
        kind,
        message_id: value("x-oci-ns-messageid"),
        topic_id: value("x-oci-ns-topicocid"),
        topic_name: value("x-oci-ns-topicname"),
        subscription_id: value("x-oci-ns-subscriptionid"),
        content_type: value("content-type"),
        headers: &listed,
        body: &bytes,
    };
    let id = match deliveries::insert(&state.pool, &new).await {
        Ok(id) => id,
        Err(err) => {
            tracing::error!(error = %err, inbox_id, "cannot store a delivery");
            return counted(
                "unavailable",
                answer(StatusCode::SERVICE_UNAVAILABLE, "The delivery cannot be stored right now; retry later."),
            );
        }
    };
    inboxes.announce();
    if kind == DeliveryKind::Notification
        && let Some(hint) = crate::inventory::live::hint(&bytes)
    {
        crate::inventory::live::follow(&state, team_id, hint);
    }
    if let (DeliveryKind::Confirmation, Some(url)) = (kind, confirmation_url) {
        let state = state.clone();
        tokio::spawn(async move { state.inboxes.confirm(&state.pool, id, &url).await });
    }
    counted("accepted", answer(StatusCode::OK, "Received."))
}

/// Counts a delivery by what became of it (`signalbox_inbox_deliveries_total`).
fn counted(result: &'static str, response: Response) -> Response {
    metrics::counter!("signalbox_inbox_deliveries_total", "result" => result).increment(1);
    response
}

/// The headers as stored: every header in order, credentials' values hidden.
fn listed_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = if SECRET_HEADERS.contains(&name.as_str()) {
                "****".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

/// `ConfirmationURL` from a JSON body, for senders that put it only there.
fn body_confirmation_url(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    json.get("ConfirmationURL")?.as_str().map(str::to_owned)
}

fn answer(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

fn too_large() -> Response {
    answer(StatusCode::PAYLOAD_TOO_LARGE, "The body is over the inbox's limit of 256 KiB.")
}

fn busy() -> Response {
    let mut response = answer(StatusCode::TOO_MANY_REQUESTS, "Too many requests; retry in a second.");
    response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_not_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Basic dXNlcjpwYXNz".parse().unwrap());
        headers.insert("x-oci-ns-messageid", "m-1".parse().unwrap());
        let listed = listed_headers(&headers);
        assert!(listed.contains(&("authorization".into(), "****".into())));
        assert!(listed.contains(&("x-oci-ns-messageid".into(), "m-1".into())));
    }

    #[test]
    fn confirmation_url_from_the_body() {
        assert_eq!(body_confirmation_url(br#"{"ConfirmationURL":"https://x"}"#).as_deref(), Some("https://x"));
        assert_eq!(body_confirmation_url(b"plain text"), None);
    }
}

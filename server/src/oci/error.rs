//! `OciError`: everything a call to OCI can end in, with what the user should do about it.
//!
//! API errors keep OCI's own code, status, message and `opc-request-id` (which Oracle support asks
//! for), and add a remedy for the codes users hit most (the seed workflow's error table). Transport
//! failures are told apart by kind (DNS, connect, TLS, timeout) because their fixes differ: a
//! proxy or firewall, a certificate store, a slow network.

use super::region::Service;
use std::fmt;

/// What an operation does to which OCI resource type, for policy remedies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The API operation name, as in Oracle's reference (`CreateRule`).
    pub name: &'static str,
    /// The service it belongs to.
    pub service: Service,
    /// The IAM resource type (`cloudevents-rules`, `ons-topics`, ...).
    pub resource: &'static str,
    /// The least IAM verb the operation needs.
    pub verb: Verb,
}

/// IAM policy verbs, weakest first (each includes the ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// List resources.
    Inspect,
    /// Read them.
    Read,
    /// Use them (publish, invoke).
    Use,
    /// Create, change and delete them.
    Manage,
}

impl fmt::Display for Verb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verb::Inspect => "inspect",
            Verb::Read => "read",
            Verb::Use => "use",
            Verb::Manage => "manage",
        })
    }
}

/// How a request failed before an HTTP answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The host name did not resolve.
    Dns,
    /// No TCP connection (refused, unreachable, reset).
    Connect,
    /// The TLS handshake failed (certificate, protocol).
    Tls,
    /// No answer in time.
    Timeout,
    /// Anything else on the way (body stream broken, redirect loop).
    Other,
}

/// Every way an OCI call can fail.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    /// OCI answered with an error.
    #[error("{operation} failed: OCI answered {status} {code}: {message}{}", remedy_suffix(remedy))]
    Api {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// OCI's error code (`NotAuthorizedOrNotFound`).
        code: String,
        /// OCI's message.
        message: String,
        /// `opc-request-id` of the failed response, for Oracle support.
        opc_request_id: Option<String>,
        /// What to do about it, when known.
        remedy: Option<String>,
        /// Seconds a throttled (429) call was asked to wait before its retry (`Retry-After`;
        /// 16 bits keep the error small, and OCI asks for seconds, not hours).
        retry_after_secs: Option<u16>,
    },
    /// The request did not get an HTTP answer.
    #[error("{operation} failed: {kind_text} ({detail}){}", remedy_suffix(&Some(transport_remedy(*kind).to_owned())), kind_text = transport_text(*kind))]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        kind: TransportKind,
        /// The underlying error, for logs.
        detail: String,
    },
    /// OCI answered success with a body this client cannot read.
    #[error("{operation}: OCI's answer (HTTP {status}) could not be read: {detail}")]
    Decode {
        /// The operation.
        operation: &'static str,
        /// HTTP status.
        status: u16,
        /// What did not parse.
        detail: String,
        /// `opc-request-id` of the response.
        opc_request_id: Option<String>,
    },
    /// The connection's credentials could not give a signing key: an expired session, a missing
    /// metadata service, a resource principal token that is gone. Nothing was sent to the service.
    #[error("{operation}: the connection cannot sign: {detail}. {remedy}")]
    Credentials {
        /// The operation that needed to sign.
        operation: &'static str,
        /// What is wrong.
        detail: String,
        /// What to do: the command that renews it, or what the host must provide.
        remedy: String,
    },
    /// The request could not be built or signed (a bug or bad input, never sent).
    #[error("{operation}: the request could not be prepared: {detail}")]
    Request {
        /// The operation.
        operation: &'static str,
        /// What was wrong.
        detail: String,
    },
}

fn remedy_suffix(remedy: &Option<String>) -> String {
    remedy.as_ref().map(|r| format!(". {r}")).unwrap_or_default()
}

fn transport_text(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Dns => "the OCI endpoint's host name did not resolve",
        TransportKind::Connect => "no connection to the OCI endpoint",
        TransportKind::Tls => "the TLS handshake with the OCI endpoint failed",
        TransportKind::Timeout => "OCI did not answer in time",
        TransportKind::Other => "the request to OCI failed",
    }
}

fn transport_remedy(kind: TransportKind) -> &'static str {
    match kind {
        TransportKind::Dns => "Check the region and the server's DNS; behind a proxy, set HTTPS_PROXY",
        TransportKind::Connect => "Check that this server can reach *.oraclecloud.com on port 443 (firewall, proxy)",
        TransportKind::Tls => "Check the server's CA certificates and any TLS-intercepting proxy",
        TransportKind::Timeout => "Retry later; if it persists, check network latency to the region",
        TransportKind::Other => "Retry; if it persists, the server log has the cause",
    }
}

impl OciError {
    /// OCI's error code, for API errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            OciError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// HTTP status, when OCI answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            OciError::Api { status, .. } | OciError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The failure as the API answers it, each part apart (see [`app::api::CloudFailure`]).
    pub fn failure(&self) -> app::api::CloudFailure {
        let (operation, message, remedy) = match self {
            OciError::Api { operation, message, remedy, .. } => (*operation, message.clone(), remedy.clone()),
            OciError::Transport { operation, kind, detail } => {
                (*operation, format!("{} ({detail})", transport_text(*kind)), Some(transport_remedy(*kind).to_owned()))
            }
            OciError::Decode { operation, status, detail, .. } => {
                (*operation, format!("OCI's answer (HTTP {status}) could not be read: {detail}"), None)
            }
            OciError::Request { operation, detail } => {
                (*operation, format!("the request could not be prepared: {detail}"), None)
            }
            OciError::Credentials { operation, detail, remedy } => {
                (*operation, format!("the connection cannot sign: {detail}"), Some(remedy.clone()))
            }
        };
        app::api::CloudFailure {
            operation: operation.to_owned(),
            status: self.status(),
            oci_code: self.code().map(str::to_owned),
            message,
            opc_request_id: self.opc_request_id().map(str::to_owned),
            remedy,
        }
    }

    /// `opc-request-id` of the failed response, when there was one.
    pub fn opc_request_id(&self) -> Option<&str> {
        match self {
            OciError::Api { opc_request_id, .. } | OciError::Decode { opc_request_id, .. } => opc_request_id.as_deref(),
            _ => None,
        }
    }

    /// The `Retry-After` a throttled answer carried.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            OciError::Api { retry_after_secs, .. } => {
                retry_after_secs.map(|s| std::time::Duration::from_secs(s.into()))
            }
            _ => None,
        }
    }

    /// Whether the SDK's default strategy would try again: 429, 5xx except 501, 409
    /// `IncorrectState`/`LockConflict`, timeouts and connection failures.
    pub fn is_retryable(&self) -> bool {
        match self {
            OciError::Api { status, code, .. } => {
                *status == 429
                    || (*status >= 500 && *status != 501)
                    || (*status == 409 && matches!(code.as_str(), "IncorrectState" | "LockConflict"))
            }
            OciError::Transport { kind, .. } => {
                matches!(kind, TransportKind::Timeout | TransportKind::Connect | TransportKind::Other)
            }
            OciError::Decode { .. } | OciError::Request { .. } | OciError::Credentials { .. } => false,
        }
    }
}

/// The remedy for an API error code in the context of `operation`.
pub fn remedy(operation: &Operation, status: u16, code: &str, message: &str) -> Option<String> {
    let text = match code {
        "NotAuthenticated" => "Check the connection's user and tenancy OCIDs, that the key's fingerprint matches an API key uploaded for that user, and that this server's clock is within 5 minutes of UTC".to_owned(),
        "NotAuthorizedOrNotFound" | "NotAuthorized" => format!(
            "Check that the OCID exists in this region, and that an IAM policy allows it: Allow group <your group> to {} {} in compartment <compartment>",
            operation.verb, operation.resource
        ),
        "RelatedResourceNotAuthorizedOrNotFound" => "A resource this request refers to (for example a rule action's topic or function) does not exist or is not visible to this user; check its OCID and the policy on it".to_owned(),
        "InvalidParameter" | "CannotParseRequest" if matches!(operation.name, "CreateRule" | "UpdateRule") && mentions_condition(message) => {
            "The rule condition must be a JSON object such as {\"eventType\": [\"com.oraclecloud.computeapi.launchinstance.end\"]}, not HCL; fix it in the condition editor, which shows the exact position".to_owned()
        }
        "TooManyRequests" => "OCI is rate limiting this tenancy; Signalbox backs off and retries automatically. Spread bulk changes out over time".to_owned(),
        "TopicLimitReached" | "LimitExceeded" | "QuotaExceeded" if operation.name == "CreateTopic" => {
            "The compartment has reached its topic limit (100 by default); delete unused topics or request a limit increase".to_owned()
        }
        "LimitExceeded" | "QuotaExceeded" => "A tenancy limit or compartment quota was reached; free capacity or request an increase in the OCI console".to_owned(),
        "SubscriptionPending" => "The endpoint has not confirmed the subscription: OCI sent a confirmation POST that must be answered with 200. Check the endpoint's logs, or resend the confirmation".to_owned(),
        "NoEtagMatch" => "The resource changed since it was read; reload it and apply the change again".to_owned(),
        "IncorrectState" | "LockConflict" => "The resource is busy with another change; Signalbox retries, and waiting a moment usually clears it".to_owned(),
        "NotAllowed" => "This operation must be sent to the tenancy's home region".to_owned(),
        _ if status >= 500 => "OCI had an internal error; retry in about 30 seconds and check https://ocistatus.oraclecloud.com".to_owned(),
        _ => return None,
    };
    Some(text)
}

fn mentions_condition(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("condition") || lower.contains("json")
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE_RULE: Operation =
        Operation { name: "CreateRule", service: Service::Events, resource: "cloudevents-rules", verb: Verb::Manage };
    const LIST_TOPICS: Operation =
        Operation { name: "ListTopics", service: Service::Notifications, resource: "ons-topics", verb: Verb::Inspect };
    const CREATE_TOPIC: Operation =
        Operation { name: "CreateTopic", service: Service::Notifications, resource: "ons-topics", verb: Verb::Manage };

    #[test]
    fn policy_remedies_name_the_verb_and_resource() {
        let text = remedy(&CREATE_RULE, 404, "NotAuthorizedOrNotFound", "Authorization failed").unwrap();
        assert!(text.contains("to manage cloudevents-rules in compartment"), "{text}");
        let text = remedy(&LIST_TOPICS, 404, "NotAuthorizedOrNotFound", "").unwrap();
        assert!(text.contains("to inspect ons-topics"), "{text}");
    }

    #[test]
    fn condition_errors_point_at_the_json() {
        let text = remedy(&CREATE_RULE, 400, "InvalidParameter", "condition is not valid JSON").unwrap();
        assert!(text.contains("JSON object") && text.contains("not HCL"), "{text}");
        assert_eq!(remedy(&LIST_TOPICS, 400, "InvalidParameter", "limit must be positive"), None);
    }

    #[test]
    fn every_seed_error_has_a_remedy() {
        for (op, status, code) in [
            (CREATE_RULE, 401, "NotAuthenticated"),
            (CREATE_RULE, 404, "NotAuthorizedOrNotFound"),
            (CREATE_RULE, 429, "TooManyRequests"),
            (CREATE_RULE, 400, "InvalidParameter"),
            (CREATE_TOPIC, 400, "TopicLimitReached"),
            (CREATE_RULE, 500, "InternalError"),
            (LIST_TOPICS, 409, "SubscriptionPending"),
        ] {
            let message = if code == "InvalidParameter" { "bad condition" } else { "" };
            assert!(remedy(&op, status, code, message).is_some(), "{code}");
        }
    }

    #[test]
    fn retryable_errors_follow_the_sdk() {
        let api = |status, code: &str| OciError::Api {
            operation: "X",
            status,
            code: code.into(),
            message: String::new(),
            opc_request_id: None,
            remedy: None,
            retry_after_secs: None,
        };
        for (status, code, retry) in [
            (429, "TooManyRequests", true),
            (500, "InternalError", true),
            (503, "ServiceUnavailable", true),
            (501, "MethodNotImplemented", false),
            (409, "IncorrectState", true),
            (409, "Conflict", false),
            (400, "InvalidParameter", false),
            (401, "NotAuthenticated", false),
            (404, "NotAuthorizedOrNotFound", false),
        ] {
            assert_eq!(api(status, code).is_retryable(), retry, "{status} {code}");
        }
        let transport = |kind| OciError::Transport { operation: "X", kind, detail: String::new() };
        assert!(transport(TransportKind::Timeout).is_retryable());
        assert!(!transport(TransportKind::Dns).is_retryable());
        assert!(!transport(TransportKind::Tls).is_retryable());
    }

    #[test]
    fn messages_carry_code_status_and_remedy() {
        let err = OciError::Api {
            operation: "CreateRule",
            status: 404,
            code: "NotAuthorizedOrNotFound".into(),
            message: "Authorization failed or requested resource not found.".into(),
            opc_request_id: Some("ABC/123".into()),
            remedy: remedy(&CREATE_RULE, 404, "NotAuthorizedOrNotFound", ""),
            retry_after_secs: None,
        };
        let text = err.to_string();
        assert!(
            text.starts_with("CreateRule failed: OCI answered 404 NotAuthorizedOrNotFound: Authorization failed"),
            "{text}"
        );
        assert!(text.contains("manage cloudevents-rules"), "{text}");
        assert_eq!(err.opc_request_id(), Some("ABC/123"));
        let err =
            OciError::Transport { operation: "ListRules", kind: TransportKind::Dns, detail: "no such host".into() };
        assert!(err.to_string().contains("did not resolve") && err.to_string().contains("HTTPS_PROXY"), "{err}");
    }
}

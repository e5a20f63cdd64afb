use serde::{Deserialize, Serialize};

/// Machine-readable error codes of `/api/v1`. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The route or the record does not exist.
    NotFound,
    /// The route exists but not with this HTTP method.
    MethodNotAllowed,
    /// The request was understood but a value in it is not acceptable; `field` names it.
    InvalidInput,
    /// No valid session or API token: log in, or send `Authorization: Bearer <token>`.
    Unauthenticated,
    /// Wrong username or password (deliberately not saying which).
    InvalidCredentials,
    /// Authenticated, but the role does not allow this.
    Forbidden,
    /// A state-changing request without the session's `x-csrf-token`.
    CsrfFailed,
    /// The user must change their password before doing anything else.
    PasswordChangeRequired,
    /// The request conflicts with what exists (a taken name).
    Conflict,
    /// The request body is larger than the server accepts.
    PayloadTooLarge,
    /// Too many requests of this kind for now; `Retry-After` says when to try again.
    TooManyRequests,
    /// A stored connection cannot sign requests (its key no longer decrypts or loads).
    ConnectionUnusable,
    /// OCI (or the sandbox) refused or did not answer; the message has its code, the remedy and
    /// the `opc-request-id`.
    CloudError,
    /// A dependency of the server (such as its database) is not available right now.
    Unavailable,
    /// The server failed; details are in its log, not in the response.
    Internal,
    /// Client side only: the request did not reach the server or the answer never arrived.
    Network,
    /// Client side only: the server answered with something that is not the documented shape.
    UnexpectedResponse,
    /// A code this client version does not know yet.
    #[serde(other)]
    Unknown,
}

/// The body of every error response of `/api/v1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// What kind of failure this is.
    pub code: ErrorCode,
    /// What happened and what to do about it, written for a person.
    pub message: String,
    /// The request field the error is about, as a JSON pointer-like path (`topic.name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// When OCI refused or could not be reached: the call, OCI's own words and what to do, apart,
    /// so that a person can act on each (`message` says it all in one sentence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud: Option<Box<CloudFailure>>,
}

/// An OCI call that failed, as the console shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CloudFailure {
    /// The operation (`CreateTopic`).
    pub operation: String,
    /// OCI's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// OCI's error code (`NotAuthorizedOrNotFound`), when it answered with one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oci_code: Option<String>,
    /// What OCI said, or what went wrong on the way.
    pub message: String,
    /// The `opc-request-id` to give Oracle support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opc_request_id: Option<String>,
    /// What to do about it, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remedy: Option<String>,
}

/// The error every typed client call returns: the HTTP status plus the server's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}", body.message)]
pub struct ApiError {
    /// HTTP status of the response, or 0 when no response arrived.
    pub status: u16,
    /// The error body as the server sent it (or as the client reconstructed it).
    pub body: ErrorBody,
}

impl ApiError {
    /// An error for a request that never produced an HTTP response.
    pub fn network(detail: impl std::fmt::Display) -> Self {
        Self::client_side(
            0,
            ErrorCode::Network,
            format!("Could not reach the Signalbox server: {detail}. Check that it is running and try again."),
        )
    }

    /// A 404 found without asking the server (nothing to ask it with).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::client_side(404, ErrorCode::NotFound, message.into())
    }

    /// An error for a response that is not in the documented shape.
    pub fn unexpected(status: u16, detail: impl std::fmt::Display) -> Self {
        Self::client_side(
            status,
            ErrorCode::UnexpectedResponse,
            format!("The server sent an unexpected response (HTTP {status}): {detail}."),
        )
    }

    /// Builds the error for a non-success response from its status and raw body.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<ErrorBody>(body) {
            Ok(body) => Self { status, body },
            Err(_) => Self::unexpected(status, "the error body is not JSON"),
        }
    }

    fn client_side(status: u16, code: ErrorCode, message: String) -> Self {
        Self { status, body: ErrorBody { code, message, field: None, cloud: None } }
    }

    /// The error code, for branching.
    pub fn code(&self) -> ErrorCode {
        self.body.code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_from_newer_servers_still_parse() {
        let err = ApiError::from_response(409, br#"{"code":"conflict_of_a_new_kind","message":"m"}"#);
        assert_eq!(err.code(), ErrorCode::Unknown);
        assert_eq!(err.to_string(), "m");
        assert_eq!(err.status, 409);
    }

    #[test]
    fn a_non_json_error_body_is_reported_as_unexpected() {
        let err = ApiError::from_response(502, b"<html>Bad gateway</html>");
        assert_eq!(err.code(), ErrorCode::UnexpectedResponse);
        assert!(err.to_string().contains("HTTP 502"), "{err}");
    }

    #[test]
    fn field_is_omitted_when_absent_and_kept_when_present() {
        let body = ErrorBody { code: ErrorCode::InvalidInput, message: "m".into(), field: None, cloud: None };
        assert_eq!(serde_json::to_string(&body).unwrap(), r#"{"code":"invalid_input","message":"m"}"#);
        let body = ErrorBody { field: Some("topic.name".into()), ..body };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"invalid_input","message":"m","field":"topic.name"}"#
        );
    }
}

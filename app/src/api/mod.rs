//! The typed client for `/api/v1`, and the request and response types it shares with the server.
//!
//! Every screen loads and changes data through these functions, so the UI can do exactly what
//! automation can do. The transport depends on where the code runs: during server rendering the
//! request goes to the API router in-process ([`InProcessApi`], provided by the server as context)
//! carrying the visitor's cookies; in the browser it is a `fetch` to the same URL. Both return the
//! same [`ApiError`] on failure.

mod error;
pub mod system;

#[cfg(feature = "hydrate")]
mod browser;
#[cfg(feature = "ssr")]
mod in_process;

pub use error::{ApiError, ErrorBody, ErrorCode};
#[cfg(feature = "ssr")]
pub use in_process::InProcessApi;

use serde::de::DeserializeOwned;

/// Path prefix of the versioned REST API.
pub const API_PREFIX: &str = "/api/v1";

/// Sends `GET {API_PREFIX}{path}` and decodes the JSON answer.
pub(crate) async fn get_json<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let url = format!("{API_PREFIX}{path}");
    let (status, body) = send(http::Method::GET, &url).await?;
    decode(status, &body)
}

fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, ApiError> {
    if !(200..300).contains(&status) {
        return Err(ApiError::from_response(status, body));
    }
    serde_json::from_slice(body).map_err(|err| ApiError::unexpected(status, err))
}

#[cfg(feature = "ssr")]
async fn send(method: http::Method, url: &str) -> Result<(u16, Vec<u8>), ApiError> {
    in_process::send(method, url).await
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
async fn send(method: http::Method, url: &str) -> Result<(u16, Vec<u8>), ApiError> {
    browser::send(method, url).await
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
async fn send(_method: http::Method, _url: &str) -> Result<(u16, Vec<u8>), ApiError> {
    Err(ApiError::network("this build has neither the `ssr` nor the `hydrate` transport"))
}

//! Browser transport: `fetch` through gloo-net.
//!
//! gloo-net futures are not `Send`, but Leptos resources and actions require `Send` futures so the
//! same code can run on the multi-threaded server. The browser is single-threaded, so wrapping the
//! future in a `SendWrapper` is sound here.

use super::ApiError;
use gloo_net::http::RequestBuilder;
use http::Method;
use send_wrapper::SendWrapper;

pub(super) async fn send(method: Method, url: &str) -> Result<(u16, Vec<u8>), ApiError> {
    let request = RequestBuilder::new(url).method(to_gloo(&method)).header("accept", "application/json");
    SendWrapper::new(async move {
        let response = request.send().await.map_err(ApiError::network)?;
        let status = response.status();
        let body = response.binary().await.map_err(ApiError::network)?;
        Ok((status, body))
    })
    .await
}

fn to_gloo(method: &Method) -> gloo_net::http::Method {
    use gloo_net::http::Method as G;
    match *method {
        Method::POST => G::POST,
        Method::PUT => G::PUT,
        Method::PATCH => G::PATCH,
        Method::DELETE => G::DELETE,
        Method::HEAD => G::HEAD,
        _ => G::GET,
    }
}

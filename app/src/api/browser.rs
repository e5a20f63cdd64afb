//! Browser transport: `fetch` through gloo-net.
//!
//! gloo-net futures are not `Send`, but Leptos resources and actions require `Send` futures so the
//! same code can run on the multi-threaded server. The browser is single-threaded, so wrapping the
//! future in a `SendWrapper` is sound here.

use super::{ApiError, Outgoing};
use gloo_net::http::RequestBuilder;
use http::Method;
use send_wrapper::SendWrapper;

pub(super) async fn send(outgoing: Outgoing) -> Result<(u16, Vec<u8>), ApiError> {
    let mut builder =
        RequestBuilder::new(&outgoing.url).method(to_gloo(&outgoing.method)).header("accept", "application/json");
    if let Some(csrf) = &outgoing.csrf {
        builder = builder.header("x-csrf-token", csrf);
    }
    SendWrapper::new(async move {
        let request = match outgoing.body {
            Some(json) => builder.header("content-type", "application/json").body(json).map_err(ApiError::network)?,
            None => builder.build().map_err(ApiError::network)?,
        };
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

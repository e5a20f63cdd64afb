//! An HTTPS-subscription endpoint on loopback for tests, and a polling helper. Shared by the
//! sandbox and API test binaries (`#[path]` module).

use axum::extract::State;
use axum::http::HeaderMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
}

/// An HTTPS-subscription endpoint on loopback that confirms subscriptions the way community
/// receivers do: by GETting `X-OCI-NS-ConfirmationURL`.
pub struct Receiver {
    pub url: String,
    pub received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn notifications(&self) -> Vec<Received> {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.headers.get("x-oci-ns-messagetype").is_some_and(|v| v == "Notification"))
            .cloned()
            .collect()
    }
}

pub async fn spawn_receiver() -> Receiver {
    let received: Arc<Mutex<Vec<Received>>> = Arc::default();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let app = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |State((log, http)): State<(Arc<Mutex<Vec<Received>>>, reqwest::Client)>,
                 headers: HeaderMap,
                 body: String| async move {
                    if let Some(url) =
                        headers.get("x-oci-ns-confirmationurl").and_then(|v| v.to_str().ok()).map(str::to_owned)
                    {
                        tokio::spawn(async move { http.get(url).send().await });
                    }
                    log.lock().unwrap().push(Received { headers, body });
                    "ok"
                },
            ),
        )
        .with_state((received.clone(), http));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url: format!("http://{addr}/hook"), received }
}

/// Polls `check` until it holds or `timeout` passes.
pub async fn eventually(timeout: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check().await
}

use server::Application;
use server::config::Config;
use sqlx::SqlitePool;
use std::net::SocketAddr;
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server on 127.0.0.1 with its own temporary data directory.
pub struct TestApp {
    pub addr: SocketAddr,
    pub builtin: server::builtin::Builtin,
    pub client: reqwest::Client,
    pub pool: SqlitePool,
    pub data_dir: TempDir,
    _stop: oneshot::Sender<()>,
}

/// Starts the application exactly as `signalbox serve` does, on port 0.
pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let app = Application::build(Config::for_tests(data_dir.path())).await.expect("application starts");
    let addr = app.local_addr().expect("bound address");
    let pool = app.pool();
    let builtin = app.builtin();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    // No proxy: tests must never leave loopback, whatever the environment says.
    let client = reqwest::Client::builder().no_proxy().build().expect("http client");
    TestApp { addr, builtin, client, pool, data_dir, _stop: stop }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }
}

//! The Signalbox server: REST API, storage, and the server side of the UI.
//!
//! [`Application::build`] does everything that can fail at startup (data directory, database,
//! migrations, listening socket) and reports it as one [`StartupError`]; once it returns, the
//! server only needs [`Application::run_until_stopped`]. Tests use the same path with port 0.

// Leptos view types nest deeply; rendering the signed-in frame needs more room than the default.
#![recursion_limit = "256"]

pub mod api;
pub mod apply;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod builtin;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod compliance;
pub mod config;
pub mod connections;
pub mod data_dir;
pub mod db;
pub mod egress;
pub mod error;
pub mod headers;
pub mod impact;
pub mod inbox;
pub mod inventory;
pub mod master_key;
pub mod metrics;
pub mod netaddr;
pub mod oci;
pub mod pipelines;
pub mod preflight;
pub mod remote;
mod routes;
pub mod sandbox;
pub mod state;
pub mod telemetry;

use crate::db::Pool;
use config::Config;
use data_dir::{DataDir, DataDirError};
use leptos::config::{Env, LeptosOptions};
use state::{App, AppState};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Why the server could not start. Each message is one line naming the problem and the fix.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The data directory cannot be created or written.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// The database cannot be opened or migrated.
    #[error(transparent)]
    Database(#[from] db::OpenError),
    /// The built-in sandbox connection cannot be set up.
    #[error(transparent)]
    Builtin(#[from] builtin::BuiltinError),
    /// The master key cannot be loaded or created.
    #[error(transparent)]
    MasterKey(#[from] master_key::MasterKeyError),
    /// The first administrator cannot be created.
    #[error(transparent)]
    Bootstrap(#[from] auth::bootstrap::BootstrapError),
    /// The audit trail cannot be opened.
    #[error("cannot open the audit trail: {0}")]
    Audit(db::DbError),
    /// A shared database without a shared master key.
    #[error(
        "a PostgreSQL database is shared by instances that must all decrypt the credentials stored in it: set SIGNALBOX_MASTER_KEY to the same key on every instance (32 random bytes in base64: openssl rand -base64 32)"
    )]
    SharedKeyNeeded,
    /// Apply runs left by the last stop cannot be marked interrupted.
    #[error("cannot mark interrupted apply runs: {0}")]
    Apply(db::DbError),
    /// The sandbox's saved state cannot be used.
    #[error(transparent)]
    SandboxState(#[from] sandbox::persist::PersistError),
    /// The listening socket cannot be bound.
    #[error("cannot listen on {addr}: {source}{hint}")]
    Listen {
        /// The configured address.
        addr: SocketAddr,
        /// What the operating system said.
        source: io::Error,
        /// What to do about it.
        hint: String,
    },
}

/// A server that has bound its socket and opened its database, ready to serve.
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    router: axum::Router,
    state: AppState,
    bus_task: Option<tokio::task::JoinHandle<()>>,
    _lock: data_dir::DirLock,
}

impl Application {
    /// Binds the listener, prepares the data directory and database, and builds the router.
    ///
    /// The socket is bound first: if the port is taken, nothing on disk is touched.
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        let listener = bind(config.listen, "--listen").await?;
        let metrics_listener = match config.metrics_listen {
            Some(addr) => Some(bind(addr, "--metrics-listen").await?),
            None => None,
        };
        let data_dir = DataDir::prepare(&config.data_dir)?;
        let lock = data_dir.lock()?;
        metrics::install();
        let pool = match &config.database {
            config::Database::DataDir => db::open(&data_dir.database_path()).await?,
            config::Database::Sqlite(path) => db::open(path).await?,
            config::Database::Postgres(url) => {
                // Every instance must decrypt what any of them stored, so none may mint a key
                // file of its own.
                if config.master_key.is_none() {
                    return Err(StartupError::SharedKeyNeeded);
                }
                db::open_postgres(url).await?
            }
        };
        audit::open_chain(&pool).await.map_err(StartupError::Audit)?;
        // One SQLite instance: whatever it left running died with it. On a shared database
        // other instances may be running them; the leader takes over those whose lease expired.
        if db::Backend::of(&pool) == db::Backend::Sqlite {
            apply::interrupt_running(&pool).await.map_err(StartupError::Apply)?;
        }
        // After the database: a data directory refused for its database gets no key file either.
        let master_key = master_key::MasterKey::load(data_dir.path(), config.master_key.as_ref())?;
        let local = listener.local_addr().unwrap_or(config.listen);
        let sandbox_base = sandbox_url(local);
        let egress = egress::EgressPolicy::with_loopback(config.allow_egress.clone());
        // A first start's two slowest steps, one per core: the built-in sandbox's key (an
        // RSA-2048 key pair, made once) while the administrator's password is hashed (Argon2).
        let builtin = {
            let (dir, base, egress, metadata) =
                (data_dir.clone(), sandbox_base.clone(), egress.clone(), config.sandbox_metadata_service);
            tokio::task::spawn_blocking(move || builtin::Builtin::start(&dir, &base, egress, metadata))
        };
        let admin = auth::bootstrap::ensure_admin(&pool, config.admin_password.as_ref()).await;
        let builtin = builtin.await.map_err(|err| builtin::BuiltinError::Key {
            path: data_dir.path().join("sandbox"),
            reason: format!("making the key stopped: {err}"),
        })??;
        admin?;
        let sessions = auth::sessions::Store::new(pool.clone());
        let (bus, bus_task) = cluster::Bus::start(&pool);
        let leptos_options = leptos_options(&config, local);
        if config.sandbox_persist {
            let store = sandbox::persist::Store::open(&data_dir.path().join("sandbox.db")).await?;
            builtin.host.persist_to(store).await?;
        }
        builtin.add_sample_functions().await;
        if !config.site_root.join("pkg").is_dir() {
            tracing::warn!(
                site_root = %config.site_root.display(),
                "UI assets not found; pages render without styles or interactivity. Build them with `cargo leptos build` or set --site-root"
            );
        }
        let config_public_url = config.public_url.clone();
        let state = AppState(Arc::new(App {
            config,
            data_dir,
            pool,
            leptos_options,
            builtin,
            started_at: chrono::Utc::now(),
            throttle: auth::throttle::Throttle::default(),
            master_key,
            chain_check: audit::ChainCheck::default(),
            progress: Arc::new(apply::Progress::new(bus.clone())),
            instance_id: format!("{:016x}", rand::random::<u64>()),
            sessions: sessions.clone(),
            stopping: tokio::sync::watch::channel(false).0,
            credentials: std::sync::Mutex::default(),
            impact: crate::impact::history::Cache::default(),
            inventory: inventory::Inventory::new(bus.clone()),
            inboxes: inbox::Inboxes::new(
                config_public_url.as_deref().unwrap_or(&self_url(local)),
                &sandbox_base,
                egress::EgressClient::new(egress),
                bus,
            ),
        }));
        let router = routes::router(state.clone(), sessions);
        Ok(Self { listener, metrics_listener, router, state, bus_task, _lock: lock })
    }

    /// The address actually bound (the real port when the configured port was 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The database pool, for tests that check side effects.
    pub fn pool(&self) -> Pool {
        self.state.pool.clone()
    }

    /// The embedded sandbox and the built-in connection.
    pub fn builtin(&self) -> builtin::Builtin {
        self.state.builtin.clone()
    }

    /// Serves until SIGINT or SIGTERM, then finishes in-flight requests and closes the database.
    pub async fn run_until_stopped(self) -> io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Starts the background jobs: those of the cluster's leader (every job of a single SQLite
    /// instance) while this instance leads, and on PostgreSQL the campaign for leadership, the
    /// change bus and its listener. The tasks, to abort at stop.
    fn start_jobs(&mut self) -> Vec<tokio::task::JoinHandle<()>> {
        let bus = self.bus_task.take();
        let state = &self.state;
        let (leadership, campaign) = cluster::Leadership::campaign(&state.pool);
        let mut jobs: Vec<tokio::task::JoinHandle<()>> = campaign.into_iter().chain(bus).collect();
        if let config::Database::Postgres(url) = &state.config.database {
            jobs.push(tokio::spawn(cluster::listen(state.clone(), url.clone())));
        }
        let lead = |name: &'static str, job: fn(AppState) -> futures_util::future::BoxFuture<'static, ()>| {
            let state = state.clone();
            tokio::spawn(leadership.clone().run_while_leading(name, move || job(state.clone())))
        };
        jobs.push(lead("audit search upkeep", |s| Box::pin(audit::keep_search_merged(s.pool.clone()))));
        jobs.push(lead("session sweep", |s| Box::pin(auth::sessions::keep_swept(s.sessions.clone()))));
        jobs.push(lead("drift checks", |s| Box::pin(apply::drift::check_periodically(s))));
        jobs.push(lead("pipeline health checks", |s| Box::pin(pipelines::health::check_periodically(s))));
        jobs.push(lead("compliance checks", |s| Box::pin(compliance::check_periodically(s))));
        jobs.push(lead("inventory sync", |s| Box::pin(inventory::keep_synced(s))));
        jobs.push(lead("apply run takeover", |s| Box::pin(apply::takeover::keep_taking_over(s))));
        jobs
    }

    /// Serves until `shutdown` completes, then stops gracefully: live streams are told to end,
    /// in-flight requests get [`DRAIN`] to finish, and whatever is still open after that is cut.
    pub async fn run_until(mut self, shutdown: impl Future<Output = ()> + Send + 'static) -> io::Result<()> {
        let addr = self.listener.local_addr()?;
        tracing::info!(%addr, data_dir = %self.state.data_dir.path().display(), "signalbox is serving on http://{addr}");
        let jobs = self.start_jobs();
        let service = self.router.into_make_service_with_connect_info::<SocketAddr>();
        let backups = self.state.config.backups.clone().map(|schedule| {
            tokio::spawn(backup::keep_taking(
                self.state.data_dir.path().to_path_buf(),
                schedule,
                self.state.config.master_key.clone(),
            ))
        });
        let metrics_server = self.metrics_listener.map(|listener| {
            let mut stopped = self.state.stopping.subscribe();
            let router = metrics::router(self.state.clone());
            tokio::spawn(async move {
                let stop = async move {
                    let _ = stopped.wait_for(|stopping| *stopping).await;
                };
                if let Err(err) = axum::serve(listener, router).with_graceful_shutdown(stop).await {
                    tracing::error!(%err, "the metrics listener stopped");
                }
            })
        });
        let stopping = self.state.stopping.clone();
        let signal = async move {
            shutdown.await;
            // systemd (Type=notify) learns the stop is under way, and how long it may take.
            notify_systemd(&[
                sd_notify::NotifyState::Stopping,
                sd_notify::NotifyState::Status("stopping: finishing open requests"),
            ]);
            stopping.send_replace(true);
        };
        notify_systemd(&[sd_notify::NotifyState::Ready, sd_notify::NotifyState::Status("serving")]);
        let mut stopped = self.state.stopping.subscribe();
        let serve = axum::serve(self.listener, service).with_graceful_shutdown(signal).into_future();
        let served = tokio::select! {
            served = serve => served,
            () = async {
                let _ = stopped.wait_for(|stopping| *stopping).await;
                tokio::time::sleep(DRAIN).await;
            } => {
                tracing::warn!(seconds = DRAIN.as_secs(), "requests still open after the drain period; stopping anyway");
                Ok(())
            }
        };
        for job in jobs {
            job.abort();
        }
        if let Some(backups) = backups {
            backups.abort();
        }
        if let Some(metrics_server) = metrics_server {
            metrics_server.abort();
        }
        served?;
        self.state.builtin.host.save_now().await;
        self.state.pool.close().await;
        tracing::info!("signalbox stopped");
        Ok(())
    }
}

/// Binds `addr` (the value of `flag`), with a hint for the usual failures.
async fn bind(addr: SocketAddr, flag: &'static str) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr).await.map_err(|source| StartupError::Listen {
        addr,
        hint: match source.kind() {
            io::ErrorKind::AddrInUse => {
                format!(" (another process is using it; stop it or choose another address with {flag})")
            }
            io::ErrorKind::PermissionDenied => {
                format!(" (ports below 1024 need privileges; choose a higher port with {flag})")
            }
            io::ErrorKind::AddrNotAvailable => {
                " (no network interface has this address; use 127.0.0.1 or 0.0.0.0)".to_owned()
            }
            _ => String::new(),
        },
        source,
    })
}

/// Tells systemd about the service's state when it started it with `Type=notify`
/// (`NOTIFY_SOCKET` is set); does nothing otherwise.
fn notify_systemd(states: &[sd_notify::NotifyState<'_>]) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    if let Err(err) = sd_notify::notify(states) {
        tracing::warn!(%err, "cannot notify systemd");
    }
}

/// How long a stopping server waits for in-flight requests before it stops anyway.
pub const DRAIN: std::time::Duration = std::time::Duration::from_secs(10);

/// This server's URL as it reaches itself: loopback when listening on every interface.
fn self_url(local: SocketAddr) -> String {
    let host = if local.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), local.port())
    } else {
        local
    };
    format!("http://{host}")
}

/// The sandbox's URL as this server reaches itself.
fn sandbox_url(local: SocketAddr) -> String {
    format!("{}{}", self_url(local), builtin::SANDBOX_PATH)
}

fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("signalbox")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(if cfg!(debug_assertions) { Env::DEV } else { Env::PROD })
        .build()
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received, shutting down"),
        () = terminate => tracing::info!("SIGTERM received, shutting down"),
    }
}

//! The scan endpoint (feature `server`): the page a phone opens from a
//! licence's QR code, a JSON API for other agencies' systems, and the
//! published trust list, status lists and transparency log.
//!
//! Every judgement is the library's: [`Verifier`] for codes,
//! [`verify_licence_pdf`] for sealed
//! PDFs, [`Verdict::outcome`] and [`Reason::explain`](crate::Reason::explain) for what a person is
//! told. This module only carries them over HTTP.
//!
//! A server is stateless apart from what it loads ([`Sources`]): any number
//! may run behind a load balancer. The lists are reloaded in the background
//! when their files change or their ttl or next update comes, without
//! blocking requests; a reload that fails keeps the material already held
//! (and `/readyz` says so once it goes stale).
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use elicence::server::{Server, ServerConfig, Sources};
//! let sources = Sources::new(vec!["roots.pem".into()])
//!     .with_trust_list("trust-list.cose".into())
//!     .with_status_dir("status".into());
//! let config = ServerConfig::new(elicence::QrBase::new("https://verify.example.gov.cn/c/")?);
//! let server = Server::load(config, sources, None)?;
//! let runtime = tokio::runtime::Runtime::new()?;
//! runtime.block_on(server.serve("127.0.0.1:8080".parse()?, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! }))?;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::log::note::NoteSigner;
use crate::qr::QrBase;
use crate::registry::{Registry, RegistryError};
use crate::seal::pdf::{PdfVerifier, verify_licence_pdf};
use crate::status::SignedStatusList;
use crate::trust::TrustStore;
use crate::verify::{Lang, Outcome, StatusPolicy, Verdict};
use crate::{UnixTime, Verifier};

mod metrics;
mod page;

use metrics::Metrics;

/// Where a server's material comes from: files it reads at start and
/// re-reads when they change.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Sources {
    /// PEM files of trusted roots.
    pub roots: Vec<PathBuf>,
    /// A signed trust list, if the deployment publishes one.
    pub trust_list: Option<PathBuf>,
    /// A directory of signed status lists (`*.cwt`, searched two levels
    /// deep, as `registry publish` writes them).
    pub status_dir: Option<PathBuf>,
}

impl Sources {
    /// Roots only: no trust list, no status lists.
    pub fn new(roots: Vec<PathBuf>) -> Sources {
        Sources {
            roots,
            trust_list: None,
            status_dir: None,
        }
    }

    /// With a trust list file.
    pub fn with_trust_list(mut self, path: PathBuf) -> Sources {
        self.trust_list = Some(path);
        self
    }

    /// With a directory of status lists.
    pub fn with_status_dir(mut self, path: PathBuf) -> Sources {
        self.status_dir = Some(path);
        self
    }
}

/// How the server behaves. Defaults are the safe ones.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// The QR base URL: its path is the page route.
    pub base: QrBase,
    /// Largest JSON body accepted by `POST /api/v1/verify`, in bytes.
    pub max_json_body: usize,
    /// Largest PDF accepted by `POST /api/v1/verify-pdf`, in bytes.
    pub max_pdf_body: usize,
    /// A request taking longer is answered 408 and dropped.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait (within the timeout).
    pub max_concurrent_requests: usize,
    /// PDF checks run at once (each holds a blocking thread).
    pub max_concurrent_pdf_checks: usize,
    /// Requests per second allowed to one peer address, on average.
    pub rate_per_second: u32,
    /// Requests one peer address may send in a burst.
    pub rate_burst: u32,
    /// How often the list files are looked at for changes.
    pub reload_check: Duration,
    /// After shutdown is asked for, how long connections under way may
    /// take to finish before the server returns regardless.
    pub shutdown_grace: Duration,
    /// A connection must send a request's whole head within this time,
    /// counted from when the server starts waiting for it (so it is also
    /// the idle time a kept-alive connection is allowed); else it is
    /// closed. This is what stops a client from holding connections open
    /// by trickling headers.
    pub header_read_timeout: Duration,
    /// Connections held at once; further ones wait in the kernel's
    /// backlog until one closes.
    pub max_connections: usize,
    /// Connections one peer address may hold at once; more are closed as
    /// soon as they are accepted. Behind a proxy every connection has the
    /// proxy's address: raise this to `max_connections` there.
    pub max_connections_per_peer: usize,
}

impl ServerConfig {
    /// Defaults for the QR base URL `base`.
    pub fn new(base: QrBase) -> ServerConfig {
        ServerConfig {
            base,
            max_json_body: 16 * 1024,
            max_pdf_body: 8 * 1024 * 1024,
            request_timeout: Duration::from_secs(10),
            max_concurrent_requests: 512,
            max_concurrent_pdf_checks: 2,
            rate_per_second: 50,
            rate_burst: 200,
            reload_check: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_peer: 256,
        }
    }
}

/// Why a server cannot start.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A source file cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A roots file holds no usable certificate.
    #[error("{path}: no usable root certificate")]
    NoRoots {
        /// The file.
        path: PathBuf,
    },
    /// The trust list is refused.
    #[error("{path}: trust list refused ({code}): {message}")]
    TrustList {
        /// The file.
        path: PathBuf,
        /// The refusal's stable code.
        code: &'static str,
        /// The refusal.
        message: String,
    },
    /// A status list is refused.
    #[error("{path}: status list refused ({code}): {message}")]
    StatusList {
        /// The file.
        path: PathBuf,
        /// The refusal's stable code.
        code: &'static str,
        /// The refusal.
        message: String,
    },
    /// The QR base URL has no path the server could answer.
    #[error("the QR base {0:?} is not an http(s) URL with a path")]
    Base(String),
    /// The registry failed.
    #[error("registry: {0}")]
    Registry(#[from] RegistryError),
    /// The listening socket failed.
    #[error("listening: {0}")]
    Io(#[from] std::io::Error),
}

impl ServerError {
    /// What went wrong without file paths or locations, for `/readyz`,
    /// which strangers may read.
    pub fn public_summary(&self) -> String {
        match self {
            ServerError::Read { .. } => "a source file cannot be read".to_owned(),
            ServerError::NoRoots { .. } => "no usable root certificate".to_owned(),
            ServerError::TrustList { code, .. } => format!("trust list refused ({code})"),
            ServerError::StatusList { code, .. } => format!("status list refused ({code})"),
            ServerError::Base(_) => "bad QR base".to_owned(),
            ServerError::Registry(e) => format!("registry ({})", e.code()),
            ServerError::Io(_) => "I/O error".to_owned(),
        }
    }
}

/// A published file: its bytes, entity tag and when it goes stale.
#[derive(Debug, Clone)]
struct Published {
    bytes: Bytes,
    etag: String,
    /// When it was signed.
    issued_at: UnixTime,
    /// When a cache must fetch it again.
    fresh_until: Option<UnixTime>,
}

impl Published {
    fn new(bytes: Vec<u8>, issued_at: UnixTime, fresh_until: Option<UnixTime>) -> Published {
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", hex_prefix(&digest, 16));
        Published {
            bytes: Bytes::from(bytes),
            etag,
            issued_at,
            fresh_until,
        }
    }
}

fn hex_prefix(bytes: &[u8], n: usize) -> String {
    bytes.iter().take(n).map(|b| format!("{b:02x}")).collect()
}

/// What was loaded from the [`Sources`] at one time.
struct Material {
    verifier: Verifier,
    pdf_verifier: PdfVerifier,
    trust_list: Option<Published>,
    /// Status lists by the path of their URI (`/status/...`).
    status: HashMap<String, Published>,
    /// The files read, with their modification times.
    files: Vec<(PathBuf, Option<SystemTime>)>,
    /// The soonest ttl, expiry or next update among the lists.
    due: Option<UnixTime>,
    loaded_at: UnixTime,
}

impl fmt::Debug for Material {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Material")
            .field("status_lists", &self.status.len())
            .field("loaded_at", &self.loaded_at)
            .finish_non_exhaustive()
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, ServerError> {
    std::fs::read(path).map_err(|source| ServerError::Read {
        path: path.to_path_buf(),
        source,
    })
}

fn modified(path: &std::path::Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The `*.cwt` files in `dir` and its subdirectories, sorted.
fn status_files(dir: &std::path::Path) -> Result<Vec<PathBuf>, ServerError> {
    let mut out = Vec::new();
    let mut dirs = vec![(dir.to_path_buf(), 0)];
    while let Some((dir, depth)) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|source| ServerError::Read {
            path: dir.clone(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && depth < 1 {
                dirs.push((path, depth + 1));
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "cwt") {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The path of an `https://host/path` URI.
fn uri_path(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"))?;
    let start = rest.find('/')?;
    let path = rest.get(start..)?;
    let end = path.find(['?', '#']).unwrap_or(path.len());
    path.get(..end)
}

fn earliest(a: Option<UnixTime>, b: Option<UnixTime>) -> Option<UnixTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if a.secs() <= b.secs() { a } else { b }),
        (a, None) => a,
        (None, b) => b,
    }
}

impl Material {
    fn load(sources: &Sources, at: UnixTime) -> Result<Material, ServerError> {
        let mut files = Vec::new();
        let mut store = TrustStore::new();
        for path in &sources.roots {
            files.push((path.clone(), modified(path)));
            if store.load_roots(&read(path)?).added == 0 {
                return Err(ServerError::NoRoots { path: path.clone() });
            }
        }
        let mut verifier =
            Verifier::from_roots(&store).with_status_policy(StatusPolicy::FailClosed);
        let mut due = None;
        let mut trust_list = None;
        if let Some(path) = &sources.trust_list {
            files.push((path.clone(), modified(path)));
            let bytes = read(path)?;
            verifier
                .add_trust_list(&bytes, at)
                .map_err(|e| ServerError::TrustList {
                    path: path.clone(),
                    code: e.code(),
                    message: e.to_string(),
                })?;
            if let Some(list) = verifier.trust_list().map(|l| l.list()) {
                due = earliest(due, Some(list.next_update));
                trust_list = Some(Published::new(
                    bytes,
                    list.issued_at,
                    Some(list.next_update),
                ));
            }
        }
        let mut status = HashMap::new();
        if let Some(dir) = &sources.status_dir {
            for path in status_files(dir)? {
                files.push((path.clone(), modified(&path)));
                let bytes = read(&path)?;
                let refused = |code: &'static str, message: String| ServerError::StatusList {
                    path: path.clone(),
                    code,
                    message,
                };
                verifier
                    .add_status_list(&bytes, at)
                    .map_err(|e| refused(e.code(), e.to_string()))?;
                let token = SignedStatusList::from_slice(&bytes)
                    .map_err(|e| refused(e.code(), e.to_string()))?;
                // The verifier's own rule (`exp` or `iat` + `ttl`), so that
                // max-age and /readyz agree with the verdicts.
                let stale_at = token.stale_at();
                due = earliest(due, Some(stale_at));
                if let Some(key) = uri_path(token.subject()).filter(|p| p.starts_with("/status/")) {
                    status.insert(
                        key.to_owned(),
                        Published::new(bytes, token.issued_at(), Some(stale_at)),
                    );
                }
            }
        }
        let pdf_verifier = PdfVerifier::new(store).with_licence_verifier(verifier.clone());
        Ok(Material {
            verifier,
            pdf_verifier,
            trust_list,
            status,
            files,
            due,
            loaded_at: at,
        })
    }

    /// Whether the files changed, or a list's time came.
    fn needs_reload(&self, sources: &Sources, at: UnixTime) -> bool {
        if self.due.is_some_and(|due| due.secs() <= at.secs()) {
            return true;
        }
        let now: Vec<PathBuf> = match &sources.status_dir {
            Some(dir) => status_files(dir).unwrap_or_default(),
            None => Vec::new(),
        };
        let listed = self
            .files
            .iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "cwt"))
            .count();
        now.len() != listed
            || self
                .files
                .iter()
                .any(|(path, time)| modified(path) != *time)
    }
}

/// A clock the server reads once per request (tests pass their own).
pub type Clock = Arc<dyn Fn() -> UnixTime + Send + Sync>;

/// The system clock, to the second.
fn system_now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    UnixTime::from_secs(secs)
}

/// A few open registry handles, used from blocking threads.
struct RegistryPool {
    handles: Mutex<Vec<Registry>>,
    /// One per handle. A permit travels with its job onto the blocking
    /// thread and is given back only with the handle: a request that
    /// times out mid-query must not free a permit for a handle still out.
    permits: Arc<tokio::sync::Semaphore>,
}

impl RegistryPool {
    fn open(location: &str, size: usize) -> Result<RegistryPool, ServerError> {
        let handles = (0..size.max(1))
            .map(|_| Registry::open(location))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RegistryPool {
            permits: Arc::new(tokio::sync::Semaphore::new(handles.len())),
            handles: Mutex::new(handles),
        })
    }
}

/// Runs `job` on a pooled registry on a blocking thread.
async fn with_registry<T: Send + 'static>(
    state: &AppState,
    job: impl FnOnce(&mut Registry) -> Result<T, RegistryError> + Send + 'static,
) -> Result<T, ApiError> {
    let pool = state.registry.clone().ok_or(ApiError::NoRegistry)?;
    let permit = Arc::clone(&pool.permits)
        .acquire_owned()
        .await
        .map_err(|_| ApiError::Internal)?;
    let pool = Arc::clone(&pool);
    let task = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let taken = pool.handles.lock().ok().and_then(|mut h| h.pop());
        let Some(mut registry) = taken else {
            return Err(ApiError::Internal);
        };
        let out = job(&mut registry).map_err(ApiError::Registry);
        if let Ok(mut handles) = pool.handles.lock() {
            handles.push(registry);
        }
        out
    });
    task.await.map_err(|_| ApiError::Internal)?
}

/// The client an address stands for: one IPv6 host usually holds a whole
/// /64, so the /64 is one client; an IPv4-mapped address is its IPv4 one.
fn client_of(peer: std::net::IpAddr) -> std::net::IpAddr {
    match peer {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let prefix = u128::from(v6) & !u128::from(u64::MAX);
            std::net::IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        std::net::IpAddr::V6(v6) => v6.to_canonical(),
        v4 => v4,
    }
}

/// Per-peer token buckets, bounded in number.
struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<std::net::IpAddr, (f64, Instant)>>,
}

/// Peers tracked at most; past this the table is cleared (every peer
/// starts with a full bucket again) rather than grown.
const MAX_RATE_PEERS: usize = 65_536;

impl RateLimiter {
    fn allow(&self, peer: std::net::IpAddr) -> bool {
        let peer = client_of(peer);
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        if buckets.len() >= MAX_RATE_PEERS && !buckets.contains_key(&peer) {
            buckets.clear();
        }
        let now = Instant::now();
        let (tokens, last) = buckets.entry(peer).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct AppState {
    config: ServerConfig,
    base_path: String,
    sources: Sources,
    material: RwLock<Arc<Material>>,
    /// The last reload's failure, if it failed.
    reload_error: RwLock<Option<String>>,
    registry: Option<Arc<RegistryPool>>,
    log_signer: Option<Arc<NoteSigner>>,
    clock: Clock,
    metrics: Metrics,
    rate: RateLimiter,
    pdf_permits: Arc<tokio::sync::Semaphore>,
}

impl AppState {
    fn material(&self) -> Arc<Material> {
        match self.material.read() {
            Ok(m) => Arc::clone(&m),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

/// A loaded server, ready to serve.
pub struct Server {
    state: Arc<AppState>,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("base", &self.state.config.base)
            .finish_non_exhaustive()
    }
}

/// The path of a QR base URL: the page route's prefix.
fn base_path(base: &QrBase) -> Option<String> {
    let path = uri_path(base.as_str())?;
    (!path.contains("..") && base.as_str().ends_with(path)).then(|| path.to_owned())
}

impl Server {
    /// Loads the material and opens the registry (`registry`, a SQLite
    /// path or PostgreSQL URL), with the system clock.
    ///
    /// # Errors
    /// [`ServerError`] for a source that cannot be read or is refused.
    pub fn load(
        config: ServerConfig,
        sources: Sources,
        registry: Option<&str>,
    ) -> Result<Server, ServerError> {
        Server::load_with_clock(config, sources, registry, Arc::new(system_now))
    }

    /// As [`Server::load`], reading the time from `clock`.
    ///
    /// # Errors
    /// As [`Server::load`].
    pub fn load_with_clock(
        config: ServerConfig,
        sources: Sources,
        registry: Option<&str>,
        clock: Clock,
    ) -> Result<Server, ServerError> {
        let base_path =
            base_path(&config.base).ok_or_else(|| ServerError::Base(config.base.to_string()))?;
        let material = Material::load(&sources, clock())?;
        let registry = registry
            .map(|location| RegistryPool::open(location, 2).map(Arc::new))
            .transpose()?;
        let rate = RateLimiter {
            per_second: f64::from(config.rate_per_second.max(1)),
            burst: f64::from(config.rate_burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        };
        Ok(Server {
            state: Arc::new(AppState {
                pdf_permits: Arc::new(tokio::sync::Semaphore::new(
                    config.max_concurrent_pdf_checks.max(1),
                )),
                config,
                base_path,
                sources,
                material: RwLock::new(Arc::new(material)),
                reload_error: RwLock::new(None),
                registry,
                log_signer: None,
                clock,
                metrics: Metrics::default(),
                rate,
            }),
        })
    }

    /// Signs a fresh checkpoint of the registry's log with `signer` when
    /// the log has grown, before `/log/checkpoint` answers.
    pub fn with_log_signer(mut self, signer: NoteSigner) -> Server {
        if let Some(state) = Arc::get_mut(&mut self.state) {
            state.log_signer = Some(Arc::new(signer));
        }
        self
    }

    /// The routes, as an axum router (for tests and embedding).
    pub fn router(&self) -> Router {
        router(Arc::clone(&self.state))
    }

    /// Re-reads the sources now if they changed or fell due, and reports
    /// whether new material was taken.
    pub fn reload_if_due(&self) -> bool {
        reload_if_due(&self.state)
    }

    /// Serves on `addr` until `shutdown` completes, then finishes the
    /// requests under way.
    ///
    /// # Errors
    /// The socket cannot be bound or fails.
    pub async fn serve(
        self,
        addr: SocketAddr,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        self.serve_on(listener, shutdown).await
    }

    /// As [`Server::serve`], on a socket already bound.
    ///
    /// # Errors
    /// The socket fails.
    pub async fn serve_on(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        // The line that tells a supervisor (or a test) the port is open.
        log_line(&json!({ "event": "listening", "addr": listener.local_addr()?.to_string() }));
        let state = Arc::clone(&self.state);
        let reloader = tokio::spawn(async move {
            let mut tick = tokio::time::interval(state.config.reload_check);
            loop {
                tick.tick().await;
                let state = Arc::clone(&state);
                // File reads and signature checks block: off the runtime.
                let _ = tokio::task::spawn_blocking(move || reload_if_due(&state)).await;
            }
        });
        let outcome = accept_loop(listener, self.router(), &self.state.config, shutdown).await;
        reloader.abort();
        outcome
    }
}

/// Accepts connections until `shutdown` completes, serving each with HTTP/1.1
/// under the header-read timeout and the connection caps, then gives the
/// connections under way `shutdown_grace` to finish.
///
/// axum's own `serve` has no header-read timeout: a client trickling its
/// headers a byte at a time held a connection forever.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    let connections = Arc::new(tokio::sync::Semaphore::new(config.max_connections.max(1)));
    let per_peer = Arc::new(PeerConnections::new(config.max_connections_per_peer.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors or memory: the condition passes as
                    // connections close, so wait rather than stop serving.
                    if !is_connection_error(&error) {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(peer_slot) = PeerConnections::enter(&per_peer, client_of(peer.ip())) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service =
            hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                let mut request = request.map(Body::new);
                request.extensions_mut().insert(ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), request)
            });
        let connection =
            graceful.watch(http.serve_connection(hyper_util::rt::TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's errors (a reset, a timeout, a malformed head)
            // end only that connection; hyper has answered what it could.
            let _ = connection.await;
            drop(peer_slot);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(config.shutdown_grace) => {}
    }
    Ok(())
}

/// Errors of one connection that `accept` reports: the next accept is fine.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Open connections by peer address.
struct PeerConnections {
    limit: usize,
    open: Mutex<HashMap<std::net::IpAddr, usize>>,
}

/// One connection's place in [`PeerConnections`], given back on drop.
struct PeerSlot {
    owner: Arc<PeerConnections>,
    ip: std::net::IpAddr,
}

impl PeerConnections {
    fn new(limit: usize) -> PeerConnections {
        PeerConnections {
            limit,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// A place for one more connection from `ip`, unless it holds its limit.
    fn enter(owner: &Arc<PeerConnections>, ip: std::net::IpAddr) -> Option<PeerSlot> {
        let mut open = owner.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(ip).or_insert(0);
        if *count >= owner.limit {
            return None;
        }
        *count += 1;
        Some(PeerSlot {
            owner: Arc::clone(owner),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut open = self.owner.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

fn reload_if_due(state: &AppState) -> bool {
    let at = (state.clock)();
    if !state.material().needs_reload(&state.sources, at) {
        return false;
    }
    match Material::load(&state.sources, at) {
        Ok(material) => {
            if let Ok(mut held) = state.material.write() {
                *held = Arc::new(material);
            }
            if let Ok(mut error) = state.reload_error.write() {
                *error = None;
            }
            true
        }
        Err(e) => {
            log_line(&json!({ "event": "reload_failed", "error": e.to_string() }));
            if let Ok(mut error) = state.reload_error.write() {
                *error = Some(e.public_summary());
            }
            false
        }
    }
}

/// One structured log line on standard error. Callers never pass a
/// scanned code, a path holding one, or a person's data.
fn log_line(value: &Value) {
    use std::io::Write;
    // Formatted first and written once: stderr is unbuffered, and writing
    // the value through `writeln!` made dozens of system calls a request.
    let mut line = value.to_string();
    line.push('\n');
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

fn router(state: Arc<AppState>) -> Router {
    let concurrency = state.config.max_concurrent_requests.max(1);
    let json_cap = state.config.max_json_body;
    let pdf_cap = state.config.max_pdf_body;
    Router::new()
        .route(
            "/api/v1/verify",
            post(api_verify).layer(DefaultBodyLimit::max(json_cap)),
        )
        .route(
            "/api/v1/verify-pdf",
            post(api_verify_pdf).layer(DefaultBodyLimit::max(pdf_cap)),
        )
        .route("/api/v1/licences", get(api_lookup))
        .route("/api/v1/licences/{id}/receipt", get(api_receipt))
        .route("/trust-list", get(trust_list))
        .route("/status/{*list}", get(status_list))
        .route("/log/checkpoint", get(log_checkpoint))
        .route("/log/tile/{*path}", get(log_tile))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_route))
        .route("/assets/page.css", get(page::stylesheet))
        .fallback(page::page_or_not_found)
        // No other route reads a body.
        .layer(DefaultBodyLimit::max(json_cap))
        // Outermost first: the rate check and the timeout (in observe)
        // come before a slot is taken.
        .layer(tower::limit::GlobalConcurrencyLimitLayer::new(concurrency))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), observe))
        .with_state(state)
}

/// Rate limiting, metrics and the access log around every request.
async fn observe(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = route_label(&state, &request);
    let method = request.method().clone();
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    // A load balancer's health checks share a proxy's address with the
    // traffic it forwards: they must not be the requests refused.
    let limited = !matches!(route, "healthz" | "readyz");
    // A person on the page is answered with a page, a program with JSON.
    // (The URI's clone shares its bytes: no copy of a long code.)
    let page_uri = matches!(route, "page" | "not_found").then(|| request.uri().clone());
    let refusal = |error: ApiError| match &page_uri {
        Some(uri) => page::refusal(uri, &error),
        None => error.into_response(),
    };
    let response = match peer {
        Some(ip) if limited && !state.rate.allow(ip) => refusal(ApiError::RateLimited),
        // The timeout bounds everything, waiting for a slot included.
        _ => match tokio::time::timeout(state.config.request_timeout, next.run(request)).await {
            Ok(response) => response,
            Err(_) => refusal(ApiError::TimedOut),
        },
    };
    // axum answers a method a route does not take with an empty 405.
    let response = if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut json = ApiError::MethodNotAllowed.into_response();
        if let Some(allow) = allow {
            json.headers_mut().insert(header::ALLOW, allow);
        }
        json
    } else {
        response
    };
    let elapsed = started.elapsed();
    state
        .metrics
        .record_request(route, response.status().as_u16(), elapsed);
    log_line(&json!({
        "event": "request",
        "method": method.as_str(),
        "route": route,
        "status": response.status().as_u16(),
        "ms": (elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
    }));
    response
}

/// A fixed name for the route, never the path (which holds the code).
fn route_label(state: &AppState, request: &Request) -> &'static str {
    if let Some(path) = request.extensions().get::<MatchedPath>() {
        return match path.as_str() {
            "/api/v1/verify" => "api_verify",
            "/api/v1/verify-pdf" => "api_verify_pdf",
            "/api/v1/licences" => "api_lookup",
            "/api/v1/licences/{id}/receipt" => "api_receipt",
            "/trust-list" => "trust_list",
            "/status/{*list}" => "status_list",
            "/log/checkpoint" => "log_checkpoint",
            "/log/tile/{*path}" => "log_tile",
            "/healthz" => "healthz",
            "/readyz" => "readyz",
            "/metrics" => "metrics",
            "/assets/page.css" => "assets",
            _ => "other",
        };
    }
    if request.uri().path().starts_with(&state.base_path) {
        "page"
    } else {
        "not_found"
    }
}

/// Errors of the API, each a status and a stable code.
#[derive(Debug)]
enum ApiError {
    BadRequest(&'static str, String),
    UnsupportedMediaType(&'static str),
    TooLarge(usize),
    NotFound(&'static str),
    NoRegistry,
    RateLimited,
    TimedOut,
    MethodNotAllowed,
    Busy,
    Registry(RegistryError),
    Internal,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            ApiError::BadRequest(code, message) => (StatusCode::BAD_REQUEST, code, message),
            ApiError::UnsupportedMediaType(wanted) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("the body must be {wanted}"),
            ),
            ApiError::TooLarge(max) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("the body is over {max} bytes"),
            ),
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "not_found", what.to_owned()),
            ApiError::NoRegistry => (
                StatusCode::NOT_FOUND,
                "no_registry",
                "this server has no registry".to_owned(),
            ),
            ApiError::RateLimited => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests from this address".to_owned(),
            ),
            ApiError::TimedOut => (
                StatusCode::REQUEST_TIMEOUT,
                "timeout",
                "the request took too long".to_owned(),
            ),
            ApiError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take this method".to_owned(),
            ),
            ApiError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "too many PDF checks at once; try again".to_owned(),
            ),
            ApiError::Registry(e @ RegistryError::Query { .. }) => {
                (StatusCode::BAD_REQUEST, "bad_query", e.to_string())
            }
            ApiError::Registry(RegistryError::NoCheckpoint { .. }) => (
                StatusCode::NOT_FOUND,
                "no_checkpoint",
                "no checkpoint covers this licence yet".to_owned(),
            ),
            ApiError::Registry(e) => {
                // The detail goes to the log, not to a stranger.
                log_line(&json!({ "event": "registry_error", "code": e.code() }));
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "registry_unavailable",
                    "the registry cannot answer now".to_owned(),
                )
            }
            ApiError::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error".to_owned(),
            ),
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "error": { "code": code, "message": message } }).to_string(),
        )
            .into_response();
        if matches!(
            status,
            StatusCode::TOO_MANY_REQUESTS
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::REQUEST_TIMEOUT
        ) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

fn has_content_type(headers: &HeaderMap, wanted: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(wanted))
}

/// A body of the wanted type, read only up to the route's cap (the
/// router refuses a longer one before it is all in memory).
fn checked_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    wanted: &'static str,
    max: usize,
) -> Result<Bytes, ApiError> {
    if !has_content_type(headers, wanted) {
        return Err(ApiError::UnsupportedMediaType(wanted));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(max)
        } else {
            ApiError::BadRequest("bad_body", "the body could not be read".to_owned())
        }
    })?;
    if body.len() > max {
        return Err(ApiError::TooLarge(max));
    }
    Ok(body)
}

/// The body of `POST /api/v1/verify`: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyRequest {
    qr: Option<String>,
    envelope: Option<String>,
}

/// Whether the registry holds this exact envelope: `Some(log index)`,
/// `None` if not; `Err` if there is no registry or it cannot answer.
async fn log_inclusion(state: &AppState, envelope: Vec<u8>) -> Result<Option<u64>, ApiError> {
    with_registry(state, move |registry| {
        Ok(registry
            .licence_of_envelope(&envelope)?
            .map(|row| row.log_index))
    })
    .await
}

/// What the API and the page say about the log.
#[derive(Debug, Clone, Copy)]
enum Logged {
    Yes(u64),
    No,
    Unknown,
}

async fn logged(state: &AppState, verdict: &Verdict) -> Logged {
    let Some(envelope) = verdict.licence().and(verdict.unverified()) else {
        return Logged::Unknown;
    };
    if state.registry.is_none() {
        return Logged::Unknown;
    }
    match log_inclusion(state, envelope.as_bytes().to_vec()).await {
        Ok(Some(index)) => Logged::Yes(index),
        Ok(None) => Logged::No,
        Err(_) => Logged::Unknown,
    }
}

/// The verdict JSON of the API: the library's, with the outcome, plain
/// explanations and the log.
fn verdict_json(verdict: &Verdict, logged: Logged) -> Value {
    let mut out = verdict.to_json_value();
    if let Some(obj) = out.as_object_mut() {
        obj.insert("outcome".into(), outcome_json(verdict.outcome()));
        obj.insert(
            "explanations".into(),
            explanations(
                verdict
                    .reasons()
                    .iter()
                    .map(|r| (r.code(), r.explain(Lang::Zh), r.explain(Lang::En))),
            ),
        );
        obj.insert("log".into(), log_json(logged));
    }
    out
}

/// `[{code, zh, en}]`, each plain sentence said once.
fn explanations<'a>(reasons: impl Iterator<Item = (&'static str, &'a str, &'a str)>) -> Value {
    let mut said: Vec<&str> = Vec::new();
    let mut out: Vec<Value> = Vec::new();
    for (code, zh, en) in reasons {
        if !said.contains(&zh) {
            said.push(zh);
            out.push(json!({ "code": code, "zh": zh, "en": en }));
        }
    }
    out.into()
}

fn log_json(logged: Logged) -> Value {
    match logged {
        Logged::Yes(index) => json!({ "included": true, "index": index }),
        Logged::No => json!({ "included": false }),
        Logged::Unknown => json!({ "included": null }),
    }
}

fn outcome_json(outcome: Outcome) -> Value {
    json!({
        "code": outcome.code(),
        "label": outcome.label(Lang::Zh),
        "label_en": outcome.label(Lang::En),
        "tone": outcome.tone().code(),
    })
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        value.to_string(),
    )
        .into_response()
}

async fn api_verify(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let body = checked_body(
        &headers,
        body,
        "application/json",
        state.config.max_json_body,
    )?;
    let request: VerifyRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::BadRequest(
            "bad_json",
            format!("the body is not the expected JSON: {e}"),
        )
    })?;
    let at = (state.clock)();
    let material = state.material();
    let verdict = match (request.qr, request.envelope) {
        (Some(qr), None) => material.verifier.verify_qr_text(&qr, at),
        (None, Some(b64)) => {
            use base64ct::{Base64, Encoding};
            let bytes = Base64::decode_vec(&b64).map_err(|_| {
                ApiError::BadRequest("bad_base64", "envelope is not standard base64".to_owned())
            })?;
            material.verifier.verify_bytes(&bytes, at)
        }
        _ => {
            return Err(ApiError::BadRequest(
                "bad_request",
                "give exactly one of \"qr\" and \"envelope\"".to_owned(),
            ));
        }
    };
    let logged = logged(&state, &verdict).await;
    state.metrics.record_outcome(verdict.outcome().code());
    Ok(json_response(
        StatusCode::OK,
        &verdict_json(&verdict, logged),
    ))
}

async fn api_verify_pdf(
    State(state): State<Arc<AppState>>,
    request: Request,
) -> Result<Response, ApiError> {
    use axum::extract::FromRequest;
    const PDF: &str = "application/pdf";
    if !has_content_type(request.headers(), PDF) {
        return Err(ApiError::UnsupportedMediaType(PDF));
    }
    // A check past the limit is refused before its megabytes are read.
    let permit = Arc::clone(&state.pdf_permits)
        .try_acquire_owned()
        .map_err(|_| ApiError::Busy)?;
    let headers = request.headers().clone();
    let body = Bytes::from_request(request, &state).await;
    let body = checked_body(&headers, body, PDF, state.config.max_pdf_body)?;
    let at = (state.clock)();
    let material = state.material();
    let verdict = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        verify_licence_pdf(&body, &material.pdf_verifier, at)
    })
    .await
    .map_err(|_| ApiError::Internal)?;
    let logged = match verdict.licence() {
        Some(licence) => logged(&state, licence).await,
        None => Logged::Unknown,
    };
    state.metrics.record_outcome(if verdict.is_valid() {
        "pdf_valid"
    } else {
        "pdf_invalid"
    });
    let mut out = verdict.to_json_value();
    if let Some(obj) = out.as_object_mut() {
        obj.insert("outcome".into(), outcome_json(verdict.outcome()));
        // The file's reasons, then the licence's own.
        let file_reasons = verdict
            .reasons()
            .iter()
            .filter(|r| !matches!(r, crate::seal::pdf::LicencePdfReason::LicenceInvalid))
            .map(|r| (r.code(), r.explain(Lang::Zh), r.explain(Lang::En)));
        let licence_reasons = verdict
            .licence()
            .map(Verdict::reasons)
            .unwrap_or_default()
            .iter()
            .map(|r| (r.code(), r.explain(Lang::Zh), r.explain(Lang::En)));
        obj.insert(
            "explanations".into(),
            explanations(file_reasons.chain(licence_reasons)),
        );
        obj.insert("log".into(), log_json(logged));
    }
    Ok(json_response(StatusCode::OK, &out))
}

/// `GET /api/v1/licences` parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LookupQuery {
    uscc: Option<String>,
    name: Option<String>,
    /// `prefix` (the default) or `contains`.
    #[serde(rename = "match")]
    match_: Option<String>,
    after: Option<u64>,
    limit: Option<u32>,
}

async fn api_lookup(
    State(state): State<Arc<AppState>>,
    query: Result<Query<LookupQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    use crate::registry::NameMatch;
    let Query(query) = query.map_err(|e| ApiError::BadRequest("bad_query", e.body_text()))?;
    let limit = query.limit.unwrap_or(20);
    let after = query.after;
    let page = match (query.uscc, query.name) {
        (Some(_), None) if query.match_.is_some() => {
            return Err(ApiError::BadRequest(
                "bad_query",
                "match applies to name look-ups only".to_owned(),
            ));
        }
        (Some(uscc), None) => {
            let uscc: crate::Uscc = uscc
                .parse()
                .map_err(|e: crate::IdentError| ApiError::BadRequest("bad_uscc", e.to_string()))?;
            with_registry(&state, move |r| r.lookup_by_uscc(&uscc, after, limit)).await?
        }
        (None, Some(name)) => {
            let name = match query.match_.as_deref() {
                None | Some("prefix") => NameMatch::Prefix(name),
                Some("contains") => NameMatch::Contains(name),
                Some(_) => {
                    return Err(ApiError::BadRequest(
                        "bad_query",
                        "match is prefix or contains".to_owned(),
                    ));
                }
            };
            with_registry(&state, move |r| r.lookup_by_name(&name, after, limit)).await?
        }
        _ => {
            return Err(ApiError::BadRequest(
                "bad_query",
                "give exactly one of uscc and name".to_owned(),
            ));
        }
    };
    let value = serde_json::to_value(&page).map_err(|_| ApiError::Internal)?;
    Ok(json_response(StatusCode::OK, &value))
}

async fn api_receipt(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let signer = state.log_signer.clone();
    let receipt = with_registry(&state, move |r| {
        let Some(row) = r.licence(&id)? else {
            return Ok(None);
        };
        // A licence issued since the last checkpoint gets its receipt
        // now, not once someone has fetched /log/checkpoint.
        latest_checkpoint(r, signer.as_deref())?;
        r.receipt(&row).map(|receipt| Some(receipt.to_text()))
    })
    .await?
    .ok_or(ApiError::NotFound("no licence with this identifier"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        receipt,
    )
        .into_response())
}

/// A published file with its caching headers, or 304 for a matching
/// `If-None-Match`.
fn published(
    state: &AppState,
    file: &Published,
    headers: &HeaderMap,
    content_type: &'static str,
) -> Response {
    let at = (state.clock)();
    let max_age = file
        .fresh_until
        .map_or(300, |until| until.secs().saturating_sub(at.secs()).max(0));
    let cache = format!("public, max-age={max_age}");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            // If-None-Match compares weakly (RFC 9110 13.1.2): a cache
            // that stored a weakened tag still matches.
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == file.etag)
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        (
            [(header::CONTENT_TYPE, content_type)],
            Body::from(file.bytes.clone()),
        )
            .into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&file.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    response
}

async fn trust_list(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let material = state.material();
    let file = material
        .trust_list
        .as_ref()
        .ok_or(ApiError::NotFound("this server publishes no trust list"))?;
    Ok(published(&state, file, &headers, "application/cose"))
}

async fn status_list(
    State(state): State<Arc<AppState>>,
    Path(list): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let material = state.material();
    let file = material
        .status
        .get(&format!("/status/{list}"))
        .ok_or(ApiError::NotFound("no such status list"))?;
    Ok(published(
        &state,
        file,
        &headers,
        "application/statuslist+cwt",
    ))
}

/// The latest checkpoint, signed afresh first when this server holds the
/// log's key and the log has grown past the last one.
fn latest_checkpoint(
    registry: &mut Registry,
    signer: Option<&NoteSigner>,
) -> Result<Option<String>, RegistryError> {
    let latest = registry.latest_checkpoint()?;
    if let Some(signer) = signer {
        let (size, _) = registry.log_head()?;
        if latest.as_ref().is_none_or(|(signed, _)| *signed < size) {
            return registry.sign_checkpoint(signer).map(Some);
        }
    }
    Ok(latest.map(|(_, note)| note))
}

async fn log_checkpoint(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let signer = state.log_signer.clone();
    let note = with_registry(&state, move |r| latest_checkpoint(r, signer.as_deref()))
        .await?
        .ok_or(ApiError::NotFound("no checkpoint has been signed"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        note,
    )
        .into_response())
}

async fn log_tile(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
    use crate::log::tiles::{TILE_WIDTH, TilePath, parse_tile_path};
    let parsed = parse_tile_path(&format!("tile/{path}"))
        .map_err(|e| ApiError::BadRequest("bad_tile_path", e.to_string()))?;
    let bytes = match parsed {
        TilePath::Hashes {
            level,
            index,
            width,
        } => {
            with_registry(&state, move |r| {
                Ok(r.tile(level, index)?.and_then(|stored| {
                    let want = usize::try_from(width).ok()? * 32;
                    stored.get(..want).map(<[u8]>::to_vec)
                }))
            })
            .await?
        }
        TilePath::Entries { index, width } => {
            with_registry(&state, move |r| {
                let first = index.saturating_mul(TILE_WIDTH);
                let leaves = r.leaves(first, width)?;
                if u64::try_from(leaves.len()).ok() != Some(width) {
                    return Ok(None);
                }
                let mut out = Vec::new();
                for leaf in leaves {
                    let Ok(len) = u16::try_from(leaf.len()) else {
                        return Ok(None);
                    };
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(&leaf);
                }
                Ok(Some(out))
            })
            .await?
        }
    }
    .ok_or(ApiError::NotFound("no such tile"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        bytes,
    )
        .into_response())
}

async fn healthz() -> Response {
    ([(header::CONTENT_TYPE, "text/plain")], "ok\n").into_response()
}

/// Ready when every list held is fresh at the current time.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let at = (state.clock)();
    let material = state.material();
    let mut stale = Vec::new();
    if let Some(list) = &material.trust_list
        && list.fresh_until.is_some_and(|t| t.secs() <= at.secs())
    {
        stale.push("/trust-list".to_owned());
    }
    for (path, list) in &material.status {
        if list.fresh_until.is_some_and(|t| t.secs() <= at.secs()) {
            stale.push(path.clone());
        }
    }
    stale.sort();
    let reload_error = state.reload_error.read().ok().and_then(|e| e.clone());
    let ready = stale.is_empty();
    json_response(
        if ready {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        &json!({ "ready": ready, "stale": stale, "last_reload_error": reload_error }),
    )
}

async fn metrics_route(State(state): State<Arc<AppState>>) -> Response {
    let at = (state.clock)();
    let material = state.material();
    let mut ages: Vec<(String, i64)> = material
        .status
        .iter()
        .map(|(path, list)| (path.clone(), at.secs() - list.issued_at.secs()))
        .collect();
    if let Some(list) = &material.trust_list {
        ages.push(("/trust-list".to_owned(), at.secs() - list.issued_at.secs()));
    }
    ages.sort();
    let text = state
        .metrics
        .render(at.secs() - material.loaded_at.secs(), &ages);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

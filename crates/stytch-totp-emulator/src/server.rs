//! [`Emulator`] (shared state, router, serving) and [`EmulatorHandle`] (a running emulator).

use std::fmt;
use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::serve::Listener;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::faults::FaultSpec;
use crate::state::{AppState, Shared};
use crate::tls::{HandshakeLog, LocalCa};
use crate::{EmulatorConfig, Operation, SigningKey, Stats};

/// How long [`EmulatorHandle::shutdown`] waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// One in-memory emulator: its state, and the ways to serve it.
///
/// Cloning is cheap and shares the state. Use [`Emulator::start`] in tests (it binds a free
/// loopback port and serves in the background), [`Emulator::router`] to call it in-process
/// with `tower::ServiceExt::oneshot`, or [`Emulator::serve`] on your own listener.
#[derive(Clone)]
pub struct Emulator {
    pub(crate) shared: AppState,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl Default for Emulator {
    fn default() -> Self {
        Self::new(EmulatorConfig::default())
    }
}

impl Emulator {
    /// A fresh emulator with no users.
    pub fn new(config: EmulatorConfig) -> Self {
        Self {
            shared: Arc::new(Shared::new(config)),
        }
    }

    /// Starts an emulator with the default configuration on `127.0.0.1:<free port>`.
    ///
    /// # Errors
    /// If the port cannot be bound.
    pub async fn start() -> io::Result<EmulatorHandle> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts an emulator with `config` on `127.0.0.1:<free port>`.
    ///
    /// # Errors
    /// If the port cannot be bound.
    pub async fn start_with(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        Self::new(config).spawn().await
    }

    /// Serves this emulator on `127.0.0.1:<free port>` in a background task.
    ///
    /// # Errors
    /// If the port cannot be bound.
    pub async fn spawn(self) -> io::Result<EmulatorHandle> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        Ok(self.spawn_on(listener, format!("http://{addr}"), None))
    }

    /// Starts an emulator with the default configuration serving HTTPS on
    /// `127.0.0.1:<free port>`, with a fresh CA whose certificate is written to a temporary
    /// file: see [`EmulatorHandle::ca_cert_path`] and [`EmulatorHandle::ca_cert_pem`].
    ///
    /// # Errors
    /// If the port cannot be bound or the CA file cannot be written.
    pub async fn start_tls() -> io::Result<EmulatorHandle> {
        Self::start_tls_with(EmulatorConfig::default()).await
    }

    /// [`Emulator::start_tls`] with `config`.
    ///
    /// # Errors
    /// If the port cannot be bound or the CA file cannot be written.
    pub async fn start_tls_with(config: EmulatorConfig) -> io::Result<EmulatorHandle> {
        Self::new(config).spawn_tls().await
    }

    /// Serves this emulator over HTTPS on `127.0.0.1:<free port>` in a background task.
    ///
    /// # Errors
    /// If the port cannot be bound or the CA file cannot be written.
    pub async fn spawn_tls(self) -> io::Result<EmulatorHandle> {
        let ca = LocalCa::generate()?;
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = tcp.local_addr()?;
        let path = std::env::temp_dir().join(format!(
            "stytch-totp-emulator-ca-{}-{}.pem",
            addr.port(),
            uuid::Uuid::new_v4().simple()
        ));
        ca.write_ca_cert(&path)?;
        let listener = ca.listener(tcp);
        let ca_file = CaFile {
            path,
            pem: ca.ca_cert_pem().to_owned(),
            handshakes: listener.handshake_log(),
        };
        Ok(self.spawn_on(listener, format!("https://{addr}"), Some(ca_file)))
    }

    /// Serves on `listener` in a background task; the handle stops it.
    fn spawn_on<L>(self, listener: L, base_url: String, ca: Option<CaFile>) -> EmulatorHandle
    where
        L: Listener<Addr = SocketAddr>,
    {
        let addr = listener
            .local_addr()
            .unwrap_or_else(|_| (Ipv4Addr::LOCALHOST, 0).into());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(self.clone().serve(listener, async move {
            let _ = rx.await;
        }));
        EmulatorHandle {
            emulator: self,
            addr,
            base_url,
            shutdown: Some(tx),
            task: Some(task),
            ca,
        }
    }

    /// Serves on `listener` until `shutdown` completes, then finishes in-flight requests
    /// (graceful shutdown). Any axum listener: a [`TcpListener`] for HTTP, a
    /// [`TlsListener`](crate::TlsListener) (from [`LocalCa::listener`](crate::LocalCa::listener))
    /// for HTTPS.
    ///
    /// # Errors
    /// If the server fails.
    pub async fn serve<L>(
        self,
        listener: L,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> io::Result<()>
    where
        L: Listener,
        L::Addr: fmt::Debug,
    {
        axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// The axum router of this emulator (API and admin routes).
    pub fn router(&self) -> Router {
        crate::http::router(self.shared.clone())
    }

    /// The configuration.
    pub fn config(&self) -> &EmulatorConfig {
        &self.shared.config
    }

    /// Queues a fault.
    pub fn inject(&self, spec: FaultSpec) {
        self.shared.faults.push(spec);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The faults still queued (`times` = uses left).
    pub fn pending_faults(&self) -> Vec<FaultSpec> {
        self.shared.faults.pending()
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> Stats {
        self.shared.stats(|s| s.clone())
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        self.shared.stats(|s| *s = Stats::default());
    }

    /// Moves the emulator's clock forward (TOTP steps, expiry, locks, sessions).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.config.clock.advance(by);
    }

    /// The emulator's current time.
    pub fn now(&self) -> SystemTime {
        self.shared.config.clock.now()
    }

    /// The RSA key that signs this emulator's session JWTs (RS256) now: the configured one,
    /// or the one shared by every emulator of this process ([`SigningKey::process_default`]),
    /// until [`rotate_signing_key`](Self::rotate_signing_key).
    pub fn signing_key(&self) -> SigningKey {
        self.shared.signing_key()
    }

    /// The `kid` of the key signing this emulator's JWTs now (first in its JWKS).
    pub fn key_id(&self) -> String {
        self.signing_key().key_id().to_owned()
    }

    /// Rotates this emulator's signing key, as Stytch does after a leak: a new RSA-2048 key
    /// signs every JWT from now on, and its `kid` is returned. The previous key stays in the
    /// JWKS, and JWTs it signed still pass the emulator's own checks, for
    /// [`EmulatorConfig::signing_key_grace_period`] on the emulator clock; then it is
    /// withdrawn (gone from the JWKS; its JWTs refused like any unverifiable JWT). Other
    /// emulators' keys do not change, even those sharing the process's default key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use stytch_totp_emulator::{Emulator, DEFAULT_SIGNING_KEY_GRACE_PERIOD};
    /// let emulator = Emulator::default();
    /// let old = emulator.key_id();
    /// let new = emulator.rotate_signing_key();
    /// assert_ne!(old, new);
    /// assert_eq!(emulator.key_id(), new);
    /// emulator.advance_clock(DEFAULT_SIGNING_KEY_GRACE_PERIOD); // the old key is withdrawn
    /// # }
    /// ```
    pub fn rotate_signing_key(&self) -> String {
        self.shared
            .rotate_signing_key(self.shared.config.signing_key_grace_period)
            .kid
    }
}

/// The axum router of a new emulator with `config`, for in-process use:
///
/// ```
/// use axum::body::Body;
/// use axum::http::Request;
/// use tower::ServiceExt;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let app = stytch_totp_emulator::router(Default::default());
/// let path = stytch_totp_emulator::Operation::UsersGet.path_with(&["user-test-x"]);
/// let response = app
///     .oneshot(Request::get(path).body(Body::empty()).unwrap())
///     .await
///     .unwrap();
/// assert_eq!(response.status(), 401); // no Basic auth
/// # }
/// ```
pub fn router(config: EmulatorConfig) -> Router {
    Emulator::new(config).router()
}

/// Serves a new emulator with `config` on `listener` until `shutdown` completes (the CLI's
/// `serve` command).
///
/// # Errors
/// If the server fails.
pub async fn serve<L>(
    listener: L,
    config: EmulatorConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()>
where
    L: Listener,
    L::Addr: fmt::Debug,
{
    Emulator::new(config).serve(listener, shutdown).await
}

/// A running emulator. Dropping it stops the server (in the background); call
/// [`EmulatorHandle::shutdown`] to wait for that. It derefs to [`Emulator`] for the rest
/// ([`clear_faults`](Emulator::clear_faults), [`signing_key`](Emulator::signing_key),
/// ...).
pub struct EmulatorHandle {
    emulator: Emulator,
    addr: SocketAddr,
    base_url: String,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
    /// Set when serving HTTPS ([`Emulator::start_tls`]).
    ca: Option<CaFile>,
}

/// The CA file of an emulator started with [`Emulator::start_tls`]: removed when the handle
/// is dropped (the CA key is gone by then, so the file is useless).
struct CaFile {
    path: PathBuf,
    pem: String,
    /// The server's completed handshakes.
    handshakes: HandshakeLog,
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("base_url", &self.base_url)
            .field("project_id", &self.project_id())
            .finish_non_exhaustive()
    }
}

impl Deref for EmulatorHandle {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

impl EmulatorHandle {
    /// `http://127.0.0.1:<port>` (`https://` when started with [`Emulator::start_tls`]),
    /// without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The file holding the CA certificate (PEM) to trust, when serving HTTPS. It is removed
    /// when this handle is dropped.
    pub fn ca_cert_path(&self) -> Option<&std::path::Path> {
        self.ca.as_ref().map(|ca| ca.path.as_path())
    }

    /// The CA certificate (PEM) to trust, when serving HTTPS.
    pub fn ca_cert_pem(&self) -> Option<&str> {
        self.ca.as_ref().map(|ca| ca.pem.as_str())
    }

    /// The TLS handshakes completed so far, oldest first (the last 64), when serving HTTPS:
    /// what each client offered and what was chosen. Empty over plain HTTP.
    pub fn tls_handshakes(&self) -> Vec<crate::tls::TlsHandshake> {
        self.ca
            .as_ref()
            .map_or_else(Vec::new, |ca| ca.handshakes.snapshot())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The project id to send in HTTP Basic auth.
    pub fn project_id(&self) -> &str {
        &self.emulator.config().project_id
    }

    /// The secret to send in HTTP Basic auth. A test credential for this local emulator only:
    /// it grants access to nothing else.
    pub fn secret(&self) -> &str {
        &self.emulator.config().secret
    }

    /// The URL of [`Operation::SessionsGetJwks`] for this project: where JWT libraries fetch
    /// this emulator's public key (no credentials needed).
    pub fn jwks_url(&self) -> String {
        let path = Operation::SessionsGetJwks.path_with(&[self.project_id()]);
        format!("{}{path}", self.base_url)
    }

    /// The emulator behind this handle.
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// Stops accepting connections, lets in-flight requests finish (at most 5 seconds) and
    /// waits for the server to stop.
    ///
    /// # Errors
    /// If the server failed.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(io::Error::other(join)),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

//! HTTPS: a throwaway CA and a `localhost` / `127.0.0.1` / `::1` server certificate made at
//! start (`rcgen`), served with rustls under `axum::serve`, its aws-lc-rs provider passed explicitly (no
//! process-wide provider is read or installed).
//!
//! Stytch's Node and Python SDKs refuse a base URL that is not `https://`; with this, they
//! (and any client told to trust [`LocalCa::ca_cert_pem`]) can talk to the emulator. The CA's
//! private key lives only in memory and is dropped with the server, so trusting the CA file
//! trusts nothing else once the emulator is gone.
//!
//! Each completed handshake is recorded ([`TlsHandshake`], read with
//! [`EmulatorHandle::tls_handshakes`]): what the client offered and what was chosen, which
//! tells a test which TLS stack the client really used.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{Acceptor, ClientHello, ServerConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::server::TlsStream;
use tokio_rustls::LazyConfigAcceptor;

/// The names the server certificate is valid for.
const SERVER_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

/// How long a client may take to finish the TLS handshake before it is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes kept in the record (the newest), so a long-running server does not grow it.
const HANDSHAKES_KEPT: usize = 64;

/// What one client offered in its `ClientHello` and what the handshake settled on, as
/// rustls names them (`TLS13_AES_128_GCM_SHA256`, `X25519MLKEM768`, `TLSv1_3`). TLS stacks
/// differ in what they offer (rustls implements no CBC cipher suite; OpenSSL offers several),
/// so this tells which stack a client used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsHandshake {
    /// The cipher suites the client offered, in its order of preference.
    pub offered_cipher_suites: Vec<String>,
    /// The key-exchange groups the client offered (`supported_groups`), in its order.
    pub offered_groups: Vec<String>,
    /// The protocol version negotiated.
    pub protocol_version: String,
    /// The cipher suite negotiated.
    pub cipher_suite: String,
    /// The key-exchange group negotiated.
    pub key_exchange_group: String,
}

impl TlsHandshake {
    /// What `hello` offered; the negotiated fields are empty until [`Self::settled`].
    fn offered(hello: &ClientHello<'_>) -> Self {
        Self {
            offered_cipher_suites: hello
                .cipher_suites()
                .iter()
                .map(|s| format!("{s:?}"))
                .collect(),
            offered_groups: hello
                .named_groups()
                .unwrap_or_default()
                .iter()
                .map(|g| format!("{g:?}"))
                .collect(),
            ..Self::default()
        }
    }

    /// With what `connection`'s completed handshake chose.
    fn settled(self, connection: &ServerConnection) -> Self {
        let name = |name: Option<String>| name.unwrap_or_default();
        Self {
            protocol_version: name(connection.protocol_version().map(|v| format!("{v:?}"))),
            cipher_suite: name(
                connection
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite())),
            ),
            key_exchange_group: name(
                connection
                    .negotiated_key_exchange_group()
                    .map(|g| format!("{:?}", g.name())),
            ),
            ..self
        }
    }
}

/// The handshakes of one server, shared by its listener (which writes) and its handle.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandshakeLog(Arc<Mutex<VecDeque<TlsHandshake>>>);

impl HandshakeLog {
    fn record(&self, handshake: TlsHandshake) {
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if kept.len() == HANDSHAKES_KEPT {
            kept.pop_front();
        }
        kept.push_back(handshake);
    }

    /// The recorded handshakes, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<TlsHandshake> {
        let kept = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.iter().cloned().collect()
    }
}

/// A certificate authority made for one emulator, and the server certificate it signed.
///
/// Clients trust [`Self::ca_cert_pem`] (written to a file with [`Self::write_ca_cert`] for
/// other processes); the server presents the certificate.
pub struct LocalCa {
    ca_cert_pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl std::fmt::Debug for LocalCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The keys stay out of Debug; the CA certificate is public.
        f.debug_struct("LocalCa").finish_non_exhaustive()
    }
}

impl LocalCa {
    /// Makes a new CA (ECDSA P-256) and a server certificate for `localhost`, `127.0.0.1`
    /// and `::1` signed by it.
    ///
    /// # Errors
    /// If key generation or signing fails (it does not in practice).
    pub fn generate() -> io::Result<Self> {
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(io::Error::other)?;
        ca.distinguished_name
            .push(DnType::CommonName, "Stytch TOTP Emulator local CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_key = KeyPair::generate().map_err(io::Error::other)?;
        let ca_cert = ca.self_signed(&ca_key).map_err(io::Error::other)?;
        let issuer = Issuer::new(ca, ca_key);

        let names: Vec<String> = SERVER_NAMES.iter().map(|n| (*n).to_owned()).collect();
        let mut leaf = CertificateParams::new(names).map_err(io::Error::other)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "Stytch TOTP Emulator");
        // OpenSSL's strict verification (Python 3.13's default) wants the key identifiers.
        leaf.use_authority_key_identifier_extension = true;
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().map_err(io::Error::other)?;
        let leaf_cert = leaf
            .signed_by(&leaf_key, &issuer)
            .map_err(io::Error::other)?;

        let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let mut server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(io::Error::other)?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            ca_cert_pem: ca_cert.pem(),
            server: Arc::new(server),
        })
    }

    /// The CA certificate (PEM) that clients must trust.
    pub fn ca_cert_pem(&self) -> &str {
        &self.ca_cert_pem
    }

    /// Writes the CA certificate (PEM) to `path`, replacing any file there.
    ///
    /// # Errors
    /// If the file cannot be written.
    pub fn write_ca_cert(&self, path: &Path) -> io::Result<()> {
        std::fs::write(path, &self.ca_cert_pem)
    }

    /// Accepts TLS connections on `listener` with this CA's server certificate.
    pub fn listener(&self, listener: TcpListener) -> TlsListener {
        TlsListener {
            tcp: listener,
            config: self.server.clone(),
            handshakes: JoinSet::new(),
            log: HandshakeLog::default(),
        }
    }
}

/// A TCP listener that hands out TLS streams, for [`axum::serve()`].
///
/// Handshakes run in their own tasks (at most 10 seconds each), so a slow or silent client
/// never holds up other connections; failed handshakes are logged at DEBUG and dropped,
/// completed ones recorded as [`TlsHandshake`]s.
pub struct TlsListener {
    tcp: TcpListener,
    config: Arc<rustls::ServerConfig>,
    handshakes: JoinSet<Option<(TlsStream<TcpStream>, SocketAddr)>>,
    log: HandshakeLog,
}

impl TlsListener {
    /// The record of this listener's completed handshakes.
    pub(crate) fn handshake_log(&self) -> HandshakeLog {
        self.log.clone()
    }
}

/// Reads the `ClientHello`, completes the handshake with `config`, and records both.
async fn handshake(
    stream: TcpStream,
    config: Arc<rustls::ServerConfig>,
    log: HandshakeLog,
) -> io::Result<TlsStream<TcpStream>> {
    let start = LazyConfigAcceptor::new(Acceptor::default(), stream).await?;
    let offered = TlsHandshake::offered(&start.client_hello());
    let tls = start.into_stream(config).await?;
    log.record(offered.settled(tls.get_ref().1));
    Ok(tls)
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener")
            .field("local_addr", &self.tcp.local_addr().ok())
            .finish_non_exhaustive()
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, addr)) => {
                        let accepted = handshake(stream, self.config.clone(), self.log.clone());
                        self.handshakes.spawn(async move {
                            match tokio::time::timeout(HANDSHAKE_TIMEOUT, accepted).await {
                                Ok(Ok(tls)) => Some((tls, addr)),
                                Ok(Err(error)) => {
                                    tracing::debug!(%addr, %error, "TLS handshake failed");
                                    None
                                }
                                Err(_) => {
                                    tracing::debug!(%addr, "TLS handshake timed out");
                                    None
                                }
                            }
                        });
                    }
                    // Out of file descriptors and the like: back off as axum's TCP listener does.
                    Err(error) => {
                        tracing::debug!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                Some(joined) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some(ready)) = joined {
                        return ready;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

//! [`Backend`]: the one Stytch client of the service, against Stytch or the embedded emulator.

use stytch_totp::Client;
use stytch_totp_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// The Stytch client the service uses, and the embedded emulator behind it when there are no
/// credentials.
#[derive(Debug)]
pub struct Backend {
    client: Client,
    emulator: Option<EmulatorHandle>,
}

/// Why no client could be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BackendError {
    /// Only one of `STYTCH_PROJECT_ID` and `STYTCH_SECRET` is set: refusing to guess.
    PartialCredentials,
    /// The credentials (or `STYTCH_BASE_URL`) were refused by the client.
    Client(stytch_totp::Error),
    /// The embedded emulator could not start.
    Emulator(std::io::Error),
}

impl std::fmt::Display for BackendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BackendError::PartialCredentials => f.write_str(
                "set both STYTCH_PROJECT_ID and STYTCH_SECRET to use Stytch, or neither to use \
                 the embedded emulator",
            ),
            BackendError::Client(e) => write!(f, "could not build the Stytch client: {e}"),
            BackendError::Emulator(e) => write!(f, "could not start the embedded emulator: {e}"),
        }
    }
}

impl std::error::Error for BackendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BackendError::PartialCredentials => None,
            BackendError::Client(e) => Some(e),
            BackendError::Emulator(e) => Some(e),
        }
    }
}

const USER_AGENT_SUFFIX: &str = concat!("mfa-service/", env!("CARGO_PKG_VERSION"));

impl Backend {
    /// Stytch when `STYTCH_PROJECT_ID` and `STYTCH_SECRET` are set (plus the optional
    /// `STYTCH_BASE_URL`), otherwise an embedded emulator on a free loopback port, announced
    /// with a WARN log line. Only one of the two variables set is an error.
    ///
    /// # Errors
    /// See [`BackendError`].
    pub async fn from_env() -> Result<Self, BackendError> {
        let set = |name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty());
        match (set("STYTCH_PROJECT_ID"), set("STYTCH_SECRET")) {
            (true, true) => {
                let client = Client::builder()
                    .from_env()
                    .user_agent_suffix(USER_AGENT_SUFFIX)
                    .build()
                    .map_err(BackendError::Client)?;
                tracing::info!(
                    stytch.project_id = client.project_id(),
                    stytch.base_url = client.base_url().as_str(),
                    "using Stytch with the credentials from the environment"
                );
                Ok(Self {
                    client,
                    emulator: None,
                })
            }
            (false, false) => Self::embedded_emulator().await,
            _ => Err(BackendError::PartialCredentials),
        }
    }

    /// A fresh in-process emulator and a client pointing at it.
    ///
    /// # Errors
    /// If the emulator cannot bind a port or the client cannot be built.
    pub async fn embedded_emulator() -> Result<Self, BackendError> {
        Self::embedded_emulator_with(EmulatorConfig::default()).await
    }

    /// [`Backend::embedded_emulator`] with an emulator configured by `config` (tests pin its
    /// clock or signing key this way).
    ///
    /// # Errors
    /// If the emulator cannot bind a port or the client cannot be built.
    pub async fn embedded_emulator_with(config: EmulatorConfig) -> Result<Self, BackendError> {
        let emulator = Emulator::start_with(config)
            .await
            .map_err(BackendError::Emulator)?;
        let client = Client::builder()
            .project_id(emulator.project_id())
            .secret(emulator.secret())
            .base_url(emulator.base_url())
            .user_agent_suffix(USER_AGENT_SUFFIX)
            .build()
            .map_err(BackendError::Client)?;
        tracing::warn!(
            stytch.base_url = emulator.base_url(),
            "STYTCH_PROJECT_ID and STYTCH_SECRET are not set: using the EMBEDDED STYTCH EMULATOR \
             (offline, in memory, test data only; users and TOTPs vanish on exit)"
        );
        Ok(Self {
            client,
            emulator: Some(emulator),
        })
    }

    /// The client to share (clones share one connection pool).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The embedded emulator, when there is one (tests inject faults through it).
    pub fn emulator(&self) -> Option<&EmulatorHandle> {
        self.emulator.as_ref()
    }

    /// Stops the embedded emulator, if any.
    pub async fn shutdown(self) {
        if let Some(emulator) = self.emulator {
            if let Err(error) = emulator.shutdown().await {
                tracing::warn!(%error, "the embedded emulator did not stop cleanly");
            }
        }
    }
}

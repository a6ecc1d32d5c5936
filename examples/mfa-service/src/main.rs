//! `mfa-service`: an example service offering TOTP MFA through Stytch, traced end to end.
//!
//! ```text
//! cargo run -p mfa-service
//! ```
//!
//! Environment:
//! * `STYTCH_PROJECT_ID`, `STYTCH_SECRET` (and optional `STYTCH_BASE_URL`): use Stytch. Without
//!   both, an embedded emulator is started (offline, in memory) and a WARN line says so.
//! * `MFA_SERVICE_ADDR`: where to listen (default `127.0.0.1:3000`).
//! * `MFA_SERVICE_STEP_UP_SECONDS`: how recent a code must be to show the recovery codes
//!   (default 300).
//! * `RUST_LOG`: log filter (default `info`); logs are JSON lines on stdout.
//! * With `--features opentelemetry-otlp`: `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g.
//!   `http://localhost:4318`) exports spans over OTLP/HTTP; `OTEL_SERVICE_NAME` names the service.
//!
//! Open `http://127.0.0.1:3000/` in a browser for the sign-in pages; see the library docs
//! ([`mfa_service`]) for the endpoints.

use std::process::ExitCode;

use mfa_service::{router, telemetry, AppState, Backend};
use stytch_totp_axum::Secure;
use tokio::net::TcpListener;

const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[tokio::main]
async fn main() -> ExitCode {
    let telemetry = match telemetry::init() {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("mfa-service: could not set up logging: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "mfa-service failed");
            ExitCode::FAILURE
        }
    };
    telemetry.shutdown().await;
    code
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let backend = Backend::from_env().await?;
    let addr = std::env::var("MFA_SERVICE_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_owned());
    let listener = TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    // Browsers keep `Secure` cookies from https:// only: plain http is for loopback development,
    // so only a service listening on loopback leaves `Secure` off (for loopback requests).
    let secure = if local.ip().is_loopback() {
        Secure::ExceptLoopback
    } else {
        Secure::Always
    };
    let mut state = AppState::new(backend.client().clone()).with_secure(secure);
    if let Ok(seconds) = std::env::var("MFA_SERVICE_STEP_UP_SECONDS") {
        let seconds: u64 = seconds
            .trim()
            .parse()
            .map_err(|_| "MFA_SERVICE_STEP_UP_SECONDS must be a number of seconds")?;
        state = state.with_step_up_window(std::time::Duration::from_secs(seconds));
    }
    let app = router(state);
    tracing::info!(addr = %local, secure_cookies = ?secure, "mfa-service listening");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("mfa-service stopping");
    backend.shutdown().await;
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix (what orchestrators send).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

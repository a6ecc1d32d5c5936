//! Command-line arguments (clap derive). Every command and flag has `--help` text.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Stytch TOTP SDK tools: an offline demo, a local Stytch TOTP emulator, API calls and codes.
#[derive(Debug, Parser)]
#[command(name = "stytch-totp", version, about)]
pub struct Cli {
    /// Log the SDK's spans and request ids to stderr.
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Walk the whole TOTP lifecycle: user, TOTP + QR, code, authenticate, recovery codes,
    /// recover, reuse refused, delete. Uses an embedded emulator unless credentials are set.
    Demo(DemoArgs),
    /// Run the Stytch TOTP emulator as a standalone HTTP server (Ctrl-C stops it).
    Serve(ServeArgs),
    /// Call the password endpoints (the first factor). The password comes from
    /// STYTCH_PASSWORD or a prompt on the terminal, never from a flag.
    Passwords(PasswordsArgs),
    /// Call the TOTP endpoints.
    Totps(TotpsArgs),
    /// Call the user endpoints.
    Users(UsersArgs),
    /// Check, list and revoke sessions; verify a session JWT locally.
    Sessions(SessionsArgs),
    /// Print the current 6-digit code of a base32 TOTP secret and the seconds it stays valid.
    Code(CodeArgs),
}

/// `demo` options.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Run against real Stytch (STYTCH_PROJECT_ID / STYTCH_SECRET must be set). Implied when
    /// both variables are set.
    #[arg(long)]
    pub live: bool,
    /// The existing user to enrol when running live (the demo creates one on the emulator).
    #[arg(long)]
    pub user_id: Option<String>,
    /// Where to write the QR code PNG (default: the system temp directory).
    #[arg(long)]
    pub qr_out: Option<PathBuf>,
    /// Print secrets (TOTP secret, codes, tokens) instead of hiding them.
    #[arg(long)]
    pub show_secrets: bool,
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Keep it on loopback: the emulator is for tests.
    #[arg(long, default_value = stytch_totp_emulator::DEFAULT_ADDR)]
    pub addr: SocketAddr,
    /// Project id clients must authenticate with (`-live-` ids make `-live-` object ids).
    #[arg(
        long,
        env = "STYTCH_EMULATOR_PROJECT_ID",
        default_value = stytch_totp_emulator::DEFAULT_PROJECT_ID
    )]
    pub project_id: String,
    /// Project secret clients must authenticate with.
    #[arg(
        long,
        env = "STYTCH_EMULATOR_SECRET",
        default_value = stytch_totp_emulator::DEFAULT_SECRET
    )]
    pub secret: String,
    /// Serve HTTPS with a CA and a certificate for localhost / 127.0.0.1 made at start; the
    /// CA certificate is written to --ca-out for clients to trust.
    #[arg(long)]
    pub tls: bool,
    /// Where --tls writes the CA certificate (PEM) [default: stytch-totp-emulator-ca.pem in
    /// the system temp directory].
    #[arg(long, requires = "tls")]
    pub ca_out: Option<PathBuf>,
}

/// Where and how API commands connect, and how they print.
#[derive(Debug, Args)]
pub struct Connection {
    /// Base URL (e.g. the emulator's http://127.0.0.1:8787); default from the project id.
    #[arg(long, env = "STYTCH_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Stytch project id.
    #[arg(long, env = "STYTCH_PROJECT_ID", global = true)]
    pub project_id: Option<String>,
    /// Stytch project secret.
    #[arg(long, env = "STYTCH_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<String>,
    /// Also trust this CA certificate (PEM file), e.g. the one `serve --tls` writes.
    #[arg(long, env = "STYTCH_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
    /// Print the raw JSON on one line instead of pretty JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print secret values (TOTP secret, QR code, recovery codes, tokens) instead of
    /// `[REDACTED]`.
    #[arg(long, global = true)]
    pub show_secrets: bool,
}

/// `totps` options.
#[derive(Debug, Args)]
pub struct TotpsArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub call: TotpsCall,
}

/// The TOTP calls.
#[derive(Debug, Subcommand)]
pub enum TotpsCall {
    /// Create a TOTP for a user.
    Create {
        /// The user's id or external id.
        user_id: String,
        /// Minutes the unverified TOTP stays usable (5-1440).
        #[arg(long)]
        expiration_minutes: Option<i64>,
    },
    /// Check a 6-digit code.
    Authenticate {
        /// The user's id or external id.
        user_id: String,
        /// The code from the authenticator app.
        code: String,
        /// Start (or extend) a session of this many minutes (5-527040).
        #[arg(long)]
        session_duration_minutes: Option<i64>,
        #[command(flatten)]
        step_up: StepUp,
    },
    /// List the user's TOTPs and remaining recovery codes.
    RecoveryCodes {
        /// The user's id or external id.
        user_id: String,
    },
    /// Authenticate with a single-use recovery code.
    Recover {
        /// The user's id or external id.
        user_id: String,
        /// One recovery code (xxxx-xxxx-xxxx).
        recovery_code: String,
        /// Start (or extend) a session of this many minutes (5-527040).
        #[arg(long)]
        session_duration_minutes: Option<i64>,
        #[command(flatten)]
        step_up: StepUp,
    },
}

/// `passwords` options.
#[derive(Debug, Args)]
pub struct PasswordsArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub call: PasswordsCall,
}

/// An existing session to add a factor to (step-up) instead of starting one.
#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct StepUp {
    /// Add the factor to the session of this token.
    #[arg(long)]
    pub session_token: Option<String>,
    /// Add the factor to the session of this JWT.
    #[arg(long)]
    pub session_jwt: Option<String>,
}

/// The password calls.
#[derive(Debug, Subcommand)]
pub enum PasswordsCall {
    /// Create a user with an email address and a password (asked twice on a terminal).
    Create {
        /// The user's email address.
        email: String,
        /// Start a session of this many minutes (5-527040).
        #[arg(long)]
        session_duration_minutes: Option<i64>,
    },
    /// Sign in with an email address and password.
    Authenticate {
        /// The user's email address.
        email: String,
        /// Start (or extend) a session of this many minutes (5-527040).
        #[arg(long)]
        session_duration_minutes: Option<i64>,
        #[command(flatten)]
        step_up: StepUp,
    },
    /// Score a password against Stytch's strength policy.
    StrengthCheck {
        /// The user's email address (a password built from it scores lower).
        #[arg(long)]
        email: Option<String>,
    },
}

/// `users` options.
#[derive(Debug, Args)]
pub struct UsersArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub call: UsersCall,
}

/// The user calls.
#[derive(Debug, Subcommand)]
pub enum UsersCall {
    /// Create a user.
    Create {
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// First name.
        #[arg(long)]
        first_name: Option<String>,
        /// Last name.
        #[arg(long)]
        last_name: Option<String>,
    },
    /// Get a user.
    Get {
        /// The user's id or external id.
        user_id: String,
    },
    /// Delete a user.
    Delete {
        /// The user's id or external id.
        user_id: String,
    },
    /// Remove a TOTP.
    DeleteTotp {
        /// The TOTP's id.
        totp_id: String,
    },
}

/// `sessions` options.
#[derive(Debug, Args)]
pub struct SessionsArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub call: SessionsCall,
}

/// A session token or JWT, from a flag or (better: not in the process list) the environment.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SessionCredential {
    /// The opaque session token.
    #[arg(long, env = "STYTCH_SESSION_TOKEN", hide_env_values = true)]
    pub session_token: Option<String>,
    /// The session JWT.
    #[arg(long, env = "STYTCH_SESSION_JWT", hide_env_values = true)]
    pub session_jwt: Option<String>,
}

/// The session calls.
#[derive(Debug, Subcommand)]
pub enum SessionsCall {
    /// Check a session with Stytch by its token or JWT (answers a fresh JWT), or with
    /// `--local` verify a JWT here against the project's public keys.
    Authenticate {
        #[command(flatten)]
        credential: SessionCredential,
        /// Extend the session to end this many minutes from now (5-527040).
        #[arg(long, conflicts_with = "local")]
        session_duration_minutes: Option<i64>,
        /// Verify the JWT locally (RS256, issuer, audience, lifetime); an expired JWT is
        /// checked with Stytch instead.
        #[arg(long, requires = "session_jwt")]
        local: bool,
        /// With `--local`: check JWTs issued more than this many seconds ago with Stytch.
        #[arg(long, requires = "local")]
        max_token_age: Option<u64>,
    },
    /// Revoke a session by its id, token or JWT.
    Revoke {
        /// The session's id.
        #[arg(long, conflicts_with_all = ["session_token", "session_jwt"], required_unless_present_any = ["session_token", "session_jwt"])]
        session_id: Option<String>,
        /// The session's token.
        #[arg(
            long,
            env = "STYTCH_SESSION_TOKEN",
            hide_env_values = true,
            conflicts_with = "session_jwt"
        )]
        session_token: Option<String>,
        /// The session's JWT.
        #[arg(long, env = "STYTCH_SESSION_JWT", hide_env_values = true)]
        session_jwt: Option<String>,
    },
    /// List a user's active sessions.
    Get {
        /// The user's id or external id.
        user_id: String,
    },
    /// Print the project's public signing keys (JWK set).
    Jwks,
}

/// `code` options.
#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The base32 TOTP secret (as returned by `totps create`).
    #[arg(long, env = "STYTCH_TOTP_SECRET", hide_env_values = true)]
    pub secret: String,
}

//! End-to-end tests across crates live beside this file (`lifecycle.rs`, `concurrency.rs`,
//! `fault_matrix/`, `leak_audit.rs`, `load.rs`): the real client against the real emulator,
//! over loopback HTTP. This library holds what they share.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let (emulator, client) = stytch_totp_e2e::start(Default::default()).await;
//! assert!(client.users().get("user-test-nobody").await.is_err());
//! # drop(emulator);
//! # });
//! ```

use stytch_totp::Client;
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorConfig, EmulatorHandle, LockPolicy};

/// Starts an emulator with `config` and a default client pointed at it.
pub async fn start(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let emulator = Emulator::start_with(config)
        .await
        .expect("the emulator starts on loopback");
    let client = client_for(&emulator);
    (emulator, client)
}

/// A client with default settings for `emulator`.
pub fn client_for(emulator: &EmulatorHandle) -> Client {
    Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .build()
        .expect("a valid client configuration")
}

/// Emulator settings with user locks off, for tests that fail codes on purpose and must not
/// trip the 10-failure lock (locks themselves are tested in lifecycle.rs).
pub fn without_locks() -> EmulatorConfig {
    EmulatorConfig::default().with_lock_policy(LockPolicy {
        max_failed_attempts: 0,
        ..LockPolicy::default()
    })
}

/// A new user, enrolled in TOTP and signed in by a code with a one-hour session.
pub struct SignedIn {
    /// The user's id.
    pub user_id: String,
    /// The session's token.
    pub session_token: String,
    /// The session's first JWT, signed with the emulator's key at sign-in.
    pub session_jwt: String,
}

/// Creates a user with `email`, enrols a TOTP and signs in with its current code (on the
/// emulator's clock), asking for a one-hour session.
pub async fn signed_in(client: &Client, emulator: &EmulatorHandle, email: &str) -> SignedIn {
    let user = client.users().create().email(email).await.unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    let code = code_at(totp.secret.expose_secret(), emulator.now()).unwrap();
    let auth = client
        .totps()
        .authenticate(&user.user_id, code)
        .session_duration_minutes(60)
        .await
        .unwrap();
    SignedIn {
        user_id: user.user_id,
        session_token: auth.session_token.expose_secret().to_owned(),
        session_jwt: auth.session_jwt.expose_secret().to_owned(),
    }
}

/// The repository's README (one level up), whose Rust snippets are compiled (and run, where
/// they need no credentials) as doctests so that the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct RepositoryReadmeDoctests;

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

use std::sync::OnceLock;
use stytch_totp::Client;

use stytch_totp_emulator::{Emulator, EmulatorConfig, EmulatorHandle, LockPolicy, SigningKey};

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

/// One RSA signing key for every emulator of a test binary that asks for it: generating a key
/// costs a noticeable share of a second of CPU, too much to pay for each of the fault
/// matrix's many emulators on a small machine.
pub fn shared_signing_key() -> SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(SigningKey::generate).clone()
}

/// The repository's README (one level up), whose Rust snippets are compiled (and run, where
/// they need no credentials) as doctests so that the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct RepositoryReadmeDoctests;

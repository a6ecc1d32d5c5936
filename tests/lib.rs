//! End-to-end tests across crates live beside this file (`lifecycle.rs`, `concurrency.rs`):
//! the real client against the real emulator, over loopback HTTP.
//!
//! ```
//! // The tests start an emulator and point the client at it, exactly like this:
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let emulator = stytch_totp_emulator::Emulator::start().await.unwrap();
//! let client = stytch_totp::Client::builder()
//!     .project_id(emulator.project_id())
//!     .secret(emulator.secret())
//!     .base_url(emulator.base_url())
//!     .build()
//!     .unwrap();
//! assert!(client.users().get("user-test-nobody").await.is_err());
//! # });
//! ```

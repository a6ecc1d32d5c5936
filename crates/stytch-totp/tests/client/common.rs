//! Helpers shared by the client's wiremock tests.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use stytch_totp::{Client, RetryPolicy};
use tracing::subscriber::DefaultGuard;
use tracing::Level;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;
use wiremock::MockServer;

pub const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
pub const SECRET: &str = "secret-test-PROJECT-SECRET-do-not-leak";
pub const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";
pub const TOTP_ID: &str = "totp-test-41920359-8bbb-4fe8-8fa3-aaa83f35f02c";
pub const REQUEST_ID: &str = "request-id-test-b05c992f-ebdc-489d-a754-c7e70ba13141";

/// The `index`th example of `definition` from specs/, the same fixtures the models test.
pub use spec_files::example;

#[path = "../../../stytch-totp-models/tests/support/spec_files.rs"]
mod spec_files;

/// Fast retries so tests do not sleep for long.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .budget(Duration::from_secs(5))
}

pub fn client_for(server: &MockServer) -> Client {
    undecided_global_subscriber();
    Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

pub fn stytch_error(status: u16, error_type: &str) -> Value {
    serde_json::json!({
        "status_code": status,
        "request_id": REQUEST_ID,
        "error_type": error_type,
        "error_message": format!("emulated {error_type}"),
        "error_url": format!("https://stytch.com/docs/api/errors/{status}#{error_type}"),
    })
}

/// A log writer that keeps everything written, for tests that read the logs.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

/// Tests run in parallel, and a callsite first reached on a thread with no subscriber, at the
/// moment another test's subscriber is being set, can be cached as disabled for every thread:
/// a log test then misses events. This binary's global subscriber records nothing but answers
/// "ask me each time" for every callsite, so no callsite is ever cached as disabled and each
/// event asks its own thread's subscriber. (A test binary's own set-up: the library sets none.)
pub fn undecided_global_subscriber() {
    struct Undecided;
    impl tracing::Subscriber for Undecided {
        fn register_callsite(
            &self,
            _: &'static tracing::Metadata<'static>,
        ) -> tracing::subscriber::Interest {
            tracing::subscriber::Interest::sometimes()
        }
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            false
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        tracing::subscriber::set_global_default(Undecided)
            .expect("no other global subscriber in the client tests");
    });
}

impl Captured {
    /// Captures what this thread logs at `level` and above (spans' own events as `spans`
    /// says, fields included, no colours) until the guard drops.
    pub fn install(level: Level, spans: FmtSpan) -> (Self, DefaultGuard) {
        undecided_global_subscriber();
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(spans)
            .with_ansi(false)
            .with_writer(captured.clone())
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        (captured, guard)
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

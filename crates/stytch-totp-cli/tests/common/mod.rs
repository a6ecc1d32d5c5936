//! What the CLI tests share: the binary with a time bound and an empty environment, a `serve`
//! child that is killed however the test ends, an in-process emulator, and an RFC 6238
//! oracle that is not the code under test.
#![allow(dead_code)]

use std::borrow::BorrowMut;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stytch_totp_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// No CLI call here takes more than a second or two on this machine; a hung one fails the
/// test instead of blocking it.
pub const BOUND: Duration = Duration::from_secs(60);

/// The binary, killed after [`BOUND`], in an empty environment: nothing of the developer's
/// shell (`STYTCH_*`, `RUST_LOG`, `NO_COLOR`, ...) can change a test; each test sets what it
/// means to.
pub fn bin() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("stytch-totp").expect("the binary is built");
    command.timeout(BOUND).env_clear();
    command
}

/// Runs `command`; panics with its stderr unless it succeeds. Returns stdout.
pub fn ok(mut command: impl BorrowMut<assert_cmd::Command>) -> String {
    let command = command.borrow_mut();
    let output = command.output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{command:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `command`; panics if it succeeds. Returns the output.
pub fn fails(mut command: impl BorrowMut<assert_cmd::Command>) -> Output {
    let command = command.borrow_mut();
    let output = command.output().expect("the binary runs");
    assert!(
        !output.status.success(),
        "{command:?} should have failed:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    output
}

/// A `stytch-totp serve` child process, killed and reaped on drop (also when an assertion
/// fails first).
pub struct Served {
    child: Child,
    /// The base URL it printed.
    pub base_url: String,
}

impl Served {
    /// Starts `serve` on a free loopback port with `args` and the environment `env`; waits
    /// (at most [`BOUND`]) for the line naming its URL.
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("stytch-totp"));
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_clear();
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("serve starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut served = Served {
            child,
            base_url: String::new(),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            // Keep draining so the child never blocks on a full pipe.
            for _ in lines {}
        });
        let first = match rx.recv_timeout(BOUND) {
            Ok(Some(Ok(line))) => line,
            other => panic!("serve printed no first line within {BOUND:?}: {other:?}"),
        };
        let url = first.rsplit(' ').next().unwrap_or_default().to_owned();
        assert!(
            url.starts_with("http://127.0.0.1:") || url.starts_with("https://127.0.0.1:"),
            "{first}"
        );
        served.base_url = url;
        served
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An emulator running in this test process (on its own runtime, so blocking calls to the
/// binary do not stall it), dropped with the value.
pub struct InProcess {
    pub emulator: EmulatorHandle,
    _runtime: tokio::runtime::Runtime,
}

impl InProcess {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let emulator = runtime
            .block_on(Emulator::start_with(EmulatorConfig::default()))
            .expect("the emulator starts");
        Self {
            emulator,
            _runtime: runtime,
        }
    }

    /// The connection flags for this emulator.
    pub fn flags(&self) -> [String; 6] {
        [
            "--base-url".into(),
            self.emulator.base_url().into(),
            "--project-id".into(),
            self.emulator.project_id().into(),
            "--secret".into(),
            self.emulator.secret().into(),
        ]
    }

    /// The same connection as environment variables.
    pub fn env(&self) -> [(&'static str, String); 3] {
        [
            ("STYTCH_BASE_URL", self.emulator.base_url().into()),
            ("STYTCH_PROJECT_ID", self.emulator.project_id().into()),
            ("STYTCH_SECRET", self.emulator.secret().into()),
        ]
    }
}

/// The 6-digit RFC 6238 code (SHA-1, 30 s) of a base32 secret at `unix_seconds`, computed by
/// totp-rs: an implementation independent of the emulator's and the CLI's, itself checked
/// against the RFC's test vectors in cli.rs.
pub fn oracle_code(base32: &str, unix_seconds: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(base32.to_owned())
        .to_bytes()
        .expect("a base32 secret");
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        String::new(),
    );
    totp.generate(unix_seconds)
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

pub fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

//! The `stytch-totp` binary: the offline demo (the project's main job), `code`, `--help`,
//! and `serve` answering a real client.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;

fn bin() -> Command {
    Command::cargo_bin("stytch-totp").unwrap()
}

#[test]
fn demo_runs_the_whole_lifecycle_offline() {
    let output = bin()
        .arg("demo")
        .env_remove("STYTCH_PROJECT_ID")
        .env_remove("STYTCH_SECRET")
        .env_remove("STYTCH_BASE_URL")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for step in [
        "users.create",
        "totps.create",
        "totps.authenticate",
        "session JWT verified                   locally, no request",
        "sessions.revoke",
        "refused as expected: HTTP 404 session_not_found",
        "totps.recovery_codes",
        "totps.recover",
        "refused as expected: HTTP 401 unable_to_authenticate_recovery_code",
        "users.delete_totp",
        "Done:",
    ] {
        assert!(stdout.contains(step), "missing {step:?} in:\n{stdout}");
    }
    assert!(
        stdout.matches("request-id-test-").count() >= 8,
        "every call shows its request id"
    );
    assert!(
        stdout.contains('▀') || stdout.contains('▄'),
        "QR code drawn in the terminal"
    );
    assert!(
        !stdout.contains("secret: ") || stdout.contains("secret: ****"),
        "secret hidden by default"
    );
}

#[test]
fn code_prints_six_digits_and_the_time_left() {
    let output = bin()
        .args(["code", "--secret", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let (code, rest) = text.split_once(' ').unwrap();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{text}"
    );
    assert!(rest.starts_with("(valid for "), "{text}");

    let output = bin()
        .args(["code", "--secret", "not base32!"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("base32"));
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["totps", "create", "--help"],
        vec!["users", "delete-totp", "--help"],
        vec!["code", "--help"],
    ] {
        let output = bin().args(&args).output().unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

/// `serve` prints where it listens; `users create` / `totps create` through the CLI then work
/// against it, with secrets hidden unless asked for.
#[test]
fn serve_answers_the_api_commands() {
    let mut server = bin()
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--project-id",
            "project-test-cli",
            "--secret",
            "cli-secret",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base_url = first.rsplit(' ').next().unwrap().to_string();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{first}");

    let api = |args: &[&str]| {
        let output = bin()
            .args(args)
            .args([
                "--base-url",
                &base_url,
                "--project-id",
                "project-test-cli",
                "--secret",
                "cli-secret",
                "--json",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let user = api(&["users", "create", "--email", "cli@example.com"]);
    let user_id = user["user_id"].as_str().unwrap().to_string();
    let totp = api(&["totps", "create", &user_id]);
    assert_eq!(totp["secret"], "[REDACTED]");
    assert_eq!(totp["recovery_codes"], "[REDACTED]");
    let listed = api(&["totps", "recovery-codes", &user_id, "--show-secrets"]);
    assert_eq!(
        listed["totps"][0]["recovery_codes"]
            .as_array()
            .unwrap()
            .len(),
        10
    );

    let denied = bin()
        .args([
            "users",
            "get",
            &user_id,
            "--base-url",
            &base_url,
            "--project-id",
            "project-test-cli",
            "--secret",
            "wrong",
        ])
        .output()
        .unwrap();
    assert!(!denied.status.success());
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(
        stderr.contains("unauthorized_credentials") && stderr.contains("request_id"),
        "{stderr}"
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

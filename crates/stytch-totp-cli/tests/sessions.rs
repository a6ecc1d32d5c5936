//! `stytch-totp sessions ...` against an in-process emulator: the binary enrols a user, signs
//! in with a code it computes itself, verifies the session JWT locally, lists, revokes, and
//! shows Stytch's refusal of the revoked session with its request id.

use std::process::{Command, Output};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use stytch_totp_emulator::{Emulator, EmulatorHandle};

fn bin(emulator: &EmulatorHandle) -> Command {
    let mut command = Command::cargo_bin("stytch-totp").unwrap();
    command
        .env("STYTCH_BASE_URL", emulator.base_url())
        .env("STYTCH_PROJECT_ID", emulator.project_id())
        .env("STYTCH_SECRET", emulator.secret())
        .env_remove("STYTCH_SESSION_TOKEN")
        .env_remove("STYTCH_SESSION_JWT");
    command
}

fn json(output: Output) -> Value {
    assert!(
        output.status.success(),
        "command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_commands_verify_list_revoke_and_report_refusals() {
    let emulator = Emulator::start().await.unwrap();
    let run = |args: &[&str]| bin(&emulator).args(args).output().unwrap();

    let user = json(run(&[
        "users",
        "create",
        "--email",
        "cli@example.com",
        "--json",
    ]));
    let user_id = user["user_id"].as_str().unwrap().to_owned();
    let totp = json(run(&[
        "totps",
        "create",
        &user_id,
        "--json",
        "--show-secrets",
    ]));
    let code = run(&["code", "--secret", totp["secret"].as_str().unwrap()]);
    let code = String::from_utf8_lossy(&code.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let auth = json(run(&[
        "totps",
        "authenticate",
        &user_id,
        &code,
        "--session-duration-minutes",
        "60",
        "--json",
        "--show-secrets",
    ]));
    let jwt = auth["session_jwt"].as_str().unwrap().to_owned();
    let token = auth["session_token"].as_str().unwrap().to_owned();
    let session_id = auth["session"]["session_id"].as_str().unwrap().to_owned();

    let local = json(
        bin(&emulator)
            .args(["sessions", "authenticate", "--local", "--json"])
            .env("STYTCH_SESSION_JWT", &jwt)
            .output()
            .unwrap(),
    );
    assert_eq!(local["checked"], "locally");
    assert_eq!(local["user_id"], user_id.as_str());
    assert_eq!(local["session"]["id"], session_id.as_str());

    let remote = bin(&emulator)
        .args(["sessions", "authenticate", "--json"])
        .env("STYTCH_SESSION_TOKEN", &token)
        .output()
        .unwrap();
    let remote_text = String::from_utf8_lossy(&remote.stdout).into_owned();
    let remote = json(remote);
    assert_eq!(remote["session"]["session_id"], session_id.as_str());
    assert_eq!(
        remote["session_jwt"], "[REDACTED]",
        "tokens hidden by default"
    );
    assert!(!remote_text.contains(&token) && !remote_text.contains(&jwt));

    let listed = json(run(&["sessions", "get", &user_id, "--json"]));
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 1);
    let keys = json(run(&["sessions", "jwks", "--json"]));
    assert_eq!(keys["keys"][0]["kid"], emulator.emulator().key_id());

    json(run(&[
        "sessions",
        "revoke",
        "--session-id",
        &session_id,
        "--json",
    ]));
    let refused = bin(&emulator)
        .args(["sessions", "authenticate"])
        .env("STYTCH_SESSION_TOKEN", &token)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("session_not_found"), "{stderr}");
    assert!(stderr.contains("request_id request-id-test-"), "{stderr}");
    assert!(!stderr.contains(&token), "the token is not echoed");

    let both = run(&[
        "sessions",
        "authenticate",
        "--session-token",
        "a",
        "--session-jwt",
        "b",
    ]);
    assert!(
        !both.status.success(),
        "a token and a JWT together are refused"
    );
    let neither = run(&["sessions", "revoke"]);
    assert!(
        !neither.status.success(),
        "revoke needs something to revoke"
    );
    emulator.shutdown().await.unwrap();
}

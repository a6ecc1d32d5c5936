//! `stytch-totp sessions ...` against an in-process emulator: the binary enrols a user, signs
//! in with a code it computes itself, verifies the session JWT locally, lists, revokes, and
//! shows Stytch's refusal of the revoked session with its request id; a token and a JWT
//! together, and a revoke without its target, are refused by the argument parser before any
//! request.

mod common;

use common::*;

/// The exact first line of a refusal on stderr.
fn first_line(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn sessions_commands_verify_list_revoke_and_report_refusals() {
    let server = InProcess::start();
    let run = |args: &[&str]| {
        let mut command = bin();
        command.args(args).envs(server.env());
        command
    };

    let user = json(&ok(run(&[
        "users",
        "create",
        "--email",
        "cli@example.com",
        "--json",
    ])));
    let user_id = user["user_id"].as_str().unwrap().to_owned();
    let totp = json(&ok(run(&[
        "totps",
        "create",
        &user_id,
        "--json",
        "--show-secrets",
    ])));
    let code = oracle_code(totp["secret"].as_str().unwrap(), unix_now());
    let auth = json(&ok(run(&[
        "totps",
        "authenticate",
        &user_id,
        &code,
        "--session-duration-minutes",
        "60",
        "--json",
        "--show-secrets",
    ])));
    let jwt = auth["session_jwt"].as_str().unwrap().to_owned();
    let token = auth["session_token"].as_str().unwrap().to_owned();
    let session_id = auth["session"]["session_id"].as_str().unwrap().to_owned();

    let local = json(&ok(
        run(&["sessions", "authenticate", "--local", "--json"]).env("STYTCH_SESSION_JWT", &jwt)
    ));
    assert_eq!(local["checked"], "locally");
    assert_eq!(local["user_id"], user_id.as_str());
    assert_eq!(local["session"]["id"], session_id.as_str());

    let remote_text =
        ok(run(&["sessions", "authenticate", "--json"]).env("STYTCH_SESSION_TOKEN", &token));
    let remote = json(&remote_text);
    assert_eq!(remote["session"]["session_id"], session_id.as_str());
    assert_eq!(
        remote["session_jwt"], "[REDACTED]",
        "tokens hidden by default"
    );
    assert!(!remote_text.contains(&token) && !remote_text.contains(&jwt));

    let listed = json(&ok(run(&["sessions", "get", &user_id, "--json"])));
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 1);
    let keys = json(&ok(run(&["sessions", "jwks", "--json"])));
    assert_eq!(keys["keys"][0]["kid"], server.emulator.key_id());

    ok(run(&[
        "sessions",
        "revoke",
        "--session-id",
        &session_id,
        "--json",
    ]));
    let refused = fails(run(&["sessions", "authenticate"]).env("STYTCH_SESSION_TOKEN", &token));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        first_line(&refused).starts_with(
            "error: Stytch answered HTTP 404 session_not_found: Session could not be found. \
             (request_id request-id-test-"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains(&token), "the token is not echoed");

    let requests_before = server.emulator.stats().requests_total;
    let both = fails(run(&[
        "sessions",
        "authenticate",
        "--session-token",
        "a",
        "--session-jwt",
        "b",
    ]));
    assert_eq!(both.status.code(), Some(2), "a usage error");
    assert_eq!(
        first_line(&both),
        "error: the argument '--session-token <SESSION_TOKEN>' cannot be used with \
         '--session-jwt <SESSION_JWT>'"
    );
    let neither = fails(run(&["sessions", "revoke"]));
    assert_eq!(neither.status.code(), Some(2), "a usage error");
    assert_eq!(
        first_line(&neither),
        "error: the following required arguments were not provided:"
    );
    assert!(
        String::from_utf8_lossy(&neither.stderr).contains("--session-id <SESSION_ID>"),
        "names what is missing"
    );
    assert_eq!(
        server.emulator.stats().requests_total,
        requests_before,
        "usage errors send nothing"
    );
}

//! The API commands' success paths against an in-process emulator: `totps create /
//! authenticate / recovery-codes / recover`, `users create / get / delete / delete-totp`,
//! their flags, and the STYTCH_* variables in place of the connection flags.

mod common;

use common::*;

#[test]
fn every_api_command_succeeds_and_does_what_it_says() {
    let server = InProcess::start();
    let flags = server.flags();
    // Connection by flags for some calls, by environment variables for the others.
    let by_flags = |args: &[&str]| {
        let mut command = bin();
        command.args(args).args(&flags).arg("--json");
        command
    };
    let by_env = |args: &[&str]| {
        let mut command = bin();
        command.args(args).envs(server.env()).arg("--json");
        command
    };

    let user = json(&ok(by_flags(&[
        "users",
        "create",
        "--email",
        "ada@example.com",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
    ])));
    let user_id = user["user_id"].as_str().expect("user_id").to_owned();
    assert_eq!(user["user"]["emails"][0]["email"], "ada@example.com");
    assert_eq!(user["user"]["name"]["first_name"], "Ada");
    assert_eq!(user["user"]["name"]["last_name"], "Lovelace");

    // --expiration-minutes is checked before anything is sent, then honoured.
    let refused = fails(&mut by_env(&[
        "totps",
        "create",
        &user_id,
        "--expiration-minutes",
        "4",
    ]));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("expiration_minutes"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let totp = json(&ok(by_env(&[
        "totps",
        "create",
        &user_id,
        "--expiration-minutes",
        "5",
        "--show-secrets",
    ])));
    let totp_id = totp["totp_id"].as_str().expect("totp_id").to_owned();
    let secret = totp["secret"].as_str().expect("secret shown").to_owned();
    let recovery: Vec<String> = totp["recovery_codes"]
        .as_array()
        .expect("recovery codes shown")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);

    // authenticate: the code of the current step, with a session; secrets hidden by default.
    let code = oracle_code(&secret, unix_now());
    let auth = json(&ok(by_flags(&[
        "totps",
        "authenticate",
        &user_id,
        &code,
        "--session-duration-minutes",
        "60",
    ])));
    assert_eq!(auth["totp_id"], totp_id.as_str());
    assert_eq!(auth["session_token"], "[REDACTED]");
    assert!(auth["session"]["session_id"].is_string(), "{auth}");
    let replay = fails(&mut by_flags(&["totps", "authenticate", &user_id, &code]));
    assert!(String::from_utf8_lossy(&replay.stderr).contains("totp_code_already_authenticated"));

    // recover: spends one code once.
    let recovered = json(&ok(by_env(&[
        "totps",
        "recover",
        &user_id,
        &recovery[0],
        "--session-duration-minutes",
        "30",
        "--show-secrets",
    ])));
    assert_eq!(recovered["totp_id"], totp_id.as_str());
    assert!(
        recovered["session_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty() && t != "[REDACTED]"),
        "{recovered}"
    );
    let again = fails(&mut by_env(&["totps", "recover", &user_id, &recovery[0]]));
    assert!(String::from_utf8_lossy(&again.stderr).contains("unable_to_authenticate_recovery_code"));
    let listed = json(&ok(by_env(&[
        "totps",
        "recovery-codes",
        &user_id,
        "--show-secrets",
    ])));
    assert_eq!(
        listed["totps"][0]["recovery_codes"]
            .as_array()
            .map(Vec::len),
        Some(9)
    );

    // users get: the verified TOTP; pretty JSON without --json.
    let mut pretty = bin();
    pretty.args(["users", "get", &user_id]).args(&flags);
    let pretty = ok(&mut pretty);
    assert!(
        pretty.lines().count() > 5,
        "pretty JSON spans lines: {pretty}"
    );
    let fetched = json(&pretty);
    assert_eq!(
        fetched["totps"],
        serde_json::json!([{ "totp_id": totp_id, "verified": true }])
    );

    // users delete-totp, then delete.
    let deleted = json(&ok(by_flags(&["users", "delete-totp", &totp_id])));
    assert_eq!(deleted["user"]["totps"], serde_json::json!([]));
    let fetched = json(&ok(by_env(&["users", "get", &user_id])));
    assert_eq!(fetched["totps"], serde_json::json!([]));
    let gone = json(&ok(by_env(&["users", "delete", &user_id])));
    assert_eq!(gone["user_id"], user_id.as_str());
    let missing = fails(&mut by_flags(&["users", "get", &user_id]));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("user_not_found"));
}

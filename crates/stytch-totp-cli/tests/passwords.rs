//! `passwords create / authenticate / strength-check`: the password comes from
//! STYTCH_PASSWORD or a terminal prompt, never a flag, and never shows in the output.

mod common;

use common::*;

const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "plaid-Kettle-orbit-97-PASSWORD";

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_password_flag_does_not_exist_and_without_a_terminal_the_variable_is_required() {
    let server = InProcess::start();
    for call in [
        vec!["passwords", "create", EMAIL],
        vec!["passwords", "authenticate", EMAIL],
        vec!["passwords", "strength-check"],
    ] {
        let flagged = fails(
            bin()
                .args(&call)
                .args(server.flags())
                .args(["--password", PASSWORD]),
        );
        assert!(
            stderr(&flagged).contains("unexpected argument '--password'"),
            "{}",
            stderr(&flagged)
        );

        // No STYTCH_PASSWORD and stdin is not a terminal: refused, nothing sent.
        let missing = fails(bin().args(&call).args(server.flags()));
        assert!(
            stderr(&missing).contains("STYTCH_PASSWORD"),
            "{}",
            stderr(&missing)
        );
    }
    assert_eq!(
        server.emulator.stats().requests_total,
        0,
        "nothing reached the emulator"
    );
}

#[test]
fn a_malformed_email_is_refused_before_sending() {
    let server = InProcess::start();
    let refused = fails(
        bin()
            .args(["passwords", "create", "grace.example.com"])
            .args(server.flags())
            .env("STYTCH_PASSWORD", PASSWORD),
    );
    assert!(
        stderr(&refused).contains("email must be an address"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains(PASSWORD));
    assert_eq!(server.emulator.stats().requests_total, 0);
}

#[test]
fn create_sign_in_step_up_and_strength_check_never_print_the_password() {
    let server = InProcess::start();
    let run = |args: &[&str], password: &str| {
        let mut command = bin();
        command
            .args(args)
            .args(server.flags())
            .arg("--json")
            .env("STYTCH_PASSWORD", password);
        let stdout = ok(&mut command);
        assert!(
            !stdout.contains(password),
            "the password is printed: {stdout}"
        );
        json(&stdout)
    };
    let created = run(&["passwords", "create", EMAIL], PASSWORD);
    let user_id = created["user_id"].as_str().unwrap().to_owned();
    assert!(created["user"]["password"]["password_id"]
        .as_str()
        .unwrap()
        .starts_with("password-test-"));

    let signed_in = run(
        &[
            "passwords",
            "authenticate",
            EMAIL,
            "--session-duration-minutes",
            "60",
            "--show-secrets",
        ],
        PASSWORD,
    );
    let token = signed_in["session_token"].as_str().unwrap().to_owned();
    let session_id = signed_in["session"]["session_id"].clone();

    // A TOTP code steps up the same session through the CLI's --session-token.
    let totp = json(&ok(bin()
        .args(["totps", "create", &user_id, "--show-secrets", "--json"])
        .args(server.flags())));
    let code = oracle_code(totp["secret"].as_str().unwrap(), unix_now());
    let stepped = json(&ok(bin()
        .args([
            "totps",
            "authenticate",
            &user_id,
            &code,
            "--session-token",
            &token,
            "--json",
        ])
        .args(server.flags())));
    assert_eq!(stepped["session"]["session_id"], session_id);
    let types: Vec<&str> = stepped["session"]["authentication_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["password", "totp"]);
    assert_eq!(
        stepped["session_token"], "[REDACTED]",
        "tokens hidden by default"
    );

    let wrong = fails(
        bin()
            .args(["passwords", "authenticate", EMAIL])
            .args(server.flags())
            .env("STYTCH_PASSWORD", "not-the-password-at-all"),
    );
    let wrong_err = stderr(&wrong);
    assert!(
        wrong_err.contains("unauthorized_credentials"),
        "{wrong_err}"
    );
    assert!(wrong_err.contains("request_id"), "{wrong_err}");
    assert!(!wrong_err.contains("not-the-password-at-all"));

    let weak = run(
        &["passwords", "strength-check", "--email", EMAIL],
        "password1",
    );
    assert_eq!(weak["valid_password"], false);
    assert_eq!(weak["strength_policy"], "zxcvbn");
}

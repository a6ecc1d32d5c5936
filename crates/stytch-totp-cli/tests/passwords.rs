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

//! The `stytch-totp` binary: the offline demo (the project's main job), `demo --live`,
//! `code`, every command's `--help`, and `serve` answering API commands.

mod common;

use common::*;
use stytch_totp::Operation;

/// RFC 6238 appendix B, SHA-1 rows, cut to 6 digits: secret "12345678901234567890".
const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [(u64, &str); 6] = [
    (59, "287082"),
    (1_111_111_109, "081804"),
    (1_111_111_111, "050471"),
    (1_234_567_890, "005924"),
    (2_000_000_000, "279037"),
    (20_000_000_000, "353130"),
];

/// Runs the demo with its temp files under `dir`; returns stdout.
fn demo(dir: &std::path::Path, extra: &[&str]) -> String {
    ok(bin().arg("demo").args(extra).env("TMPDIR", dir))
}

/// The otpauth URI in a QR PNG.
fn qr_uri(png_path: &std::path::Path) -> String {
    let png = std::fs::read(png_path).unwrap_or_else(|e| panic!("{}: {e}", png_path.display()));
    stytch_totp_emulator::qr::decode_png(&png).expect("one readable QR code")
}

/// The `secret=` parameter of an otpauth URI.
fn uri_secret(uri: &str) -> String {
    let query = uri.split_once('?').expect("a query").1;
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .expect("a secret parameter")
        .to_owned()
}

#[test]
fn demo_runs_the_whole_lifecycle_offline_and_hides_the_secret() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let stdout = demo(temp.path(), &[]);
    for step in [
        "against the embedded emulator",
        Operation::PasswordsStrengthCheck.name(),
        Operation::PasswordsCreate.name(),
        Operation::PasswordsAuthenticate.name(),
        "(factors: password)",
        Operation::TotpsCreate.name(),
        Operation::TotpsAuthenticate.name(),
        "verified; stepped up session",
        "factors: password + totp",
        "session JWT verified                   locally, no request",
        "factors password, totp",
        Operation::SessionsRevoke.name(),
        "refused as expected: HTTP 404 session_not_found",
        Operation::TotpsRecoveryCodes.name(),
        Operation::TotpsRecover.name(),
        "refused as expected: HTTP 401 unable_to_authenticate_recovery_code",
        Operation::UsersDeleteTotp.name(),
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
    // The PNG went to the temp dir (TMPDIR here), and it holds the real secret: that value
    // must appear nowhere in the output, under any label.
    let pngs: Vec<_> = std::fs::read_dir(temp.path())
        .expect("the temp dir")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    assert_eq!(pngs.len(), 1, "one QR PNG in the temp dir: {pngs:?}");
    let secret = uri_secret(&qr_uri(&pngs[0]));
    assert_eq!(secret.len(), 32, "{secret}");
    assert!(
        !stdout.contains(&secret),
        "the secret is printed:\n{stdout}"
    );
    assert!(
        stdout.contains(&format!("secret: {}", "*".repeat(32))),
        "the secret's line is masked:\n{stdout}"
    );
    assert!(
        !stdout.contains("plaid-Kettle"),
        "the demo password is printed:\n{stdout}"
    );
    // The password session's id is the one the TOTP code stepped up.
    let session_of = |line_start: &str| {
        stdout
            .lines()
            .find(|l| l.contains(line_start))
            .and_then(|l| {
                l.split_whitespace()
                    .find(|w| w.starts_with("session-test-"))
            })
            .map(|id| id.trim_end_matches(',').to_owned())
    };
    let first = session_of(Operation::PasswordsAuthenticate.name());
    assert!(first.is_some(), "{stdout}");
    assert_eq!(first, session_of(Operation::TotpsAuthenticate.name()));
}

#[test]
fn demo_qr_out_and_show_secrets_print_the_secret_that_is_in_the_png() {
    let temp = tempfile::tempdir().expect("a temp dir");
    let png = temp.path().join("enrol.png");
    let stdout = demo(
        temp.path(),
        &[
            "--qr-out",
            png.to_str().expect("UTF-8 path"),
            "--show-secrets",
        ],
    );
    assert!(stdout.contains(&png.display().to_string()), "{stdout}");
    let uri = qr_uri(&png);
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let secret = uri_secret(&uri);
    assert!(
        stdout.contains(&format!("secret: {secret}")),
        "--show-secrets prints the secret of the PNG:\n{stdout}"
    );
    // Nothing else was written next to it.
    assert_eq!(std::fs::read_dir(temp.path()).expect("dir").count(), 1);
}

/// With STYTCH_PROJECT_ID and STYTCH_SECRET set, `demo` runs live (no `--live` needed): it
/// talks to STYTCH_BASE_URL (an emulator here) and wants an existing user.
#[test]
fn demo_goes_live_when_credentials_are_set() {
    let server = InProcess::start();
    let env = server.env();
    let temp = tempfile::tempdir().expect("a temp dir");

    let mut without_user = bin();
    without_user.arg("demo").envs(env.clone());
    let refused = fails(&mut without_user);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("running live: pass --user-id"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    let user = json(&ok(bin()
        .args(["users", "create", "--email", "live@example.com", "--json"])
        .envs(env.clone())));
    let user_id = user["user_id"].as_str().expect("user_id");
    let before = server.emulator.stats().requests_total;
    let stdout = ok(bin()
        .args(["demo", "--user-id", user_id])
        .envs(env)
        .env("TMPDIR", temp.path()));
    assert!(
        stdout.contains(&format!(
            "demo against Stytch at {}/",
            server.emulator.base_url()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("Done:"), "{stdout}");
    assert!(
        server.emulator.stats().requests_total > before + 5,
        "the live demo's calls reached the configured server"
    );
}

#[test]
fn code_prints_the_rfc_6238_code_of_the_current_step() {
    // The oracle first: totp-rs reproduces the RFC's own vectors.
    for (at, expected) in RFC_VECTORS {
        assert_eq!(oracle_code(RFC_SECRET, at), expected, "RFC 6238 at {at}");
    }
    for via_env in [false, true] {
        let mut command = bin();
        command.arg("code");
        if via_env {
            command.env("STYTCH_TOTP_SECRET", RFC_SECRET);
        } else {
            command.args(["--secret", RFC_SECRET]);
        }
        let before = unix_now();
        let text = ok(&mut command);
        let after = unix_now();
        let (code, rest) = text.split_once(' ').expect("code and validity");
        // The step may have turned while the command ran: then either side's code is right.
        let candidates = [
            oracle_code(RFC_SECRET, before),
            oracle_code(RFC_SECRET, after),
        ];
        assert!(
            candidates.contains(&code.to_owned()),
            "printed {code}, RFC 6238 says {candidates:?} (env: {via_env})"
        );
        let left: u64 = rest
            .strip_prefix("(valid for ")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no validity in {text}"));
        let expected_left = [30 - before % 30, 30 - after % 30];
        assert!(
            expected_left.contains(&left),
            "valid for {left} s, expected one of {expected_left:?}"
        );
    }

    let refused = fails(bin().args(["code", "--secret", "not base32!"]));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("base32"));
}

/// The commands listed under `Commands:` in a help text (without `help` itself).
fn listed_commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// Every command and subcommand, found by walking the help itself, has help text.
#[test]
fn every_command_has_help() {
    let mut queue: Vec<Vec<String>> = vec![vec![]];
    let mut seen = Vec::new();
    while let Some(path) = queue.pop() {
        let text = ok(bin().args(&path).arg("--help"));
        assert!(text.contains("Usage: stytch-totp"), "{path:?}:\n{text}");
        let about = text.lines().next().unwrap_or_default();
        assert!(
            !about.trim().is_empty() && !about.starts_with("Usage"),
            "{path:?} has no description"
        );
        for command in listed_commands(&text) {
            let mut child = path.clone();
            child.push(command);
            queue.push(child);
        }
        seen.push(path.join(" "));
    }
    seen.sort();
    let expected = [
        "",
        "code",
        "demo",
        "passwords",
        "passwords authenticate",
        "passwords create",
        "passwords strength-check",
        "serve",
        "sessions",
        "sessions authenticate",
        "sessions get",
        "sessions jwks",
        "sessions revoke",
        "totps",
        "totps authenticate",
        "totps create",
        "totps recover",
        "totps recovery-codes",
        "users",
        "users create",
        "users delete",
        "users delete-totp",
        "users get",
    ];
    assert_eq!(seen, expected, "the commands walked");
}

/// `serve` takes its credentials from flags or STYTCH_EMULATOR_* variables; API commands
/// against it fail typed with wrong ones.
#[test]
fn serve_answers_the_api_commands_with_its_credentials() {
    let by_flags = Served::start(
        &["--project-id", "project-test-cli", "--secret", "cli-secret"],
        &[],
    );
    let by_env = Served::start(
        &[],
        &[
            ("STYTCH_EMULATOR_PROJECT_ID", "project-test-env"),
            ("STYTCH_EMULATOR_SECRET", "env-secret"),
        ],
    );
    for (served, project, secret) in [
        (&by_flags, "project-test-cli", "cli-secret"),
        (&by_env, "project-test-env", "env-secret"),
    ] {
        let connect = |args: &[&str]| {
            let mut command = bin();
            command.args(args).args([
                "--base-url",
                &served.base_url,
                "--project-id",
                project,
                "--json",
            ]);
            command
        };
        let user = json(&ok(connect(&["users", "create"]).args(["--secret", secret])));
        let user_id = user["user_id"].as_str().expect("user_id").to_owned();
        let totp = json(&ok(
            connect(&["totps", "create", &user_id]).args(["--secret", secret])
        ));
        assert_eq!(totp["secret"], "[REDACTED]");
        assert_eq!(totp["recovery_codes"], "[REDACTED]");
        let listed = json(&ok(connect(&["totps", "recovery-codes", &user_id]).args([
            "--secret",
            secret,
            "--show-secrets",
        ])));
        assert_eq!(
            listed["totps"][0]["recovery_codes"]
                .as_array()
                .map(Vec::len),
            Some(10)
        );

        let denied = fails(connect(&["users", "get", &user_id]).args(["--secret", "wrong"]));
        let stderr = String::from_utf8_lossy(&denied.stderr);
        assert!(
            stderr.contains("unauthorized_credentials") && stderr.contains("request_id"),
            "{stderr}"
        );
    }
}

/// `serve --tls` serves HTTPS with a CA written where `--ca-out` says; the API commands work
/// with `--ca-cert` and are refused without it.
#[test]
fn serve_tls_answers_clients_that_trust_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca_path = dir.path().join("ca.pem");
    let ca = ca_path.to_str().unwrap();
    let served = Served::start(&["--tls", "--ca-out", ca], &[]);
    assert!(
        served.base_url.starts_with("https://"),
        "{}",
        served.base_url
    );
    assert!(std::fs::read_to_string(&ca_path)
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    let create = |trust: bool| {
        let mut command = bin();
        command
            .args(["users", "create", "--email", "tls@example.com", "--json"])
            .args(["--base-url", &served.base_url])
            .args(["--project-id", stytch_totp_emulator::DEFAULT_PROJECT_ID])
            .args(["--secret", stytch_totp_emulator::DEFAULT_SECRET]);
        if trust {
            command.args(["--ca-cert", ca]);
        }
        command
    };
    let user: serde_json::Value = serde_json::from_str(&ok(create(true))).unwrap();
    assert!(user["user_id"].as_str().unwrap().starts_with("user-test-"));
    let refused = fails(create(false));
    let stderr = String::from_utf8_lossy(&refused.stderr).to_lowercase();
    assert!(stderr.contains("certificate"), "{stderr}");
}

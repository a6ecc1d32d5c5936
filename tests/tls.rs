//! The client over HTTPS against the emulator's HTTPS server (a CA made at start), with the
//! TLS backend this crate was built with: rustls + aws-lc-rs by default; run the other with
//! `cargo test -p stytch-totp-e2e --test tls --features native-tls`. The emulator records
//! each handshake's `ClientHello`, and the test checks that the backend it was built for is
//! the one that made it.

use stytch_totp::{Client, Error};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorHandle, TlsHandshake};

/// A client for `emulator`, trusting its CA when `trust` says so.
fn client(emulator: &EmulatorHandle, trust: bool) -> Client {
    let builder = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url());
    let builder = if trust {
        builder.add_root_certificate_pem(emulator.ca_cert_pem().expect("serving HTTPS"))
    } else {
        builder
    };
    builder.build().expect("a valid client configuration")
}

/// The backend the features select (the precedence in the client's `tls` module).
fn backend() -> &'static str {
    if cfg!(feature = "native-tls") {
        "native-tls"
    } else {
        "rustls-aws-lc-rs"
    }
}

/// Checks that `backend` made `handshake`, from what only that stack does. rustls offers
/// only the suites it implements, none of them CBC, and with aws-lc-rs (not with ring) it
/// offers the post-quantum hybrid group `X25519MLKEM768`. The platform libraries behind
/// native-tls (OpenSSL here, Security.framework, SChannel) still offer CBC suites by default.
fn assert_made_by(backend: &str, handshake: &TlsHandshake) {
    let cbc: Vec<&String> = handshake
        .offered_cipher_suites
        .iter()
        .filter(|suite| suite.contains("_CBC_"))
        .collect();
    match backend {
        "rustls-aws-lc-rs" => {
            assert!(
                cbc.is_empty(),
                "built for rustls, but the client offered CBC suites {cbc:?}, which rustls does \
                 not implement: another TLS stack made this handshake: {handshake:#?}"
            );
            assert!(
                handshake
                    .offered_groups
                    .iter()
                    .any(|g| g == "X25519MLKEM768"),
                "built for rustls with aws-lc-rs, which offers X25519MLKEM768: {handshake:#?}"
            );
        }
        "native-tls" => assert!(
            !cbc.is_empty(),
            "built for native-tls, but the client offered no CBC suite as the platform's TLS \
             library does: rustls made this handshake: {handshake:#?}"
        ),
        other => panic!("no fingerprint for the backend {other}"),
    }
    assert_eq!(handshake.protocol_version, "TLSv1_3", "{handshake:#?}");
}

#[tokio::test]
async fn lifecycle_over_https() {
    let emulator = Emulator::start_tls().await.unwrap();
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
    let ca_path = emulator.ca_cert_path().unwrap().to_owned();
    let pem = std::fs::read_to_string(&ca_path).unwrap();
    assert_eq!(Some(pem.as_str()), emulator.ca_cert_pem());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let client = client(&emulator, true);
    let user = client
        .users()
        .create()
        .email("tls@example.com")
        .await
        .unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    let code = code_at(totp.secret.expose_secret(), emulator.now()).unwrap();
    let auth = client
        .totps()
        .authenticate(&user.user_id, &code)
        .session_duration_minutes(60)
        .await
        .unwrap();
    assert!(auth.session.is_some(), "{}", backend());
    let recovered = client
        .totps()
        .recover(&user.user_id, totp.recovery_codes[0].expose_secret())
        .await
        .unwrap();
    assert_eq!(recovered.totp_id, totp.totp_id);
    client.users().delete_totp(&totp.totp_id).await.unwrap();
    client.users().delete(&user.user_id).await.unwrap();
    assert_eq!(emulator.stats().responses_with(200), 6);

    let handshakes = emulator.tls_handshakes();
    assert!(!handshakes.is_empty(), "the calls went over TLS");
    for handshake in &handshakes {
        assert_made_by(backend(), handshake);
    }

    emulator.shutdown().await.unwrap();
    assert!(!ca_path.exists(), "the CA file goes with the emulator");
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    let emulator = Emulator::start_tls().await.unwrap();
    let error = client(&emulator, false)
        .users()
        .get("user-test-nobody")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                connected: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        !error.is_outcome_unknown(),
        "the handshake failed before anything was sent"
    );
    // The reason shows in the message itself, not only deep in the source chain.
    let message = error.to_string();
    assert!(
        message.starts_with("could not reach Stytch: ")
            && message.to_lowercase().contains("certificate"),
        "{} should name the certificate problem: {message}",
        backend()
    );
    assert_eq!(emulator.stats().requests_total, 0, "no request got through");
}

#[tokio::test]
async fn another_emulators_ca_is_not_enough() {
    let emulator = Emulator::start_tls().await.unwrap();
    let other = Emulator::start_tls().await.unwrap();
    let client = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .add_root_certificate_pem(other.ca_cert_pem().unwrap())
        .build()
        .unwrap();
    let error = client.users().get("user-test-nobody").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(emulator.stats().requests_total, 0);
}

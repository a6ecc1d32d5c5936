//! Leak audit: every endpoint and every error path, with a TRACE subscriber capturing all
//! spans (fields included) and events from the client, the emulator and the HTTP stack, and
//! every response and error formatted with `{:?}`, `{:#?}` and `{}`. No secret may appear.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use stytch_totp::models::CreateUserRequest;
use stytch_totp::{Client, RetryPolicy};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, Fault, FaultSpec, Operation};
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

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

/// Formats a call's result every way a program might, and returns the text.
fn shown<T: std::fmt::Debug>(result: &Result<T, stytch_totp::Error>) -> String {
    match result {
        Ok(value) => format!("{value:?}\n{value:#?}\n"),
        Err(error) => format!("{error:?}\n{error:#?}\n{error}\n"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_any_output_on_any_path() {
    let captured = Captured::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_span_events(FmtSpan::FULL)
            .with_ansi(false)
            .with_writer(captured.clone())
            .finish(),
    )
    .unwrap();

    let emulator = Emulator::start().await.unwrap();
    let client = |secret: &str| {
        Client::builder()
            .project_id(emulator.project_id())
            .secret(secret)
            .base_url(emulator.base_url())
            .retry_policy(RetryPolicy {
                min_backoff: Duration::from_millis(5),
                ..RetryPolicy::default()
            })
            .build()
            .unwrap()
    };
    let ok = client(emulator.secret());
    let mut secrets = vec![
        emulator.secret().to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            emulator.project_id(),
            emulator.secret()
        )),
    ];
    let mut out = format!("{ok:?}\n");

    // Success paths, every endpoint, sessions included.
    let user = ok
        .users()
        .create(CreateUserRequest {
            email: Some("leak@example.com".into()),
            ..Default::default()
        })
        .await;
    out += &shown(&user);
    let user_id = user.unwrap().user_id;
    let totp = ok.totps().create(&user_id).await;
    out += &shown(&totp);
    let totp = totp.unwrap();
    secrets.push(totp.secret.expose_secret().to_owned());
    let qr = totp.qr_code.expose_secret();
    secrets.push(qr["data:image/png;base64, ".len()..][..48].to_owned());
    secrets.extend(
        totp.recovery_codes
            .iter()
            .map(|c| c.expose_secret().to_owned()),
    );
    let code = code_at(totp.secret.expose_secret(), emulator.now()).unwrap();
    secrets.push(code.clone());
    let auth = ok
        .totps()
        .authenticate(&user_id, &code)
        .session_duration_minutes(60)
        .await;
    out += &shown(&auth);
    let auth = auth.unwrap();
    secrets.push(auth.session_token.expose_secret().to_owned());
    secrets.push(auth.session_jwt.expose_secret().to_owned());
    out += &shown(&ok.totps().recovery_codes(&user_id).await);
    let recovered = ok
        .totps()
        .recover(&user_id, totp.recovery_codes[0].expose_secret())
        .session_token(auth.session_token.clone())
        .session_duration_minutes(30)
        .await;
    out += &shown(&recovered);
    out += &shown(&ok.users().get(&user_id).await);

    // Passwords: create, a weak and a taken one, sign-in right and wrong, a step-up of the
    // TOTP session, the strength check, an unknown email and an after-apply fault.
    let password = "plaid-Kettle-orbit-97-quasar-LEAK";
    let wrong_password = "wrong-Kettle-orbit-97-quasar-LEAK";
    let weak_password = "password1-LEAK";
    secrets.extend([password, wrong_password, weak_password].map(String::from));
    let created = ok
        .passwords()
        .create("leak.password@example.com", password)
        .session_duration_minutes(30)
        .await;
    out += &shown(&created);
    if let Ok(created) = &created {
        secrets.push(created.session_token.expose_secret().to_owned());
        secrets.push(created.session_jwt.expose_secret().to_owned());
    }
    out += &shown(
        &ok.passwords()
            .create("leak.weak@example.com", weak_password)
            .await,
    );
    out += &shown(
        &ok.passwords()
            .create("leak.password@example.com", password)
            .await,
    );
    out += &shown(
        &ok.passwords()
            .authenticate("leak.password@example.com", wrong_password)
            .await,
    );
    out += &shown(
        &ok.passwords()
            .authenticate("leak.password@example.com", password)
            .session_token(created.as_ref().unwrap().session_token.clone())
            .await,
    );
    out += &shown(
        &ok.passwords()
            .authenticate("nobody@example.com", password)
            .await,
    );
    out += &shown(
        &ok.passwords()
            .strength_check(weak_password)
            .email("leak.password@example.com")
            .await,
    );
    emulator.inject(
        FaultSpec::new(Fault::after_apply(Fault::status(500))).on(Operation::PasswordsAuthenticate),
    );
    out += &shown(
        &ok.passwords()
            .authenticate("leak.password@example.com", password)
            .await,
    );

    // Sessions: local JWT verification (with the JWKS fetch), the remote check with a fresh
    // JWT, listing, a malformed JWT, revoking, and the refusal afterwards.
    let jwt = auth.session_jwt.clone();
    out += &shown(&ok.sessions().authenticate_jwt(jwt.clone()).await);
    let fresh = ok
        .sessions()
        .authenticate()
        .session_token(auth.session_token.clone())
        .await;
    out += &shown(&fresh);
    if let Ok(fresh) = &fresh {
        secrets.push(fresh.session_jwt.expose_secret().to_owned());
    }
    out += &shown(&ok.sessions().get(&user_id).await);
    out += &shown(&ok.sessions().jwks().await);
    let tampered = format!("{}x", jwt.expose_secret());
    secrets.push(tampered.clone());
    out += &shown(&ok.sessions().authenticate_jwt(tampered).await);
    out += &shown(&ok.sessions().revoke().session_jwt(jwt.clone()).await);
    out += &shown(
        &ok.sessions()
            .authenticate()
            .session_token(auth.session_token.clone())
            .await,
    );
    out += &format!("{:?}", emulator.emulator().signing_key());

    // Error paths: Stytch errors, retries, after-apply faults, broken bodies, timeouts,
    // transport failures, size limits, wrong credentials.
    out += &shown(&ok.totps().authenticate(&user_id, &code).await); // replay
    out += &shown(
        &ok.totps()
            .recover(&user_id, totp.recovery_codes[0].expose_secret())
            .await,
    ); // reuse
    out += &shown(&ok.totps().recover(&user_id, &code).await); // code used as recovery code
    out += &shown(&ok.users().get("user-test-does-not-exist").await);
    out += &shown(&client("wrong-secret").users().get(&user_id).await);
    emulator.inject(
        FaultSpec::new(Fault::Status {
            status: 429,
            retry_after: Some(0),
            body: None,
        })
        .on(Operation::TotpsRecover),
    );
    out += &shown(
        &ok.totps()
            .recover(&user_id, totp.recovery_codes[1].expose_secret())
            .await,
    );
    emulator
        .inject(FaultSpec::new(Fault::after_apply(Fault::status(500))).on(Operation::TotpsRecover));
    out += &shown(
        &ok.totps()
            .recover(&user_id, totp.recovery_codes[2].expose_secret())
            .await,
    );
    emulator.inject(
        FaultSpec::new(Fault::after_apply(Fault::DropConnection)).on(Operation::TotpsRecover),
    );
    out += &shown(
        &ok.totps()
            .recover(&user_id, totp.recovery_codes[3].expose_secret())
            .await,
    );
    // A stall far past this one call's 1 s limit: the timeout is certain however slow the
    // machine, and no other call runs under a short limit.
    emulator
        .inject(FaultSpec::new(Fault::Delay(Duration::from_secs(20))).on(Operation::TotpsRecover));
    out += &shown(
        &ok.totps()
            .recover(&user_id, totp.recovery_codes[4].expose_secret())
            .timeout(Duration::from_secs(1))
            .await,
    );
    emulator.inject(FaultSpec::new(Fault::TruncatedBody).on(Operation::TotpsRecoveryCodes));
    out += &shown(&ok.totps().recovery_codes(&user_id).await);
    emulator.inject(FaultSpec::new(Fault::Status {
        status: 502,
        retry_after: None,
        body: Some("<html>gateway</html>".into()),
    }));
    out += &shown(&ok.totps().authenticate(&user_id, "123456").await);
    emulator.clear_faults();
    let tiny = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .max_response_bytes(64)
        .build()
        .unwrap();
    out += &shown(&tiny.totps().recovery_codes(&user_id).await);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    out += &shown(
        &refused
            .totps()
            .recover(&user_id, totp.recovery_codes[5].expose_secret())
            .await,
    );
    out += &shown(&ok.users().delete_totp(&totp.totp_id).await);
    out += &shown(&ok.users().delete(&user_id).await);

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture saw what it should, so the absence of secrets means something.
    for expected in [
        Operation::TotpsAuthenticate.span_name(),
        Operation::PasswordsAuthenticate.span_name(),
        "weak_password",
        "email_not_found",
        "stytch.request_id=",
        "stytch.attempts=2",
        "http.response.status_code=500",
    ] {
        assert!(logs.contains(expected), "capture lacks {expected}");
    }
    for kind in ["Timeout", "Transport", "Decode", "ResponseTooLarge", "Api"] {
        assert!(out.contains(kind), "no {kind} error was exercised");
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "secret {secret:?} found in logs"
        );
        assert!(
            !out.contains(secret.as_str()),
            "secret {secret:?} found in Debug/Display output"
        );
    }
}

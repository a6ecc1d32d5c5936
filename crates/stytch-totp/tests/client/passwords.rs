//! `client.passwords()`: each call's request and decoding, validation before sending, retry
//! class, and the password kept out of every log line, span, `Debug` and `Display` at TRACE.

use serde_json::{json, Value};
use stytch_totp::{Error, Operation};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

const EMAIL: &str = "jane.doe@example.com";
const PASSWORD: &str = "Tr0ub4dor&3-horse-PASSWORD-do-not-leak";

async fn answer(server: &MockServer, operation: Operation, status: u16, body: Value) {
    Mock::given(method("POST"))
        .and(path(operation.path()))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

/// The JSON bodies the server received, in order.
async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect()
}

#[tokio::test]
async fn create_sends_email_password_and_session_and_decodes_the_new_user() {
    let server = MockServer::start().await;
    answer(
        &server,
        Operation::PasswordsCreate,
        200,
        example("CreatePasswordResponse", 0),
    )
    .await;
    let created = client_for(&server)
        .passwords()
        .create(EMAIL, PASSWORD)
        .session_duration_minutes(60)
        .untrusted_metadata(json!({"plan": "pro"}).as_object().unwrap().clone())
        .await
        .unwrap();
    assert_eq!(created.user_id, USER_ID);
    assert!(created.email_id.starts_with("email-test-"));
    let session = created.session.expect("a session was asked for");
    assert_eq!(session.authentication_factors[0].type_, "password");
    assert_eq!(
        bodies(&server).await,
        [json!({
            "email": EMAIL,
            "password": PASSWORD,
            "session_duration_minutes": 60,
            "untrusted_metadata": {"plan": "pro"},
        })]
    );
}

#[tokio::test]
async fn authenticate_can_step_up_an_existing_session() {
    let server = MockServer::start().await;
    answer(
        &server,
        Operation::PasswordsAuthenticate,
        200,
        example("AuthenticatePasswordResponse", 0),
    )
    .await;
    let auth = client_for(&server)
        .passwords()
        .authenticate(EMAIL, PASSWORD)
        .session_jwt("existing.session.jwt")
        .session_duration_minutes(30)
        .await
        .unwrap();
    assert!(!auth.session_token.is_empty());
    assert_eq!(
        bodies(&server).await,
        [json!({
            "email": EMAIL,
            "password": PASSWORD,
            "session_jwt": "existing.session.jwt",
            "session_duration_minutes": 30,
        })]
    );
}

#[tokio::test]
async fn strength_check_decodes_score_and_feedback() {
    let server = MockServer::start().await;
    answer(
        &server,
        Operation::PasswordsStrengthCheck,
        200,
        example("PasswordStrengthCheckResponse", 0),
    )
    .await;
    let checked = client_for(&server)
        .passwords()
        .strength_check("password1")
        .email(EMAIL)
        .await
        .unwrap();
    assert!(!checked.valid_password);
    assert_eq!(checked.score, 1);
    let feedback = checked.feedback.unwrap();
    assert!(!feedback.suggestions.is_empty());
    assert_eq!(feedback.luds_requirements.unwrap().missing_complexity, 2);
    assert_eq!(
        bodies(&server).await,
        [json!({"password": "password1", "email": EMAIL})]
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_sending_without_echoing_the_password() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let field = |error: Error| match error {
        Error::InvalidRequest { field, reason } => {
            assert!(!reason.contains(PASSWORD));
            field
        }
        other => panic!("expected InvalidRequest, got {other:?}"),
    };
    let p = client.passwords();
    assert_eq!(
        field(p.create("no-at-sign", PASSWORD).await.unwrap_err()),
        "email"
    );
    assert_eq!(field(p.create(EMAIL, "").await.unwrap_err()), "password");
    let long_session = p.create(EMAIL, PASSWORD).session_duration_minutes(4);
    assert_eq!(
        field(long_session.await.unwrap_err()),
        "session_duration_minutes"
    );
    assert_eq!(
        field(p.authenticate("", PASSWORD).await.unwrap_err()),
        "email"
    );
    assert_eq!(
        field(p.authenticate(EMAIL, "").await.unwrap_err()),
        "password"
    );
    let bad_email = p.strength_check(PASSWORD).email("a b@c");
    assert_eq!(field(bad_email.await.unwrap_err()), "email");
    assert_eq!(field(p.strength_check("").await.unwrap_err()), "password");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_an_api_error_sent_once_and_strength_checks_are_retried() {
    let server = MockServer::start().await;
    Mock::given(path(Operation::PasswordsAuthenticate.path()))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(stytch_error(401, "unauthorized_credentials")),
        )
        .mount(&server)
        .await;
    Mock::given(path(Operation::PasswordsCreate.path()))
        .respond_with(ResponseTemplate::new(503).set_body_json(stytch_error(503, "unavailable")))
        .mount(&server)
        .await;
    Mock::given(path(Operation::PasswordsStrengthCheck.path()))
        .and(body_partial_json(json!({"password": PASSWORD})))
        .respond_with(ResponseTemplate::new(503).set_body_json(stytch_error(503, "unavailable")))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    answer(
        &server,
        Operation::PasswordsStrengthCheck,
        200,
        example("PasswordStrengthCheckResponse", 1),
    )
    .await;
    let client = client_for(&server);

    let wrong = client
        .passwords()
        .authenticate(EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(wrong.status(), Some(401));
    assert_eq!(wrong.kind(), "unauthorized_credentials");
    let created = client
        .passwords()
        .create(EMAIL, PASSWORD)
        .await
        .unwrap_err();
    assert!(created.is_outcome_unknown(), "{created:?}");
    let checked = client.passwords().strength_check(PASSWORD).await.unwrap();
    assert!(checked.valid_password);

    let sent: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_owned())
        .collect();
    let count = |op: Operation| sent.iter().filter(|p| *p == op.path()).count();
    assert_eq!(count(Operation::PasswordsAuthenticate), 1);
    assert_eq!(
        count(Operation::PasswordsCreate),
        1,
        "a 503 on create is not retried"
    );
    assert_eq!(
        count(Operation::PasswordsStrengthCheck),
        3,
        "a read is retried"
    );
}

#[tokio::test]
async fn the_password_appears_in_no_log_span_debug_or_display_at_trace() {
    let (captured, _guard) = Captured::install(tracing::Level::TRACE, FmtSpan::FULL);

    let ok = MockServer::start().await;
    answer(
        &ok,
        Operation::PasswordsCreate,
        200,
        example("CreatePasswordResponse", 0),
    )
    .await;
    answer(
        &ok,
        Operation::PasswordsAuthenticate,
        200,
        example("AuthenticatePasswordResponse", 0),
    )
    .await;
    answer(
        &ok,
        Operation::PasswordsStrengthCheck,
        200,
        example("PasswordStrengthCheckResponse", 0),
    )
    .await;
    let failing = MockServer::start().await;
    answer(
        &failing,
        Operation::PasswordsCreate,
        400,
        stytch_error(400, "weak_password"),
    )
    .await;
    answer(
        &failing,
        Operation::PasswordsAuthenticate,
        401,
        stytch_error(401, "unauthorized_credentials"),
    )
    .await;
    // A 200 whose body is cut: the decode error keeps a snippet of it.
    Mock::given(path(Operation::PasswordsStrengthCheck.path()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("{\"valid_password\": tr", "application/json"),
        )
        .mount(&failing)
        .await;

    let mut shown = String::new();
    for server in [&ok, &failing] {
        let client = client_for(server);
        macro_rules! show {
            ($call:expr) => {
                match $call.await {
                    Ok(response) => shown += &format!("{response:?}\n{response:#?}\n"),
                    Err(error) => shown += &format!("{error:?}\n{error}\n"),
                }
            };
        }
        show!(client
            .passwords()
            .create(EMAIL, PASSWORD)
            .session_duration_minutes(60));
        show!(client
            .passwords()
            .authenticate(EMAIL, PASSWORD)
            .session_token("existing-session-token"));
        show!(client.passwords().strength_check(PASSWORD).email(EMAIL));
    }
    let request = stytch_totp::models::AuthenticatePasswordRequest {
        email: EMAIL.into(),
        password: PASSWORD.into(),
        session_duration_minutes: None,
        session_token: None,
        session_jwt: None,
        session_custom_claims: Default::default(),
        telemetry_id: None,
    };
    shown += &format!("{request:?}\n");

    let logs = captured.text();
    for expected in [
        Operation::PasswordsCreate.span_name(),
        Operation::PasswordsStrengthCheck.span_name(),
        "weak_password",
        "unauthorized_credentials",
        REQUEST_ID,
    ] {
        assert!(
            logs.contains(expected) || shown.contains(expected),
            "capture lacks {expected}"
        );
    }
    assert!(shown.contains("[REDACTED]"));
    let auth = example("AuthenticatePasswordResponse", 0);
    for secret in [
        PASSWORD,
        "existing-session-token",
        auth["session_token"].as_str().unwrap(),
        auth["session_jwt"].as_str().unwrap(),
    ] {
        assert!(!logs.contains(secret), "{secret:?} found in logs");
        assert!(!shown.contains(secret), "{secret:?} found in Debug/Display");
    }
}

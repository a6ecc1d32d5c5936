//! No secret reaches logs, spans, `Debug` or `Display`, on success or error, at TRACE level.

use base64::Engine;
use serde_json::Value;
use stytch_totp::Operation;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// How many characters of the TOTP secret the broken body keeps.
const BROKEN_AFTER: usize = 12;

/// Every secret value the fixtures and calls below contain.
fn secrets() -> Vec<String> {
    let mut all = vec![
        SECRET.to_string(),
        base64::engine::general_purpose::STANDARD.encode(format!("{PROJECT_ID}:{SECRET}")),
        "918273".into(), // the TOTP code sent
        "existing-session-token".into(),
    ];
    let create = example("CreateTotpResponse", 0);
    let secret = create["secret"].as_str().unwrap();
    all.push(secret.into());
    // The broken body below ends 12 characters into the secret: not even the start of it
    // may show (the full value alone would not catch a leaked prefix).
    all.push(secret[..BROKEN_AFTER].into());
    all.push(secret[..6].into());
    all.push("iVBORw0KGgo".into()); // QR PNG data
    for code in create["recovery_codes"].as_array().unwrap() {
        all.push(code.as_str().unwrap().into());
    }
    let auth = example("AuthenticateTotpResponse", 0);
    all.push(auth["session_token"].as_str().unwrap().into());
    all.push(auth["session_jwt"].as_str().unwrap().into());
    all
}

async fn mount(server: &MockServer, verb: &str, route: &str, status: u16, body: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn no_secret_in_logs_spans_debug_or_display() {
    let (captured, _guard) = Captured::install(tracing::Level::TRACE, FmtSpan::FULL);

    let ok = MockServer::start().await;
    mount(
        &ok,
        "POST",
        Operation::TotpsCreate.path(),
        200,
        example("CreateTotpResponse", 0),
    )
    .await;
    mount(
        &ok,
        "POST",
        Operation::TotpsAuthenticate.path(),
        200,
        example("AuthenticateTotpResponse", 0),
    )
    .await;
    mount(
        &ok,
        "POST",
        Operation::TotpsRecoveryCodes.path(),
        200,
        example("TotpRecoveryCodesResponse", 0),
    )
    .await;
    mount(
        &ok,
        "POST",
        Operation::TotpsRecover.path(),
        200,
        example("RecoverTotpResponse", 0),
    )
    .await;
    mount(
        &ok,
        "POST",
        Operation::UsersCreate.path(),
        200,
        example("CreateUserResponse", 0),
    )
    .await;
    mount(
        &ok,
        "GET",
        &Operation::UsersGet.path_with(&[USER_ID]),
        200,
        example("GetUserResponse", 0),
    )
    .await;
    mount(
        &ok,
        "DELETE",
        &Operation::UsersDelete.path_with(&[USER_ID]),
        200,
        example("DeleteUserResponse", 0),
    )
    .await;
    mount(
        &ok,
        "DELETE",
        &Operation::UsersDeleteTotp.path_with(&[TOTP_ID]),
        200,
        example("DeleteTotpResponse", 0),
    )
    .await;

    // Errors: Stytch-shaped, and a 200 whose body is broken half-way through a secret.
    let failing = MockServer::start().await;
    let create = serde_json::to_string(&example("CreateTotpResponse", 0)).unwrap();
    let cut = create.find("BTGNX5RK").unwrap() + BROKEN_AFTER;
    Mock::given(path(Operation::TotpsCreate.path()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(&create[..cut], "application/json"))
        .mount(&failing)
        .await;
    Mock::given(path_regex("^/v1/(totps/|users)"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(stytch_error(401, "unable_to_authenticate_totp")),
        )
        .mount(&failing)
        .await;

    let mut shown = String::new();
    for server in [&ok, &failing] {
        let client = client_for(server);
        shown += &format!("{client:?}\n");
        macro_rules! show {
            ($call:expr) => {
                match $call.await {
                    Ok(response) => shown += &format!("{response:?}\n{response:#?}\n"),
                    Err(error) => shown += &format!("{error:?}\n{error}\n"),
                }
            };
        }
        show!(client.totps().create(USER_ID));
        show!(client
            .totps()
            .authenticate(USER_ID, "918273")
            .session_token("existing-session-token")
            .session_duration_minutes(60));
        show!(client.totps().recovery_codes(USER_ID));
        show!(client.totps().recover(USER_ID, "ckss-2skx-ebow"));
        show!(client.users().create());
        show!(client.users().get(USER_ID));
        show!(client.users().delete(USER_ID));
        show!(client.users().delete_totp(TOTP_ID));
    }
    let logs = captured.text();

    // The capture really contains what it should, so absence of secrets means something.
    for expected in [
        Operation::TotpsRecover.span_name(),
        Operation::UsersDeleteTotp.span_name(),
        REQUEST_ID,
        "http.response.status_code=401",
        "truncated JSON",
        // The broken body's snippet reached the capture up to the cut secret.
        "\\\"secret\\\":",
    ] {
        assert!(
            logs.contains(expected) || shown.contains(expected),
            "capture lacks {expected}"
        );
    }
    assert!(shown.contains("[REDACTED]"));
    for secret in secrets() {
        assert!(!logs.contains(&secret), "secret {secret:?} found in logs");
        assert!(
            !shown.contains(&secret),
            "secret {secret:?} found in Debug/Display output"
        );
    }
}

#[tokio::test]
async fn the_request_id_of_a_success_is_logged_at_info() {
    let server = MockServer::start().await;
    let body = example("GetUserResponse", 0);
    let request_id = body["request_id"].as_str().unwrap().to_owned();
    mount(
        &server,
        "GET",
        &Operation::UsersGet.path_with(&[USER_ID]),
        200,
        body,
    )
    .await;
    let (captured, _guard) = Captured::install(tracing::Level::INFO, FmtSpan::NONE);
    client_for(&server).users().get(USER_ID).await.unwrap();
    let logs = captured.text();
    assert!(
        logs.contains("stytch response") && logs.contains(&request_id),
        "{logs}"
    );
}

/// Request builders print their settings in `Debug`, never a code, token, JWT or secret.
#[test]
fn request_builders_redact_their_secrets_in_debug() {
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret("secret-test-builder-debug-00000000")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let (code, token, jwt) = ("246810", "token-builder-debug", "eyJ.builder.debug");
    let password = "builder-Debug-quasar-97";
    let shown = [
        format!(
            "{:?}",
            client
                .totps()
                .authenticate(USER_ID, code)
                .session_token(token)
        ),
        format!(
            "{:?}",
            client.totps().recover(USER_ID, code).session_jwt(jwt)
        ),
        format!("{:?}", client.sessions().authenticate().session_jwt(jwt)),
        format!(
            "{:?}",
            client
                .sessions()
                .revoke(stytch_totp::RevokeTarget::SessionToken(token.into()))
        ),
        format!("{:?}", client.sessions().authenticate_jwt(jwt)),
        format!("{:?}", client.users().create().email("debug@example.com")),
        format!(
            "{:?}",
            client.passwords().create("debug@example.com", password)
        ),
        format!(
            "{:?}",
            client
                .passwords()
                .authenticate("debug@example.com", password)
                .session_token(token)
        ),
        format!("{:?}", client.passwords().strength_check(password)),
    ];
    for text in shown {
        assert!(
            text.contains(USER_ID)
                || text.contains("debug@example.com")
                || text.contains("REDACTED"),
            "{text}"
        );
        for secret in [
            code,
            token,
            jwt,
            password,
            "secret-test-builder-debug-00000000",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

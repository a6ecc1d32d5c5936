//! Each endpoint: method, path, Basic auth, headers, JSON body (snapshotted), decoding.

use serde_json::{json, Value};
use stytch_totp::Operation;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// `Basic base64(project_id:secret)`.
fn basic_auth() -> String {
    use base64::Engine;
    let raw = format!("{PROJECT_ID}:{SECRET}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

async fn expect(server: &MockServer, verb: &str, route: &str, answer: Value) {
    Mock::given(method(verb))
        .and(path(route))
        .and(header("authorization", basic_auth().as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(server)
        .await;
}

/// The one request the server received: its JSON body (or null) and headers of interest.
async fn received(server: &MockServer) -> Value {
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "exactly one request expected");
    let request = &requests[0];
    let user_agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
    assert!(user_agent.starts_with("stytch-totp-rust/"), "{user_agent}");
    if request.body.is_empty() {
        Value::Null
    } else {
        let content_type = request
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(content_type, "application/json");
        serde_json::from_slice(&request.body).unwrap()
    }
}

#[tokio::test]
async fn totps_create() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::TotpsCreate.path(),
        example("CreateTotpResponse", 0),
    )
    .await;
    let created = client_for(&server)
        .totps()
        .create(USER_ID)
        .expiration_minutes(60)
        .await
        .unwrap();
    assert_eq!(created.totp_id, TOTP_ID);
    assert_eq!(created.recovery_codes.len(), 10);
    assert_eq!(
        created.secret.expose_secret(),
        "BTGNX5RKJRMQWQFRQKTG34JCF6XDRHZS"
    );
    insta::assert_json_snapshot!("totps_create_body", received(&server).await);
}

#[tokio::test]
async fn totps_authenticate_with_session() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::TotpsAuthenticate.path(),
        example("AuthenticateTotpResponse", 0),
    )
    .await;
    let claims = json!({"tier": "gold"}).as_object().unwrap().clone();
    let auth = client_for(&server)
        .totps()
        .authenticate(USER_ID, "123456")
        .session_duration_minutes(60)
        .session_custom_claims(claims)
        .await
        .unwrap();
    assert_eq!(
        auth.session.unwrap().authentication_factors[0].type_,
        "totp"
    );
    assert!(!auth.session_token.is_empty());
    insta::assert_json_snapshot!("totps_authenticate_body", received(&server).await);
}

#[tokio::test]
async fn totps_authenticate_without_session_gets_empty_tokens() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::TotpsAuthenticate.path(),
        example("AuthenticateTotpResponse", 1),
    )
    .await;
    let auth = client_for(&server)
        .totps()
        .authenticate(USER_ID, "000000")
        .await
        .unwrap();
    assert!(auth.session.is_none() && auth.session_token.is_empty() && auth.session_jwt.is_empty());
    assert_eq!(
        received(&server).await,
        json!({"user_id": USER_ID, "totp_code": "000000"})
    );
}

#[tokio::test]
async fn totps_recovery_codes() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::TotpsRecoveryCodes.path(),
        example("TotpRecoveryCodesResponse", 0),
    )
    .await;
    let listed = client_for(&server)
        .totps()
        .recovery_codes(USER_ID)
        .await
        .unwrap();
    assert_eq!(listed.totps[0].recovery_codes.len(), 10);
    insta::assert_json_snapshot!("totps_recovery_codes_body", received(&server).await);
}

#[tokio::test]
async fn totps_recover() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::TotpsRecover.path(),
        example("RecoverTotpResponse", 0),
    )
    .await;
    let session_token = "existing-session-token";
    let recovered = client_for(&server)
        .totps()
        .recover(USER_ID, "ckss-2skx-ebow")
        .session_token(session_token)
        .session_duration_minutes(30)
        .await
        .unwrap();
    assert_eq!(recovered.totp_id, TOTP_ID);
    insta::assert_json_snapshot!("totps_recover_body", received(&server).await);
}

#[tokio::test]
async fn users_create() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        Operation::UsersCreate.path(),
        example("CreateUserResponse", 0),
    )
    .await;
    let created = client_for(&server)
        .users()
        .create()
        .email("jane.doe@example.com")
        .name("Jane", "Doe")
        .await
        .unwrap();
    assert_eq!(created.user_id, USER_ID);
    insta::assert_json_snapshot!("users_create_body", received(&server).await);
}

#[tokio::test]
async fn users_get_encodes_the_id_in_the_path() {
    // `/`, space, `%`, `?` and `\` are encoded, `|` (allowed in external ids) is not; a
    // path built by hand with `Operation::path_with` is the one the client sends.
    let id = "crm/42 x|y%?\\";
    let sent = Operation::UsersGet
        .path()
        .replace("{user_id}", "crm%2F42%20x|y%25%3F%5C");
    assert_eq!(Operation::UsersGet.path_with(&[id]), sent);
    let server = MockServer::start().await;
    expect(&server, "GET", &sent, example("GetUserResponse", 0)).await;
    let user = client_for(&server).users().get(id).await.unwrap();
    assert_eq!(user.user_id, USER_ID);
    assert_eq!(received(&server).await, Value::Null, "GET sends no body");
}

#[tokio::test]
async fn users_delete() {
    let server = MockServer::start().await;
    let route = Operation::UsersDelete.path_with(&[USER_ID]);
    expect(&server, "DELETE", &route, example("DeleteUserResponse", 0)).await;
    let deleted = client_for(&server).users().delete(USER_ID).await.unwrap();
    assert_eq!(deleted.user_id, USER_ID);
    assert_eq!(received(&server).await, Value::Null);
}

#[tokio::test]
async fn users_delete_totp() {
    let server = MockServer::start().await;
    let route = Operation::UsersDeleteTotp.path_with(&[TOTP_ID]);
    expect(&server, "DELETE", &route, example("DeleteTotpResponse", 0)).await;
    let deleted = client_for(&server)
        .users()
        .delete_totp(TOTP_ID)
        .await
        .unwrap();
    assert!(deleted.user.totps.is_empty());
    assert_eq!(received(&server).await, Value::Null);
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    expect(
        &server,
        "POST",
        &format!("/stytch{}", Operation::TotpsRecoveryCodes.path()),
        example("TotpRecoveryCodesResponse", 0),
    )
    .await;
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(format!("{}/stytch", server.uri()))
        .build()
        .unwrap();
    client.totps().recovery_codes(USER_ID).await.unwrap();
}

#[tokio::test]
async fn invalid_input_fails_before_anything_is_sent() {
    let server = MockServer::start().await;
    let client = client_for(&server);
    let cases = [
        client
            .totps()
            .create(USER_ID)
            .expiration_minutes(0)
            .await
            .unwrap_err(),
        client
            .totps()
            .create(USER_ID)
            .expiration_minutes(1441)
            .await
            .unwrap_err(),
        client.totps().create("").await.unwrap_err(),
        client
            .totps()
            .authenticate(USER_ID, "12345")
            .await
            .unwrap_err(),
        client
            .totps()
            .authenticate(USER_ID, "abcdef")
            .await
            .unwrap_err(),
        client
            .totps()
            .authenticate(USER_ID, "123456")
            .session_duration_minutes(4)
            .await
            .unwrap_err(),
        client.totps().recover(USER_ID, " ").await.unwrap_err(),
        client.totps().recovery_codes("  ").await.unwrap_err(),
        client.users().get("").await.unwrap_err(),
        client.users().delete_totp("").await.unwrap_err(),
        client
            .users()
            .create()
            .external_id("crm 42")
            .await
            .unwrap_err(),
    ];
    let fields: Vec<&str> = cases
        .iter()
        .map(|e| match e {
            stytch_totp::Error::InvalidRequest { field, .. } => *field,
            other => panic!("expected InvalidRequest, got {other:?}"),
        })
        .collect();
    assert_eq!(
        fields,
        [
            "expiration_minutes",
            "expiration_minutes",
            "user_id",
            "totp_code",
            "totp_code",
            "session_duration_minutes",
            "recovery_code",
            "user_id",
            "user_id",
            "totp_id",
            "external_id"
        ]
    );
    assert_eq!(
        cases[0].to_string(),
        "invalid request: expiration_minutes must be between 5 and 1440, got 0 (nothing was sent)"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent"
    );
}

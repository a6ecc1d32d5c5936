//! The service linked as a user links it, against Stytch's responses served by wiremock (no
//! emulator in this process): nothing panics, every call succeeds, and no crate installed a
//! process-wide rustls provider.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine;
use serde_json::{json, Value};
use stytch_totp::{Client, Operation};
use stytch_totp_linked_service::Service;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";
const KID: &str = "jwk-test-fixture-1";
const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../crates/stytch-totp/tests/client/fixtures"
);
#[path = "../../../crates/stytch-totp-models/tests/support/spec_files.rs"]
mod spec_files;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}/{name}")).unwrap()
}

/// A Stytch-shaped session JWT issued `age` seconds ago, signed with the test key.
fn session_jwt(age: u64) -> String {
    let iat = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - age;
    let claims = json!({
        "sub": USER_ID, "iss": format!("stytch.com/{PROJECT_ID}"), "aud": [PROJECT_ID],
        "iat": iat, "nbf": iat, "exp": iat + 300,
        "https://stytch.com/session": {
            "id": "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
            "started_at": "2026-03-02T16:45:12Z", "last_accessed_at": "2026-03-02T16:45:12Z",
            "expires_at": "2026-03-02T17:45:12Z", "attributes": {}, "authentication_factors": []
        }
    });
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": KID});
    let signed = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let pem = fixture("jwt_signing_key.pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap();
    let key = RsaKeyPair::from_pkcs8(&der).unwrap();
    let mut signature = vec![0; key.public_modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signed.as_bytes(),
        &mut signature,
    )
    .unwrap();
    format!("{signed}.{}", B64.encode(signature))
}

async fn stytch() -> MockServer {
    let server = MockServer::start().await;
    let jwks: Value = serde_json::from_str(&fixture("jwks.json")).unwrap();
    Mock::given(method("GET"))
        .and(path(Operation::SessionsGetJwks.path_with(&[PROJECT_ID])))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks))
        .expect(1)
        .mount(&server)
        .await;
    let answer = spec_files::example("AuthenticateSessionResponse", 0);
    Mock::given(method("POST"))
        .and(path(Operation::SessionsAuthenticate.path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hooks/login"))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_linked_like_a_users_runs_without_provider_setup() {
    let server = stytch().await;
    let client = Client::builder()
        .project_id(PROJECT_ID)
        .secret("secret-test-xxxxxxxxxxxxxxxx")
        .base_url(server.uri())
        .build()
        .unwrap();
    let service = Service::new(client);
    let hook = format!("{}/hooks/login", server.uri());

    let fresh = service.user_of(&session_jwt(5)).await.unwrap();
    assert_eq!(fresh.id, USER_ID);
    assert_eq!(fresh.kid.as_deref(), Some(KID));
    assert!(!fresh.asked_stytch, "verified locally");
    service.notify(&hook, &fresh).await.unwrap();

    let expired = service.user_of(&session_jwt(600)).await.unwrap();
    assert!(
        expired.asked_stytch,
        "an expired JWT is checked with Stytch"
    );
    service.notify(&hook, &expired).await.unwrap();

    // An HTTPS client builds too (TLS set up, nothing sent): no provider was needed.
    reqwest::Client::builder().https_only(true).build().unwrap();
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "no crate installed a process-wide rustls provider"
    );
}

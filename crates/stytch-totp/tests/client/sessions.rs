//! Sessions: the four endpoints, and local JWT verification against a JWKS served by wiremock
//! with JWTs signed here by a test-only RSA key (tests/client/fixtures, never used elsewhere).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::Engine;
use serde_json::{json, Value};
use stytch_totp::{Checked, Error, JwtRejection, Operation};
use wiremock::matchers::{body_json, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::common::*;

pub(crate) const KID: &str = "jwk-test-fixture-1";
const SESSION_ID: &str = "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509";
pub(crate) const KEY: &[u8] = include_bytes!("fixtures/jwt_signing_key.pem");
const OTHER_KEY: &[u8] = include_bytes!("fixtures/other_signing_key.pem");

pub(crate) fn jwks() -> Value {
    serde_json::from_str(include_str!("fixtures/jwks.json")).unwrap()
}

/// Now in seconds, following tokio's clock as the client does (tests jump it forward).
pub(crate) fn now() -> i64 {
    let ahead = tokio::time::Instant::now()
        .into_std()
        .saturating_duration_since(std::time::Instant::now());
    (SystemTime::now() + ahead)
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Stytch-shaped claims issued `age` seconds ago, for this project unless `project` differs.
pub(crate) fn claims(age: i64, project: &str) -> Value {
    let iat = now() - age;
    json!({
        "sub": USER_ID,
        "iss": format!("stytch.com/{project}"),
        "aud": [project],
        "iat": iat,
        "nbf": iat,
        "exp": iat + 300,
        "https://stytch.com/session": {
            "id": SESSION_ID,
            "started_at": "2026-03-02T16:45:12Z",
            "last_accessed_at": "2026-03-02T16:45:12Z",
            "expires_at": "2026-03-02T17:45:12Z",
            "attributes": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0"},
            "authentication_factors": [{
                "type": "totp",
                "delivery_method": "authenticator_app",
                "last_authenticated_at": "2026-03-02T16:45:12Z",
                "authenticator_app_factor": {"totp_id": TOTP_ID}
            }]
        },
        "tier": "gold"
    })
}

/// An RS256 JWT of `claims` under `kid`, signed with aws-lc-rs (no JOSE crate: the client
/// must verify what any correct signer makes).
pub(crate) fn sign_with(key_pem: &[u8], kid: &str, claims: &Value) -> String {
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": kid});
    let signed = unsigned(&header, claims);
    let key = RsaKeyPair::from_pkcs8(&pem_der(key_pem)).unwrap();
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

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// `header.payload`, base64url-encoded.
fn unsigned(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    )
}

/// The DER inside a PEM block.
fn pem_der(pem: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(pem).unwrap();
    let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

pub(crate) fn sign(claims: &Value) -> String {
    sign_with(KEY, KID, claims)
}

pub(crate) async fn serve_jwks(server: &MockServer, expected_fetches: u64) {
    Mock::given(method("GET"))
        .and(path(Operation::SessionsGetJwks.path_with(&[PROJECT_ID])))
        .respond_with(ResponseTemplate::new(200).set_body_json(jwks()))
        .expect(expected_fetches)
        .mount(server)
        .await;
}

/// Fails the test (on drop) if anything but the JWKS is requested.
async fn nothing_else(server: &MockServer) {
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_valid_jwt_is_verified_locally_without_a_request_per_call() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    nothing_else(&server).await;
    let client = client_for(&server);
    let jwt = sign(&claims(10, PROJECT_ID));
    for _ in 0..5 {
        let verified = client
            .sessions()
            .authenticate_jwt(jwt.clone())
            .await
            .unwrap();
        assert!(matches!(verified.checked, Checked::Locally));
        assert_eq!(verified.user_id, USER_ID);
        assert_eq!(verified.session.id, SESSION_ID);
        assert_eq!(verified.session.authentication_factors[0].type_, "totp");
        assert_eq!(
            verified.session.expires_at - verified.session.started_at,
            stytch_totp::models::chrono::TimeDelta::hours(1),
            "typed times from the claim"
        );
        assert_eq!(
            verified.custom_claims,
            json!({"tier": "gold"}).as_object().unwrap().clone()
        );
    }
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "one JWKS fetch, nothing else"
    );
}

#[tokio::test]
async fn an_expired_or_too_old_jwt_is_checked_with_stytch_and_refreshed() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    let expired = sign(&claims(400, PROJECT_ID));
    let old = sign(&claims(120, PROJECT_ID));
    let answer = example("AuthenticateSessionResponse", 0);
    for jwt in [&expired, &old] {
        Mock::given(method("POST"))
            .and(path(Operation::SessionsAuthenticate.path()))
            .and(body_json(json!({"session_jwt": jwt})))
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server);

    let verified = client.sessions().authenticate_jwt(expired).await.unwrap();
    let Checked::Remotely(fresh) = &verified.checked else {
        panic!("an expired JWT must be checked with Stytch: {verified:?}");
    };
    assert_eq!(fresh.session_jwt.expose_secret(), answer["session_jwt"]);
    assert_eq!(verified.session.id, SESSION_ID);
    assert_eq!(verified.custom_claims["tier"], "gold");

    let young_enough = client
        .sessions()
        .authenticate_jwt(old.clone())
        .max_token_age(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(matches!(young_enough.checked, Checked::Locally));
    let too_old = client
        .sessions()
        .authenticate_jwt(old)
        .max_token_age(Duration::from_secs(60))
        .await
        .unwrap();
    assert!(matches!(too_old.checked, Checked::Remotely(_)));
}

#[tokio::test]
async fn forged_jwts_are_refused_without_asking_stytch() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    nothing_else(&server).await;
    let client = client_for(&server);
    let other_project = "project-test-99999999-9999-9999-9999-999999999999";
    let mut foreign_audience = claims(0, PROJECT_ID);
    foreign_audience["aud"] = json!([other_project]);
    let hs256 = format!(
        "{}.{}",
        unsigned(
            &json!({"alg": "HS256", "typ": "JWT", "kid": KID}),
            &claims(0, PROJECT_ID)
        ),
        B64.encode(b"a MAC under a guessable secret")
    );
    let mut forged_tail = sign(&claims(0, PROJECT_ID));
    forged_tail.truncate(forged_tail.len() - 4);
    forged_tail.push_str("AAAA");
    let cases = [
        (
            sign_with(OTHER_KEY, KID, &claims(0, PROJECT_ID)),
            JwtRejection::BadSignature,
        ),
        (forged_tail, JwtRejection::BadSignature),
        (sign(&foreign_audience), JwtRejection::WrongAudience),
        (sign(&claims(0, other_project)), JwtRejection::WrongAudience),
        (hs256, JwtRejection::UnsupportedAlgorithm),
        ("not.a.jwt".to_owned(), JwtRejection::Malformed),
        ("a.b.c.d".to_owned(), JwtRejection::Malformed),
    ];
    // A flood: each case many times, still only the one JWKS fetch (checked on drop).
    for _ in 0..20 {
        for (jwt, expected) in &cases {
            let err = client
                .sessions()
                .authenticate_jwt(jwt.clone())
                .await
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidSessionJwt(r) if r == *expected),
                "{expected:?}: {err:?}"
            );
            assert!(
                !err.to_string().contains(jwt.as_str()),
                "the error must not quote the JWT"
            );
            assert_eq!(err.kind(), "invalid_session_jwt");
        }
    }
}

#[tokio::test]
async fn genuine_jwts_the_local_check_cannot_accept_are_checked_with_stytch() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    let other_project = "project-test-99999999-9999-9999-9999-999999999999";
    let mut premature = claims(0, PROJECT_ID);
    premature["nbf"] = json!(now() + 120);
    let mut custom_domain = claims(0, PROJECT_ID);
    custom_domain["iss"] = json!("https://login.example.com");
    let mut foreign_issuer = claims(0, PROJECT_ID);
    foreign_issuer["iss"] = json!(format!("stytch.com/{other_project}"));
    let mut no_session = claims(0, PROJECT_ID);
    no_session
        .as_object_mut()
        .unwrap()
        .remove("https://stytch.com/session");
    let answer = example("AuthenticateSessionResponse", 0);
    let jwts = [premature, custom_domain, foreign_issuer, no_session].map(|c| sign(&c));
    for jwt in &jwts {
        Mock::given(method("POST"))
            .and(path(Operation::SessionsAuthenticate.path()))
            .and(body_json(json!({"session_jwt": jwt})))
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .expect(1)
            .mount(&server)
            .await;
    }
    let client = client_for(&server);
    for jwt in jwts {
        let verified = client.sessions().authenticate_jwt(jwt).await.unwrap();
        assert!(
            matches!(verified.checked, Checked::Remotely(_)),
            "{verified:?}"
        );
    }
}

#[tokio::test]
async fn a_configured_custom_domain_issuer_is_accepted_locally() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    nothing_else(&server).await;
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .session_jwt_issuer("https://login.example.com")
        .build()
        .unwrap();
    let mut custom_domain = claims(0, PROJECT_ID);
    custom_domain["iss"] = json!("https://login.example.com");
    let mut base_url = claims(0, PROJECT_ID);
    base_url["iss"] = json!(server.uri().trim_end_matches('/'));
    for jwt in [sign(&custom_domain), sign(&base_url)] {
        let verified = client.sessions().authenticate_jwt(jwt).await.unwrap();
        assert!(matches!(verified.checked, Checked::Locally), "{verified:?}");
    }
}

#[tokio::test]
async fn concurrent_verifications_share_one_jwks_fetch() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(Operation::SessionsGetJwks.path_with(&[PROJECT_ID])))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(jwks())
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server);
    let jwt = sign(&claims(0, PROJECT_ID));
    let checks = (0..50).map(|_| {
        let (client, jwt) = (client.clone(), jwt.clone());
        tokio::spawn(async move { client.sessions().authenticate_jwt(jwt).await })
    });
    for check in futures_join(checks).await {
        assert!(matches!(check.unwrap().checked, Checked::Locally));
    }
}

async fn futures_join<T>(handles: impl Iterator<Item = tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for handle in handles.collect::<Vec<_>>() {
        out.push(handle.await.unwrap());
    }
    out
}

#[tokio::test]
async fn endpoints_send_what_stytch_expects() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(Operation::SessionsAuthenticate.path()))
        .and(body_json(
            json!({"session_token": "tok-1", "session_duration_minutes": 60}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(example("AuthenticateSessionResponse", 0)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(Operation::SessionsRevoke.path()))
        .and(body_json(json!({"session_id": SESSION_ID})))
        .respond_with(ResponseTemplate::new(200).set_body_json(example("RevokeSessionResponse", 0)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(Operation::SessionsGet.path()))
        .and(query_param("user_id", USER_ID))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_json(example("GetSessionsResponse", 0)))
        .expect(1)
        .mount(&server)
        .await;
    serve_jwks(&server, 1).await;
    let client = client_for(&server);

    let auth = client
        .sessions()
        .authenticate()
        .session_token("tok-1")
        .session_duration_minutes(60)
        .await
        .unwrap();
    assert_eq!(auth.session.session_id, SESSION_ID);
    client
        .sessions()
        .revoke(stytch_totp::RevokeTarget::SessionId(SESSION_ID.into()))
        .await
        .unwrap();
    let listed = client.sessions().get(USER_ID).await.unwrap();
    assert_eq!(listed.sessions.len(), 1);
    let keys = client.sessions().jwks().await.unwrap();
    assert_eq!(keys.keys[0].kid, KID);

    let requests = server.received_requests().await.unwrap();
    let jwks_request: &Request = requests
        .iter()
        .find(|r| r.url.path().contains("/jwks/"))
        .unwrap();
    assert!(
        !jwks_request.headers.contains_key("authorization"),
        "JWKS is fetched without credentials"
    );
}

#[tokio::test]
async fn ambiguous_or_missing_session_arguments_are_refused_before_sending() {
    let server = MockServer::start().await;
    nothing_else(&server).await;
    let client = client_for(&server);
    let both = client
        .sessions()
        .authenticate()
        .session_token("tok")
        .session_jwt("jwt")
        .await
        .unwrap_err();
    assert!(
        matches!(&both, Error::InvalidRequest { field, .. } if *field == "session_token/session_jwt"),
        "{both}"
    );
    assert!(both.to_string().contains("more than once"), "{both}");
    let neither = client.sessions().authenticate().await.unwrap_err();
    assert!(neither.to_string().contains("is missing"), "{neither}");
    let out_of_range = client
        .sessions()
        .authenticate()
        .session_token("tok")
        .session_duration_minutes(1)
        .await
        .unwrap_err();
    assert!(
        matches!(
            out_of_range,
            Error::InvalidRequest {
                field: "session_duration_minutes",
                ..
            }
        ),
        "{out_of_range}"
    );
    // None or two targets cannot be written; an empty id is refused before sending.
    assert!(matches!(
        client
            .sessions()
            .revoke(stytch_totp::RevokeTarget::SessionId(String::new()))
            .await
            .unwrap_err(),
        Error::InvalidRequest {
            field: "session_id",
            ..
        }
    ));
    assert!(matches!(
        client.sessions().get("").await.unwrap_err(),
        Error::InvalidRequest {
            field: "user_id",
            ..
        }
    ));
}

/// `leeway` tolerates a clock skew on `exp`: a JWT 10 s past its `exp` verifies locally with
/// 30 s of leeway, and without leeway is checked with Stytch.
#[tokio::test]
async fn leeway_tolerates_a_just_expired_jwt() {
    let server = MockServer::start().await;
    serve_jwks(&server, 1).await;
    let just_expired = sign(&claims(310, PROJECT_ID));
    Mock::given(method("POST"))
        .and(path(Operation::SessionsAuthenticate.path()))
        .and(body_json(json!({"session_jwt": just_expired})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(example("AuthenticateSessionResponse", 0)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client_for(&server);

    let tolerated = client
        .sessions()
        .authenticate_jwt(just_expired.clone())
        .max_token_age(Duration::from_secs(600))
        .leeway(Duration::from_secs(30))
        .await
        .unwrap();
    assert!(
        matches!(tolerated.checked, Checked::Locally),
        "{tolerated:?}"
    );
    let strict = client
        .sessions()
        .authenticate_jwt(just_expired)
        .max_token_age(Duration::from_secs(600))
        .await
        .unwrap();
    assert!(matches!(strict.checked, Checked::Remotely(_)), "{strict:?}");
}

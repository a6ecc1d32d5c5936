//! Sessions as Stytch has them: RS256 JWTs verifiable from the JWKS alone, authenticate,
//! revoke, list, expiry on the emulator clock, custom claims and the argument rules.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{Emulator, EmulatorConfig, Operation};

async fn count_sessions(api: &Api<'_>, user_id: &str) -> usize {
    let reply = api
        .call(
            Method::GET,
            &format!("{}?user_id={user_id}", Operation::SessionsGet.path()),
            None,
        )
        .await;
    reply.ok()["sessions"].as_array().unwrap().len()
}

#[tokio::test]
async fn jwt_verifies_with_a_generic_library_given_only_the_jwks_url() {
    // The system clock, so that the library's own exp/nbf checks apply unchanged.
    let emu = Emulator::start_with(EmulatorConfig::default().with_signing_key(shared_key()))
        .await
        .unwrap();
    let api = Api::new(&emu);
    let (user_id, body) = api
        .user_with_session(
            "jwks@example.com",
            60,
            json!({ "plan": "pro", "org": {"id": 7} }),
        )
        .await;
    let jwt = jwt_of(&body);

    // What a JWKS fetcher does: a plain GET, no credentials.
    let resp = reqwest::get(emu.jwks_url()).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let jwks: Value = resp.json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["alg"], "RS256");
    assert_eq!(key["kid"], emu.key_id());
    assert_eq!(key["e"], "AQAB");
    assert_eq!(key["key_ops"], json!(["verify"]));
    let set: JwkSet = serde_json::from_value(jwks.clone()).unwrap();

    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    let jwk = set
        .find(header.kid.as_deref().unwrap())
        .expect("kid is in the JWKS");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[emu.project_id()]);
    validation.set_issuer(&[format!("stytch.com/{}", emu.project_id())]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub", "aud", "iss"]);
    validation.validate_nbf = true;
    let claims =
        jsonwebtoken::decode::<Value>(&jwt, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
            .unwrap()
            .claims;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["aud"], json!([emu.project_id()]));
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        300
    );
    assert_eq!(claims["nbf"], claims["iat"]);
    assert_eq!(claims["plan"], "pro");
    assert_eq!(claims["org"]["id"], 7);
    let session = &claims["https://stytch.com/session"];
    assert_eq!(session["id"], body["session"]["session_id"]);
    for field in ["started_at", "last_accessed_at", "expires_at"] {
        assert_eq!(session[field], body["session"][field], "{field}");
    }
    assert_eq!(session["authentication_factors"][0]["type"], "totp");
    // Stytch's SDKs read the roles from the claim (the Python SDK requires them).
    assert_eq!(session["roles"], json!(["stytch_user"]));
    assert!(session.get("attributes").is_some());

    // Another project's audience is refused by the same library.
    let mut other = validation.clone();
    other.set_audience(&["project-test-someone-else"]);
    assert!(
        jsonwebtoken::decode::<Value>(&jwt, &DecodingKey::from_jwk(jwk).unwrap(), &other).is_err()
    );
}

#[tokio::test]
async fn jwks_needs_no_credentials_and_only_serves_its_project() {
    let emu = start_fixed().await;
    let http = reqwest::Client::new();
    let other = http
        .get(format!(
            "{}{}",
            emu.base_url(),
            Operation::SessionsGetJwks.path_with(&["project-test-other"])
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let body: Value = other.json().await.unwrap();
    assert_eq!(
        assert_error_shape(StatusCode::NOT_FOUND, &body)
            .error_type
            .as_str(),
        "project_not_found"
    );
    // With credentials it works too, and other session routes still need them.
    let api = Api::new(&emu);
    let reply = api
        .call(
            Method::GET,
            &Operation::SessionsGetJwks.path_with(&[emu.project_id()]),
            None,
        )
        .await;
    assert_eq!(reply.ok()["keys"][0]["kid"], emu.key_id());
    let resp = http
        .get(format!(
            "{}{}?user_id=x",
            emu.base_url(),
            Operation::SessionsGet.path()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn authenticate_refreshes_an_expired_jwt_of_a_live_session() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let (user_id, body) = api
        .user_with_session("refresh@example.com", 60, json!({}))
        .await;
    let jwt = jwt_of(&body);
    let first = claims_of(&jwt);

    // Ten minutes later the JWT is past its exp, the session is not.
    emu.advance_clock(Duration::from_secs(600));
    assert!(emu.now() > UNIX_EPOCH + Duration::from_secs(first["exp"].as_u64().unwrap()));
    let reply = api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_jwt": jwt }),
        )
        .await;
    let refreshed = reply.ok();
    let fresh = jwt_of(refreshed);
    assert_ne!(fresh, jwt);
    let claims = claims_of(&fresh);
    assert_eq!(claims["iat"], T0 + 600);
    assert_eq!(claims["exp"], T0 + 900);
    assert_eq!(
        refreshed["session"]["session_id"],
        body["session"]["session_id"]
    );
    assert_eq!(
        refreshed["session"]["last_accessed_at"],
        claims["https://stytch.com/session"]["last_accessed_at"]
    );
    assert_eq!(refreshed["session_token"], body["session_token"]);
    assert_eq!(refreshed["user"]["user_id"], user_id.as_str());
    // Without a duration the session is not extended.
    assert_eq!(
        refreshed["session"]["expires_at"],
        body["session"]["expires_at"]
    );

    // By token too, and session_duration_minutes extends from now.
    let reply = api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": token_of(&body), "session_duration_minutes": 120 }),
        )
        .await;
    let expires = reply.ok()["session"]["expires_at"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        expires,
        stytch_totp_emulator::rfc3339(emu.now() + Duration::from_secs(7200))
    );
    let reply = api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": token_of(&body), "session_duration_minutes": 4 }),
        )
        .await;
    assert_eq!(reply.error_type(), "invalid_session_duration_minutes");
}

#[tokio::test]
async fn sessions_expire_on_the_emulator_clock() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let (user_id, body) = api
        .user_with_session("expiry@example.com", 5, json!({}))
        .await;
    assert_eq!(count_sessions(&api, &user_id).await, 1);
    emu.advance_clock(Duration::from_secs(299));
    api.post(
        Operation::SessionsAuthenticate.path(),
        json!({ "session_token": token_of(&body) }),
    )
    .await
    .ok();
    emu.advance_clock(Duration::from_secs(1));
    for by in [
        json!({ "session_token": token_of(&body) }),
        json!({ "session_jwt": jwt_of(&body) }),
    ] {
        let reply = api.post(Operation::SessionsAuthenticate.path(), by).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert_eq!(reply.error_type(), "session_not_found");
    }
    assert_eq!(count_sessions(&api, &user_id).await, 0);
}

#[tokio::test]
async fn revoke_by_id_token_or_jwt_then_session_not_found() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("revoke@example.com").await;
    let (_, secret, recovery) = api.create_totp(&user_id).await;
    let mut sessions = Vec::new();
    for (i, code) in [
        code(&secret, emu.now()),
        recovery[0].clone(),
        recovery[1].clone(),
    ]
    .iter()
    .enumerate()
    {
        let path = if i == 0 {
            Operation::TotpsAuthenticate.path()
        } else {
            Operation::TotpsRecover.path()
        };
        let field = if i == 0 { "totp_code" } else { "recovery_code" };
        let reply = api
            .post(
                path,
                json!({ "user_id": user_id, field: code, "session_duration_minutes": 30 }),
            )
            .await;
        sessions.push(reply.ok().clone());
    }
    let listed = api
        .call(
            Method::GET,
            &format!("{}?user_id={user_id}", Operation::SessionsGet.path()),
            None,
        )
        .await;
    assert_eq!(listed.ok()["sessions"].as_array().unwrap().len(), 3);

    let targets = [
        json!({ "session_id": sessions[0]["session"]["session_id"] }),
        json!({ "session_token": token_of(&sessions[1]) }),
        json!({ "session_jwt": jwt_of(&sessions[2]) }),
    ];
    for (target, body) in targets.iter().zip(&sessions) {
        let reply = api
            .post(Operation::SessionsRevoke.path(), target.clone())
            .await;
        assert_eq!(reply.ok().as_object().unwrap().len(), 2, "{}", reply.body); // status_code, request_id
        let again = api
            .post(
                Operation::SessionsAuthenticate.path(),
                json!({ "session_token": token_of(body) }),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND);
        assert_eq!(again.error_type(), "session_not_found");
        let twice = api
            .post(Operation::SessionsRevoke.path(), target.clone())
            .await;
        assert_eq!(twice.error_type(), "session_not_found");
    }
    let listed = api
        .call(
            Method::GET,
            &format!("{}?user_id={user_id}", Operation::SessionsGet.path()),
            None,
        )
        .await;
    assert_eq!(listed.ok()["sessions"], json!([]));
    // A revoked session cannot be extended by a TOTP call either.
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code_in_steps(&emu, &secret, 1),
                    "session_token": token_of(&sessions[0]) }),
        )
        .await;
    assert_eq!(reply.error_type(), "session_not_found");
}

//! Sessions as Stytch has them: RS256 JWTs verifiable from the JWKS alone, authenticate,
//! revoke, list, expiry on the emulator clock, custom claims and the argument rules.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{Clock, Emulator, EmulatorConfig, Operation, SigningKey};

fn jwt_of(body: &Value) -> String {
    body["session_jwt"].as_str().unwrap().to_owned()
}

fn token_of(body: &Value) -> String {
    body["session_token"].as_str().unwrap().to_owned()
}

/// The claims of `jwt` without checking anything (to read `iat`, `exp`, ...).
fn claims_of(jwt: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode::<Value>(jwt)
        .unwrap()
        .claims
}

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

#[tokio::test]
async fn argument_rules_have_stytchs_error_types() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let (user_id, body) = api
        .user_with_session("args@example.com", 30, json!({}))
        .await;
    let (token, jwt) = (token_of(&body), jwt_of(&body));
    let cases = [
        (
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": token, "session_jwt": jwt }),
            "too_many_session_arguments",
        ),
        (
            Operation::SessionsAuthenticate.path(),
            json!({}),
            "no_session_arguments",
        ),
        (
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": "  " }),
            "no_session_arguments",
        ),
        (
            Operation::SessionsAuthenticate.path(),
            json!({ "session_jwt": "not.a.jwt" }),
            "unable_to_parse_session_jwt",
        ),
        (
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": 5 }),
            "bad_request",
        ),
        (
            Operation::SessionsRevoke.path(),
            json!({}),
            "no_session_revoke_arguments",
        ),
        (
            Operation::SessionsRevoke.path(),
            json!({ "session_id": "x", "session_token": token }),
            "too_many_session_revoke_arguments",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "123456", "session_token": token, "session_jwt": jwt }),
            "too_many_session_arguments",
        ),
    ];
    for (path, body, error_type) in cases {
        let reply = api.post(path, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert_eq!(reply.error_type(), error_type, "{path} {body}");
    }
    let reply = api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_token": "unknown" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "session_not_found");
    for query in ["", "?user_id=", "?user_id=user-test-nobody"] {
        let reply = api
            .call(
                Method::GET,
                &format!("{}{query}", Operation::SessionsGet.path()),
                None,
            )
            .await;
        let expected = match query {
            "" => "bad_request",
            "?user_id=" => "invalid_user_id",
            _ => "user_not_found",
        };
        assert_eq!(reply.error_type(), expected, "{query}");
    }
}

#[tokio::test]
async fn jwts_of_another_key_or_project_do_not_parse() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let (_, body) = api
        .user_with_session("keys@example.com", 30, json!({}))
        .await;
    // Same project id and clock, another key: its JWTs are refused here.
    let other = Emulator::start_with(fixed_config().with_signing_key(SigningKey::generate()))
        .await
        .unwrap();
    let other_api = Api::new(&other);
    let (_, foreign) = other_api
        .user_with_session("keys@example.com", 30, json!({}))
        .await;
    assert_ne!(other.key_id(), emu.key_id());
    let reply = api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_jwt": jwt_of(&foreign) }),
        )
        .await;
    assert_eq!(reply.error_type(), "unable_to_parse_session_jwt");
    // Same key, another project.
    let live = Emulator::start_with(
        fixed_config().with_credentials("project-test-another", "secret-test-another"),
    )
    .await
    .unwrap();
    assert_eq!(live.key_id(), emu.key_id(), "a pinned key keeps its id");
    let live_api = Api::new(&live);
    let reply = live_api
        .post(
            Operation::SessionsAuthenticate.path(),
            json!({ "session_jwt": jwt_of(&body) }),
        )
        .await;
    assert_eq!(reply.error_type(), "unable_to_parse_session_jwt");
    // A session of another user cannot be extended through this user's TOTP.
    let user_b = api.create_user("b@example.com").await;
    let (_, secret_b, _) = api.create_totp(&user_b).await;
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_b, "totp_code": code(&secret_b, emu.now()), "session_token": token_of(&body) }),
        )
        .await;
    assert_eq!(reply.error_type(), "user_id_mismatch");
}

#[tokio::test]
async fn custom_claims_merge_delete_and_are_limited() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let (_, body) = api
        .user_with_session(
            "claims@example.com",
            30,
            json!({ "key_1": 1, "key_2": 2, "e": {"n1": "v1", "n2": "v2"} }),
        )
        .await;
    let token = token_of(&body);
    let authenticate = |claims: Value| {
        let token = token.clone();
        let api = &api;
        async move {
            api.post(
                Operation::SessionsAuthenticate.path(),
                json!({ "session_token": token, "session_custom_claims": claims }),
            )
            .await
        }
    };
    let reply =
        authenticate(json!({ "key_1": 9, "key_2": null, "e": {"n1": null, "n3": "v3"} })).await;
    let expected = json!({ "key_1": 9, "e": {"n2": "v2", "n3": "v3"} });
    assert_eq!(reply.ok()["session"]["custom_claims"], expected);
    let claims = claims_of(&jwt_of(reply.ok()));
    assert_eq!(claims["key_1"], 9);
    assert!(claims.get("key_2").is_none());
    assert_eq!(claims["e"], expected["e"]);

    // The limit is on what the session would hold: 4 KB in total.
    let big = "x".repeat(2500);
    authenticate(json!({ "a": big })).await.ok();
    let reply = authenticate(json!({ "b": big })).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "custom_claims_too_large");
    // Nothing changed; replacing the big claim fits.
    authenticate(json!({ "a": null, "b": big })).await.ok();

    for (claims, error_type) in [
        (json!({ "sub": "me" }), "reserved_claims_in_custom_claims"),
        (json!({ "jti": "x" }), "reserved_claims_in_custom_claims"),
        (
            json!({ "https://stytch.com/session": {} }),
            "stytch_claims_in_custom_claims",
        ),
    ] {
        assert_eq!(authenticate(claims).await.error_type(), error_type);
    }
}

#[tokio::test]
async fn session_calls_are_counted_and_listed_by_external_id() {
    let emu = Emulator::start_with(
        EmulatorConfig::default()
            .with_clock(Clock::fixed(UNIX_EPOCH + Duration::from_secs(T0)))
            .with_signing_key(shared_key()),
    )
    .await
    .unwrap();
    let api = Api::new(&emu);
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "external_id": "crm-7", "email": "x@example.com" }),
        )
        .await;
    let user_id = reply.ok()["user_id"].as_str().unwrap().to_owned();
    let (_, secret, _) = api.create_totp(&user_id).await;
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": "crm-7", "totp_code": code(&secret, emu.now()), "session_duration_minutes": 10 }),
        )
        .await;
    let token = token_of(reply.ok());
    let listed = api
        .call(
            Method::GET,
            &format!("{}?user_id=crm-7", Operation::SessionsGet.path()),
            None,
        )
        .await;
    assert_eq!(listed.ok()["sessions"][0]["user_id"], user_id.as_str());
    api.post(
        Operation::SessionsAuthenticate.path(),
        json!({ "session_token": token }),
    )
    .await
    .ok();
    api.post(
        Operation::SessionsRevoke.path(),
        json!({ "session_token": token }),
    )
    .await
    .ok();
    let stats = emu.stats();
    assert_eq!(stats.applied(Operation::SessionsGet), 1);
    assert_eq!(stats.applied(Operation::SessionsAuthenticate), 1);
    assert_eq!(stats.applied(Operation::SessionsRevoke), 1);
}

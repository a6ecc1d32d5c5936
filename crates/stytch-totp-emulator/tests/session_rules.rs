//! Session rules: Stytch's argument errors, JWTs of other keys or projects, custom claims,
//! and the counters and external-id lookups of the session calls.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{Clock, Emulator, EmulatorConfig, Operation, SigningKey};

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

    // Reserved registered claims are ignored, as Stytch's OpenAPI says of
    // `session_custom_claims` ("Custom claims made with reserved claims (...) will be ignored").
    let reply = authenticate(json!({ "sub": "me", "jti": "x", "iss": "me", "plan": "pro" })).await;
    let body = reply.ok();
    assert_eq!(body["session"]["custom_claims"]["plan"], "pro");
    for reserved in ["sub", "jti", "iss"] {
        assert!(
            body["session"]["custom_claims"].get(reserved).is_none(),
            "{reserved}"
        );
    }
    let claims = claims_of(&jwt_of(body));
    assert_eq!(claims["sub"], body["session"]["user_id"]);
    assert!(claims.get("jti").is_none());
    assert_eq!(claims["iss"], format!("stytch.com/{}", emu.project_id()));
    // Stytch's own namespace is refused, with Stytch's name for a reserved claim.
    let reply = authenticate(json!({ "https://stytch.com/session": {} })).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "reserved_claims_in_custom_claims");
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

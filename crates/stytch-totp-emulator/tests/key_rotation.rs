//! Key rotation: a new key signs at once, the previous one stays published (JWKS and the
//! emulator's own JWT checks) for the grace period on the emulator clock, then is withdrawn.

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{rfc3339, Emulator, Operation, DEFAULT_SIGNING_KEY_GRACE_PERIOD};

fn kid_of(jwt: &str) -> String {
    jsonwebtoken::decode_header(jwt).unwrap().kid.unwrap()
}

async fn jwks_kids(api: &Api<'_>) -> Vec<String> {
    let reply = reqwest::get(api.emu.jwks_url()).await.unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    let body: Value = reply.json().await.unwrap();
    body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn authenticate_jwt(api: &Api<'_>, jwt: &str) -> Reply {
    api.post(
        Operation::SessionsAuthenticate.path(),
        json!({ "session_jwt": jwt }),
    )
    .await
}

#[tokio::test]
async fn the_old_key_verifies_during_the_grace_period_and_is_withdrawn_after() {
    let emu = Emulator::start_with(
        fixed_config().with_signing_key_grace_period(Duration::from_secs(120)),
    )
    .await
    .unwrap();
    let api = Api::new(&emu);
    let (_, body) = api
        .user_with_session("rotate@example.com", 60, json!({}))
        .await;
    let old_jwt = jwt_of(&body);
    let old_kid = emu.key_id();
    assert_eq!(kid_of(&old_jwt), old_kid);

    let new_kid = emu.rotate_signing_key();
    assert_ne!(new_kid, old_kid);
    assert_eq!(emu.key_id(), new_kid);
    assert_eq!(jwks_kids(&api).await, [new_kid.clone(), old_kid.clone()]);

    // During the grace period the old JWT is accepted; the fresh JWT is signed by the new key.
    emu.advance_clock(Duration::from_secs(119));
    let reply = authenticate_jwt(&api, &old_jwt).await;
    let fresh = jwt_of(reply.ok());
    assert_eq!(kid_of(&fresh), new_kid);

    // Withdrawn: gone from the JWKS, refused like any JWT the emulator cannot verify.
    emu.advance_clock(Duration::from_secs(1));
    assert_eq!(jwks_kids(&api).await, [new_kid]);
    let reply = authenticate_jwt(&api, &old_jwt).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "unable_to_parse_session_jwt");
    // JWTs of the new key keep working.
    authenticate_jwt(&api, &fresh).await.ok();
}

#[tokio::test]
async fn rotation_changes_no_other_emulators_key() {
    // Both start on the process's shared default key.
    let a = Emulator::default();
    let b = Emulator::default();
    assert_eq!(a.key_id(), b.key_id());
    let rotated = a.rotate_signing_key();
    assert_eq!(a.key_id(), rotated);
    assert_ne!(b.key_id(), rotated);
    assert_eq!(
        b.key_id(),
        stytch_totp_emulator::SigningKey::process_default().key_id()
    );
    assert_eq!(
        a.config().signing_key_grace_period,
        DEFAULT_SIGNING_KEY_GRACE_PERIOD
    );
}

#[tokio::test]
async fn admin_routes_rotate_and_list_the_keys() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let first = emu.key_id();
    let listed = api.call(Method::GET, "/_emulator/keys", None).await;
    assert_eq!(
        listed.ok()["keys"],
        json!([{ "kid": first, "state": "signing" }])
    );

    let reply = api
        .post(
            "/_emulator/keys/rotate",
            json!({ "grace_period_seconds": 30 }),
        )
        .await;
    let body = reply.ok();
    let second = emu.key_id();
    assert_eq!(body["kid"], second);
    assert_eq!(body["previous_kid"], first);
    let withdrawn_at = rfc3339(emu.now() + Duration::from_secs(30));
    assert_eq!(body["previous_withdrawn_at"], withdrawn_at);

    // `{}`: the configured grace period (the default, 10 minutes).
    let reply = api.post("/_emulator/keys/rotate", json!({})).await;
    let third = emu.key_id();
    assert_eq!(reply.ok()["previous_kid"], second);
    let listed = api.call(Method::GET, "/_emulator/keys", None).await;
    assert_eq!(
        listed.ok()["keys"],
        json!([
            { "kid": third, "state": "signing" },
            { "kid": first, "state": "published", "withdrawn_at": withdrawn_at },
            {
                "kid": second,
                "state": "published",
                "withdrawn_at": rfc3339(emu.now() + DEFAULT_SIGNING_KEY_GRACE_PERIOD),
            },
        ])
    );
    assert_eq!(
        jwks_kids(&api).await,
        [third.clone(), first, second.clone()]
    );

    emu.advance_clock(Duration::from_secs(30));
    assert_eq!(jwks_kids(&api).await, [third, second]);

    let bad = api
        .post(
            "/_emulator/keys/rotate",
            json!({ "grace_period_seconds": "soon" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.error_type(), "bad_request");
}

//! Behaviour the crate docs promise that the lifecycle tests do not pin down: what counts
//! towards a lock and what resets it, a replaced TOTP's secret and recovery codes, recovery
//! without a TOTP, recover verifying a TOTP, expired sessions and badly signed JWTs over
//! HTTP, and the QR code's label and issuer. All on the fixed clock.

mod common;

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{Clock, Emulator, EmulatorConfig, Operation};

async fn is_locked(api: &Api<'_>, user_id: &str) -> bool {
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[user_id]),
            None,
        )
        .await;
    reply.ok()["is_locked"] == true
}

/// Nine wrong codes: one short of the default lock.
async fn nine_failures(api: &Api<'_>, user_id: &str, secret: &str) {
    let wrong = wrong_code(api.emu, secret);
    for attempt in 1..=9 {
        assert_eq!(
            api.authenticate(user_id, &wrong).await.error_type(),
            "unable_to_authenticate_totp",
            "failure {attempt}"
        );
    }
    assert!(!is_locked(api, user_id).await, "9 failures do not lock");
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("reset@example.com").await;
    let (_, secret, _) = api.create_totp(&user_id).await;
    nine_failures(&api, &user_id, &secret).await;
    api.authenticate(&user_id, &code(&secret, emu.now()))
        .await
        .ok();
    // The count starts again at the success: 9 more failures do not lock (18 in all) ...
    nine_failures(&api, &user_id, &secret).await;
    // ... and the 10th after it does.
    let wrong = wrong_code(&emu, &secret);
    api.authenticate(&user_id, &wrong).await;
    assert!(
        is_locked(&api, &user_id).await,
        "10 failures after the reset"
    );
}

#[tokio::test]
async fn malformed_codes_do_not_count_towards_a_lock() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("malformed@example.com").await;
    let (_, secret, recovery) = api.create_totp(&user_id).await;
    nine_failures(&api, &user_id, &secret).await;
    for malformed in ["12345", "1234567", "abcdef", ""] {
        assert_eq!(
            api.authenticate(&user_id, malformed).await.error_type(),
            "invalid_totp_code",
            "{malformed:?}"
        );
    }
    for malformed in ["abcd-efgh", "not a code", "abcd_efgh_ijkl"] {
        assert_eq!(
            api.recover(&user_id, malformed).await.error_type(),
            "invalid_recovery_code",
            "{malformed:?}"
        );
    }
    assert!(!is_locked(&api, &user_id).await);
    api.recover(&user_id, &recovery[0]).await.ok();
}

/// After nine wrong codes, one replayed or misplaced code is the 10th failure and locks.
#[tokio::test]
async fn replayed_and_misplaced_codes_count_towards_a_lock() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let misuses = [
        "replayed",
        "recovery code as totp_code",
        "totp code as recovery_code",
    ];
    for (index, misuse) in misuses.into_iter().enumerate() {
        let user_id = api.create_user(&format!("misuse{index}@example.com")).await;
        let (_, secret, recovery) = api.create_totp(&user_id).await;
        let current = code(&secret, emu.now());
        if misuse == "replayed" {
            api.authenticate(&user_id, &current).await.ok();
        }
        nine_failures(&api, &user_id, &secret).await;
        let (reply, expected) = match misuse {
            "replayed" => (
                api.authenticate(&user_id, &current).await,
                "totp_code_already_authenticated",
            ),
            "recovery code as totp_code" => (
                api.authenticate(&user_id, &recovery[0]).await,
                "recovery_code_used_as_totp_code",
            ),
            _ => (
                api.recover(&user_id, &current).await,
                "totp_code_used_as_recovery_code",
            ),
        };
        assert_eq!(reply.error_type(), expected, "{misuse}");
        assert!(is_locked(&api, &user_id).await, "{misuse} must count");
    }
}

#[tokio::test]
async fn a_user_without_a_totp_has_no_recovery_codes_to_recover_with() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("none@example.com").await;
    let reply = api.recover(&user_id, "abcd-efgh-ijkl").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "recovery_codes_not_found");
}

#[tokio::test]
async fn recover_verifies_an_unverified_totp() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("verify@example.com").await;
    let (totp_id, _, recovery) = api.create_totp(&user_id).await;
    let user = |verified| json!([{ "totp_id": totp_id, "verified": verified }]);
    let path = Operation::UsersGet.path_with(&[&user_id]);
    assert_eq!(
        api.call(Method::GET, &path, None).await.ok()["totps"],
        user(false)
    );
    api.recover(&user_id, &recovery[0]).await.ok();
    assert_eq!(
        api.call(Method::GET, &path, None).await.ok()["totps"],
        user(true)
    );
    // Verified now: a new TOTP no longer replaces it.
    let reply = api
        .post(Operation::TotpsCreate.path(), json!({ "user_id": user_id }))
        .await;
    assert_eq!(reply.error_type(), "active_totp_exists");
}

#[tokio::test]
async fn a_replaced_totp_loses_its_secret_and_recovery_codes() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("replace@example.com").await;
    let (_, old_secret, old_recovery) = api.create_totp(&user_id).await;
    let (_, new_secret, new_recovery) = api.create_totp(&user_id).await;
    // Codes of two random secrets coincide one time in a million: move on a step if so.
    while code(&old_secret, emu.now()) == code(&new_secret, emu.now()) {
        emu.advance_clock(Duration::from_secs(30));
    }
    let reply = api
        .authenticate(&user_id, &code(&old_secret, emu.now()))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_type(), "unable_to_authenticate_totp");
    for old in &old_recovery {
        assert!(!new_recovery.contains(old), "a recovery code carried over");
    }
    let reply = api.recover(&user_id, &old_recovery[0]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_type(), "unable_to_authenticate_recovery_code");
    // The new one works.
    api.authenticate(&user_id, &code(&new_secret, emu.now()))
        .await
        .ok();
    api.recover(&user_id, &new_recovery[0]).await.ok();
}

/// Authenticates with a session reference (`session_token` or `session_jwt`) and a fresh code:
/// the response body, or the error's status and type.
async fn with_session(
    api: &Api<'_>,
    user_id: &str,
    secret: &str,
    key: &str,
    value: &str,
) -> Result<Value, (StatusCode, String)> {
    api.emu.advance_clock(Duration::from_secs(30));
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code(secret, api.emu.now()), key: value }),
        )
        .await;
    if reply.status == StatusCode::OK {
        return Ok(reply.ok().clone());
    }
    Err((reply.status, reply.error_type()))
}

#[tokio::test]
async fn expired_sessions_are_not_found_and_badly_signed_jwts_do_not_parse() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("session@example.com").await;
    let (_, secret, _) = api.create_totp(&user_id).await;
    let started = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code(&secret, emu.now()),
                    "session_duration_minutes": 5 }),
        )
        .await;
    let token = started.ok()["session_token"]
        .as_str()
        .expect("token")
        .to_owned();
    let jwt = started.ok()["session_jwt"]
        .as_str()
        .expect("jwt")
        .to_owned();

    // Alive: both references find the session.
    assert!(
        with_session(&api, &user_id, &secret, "session_token", &token)
            .await
            .is_ok()
    );
    assert!(with_session(&api, &user_id, &secret, "session_jwt", &jwt)
        .await
        .is_ok());

    // A JWT with its signature or its claims altered is not the session's: it does not parse
    // as one of this project's JWTs.
    let unparsable = Err((
        StatusCode::BAD_REQUEST,
        "unable_to_parse_session_jwt".to_owned(),
    ));
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let mut signature = parts[2].as_bytes().to_vec();
    signature[5] = if signature[5] == b'A' { b'B' } else { b'A' };
    let resigned = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(signature).unwrap()
    );
    assert_eq!(
        with_session(&api, &user_id, &secret, "session_jwt", &resigned).await,
        unparsable
    );
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("user-test-00000000-0000-0000-0000-000000000000");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        with_session(&api, &user_id, &secret, "session_jwt", &forged).await,
        unparsable
    );

    // Past its 5 minutes (plus the 2 x 30 s above) the session is gone for both references.
    emu.advance_clock(Duration::from_secs(5 * 60));
    let gone = Err((StatusCode::NOT_FOUND, "session_not_found".to_owned()));
    for (key, value) in [("session_token", &token), ("session_jwt", &jwt)] {
        assert_eq!(
            with_session(&api, &user_id, &secret, key, value).await,
            gone,
            "{key}"
        );
    }
}

/// The otpauth URI inside a `qr_code` data URL.
fn qr_uri(qr_code: &str) -> String {
    let b64 = qr_code
        .strip_prefix("data:image/png;base64, ")
        .expect("a PNG data URL");
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    stytch_totp_emulator::qr::decode_png(&png).unwrap()
}

#[tokio::test]
async fn the_qr_label_is_the_user_id_without_an_email_and_the_issuer_is_configurable() {
    let config = EmulatorConfig::default()
        .with_clock(Clock::fixed(UNIX_EPOCH + Duration::from_secs(T0)))
        .with_issuer("Acme: Bank");
    let emu = Emulator::start_with(config).await.unwrap();
    let api = Api::new(&emu);
    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "name": { "first_name": "No" } }),
        )
        .await;
    let user_id = reply.ok()["user_id"].as_str().unwrap().to_owned();
    let reply = api
        .post(Operation::TotpsCreate.path(), json!({ "user_id": user_id }))
        .await;
    let secret = reply.ok()["secret"].as_str().unwrap().to_owned();
    let uri = qr_uri(reply.ok()["qr_code"].as_str().unwrap());
    assert_eq!(
        uri,
        format!("otpauth://totp/Acme-%20Bank:{user_id}?secret={secret}&issuer=Acme-%20Bank")
    );
}

/// Stytch's documented example of a TOTP authenticate without a session sends
/// `"session": null` beside the empty token and JWT; recover answers the same way.
#[tokio::test]
async fn a_sign_in_without_a_session_sends_session_null() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("null-session@example.com").await;
    let (_, secret, recovery) = api.create_totp(&user_id).await;
    let reply = api.authenticate(&user_id, &code(&secret, emu.now())).await;
    let body = reply.ok();
    assert_eq!(body.get("session"), Some(&Value::Null));
    assert_eq!(body["session_token"], "");
    assert_eq!(body["session_jwt"], "");
    let reply = api.recover(&user_id, &recovery[0]).await;
    assert_eq!(reply.ok().get("session"), Some(&Value::Null));
    // With a session, the session object.
    let (_, body) = api
        .user_with_session("with-session@example.com", 10, json!({}))
        .await;
    assert!(body["session"]["session_id"].is_string());
}

/// `recovery_codes` for a user without a TOTP: 404 `totps_not_found_for_user` (Stytch names
/// the type; which call sends it is not documented, see the crate docs).
#[tokio::test]
async fn recovery_codes_of_a_user_without_a_totp_is_totps_not_found_for_user() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("no-totp@example.com").await;
    let reply = api
        .post(
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "totps_not_found_for_user");
    // With a TOTP (even unverified), its codes.
    api.create_totp(&user_id).await;
    let reply = api
        .post(
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(reply.ok()["totps"].as_array().unwrap().len(), 1);
}

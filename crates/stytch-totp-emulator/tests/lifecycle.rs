//! The TOTP lifecycle over HTTP against a running emulator.

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use stytch_totp_emulator::Operation;
use stytch_totp_models::{
    AuthenticateTotpResponse, CreateTotpResponse, CreateUserResponse, DeleteTotpResponse,
    DeleteUserResponse, GetUserResponse, RecoverTotpResponse, TotpRecoveryCodesResponse,
};

#[tokio::test]
async fn full_lifecycle() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);

    let reply = api
        .post(
            Operation::UsersCreate.path(),
            json!({ "email": "jane.doe@example.com", "name": { "first_name": "Jane" } }),
        )
        .await;
    let created: CreateUserResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(created.status, "active");
    assert_eq!(created.phone_id, "");
    assert!(created.email_id.starts_with("email-test-"));
    assert_eq!(created.user.emails[0].email, "jane.doe@example.com");
    assert_eq!(
        created.user.created_at,
        Some("2027-01-15T08:00:15Z".parse().unwrap())
    );
    let user_id = created.user_id;

    // Create a TOTP.
    let reply = api
        .post(Operation::TotpsCreate.path(), json!({ "user_id": user_id }))
        .await;
    let totp: CreateTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert!(totp.totp_id.starts_with("totp-test-"));
    let secret = totp.secret.expose_secret().to_owned();
    assert_eq!(secret.len(), 32);
    assert_eq!(totp.recovery_codes.len(), 10);
    for code in &totp.recovery_codes {
        let code = code.expose_secret();
        assert_eq!(code.len(), 14);
        assert!(code.chars().enumerate().all(|(i, c)| if i == 4 || i == 9 {
            c == '-'
        } else {
            c.is_ascii_lowercase() || c.is_ascii_digit()
        }));
    }
    assert_eq!(totp.user.totps.len(), 1);
    assert!(!totp.user.totps[0].verified);

    // The QR code is a PNG of the otpauth URI.
    let qr = totp.qr_code.expose_secret();
    let b64 = qr.strip_prefix("data:image/png;base64, ").expect(qr);
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let content = stytch_totp_emulator::qr::decode_png(&png).unwrap();
    assert_eq!(
        content,
        format!(
            "otpauth://totp/Stytch%20TOTP%20Emulator:jane.doe%40example.com?secret={secret}&issuer=Stytch%20TOTP%20Emulator"
        )
    );

    // Authenticate with the current code, computed with totp-rs from the secret.
    let current = code(&secret, emu.now());
    let reply = api.authenticate(&user_id, &current).await;
    let auth: AuthenticateTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(auth.totp_id, totp.totp_id);
    assert!(auth.session.is_none());
    assert_eq!(auth.session_token.expose_secret(), "");
    assert_eq!(auth.session_jwt.expose_secret(), "");
    assert!(auth.user.totps[0].verified);
    assert_eq!(reply.body["session_token"], "");
    assert_eq!(reply.body["session_jwt"], "");

    // Replay refused, even within the window.
    let reply = api.authenticate(&user_id, &current).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "totp_code_already_authenticated");
    // An older code of the window is refused too; the next step's code works.
    assert_eq!(
        api.authenticate(&user_id, &code_in_steps(&emu, &secret, -1))
            .await
            .error_type(),
        "totp_code_already_authenticated"
    );
    emu.advance_clock(Duration::from_secs(30));
    api.authenticate(&user_id, &code(&secret, emu.now()))
        .await
        .ok();

    // Verified: shows on the user, and a second create is refused.
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    let user: GetUserResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert!(user.totps[0].verified);
    let reply = api
        .post(Operation::TotpsCreate.path(), json!({ "user_id": user_id }))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "active_totp_exists");

    // Recovery codes listed.
    let reply = api
        .post(
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": user_id }),
        )
        .await;
    let codes: TotpRecoveryCodesResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(codes.totps.len(), 1);
    assert_eq!(codes.totps[0].totp_id, totp.totp_id);
    assert!(codes.totps[0].verified);
    assert_eq!(codes.totps[0].recovery_codes, totp.recovery_codes);

    // Recover once; reuse refused; one code fewer listed.
    let recovery = totp.recovery_codes[3].expose_secret().to_owned();
    let reply = api.recover(&user_id, &recovery).await;
    let recovered: RecoverTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(recovered.totp_id, totp.totp_id);
    assert!(recovered.session.is_none());
    let reply = api.recover(&user_id, &recovery).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_type(), "unable_to_authenticate_recovery_code");
    // Upper case works for another code (case-insensitive).
    api.recover(
        &user_id,
        &totp.recovery_codes[4].expose_secret().to_uppercase(),
    )
    .await
    .ok();
    let reply = api
        .post(
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(
        reply.ok()["totps"][0]["recovery_codes"]
            .as_array()
            .unwrap()
            .len(),
        8
    );

    // Misplaced values.
    let reply = api
        .authenticate(&user_id, totp.recovery_codes[0].expose_secret())
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "recovery_code_used_as_totp_code");
    let reply = api.recover(&user_id, &code(&secret, emu.now())).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "totp_code_used_as_recovery_code");
    let reply = api.recover(&user_id, "not-a-code").await;
    assert_eq!(reply.error_type(), "invalid_recovery_code");

    // Delete the TOTP; then it is gone.
    let reply = api
        .call(
            Method::DELETE,
            &Operation::UsersDeleteTotp.path_with(&[&totp.totp_id]),
            None,
        )
        .await;
    let deleted: DeleteTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(deleted.user_id, user_id);
    assert!(deleted.user.totps.is_empty());
    let reply = api
        .call(
            Method::DELETE,
            &Operation::UsersDeleteTotp.path_with(&[&totp.totp_id]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "totp_not_found");
    let reply = api.authenticate(&user_id, &code(&secret, emu.now())).await;
    assert_eq!(reply.error_type(), "totp_not_found");

    // A new TOTP can be created now; delete the user.
    api.create_totp(&user_id).await;
    let reply = api
        .call(
            Method::DELETE,
            &Operation::UsersDelete.path_with(&[&user_id]),
            None,
        )
        .await;
    let deleted: DeleteUserResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    assert_eq!(deleted.user_id, user_id);
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "user_not_found");

    emu.shutdown().await.unwrap();
}

#[tokio::test]
async fn window_accepts_one_step_either_side_and_refuses_two() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    for steps in [-1i64, 1] {
        let user_id = api.create_user(&format!("w{steps}@example.com")).await;
        let (_, secret, _) = api.create_totp(&user_id).await;
        api.authenticate(&user_id, &code_in_steps(&emu, &secret, steps))
            .await
            .ok();
    }
    for steps in [-2i64, 2] {
        let user_id = api.create_user(&format!("x{steps}@example.com")).await;
        let (_, secret, _) = api.create_totp(&user_id).await;
        let candidate = code_in_steps(&emu, &secret, steps);
        let accepted: Vec<_> = (-1..=1).map(|s| code_in_steps(&emu, &secret, s)).collect();
        if accepted.contains(&candidate) {
            continue; // a one-in-a-million collision, not a bug
        }
        let reply = api.authenticate(&user_id, &candidate).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.error_type(), "unable_to_authenticate_totp");
    }
}

#[tokio::test]
async fn unverified_totp_expires_and_can_be_replaced() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("exp@example.com").await;
    let reply = api
        .post(
            Operation::TotpsCreate.path(),
            json!({ "user_id": user_id, "expiration_minutes": 5 }),
        )
        .await;
    let old_secret = reply.ok()["secret"].as_str().unwrap().to_owned();
    let old_recovery = reply.body["recovery_codes"][0].as_str().unwrap().to_owned();
    emu.advance_clock(Duration::from_secs(5 * 60));
    let reply = api
        .authenticate(&user_id, &code(&old_secret, emu.now()))
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_type(), "expired_totp");
    assert_eq!(
        api.recover(&user_id, &old_recovery).await.error_type(),
        "expired_totp"
    );

    // Replacing an unverified TOTP (expired here) is allowed. (That the old secret and
    // recovery codes stop working is promises.rs's a_replaced_totp_loses_its_secret_...)
    let (totp_id, secret, _) = api.create_totp(&user_id).await;
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    assert_eq!(
        reply.ok()["totps"],
        json!([{ "totp_id": totp_id, "verified": false }])
    );
    // Replacing an unexpired unverified one is allowed too.
    let (totp_id2, secret2, _) = api.create_totp(&user_id).await;
    assert_ne!(totp_id, totp_id2);
    assert_ne!(secret, secret2);
    api.authenticate(&user_id, &code(&secret2, emu.now()))
        .await
        .ok();
}

#[tokio::test]
async fn user_is_locked_after_ten_failures_and_unlocked_after_an_hour() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("lock@example.com").await;
    let (_, secret, recovery) = api.create_totp(&user_id).await;
    let wrong = wrong_code(&emu, &secret);
    for attempt in 1..=9 {
        let reply = api.authenticate(&user_id, &wrong).await;
        assert_eq!(
            reply.error_type(),
            "unable_to_authenticate_totp",
            "{attempt}"
        );
    }
    // Recovery-code failures count too: the 10th failure locks.
    let reply = api.recover(&user_id, "aaaa-bbbb-cccc").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let reply = api.authenticate(&user_id, &code(&secret, emu.now())).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.error_type(), "user_lock_limit_reached");
    assert_eq!(
        api.recover(&user_id, &recovery[0]).await.error_type(),
        "user_lock_limit_reached"
    );
    let user = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    let user = user.ok();
    assert_eq!(user["is_locked"], true);
    assert_eq!(user["lock_created_at"], "2027-01-15T08:00:15Z");
    assert_eq!(user["lock_expires_at"], "2027-01-15T09:00:15Z");

    emu.advance_clock(Duration::from_secs(3600));
    let user = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    assert_eq!(user.ok()["is_locked"], false);
    assert!(user.body.get("lock_expires_at").is_none());
    api.authenticate(&user_id, &code(&secret, emu.now()))
        .await
        .ok();
    // The lock's expiry reset the count: 9 more failures do not lock. (That a success resets
    // it, with no unlock in between, is promises.rs's a_success_resets_the_failure_count.)
    let wrong = wrong_code(&emu, &secret);
    for _ in 0..9 {
        assert_eq!(
            api.authenticate(&user_id, &wrong).await.error_type(),
            "unable_to_authenticate_totp"
        );
    }
    api.recover(&user_id, &recovery[1]).await.ok();
}

#[tokio::test]
async fn sessions_are_created_extended_and_signed() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("session@example.com").await;
    let (totp_id, secret, recovery) = api.create_totp(&user_id).await;
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({
                "user_id": user_id,
                "totp_code": code(&secret, emu.now()),
                "session_duration_minutes": 60,
                "session_custom_claims": { "plan": "pro" },
            }),
        )
        .await;
    let auth: AuthenticateTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    let session = auth.session.unwrap();
    assert!(session.session_id.starts_with("session-test-"));
    assert_eq!(session.user_id, user_id);
    assert_eq!(
        session.expires_at,
        Some("2027-01-15T09:00:15Z".parse().unwrap())
    );
    assert_eq!(session.custom_claims.as_ref().unwrap()["plan"], "pro");
    assert!(!session.custom_claims.as_ref().unwrap().contains_key("sub"));
    let factor = &session.authentication_factors[0];
    assert_eq!(factor.type_, "totp");
    assert_eq!(factor.delivery_method, "authenticator_app");
    assert_eq!(
        factor.authenticator_app_factor.as_ref().unwrap().totp_id,
        totp_id
    );
    let token = auth.session_token.expose_secret().to_owned();
    assert_eq!(token.len(), 44);

    // The JWT is RS256 with the emulator's key id and verifies with its public key.
    let jwt = auth.session_jwt.expose_secret().to_owned();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::RS256);
    assert_eq!(header.kid, Some(emu.key_id()));
    let key = jsonwebtoken::DecodingKey::from_rsa_components(
        emu.signing_key().modulus(),
        emu.signing_key().exponent(),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.validate_exp = false; // the emulator clock is years ahead of the system's
    validation.set_audience(&[emu.project_id()]);
    validation.set_issuer(&[format!("stytch.com/{}", emu.project_id())]);
    let claims = jsonwebtoken::decode::<serde_json::Value>(&jwt, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["sub"], user_id.as_str());
    assert_eq!(claims["iat"], common::T0);
    assert_eq!(claims["exp"], common::T0 + 300);
    assert_eq!(claims["plan"], "pro");
    assert_eq!(
        claims["https://stytch.com/session"]["id"],
        session.session_id.as_str()
    );

    // Recover with the session token: same session, second factor, extended.
    emu.advance_clock(Duration::from_secs(600));
    let reply = api
        .post(
            Operation::TotpsRecover.path(),
            json!({
                "user_id": user_id,
                "recovery_code": recovery[0],
                "session_token": token,
                "session_duration_minutes": 120,
            }),
        )
        .await;
    let recovered: RecoverTotpResponse = serde_json::from_value(reply.ok().clone()).unwrap();
    let again = recovered.session.unwrap();
    assert_eq!(again.session_id, session.session_id);
    assert_eq!(recovered.session_token.expose_secret(), token);
    assert_eq!(
        again.expires_at,
        Some("2027-01-15T10:10:15Z".parse().unwrap())
    );
    assert_eq!(again.authentication_factors.len(), 2);
    let recovery_factor = &again.authentication_factors[1];
    assert_eq!(recovery_factor.type_, "recovery_codes");
    assert!(recovery_factor
        .recovery_code_factor
        .as_ref()
        .unwrap()
        .totp_recovery_code_id
        .starts_with("totp-recovery-code-test-"));

    // The JWT also names the session; an unknown token is refused without consuming the code.
    let reply = api
        .post(
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id, "recovery_code": recovery[1], "session_jwt": jwt }),
        )
        .await;
    assert_eq!(
        reply.ok()["session"]["session_id"],
        session.session_id.as_str()
    );
    let reply = api
        .post(
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id, "recovery_code": recovery[2], "session_token": "nope" }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.error_type(), "session_not_found");
    api.recover(&user_id, &recovery[2]).await.ok();
}

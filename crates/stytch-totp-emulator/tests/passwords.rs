//! Passwords over HTTP: create, authenticate, strength_check with Stytch's errors, the lock
//! they share with TOTP codes, and TOTP / recovery-code step-up of a password session.

mod common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use stytch_totp_emulator::Operation;

const EMAIL: &str = "grace@example.com";
const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

impl Api<'_> {
    async fn create_password(&self, email: &str, password: &str, minutes: Option<u32>) -> Reply {
        let mut body = json!({ "email": email, "password": password });
        if let Some(minutes) = minutes {
            body["session_duration_minutes"] = json!(minutes);
        }
        self.post(Operation::PasswordsCreate.path(), body).await
    }

    async fn sign_in(&self, email: &str, password: &str, extra: Value) -> Reply {
        let mut body = json!({ "email": email, "password": password });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.post(Operation::PasswordsAuthenticate.path(), body)
            .await
    }
}

fn factor_types(session: &Value) -> Vec<String> {
    session["authentication_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["type"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn create_makes_a_user_with_a_password_and_a_password_session() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let reply = api.create_password(EMAIL, PASSWORD, Some(60)).await;
    let body = reply.ok();
    let user = &body["user"];
    assert_eq!(user["emails"][0]["email"], EMAIL);
    assert_eq!(user["emails"][0]["email_id"], body["email_id"]);
    assert!(user["password"]["password_id"]
        .as_str()
        .unwrap()
        .starts_with("password-test-"));
    assert_eq!(user["password"]["requires_reset"], false);
    let session = &body["session"];
    assert_eq!(factor_types(session), ["password"]);
    let factor = &session["authentication_factors"][0];
    assert_eq!(factor["delivery_method"], "knowledge");
    assert_eq!(factor["email_factor"]["email_address"], EMAIL);
    assert_eq!(factor["email_factor"]["email_id"], body["email_id"]);
    let claims = claims_of(&jwt_of(body));
    assert_eq!(
        claims["https://stytch.com/session"]["authentication_factors"][0]["type"],
        "password"
    );
    // The answer carries no trace of the password; neither does the user as read back.
    assert!(!body.to_string().contains(PASSWORD));
    let user_id = body["user_id"].as_str().unwrap();
    let got = api
        .call(
            reqwest::Method::GET,
            &Operation::UsersGet.path_with(&[user_id]),
            None,
        )
        .await;
    assert!(!got.ok().to_string().contains(PASSWORD));
    assert_eq!(got.ok()["password"], user["password"]);

    // Without session_duration_minutes: no session, empty tokens.
    let bare = api.create_password("ada@example.com", PASSWORD, None).await;
    assert_eq!(bare.ok()["session_token"], "");
    assert!(bare.ok()["session"].is_null());
}

#[tokio::test]
async fn create_refuses_taken_emails_weak_passwords_and_bad_input_with_stytchs_names() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    api.create_password(EMAIL, PASSWORD, None).await.ok();
    let taken = api
        .create_password("GRACE@example.com", PASSWORD, None)
        .await;
    assert_eq!(
        (taken.status, taken.error_type().as_str()),
        (StatusCode::BAD_REQUEST, "duplicate_email")
    );
    let weak = api
        .create_password("weak@example.com", "password1", None)
        .await;
    assert_eq!(
        (weak.status, weak.error_type().as_str()),
        (StatusCode::BAD_REQUEST, "weak_password")
    );
    assert!(
        !weak.body.to_string().contains("password1"),
        "{}",
        weak.body
    );
    let bad_email = api.create_password("not-an-email", PASSWORD, None).await;
    assert_eq!(bad_email.error_type(), "invalid_email");
    let missing = api
        .post(
            Operation::PasswordsCreate.path(),
            json!({ "email": "x@example.com" }),
        )
        .await;
    assert_eq!(missing.error_type(), "bad_request");
    let with_session = api
        .post(
            Operation::PasswordsCreate.path(),
            json!({ "email": "y@example.com", "password": PASSWORD, "session_token": "t" }),
        )
        .await;
    assert_eq!(with_session.error_type(), "bad_request");
    // A weak password made no user.
    let sign_in = api
        .sign_in("weak@example.com", "password1", json!({}))
        .await;
    assert_eq!(sign_in.error_type(), "email_not_found");
}

#[tokio::test]
async fn authenticate_answers_stytchs_errors_for_unknown_email_and_wrong_password() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    api.create_password(EMAIL, PASSWORD, None).await.ok();
    let unknown = api.sign_in("nobody@example.com", PASSWORD, json!({})).await;
    assert_eq!(
        (unknown.status, unknown.error_type().as_str()),
        (StatusCode::NOT_FOUND, "email_not_found")
    );
    let wrong = api
        .sign_in(EMAIL, "plaid-Kettle-orbit-98-quasar", json!({}))
        .await;
    assert_eq!(
        (wrong.status, wrong.error_type().as_str()),
        (StatusCode::UNAUTHORIZED, "unauthorized_credentials")
    );
    // A user made by users.create has no password: nothing matches.
    api.create_user("plain@example.com").await;
    let no_password = api.sign_in("plain@example.com", PASSWORD, json!({})).await;
    assert_eq!(no_password.error_type(), "unauthorized_credentials");
    let right = api
        .sign_in(EMAIL, PASSWORD, json!({ "session_duration_minutes": 30 }))
        .await;
    assert_eq!(factor_types(&right.ok()["session"]), ["password"]);
}

#[tokio::test]
async fn totp_and_recovery_codes_step_up_the_password_session_in_place() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let created = api.create_password(EMAIL, PASSWORD, None).await;
    let user_id = created.ok()["user_id"].as_str().unwrap().to_owned();
    let (totp_id, secret, recovery_codes) = api.create_totp(&user_id).await;
    let signed_in = api
        .sign_in(EMAIL, PASSWORD, json!({ "session_duration_minutes": 60 }))
        .await;
    let first = signed_in.ok().clone();
    let session_id = first["session"]["session_id"].as_str().unwrap().to_owned();

    emu.advance_clock(Duration::from_secs(60));
    let stepped = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code(&secret, emu.now()), "session_token": token_of(&first) }),
        )
        .await;
    let stepped = stepped.ok().clone();
    let session = &stepped["session"];
    assert_eq!(
        session["session_id"],
        session_id.as_str(),
        "the same session"
    );
    assert_eq!(factor_types(session), ["password", "totp"]);
    let factors = session["authentication_factors"].as_array().unwrap();
    assert_eq!(
        factors[1]["authenticator_app_factor"]["totp_id"],
        totp_id.as_str()
    );
    assert_ne!(
        factors[0]["last_authenticated_at"], factors[1]["last_authenticated_at"],
        "each factor keeps its own time"
    );
    assert_eq!(token_of(&stepped), token_of(&first), "the token stays");
    let claim = &claims_of(&jwt_of(&stepped))["https://stytch.com/session"];
    assert_eq!(claim["id"], session_id.as_str());
    assert_eq!(factor_types(claim), ["password", "totp"]);

    // A recovery code steps up by JWT too: a third factor, still the same session.
    let recovered = api
        .post(
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id, "recovery_code": recovery_codes[0], "session_jwt": jwt_of(&stepped) }),
        )
        .await;
    let session = &recovered.ok()["session"];
    assert_eq!(session["session_id"], session_id.as_str());
    assert_eq!(
        factor_types(session),
        ["password", "totp", "recovery_codes"]
    );
}

#[tokio::test]
async fn a_password_steps_up_a_session_and_revoked_or_foreign_sessions_are_refused() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let created = api.create_password(EMAIL, PASSWORD, Some(30)).await;
    let first = created.ok().clone();
    let again = api
        .sign_in(
            EMAIL,
            PASSWORD,
            json!({ "session_token": token_of(&first) }),
        )
        .await;
    let session = &again.ok()["session"];
    assert_eq!(session["session_id"], first["session"]["session_id"]);
    assert_eq!(
        factor_types(session),
        ["password"],
        "one entry per factor, refreshed"
    );

    // Another user's session: refused, and that user's session is unchanged.
    let other = api
        .create_password("ada@example.com", PASSWORD, Some(30))
        .await;
    let other = other.ok().clone();
    let foreign = api
        .sign_in(
            EMAIL,
            PASSWORD,
            json!({ "session_token": token_of(&other) }),
        )
        .await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(foreign.error_type(), "user_id_mismatch");

    // A revoked session: session_not_found, for a password and for a TOTP code alike.
    let revoked = api
        .post(
            Operation::SessionsRevoke.path(),
            json!({ "session_token": token_of(&first) }),
        )
        .await;
    revoked.ok();
    let reply = api
        .sign_in(
            EMAIL,
            PASSWORD,
            json!({ "session_token": token_of(&first) }),
        )
        .await;
    assert_eq!(
        (reply.status, reply.error_type().as_str()),
        (StatusCode::NOT_FOUND, "session_not_found")
    );
    let user_id = first["user_id"].as_str().unwrap();
    let (_, secret, _) = api.create_totp(user_id).await;
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": code(&secret, emu.now()), "session_jwt": jwt_of(&first) }),
        )
        .await;
    assert_eq!(reply.error_type(), "session_not_found");
}

#[tokio::test]
async fn wrong_passwords_and_wrong_codes_share_one_lock() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let created = api.create_password(EMAIL, PASSWORD, None).await;
    let user_id = created.ok()["user_id"].as_str().unwrap().to_owned();
    let (_, secret, _) = api.create_totp(&user_id).await;
    // Stytch's default: the 10th consecutive failure locks. 5 passwords + 4 codes, then
    // a success resets the count.
    for _ in 0..5 {
        api.sign_in(EMAIL, "wrong-but-long-enough", json!({})).await;
    }
    for _ in 0..4 {
        api.authenticate(&user_id, &wrong_code(&emu, &secret)).await;
    }
    api.sign_in(EMAIL, PASSWORD, json!({})).await.ok();
    for _ in 0..9 {
        let reply = api.sign_in(EMAIL, "wrong-but-long-enough", json!({})).await;
        assert_eq!(reply.error_type(), "unauthorized_credentials");
    }
    let tenth = api.authenticate(&user_id, &wrong_code(&emu, &secret)).await;
    assert_eq!(tenth.error_type(), "unable_to_authenticate_totp");
    // Locked: the right password and a right code are refused alike.
    let password = api.sign_in(EMAIL, PASSWORD, json!({})).await;
    assert_eq!(
        (password.status, password.error_type().as_str()),
        (StatusCode::TOO_MANY_REQUESTS, "user_lock_limit_reached")
    );
    let totp = api.authenticate(&user_id, &code(&secret, emu.now())).await;
    assert_eq!(totp.error_type(), "user_lock_limit_reached");
    emu.advance_clock(Duration::from_secs(3601));
    api.sign_in(EMAIL, PASSWORD, json!({})).await.ok();
}

#[tokio::test]
async fn strength_check_scores_with_zxcvbn_and_says_what_it_cannot_check() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let check = |password: &str, email: Option<&str>| {
        let mut body = json!({ "password": password });
        if let Some(email) = email {
            body["email"] = json!(email);
        }
        api.post(Operation::PasswordsStrengthCheck.path(), body)
    };
    let weak = check("password1", None).await;
    let weak = weak.ok();
    assert_eq!(weak["valid_password"], false);
    assert!(weak["score"].as_i64().unwrap() < 3);
    assert_eq!(weak["strength_policy"], "zxcvbn");
    assert_eq!(weak["breached_password"], false);
    assert_eq!(weak["breach_detection_on_create"], false);
    assert!(!weak["feedback"]["suggestions"]
        .as_array()
        .unwrap()
        .is_empty());
    let strong = check(PASSWORD, Some(EMAIL)).await;
    assert_eq!(strong.ok()["valid_password"], true);
    assert_eq!(strong.ok()["feedback"]["warning"], "");
    let bad = check(PASSWORD, Some("nope")).await;
    assert_eq!(bad.error_type(), "invalid_email");
    assert_eq!(emu.stats().applied(Operation::PasswordsStrengthCheck), 2);
}

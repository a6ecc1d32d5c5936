//! Sessions after MFA, end to end against the embedded emulator: `GET /me` verifies the session
//! JWT locally (proven by the emulator's request counter), refreshes an expired one through
//! Stytch, refuses revoked, foreign and MFA-less sessions; `POST /logout` revokes. No token
//! or JWT reaches the logs.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::Router;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use mfa_service::SESSION_COOKIE;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use serde_json::{json, Value};
use stytch_totp_emulator::{Clock, EmulatorConfig, Operation, SigningKey, DEFAULT_PROJECT_ID};

#[path = "../shared/log_buffer.rs"]
mod log_buffer;
#[path = "../shared/oneshot.rs"]
mod oneshot;
mod service;
mod step_up;

use service::*;

#[tokio::test]
async fn a_fresh_session_jwt_is_verified_locally_without_calling_stytch() {
    let service = Service::start(EmulatorConfig::default()).await;
    let (session, cookie) = service.sign_in("alice").await;
    let jwt = session.session_jwt.expose_secret();
    for part in [
        format!("{SESSION_COOKIE}={jwt}").as_str(),
        "HttpOnly",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(cookie.contains(part), "cookie attribute");
    }

    // The project's keys were fetched once, when enroll and verify checked the password
    // session; `/me` makes no request at all.
    assert_eq!(
        service
            .emulator()
            .stats()
            .applied(Operation::SessionsGetJwks),
        1
    );
    let before = service.requests();
    let me = me_of(&service.me(Auth::Cookie(jwt)).await);
    assert_eq!(service.requests(), before);

    assert_eq!(me.email.as_deref(), Some("alice@example.com"));
    assert_eq!(me.user_id, session.user_id);
    assert!(me.user_id.starts_with("user-test-"), "{}", me.user_id);
    assert!(me.session_id.starts_with("session-test-"));
    assert_eq!(me.checked, "locally");
    assert!(me.session_jwt.is_none(), "nothing to refresh");
    let types: Vec<&str> = me.factors.iter().map(|f| f.type_.as_str()).collect();
    assert_eq!(types, ["password", "totp"], "both factors, one session");
    assert_eq!(me.factors[1].delivery_method, "authenticator_app");

    // From then on: no request to Stytch at all, by cookie or by Bearer token.
    let warm = service.requests();
    for _ in 0..5 {
        let answer = service.me(Auth::Cookie(jwt)).await;
        assert_eq!(me_of(&answer).session_id, me.session_id);
        assert!(
            answer.set_cookie().is_none(),
            "no new cookie for a local check"
        );
        assert_eq!(
            me_of(&service.me(Auth::Bearer(jwt)).await).checked,
            "locally"
        );
    }
    assert_eq!(
        service.requests(),
        warm,
        "a local verification makes no Stytch call"
    );

    service.assert_logs_free_of(&[jwt, session.session_token.expose_secret()]);
}

#[tokio::test]
async fn an_expired_session_jwt_is_refreshed_by_stytch_and_handed_back() {
    // The emulator's clock runs ten minutes behind: its JWTs are past `exp` (five minutes)
    // here, while their one-hour sessions are alive on the emulator's clock.
    let behind = SystemTime::now() - Duration::from_secs(600);
    let service = Service::start(EmulatorConfig::default().with_clock(Clock::fixed(behind))).await;
    let (session, _) = service.sign_in("bob").await;
    let jwt = session.session_jwt.expose_secret();
    service.emulator().advance_clock(Duration::from_secs(1));

    let checks = service
        .emulator()
        .stats()
        .applied(Operation::SessionsAuthenticate);
    let answer = service.me(Auth::Cookie(jwt)).await;
    let me = me_of(&answer);
    assert_eq!(me.checked, "remotely");
    assert_eq!(
        me.email.as_deref(),
        Some("bob@example.com"),
        "custom claims survive the refresh"
    );
    assert_eq!(me.factors[1].type_, "totp");
    assert_eq!(
        service
            .emulator()
            .stats()
            .applied(Operation::SessionsAuthenticate),
        checks + 1
    );
    let fresh = me.session_jwt.expect("the fresh JWT is handed back");
    assert_ne!(fresh.expose_secret(), jwt);
    let cookie = answer.set_cookie().expect("and set as the new cookie");
    assert!(cookie.contains(&format!("{SESSION_COOKIE}={}", fresh.expose_secret())));

    // A Bearer caller gets the JWT in the body but no cookie.
    let answer = service.me(Auth::Bearer(jwt)).await;
    assert!(me_of(&answer).session_jwt.is_some());
    assert!(answer.set_cookie().is_none());

    service.assert_logs_free_of(&[
        jwt,
        fresh.expose_secret(),
        session.session_token.expose_secret(),
    ]);
}

#[tokio::test]
async fn logout_revokes_and_a_revoked_session_is_refused() {
    // JWTs are issued 30 s in the past: older than a 10 s max_token_age (checked with
    // Stytch every time), younger than the default 60 s (checked locally).
    let behind = SystemTime::now() - Duration::from_secs(30);
    let service = Service::start(EmulatorConfig::default().with_clock(Clock::fixed(behind))).await;
    let strict = service.app_with(|s| s.with_max_token_age(Duration::from_secs(10)));
    let (session, _) = service.sign_in("carol").await;
    let jwt = session.session_jwt.expose_secret();
    let me = |app: Router| async move {
        Service::call(&app, "GET", "/me", None, Auth::Bearer(jwt)).await
    };

    assert_eq!(me_of(&me(strict.clone()).await).checked, "remotely");
    assert_eq!(
        me_of(&service.me(Auth::Cookie(jwt)).await).checked,
        "locally"
    );

    let out = service.logout(Auth::Cookie(jwt)).await;
    assert_eq!(
        (out.status, &out.body),
        (StatusCode::OK, &json!({ "status": "signed_out" }))
    );
    let cleared = out.set_cookie().expect("logout deletes the cookie");
    assert!(cleared.starts_with(&format!("{SESSION_COOKIE}=;")) && cleared.contains("Max-Age=0"));
    assert_eq!(
        service
            .emulator()
            .stats()
            .applied(Operation::SessionsRevoke),
        1
    );
    assert!(service
        .backend
        .client()
        .sessions()
        .get(session.user_id.as_str())
        .await
        .unwrap()
        .sessions
        .is_empty());

    // Stytch knows: a check with Stytch refuses it.
    assert_refused(&me(strict).await, StatusCode::UNAUTHORIZED, "session_ended");
    // The documented window: until max_token_age, a revoked session's JWT verifies locally.
    assert_eq!(
        me_of(&service.me(Auth::Cookie(jwt)).await).checked,
        "locally"
    );
    // Logging out again is harmless; without a session it is refused.
    assert_eq!(
        service.logout(Auth::Bearer(jwt)).await.status,
        StatusCode::OK
    );
    assert_refused(
        &service.logout(Auth::None).await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    );

    service.assert_logs_free_of(&[jwt, session.session_token.expose_secret()]);
}

#[tokio::test]
async fn jwts_of_another_key_or_project_and_garbage_are_refused() {
    let service = Service::start(EmulatorConfig::default()).await;
    let (ours, _) = service.sign_in("dave").await;

    // Same project id, another emulator's key: the kid is unknown. (Emulators share the
    // process's default key unless one pins its own.)
    let other_key =
        Service::start(EmulatorConfig::default().with_signing_key(SigningKey::generate())).await;
    let (foreign, _) = other_key.sign_in("dave").await;
    // Same key, another project: issuer and audience are wrong.
    let other_project = Service::start(
        EmulatorConfig::default()
            .with_credentials(
                "project-test-11111111-1111-1111-1111-111111111111",
                "secret-test-other-project-000000000000000000",
            )
            .with_signing_key(service.emulator().signing_key().clone()),
    )
    .await;
    let (other_projects, _) = other_project.sign_in("dave").await;
    let mut tampered = ours.session_jwt.expose_secret().to_owned();
    let payload_at = tampered.find('.').unwrap() + 5;
    tampered.replace_range(
        payload_at..=payload_at,
        if &tampered[payload_at..=payload_at] == "A" {
            "B"
        } else {
            "A"
        },
    );

    let before = service.requests();
    // A key this project never published may be one rotated in since the last fetch: the
    // SDK refetches the key set (then refuses: the key is not there) or, within the refetch
    // interval, asks Stytch (which refuses the session). Either way a 401.
    for auth in [Auth::Bearer, Auth::Cookie] {
        let answer = service.me(auth(foreign.session_jwt.expose_secret())).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
        let error = answer.body["error"].as_str();
        assert!(
            matches!(error, Some("invalid_session" | "session_ended")),
            "{}",
            answer.body
        );
    }
    let after_foreign = service.requests();
    for jwt in [
        other_projects.session_jwt.expose_secret(),
        &tampered,
        "not-a-jwt",
    ] {
        assert_refused(
            &service.me(Auth::Bearer(jwt)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_session",
        );
        assert_refused(
            &service.me(Auth::Cookie(jwt)).await,
            StatusCode::UNAUTHORIZED,
            "invalid_session",
        );
    }
    assert_refused(
        &service.me(Auth::None).await,
        StatusCode::UNAUTHORIZED,
        "not_signed_in",
    );
    // The foreign key cost the JWKS fetches and one check with Stytch; the forgeries under
    // the known key (another project's audience, a tampered payload, garbage) cost nothing.
    assert!(after_foreign - before <= 4, "{}", after_foreign - before);
    assert!(
        service.requests() == after_foreign,
        "{}",
        service.requests() - after_foreign
    );
    // Ours still works.
    assert_eq!(
        me_of(
            &service
                .me(Auth::Bearer(ours.session_jwt.expose_secret()))
                .await
        )
        .email
        .as_deref(),
        Some("dave@example.com")
    );
}

/// A JWT signed with the emulator's own key for a session whose factors are `factors`.
fn mint(der: &[u8], kid: &str, factors: Value) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "sub": "user-test-00000000-0000-0000-0000-00000000000e",
        "iss": format!("stytch.com/{DEFAULT_PROJECT_ID}"),
        "aud": [DEFAULT_PROJECT_ID],
        "iat": now, "nbf": now, "exp": now + 300,
        "https://stytch.com/session": {
            "id": "session-test-00000000-0000-0000-0000-00000000000e",
            "started_at": "2026-11-30T06:00:00Z",
            "last_accessed_at": "2026-11-30T06:00:00Z",
            "expires_at": "2026-11-30T07:00:00Z",
            "authentication_factors": factors,
        },
        "mfa_service_email": "erin@example.com",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, &claims, &EncodingKey::from_rsa_der(der)).unwrap()
}

#[tokio::test]
async fn a_session_without_a_totp_or_recovery_factor_is_refused() {
    // A key the test holds, so it can sign sessions the emulator cannot make (email only).
    let key = rsa::PrivateKey::new(&mut getrandom::SysRng, SigningKey::BITS).unwrap();
    let pem = key.to_pkcs8_pem(LineEnding::LF).unwrap();
    let der = key.to_pkcs1_der().unwrap();
    let signing_key = SigningKey::from_pem(&pem).unwrap();
    let service = Service::start(EmulatorConfig::default().with_signing_key(signing_key)).await;
    let kid = service.emulator().key_id().to_owned();

    let factor = |type_: &str, delivery_method: &str| json!({ "type": type_, "delivery_method": delivery_method, "last_authenticated_at": "2026-11-30T06:00:00Z" });
    let email_only = mint(der.as_bytes(), &kid, json!([factor("magic_link", "email")]));
    assert_refused(
        &service.me(Auth::Bearer(&email_only)).await,
        StatusCode::FORBIDDEN,
        "factors_required",
    );
    let none = mint(der.as_bytes(), &kid, json!([]));
    assert_refused(
        &service.me(Auth::Cookie(&none)).await,
        StatusCode::FORBIDDEN,
        "factors_required",
    );

    // Half signed in (password only): refused.
    let password_only = mint(
        der.as_bytes(),
        &kid,
        json!([factor("password", "knowledge")]),
    );
    let half = service.me(Auth::Bearer(&password_only)).await;
    assert_refused(&half, StatusCode::FORBIDDEN, "factors_required");
    assert_eq!(half.body["missing_factors"], json!(["totp"]));

    // The same session with a recovery-code factor passes: the factor made the difference.
    let stepped_up = mint(
        der.as_bytes(),
        &kid,
        json!([
            factor("password", "knowledge"),
            factor("recovery_codes", "recovery_code")
        ]),
    );
    let me = me_of(&service.me(Auth::Bearer(&stepped_up)).await);
    assert_eq!(
        (me.email.as_deref(), me.checked.as_str()),
        (Some("erin@example.com"), "locally")
    );
    assert_eq!(me.factors.len(), 2);
    // And a real session stepped up with a recovery code passes too.
    let signed_up = service.sign_up("frank").await;
    let first = signed_up.body["session_jwt"].as_str().unwrap();
    let enrolled = Service::call(
        &service.app,
        "POST",
        "/mfa/enroll",
        None,
        Auth::Cookie(first),
    )
    .await;
    let recovery_code = enrolled.body["recovery_codes"][0].as_str().unwrap();
    let recovered = Service::call(
        &service.app,
        "POST",
        "/mfa/recover",
        Some(json!({ "recovery_code": recovery_code })),
        Auth::Cookie(first),
    )
    .await;
    assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
    let jwt = recovered.body["session_jwt"].as_str().unwrap();
    let me = me_of(&service.me(Auth::Cookie(jwt)).await);
    assert_eq!(me.email.as_deref(), Some("frank@example.com"));
    let types: Vec<&str> = me.factors.iter().map(|f| f.type_.as_str()).collect();
    assert_eq!(types, ["password", "recovery_codes"]);
    service.assert_logs_free_of(&[jwt, first, recovery_code, PASSWORD]);
}

//! The step-up rule end to end: the sensitive route refuses a session whose code is older than
//! the step-up window (while still handing back the refreshed cookie), `POST /mfa/verify`
//! renews the factor on the same session, and the route then answers.

use std::time::{Duration, SystemTime};

use axum::http::header::CACHE_CONTROL;
use axum::http::StatusCode;
use mfa_service::SESSION_COOKIE;
use serde_json::json;
use stytch_totp_emulator::{Clock, EmulatorConfig};

use crate::service::*;

/// The JWT in an answer's session cookie.
fn cookie_jwt(answer: &Answer) -> String {
    let set = answer.set_cookie().expect("a session cookie");
    let value = set.strip_prefix(&format!("{SESSION_COOKIE}=")).unwrap();
    value.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_stale_code_is_refused_on_the_sensitive_route_and_accepted_after_a_step_up() {
    // Signed in ten minutes ago on the emulator's clock; the clock then moves to now, so the
    // JWT is past its exp (checked with Stytch, refreshed) and the code older than 5 minutes.
    let ago = SystemTime::now() - Duration::from_secs(600);
    let service = Service::start(EmulatorConfig::default().with_clock(Clock::fixed(ago))).await;
    let (session, _, secret) = service.sign_in_keeping_secret("grace").await;
    let first_jwt = session.session_jwt.expose_secret();
    service.emulator().advance_clock(Duration::from_secs(600));
    let sensitive = |jwt: String| {
        let app = service.app.clone();
        async move {
            Service::call(
                &app,
                "POST",
                "/mfa/recovery-codes",
                None,
                Auth::Cookie(&jwt),
            )
            .await
        }
    };

    let stale = sensitive(first_jwt.to_owned()).await;
    assert_refused(&stale, StatusCode::FORBIDDEN, "step_up_required");
    assert_eq!(stale.body["step_up_within_seconds"], 300);
    // The remote check happened on this route: the refreshed JWT comes back as the cookie.
    let refreshed = cookie_jwt(&stale);
    assert_ne!(refreshed, first_jwt);
    // The two-factor route takes the refreshed session without a step-up, locally.
    let me = me_of(&service.me(Auth::Cookie(&refreshed)).await);
    assert_eq!(me.checked, "locally");

    // A wrong code does not step up (and sets no cookie).
    let wrong = Service::call(
        &service.app,
        "POST",
        "/mfa/verify",
        Some(json!({ "code": "000000" })),
        Auth::Cookie(&refreshed),
    )
    .await;
    assert_refused(&wrong, StatusCode::UNAUTHORIZED, "invalid_code");
    assert!(wrong.set_cookie().is_none());

    let code = service.code(&secret);
    let stepped = Service::call(
        &service.app,
        "POST",
        "/mfa/verify",
        Some(json!({ "code": code })),
        Auth::Cookie(&refreshed),
    )
    .await;
    assert_eq!(stepped.status, StatusCode::OK, "{}", stepped.body);
    assert_eq!(stepped.body["user_id"], session.user_id.as_str());
    let stepped_jwt = cookie_jwt(&stepped);
    assert_eq!(stepped.body["session_jwt"], stepped_jwt.as_str());
    let after = me_of(&service.me(Auth::Cookie(&stepped_jwt)).await);
    assert_eq!(
        after.session_id, me.session_id,
        "the same session, stepped up"
    );
    assert_eq!(
        after.email.as_deref(),
        Some("grace@example.com"),
        "custom claims kept"
    );

    let shown = sensitive(stepped_jwt.clone()).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(shown.body["recovery_codes"].as_array().unwrap().len(), 10);
    assert_eq!(shown.headers[CACHE_CONTROL], "no-store");

    // Anonymous callers reach neither route.
    for path in [
        "/mfa/recovery-codes",
        "/mfa/verify",
        "/mfa/enroll",
        "/mfa/recover",
    ] {
        let answer = Service::call(
            &service.app,
            "POST",
            path,
            Some(json!({ "code": code })),
            Auth::None,
        )
        .await;
        assert_refused(&answer, StatusCode::UNAUTHORIZED, "not_signed_in");
    }
    let codes: Vec<String> = shown.body["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let mut secrets: Vec<&str> = vec![first_jwt, &refreshed, &stepped_jwt, &secret];
    secrets.extend(codes.iter().map(String::as_str));
    service.assert_logs_free_of(&secrets);
}

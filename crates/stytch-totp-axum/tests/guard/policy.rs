//! The policy rules against the emulator: required factors on the guard and per route
//! (real TOTP- and password-started sessions, and sessions signed by the test), step-up
//! freshness, and redirects for pages.

use std::time::Duration;

use axum::http::header::{LOCATION, WWW_AUTHENTICATE};
use axum::http::StatusCode;
use stytch_totp_axum::{Factor, Policy, Redirects};
use stytch_totp_emulator::EmulatorConfig;

use crate::behind;
use crate::harness::*;

#[tokio::test]
async fn required_factors_are_enforced_on_the_guard_and_per_route() {
    let (der, key) = held_key();
    let world = World::start(EmulatorConfig::default().with_signing_key(key)).await;
    let kid = world.emulator.key_id().to_owned();
    let project = world.emulator.project_id().to_owned();
    let two_factors = Policy::signed_in()
        .require(Factor::password())
        .require(Factor::authenticator());
    let app = world.app(
        world
            .guard()
            .policy(Policy::signed_in().require(Factor::authenticator())),
        two_factors,
    );

    // A real TOTP-started session: enough for the guard's policy, not for two factors.
    let totp = world.sign_in(60).await;
    call(&app, "/show", Auth::Cookie(&totp.jwt), &[])
        .await
        .assert_ok();
    let answer = call(&app, "/strict", Auth::Cookie(&totp.jwt), &[]).await;
    answer.assert_refused(StatusCode::FORBIDDEN, "factors_required");
    let logs = world.logs.text();
    let span = logs
        .lines()
        .find(|l| l.contains("session.refusal=\"factors_required\"") && l.contains(": close"))
        .expect("the refusal is on the check's span");
    let session_id =
        call(&app, "/show", Auth::Cookie(&totp.jwt), &[]).await.body["session_id"].clone();
    assert!(
        span.contains(session_id.as_str().unwrap()) && span.contains("session.checked=\"locally\""),
        "{span}"
    );
    assert_eq!(
        answer.body["missing_factors"],
        serde_json::json!(["password"])
    );
    assert!(!answer.headers.contains_key(WWW_AUTHENTICATE));

    // Password only (half signed in): refused everywhere. Both: accepted. A recovery code
    // stands in for the authenticator.
    let password_only = mint(&der, &kid, &project, &[("password", 60)]);
    call(&app, "/show", Auth::Bearer(&password_only), &[])
        .await
        .assert_refused(StatusCode::FORBIDDEN, "factors_required");
    let answer = call(&app, "/strict", Auth::Bearer(&password_only), &[]).await;
    assert_eq!(answer.body["missing_factors"], serde_json::json!(["totp"]));
    let maybe = call(&app, "/maybe", Auth::Bearer(&password_only), &[]).await;
    assert_eq!(maybe.body["signed_in"], serde_json::Value::Null);
    for second in ["totp", "recovery_codes"] {
        let both = mint(&der, &kid, &project, &[("password", 60), (second, 30)]);
        let answer = call(&app, "/strict", Auth::Cookie(&both), &[]).await;
        answer.assert_ok();
        assert_eq!(answer.body["checked"], "locally");
    }
    // A factor Stytch has that the policy does not count.
    let email = mint(&der, &kid, &project, &[("magic_link", 60)]);
    call(&app, "/show", Auth::Bearer(&email), &[])
        .await
        .assert_refused(StatusCode::FORBIDDEN, "factors_required");
}

#[tokio::test]
async fn a_stale_step_up_is_refused_and_a_fresh_code_accepted_in_the_same_session() {
    // TOTP entered fifteen minutes ago (emulator clock), then the clock moves to now.
    let world = World::start(behind(900)).await;
    let ten_minutes = Duration::from_secs(600);
    let app = world.app(
        world.guard(),
        Policy::signed_in().fresh(Factor::authenticator(), ten_minutes),
    );
    let session = world.sign_in(60).await;
    world.emulator.advance_clock(Duration::from_secs(900));

    let stale = call(&app, "/strict", Auth::Cookie(&session.jwt), &[]).await;
    stale.assert_refused(StatusCode::FORBIDDEN, "step_up_required");
    assert_eq!(stale.body["step_up_within_seconds"], 600);
    let refreshed = stale.cookie_jwt().expect("checked remotely: refreshed");
    // Other routes do not ask for the step-up.
    call(&app, "/show", Auth::Cookie(&refreshed), &[])
        .await
        .assert_ok();

    // A fresh code on the same session: accepted, same session id.
    let stepped_up = world.step_up(&refreshed, &session).await;
    let answer = call(&app, "/strict", Auth::Cookie(&stepped_up), &[]).await;
    answer.assert_ok();
    let before = call(&app, "/show", Auth::Cookie(&refreshed), &[]).await;
    assert_eq!(answer.body["session_id"], before.body["session_id"]);

    // Pages are sent to the step-up page instead.
    let pages = world.app(
        world
            .guard()
            .redirects(Redirects::to("/sign-in").step_up("/step-up")),
        Policy::signed_in().fresh(Factor::authenticator(), ten_minutes),
    );
    let html = [("accept", "text/html")];
    let page = call(&pages, "/strict", Auth::Cookie(&refreshed), &html).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.raw);
    assert_eq!(page.headers[LOCATION], "/step-up");
    let anonymous = call(&pages, "/show", Auth::None, &html).await;
    assert_eq!(
        (anonymous.status, &anonymous.headers[LOCATION]),
        (
            StatusCode::SEE_OTHER,
            &"/sign-in".parse::<axum::http::HeaderValue>().unwrap()
        )
    );
    world.assert_logs_free_of(&[&session.jwt, &refreshed, &stepped_up]);
}

#[tokio::test]
async fn a_password_session_is_half_signed_in_until_a_code_steps_it_up() {
    let world = World::start(EmulatorConfig::default()).await;
    let two_factors = Policy::signed_in()
        .require(Factor::password())
        .require(Factor::authenticator());
    let app = world.app(world.guard().policy(two_factors), Policy::signed_in());
    let password = "plaid-Kettle-orbit-97-quasar";
    let created = world
        .client
        .passwords()
        .create("ada@example.com", password)
        .session_duration_minutes(60)
        .await
        .unwrap();
    let half = created.session_jwt.expose_secret().to_owned();
    let refused = call(&app, "/show", Auth::Cookie(&half), &[]).await;
    refused.assert_refused(StatusCode::FORBIDDEN, "factors_required");
    assert_eq!(refused.body["missing_factors"], serde_json::json!(["totp"]));
    // A route asking only for a session takes it.
    call(&app, "/strict", Auth::Cookie(&half), &[])
        .await
        .assert_ok();

    let totp = world
        .client
        .totps()
        .create(created.user_id.as_str())
        .await
        .unwrap();
    let code =
        stytch_totp_emulator::totp::code_at(totp.secret.expose_secret(), world.emulator.now())
            .unwrap();
    let stepped = world
        .client
        .totps()
        .authenticate(created.user_id.as_str(), code)
        .session_jwt(half.clone())
        .await
        .unwrap();
    let both = stepped.session_jwt.expose_secret().to_owned();
    let answer = call(&app, "/show", Auth::Cookie(&both), &[]).await;
    answer.assert_ok();
    assert_eq!(
        answer.body["factors"],
        serde_json::json!(["password", "totp"])
    );
    let first = call(&app, "/strict", Auth::Cookie(&half), &[]).await;
    assert_eq!(
        answer.body["session_id"], first.body["session_id"],
        "one session"
    );
    world.assert_logs_free_of(&[&half, &both, password]);
}

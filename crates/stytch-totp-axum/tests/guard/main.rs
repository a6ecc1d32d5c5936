//! The guard against the emulator: both credential sources, local and remote checks, the
//! refreshed cookie on any route, every policy rule, and forged, expired, revoked and
//! under-factored sessions. No JWT reaches a refusal or a log line.

use std::time::{Duration, SystemTime};

use axum::http::header::{RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use stytch_totp_axum::{CookieSettings, Factor, Policy, SameSite, Secure};
use stytch_totp_emulator::{Clock, EmulatorConfig, Fault, FaultSpec, Operation};

mod harness;
mod policy;
use harness::*;

pub(crate) fn behind(seconds: u64) -> EmulatorConfig {
    EmulatorConfig::default().with_clock(Clock::fixed(
        SystemTime::now() - Duration::from_secs(seconds),
    ))
}

#[tokio::test]
async fn a_fresh_jwt_is_verified_locally_from_the_cookie_or_a_bearer_header() {
    let world = World::start(EmulatorConfig::default()).await;
    let app = world.app(world.guard(), Policy::signed_in());
    let session = world.sign_in(60).await;

    let before = world.emulator.stats().requests_total;
    let by_cookie = call(&app, "/show", Auth::Cookie(&session.jwt), &[]).await;
    by_cookie.assert_ok();
    assert_eq!(by_cookie.body["checked"], "locally");
    assert_eq!(by_cookie.body["credential"], "cookie");
    assert_eq!(by_cookie.body["user_id"], session.user_id.as_str());
    assert_eq!(by_cookie.body["factors"], serde_json::json!(["totp"]));
    assert!(by_cookie.set_cookie().is_none(), "nothing to refresh");
    let by_bearer = call(&app, "/show", Auth::Bearer(&session.jwt), &[]).await;
    assert_eq!(
        (
            by_bearer.body["checked"].as_str(),
            by_bearer.body["credential"].as_str()
        ),
        (Some("locally"), Some("bearer"))
    );
    // The project's keys once, and nothing else.
    assert_eq!(world.emulator.stats().requests_total, before + 1);
    assert_eq!(world.applied(Operation::SessionsAuthenticate), 0);

    // One span per check, with where it was checked and how the JWT came.
    let logs = world.logs.text();
    let closes: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("session.check{") && l.contains("stytch_totp_axum::session: close"))
        .collect();
    assert_eq!(closes.len(), 2, "{logs}");
    assert!(
        closes[0].contains("session.checked=\"locally\"")
            && closes[0].contains("session.credential=\"cookie\""),
        "{}",
        closes[0]
    );
    assert!(
        closes[1].contains("session.credential=\"bearer\""),
        "{}",
        closes[1]
    );
    let session_id = by_cookie.body["session_id"].as_str().unwrap();
    assert!(closes[0].contains(session_id), "{}", closes[0]);
    world.assert_logs_free_of(&[&session.jwt]);
}

#[tokio::test]
async fn an_expired_jwt_is_refreshed_by_stytch_and_written_as_the_cookie_on_any_route() {
    // Sign in ten minutes ago on the emulator's clock, then bring the clock to now: the JWT is
    // past its five-minute exp, the one-hour session alive.
    let world = World::start(behind(600)).await;
    let app = world.app(
        world.guard(),
        Policy::signed_in().require(Factor::password()),
    );
    let session = world.sign_in(60).await;
    world.emulator.advance_clock(Duration::from_secs(600));

    for path in ["/show", "/maybe", "/broken"] {
        let checks = world.applied(Operation::SessionsAuthenticate);
        let answer = call(&app, path, Auth::Cookie(&session.jwt), &[]).await;
        assert_eq!(
            world.applied(Operation::SessionsAuthenticate),
            checks + 1,
            "{path}"
        );
        let fresh = answer
            .cookie_jwt()
            .unwrap_or_else(|| panic!("{path}: no refreshed cookie"));
        assert_ne!(fresh, session.jwt);
        let cookie = answer.set_cookie().unwrap();
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
            assert!(cookie.contains(part), "{path}: {part}");
        }
        assert!(!cookie.contains("Secure"), "loopback Host: not Secure");
    }
    // A route whose policy refuses the session still hands the refreshed JWT back: the
    // session was checked remotely.
    let refused = call(&app, "/strict", Auth::Cookie(&session.jwt), &[]).await;
    refused.assert_refused(StatusCode::FORBIDDEN, "factors_required");
    let fresh = refused
        .cookie_jwt()
        .expect("refreshed on a refused route too");

    // The fresh JWT verifies locally: no call, no new cookie.
    let checks = world.applied(Operation::SessionsAuthenticate);
    let next = call(&app, "/show", Auth::Cookie(&fresh), &[]).await;
    assert_eq!(next.body["checked"], "locally", "{}", next.raw);
    assert!(next.set_cookie().is_none());
    assert_eq!(world.applied(Operation::SessionsAuthenticate), checks);

    // A Bearer caller gets no cookie; off loopback the cookie is Secure.
    let bearer = call(&app, "/show", Auth::Bearer(&session.jwt), &[]).await;
    assert_eq!(bearer.body["checked"], "remotely");
    assert!(bearer.set_cookie().is_none());
    let public = call(
        &app,
        "/show",
        Auth::Cookie(&session.jwt),
        &[("host", "app.example.com")],
    )
    .await;
    assert!(public.set_cookie().unwrap().contains("Secure"));
    world.assert_logs_free_of(&[&session.jwt, &fresh]);
}

#[tokio::test]
async fn max_token_age_decides_when_stytch_is_asked_per_route() {
    // JWTs issued 30 s ago: older than 10 s, younger than the default 60 s.
    let world = World::start(behind(30)).await;
    let app = world.app(
        world.guard(),
        Policy::signed_in().max_token_age(Duration::from_secs(10)),
    );
    let session = world.sign_in(60).await;
    let local = call(&app, "/show", Auth::Bearer(&session.jwt), &[]).await;
    assert_eq!(local.body["checked"], "locally");
    let remote = call(&app, "/strict", Auth::Bearer(&session.jwt), &[]).await;
    assert_eq!(remote.body["checked"], "remotely", "{}", remote.raw);
    assert_eq!(world.applied(Operation::SessionsAuthenticate), 1);

    // And on the guard: every route asks Stytch.
    let always = world.app(
        world
            .guard()
            .policy(Policy::signed_in().max_token_age(Duration::ZERO)),
        Policy::signed_in(),
    );
    let remote = call(&always, "/show", Auth::Bearer(&session.jwt), &[]).await;
    assert_eq!(remote.body["checked"], "remotely");
}

#[tokio::test]
async fn forged_foreign_and_garbage_jwts_are_refused_without_asking_stytch() {
    // Another project's genuine JWT (emulators share the process's signing key, so the
    // signature verifies; its audience does not), set up first: each world keeps its own logs.
    let foreign = {
        let other = World::start(EmulatorConfig::default().with_credentials(
            "project-test-11111111-1111-1111-1111-111111111111",
            "secret-test-another-project-0000000000000000",
        ))
        .await;
        other.sign_in(60).await
    };
    let world = World::start(EmulatorConfig::default()).await;
    let app = world.app(world.guard(), Policy::signed_in());
    let ours = world.sign_in(60).await;
    let mut tampered = ours.jwt.clone();
    let at = tampered.find('.').unwrap() + 5;
    let swap = if &tampered[at..=at] == "A" { "B" } else { "A" };
    tampered.replace_range(at..=at, swap);

    for jwt in [foreign.jwt.as_str(), &tampered, "not-a-jwt"] {
        let answer = call(&app, "/show", Auth::Bearer(jwt), &[]).await;
        answer.assert_refused(StatusCode::UNAUTHORIZED, "invalid_session");
        let challenge = answer.headers[WWW_AUTHENTICATE].to_str().unwrap();
        assert!(challenge.starts_with("Bearer realm=") && challenge.contains("invalid_token"));
        assert!(
            !answer.raw.contains(jwt) && !challenge.contains(jwt),
            "never echoed"
        );
        // A refused cookie is deleted.
        let by_cookie = call(&app, "/show", Auth::Cookie(jwt), &[]).await;
        by_cookie.assert_refused(StatusCode::UNAUTHORIZED, "invalid_session");
        assert!(by_cookie.set_cookie().unwrap().contains("Max-Age=0"));
        // The optional variant sees no session.
        let maybe = call(&app, "/maybe", Auth::Cookie(jwt), &[]).await;
        assert_eq!(maybe.body["signed_in"], serde_json::Value::Null);
    }
    assert_eq!(world.applied(Operation::SessionsAuthenticate), 0);

    let anonymous = call(&app, "/show", Auth::None, &[]).await;
    anonymous.assert_refused(StatusCode::UNAUTHORIZED, "not_signed_in");
    assert_eq!(
        anonymous.headers[WWW_AUTHENTICATE],
        "Bearer realm=\"stytch\""
    );
    assert!(anonymous.set_cookie().is_none());
    let maybe = call(&app, "/maybe", Auth::Bearer(&ours.jwt), &[]).await;
    assert_eq!(maybe.body["signed_in"], ours.user_id.as_str());
    let logs = world.logs.text();
    let refused = |reason: &str| {
        logs.lines()
            .filter(|l| l.contains("stytch_totp_axum::session: close"))
            .filter(|l| l.contains(&format!("session.refusal=\"{reason}\"")))
            .count()
    };
    assert_eq!(
        (refused("invalid_session"), refused("not_signed_in")),
        (9, 1),
        "{logs}"
    );
    world.assert_logs_free_of(&[&ours.jwt, &foreign.jwt, &tampered]);
}

#[tokio::test]
async fn an_expired_session_is_refused_and_its_cookie_deleted() {
    // A five-minute session started ten minutes ago on the emulator's clock; the clock moves
    // to now: the session has ended.
    let world = World::start(behind(600)).await;
    let app = world.app(world.guard(), Policy::signed_in());
    let session = world.sign_in(5).await;
    world.emulator.advance_clock(Duration::from_secs(600));
    let before = world
        .emulator
        .stats()
        .requests_to(Operation::SessionsAuthenticate.path());
    let answer = call(&app, "/show", Auth::Cookie(&session.jwt), &[]).await;
    answer.assert_refused(StatusCode::UNAUTHORIZED, "session_ended");
    assert!(answer.set_cookie().unwrap().contains("Max-Age=0"));
    let asked = world
        .emulator
        .stats()
        .requests_to(Operation::SessionsAuthenticate.path());
    assert_eq!(asked, before + 1, "Stytch was asked");
    world.assert_logs_free_of(&[&session.jwt]);
}

#[tokio::test]
async fn a_revoked_session_is_refused_once_stytch_is_asked() {
    let world = World::start(EmulatorConfig::default()).await;
    let app = world.app(
        world.guard(),
        Policy::signed_in().max_token_age(Duration::ZERO),
    );
    let session = world.sign_in(60).await;
    call(&app, "/strict", Auth::Bearer(&session.jwt), &[])
        .await
        .assert_ok();
    world
        .client
        .sessions()
        .revoke(stytch_totp::RevokeTarget::SessionJwt(
            session.jwt.clone().into(),
        ))
        .await
        .unwrap();
    call(&app, "/strict", Auth::Bearer(&session.jwt), &[])
        .await
        .assert_refused(StatusCode::UNAUTHORIZED, "session_ended");
    // The documented window: until max_token_age, a revoked session's JWT verifies locally.
    call(&app, "/show", Auth::Bearer(&session.jwt), &[])
        .await
        .assert_ok();
}

#[tokio::test]
async fn stytch_unavailable_is_503_not_a_sign_out() {
    let world = World::start(EmulatorConfig::default()).await;
    let app = world.app(
        world.guard(),
        Policy::signed_in().max_token_age(Duration::ZERO),
    );
    let session = world.sign_in(60).await;
    world.emulator.inject(
        FaultSpec::new(Fault::status(503))
            .on(Operation::SessionsAuthenticate)
            .times(2),
    );
    let answer = call(&app, "/strict", Auth::Cookie(&session.jwt), &[]).await;
    answer.assert_refused(StatusCode::SERVICE_UNAVAILABLE, "stytch_unavailable");
    assert_eq!(answer.headers[RETRY_AFTER], "1");
    assert!(answer.set_cookie().is_none(), "the cookie is kept");
    // The optional variant does not pretend the caller is signed out either.
    let answer = call(
        &Router::new()
            .route(
                "/maybe",
                get(|s: Option<stytch_totp_axum::StytchSession>| async move {
                    format!("{}", s.is_some())
                })
                .layer(Policy::signed_in().max_token_age(Duration::ZERO).layer()),
            )
            .layer(world.guard().layer()),
        "/maybe",
        Auth::Cookie(&session.jwt),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn handlers_set_and_delete_the_cookie_with_the_guards_attributes() {
    let world = World::start(EmulatorConfig::default()).await;
    let guard = world.guard().cookie(
        CookieSettings::default()
            .name("sid")
            .same_site(SameSite::Strict)
            .secure(Secure::Always),
    );
    let app = world.app(guard, Policy::signed_in());
    let gone = call(&app, "/sign-out", Auth::None, &[]).await;
    let cookie = gone.set_cookie().unwrap();
    for part in [
        "sid=;",
        "Max-Age=0",
        "SameSite=Strict",
        "Secure",
        "HttpOnly",
    ] {
        assert!(cookie.contains(part), "{cookie}");
    }
    // The custom name is the one read.
    let session = world.sign_in(60).await;
    let request = call(
        &app,
        "/show",
        Auth::None,
        &[("cookie", &format!("sid={}", session.jwt))],
    )
    .await;
    request.assert_ok();
}

#[tokio::test]
async fn without_the_guard_layer_the_extractor_fails_closed() {
    let app = Router::new().route("/show", get(show));
    let answer = call(&app, "/show", Auth::Bearer("a.b.c"), &[]).await;
    answer.assert_refused(StatusCode::INTERNAL_SERVER_ERROR, "session_check_failed");
}

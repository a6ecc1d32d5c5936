//! The service against the embedded emulator, with every span and event captured: the SDK's
//! `stytch.*` spans nest under the handler spans with their request ids, statuses and attempt
//! counts, retries show under one span, outages answer 503 with Stytch's request id, and no
//! secret reaches a span field or a log line.

use axum::http::{header, StatusCode};
use mfa_service::{EnrollResponse, SessionResponse};
use serde_json::json;
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Fault, FaultSpec, Operation};

mod capture;
mod harness;
#[path = "../shared/log_buffer.rs"]
mod log_buffer;
#[path = "../shared/oneshot.rs"]
mod oneshot;

use harness::*;

#[tokio::test]
async fn enroll_verify_recover_are_traced_correlated_and_secret_free() {
    let h = Harness::start().await;

    // Sign up, then enroll with the caller's W3C trace context.
    let signed_up = h.sign_up("alice").await;
    assert!(!signed_up.totp_enrolled);
    let (status, _, body) = h.call("POST", "/mfa/enroll", None, Some(TRACEPARENT)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let enrolled: EnrollResponse = serde_json::from_value(body).unwrap();
    assert_eq!(enrolled.recovery_codes.len(), 10);
    let secret = secret_from_qr(enrolled.qr_code.expose_secret());
    assert_eq!(secret, enrolled.secret.expose_secret());

    // Verify with the code an authenticator app would show, then replay it.
    let code = h.code(&secret);
    let (status, body) = h.post("/mfa/verify", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();
    assert!(!verified.session_token.is_empty() && !verified.session_jwt.is_empty());
    assert!(verified.session_expires_at.is_some());
    let (status, body) = h.post("/mfa/verify", json!({ "code": code })).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("code_already_used"))
    );

    // Recover with a recovery code, then try to spend it again.
    let recovery_code = enrolled.recovery_codes[0].expose_secret();
    let body = json!({ "recovery_code": recovery_code });
    let (status, answer) = h.post("/mfa/recover", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let recovered: SessionResponse = serde_json::from_value(answer).unwrap();
    assert_eq!(
        recovered.session_token.expose_secret(),
        verified.session_token.expose_secret(),
        "both factors land on the one session started by sign-up"
    );
    let (status, answer) = h.post("/mfa/recover", body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_recovery_code"))
    );

    // The request span honours the caller's traceparent and names the route.
    let enroll = h.handler_span("mfa.enroll", &enrolled.user_id);
    let request = h.capture.parent(&enroll).expect("mfa.enroll has a parent");
    assert_eq!(request.name, "http.request");
    assert_eq!(field(&request, "http.route"), "/mfa/enroll");
    assert_eq!(field(&request, "otel.name"), "POST /mfa/enroll");
    assert_eq!(field(&request, "trace_id"), TRACE_ID);
    assert_eq!(field(&request, "parent_span_id"), PARENT_SPAN_ID);
    assert_eq!(field(&request, "http.response.status_code"), "200");
    assert_eq!(request.parent, None, "the request span is a root");

    // Sign-up: passwords.create under mfa.signup; enroll: totps.create under mfa.enroll, for
    // the session's user.
    let signup = h.capture.named("mfa.signup").remove(0);
    assert_stytch_span(
        &h.child(&signup, Operation::PasswordsCreate.span_name()),
        "200",
        "1",
    );
    assert_stytch_span(
        &h.child(&enroll, Operation::TotpsCreate.span_name()),
        "200",
        "1",
    );
    assert_eq!(field(&enroll, "stytch.user_id"), signed_up.user_id);
    assert_eq!(field(&enroll, "totp_id"), enrolled.totp_id);

    // Verify and recover: one SDK span each under the handler span (first call of each).
    for (handler, op) in [
        ("mfa.verify", Operation::TotpsAuthenticate.span_name()),
        ("mfa.recover", Operation::TotpsRecover.span_name()),
    ] {
        let spans = h.capture.named(handler);
        assert_eq!(spans.len(), 2, "{handler}: success, then refusal");
        let ok = &spans[0];
        assert_stytch_span(&h.child(ok, op), "200", "1");
        assert_eq!(field(ok, "totp_id"), enrolled.totp_id);
        let refused = &spans[1];
        let failed = h.child(refused, op);
        assert_stytch_span(
            &failed,
            if op.ends_with("recover") {
                "401"
            } else {
                "400"
            },
            "1",
        );
        assert!(failed.fields.contains_key("error.type"));
        let expected = if op.ends_with("recover") {
            "invalid_recovery_code"
        } else {
            "code_already_used"
        };
        assert_eq!(field(refused, "error.type"), expected);
        // Every request without a traceparent still gets a trace id of its own.
        let request = h.capture.parent(ok).unwrap();
        assert_eq!(field(&request, "trace_id").len(), 32);
        assert_ne!(field(&request, "trace_id"), TRACE_ID);
    }

    // The real JSON log lines correlate: the close line of stytch.totps.create carries its
    // request id and, in its span list, the caller's trace id.
    let lines = h.logs.lines();
    let create_close = lines
        .iter()
        .find(|l| {
            l["message"] == "close" && l["span"]["name"] == Operation::TotpsCreate.span_name()
        })
        .expect("a close line for stytch.totps.create");
    assert!(create_close["span"]["stytch.request_id"]
        .as_str()
        .unwrap()
        .starts_with("request-id-test-"));
    let spans = create_close["spans"].as_array().unwrap();
    assert!(
        spans
            .iter()
            .any(|s| s["name"] == "http.request" && s["trace_id"] == TRACE_ID),
        "{create_close}"
    );

    // No secret anywhere.
    let mut secrets = secrets_of_enrollment(&h, &enrolled, &secret);
    secrets.extend(session_secrets(&verified));
    secrets.extend(session_secrets(&recovered));
    secrets.push(signed_up.session_jwt.expose_secret().to_owned());
    assert_no_secret(&h, &secrets);
    assert_code_not_logged(&h, &code);
}

#[tokio::test]
async fn a_read_retried_after_503s_shows_every_attempt_under_one_span() {
    let h = Harness::start().await;
    let (enrolled, secret) = h.enroll("bob").await;
    let code = h.code(&secret);
    let (status, body) = h.post("/mfa/verify", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();
    *h.session.lock().unwrap() = Some(verified.session_jwt.expose_secret().to_owned());
    h.emulator().inject(
        FaultSpec::new(Fault::status(503))
            .on(Operation::TotpsRecoveryCodes)
            .times(2),
    );
    let (status, _, body) = h.call("POST", "/mfa/recovery-codes", None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(h.emulator().pending_faults().is_empty());

    let handler = h.capture.named("mfa.recovery_codes").remove(0);
    let read = h.child(&handler, Operation::TotpsRecoveryCodes.span_name());
    // Two 503s, then the real answer, all in one operation span.
    assert_stytch_span(&read, "200", "3");
    let responses: Vec<_> = h
        .capture
        .events()
        .into_iter()
        .filter(|e| e.span == Some(read.seq) && e.fields.contains_key("request_id"))
        .collect();
    let statuses: Vec<&str> = responses
        .iter()
        .map(|e| e.fields["status"].as_str())
        .collect();
    assert_eq!(statuses, ["503", "503", "200"]);
    let mut ids: Vec<&str> = responses
        .iter()
        .map(|e| e.fields["request_id"].as_str())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each attempt has its own request id");

    let mut secrets = secrets_of_enrollment(&h, &enrolled, &secret);
    secrets.extend(session_secrets(&verified));
    assert_no_secret(&h, &secrets);
}

#[tokio::test]
async fn verify_during_a_stytch_outage_answers_503_with_the_request_id() {
    let h = Harness::start().await;
    let (enrolled, secret) = h.enroll("carol").await;
    let code = h.code(&secret);
    h.emulator()
        .inject(FaultSpec::new(Fault::status(503)).on(Operation::TotpsAuthenticate));

    let (status, headers, body) = h
        .call("POST", "/mfa/verify", Some(json!({ "code": code })), None)
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "stytch_unavailable");
    assert_eq!(body["outcome_unknown"], true);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    let request_id = body["request_id"].as_str().expect("request_id in the body");

    // Not retried (authenticate consumes the code): one attempt, same request id as the body.
    let verify = h.handler_span("mfa.verify", &enrolled.user_id);
    let authenticate = h.child(&verify, Operation::TotpsAuthenticate.span_name());
    assert_eq!(assert_stytch_span(&authenticate, "503", "1"), request_id);
    assert_eq!(field(&verify, "error.type"), "stytch_unavailable");
    let request = h.capture.parent(&verify).unwrap();
    assert_eq!(field(&request, "http.response.status_code"), "503");

    // The service's own ERROR line names the request id.
    let logged = h.logs.lines().into_iter().any(|l| {
        l["level"] == "ERROR"
            && l["target"] == "mfa_service::error"
            && l["stytch.request_id"] == request_id
    });
    assert!(logged, "{}", h.logs.text());

    // Nothing was applied, so the same code still works once Stytch is back.
    let (status, body) = h.post("/mfa/verify", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();

    let mut secrets = secrets_of_enrollment(&h, &enrolled, &secret);
    secrets.extend(session_secrets(&verified));
    assert_no_secret(&h, &secrets);
    assert_code_not_logged(&h, &code);
}

/// A code that is none of the three an authenticator app could show around now.
fn wrong_code(h: &Harness, secret: &str) -> String {
    let now = h.emulator().now();
    let step = std::time::Duration::from_secs(30);
    let valid = [
        code_at(secret, now - step).unwrap(),
        code_at(secret, now).unwrap(),
        code_at(secret, now + step).unwrap(),
    ];
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn errors_map_to_http_answers_without_secrets() {
    let h = Harness::start().await;

    let (status, _, body) = h.call("GET", "/healthz", None, None).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "status": "ok" })));

    // Anonymous: no factor route answers.
    for path in ["/mfa/enroll", "/mfa/verify", "/mfa/recover", "/me"] {
        let method = if path == "/me" { "GET" } else { "POST" };
        let (status, _, answer) = h
            .call(method, path, Some(json!({ "code": "123456" })), None)
            .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("not_signed_in")),
            "{path}"
        );
    }

    // Sign-up and sign-in refusals, one answer for an unknown address and a wrong password.
    let erin = h.sign_up("erin").await;
    *h.session.lock().unwrap() = None;
    let again = json!({ "email": "erin@example.com", "password": PASSWORD });
    let (status, answer) = h.post("/signup", again).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("email_taken"))
    );
    let weak = json!({ "email": "weak@example.com", "password": "password1" });
    let (status, answer) = h.post("/signup", weak).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("weak_password"))
    );
    let mut messages = Vec::new();
    for (email, password) in [
        ("erin@example.com", "wrong-Kettle-orbit-98"),
        ("nobody@example.com", PASSWORD),
    ] {
        let (status, answer) = h
            .post("/login", json!({ "email": email, "password": password }))
            .await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_credentials")),
            "{answer}"
        );
        assert!(!answer.to_string().contains("Kettle"), "{answer}");
        messages.push(answer["message"].clone());
    }
    assert_eq!(messages[0], messages[1], "no account probing");
    let (status, body) = h
        .post(
            "/login",
            json!({ "email": "erin@example.com", "password": PASSWORD }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user_id"], erin.user_id.as_str());
    assert_eq!(body["totp_enrolled"], false);
    *h.session.lock().unwrap() = Some(body["session_jwt"].as_str().unwrap().to_owned());
    // Half signed in: the two-factor route refuses.
    let (status, _, answer) = h.call("GET", "/me", None, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("factors_required"))
    );

    // Bad input: 400, nothing sent to Stytch, the value never echoed.
    for (path, body) in [
        ("/mfa/verify", json!({ "code": 987654 })),
        ("/mfa/verify", json!({ "code": "98x654" })),
        ("/mfa/recover", json!({})),
        ("/signup", json!({ "email": "x98@", "password": PASSWORD })),
    ] {
        let (status, answer) = h.post(path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
        assert_eq!(answer["error"], "bad_request");
        assert!(!answer.to_string().contains("98"), "{answer}");
    }
    let (status, answer) = h.post("/signup", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["message"], "missing field `email`");
    let (status, _, _) = h.call("POST", "/login", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no JSON content type");

    // Not enrolled: 404.
    let (status, answer) = h.post("/mfa/verify", json!({ "code": "123456" })).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // Enrolled twice after verifying: 409.
    let (enrolled, secret) = h.enroll("dave").await;
    let code = h.code(&secret);
    let (status, body) = h.post("/mfa/verify", json!({ "code": code })).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();
    let (status, _, answer) = h.call("POST", "/mfa/enroll", None, None).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );

    // Wrong codes: 401 until Stytch locks the user, then 429 with the lock expiry.
    let wrong = wrong_code(&h, &secret);
    let mut statuses = Vec::new();
    let locked = loop {
        let (status, answer) = h.post("/mfa/verify", json!({ "code": wrong })).await;
        statuses.push(status.as_u16());
        if status == StatusCode::TOO_MANY_REQUESTS || statuses.len() > 12 {
            break answer;
        }
        assert_eq!(answer["error"], "invalid_code", "{answer}");
    };
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert_eq!(locked["error"], "user_locked");
    let lock_expires_at = locked["lock_expires_at"].as_str().expect("lock expiry");
    assert!(lock_expires_at.ends_with('Z'), "{lock_expires_at}");
    assert!(locked["request_id"].as_str().is_some());
    // The lock expiry came from a users.get inside the same handler span.
    let locked_span = h
        .capture
        .named("mfa.verify")
        .into_iter()
        .find(|s| s.fields.get("error.type").map(String::as_str) == Some("user_locked"))
        .expect("the locked verify span");
    assert_stytch_span(
        &h.child(&locked_span, Operation::UsersGet.span_name()),
        "200",
        "1",
    );

    let mut secrets = secrets_of_enrollment(&h, &enrolled, &secret);
    secrets.extend(session_secrets(&verified));
    assert_no_secret(&h, &secrets);
    assert_code_not_logged(&h, &code);
}

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

    // Enroll, with the caller's W3C trace context.
    let (status, _, body) = h
        .call(
            "POST",
            "/mfa/enroll",
            Some(json!({ "user_id": "alice" })),
            Some(TRACEPARENT),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let enrolled: EnrollResponse = serde_json::from_value(body).unwrap();
    assert_eq!(enrolled.recovery_codes.len(), 10);
    let secret = secret_from_qr(enrolled.qr_code.expose_secret());
    assert_eq!(secret, enrolled.secret.expose_secret());

    // Verify with the code an authenticator app would show, then replay it.
    let code = h.code(&secret);
    let (status, body) = h
        .post("/mfa/verify", json!({ "user_id": "alice", "code": code }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();
    assert!(!verified.session_token.is_empty() && !verified.session_jwt.is_empty());
    assert!(verified.session_expires_at.is_some());
    let (status, body) = h
        .post("/mfa/verify", json!({ "user_id": "alice", "code": code }))
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("code_already_used"))
    );

    // Recover with a recovery code, then try to spend it again.
    let recovery_code = enrolled.recovery_codes[0].expose_secret();
    let body = json!({ "user_id": "alice", "recovery_code": recovery_code });
    let (status, answer) = h.post("/mfa/recover", body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let recovered: SessionResponse = serde_json::from_value(answer).unwrap();
    assert_ne!(
        recovered.session_token.expose_secret(),
        verified.session_token.expose_secret()
    );
    let (status, answer) = h.post("/mfa/recover", body).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("invalid_recovery_code"))
    );

    // The request span honours the caller's traceparent and names the route.
    let enroll = h.handler_span("mfa.enroll", "alice");
    let request = h.capture.parent(&enroll).expect("mfa.enroll has a parent");
    assert_eq!(request.name, "http.request");
    assert_eq!(field(&request, "http.route"), "/mfa/enroll");
    assert_eq!(field(&request, "otel.name"), "POST /mfa/enroll");
    assert_eq!(field(&request, "trace_id"), TRACE_ID);
    assert_eq!(field(&request, "parent_span_id"), PARENT_SPAN_ID);
    assert_eq!(field(&request, "http.response.status_code"), "200");
    assert_eq!(request.parent, None, "the request span is a root");

    // Enroll: users.get (404: new user), users.create, totps.create, all under mfa.enroll.
    assert_stytch_span(
        &h.child(&enroll, Operation::UsersGet.span_name()),
        "404",
        "1",
    );
    assert_stytch_span(
        &h.child(&enroll, Operation::UsersCreate.span_name()),
        "200",
        "1",
    );
    assert_stytch_span(
        &h.child(&enroll, Operation::TotpsCreate.span_name()),
        "200",
        "1",
    );
    assert!(field(&enroll, "stytch.user_id").starts_with("user-test-"));
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
    assert_no_secret(&h, &secrets);
    assert_code_not_logged(&h, &code);
}

#[tokio::test]
async fn a_read_retried_after_503s_shows_every_attempt_under_one_span() {
    let h = Harness::start().await;
    h.emulator().inject(
        FaultSpec::new(Fault::status(503))
            .on(Operation::UsersGet)
            .times(2),
    );
    let (enrolled, secret) = h.enroll("bob").await;
    assert!(h.emulator().pending_faults().is_empty());

    let enroll = h.handler_span("mfa.enroll", "bob");
    let get = h.child(&enroll, Operation::UsersGet.span_name());
    // Two 503s, then the real answer (404: a new user), all in one operation span.
    assert_stytch_span(&get, "404", "3");
    let responses: Vec<_> = h
        .capture
        .events()
        .into_iter()
        .filter(|e| e.span == Some(get.seq) && e.fields.contains_key("request_id"))
        .collect();
    let statuses: Vec<&str> = responses
        .iter()
        .map(|e| e.fields["status"].as_str())
        .collect();
    assert_eq!(statuses, ["503", "503", "404"]);
    let mut ids: Vec<&str> = responses
        .iter()
        .map(|e| e.fields["request_id"].as_str())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each attempt has its own request id");
    assert_stytch_span(
        &h.child(&enroll, Operation::TotpsCreate.span_name()),
        "200",
        "1",
    );

    assert_no_secret(&h, &secrets_of_enrollment(&h, &enrolled, &secret));
}

#[tokio::test]
async fn verify_during_a_stytch_outage_answers_503_with_the_request_id() {
    let h = Harness::start().await;
    let (enrolled, secret) = h.enroll("carol").await;
    let code = h.code(&secret);
    h.emulator()
        .inject(FaultSpec::new(Fault::status(503)).on(Operation::TotpsAuthenticate));

    let (status, headers, body) = h
        .call(
            "POST",
            "/mfa/verify",
            Some(json!({ "user_id": "carol", "code": code })),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"], "stytch_unavailable");
    assert_eq!(body["outcome_unknown"], true);
    assert_eq!(headers[header::RETRY_AFTER], "1");
    let request_id = body["request_id"].as_str().expect("request_id in the body");

    // Not retried (authenticate consumes the code): one attempt, same request id as the body.
    let verify = h.handler_span("mfa.verify", "carol");
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
    let (status, body) = h
        .post("/mfa/verify", json!({ "user_id": "carol", "code": code }))
        .await;
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

    // Bad input: 400, nothing sent to Stytch, the value never echoed.
    for (path, body) in [
        ("/mfa/enroll", json!({})),
        ("/mfa/enroll", json!({ "user_id": "has space" })),
        (
            "/mfa/enroll",
            json!({ "user_id": "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6" }),
        ),
        ("/mfa/verify", json!({ "user_id": "dave", "code": 987654 })),
        (
            "/mfa/verify",
            json!({ "user_id": "dave", "code": "98x654" }),
        ),
        ("/mfa/recover", json!({ "user_id": "dave" })),
    ] {
        let (status, answer) = h.post(path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}: {answer}");
        assert_eq!(answer["error"], "bad_request");
        assert!(!answer.to_string().contains("98"), "{answer}");
    }
    let (status, answer) = h.post("/mfa/enroll", json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["message"], "missing field `user_id`");
    let (status, _, _) = h.call("POST", "/mfa/enroll", None, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no JSON content type");

    // Not enrolled: 404.
    let (status, answer) = h
        .post(
            "/mfa/verify",
            json!({ "user_id": "nobody", "code": "123456" }),
        )
        .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );

    // Enrolled twice after verifying: 409.
    let (enrolled, secret) = h.enroll("dave").await;
    let code = h.code(&secret);
    let (status, body) = h
        .post("/mfa/verify", json!({ "user_id": "dave", "code": code }))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let verified: SessionResponse = serde_json::from_value(body).unwrap();
    let (status, answer) = h.post("/mfa/enroll", json!({ "user_id": "dave" })).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::CONFLICT, Some("already_enrolled"))
    );

    // Wrong codes: 401 until Stytch locks the user, then 429 with the lock expiry.
    let wrong = wrong_code(&h, &secret);
    let mut statuses = Vec::new();
    let locked = loop {
        let (status, answer) = h
            .post("/mfa/verify", json!({ "user_id": "dave", "code": wrong }))
            .await;
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

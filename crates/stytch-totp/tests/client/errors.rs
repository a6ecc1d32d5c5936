//! Error responses map to typed errors that keep the HTTP status and Stytch request id.

use std::time::{Duration, Instant};

use serde_json::json;
use stytch_totp::models::ErrorType;
use stytch_totp::{Error, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn answer(template: ResponseTemplate) -> (MockServer, Error) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(template)
        .mount(&server)
        .await;
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.totps().create(USER_ID).await.unwrap_err();
    (server, error)
}

#[tokio::test]
async fn stytch_errors_keep_status_request_id_and_type() {
    let cases = [
        (400, "active_totp_exists", ErrorType::ActiveTotpExists),
        (
            401,
            "unauthorized_credentials",
            ErrorType::UnauthorizedCredentials,
        ),
        (404, "user_not_found", ErrorType::UserNotFound),
        (429, "too_many_requests", ErrorType::TooManyRequests),
        (
            429,
            "user_lock_limit_reached",
            ErrorType::UserLockLimitReached,
        ),
        (500, "internal_server_error", ErrorType::InternalServerError),
        (
            400,
            "a_type_from_the_future",
            ErrorType::Other("a_type_from_the_future".into()),
        ),
    ];
    for (status, wire, expected) in cases {
        let (_server, error) =
            answer(ResponseTemplate::new(status).set_body_json(stytch_error(status, wire))).await;
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.request_id(), Some(REQUEST_ID));
        assert_eq!(error.error_type(), Some(&expected));
        let text = error.to_string();
        assert!(
            text.contains(&status.to_string()) && text.contains(REQUEST_ID) && text.contains(wire),
            "{text}"
        );
        // The retry layer's verdict: a rate limit is retried, a 500 is not (it is not
        // transient), nor a 4xx.
        assert_eq!(
            error.is_retryable(),
            status == 429 && wire != "user_lock_limit_reached",
            "{status} {wire}: a locked user stays locked"
        );
    }
}

#[tokio::test]
async fn broken_bodies_are_decode_errors_with_the_status() {
    let html = ResponseTemplate::new(502)
        .set_body_raw("<html><body>Bad Gateway</body></html>", "text/html");
    let (_s, error) = answer(html).await;
    assert!(
        matches!(
            &error,
            Error::Decode {
                status: 502,
                request_id: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("<html>"), "{error}");
    assert!(error.is_outcome_unknown());

    let (_s, error) = answer(ResponseTemplate::new(200)).await;
    assert!(
        matches!(&error, Error::Decode { status: 200, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("empty body"), "{error}");

    let full = serde_json::to_string(&example("CreateTotpResponse", 0)).unwrap();
    let truncated = &full[..full.len() / 2];
    let (_s, error) =
        answer(ResponseTemplate::new(200).set_body_raw(truncated, "application/json")).await;
    assert!(
        matches!(&error, Error::Decode { status: 200, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("truncated JSON"), "{text}");
    assert!(
        !text.contains("BTGNX5RKJRMQWQFRQKTG34JCF6XDRHZS"),
        "secret in error: {text}"
    );

    let (_s, error) = answer(ResponseTemplate::new(503).set_body_raw("", "text/plain")).await;
    assert_eq!(error.status(), Some(503));
}

/// A malformed or missing time in a success answer is a decode error with the status and the
/// `request_id`, never a panic and never a made-up time; the value itself is not quoted.
#[tokio::test]
async fn a_bad_timestamp_is_a_decode_error_with_status_and_request_id() {
    for (bad, fragment) in [
        (json!("2026-13-45T99:00:00Z"), "input is out of range"),
        (json!("yesterday"), "input contains invalid characters"),
        (json!(1_772_469_912), "invalid type: integer"),
        (json!(""), "premature end of input"),
    ] {
        let mut body = example("CreateTotpResponse", 0);
        body["user"]["created_at"] = bad.clone();
        let (_s, error) = answer(ResponseTemplate::new(200).set_body_json(&body)).await;
        assert!(
            matches!(&error, Error::Decode { status: 200, request_id: Some(id), reason, .. }
                if id == body["request_id"].as_str().unwrap() && reason.contains(fragment)),
            "{bad}: {error:?}"
        );
        assert!(
            !error.is_retryable() && !error.is_outcome_unknown(),
            "{error:?}"
        );
        if let Some(text) = bad.as_str().filter(|t| !t.is_empty()) {
            assert!(!error.to_string().contains(&format!(": {text}")), "{error}");
        }
    }
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = MockServer::start().await;
    let big = format!("{{\"padding\":\"{}\"}}", "x".repeat(64 * 1024));
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(big, "application/json"))
        .mount(&server)
        .await;
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .max_response_bytes(16 * 1024)
        .build()
        .unwrap();
    let error = client.users().get(USER_ID).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::ResponseTooLarge {
                status: 200,
                limit: 16384
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_stalled_server_times_out_within_the_bound() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = client_for(&server);
    let started = Instant::now();
    let error = client
        .totps()
        .recover(USER_ID, "ckss-2skx-ebow")
        .timeout(Duration::from_millis(300))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_outcome_unknown());
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "recover is never re-sent"
    );
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_that_nothing_was_sent() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let error = client
        .totps()
        .recover(USER_ID, "ckss-2skx-ebow")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Transport {
                connected: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(!error.is_outcome_unknown());
}

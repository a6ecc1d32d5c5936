//! Retry behaviour per status and per operation, Retry-After, and the time budget.

use std::time::{Duration, Instant};

use stytch_totp::{Client, RetryPolicy};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// Answers `status` `failures` times, then 200 with `success`.
async fn flaky(status: u16, failures: u64, success: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(stytch_error(status, "flaky")))
        .up_to_n_times(failures)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(success))
        .mount(&server)
        .await;
    server
}

async fn attempts(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn reads_are_retried_on_transient_statuses() {
    for status in [429, 502, 503, 504] {
        let server = flaky(status, 2, example("GetUserResponse", 0)).await;
        client_for(&server).users().get(USER_ID).await.unwrap();
        assert_eq!(attempts(&server).await, 3, "status {status}");
    }
}

#[tokio::test]
async fn reads_are_not_retried_on_500_or_4xx() {
    for status in [500, 400, 401, 404] {
        let server = flaky(status, 1, example("GetUserResponse", 0)).await;
        let error = client_for(&server).users().get(USER_ID).await.unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert_eq!(attempts(&server).await, 1, "status {status}");
    }
}

#[tokio::test]
async fn consuming_calls_are_retried_on_429() {
    let server = flaky(429, 2, example("CreateTotpResponse", 0)).await;
    client_for(&server).totps().create(USER_ID).await.unwrap();
    assert_eq!(attempts(&server).await, 3);

    let server = flaky(429, 1, example("AuthenticateTotpResponse", 1)).await;
    client_for(&server)
        .totps()
        .authenticate(USER_ID, "123456")
        .await
        .unwrap();
    assert_eq!(attempts(&server).await, 2);

    let server = flaky(429, 1, example("RecoverTotpResponse", 0)).await;
    client_for(&server)
        .totps()
        .recover(USER_ID, "ckss-2skx-ebow")
        .await
        .unwrap();
    assert_eq!(attempts(&server).await, 2);
}

#[tokio::test]
async fn consuming_calls_are_sent_exactly_once_after_5xx() {
    for status in [500, 502, 503, 504] {
        let server = flaky(status, 1, example("RecoverTotpResponse", 0)).await;
        let error = client_for(&server)
            .totps()
            .recover(USER_ID, "ckss-2skx-ebow")
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(status));
        assert!(error.is_outcome_unknown());
        assert_eq!(
            attempts(&server).await,
            1,
            "recover on {status} must not be re-sent"
        );

        let server = flaky(status, 1, example("AuthenticateTotpResponse", 1)).await;
        client_for(&server)
            .totps()
            .authenticate(USER_ID, "123456")
            .await
            .unwrap_err();
        assert_eq!(
            attempts(&server).await,
            1,
            "authenticate on {status} must not be re-sent"
        );

        let server = flaky(status, 1, example("CreateTotpResponse", 0)).await;
        client_for(&server)
            .totps()
            .create(USER_ID)
            .await
            .unwrap_err();
        assert_eq!(
            attempts(&server).await,
            1,
            "create on {status} must not be re-sent"
        );
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(stytch_error(429, "too_many_requests")),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(example("AuthenticateTotpResponse", 1)),
        )
        .mount(&server)
        .await;
    let started = Instant::now();
    client_for(&server)
        .totps()
        .authenticate(USER_ID, "123456")
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(attempts(&server).await, 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_returns_the_429_at_once() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "120")
                .set_body_json(stytch_error(429, "too_many_requests")),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let started = Instant::now();
    let error = client.users().get(USER_ID).await.unwrap_err();
    assert_eq!(error.status(), Some(429));
    // Waiting would take 120 s; answering at once takes milliseconds.
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(attempts(&server).await, 1);
}

#[tokio::test]
async fn retries_stop_at_max_attempts_and_at_the_time_budget() {
    let server = flaky(503, 100, example("GetUserResponse", 0)).await;
    let error = client_for(&server).users().get(USER_ID).await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(attempts(&server).await, 4, "1 attempt + 3 retries");

    let server = flaky(503, 100, example("GetUserResponse", 0)).await;
    let budgeted = RetryPolicy::default()
        .max_retries(50)
        .backoff(Duration::from_millis(100), Duration::from_millis(100))
        .budget(Duration::from_millis(800));
    let client = Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .retry_policy(budgeted)
        .build()
        .unwrap();
    let started = Instant::now();
    client.users().get(USER_ID).await.unwrap_err();
    let seen = attempts(&server).await;
    // Jittered waits of up to 100 ms within 800 ms: a handful of attempts, far from the 51
    // allowed; at least 2 even when a loaded machine answers slowly.
    assert!(
        (2..=20).contains(&seen),
        "budget should stop after a few attempts, saw {seen}"
    );
    // 800 ms of budget; 5x that for a loaded machine.
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_locked_user_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429).set_body_json(stytch_error(429, "user_lock_limit_reached")),
        )
        .mount(&server)
        .await;
    let error = client_for(&server)
        .totps()
        .authenticate(USER_ID, "123456")
        .await
        .unwrap_err();
    assert_eq!(
        error.error_type(),
        Some(&stytch_totp::models::ErrorType::UserLockLimitReached)
    );
    assert_eq!(attempts(&server).await, 1);
}

#[tokio::test]
async fn the_call_timeout_bounds_retries_and_shortens_the_last_attempt() {
    // 503 at once, then a server that never answers in time: the retry is sent, but its
    // attempt may only use what is left of the 800 ms call, not the 10 s attempt timeout.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_json(stytch_error(503, "unavailable")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(server.uri())
        .retry_policy(fast_retries())
        .attempt_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_millis(800))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.users().get(USER_ID).await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(error, stytch_totp::Error::Timeout { after } if after == Duration::from_millis(800)),
        "{error:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(750) && elapsed < Duration::from_secs(4),
        "took {elapsed:?}"
    );
    assert_eq!(attempts(&server).await, 2);

    // A Retry-After that ends past the call's deadline is not waited for: the 503 comes back.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("retry-after", "2")
                .set_body_json(stytch_error(503, "unavailable")),
        )
        .mount(&server)
        .await;
    let client = client_for(&server);
    let started = Instant::now();
    let error = client
        .users()
        .get(USER_ID)
        .timeout(Duration::from_secs(1))
        .await
        .unwrap_err();
    // A 503 (not a timeout) back before the 2 s Retry-After could have passed: not waited
    // for. (Measured: a few ms; the bound leaves a loaded machine far more than 5x that.)
    assert_eq!(error.status(), Some(503), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(attempts(&server).await, 1);
}

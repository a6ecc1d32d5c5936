//! Each middleware layer used alone on a plain `reqwest_middleware` client, as a user composing
//! their own stack would: it does its one job without the client or the other layers.

use std::time::Duration;

use reqwest_middleware::{ClientBuilder, ClientWithMiddleware, Middleware};
use stytch_totp::middleware::body_limit::BodyLimitMiddleware;
use stytch_totp::middleware::request_id::{Identifiers, RequestIdMiddleware};
use stytch_totp::middleware::retry::RetryMiddleware;
use stytch_totp::middleware::tracing::TracingMiddleware;
use stytch_totp::middleware::BufferedBody;
use stytch_totp::Error;
use stytch_totp::Operation;
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// A plain reqwest client with just `layer`, as a user composing their own stack would build.
fn alone(layer: impl Middleware) -> ClientWithMiddleware {
    ClientBuilder::new(reqwest::Client::new())
        .with(layer)
        .build()
}

async fn answering(status: u16, body: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn body_limit_alone_buffers_small_bodies_and_refuses_large_ones() {
    let body = serde_json::json!({"request_id": REQUEST_ID, "padding": "x".repeat(100)});
    let server = answering(200, body.clone()).await;

    let response = alone(BodyLimitMiddleware::new(4096))
        .get(server.uri())
        .send()
        .await
        .unwrap();
    let BufferedBody(buffered) = response.extensions().get::<BufferedBody>().unwrap().clone();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&buffered).unwrap(),
        body
    );

    let err = alone(BodyLimitMiddleware::new(16))
        .get(server.uri())
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Middleware(err) = err else {
        panic!("a middleware error: {err:?}");
    };
    assert!(
        matches!(
            err.downcast_ref::<Error>(),
            Some(Error::ResponseTooLarge {
                status: 200,
                limit: 16
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn request_id_alone_attaches_identifiers_and_keeps_the_response_readable() {
    let server = answering(404, stytch_error(404, "user_not_found")).await;
    let url = format!(
        "{}{}",
        server.uri(),
        Operation::UsersGet.path_with(&["nobody"])
    );
    let (captured, _guard) = Captured::install(tracing::Level::INFO, FmtSpan::NONE);

    let response = alone(RequestIdMiddleware).get(&url).send().await.unwrap();
    assert_eq!(
        response.extensions().get::<Identifiers>(),
        Some(&Identifiers {
            request_id: Some(REQUEST_ID.into()),
            error_type: Some("user_not_found".into()),
        })
    );
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.url().as_str(),
        url,
        "the URL survives the buffering"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["error_type"], "user_not_found",
        "the body is still readable"
    );
    let logs = captured.text();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(
        logs.contains(REQUEST_ID) && logs.contains("error_type=\"user_not_found\""),
        "{logs}"
    );
}

#[tokio::test]
async fn retry_alone_retries_only_what_is_safe_for_any_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(429).set_body_json(stytch_error(429, "too_many_requests")),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503).set_body_json(stytch_error(503, "unavailable")))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .with_priority(3)
        .mount(&server)
        .await;
    let client = alone(RetryMiddleware::new(fast_retries()));

    // A 429 means "not processed": retried even for a request the layer knows nothing about.
    // A 503 may follow processing: without knowing the operation, it is returned.
    let response = client.post(server.uri()).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    let response = client.post(server.uri()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn tracing_alone_opens_its_own_span_with_the_outcome() {
    let server = answering(503, stytch_error(503, "unavailable")).await;
    let (captured, _guard) = Captured::install(tracing::Level::INFO, FmtSpan::CLOSE);
    let response = alone(TracingMiddleware)
        .get(server.uri())
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    let logs = captured.text();
    assert!(logs.contains("stytch.request"), "{logs}");
    assert!(logs.contains("http.response.status_code=503"), "{logs}");
    assert!(logs.contains("otel.status_code=\"ERROR\""), "{logs}");
}

#[tokio::test]
async fn a_failed_call_logs_one_warn_line_and_records_its_outcome_once() {
    let server = answering(404, stytch_error(404, "user_not_found")).await;
    let client = client_for(&server);
    let (captured, _guard) = Captured::install(tracing::Level::DEBUG, FmtSpan::CLOSE);
    client.users().get(USER_ID).await.unwrap_err();
    let logs = captured.text();
    assert_eq!(logs.matches(" WARN ").count(), 1, "{logs}");
    let closed = logs
        .lines()
        .find(|line| line.contains("close"))
        .unwrap_or_else(|| panic!("the span closes: {logs}"));
    for field in [
        "error.type=",
        "otel.status_code=",
        "stytch.request_id=",
        "stytch.attempts=",
    ] {
        assert_eq!(closed.matches(field).count(), 1, "{field} once in {closed}");
    }
}

/// A user's middleware added with `ClientBuilder::middleware`: counts calls and stamps a
/// header. It runs once per call (outside the retry layer) while its header reaches every
/// attempt, and sees the call's final outcome.
struct CountAndStamp(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl CountAndStamp {
    /// A client for `base_url` (fast retries) with this middleware, and its call count.
    fn client(
        base_url: &str,
    ) -> (
        stytch_totp::Client,
        std::sync::Arc<std::sync::atomic::AtomicU64>,
    ) {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let client = stytch_totp::Client::builder()
            .project_id(PROJECT_ID)
            .secret(SECRET)
            .base_url(base_url)
            .retry_policy(fast_retries())
            .middleware(CountAndStamp(calls.clone()))
            .build()
            .unwrap();
        (client, calls)
    }
}

#[async_trait::async_trait]
impl Middleware for CountAndStamp {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        ext: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        req.headers_mut()
            .insert("x-my-service", http::HeaderValue::from_static("billing"));
        next.run(req, ext).await
    }
}

#[tokio::test]
async fn a_users_middleware_runs_once_per_call_and_its_header_reaches_every_attempt() {
    use wiremock::matchers::{header, method};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("x-my-service", "billing"))
        .respond_with(ResponseTemplate::new(503).set_body_json(stytch_error(503, "unavailable")))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(header("x-my-service", "billing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(example("GetUserResponse", 0)))
        .expect(2)
        .mount(&server)
        .await;
    let (client, calls) = CountAndStamp::client(&server.uri());

    client
        .users()
        .get(USER_ID)
        .await
        .expect("the third attempt succeeds");
    assert_eq!(
        calls.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one call, three attempts"
    );
    client.users().get(USER_ID).await.expect("answered at once");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 2);
}

/// With a user's middleware the client's retry layer works in a `reqwest_middleware` stack and
/// keeps a copy of each request for a retry: the retried `POST` carries the same body and the
/// user's header, and the call's timeout still holds.
#[tokio::test]
async fn with_a_users_middleware_a_retried_post_sends_its_body_again() {
    use wiremock::matchers::{body_partial_json, header, method, path};
    let (captured, _guard) = Captured::install(tracing::Level::WARN, FmtSpan::NONE);
    let server = MockServer::start().await;
    let sent = serde_json::json!({"user_id": USER_ID, "totp_code": "123456"});
    let authenticate = || {
        Mock::given(method("POST"))
            .and(path("/v1/totps/authenticate"))
            .and(header("x-my-service", "billing"))
            .and(body_partial_json(&sent))
    };
    authenticate()
        .respond_with(
            ResponseTemplate::new(429).set_body_json(stytch_error(429, "too_many_requests")),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    authenticate()
        .respond_with(
            ResponseTemplate::new(200).set_body_json(example("AuthenticateTotpResponse", 0)),
        )
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let (client, calls) = CountAndStamp::client(&server.uri());
    client
        .totps()
        .authenticate(USER_ID, "123456")
        .await
        .expect("the retry succeeds");
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    let logs = captured.text();
    assert_eq!(
        logs.matches("stytch error response").count(),
        1,
        "the 429 attempt is logged once: {logs}"
    );
    assert!(logs.contains("status=429"), "{logs}");

    // The call's timeout reaches the retry layer through the extensions: a slow answer is
    // cut off at the call's bound.
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(example("AuthenticateTotpResponse", 0))
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&slow)
        .await;
    let (client, _) = CountAndStamp::client(&slow.uri());
    let error = client
        .totps()
        .authenticate(USER_ID, "123456")
        .timeout(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Timeout { after } if after == Duration::from_millis(200)),
        "{error:?}"
    );
}

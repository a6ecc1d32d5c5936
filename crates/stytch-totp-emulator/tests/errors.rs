//! Stytch-shaped errors for bad auth, bad input, unknown paths and methods; a fuzz-ish test
//! that random bodies never panic the emulator.

mod common;

use axum::body::Body;
use axum::http::{header, Request};
use base64::Engine;
use common::*;
use rand::{Rng, RngCore, SeedableRng};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use stytch_totp_emulator::{Emulator, EmulatorConfig, Operation};
use tower::ServiceExt;

#[tokio::test]
async fn bad_or_missing_basic_auth_is_401() {
    let emu = start_fixed().await;
    let http = reqwest::Client::new();
    let url = format!("{}{}", emu.base_url(), Operation::TotpsCreate.path());
    let body = json!({ "user_id": "user-test-x" });
    let attempts = [
        http.post(&url).json(&body),
        http.post(&url)
            .basic_auth(emu.project_id(), Some("wrong"))
            .json(&body),
        http.post(&url)
            .basic_auth("project-test-other", Some(emu.secret()))
            .json(&body),
        http.post(&url).bearer_auth(emu.secret()).json(&body),
        http.post(&url)
            .header(header::AUTHORIZATION.as_str(), "Basic !!!not-base64")
            .json(&body),
        http.get(format!("{}/v1/nowhere", emu.base_url())),
    ];
    for attempt in attempts {
        let resp = attempt.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        let body: Value = resp.json().await.unwrap();
        let error = assert_error_shape(StatusCode::UNAUTHORIZED, &body);
        assert_eq!(error.error_type.as_str(), "unauthorized_credentials");
    }
    // The right credentials, with a lowercase scheme, pass.
    let token = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        emu.project_id(),
        emu.secret()
    ));
    let resp = http
        .post(&url)
        .header(header::AUTHORIZATION.as_str(), format!("basic {token}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND); // user_not_found, past auth
}

#[tokio::test]
async fn input_errors_have_precise_types() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("errors@example.com").await;
    let (_, secret, _) = api.create_totp(&user_id).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (Operation::TotpsCreate.path(), json!({}), 400, "bad_request"),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": "" }),
            400,
            "invalid_user_id",
        ),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": 7 }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": "user-test-nope" }),
            404,
            "user_not_found",
        ),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": user_id, "expiration_minutes": 4 }),
            400,
            "invalid_expiration",
        ),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": user_id, "expiration_minutes": 1441 }),
            400,
            "invalid_expiration",
        ),
        (
            Operation::TotpsCreate.path(),
            json!({ "user_id": user_id, "expiration_minutes": "60" }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "12ab56" }),
            400,
            "invalid_totp_code",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "1234567" }),
            400,
            "invalid_totp_code",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": 123456 }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "123456", "session_duration_minutes": 4 }),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "123456", "session_duration_minutes": 527041 }),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "123456", "session_custom_claims": [] }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": "user-test-nope", "totp_code": "123456" }),
            404,
            "user_not_found",
        ),
        (
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id }),
            400,
            "bad_request",
        ),
        (
            Operation::TotpsRecover.path(),
            json!({ "user_id": user_id, "recovery_code": " " }),
            400,
            "invalid_recovery_code",
        ),
        (
            Operation::TotpsRecover.path(),
            json!({ "user_id": "", "recovery_code": "abcd-efgh-ijkl" }),
            400,
            "invalid_user_id",
        ),
        (
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": "user-test-nope" }),
            404,
            "user_not_found",
        ),
        (
            Operation::UsersCreate.path(),
            json!({ "email": 5 }),
            400,
            "bad_request",
        ),
        (
            Operation::UsersCreate.path(),
            json!({ "external_id": "crm 42" }),
            400,
            "bad_request",
        ),
        (
            Operation::UsersCreate.path(),
            json!({ "external_id": "x".repeat(129) }),
            400,
            "bad_request",
        ),
        (
            Operation::UsersCreate.path(),
            json!({ "name": { "first_name": 5 } }),
            400,
            "bad_request",
        ),
    ];
    for (path, body, status, error_type) in cases {
        let reply = api.post(path, body.clone()).await;
        assert_eq!(
            reply.status.as_u16(),
            status,
            "{path} {body}: {}",
            reply.body
        );
        assert_eq!(reply.error_type(), error_type, "{path} {body}");
    }
    // No secret or code is echoed in messages.
    let reply = api
        .post(
            Operation::TotpsAuthenticate.path(),
            json!({ "user_id": user_id, "totp_code": "98ab76" }),
        )
        .await;
    assert!(!reply.body.to_string().contains("98ab76"));
    // The wrong-code path did not consume anything: the right code still works.
    api.authenticate(&user_id, &code(&secret, emu.now()))
        .await
        .ok();
}

#[tokio::test]
async fn malformed_bodies_content_types_sizes_paths_and_methods() {
    let emu = start_fixed().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{}{p}", emu.base_url());
    let auth = |r: reqwest::RequestBuilder| r.basic_auth(emu.project_id(), Some(emu.secret()));
    let check = |status: StatusCode, error_type: &'static str| {
        move |resp: (StatusCode, Value)| {
            assert_eq!(resp.0, status, "{}", resp.1);
            let error = assert_error_shape(status, &resp.1);
            assert_eq!(error.error_type.as_str(), error_type, "{}", resp.1);
            error
        }
    };
    async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = r.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")),
        )
    }

    let json_post = |p: &str, body: &'static str| {
        auth(http.post(url(p)))
            .header("content-type", "application/json")
            .body(body)
    };
    let e = check(StatusCode::BAD_REQUEST, "bad_request")(
        send(json_post(Operation::TotpsCreate.path(), "{\"user_id\": ")).await,
    );
    assert!(
        e.error_message.contains("not valid JSON"),
        "{}",
        e.error_message
    );
    check(StatusCode::BAD_REQUEST, "bad_request")(
        send(json_post(Operation::TotpsCreate.path(), "[1,2]")).await,
    );
    check(StatusCode::BAD_REQUEST, "bad_request")(
        send(json_post(Operation::TotpsCreate.path(), "")).await,
    );
    check(StatusCode::BAD_REQUEST, "bad_request")(
        send(json_post(Operation::TotpsCreate.path(), "null")).await,
    );
    let e = check(StatusCode::BAD_REQUEST, "bad_request")(
        send(
            auth(http.post(url(Operation::TotpsCreate.path())))
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await,
    );
    assert!(e.error_message.contains("Content-Type"));
    check(StatusCode::BAD_REQUEST, "bad_request")(
        send(auth(http.post(url(Operation::TotpsCreate.path()))).body("{}")).await,
    );
    let big = format!("{{\"user_id\": \"{}\"}}", "x".repeat(70 * 1024));
    check(StatusCode::PAYLOAD_TOO_LARGE, "bad_request")(
        send(
            auth(http.post(url(Operation::TotpsCreate.path())))
                .header("content-type", "application/json")
                .body(big),
        )
        .await,
    );
    check(StatusCode::NOT_FOUND, "route_not_found")(send(auth(http.get(url("/v1/nowhere")))).await);
    check(StatusCode::NOT_FOUND, "route_not_found")(send(http.get(url("/"))).await);
    check(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")(
        send(auth(http.get(url(Operation::TotpsCreate.path())))).await,
    );
    check(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")(
        send(auth(
            http.put(url(&Operation::UsersGet.path_with(&["user-test-1"]))),
        ))
        .await,
    );
}

#[tokio::test]
async fn oversized_chunked_body_is_rejected_too() {
    let config = EmulatorConfig::default().with_max_body_bytes(1024);
    let app = Emulator::new(config.clone()).router();
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", config.project_id, config.secret));
    let stream = Body::new(futures_like_stream(vec![vec![b' '; 800], vec![b' '; 800]]));
    let req = Request::post(Operation::TotpsCreate.path())
        .header("authorization", format!("Basic {auth}"))
        .header("content-type", "application/json")
        .body(stream)
        .unwrap();
    let resp = app.oneshot(req).await.unwrap();
    assert_eq!(resp.status(), 413);
}

/// A two-chunk body stream without a futures dependency.
fn futures_like_stream(
    chunks: Vec<Vec<u8>>,
) -> impl axum::body::HttpBody<Data = axum::body::Bytes, Error = std::io::Error> {
    struct Chunks(std::collections::VecDeque<Vec<u8>>);
    impl axum::body::HttpBody for Chunks {
        type Data = axum::body::Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            std::task::Poll::Ready(
                self.0
                    .pop_front()
                    .map(|c| Ok(http_body::Frame::data(axum::body::Bytes::from(c)))),
            )
        }
    }
    Chunks(chunks.into())
}

/// ~200 random bodies per POST route through `router().oneshot`: never a panic, always JSON
/// with `status_code` and `request_id`, and every non-2xx answer is an `ErrorResponse`.
#[tokio::test]
async fn random_bodies_never_panic() {
    let emulator = Emulator::new(fixed_config());
    let config = emulator.config().clone();
    let auth = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", config.project_id, config.secret));
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x5EED);
    let seeds = [
        r#"{"user_id":"user-test-1","totp_code":"123456","session_duration_minutes":60}"#,
        r#"{"user_id":"u","recovery_code":"abcd-efgh-ijkl","session_token":"x","session_custom_claims":{"a":null}}"#,
        r#"{"email":"a@b.co","name":{"first_name":"x"},"roles":["r"],"external_id":"e|1"}"#,
        r#"{"user_id":"u","expiration_minutes":1440}"#,
        r#"{"operation":"totps.create","times":1,"fault":{"kind":"delay","millis":0}}"#,
        r#"{"advance_seconds":1}"#,
    ];
    let routes = [
        Operation::UsersCreate.path(),
        Operation::TotpsCreate.path(),
        Operation::TotpsAuthenticate.path(),
        Operation::TotpsRecoveryCodes.path(),
        Operation::TotpsRecover.path(),
        Operation::SessionsAuthenticate.path(),
        Operation::SessionsRevoke.path(),
        "/_emulator/faults",
        "/_emulator/clock",
    ];
    for route in routes {
        for i in 0..200 {
            let body: Vec<u8> = match i % 4 {
                0 => {
                    let mut bytes = vec![0u8; rng.gen_range(0..256)];
                    rng.fill_bytes(&mut bytes);
                    bytes
                }
                1 | 2 => {
                    // A valid seed with a few bytes mutated.
                    let mut bytes = seeds[rng.gen_range(0..seeds.len())].as_bytes().to_vec();
                    for _ in 0..rng.gen_range(1..4) {
                        let at = rng.gen_range(0..bytes.len());
                        bytes[at] = rng.gen();
                    }
                    bytes
                }
                _ => {
                    // Valid JSON with random types in known fields.
                    let pick = |rng: &mut rand::rngs::StdRng| -> Value {
                        match rng.gen_range(0..8) {
                            0 => Value::Null,
                            1 => json!(rng.gen::<bool>()),
                            2 => json!(rng.gen::<i64>()),
                            3 => json!(rng.gen::<f64>()),
                            4 => json!(format!("{:06}", rng.gen_range(0..1_000_000))),
                            5 => json!("abcd-efgh-ijkl"),
                            6 => json!([1, "a"]),
                            _ => json!({ "k": "v" }),
                        }
                    };
                    let mut obj = serde_json::Map::new();
                    for field in [
                        "user_id",
                        "totp_code",
                        "recovery_code",
                        "expiration_minutes",
                        "session_duration_minutes",
                        "session_token",
                        "session_jwt",
                        "session_id",
                        "session_custom_claims",
                        "email",
                        "name",
                        "fault",
                        "times",
                        "path",
                        "advance_seconds",
                    ] {
                        if rng.gen_bool(0.5) {
                            obj.insert(field.into(), pick(&mut rng));
                        }
                    }
                    serde_json::to_vec(&obj).unwrap()
                }
            };
            let req = Request::post(route)
                .header("authorization", format!("Basic {auth}"))
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap();
            let resp = emulator.router().oneshot(req).await.unwrap();
            if route == "/_emulator/faults" {
                emulator.clear_faults();
            }
            let status = resp.status();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            let value: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{route}: {e}: {}", String::from_utf8_lossy(&bytes)));
            assert_eq!(value["status_code"], status.as_u16(), "{route}: {value}");
            assert!(value["request_id"].is_string(), "{route}: {value}");
            if !status.is_success() {
                assert!(status.is_client_error(), "{route}: {value}");
                assert_error_shape(StatusCode::from_u16(status.as_u16()).unwrap(), &value);
            }
        }
    }
}

#[tokio::test]
async fn get_accepts_any_json_body() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("body@example.com").await;
    let reply = api
        .call(
            Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            Some(json!({"x": 1})),
        )
        .await;
    reply.ok();
}

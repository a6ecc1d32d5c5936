//! Each fault kind behaves as documented, through the Rust API and the admin HTTP API, and
//! the stats tell what was applied versus what callers saw.

mod common;

use std::time::{Duration, Instant};

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use stytch_totp_emulator::{Fault, FaultSpec, Operation, Stats};

#[tokio::test]
async fn status_fault_with_retry_after_and_stytch_body() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    emu.inject(
        FaultSpec::new(Fault::Status {
            status: 429,
            retry_after: Some(2),
            body: None,
        })
        .on(Operation::UsersCreate)
        .times(2),
    );
    for _ in 0..2 {
        let reply = api.post(Operation::UsersCreate.path(), json!({})).await;
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(reply.headers["retry-after"], "2");
        assert_eq!(reply.error_type(), "too_many_requests");
    }
    api.post(Operation::UsersCreate.path(), json!({}))
        .await
        .ok();
    let stats = emu.stats();
    assert_eq!(stats.requests_to(Operation::UsersCreate.path()), 3);
    assert_eq!(stats.applied(Operation::UsersCreate), 1);
    assert_eq!(stats.faults_injected, 2);
    assert_eq!(stats.responses_with(429), 2);
    assert_eq!(stats.responses_with(200), 1);
}

#[tokio::test]
async fn raw_html_502_body() {
    let emu = start_fixed().await;
    emu.inject(FaultSpec::new(Fault::Status {
        status: 502,
        retry_after: None,
        body: Some("<html><body>502 Bad Gateway</body></html>".into()),
    }));
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::UsersCreate.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_GATEWAY);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert_eq!(
        resp.text().await.unwrap(),
        "<html><body>502 Bad Gateway</body></html>"
    );
    assert_eq!(emu.stats().applied(Operation::UsersCreate), 0);
}

#[tokio::test]
async fn path_filter_only_hits_that_path() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("path@example.com").await;
    emu.inject(FaultSpec::new(Fault::status(500)).on_path(Operation::TotpsRecover.path()));
    api.create_totp(&user_id).await;
    api.post(
        Operation::TotpsRecoveryCodes.path(),
        json!({ "user_id": user_id }),
    )
    .await
    .ok();
    let reply = api.recover(&user_id, "abcd-abcd-abcd").await;
    assert_eq!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(reply.error_type(), "internal_server_error");
    // Route templates match too.
    emu.inject(FaultSpec::new(Fault::status(503)).on_path(Operation::UsersGet.path()));
    let reply = api
        .call(
            reqwest::Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(emu.pending_faults().is_empty());
}

#[tokio::test]
async fn delay_then_normal_response() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    emu.inject(FaultSpec::new(Fault::Delay(Duration::from_millis(300))));
    let started = Instant::now();
    api.post(Operation::UsersCreate.path(), json!({}))
        .await
        .ok();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(emu.stats().applied(Operation::UsersCreate), 1);
}

#[tokio::test]
async fn drop_connection_is_a_transport_error_and_applies_nothing() {
    let emu = start_fixed().await;
    emu.inject(FaultSpec::new(Fault::DropConnection));
    let http = reqwest::Client::new();
    let err = http
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::UsersCreate.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({}))
        .send()
        .await
        .expect_err("the connection must be dropped before any response");
    assert!(!err.is_status() && !err.is_decode(), "{err:?}");
    let stats = emu.stats();
    assert_eq!(stats.applied(Operation::UsersCreate), 0);
    assert_eq!(stats.connections_dropped, 1);
    // The next request is fine, on the same client.
    let resp = http
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::UsersCreate.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn truncated_body_cuts_the_json_in_half() {
    let emu = start_fixed().await;
    emu.inject(FaultSpec::new(Fault::TruncatedBody));
    let resp = reqwest::Client::new()
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::UsersCreate.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({ "email": "trunc@example.com" }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("{\""), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    // The operation was applied.
    assert_eq!(emu.stats().applied(Operation::UsersCreate), 1);
}

#[tokio::test]
async fn after_apply_consumes_the_recovery_code_although_the_caller_sees_a_failure() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("after@example.com").await;
    let (_, _, codes) = api.create_totp(&user_id).await;

    emu.inject(
        FaultSpec::new(Fault::after_apply(Fault::Status {
            status: 503,
            retry_after: Some(1),
            body: None,
        }))
        .on(Operation::TotpsRecover),
    );
    let reply = api.recover(&user_id, &codes[0]).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers["retry-after"], "1");
    // Applied: a re-send of the same code is refused, and it is no longer listed.
    let reply = api.recover(&user_id, &codes[0]).await;
    assert_eq!(reply.error_type(), "unable_to_authenticate_recovery_code");
    let listed = api
        .post(
            Operation::TotpsRecoveryCodes.path(),
            json!({ "user_id": user_id }),
        )
        .await;
    assert_eq!(
        listed.ok()["totps"][0]["recovery_codes"]
            .as_array()
            .unwrap()
            .len(),
        9
    );

    // After-apply drop: the caller sees a transport error, the code is consumed.
    emu.inject(FaultSpec::new(Fault::after_apply(Fault::DropConnection)));
    let err = api
        .http
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::TotpsRecover.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({ "user_id": user_id, "recovery_code": codes[1] }))
        .send()
        .await
        .expect_err("dropped");
    assert!(!err.is_status(), "{err:?}");
    assert_eq!(
        api.recover(&user_id, &codes[1]).await.error_type(),
        "unable_to_authenticate_recovery_code"
    );

    // After-apply delay and truncation.
    emu.inject(FaultSpec::new(Fault::after_apply(Fault::Delay(
        Duration::from_millis(100),
    ))));
    api.recover(&user_id, &codes[2]).await.ok();
    emu.inject(FaultSpec::new(Fault::after_apply(Fault::TruncatedBody)));
    let text = api
        .http
        .post(format!(
            "{}{}",
            emu.base_url(),
            Operation::TotpsRecover.path()
        ))
        .basic_auth(emu.project_id(), Some(emu.secret()))
        .json(&json!({ "user_id": user_id, "recovery_code": codes[3] }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());

    let stats = emu.stats();
    assert_eq!(stats.applied(Operation::TotpsRecover), 4);
    assert_eq!(stats.requests_to(Operation::TotpsRecover.path()), 6);
    // Callers saw 200 for: user, TOTP, list, the delayed and the truncated recover.
    assert_eq!(stats.responses_with(200), 5);
    assert_eq!(stats.responses_with(503), 1);
    assert_eq!(stats.connections_dropped, 1);
}

#[tokio::test]
async fn admin_http_api() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let http = reqwest::Client::new();
    let admin = |p: &str| format!("{}/_emulator/{p}", emu.base_url());

    let health: Value = http
        .get(admin("health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["status_code"], 200);

    let resp = http
        .post(admin("faults"))
        .json(&json!({
            "path": Operation::UsersCreate.path(),
            "times": 1,
            "fault": { "kind": "status", "status": 500 }
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let listed: Value = http
        .get(admin("faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["faults"][0]["times"], 1);
    assert_eq!(
        api.post(Operation::UsersCreate.path(), json!({}))
            .await
            .status,
        StatusCode::INTERNAL_SERVER_ERROR
    );

    // Bad fault specs are Stytch-shaped 400s.
    let resp = http
        .post(admin("faults"))
        .json(&json!({ "fault": { "kind": "status", "status": 1 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: Value = resp.json().await.unwrap();
    assert_error_shape(StatusCode::BAD_REQUEST, &body);

    // Queue then clear.
    http.post(admin("faults"))
        .json(&json!({ "fault": { "kind": "drop_connection" }, "times": 3 }))
        .send()
        .await
        .unwrap();
    assert_eq!(emu.pending_faults().len(), 1);
    http.delete(admin("faults")).send().await.unwrap();
    assert!(emu.pending_faults().is_empty());
    api.post(Operation::UsersCreate.path(), json!({}))
        .await
        .ok();

    // Stats as JSON parse into Stats; admin calls are not counted.
    let stats: Stats = http
        .get(admin("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats, emu.stats());
    assert_eq!(stats.requests_total, 2);
    assert_eq!(stats.applied(Operation::UsersCreate), 1);
    assert_eq!(stats.faults_injected, 1);
    http.delete(admin("stats")).send().await.unwrap();
    assert_eq!(emu.stats().requests_total, 0);

    // The clock.
    let clock: Value = http
        .post(admin("clock"))
        .json(&json!({ "advance_seconds": 3600 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(clock["now"], "2027-01-15T09:00:15Z");
    assert_eq!(clock["unix_seconds"], T0 + 3600);
}

#[tokio::test]
async fn operation_filter_tells_methods_of_one_path_apart() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("op@example.com").await;
    emu.inject(FaultSpec::new(Fault::status(503)).on(Operation::UsersDelete));
    // GET of the same route template is not the targeted operation.
    let reply = api
        .call(
            reqwest::Method::GET,
            &Operation::UsersGet.path_with(&[&user_id]),
            None,
        )
        .await;
    reply.ok();
    let reply = api
        .call(
            reqwest::Method::DELETE,
            &Operation::UsersDelete.path_with(&[&user_id]),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(emu.pending_faults().is_empty());
    assert_eq!(emu.stats().applied(Operation::UsersDelete), 0);
}

/// The router serves every operation of the table, with its method, and nothing else.
#[tokio::test]
async fn every_operation_of_the_table_is_routed() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    for op in Operation::ALL {
        let path = op
            .path()
            .replace("{user_id}", "user-test-none")
            .replace("{totp_id}", "totp-test-none")
            .replace("{project_id}", emu.project_id());
        let method = reqwest::Method::from_bytes(op.method().as_str().as_bytes()).unwrap();
        let body = op.has_body().then(|| json!({}));
        let reply = api.call(method, &path, body).await;
        let error_type = reply.body["error_type"].as_str().unwrap_or_default();
        assert!(
            !matches!(error_type, "route_not_found" | "method_not_allowed"),
            "{op:?}: {}",
            reply.body
        );
    }
}

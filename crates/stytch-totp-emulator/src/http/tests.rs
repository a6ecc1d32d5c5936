//! Unit tests of the HTTP side that need to see inside: signing happens outside the lock.

mod signing_outside_the_lock {
    use std::time::{Duration, Instant, UNIX_EPOCH};

    use axum::body::Body;
    use axum::http::{header, Request};
    use base64::Engine;
    use serde_json::{json, Value};
    use tower::ServiceExt;

    use crate::{Clock, Emulator, EmulatorConfig, Operation};

    async fn call(emulator: &Emulator, op: Operation, body: Value) -> Value {
        let config = emulator.config();
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", config.project_id, config.secret));
        let request = Request::builder()
            .method(op.method().as_str())
            .uri(op.path())
            .header(header::AUTHORIZATION, format!("Basic {credentials}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = emulator.router().oneshot(request).await.unwrap();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Two users with a verified TOTP and the secret of each.
    async fn two_users(emulator: &Emulator) -> Vec<(String, String)> {
        let mut users = Vec::new();
        for email in ["a@example.com", "b@example.com"] {
            let user = call(emulator, Operation::UsersCreate, json!({ "email": email })).await;
            let user_id = user["user_id"].as_str().unwrap().to_owned();
            let totp = call(
                emulator,
                Operation::TotpsCreate,
                json!({ "user_id": user_id }),
            )
            .await;
            let secret = totp["secret"].as_str().unwrap().to_owned();
            users.push((user_id, secret));
        }
        users
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_sign_ins_sign_their_jwts_at_the_same_time() {
        let clock = Clock::fixed(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
        let emulator = Emulator::new(EmulatorConfig::default().with_clock(clock.clone()));
        let users = two_users(&emulator).await;
        // Each signer now waits until the other signs too: if signing held the store's lock,
        // the second sign-in could not get there and the first would wait out its timeout.
        emulator.shared.signing_probe.wait_for(2);
        let started = Instant::now();
        let sign_ins = users.iter().map(|(user_id, secret)| {
            let emulator = emulator.clone();
            let body = json!({
                "user_id": user_id,
                "totp_code": crate::totp::code_at(secret, clock.now()).unwrap(),
                "session_duration_minutes": 60,
            });
            tokio::spawn(async move { call(&emulator, Operation::TotpsAuthenticate, body).await })
        });
        for sign_in in sign_ins.collect::<Vec<_>>() {
            let response = sign_in.await.unwrap();
            assert_eq!(response["status_code"], 200, "{response}");
            assert!(!response["session_jwt"].as_str().unwrap().is_empty());
        }
        assert_eq!(emulator.shared.signing_probe.peak(), 2);
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "no signer waited out the probe"
        );
    }
}

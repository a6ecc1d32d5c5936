//! How long the first signed session of a freshly started process takes: a new emulator (the
//! process has not touched a signing key yet), a user and a TOTP, then the first
//! `totps.authenticate` with a session, whose JWT needs the process's default key (made at
//! build time by `build.rs`, only read here). Then, for comparison, what making an RSA-2048
//! key at run time costs (what that first call paid before the key was made at build time).
//! Run it as a test would be built (debug), several times (the machine's load shows):
//! `cargo run -p stytch-totp-emulator --example first_session`. `docs/BENCHMARKS.md` quotes it.

use std::time::Instant;

use axum::body::Body;
use axum::http::{header, Request};
use base64::Engine;
use serde_json::{json, Value};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, Operation, SigningKey};
use tower::ServiceExt;

async fn post(emulator: &Emulator, path: &str, body: Value) -> Value {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        emulator.config().project_id,
        emulator.config().secret
    ));
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Basic {credentials}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .expect("a request");
    let response = emulator
        .router()
        .oneshot(request)
        .await
        .expect("a response");
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let started = Instant::now();
    let emulator = Emulator::default();
    let user = post(
        &emulator,
        Operation::UsersCreate.path(),
        json!({ "email": "first@example.com" }),
    )
    .await;
    let user_id = user["user_id"].as_str().expect("user_id").to_owned();
    let totp = post(
        &emulator,
        Operation::TotpsCreate.path(),
        json!({ "user_id": user_id }),
    )
    .await;
    let secret = totp["secret"].as_str().expect("secret");
    let code = code_at(secret, emulator.now()).expect("a code");
    let before_sign_in = Instant::now();
    let signed_in = post(
        &emulator,
        Operation::TotpsAuthenticate.path(),
        json!({ "user_id": user_id, "totp_code": code, "session_duration_minutes": 60 }),
    )
    .await;
    let sign_in = before_sign_in.elapsed();
    let total = started.elapsed();
    assert!(signed_in["session_jwt"]
        .as_str()
        .is_some_and(|j| !j.is_empty()));
    println!(
        "first totps.authenticate with a session: {:.1} ms (reading the key, signing, everything)",
        sign_in.as_secs_f64() * 1e3
    );
    println!(
        "fresh emulator to first signed session (user, TOTP with QR code, sign-in): {:.1} ms",
        total.as_secs_f64() * 1e3
    );
    // The same call once the key exists: what every later emulator of the process pays.
    let second = Emulator::default();
    let user = post(&second, Operation::UsersCreate.path(), json!({})).await;
    let user_id = user["user_id"].as_str().expect("user_id").to_owned();
    let totp = post(
        &second,
        Operation::TotpsCreate.path(),
        json!({ "user_id": user_id }),
    )
    .await;
    let code = code_at(totp["secret"].as_str().expect("secret"), second.now()).expect("a code");
    let before = Instant::now();
    post(
        &second,
        Operation::TotpsAuthenticate.path(),
        json!({ "user_id": user_id, "totp_code": code, "session_duration_minutes": 60 }),
    )
    .await;
    println!(
        "the same call in a second emulator of the process: {:.1} ms",
        before.elapsed().as_secs_f64() * 1e3
    );
    // Key generation varies a lot (it searches for random primes): several runs.
    let mut generation_ms: Vec<f64> = (0..KEY_GENERATIONS)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(SigningKey::generate());
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    generation_ms.sort_by(f64::total_cmp);
    println!(
        "for comparison, making an RSA-2048 key at run time ({KEY_GENERATIONS} runs): \
         min {:.1} ms, median {:.1} ms, max {:.1} ms",
        generation_ms[0],
        generation_ms[KEY_GENERATIONS / 2],
        generation_ms[KEY_GENERATIONS - 1]
    );
}

/// How many keys the comparison makes.
const KEY_GENERATIONS: usize = 9;

//! Every operation is atomic: many concurrent uses of one recovery code succeed exactly once.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use stytch_totp_emulator::Operation;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_recovers_with_one_code_succeed_once() {
    let emu = start_fixed().await;
    let api = Api::new(&emu);
    let user_id = api.create_user("race@example.com").await;
    let (_, _, codes) = api.create_totp(&user_id).await;
    let code = codes[0].clone();

    let mut tasks = Vec::new();
    for _ in 0..50 {
        let http = api.http.clone();
        let url = format!("{}{}", emu.base_url(), Operation::TotpsRecover.path());
        let (project, secret) = (emu.project_id().to_owned(), emu.secret().to_owned());
        let body = json!({ "user_id": user_id, "recovery_code": code });
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .basic_auth(project, Some(secret))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let successes = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(successes, 1, "{statuses:?}");
    // The rest failed as reuse (401) or, after ten failures, as a lock (429).
    assert!(statuses.iter().all(|s| [
        StatusCode::OK,
        StatusCode::UNAUTHORIZED,
        StatusCode::TOO_MANY_REQUESTS
    ]
    .contains(s)));
    assert_eq!(
        emu.stats()
            .applied(stytch_totp_emulator::Operation::TotpsRecover),
        1
    );
}

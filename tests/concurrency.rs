//! Many callers sharing one client cannot spend one recovery code twice.

use stytch_totp::models::ErrorType;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_recovers_with_one_code_succeed_exactly_once() {
    // Locking is off here: 49 failures would otherwise lock the user after 10, which is
    // right but hides the property under test (tested in lifecycle.rs).
    let (_emulator, client) = stytch_totp_e2e::start(stytch_totp_e2e::without_locks()).await;
    let user = client.users().create().await.unwrap();
    let totp = client.totps().create(&user.user_id).await.unwrap();
    let code = totp.recovery_codes[0].expose_secret().to_owned();

    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (client, user_id, code) = (client.clone(), user.user_id.clone(), code.clone());
            tokio::spawn(async move { client.totps().recover(user_id, code).await })
        })
        .collect();
    let mut successes = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => successes += 1,
            Err(error) => assert_eq!(
                error.error_type(),
                Some(&ErrorType::UnableToAuthenticateRecoveryCode),
                "{error}"
            ),
        }
    }
    assert_eq!(successes, 1);
}

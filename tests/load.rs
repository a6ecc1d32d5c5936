//! A bounded load test on loopback: 200 tasks sharing one client make ~3,600 calls against the
//! emulator while every 20th request (5%) gets an injected 503. Nothing is lost or applied twice
//! (what the emulator applied equals what callers saw succeed), no task gets stuck, and the
//! process's memory stays flat between two identical rounds.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use stytch_totp::{Client, RetryPolicy};
use stytch_totp_emulator::{Fault, FaultSpec, Operation};

const TASKS: usize = 200;
const READS_PER_TASK: usize = 6;
const RECOVERS_PER_TASK: usize = 3;

/// Resident set size in KiB, from `VmRSS` in /proc/self/status (Linux). Panics when it
/// cannot measure: a memory check that cannot read memory must not pass.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_else(|e| {
        panic!("cannot measure memory: /proc/self/status unreadable ({e}); this check needs Linux /proc")
    });
    parse_vm_rss(&status).unwrap_or_else(|| {
        panic!("cannot measure memory: no `VmRSS: N kB` line in /proc/self/status:\n{status}")
    })
}

/// The `VmRSS` figure of a /proc status text, in KiB.
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line["VmRSS:".len()..].split_whitespace();
    let kib = words.next()?.parse().ok()?;
    (words.next() == Some("kB")).then_some(kib)
}

#[test]
fn memory_is_measured_or_the_check_fails() {
    assert_eq!(parse_vm_rss("Name:\tx\nVmRSS:\t  36028 kB\n"), Some(36028));
    assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    assert_eq!(parse_vm_rss("VmRSS:\t12 MB\n"), None);
    assert!(rss_kib() > 0, "a running test uses memory");
}

struct User {
    user_id: String,
    codes: Vec<String>,
}

/// One round: every task reads its user and spends recovery codes. Returns how many
/// recovers callers saw succeed per user.
async fn round(client: &Client, users: &[Arc<User>], offset: usize) -> HashMap<String, u64> {
    let tasks: Vec<_> = users
        .iter()
        .map(|user| {
            let (client, user) = (client.clone(), Arc::clone(user));
            tokio::spawn(async move {
                let mut recovered = 0;
                for i in 0..READS_PER_TASK.max(RECOVERS_PER_TASK) {
                    if i < READS_PER_TASK {
                        client
                            .users()
                            .get(&user.user_id)
                            .await
                            .expect("reads are retried through 503s");
                    }
                    if i < RECOVERS_PER_TASK {
                        match client
                            .totps()
                            .recover(&user.user_id, &user.codes[offset + i])
                            .await
                        {
                            Ok(_) => recovered += 1,
                            Err(e) => assert_eq!(
                                e.status(),
                                Some(503),
                                "only injected 503s may fail: {e}"
                            ),
                        }
                    }
                }
                (user.user_id.clone(), recovered)
            })
        })
        .collect();
    let mut seen = HashMap::new();
    for task in tasks {
        let (user_id, recovered) = task.await.unwrap();
        seen.insert(user_id, recovered);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_tasks_lose_nothing_and_stay_flat() {
    let (emulator, _) = stytch_totp_e2e::start(stytch_totp_e2e::without_locks()).await;
    let client = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(8)
                .backoff(Duration::from_millis(5), Duration::from_millis(50))
                .budget(Duration::from_secs(10)),
        )
        .build()
        .unwrap();

    let mut users = Vec::new();
    for _ in 0..TASKS {
        let user = client.users().create().await.unwrap();
        let totp = client.totps().create(&user.user_id).await.unwrap();
        let codes = totp
            .recovery_codes
            .iter()
            .map(|c| c.expose_secret().to_owned())
            .collect();
        users.push(Arc::new(User {
            user_id: user.user_id,
            codes,
        }));
    }

    // Exactly one request in twenty, whatever its path, gets a 503.
    emulator.inject(
        FaultSpec::new(Fault::status(503))
            .every(20)
            .times(usize::MAX),
    );

    let before = emulator.stats();
    let first = tokio::time::timeout(Duration::from_secs(120), round(&client, &users, 0))
        .await
        .expect("no task may get stuck");
    let rss_after_first = rss_kib();
    let second = tokio::time::timeout(
        Duration::from_secs(120),
        round(&client, &users, RECOVERS_PER_TASK),
    )
    .await
    .expect("no task may get stuck");
    let rss_after_second = rss_kib();
    emulator.clear_faults();
    let after = emulator.stats();

    // Nothing lost, nothing doubled: every recover the emulator applied is one a caller saw.
    let seen: u64 = first.values().chain(second.values()).sum();
    let applied = after.applied(Operation::TotpsRecover) - before.applied(Operation::TotpsRecover);
    assert_eq!(
        applied, seen,
        "emulator applied {applied} recovers, callers saw {seen}"
    );
    let faults = after.faults_injected - before.faults_injected;
    let calls = after.requests_total - before.requests_total;
    assert_eq!(faults, calls / 20, "5% of {calls} requests must meet a 503");
    assert!(
        seen < (TASKS * RECOVERS_PER_TASK * 2) as u64,
        "some recovers must have met a 503"
    );

    // Every code a caller saw fail is still unused; every code seen spent is gone.
    for user in users.iter().take(20) {
        let listed = client.totps().recovery_codes(&user.user_id).await.unwrap();
        let left = listed.totps[0].recovery_codes.len() as u64;
        let spent = first[&user.user_id] + second[&user.user_id];
        assert_eq!(left, 10 - spent, "user {}", user.user_id);
    }

    let growth = rss_after_second.saturating_sub(rss_after_first);
    assert!(
        growth < 16 * 1024,
        "memory grew {growth} KiB between two identical rounds"
    );
    println!(
        "load: {calls} calls, {faults} injected 503s, {seen} recovers applied once each, RSS {} -> {} KiB",
        rss_after_first,
        rss_after_second
    );
}

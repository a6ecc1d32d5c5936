//! The documented default timeouts (connect 5 s, attempt 30 s, call 60 s) and
//! `ClientBuilder::connect_timeout`, on tokio's paused clock: the tests take no real time and
//! the measured durations are exact, so no margin is needed.
//!
//! A paused clock jumps to the next timer whenever the runtime is idle, also while it waits
//! for the network; each test therefore makes the bound under test the earliest timer.

use std::time::Duration;

use stytch_totp::{Client, Error, RetryPolicy};
use tokio::net::{TcpListener, TcpSocket};
use tokio::time::Instant;

use crate::common::*;

/// A loopback port whose accept queue is full: connecting to it hangs (Linux drops the SYN),
/// which is what a connect timeout is for. The returned values keep it so.
fn unconnectable() -> (String, TcpListener, std::net::TcpStream) {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind");
    let listener = socket.listen(0).expect("listen with a backlog of 0");
    let addr = listener.local_addr().expect("its address");
    // Fills the queue of one; never accepted.
    let filler = std::net::TcpStream::connect(addr).expect("the first connection");
    (format!("http://{addr}"), listener, filler)
}

/// A server that accepts connections and never answers.
async fn silent() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("its address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    format!("http://{addr}")
}

fn builder(base_url: &str) -> stytch_totp::ClientBuilder {
    Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(base_url)
}

/// Runs a `totps().create` (never retried after sending) and returns its error and duration.
async fn timed_create(client: &Client) -> (Error, Duration) {
    let started = Instant::now();
    let error = client
        .totps()
        .create(USER_ID)
        .await
        .expect_err("nothing answers");
    (error, started.elapsed())
}

#[tokio::test(start_paused = true)]
async fn the_default_connect_timeout_is_5_s_and_connect_timeout_changes_it() {
    let (url, _listener, _filler) = unconnectable();
    let by_default = builder(&url)
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client");
    let (error, took) = timed_create(&by_default).await;
    assert_eq!(took.as_secs(), 5, "{error:?} after {took:?}");
    // Nothing was sent: a connect error, not a timeout of the call, and not an unknown
    // outcome (the guard against spending a code twice relies on this).
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
    assert!(!error.is_outcome_unknown(), "{error:?}");

    let custom = builder(&url)
        .retry_policy(RetryPolicy::none())
        .connect_timeout(Duration::from_secs(2))
        .build()
        .expect("a client");
    let (error, took) = timed_create(&custom).await;
    assert_eq!(took.as_secs(), 2, "{error:?} after {took:?}");
}

#[tokio::test(start_paused = true)]
async fn a_connect_timeout_is_retried_like_any_connect_failure() {
    // Nothing was sent, so even a consuming call tries again: 4 attempts of 5 s within the
    // default 60 s call (the default 10 s budget is raised so it does not stop them first).
    let (url, _listener, _filler) = unconnectable();
    let client = builder(&url)
        .retry_policy(RetryPolicy {
            min_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(1),
            budget: Duration::from_secs(50),
            ..RetryPolicy::default()
        })
        .build()
        .expect("a client");
    let (error, took) = timed_create(&client).await;
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(21),
        "{error:?} after {took:?}: expected 4 x 5 s"
    );
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

    // The same for a call that spends a code, which is never sent twice once it may have
    // reached Stytch: a connect timeout proves it did not.
    let started = Instant::now();
    let error = client
        .totps()
        .authenticate(USER_ID, "123456")
        .await
        .expect_err("nothing answers");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(20) && took < Duration::from_secs(21),
        "{error:?} after {took:?}: expected 4 x 5 s"
    );
    assert!(!error.is_outcome_unknown(), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn the_default_attempt_timeout_is_30_s() {
    let url = silent().await;
    let client = builder(&url)
        .connect_timeout(Duration::from_secs(1000))
        .build()
        .expect("a client");
    let (error, took) = timed_create(&client).await;
    assert!(
        matches!(error, Error::Timeout { after } if after == Duration::from_secs(30)),
        "{error:?}"
    );
    assert_eq!(took.as_secs(), 30, "{took:?}");
}

#[tokio::test(start_paused = true)]
async fn the_default_call_timeout_is_60_s() {
    let url = silent().await;
    let client = builder(&url)
        .connect_timeout(Duration::from_secs(1000))
        .attempt_timeout(Duration::from_secs(100))
        .build()
        .expect("a client");
    let (error, took) = timed_create(&client).await;
    assert!(
        matches!(error, Error::Timeout { after } if after == Duration::from_secs(60)),
        "{error:?}"
    );
    assert_eq!(took.as_secs(), 60, "{took:?}");
}

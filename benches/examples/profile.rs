//! A fixed amount of work for one contender, to run under callgrind (instruction counts are
//! deterministic where timings on a shared 2-core machine are not):
//!
//! ```sh
//! cargo build --release --example profile
//! valgrind --tool=callgrind target/release/examples/profile ours 2000
//! ```
//!
//! Contenders: `bare`, `ours`, `official` (sequential round trips), `ours32`, `bare32`,
//! `official32` (batches of 32 concurrent calls), `decode-ours`, `decode-official`,
//! `decode-value`. Each first runs 200 warm-up units.

use std::hint::black_box;

use stytch_totp_benches::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "ours".into());
    let n: usize = args.next().map_or(1000, |n| n.parse().expect("a count"));
    let rt = runtime();
    rt.block_on(async {
        let addr = serve(authenticate_body().clone()).await;
        let base = format!("http://{addr}");
        let bare = Bare::new(&base);
        let ours = ours(&base);
        let official = official(&base);
        for round in [200, n] {
            for _ in 0..round {
                match what.as_str() {
                    "bare" => drop(black_box(bare.authenticate().await)),
                    "ours" => drop(black_box(ours_authenticate(&ours).await)),
                    "official" => drop(black_box(official_authenticate(&official).await)),
                    "bare32" => {
                        concurrently(CONCURRENCY, || {
                            let bare = bare.clone();
                            async move { bare.authenticate().await }
                        })
                        .await
                    }
                    "ours32" => {
                        concurrently(CONCURRENCY, || {
                            let ours = ours.clone();
                            async move { ours_authenticate(&ours).await }
                        })
                        .await
                    }
                    "official32" => {
                        concurrently(CONCURRENCY, || {
                            let official = official.clone();
                            async move { official_authenticate(&official).await }
                        })
                        .await
                    }
                    "decode-ours" => drop(black_box(
                        serde_json::from_slice::<stytch_totp_models::CreateTotpResponse>(
                            black_box(create_body()),
                        )
                        .unwrap(),
                    )),
                    "decode-official" => drop(black_box(
                        serde_json::from_slice::<stytch::consumer::totps::CreateResponse>(
                            black_box(create_body()),
                        )
                        .unwrap(),
                    )),
                    "decode-value" => drop(black_box(
                        serde_json::from_slice::<serde_json::Value>(black_box(create_body()))
                            .unwrap(),
                    )),
                    other => panic!("unknown contender {other}"),
                }
            }
        }
        eprintln!(
            "{what} x {n}: {} connections accepted",
            connections_accepted()
        );
    });
}

//! `totps.authenticate` round trips against the canned in-process server: bare reqwest, our
//! client (full middleware stack) and the official `stytch` crate, one call at a time and
//! with 32 calls in flight. Server and clients share one current-thread runtime.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use stytch_totp_benches::paired::{interleave, Batch, Report};
use stytch_totp_benches::{
    authenticate_body, concurrently, official, official_authenticate, ours, ours_authenticate,
    runtime, serve, Bare, Stamp, CONCURRENCY,
};

fn round_trip(c: &mut Criterion) {
    let rt = runtime();
    let addr = rt.block_on(serve(authenticate_body().clone()));
    let base = format!("http://{addr}");
    let bare = Bare::new(&base);
    let ours = ours(&base);
    let official = official(&base);

    let mut group = c.benchmark_group("round_trip_sequential");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::from_parameter("bare_reqwest"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let bare = bare.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    black_box(bare.authenticate().await);
                }
                start.elapsed()
            }
        })
    });
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let ours = ours.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    black_box(ours_authenticate(&ours).await);
                }
                start.elapsed()
            }
        })
    });
    group.bench_function(BenchmarkId::from_parameter("official"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let official = official.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    black_box(official_authenticate(&official).await);
                }
                start.elapsed()
            }
        })
    });
    group.finish();

    // One iteration = CONCURRENCY spawned calls; criterion's time is per batch, the report
    // divides by CONCURRENCY.
    let mut group = c.benchmark_group(format!("round_trip_concurrent{CONCURRENCY}"));
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    group.bench_function(BenchmarkId::from_parameter("bare_reqwest"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let bare = bare.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    concurrently(CONCURRENCY, || {
                        let bare = bare.clone();
                        async move { black_box(bare.authenticate().await) }
                    })
                    .await;
                }
                start.elapsed()
            }
        })
    });
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let ours = ours.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    concurrently(CONCURRENCY, || {
                        let ours = ours.clone();
                        async move { black_box(ours_authenticate(&ours).await) }
                    })
                    .await;
                }
                start.elapsed()
            }
        })
    });
    group.bench_function(BenchmarkId::from_parameter("official"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let official = official.clone();
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    concurrently(CONCURRENCY, || {
                        let official = official.clone();
                        async move { black_box(official_authenticate(&official).await) }
                    })
                    .await;
                }
                start.elapsed()
            }
        })
    });
    group.finish();
}

/// The paired rounds (see `stytch_totp_benches::paired`): the same three contenders, one
/// call per unit and 32 concurrent calls per unit.
pub fn paired(report: &mut Report) {
    let rt = runtime();
    let addr = rt.block_on(serve(authenticate_body().clone()));
    let base = format!("http://{addr}");
    let bare = Bare::new(&base);
    let ours = ours(&base);
    let official = official(&base);
    let rt = &rt;

    let sequential: Vec<(&str, Batch<'_>)> = vec![
        (
            "bare_reqwest",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        black_box(bare.authenticate().await);
                    }
                    start.elapsed()
                })
            }),
        ),
        (
            "ours",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        black_box(ours_authenticate(&ours).await);
                    }
                    start.elapsed()
                })
            }),
        ),
        (
            "official",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        black_box(official_authenticate(&official).await);
                    }
                    start.elapsed()
                })
            }),
        ),
    ];
    report.comparisons.insert(
        "round_trip_sequential".into(),
        interleave(sequential, 1, 100, Duration::from_millis(10)),
    );

    let concurrent: Vec<(&str, Batch<'_>)> = vec![
        (
            "bare_reqwest",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        concurrently(CONCURRENCY, || {
                            let bare = bare.clone();
                            async move { black_box(bare.authenticate().await) }
                        })
                        .await;
                    }
                    start.elapsed()
                })
            }),
        ),
        (
            "ours",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        concurrently(CONCURRENCY, || {
                            let ours = ours.clone();
                            async move { black_box(ours_authenticate(&ours).await) }
                        })
                        .await;
                    }
                    start.elapsed()
                })
            }),
        ),
        (
            "official",
            Box::new(|units| {
                rt.block_on(async {
                    let start = Stamp::now();
                    for _ in 0..units {
                        concurrently(CONCURRENCY, || {
                            let official = official.clone();
                            async move { black_box(official_authenticate(&official).await) }
                        })
                        .await;
                    }
                    start.elapsed()
                })
            }),
        ),
    ];
    report.comparisons.insert(
        format!("round_trip_concurrent{CONCURRENCY}"),
        interleave(
            concurrent,
            CONCURRENCY as u64,
            60,
            Duration::from_millis(12),
        ),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40);
    targets = round_trip
}

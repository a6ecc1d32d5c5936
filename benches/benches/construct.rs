//! What building a client costs: ours (builder, checks, middleware stack), the official
//! crate's consumer client (`Client::new`: two reqwest clients, one for its fraud API), and a
//! bare `reqwest::Client`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion};
use stytch_totp_benches::{Stamp, PROJECT_ID, SECRET};

fn time<T>(iters: u64, build: impl Fn() -> T) -> Duration {
    let start = Stamp::now();
    for _ in 0..iters {
        black_box(build());
    }
    start.elapsed()
}

fn construct(c: &mut Criterion) {
    let mut group = c.benchmark_group("construct_client");
    group.bench_function(BenchmarkId::from_parameter("bare_reqwest"), |b| {
        b.iter_custom(|iters| time(iters, reqwest::Client::new))
    });
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.iter_custom(|iters| {
            time(iters, || {
                stytch_totp::Client::builder()
                    .project_id(black_box(PROJECT_ID))
                    .secret(black_box(SECRET))
                    .build()
                    .unwrap()
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("official"), |b| {
        b.iter_custom(|iters| {
            time(iters, || {
                stytch::consumer::client::Client::new(black_box(PROJECT_ID), black_box(SECRET))
                    .unwrap()
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = construct
}

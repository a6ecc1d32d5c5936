//! Decoding a `totps.create` answer with a full user (~3.3 KB of JSON): our model, the
//! official crate's model, and untyped `serde_json::Value`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use stytch_totp_benches::paired::{interleave, Batch, Report};
use stytch_totp_benches::{create_body, Stamp};

fn time<T>(iters: u64, decode: impl Fn(&[u8]) -> T) -> Duration {
    let body = create_body();
    let start = Stamp::now();
    for _ in 0..iters {
        black_box(decode(black_box(body)));
    }
    start.elapsed()
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_create_totp");
    group.throughput(Throughput::Bytes(create_body().len() as u64));
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.iter_custom(|iters| {
            time(iters, |body| {
                serde_json::from_slice::<stytch_totp_models::CreateTotpResponse>(body).unwrap()
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("official"), |b| {
        b.iter_custom(|iters| {
            time(iters, |body| {
                serde_json::from_slice::<stytch::consumer::totps::CreateResponse>(body).unwrap()
            })
        })
    });
    group.bench_function(BenchmarkId::from_parameter("serde_json_value"), |b| {
        b.iter_custom(|iters| {
            time(iters, |body| {
                serde_json::from_slice::<serde_json::Value>(body).unwrap()
            })
        })
    });
    group.finish();
}

/// The paired rounds (see `stytch_totp_benches::paired`): one decode per unit.
pub fn paired(report: &mut Report) {
    let contenders: Vec<(&str, Batch<'_>)> = vec![
        (
            "ours",
            Box::new(|units| {
                time(units, |body| {
                    serde_json::from_slice::<stytch_totp_models::CreateTotpResponse>(body).unwrap()
                })
            }),
        ),
        (
            "official",
            Box::new(|units| {
                time(units, |body| {
                    serde_json::from_slice::<stytch::consumer::totps::CreateResponse>(body).unwrap()
                })
            }),
        ),
        (
            "serde_json_value",
            Box::new(|units| {
                time(units, |body| {
                    serde_json::from_slice::<serde_json::Value>(body).unwrap()
                })
            }),
        ),
    ];
    report.comparisons.insert(
        "decode_create_totp".into(),
        interleave(contenders, 1, 150, Duration::from_millis(4)),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = decode
}

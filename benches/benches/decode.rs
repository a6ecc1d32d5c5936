//! Decoding a `totps.create` answer with a full user (~3.3 KB of JSON): our model, the
//! official crate's model, and untyped `serde_json::Value`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use stytch_totp_benches::paired::{interleave, Batch, Report};
use stytch_totp_benches::{create_body, Stamp};

/// The models compared, by bench name.
const NAMES: [&str; 3] = ["ours", "official", "serde_json_value"];

/// `iters` decodes of the canned body into `T`, each value dropped, on the bench clock.
fn time<T: serde::de::DeserializeOwned>(iters: u64) -> Duration {
    let body = create_body();
    let start = Stamp::now();
    for _ in 0..iters {
        black_box(serde_json::from_slice::<T>(black_box(body)).unwrap());
    }
    start.elapsed()
}

/// [`time`] for the model called `name`.
fn decode_as(name: &str, iters: u64) -> Duration {
    match name {
        "ours" => time::<stytch_totp_models::CreateTotpResponse>(iters),
        "official" => time::<stytch::consumer::totps::CreateResponse>(iters),
        _ => time::<serde_json::Value>(iters),
    }
}

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode_create_totp");
    group.throughput(Throughput::Bytes(create_body().len() as u64));
    for name in NAMES {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter_custom(|iters| decode_as(name, iters))
        });
    }
    group.finish();
}

/// The paired rounds (see `stytch_totp_benches::paired`): one decode per unit.
pub fn paired(report: &mut Report) {
    let contenders: Vec<(&str, Batch<'_>)> = NAMES
        .into_iter()
        .map(|name| -> (&str, Batch<'_>) { (name, Box::new(move |units| decode_as(name, units))) })
        .collect();
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

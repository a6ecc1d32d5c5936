//! `totps.authenticate` round trips against the canned in-process server: bare reqwest, our
//! client (full middleware stack) and the official `stytch` crate, one call at a time and
//! with 32 calls in flight. Server and clients share one current-thread runtime.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use stytch_totp_benches::alloc;
use stytch_totp_benches::paired::{interleave, Batch, Report};
use stytch_totp_benches::{
    authenticate_body, concurrently, official, official_authenticate, ours, ours_authenticate,
    runtime, serve, Bare, Stamp, CONCURRENCY,
};
use tokio::runtime::Runtime;

/// The three contenders, pointed at one canned server on `rt`.
struct Contenders {
    bare: Bare,
    ours: stytch_totp::Client,
    official: Arc<stytch::consumer::client::Client>,
}

impl Contenders {
    fn start(rt: &Runtime) -> Self {
        let addr = rt.block_on(serve(authenticate_body().clone()));
        let base = format!("http://{addr}");
        Self {
            bare: Bare::new(&base),
            ours: ours(&base),
            official: official(&base),
        }
    }

    /// `units` calls of `name`, one after the other, on the bench clock.
    async fn one_by_one(&self, name: &str, units: u64) -> Duration {
        let start = Stamp::now();
        match name {
            "bare_reqwest" => {
                for _ in 0..units {
                    black_box(self.bare.authenticate().await);
                }
            }
            "ours" => {
                for _ in 0..units {
                    black_box(ours_authenticate(&self.ours).await);
                }
            }
            _ => {
                for _ in 0..units {
                    black_box(official_authenticate(&self.official).await);
                }
            }
        }
        start.elapsed()
    }

    /// `units` batches of [`CONCURRENCY`] spawned calls of `name`, on the bench clock.
    async fn in_batches(&self, name: &str, units: u64) -> Duration {
        let start = Stamp::now();
        for _ in 0..units {
            match name {
                "bare_reqwest" => {
                    batch(
                        || self.bare.clone(),
                        |c| async move { c.authenticate().await },
                    )
                    .await
                }
                "ours" => {
                    batch(
                        || self.ours.clone(),
                        |c| async move { ours_authenticate(&c).await },
                    )
                    .await
                }
                _ => {
                    batch(
                        || self.official.clone(),
                        |c| async move { official_authenticate(&c).await },
                    )
                    .await
                }
            }
        }
        start.elapsed()
    }
}

/// One batch of [`CONCURRENCY`] spawned calls, each on its own clone of the client.
async fn batch<C, F, Fut>(client: impl Fn() -> C, call: F)
where
    F: Fn(C) -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    concurrently(CONCURRENCY, || black_box(call(client()))).await;
}

const NAMES: [&str; 3] = ["bare_reqwest", "ours", "official"];

fn round_trip(c: &mut Criterion) {
    let rt = runtime();
    let contenders = Contenders::start(&rt);

    let mut group = c.benchmark_group("round_trip_sequential");
    group.throughput(Throughput::Elements(1));
    for name in NAMES {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.to_async(&rt)
                .iter_custom(|iters| contenders.one_by_one(name, iters))
        });
    }
    group.finish();

    // One iteration = CONCURRENCY spawned calls; criterion's time is per batch, the report
    // divides by CONCURRENCY.
    let mut group = c.benchmark_group(format!("round_trip_concurrent{CONCURRENCY}"));
    group.throughput(Throughput::Elements(CONCURRENCY as u64));
    for name in NAMES {
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.to_async(&rt)
                .iter_custom(|iters| contenders.in_batches(name, iters))
        });
    }
    group.finish();
}

/// The paired rounds (see `stytch_totp_benches::paired`): the same three contenders, one
/// call per unit and 32 concurrent calls per unit.
pub fn paired(report: &mut Report) {
    let rt = runtime();
    let contenders = Contenders::start(&rt);
    let (rt, contenders) = (&rt, &contenders);

    let sequential: Vec<(&str, Batch<'_>)> = NAMES
        .into_iter()
        .map(|name| -> (&str, Batch<'_>) {
            (
                name,
                Box::new(move |units| rt.block_on(contenders.one_by_one(name, units))),
            )
        })
        .collect();
    report.comparisons.insert(
        "round_trip_sequential".into(),
        interleave(sequential, 1, 100, Duration::from_millis(10)),
    );

    let concurrent: Vec<(&str, Batch<'_>)> = NAMES
        .into_iter()
        .map(|name| -> (&str, Batch<'_>) {
            (
                name,
                Box::new(move |units| rt.block_on(contenders.in_batches(name, units))),
            )
        })
        .collect();
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

/// Allocations per sequential call of each contender (see `stytch_totp_benches::alloc`),
/// after as many warm-up calls, so pools, caches and connections are in their steady state.
pub fn allocations(calls: u64) -> alloc::Report {
    let rt = runtime();
    let contenders = Contenders::start(&rt);
    let mut report = alloc::Report {
        calls,
        ..alloc::Report::default()
    };
    for name in NAMES {
        rt.block_on(contenders.one_by_one(name, calls));
        let per_call = alloc::count(calls, |calls| {
            rt.block_on(contenders.one_by_one(name, calls));
        });
        report.per_call.insert(name.to_owned(), per_call);
    }
    report
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40);
    targets = round_trip
}

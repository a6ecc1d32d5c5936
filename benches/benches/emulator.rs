//! Emulator throughput: successful `totps.authenticate` calls (with a session) from 16
//! concurrent clients, each its own `Client` and user, against the in-process
//! `stytch_totp_emulator`. One iteration = the emulator clock moves one 30-second step, then
//! every client authenticates with the new code (a code is accepted once). Emulator and
//! clients share one current-thread runtime. Built only with `--features emulator`.
//!
//! `emulator_threads` runs the same rounds on a multi-thread runtime of one and of two
//! workers, timed on the wall clock: their ratio shows whether two sign-ins run at once (no
//! signing under a lock).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use stytch_totp::Client;
use stytch_totp_benches::{runtime, Stamp};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorHandle};

/// Concurrent clients.
const CLIENTS: usize = 16;
const STEP: Duration = Duration::from_secs(30);

struct Enrolled {
    client: Client,
    user_id: String,
    secret: String,
}

async fn enrol(emulator: &EmulatorHandle, n: usize) -> Enrolled {
    let client = Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(emulator.base_url())
        .build()
        .expect("client for the emulator");
    let user = client
        .users()
        .create()
        .email(format!("bench-{n}@example.com"))
        .await
        .expect("users.create");
    let totp = client
        .totps()
        .create(user.user_id.clone())
        .await
        .expect("totps.create");
    Enrolled {
        client,
        user_id: user.user_id,
        secret: totp.secret.expose_secret().to_owned(),
    }
}

async fn setup() -> (EmulatorHandle, Vec<Arc<Enrolled>>) {
    let emulator = Emulator::start().await.expect("emulator");
    let mut clients = Vec::new();
    for n in 0..CLIENTS {
        clients.push(Arc::new(enrol(&emulator, n).await));
    }
    (emulator, clients)
}

/// One round: the clock moves a step, then every client authenticates with a session.
async fn round(emulator: &EmulatorHandle, clients: &[Arc<Enrolled>]) {
    emulator.advance_clock(STEP);
    let at = emulator.now();
    let mut tasks = tokio::task::JoinSet::new();
    for enrolled in clients {
        let enrolled = enrolled.clone();
        let code = code_at(&enrolled.secret, at).expect("a code");
        tasks.spawn(async move {
            let answer = enrolled
                .client
                .totps()
                .authenticate(enrolled.user_id.as_str(), code)
                .session_duration_minutes(60)
                .await
                .expect("totps.authenticate against the emulator");
            black_box(answer);
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("client task");
    }
}

fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("emulator_threads_{CLIENTS}_clients"));
    group.throughput(Throughput::Elements(CLIENTS as u64));
    for workers in [1, 2] {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (emulator, clients) = rt.block_on(setup());
        group.bench_function(BenchmarkId::from_parameter(workers), |b| {
            b.to_async(&rt).iter_custom(|iters| {
                let clients = clients.clone();
                let emulator = &emulator;
                async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        round(emulator, &clients).await;
                    }
                    start.elapsed()
                }
            })
        });
        rt.block_on(async move { drop(emulator) });
    }
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let (emulator, clients) = rt.block_on(setup());

    let mut group = c.benchmark_group(format!("emulator_authenticate_{CLIENTS}_clients"));
    group.throughput(Throughput::Elements(CLIENTS as u64));
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let clients = clients.clone();
            let emulator = &emulator;
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    round(emulator, &clients).await;
                }
                start.elapsed()
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(20);
    targets = throughput, threads
}

//! Emulator throughput: successful `totps.authenticate` calls (with a session) from 16
//! concurrent clients, each its own `Client` and user, against the in-process
//! `stytch_totp_emulator`. One iteration = the emulator clock moves one 30-second step, then
//! every client authenticates with the new code (a code is accepted once). Emulator and
//! clients share one current-thread runtime. Built only with `--features emulator`.

use std::hint::black_box;
use std::time::Duration;

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

fn throughput(c: &mut Criterion) {
    let rt = runtime();
    let (emulator, clients) = rt.block_on(async {
        let emulator = Emulator::start().await.expect("emulator");
        let mut clients = Vec::new();
        for n in 0..CLIENTS {
            clients.push(std::sync::Arc::new(enrol(&emulator, n).await));
        }
        (emulator, clients)
    });

    let mut group = c.benchmark_group(format!("emulator_authenticate_{CLIENTS}_clients"));
    group.throughput(Throughput::Elements(CLIENTS as u64));
    group.bench_function(BenchmarkId::from_parameter("ours"), |b| {
        b.to_async(&rt).iter_custom(|iters| {
            let clients = clients.clone();
            let emulator = &emulator;
            async move {
                let start = Stamp::now();
                for _ in 0..iters {
                    emulator.advance_clock(STEP);
                    let at = emulator.now();
                    let mut tasks = tokio::task::JoinSet::new();
                    for enrolled in &clients {
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
    targets = throughput
}

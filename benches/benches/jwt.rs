//! Local verification of one session JWT from the in-process emulator: ours without the
//! verified-JWT cache (`ours_fresh`: base64, RSA-2048 verify, claims), ours with it
//! (`ours_repeated`: the same JWT again), and the crypto library's bare RSA-2048 verify of
//! that JWT's signature (`rsa2048_verify`, aws-lc-rs, the baseline of the 1.5x target), in
//! paired rounds on one thread and on two threads at once (each unit one verification per
//! thread; the two threads' bench-clock times summed, so the figure is the cost per
//! verification when both threads verify, contention included). Then Stytch's Node and Python SDKs verify the same JWT locally,
//! when `cargo xtask bench` installed them (`BENCH_NODE_PATH`, `BENCH_PYTHON`): their
//! per-round times are their own (not interleaved with ours). Built with `--features emulator`.

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use aws_lc_rs::signature::{ParsedPublicKey, RsaPublicKeyComponents, RSA_PKCS1_2048_8192_SHA256};
use base64::Engine;
use stytch_totp::{Checked, Client};
use stytch_totp_benches::paired::{interleave, Batch, Comparison, Report};
use stytch_totp_benches::{runtime, Stamp};
use stytch_totp_emulator::totp::code_at;
use stytch_totp_emulator::{Emulator, EmulatorHandle};

const ROUNDS: usize = 60;
const BATCH: Duration = Duration::from_millis(4);
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A session JWT from the emulator (user, TOTP, `totps.authenticate` with a session).
async fn session_jwt(emulator: &EmulatorHandle) -> String {
    let client = client(emulator.base_url(), emulator, 0);
    let user = client
        .users()
        .create()
        .email("jwt-bench@example.com")
        .await
        .expect("users.create");
    let totp = client
        .totps()
        .create(user.user_id.clone())
        .await
        .expect("totps.create");
    let code = code_at(totp.secret.expose_secret(), emulator.now()).expect("a code");
    let answer = client
        .totps()
        .authenticate(user.user_id.as_str(), code)
        .session_duration_minutes(60)
        .await
        .expect("totps.authenticate");
    answer.session_jwt.expose_secret().to_owned()
}

fn client(base_url: &str, emulator: &EmulatorHandle, cache: usize) -> Client {
    Client::builder()
        .project_id(emulator.project_id())
        .secret(emulator.secret())
        .base_url(base_url)
        .verified_jwt_cache_capacity(cache)
        .build()
        .expect("client for the emulator")
}

/// The signing key of `jwt`, parsed once, as the crypto library's own baseline uses it.
async fn signing_key(client: &Client, jwt: &str) -> ParsedPublicKey {
    let header: serde_json::Value =
        serde_json::from_slice(&B64.decode(jwt.split('.').next().unwrap()).unwrap()).unwrap();
    let keys = client.sessions().jwks().await.expect("sessions.jwks");
    let jwk = keys
        .keys
        .iter()
        .find(|k| header["kid"] == k.kid.as_str())
        .expect("the JWT's key is published");
    let (n, e) = (B64.decode(&jwk.n).unwrap(), B64.decode(&jwk.e).unwrap());
    RsaPublicKeyComponents { n: &n, e: &e }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("an RSA key")
}

/// `units` verifications on this thread.
fn verify_n(kind: &str, units: u64, rt: &tokio::runtime::Runtime, setup: &Setup) {
    match kind {
        "rsa2048_verify" => {
            for _ in 0..units {
                setup
                    .key
                    .verify_sig(
                        black_box(setup.signed.as_bytes()),
                        black_box(&setup.signature),
                    )
                    .expect("the signature verifies");
            }
        }
        _ => {
            let client = if kind == "ours_fresh" {
                &setup.fresh
            } else {
                &setup.repeated
            };
            rt.block_on(async {
                for _ in 0..units {
                    let verified = client
                        .sessions()
                        .authenticate_jwt(setup.jwt.as_str())
                        .await
                        .expect("verified");
                    black_box(verified);
                }
            })
        }
    }
}

struct Setup {
    jwt: String,
    signed: String,
    signature: Vec<u8>,
    key: ParsedPublicKey,
    fresh: Client,
    repeated: Client,
}

const CONTENDERS: [&str; 3] = ["rsa2048_verify", "ours_fresh", "ours_repeated"];

pub fn paired(report: &mut Report) {
    // The emulator on its own thread, so it answers (the JWKS) whatever the bench threads do.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("emulator runtime");
    let emulator = server_rt.block_on(Emulator::start()).expect("emulator");
    let jwt = server_rt.block_on(session_jwt(&emulator));
    let base_url = emulator.base_url().to_owned();
    let rts = [runtime(), runtime()];
    let setup = rts[0].block_on(async {
        let fresh = client(&base_url, &emulator, 0);
        let repeated = client(
            &base_url,
            &emulator,
            stytch_totp::DEFAULT_VERIFIED_JWT_CACHE_CAPACITY,
        );
        for client in [&fresh, &repeated] {
            let verified = client
                .sessions()
                .authenticate_jwt(jwt.as_str())
                .await
                .expect("the emulator's JWT verifies");
            assert!(matches!(verified.checked, Checked::Locally));
        }
        let key = signing_key(&fresh, &jwt).await;
        let (signed, signature) = jwt.rsplit_once('.').unwrap();
        Setup {
            signed: signed.to_owned(),
            signature: B64.decode(signature).unwrap(),
            key,
            fresh,
            repeated,
            jwt: jwt.clone(),
        }
    });

    let one_thread: Vec<(&str, Batch<'_>)> = CONTENDERS
        .into_iter()
        .map(|kind| -> (&str, Batch<'_>) {
            let (setup, rt) = (&setup, &rts[0]);
            (
                kind,
                Box::new(move |units| {
                    let start = Stamp::now();
                    verify_n(kind, units, rt, setup);
                    start.elapsed()
                }),
            )
        })
        .collect();
    report.comparisons.insert(
        "jwt_verify_1_thread".into(),
        interleave(one_thread, 1, ROUNDS, BATCH),
    );

    // Two threads at once, each with its own runtime: one unit is one verification on each,
    // timed by each thread's bench clock and summed, so contention between the threads shows
    // and the machine's other load does not (with BENCH_CLOCK=wall: the sum of wall times).
    let two_threads: Vec<(&str, Batch<'_>)> = CONTENDERS
        .into_iter()
        .map(|kind| -> (&str, Batch<'_>) {
            let (setup, rts) = (&setup, &rts);
            (
                kind,
                Box::new(move |units| {
                    std::thread::scope(|s| {
                        let threads: Vec<_> = rts
                            .iter()
                            .map(|rt| {
                                s.spawn(move || {
                                    let start = Stamp::now();
                                    verify_n(kind, units, rt, setup);
                                    start.elapsed()
                                })
                            })
                            .collect();
                        threads
                            .into_iter()
                            .map(|t| t.join().expect("bench thread"))
                            .sum()
                    })
                }),
            )
        })
        .collect();
    report.comparisons.insert(
        "jwt_verify_2_threads".into(),
        interleave(two_threads, 2, ROUNDS, BATCH),
    );

    let args = [
        base_url.clone(),
        emulator.project_id().to_owned(),
        emulator.secret().to_owned(),
        jwt.clone(),
        "30".to_owned(),
        "100".to_owned(),
    ];
    let mut sdks = Comparison {
        calls_per_unit: 1,
        ..Comparison::default()
    };
    let scripts = concat!(env!("CARGO_MANIFEST_DIR"), "/sdk");
    if let Ok(node_path) = std::env::var("BENCH_NODE_PATH") {
        let mut node = Command::new("node");
        node.arg(format!("{scripts}/verify.js"))
            .args(&args)
            .env("NODE_PATH", node_path);
        if let Some((version, per_call)) = run_sdk("node", node) {
            sdks.per_call_ns
                .insert(format!("stytch_node_{version}"), per_call);
        }
    }
    if let Ok(python) = std::env::var("BENCH_PYTHON") {
        let mut py = Command::new(python);
        py.arg(format!("{scripts}/verify.py")).args(&args);
        if let Some((version, per_call)) = run_sdk("python", py) {
            sdks.per_call_ns
                .insert(format!("stytch_python_{version}"), per_call);
        }
    }
    if !sdks.per_call_ns.is_empty() {
        report.comparisons.insert("jwt_verify_sdks".into(), sdks);
    }
    server_rt
        .block_on(emulator.shutdown())
        .expect("emulator shutdown");
}

/// Runs one SDK's script; its version and per-round times, or `None` (reported on stderr).
fn run_sdk(name: &str, mut command: Command) -> Option<(String, Vec<f64>)> {
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            eprintln!(
                "jwt bench: the {name} SDK failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return None;
        }
        Err(e) => {
            eprintln!("jwt bench: cannot run the {name} SDK: {e}");
            return None;
        }
    };
    let parsed: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let per_call = parsed["per_call_ns"]
        .as_array()?
        .iter()
        .filter_map(|v| v.as_f64())
        .collect();
    Some((parsed["version"].as_str()?.to_owned(), per_call))
}

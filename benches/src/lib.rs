//! Shared pieces of the benchmarks: the canned response bodies, a minimal in-process HTTP
//! server that answers every request with one of them, and the three contenders (bare reqwest,
//! our client, the official `stytch` crate) built the same way for every bench.
//!
//! Run the benches with `cargo xtask bench` from the repository root (it also writes
//! `docs/BENCHMARKS.md`), or `cargo bench` here.

pub mod alloc;
pub mod paired;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpListener;

/// Project id every contender sends (the canned server does not check it).
pub const PROJECT_ID: &str = "project-test-11111111-2222-3333-4444-555555555555";
/// Secret every contender sends.
pub const SECRET: &str = "secret-test-benchmarks-0000000000000000000000";
/// The user of the canned responses.
pub const USER_ID: &str = "user-test-16d9ba61-97a1-4ba4-9720-b03761dc50c6";
/// A well-formed TOTP code.
pub const TOTP_CODE: &str = "123456";
/// Session length asked for, so the answer carries a full session.
pub const SESSION_MINUTES: i64 = 60;
/// Tasks in flight in the concurrent round-trip benches.
pub const CONCURRENCY: usize = 32;

const SPEC: &str = include_str!("../../specs/totps.json");

fn example(definition: &str) -> Value {
    let spec: Value = serde_json::from_str(SPEC).expect("specs/totps.json is JSON");
    spec["$defs"][definition]["examples"][0].clone()
}

/// `totps.authenticate` answer with a full user and session:
/// `$defs.AuthenticateTotpResponse.examples[0]` of `specs/totps.json`.
pub fn authenticate_body() -> &'static Bytes {
    static BODY: OnceLock<Bytes> = OnceLock::new();
    BODY.get_or_init(|| {
        Bytes::from(serde_json::to_vec(&example("AuthenticateTotpResponse")).unwrap())
    })
}

/// `totps.create` answer with a full user: `$defs.CreateTotpResponse.examples[0]`, its
/// shortened `qr_code` replaced by one of a real QR PNG's size (a 200x200 PNG of an
/// `otpauth://` URL is about 1.9 KB, ~2.5 KB in base64).
pub fn create_body() -> &'static Bytes {
    static BODY: OnceLock<Bytes> = OnceLock::new();
    BODY.get_or_init(|| {
        let mut value = example("CreateTotpResponse");
        value["qr_code"] = Value::String(fake_qr_code(2_520));
        Bytes::from(serde_json::to_vec(&value).unwrap())
    })
}

/// `data:image/png;base64, iVBORw0KGgo...`: deterministic base64 text of `len` characters.
fn fake_qr_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u32 = 0x9e37_79b9;
    let mut out = String::from("data:image/png;base64, iVBORw0KGgoAAAANSUhEUgAAAMgAAADI");
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out.push(ALPHABET[(state % 64) as usize] as char);
    }
    out.push_str("==");
    out
}

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Connections the canned servers of this process have accepted so far (a check that the
/// clients reuse their connections).
pub fn connections_accepted() -> usize {
    CONNECTIONS.load(Ordering::Relaxed)
}

/// The canned HTTP server: HTTP/1.1 with keep-alive, one spawned task per connection, every
/// request's body read and answered `200 application/json` with the same bytes. It runs on
/// whatever tokio runtime calls [`serve`]; the benches use one current-thread runtime for
/// server and client, which repeats within a few percent on a small machine.
pub async fn serve(body: Bytes) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            CONNECTIONS.fetch_add(1, Ordering::Relaxed);
            let _ = stream.set_nodelay(true);
            let body = body.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request: Request<Incoming>| {
                    let body = body.clone();
                    async move {
                        // Read the request like a real server would, then answer.
                        let _ = request.into_body().collect().await;
                        let mut response = Response::new(Full::new(body));
                        response
                            .headers_mut()
                            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                        Ok::<_, Infallible>(response)
                    }
                });
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// What the benches time. `cpu` (default): CPU time of the one thread that runs server and
/// client (`CLOCK_THREAD_CPUTIME_ID`, user + kernel, loopback TCP included), so other processes
/// on the machine do not inflate the figures; on an idle machine it equals wall time. Set
/// `BENCH_CLOCK=wall` for wall-clock time.
pub fn use_cpu_clock() -> bool {
    static CPU: OnceLock<bool> = OnceLock::new();
    *CPU.get_or_init(|| std::env::var("BENCH_CLOCK").map_or(true, |v| v != "wall"))
}

/// A reading of the bench clock (see [`use_cpu_clock`]).
#[derive(Clone, Copy)]
pub struct Stamp(Duration);

impl Stamp {
    /// Now.
    pub fn now() -> Self {
        if !use_cpu_clock() {
            static ORIGIN: OnceLock<std::time::Instant> = OnceLock::new();
            return Self(ORIGIN.get_or_init(std::time::Instant::now).elapsed());
        }
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux knows.
        let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
        assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
        Self(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }

    /// Bench-clock time since this stamp.
    pub fn elapsed(self) -> Duration {
        Self::now().0.saturating_sub(self.0)
    }
}

/// A one-thread runtime (server and client on it, see [`serve`]).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// The body bare reqwest sends; the same JSON the two clients produce.
#[derive(Serialize)]
struct AuthenticateBody<'a> {
    user_id: &'a str,
    totp_code: &'a str,
    session_duration_minutes: i64,
}

/// The baseline: a plain `reqwest::Client` doing `POST` + Basic auth + JSON body, then
/// `serde_json` into our [`stytch_totp_models::AuthenticateTotpResponse`].
#[derive(Clone)]
pub struct Bare {
    http: reqwest::Client,
    url: reqwest::Url,
}

impl Bare {
    /// A bare client calling `base_url`.
    pub fn new(base_url: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: reqwest::Url::parse(base_url)
                .unwrap()
                .join("v1/totps/authenticate")
                .unwrap(),
        }
    }

    /// One `totps.authenticate` call.
    pub async fn authenticate(&self) -> stytch_totp_models::AuthenticateTotpResponse {
        let response = self
            .http
            .post(self.url.clone())
            .basic_auth(PROJECT_ID, Some(SECRET))
            .json(&AuthenticateBody {
                user_id: USER_ID,
                totp_code: TOTP_CODE,
                session_duration_minutes: SESSION_MINUTES,
            })
            .send()
            .await
            .expect("bare reqwest: send");
        assert!(response.status().is_success());
        let bytes = response.bytes().await.expect("bare reqwest: body");
        serde_json::from_slice(&bytes).expect("bare reqwest: decode")
    }
}

/// Our client, full middleware stack, pointed at `base_url`.
pub fn ours(base_url: &str) -> stytch_totp::Client {
    stytch_totp::Client::builder()
        .project_id(PROJECT_ID)
        .secret(SECRET)
        .base_url(base_url)
        .build()
        .expect("our client")
}

/// One `totps.authenticate` call with our client.
pub async fn ours_authenticate(
    client: &stytch_totp::Client,
) -> stytch_totp_models::AuthenticateTotpResponse {
    client
        .totps()
        .authenticate(USER_ID, TOTP_CODE)
        .session_duration_minutes(SESSION_MINUTES)
        .await
        .expect("our client: authenticate")
}

/// The official crate's consumer client, pointed at `base_url` (the way its own
/// `Client::new` builds it, with an explicit base URL).
pub fn official(base_url: &str) -> Arc<stytch::consumer::client::Client> {
    let url = reqwest::Url::parse(base_url).unwrap();
    let http = stytch::client::Client::new_with_base_url(
        PROJECT_ID,
        SECRET,
        url,
        stytch::client::Vertical::Consumer,
    )
    .expect("official client");
    let fraud = stytch::client::Client::new_fraud(PROJECT_ID, SECRET).expect("official fraud");
    Arc::new(stytch::consumer::client::Client::new_with_http_client(
        http, fraud,
    ))
}

/// One `totps.authenticate` call with the official crate.
pub async fn official_authenticate(
    client: &stytch::consumer::client::Client,
) -> stytch::consumer::totps::AuthenticateResponse {
    client
        .totps
        .authenticate(stytch::consumer::totps::AuthenticateRequest {
            user_id: USER_ID.to_owned(),
            totp_code: TOTP_CODE.to_owned(),
            session_duration_minutes: Some(SESSION_MINUTES as i32),
            ..Default::default()
        })
        .await
        .expect("official client: authenticate")
}

/// Runs `n` copies of `call` as spawned tasks and waits for all of them.
pub async fn concurrently<F, Fut>(n: usize, call: F)
where
    F: Fn() -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        tasks.spawn(call());
    }
    while let Some(result) = tasks.join_next().await {
        result.expect("task panicked");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canned_bodies_decode_with_every_model() {
        let auth = authenticate_body();
        let ours: stytch_totp_models::AuthenticateTotpResponse =
            serde_json::from_slice(auth).unwrap();
        assert!(ours.session.is_some());
        let theirs: stytch::consumer::totps::AuthenticateResponse =
            serde_json::from_slice(auth).unwrap();
        assert!(theirs.session.is_some());

        let create = create_body();
        assert!(create.len() > 3_000, "{}", create.len());
        let _: stytch_totp_models::CreateTotpResponse = serde_json::from_slice(create).unwrap();
        let _: stytch::consumer::totps::CreateResponse = serde_json::from_slice(create).unwrap();
    }

    #[test]
    fn every_contender_completes_a_round_trip() {
        let rt = runtime();
        rt.block_on(async {
            let addr = serve(authenticate_body().clone()).await;
            let base = format!("http://{addr}");
            let bare = Bare::new(&base).authenticate().await;
            let client = ours(&base);
            let mine = ours_authenticate(&client).await;
            let theirs = official_authenticate(&official(&base)).await;
            assert_eq!(bare.user_id, mine.user_id);
            assert_eq!(mine.user_id, theirs.user_id);
            let before = connections_accepted();
            for _ in 0..10 {
                Bare::new(&base).authenticate().await;
            }
            assert_eq!(
                connections_accepted(),
                before + 10,
                "a new client opens a connection"
            );
            let before = connections_accepted();
            for _ in 0..10 {
                ours_authenticate(&client).await;
            }
            assert_eq!(
                connections_accepted(),
                before,
                "our client reuses its connection"
            );
            concurrently(CONCURRENCY, || {
                let client = client.clone();
                async move { ours_authenticate(&client).await }
            })
            .await;
        });
    }
}

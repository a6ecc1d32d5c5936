//! The fault matrix: every operation x every fault, against the emulator's fault injection
//! (or wiremock / a closed port where the emulator cannot express the fault). Each row asserts
//! the outcome, the number of attempts the server saw and an upper bound on elapsed time, and
//! the rows are rendered into docs/RELIABILITY.md, which this test keeps current:
//! `cargo xtask reliability` (or `UPDATE_RELIABILITY=1 cargo test -p stytch-totp-e2e --test
//! fault_matrix`) rewrites it; otherwise a stale table fails the test.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::{Duration, Instant};

use stytch_totp::models::{CreateUserRequest, ErrorType};
use stytch_totp::{Client, Error, Operation, RetryPolicy, RetrySafety};
use stytch_totp_emulator::{EmulatorHandle, Fault, FaultSpec};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The faults of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    S500,
    S502Html,
    S503,
    S503RetryAfter,
    S504,
    S429,
    S429RetryAfter,
    Refused,
    ResetBeforeResponse,
    Stall,
    TruncatedJson,
    EmptyBody,
    WrongContentType,
    HugeBody,
    InvalidUtf8,
    S500AfterApply,
    ResetAfterApply,
}

const CASES: [Case; 17] = [
    Case::S500,
    Case::S502Html,
    Case::S503,
    Case::S503RetryAfter,
    Case::S504,
    Case::S429,
    Case::S429RetryAfter,
    Case::Refused,
    Case::ResetBeforeResponse,
    Case::Stall,
    Case::TruncatedJson,
    Case::EmptyBody,
    Case::WrongContentType,
    Case::HugeBody,
    Case::InvalidUtf8,
    Case::S500AfterApply,
    Case::ResetAfterApply,
];

impl Case {
    fn label(self) -> &'static str {
        match self {
            Case::S500 => "500",
            Case::S502Html => "502, HTML body",
            Case::S503 => "503",
            Case::S503RetryAfter => "503 + Retry-After: 1",
            Case::S504 => "504",
            Case::S429 => "429",
            Case::S429RetryAfter => "429 + Retry-After: 1",
            Case::Refused => "connection refused",
            Case::ResetBeforeResponse => "connection reset before response",
            Case::Stall => "stall past the attempt timeout",
            Case::TruncatedJson => "truncated JSON",
            Case::EmptyBody => "200, empty body",
            Case::WrongContentType => "200, text/html body",
            Case::HugeBody => "200, 10 MiB body",
            Case::InvalidUtf8 => "200, invalid UTF-8",
            Case::S500AfterApply => "500 after the server applied it",
            Case::ResetAfterApply => "reset after the server applied it",
        }
    }

    /// Emulator fault for this case, if the emulator expresses it (injected once).
    fn emulator_fault(self) -> Option<Fault> {
        let status = |status, retry_after| Fault::Status {
            status,
            retry_after,
            body: None,
        };
        Some(match self {
            Case::S500 => status(500, None),
            Case::S502Html => Fault::Status {
                status: 502,
                retry_after: None,
                body: Some("<html><body><h1>502 Bad Gateway</h1></body></html>".into()),
            },
            Case::S503 => status(503, None),
            Case::S503RetryAfter => status(503, Some(1)),
            Case::S504 => status(504, None),
            Case::S429 => status(429, None),
            Case::S429RetryAfter => status(429, Some(1)),
            Case::ResetBeforeResponse => Fault::DropConnection,
            Case::Stall => Fault::Delay(Duration::from_secs(8)),
            Case::TruncatedJson => Fault::TruncatedBody,
            Case::S500AfterApply => Fault::after_apply(status(500, None)),
            Case::ResetAfterApply => Fault::after_apply(Fault::DropConnection),
            _ => return None,
        })
    }

    /// A raw answer for the faults the emulator does not express.
    fn wiremock_answer(self) -> Option<ResponseTemplate> {
        Some(match self {
            Case::EmptyBody => ResponseTemplate::new(200),
            Case::WrongContentType => ResponseTemplate::new(200)
                .set_body_raw("<html>down for maintenance</html>", "text/html"),
            Case::HugeBody => ResponseTemplate::new(200)
                .set_body_raw(vec![b' '; 10 * 1024 * 1024], "application/json"),
            Case::InvalidUtf8 => ResponseTemplate::new(200)
                .set_body_raw(vec![0xff, 0xfe, 0x7b, 0x22], "application/json"),
            _ => return None,
        })
    }
}

/// What the caller sees, in one comparable word or two.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Ok,
    Api(u16),
    Decode(u16),
    TransportNotSent,
    TransportSent,
    Timeout,
    TooLarge,
}

impl Outcome {
    fn of(result: &Result<(), Error>) -> Self {
        match result {
            Ok(()) => Outcome::Ok,
            Err(Error::Api { status, .. }) => Outcome::Api(*status),
            Err(Error::Decode { status, .. }) => Outcome::Decode(*status),
            Err(Error::Transport {
                connected: false, ..
            }) => Outcome::TransportNotSent,
            Err(Error::Transport {
                connected: true, ..
            }) => Outcome::TransportSent,
            Err(Error::Timeout { .. }) => Outcome::Timeout,
            Err(Error::ResponseTooLarge { .. }) => Outcome::TooLarge,
            Err(other) => panic!("unexpected error kind: {other:?}"),
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Ok => "success".into(),
            Outcome::Api(status) => format!("`Error::Api` {status}"),
            Outcome::Decode(status) => format!("`Error::Decode` {status}"),
            Outcome::TransportNotSent => "`Error::Transport` (not sent)".into(),
            Outcome::TransportSent => "`Error::Transport` (outcome unknown)".into(),
            Outcome::Timeout => "`Error::Timeout` (outcome unknown)".into(),
            Outcome::TooLarge => "`Error::ResponseTooLarge`".into(),
        }
    }
}

/// The policy under test, stated independently of the implementation: expected outcome and
/// the number of attempts the server sees.
fn expected(op: Operation, case: Case) -> (Outcome, u64) {
    let read = op.retry_safety() == RetrySafety::Always;
    match case {
        Case::S500 => (Outcome::Api(500), 1),
        Case::S502Html if read => (Outcome::Ok, 2),
        Case::S502Html => (Outcome::Decode(502), 1),
        Case::S503 | Case::S503RetryAfter if read => (Outcome::Ok, 2),
        Case::S503 | Case::S503RetryAfter => (Outcome::Api(503), 1),
        Case::S504 if read => (Outcome::Ok, 2),
        Case::S504 => (Outcome::Api(504), 1),
        Case::S429 | Case::S429RetryAfter => (Outcome::Ok, 2),
        Case::Refused => (Outcome::TransportNotSent, 0),
        Case::ResetBeforeResponse if read => (Outcome::Ok, 2),
        Case::ResetBeforeResponse => (Outcome::TransportSent, 1),
        Case::Stall if read => (Outcome::Ok, 2),
        Case::Stall => (Outcome::Timeout, 1),
        Case::TruncatedJson | Case::EmptyBody | Case::WrongContentType | Case::InvalidUtf8 => {
            (Outcome::Decode(200), 1)
        }
        Case::HugeBody => (Outcome::TooLarge, 1),
        Case::S500AfterApply => (Outcome::Api(500), 1),
        Case::ResetAfterApply if read => (Outcome::Ok, 2),
        Case::ResetAfterApply => (Outcome::TransportSent, 1),
    }
}

/// Upper bound on a row's elapsed time (generous: the machine is small and noisy).
fn bound(case: Case) -> Duration {
    match case {
        Case::S503RetryAfter | Case::S429RetryAfter => Duration::from_secs(9),
        _ => Duration::from_secs(8),
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        min_backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(50),
        budget: Duration::from_secs(3),
    }
}

fn client(base_url: &str, project_id: &str, secret: &str) -> Client {
    Client::builder()
        .project_id(project_id)
        .secret(secret)
        .base_url(base_url)
        .retry_policy(policy())
        .attempt_timeout(Duration::from_secs(2))
        .call_timeout(Duration::from_secs(6))
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap()
}

/// Ids and codes an operation needs, prepared before any fault is queued.
struct Fixture {
    user_id: String,
    totp_id: String,
    totp_code: String,
    recovery_code: String,
}

impl Fixture {
    fn placeholder() -> Self {
        Fixture {
            user_id: "user-test-00000000-0000-0000-0000-000000000001".into(),
            totp_id: "totp-test-00000000-0000-0000-0000-000000000001".into(),
            totp_code: "123456".into(),
            recovery_code: "abcd-efgh-ijkl".into(),
        }
    }

    async fn prepare(emulator: &EmulatorHandle, client: &Client, op: Operation) -> Self {
        let user = client
            .users()
            .create(CreateUserRequest::default())
            .await
            .unwrap();
        if op == Operation::TotpsCreate || op == Operation::UsersCreate {
            return Fixture {
                user_id: user.user_id,
                ..Fixture::placeholder()
            };
        }
        let totp = client.totps().create(&user.user_id).await.unwrap();
        let code = stytch_totp_emulator::totp::code_at(totp.secret.expose_secret(), emulator.now())
            .unwrap();
        Fixture {
            user_id: user.user_id,
            totp_id: totp.totp_id,
            totp_code: code,
            recovery_code: totp.recovery_codes[0].expose_secret().to_owned(),
        }
    }

    /// The raw request path of `op`, as the emulator counts it.
    fn path(&self, op: Operation) -> String {
        match op {
            Operation::TotpsCreate => "/v1/totps".into(),
            Operation::TotpsAuthenticate => "/v1/totps/authenticate".into(),
            Operation::TotpsRecoveryCodes => "/v1/totps/recovery_codes".into(),
            Operation::TotpsRecover => "/v1/totps/recover".into(),
            Operation::UsersCreate => "/v1/users".into(),
            Operation::UsersGet | Operation::UsersDelete => format!("/v1/users/{}", self.user_id),
            Operation::UsersDeleteTotp => format!("/v1/users/totps/{}", self.totp_id),
            other => panic!("unknown operation {other:?}"),
        }
    }
}

fn call<'a>(
    client: &'a Client,
    op: Operation,
    f: &'a Fixture,
) -> Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>> {
    match op {
        Operation::TotpsCreate => {
            Box::pin(async move { client.totps().create(&f.user_id).await.map(drop) })
        }
        Operation::TotpsAuthenticate => Box::pin(async move {
            client
                .totps()
                .authenticate(&f.user_id, &f.totp_code)
                .await
                .map(drop)
        }),
        Operation::TotpsRecoveryCodes => {
            Box::pin(async move { client.totps().recovery_codes(&f.user_id).await.map(drop) })
        }
        Operation::TotpsRecover => Box::pin(async move {
            client
                .totps()
                .recover(&f.user_id, &f.recovery_code)
                .await
                .map(drop)
        }),
        Operation::UsersCreate => Box::pin(async move {
            client
                .users()
                .create(CreateUserRequest::default())
                .await
                .map(drop)
        }),
        Operation::UsersGet => {
            Box::pin(async move { client.users().get(&f.user_id).await.map(drop) })
        }
        Operation::UsersDelete => {
            Box::pin(async move { client.users().delete(&f.user_id).await.map(drop) })
        }
        Operation::UsersDeleteTotp => {
            Box::pin(async move { client.users().delete_totp(&f.totp_id).await.map(drop) })
        }
        other => panic!("unknown operation {other:?}"),
    }
}

/// The operations the matrix drives. The session calls join once the emulator serves them.
const MATRIX_OPERATIONS: [Operation; 8] = [
    Operation::TotpsCreate,
    Operation::TotpsAuthenticate,
    Operation::TotpsRecoveryCodes,
    Operation::TotpsRecover,
    Operation::UsersCreate,
    Operation::UsersGet,
    Operation::UsersDelete,
    Operation::UsersDeleteTotp,
];

/// One measured row.
struct Row {
    op: Operation,
    case: Case,
    outcome: Outcome,
    attempts: u64,
    elapsed: Duration,
}

async fn run_case(op: Operation, case: Case) -> Row {
    let (emulator, setup) = stytch_totp_e2e::start(stytch_totp_e2e::without_locks()).await;
    let fixture = Fixture::prepare(&emulator, &setup, op).await;
    let setup = client(
        emulator.base_url(),
        emulator.project_id(),
        emulator.secret(),
    );
    let path = fixture.path(op);

    let (result, attempts, elapsed) = if let Some(fault) = case.emulator_fault() {
        emulator.inject(FaultSpec::new(fault).on_path(op.path()));
        let before = emulator.stats().requests_to(&path);
        let started = Instant::now();
        let result = call(&setup, op, &fixture).await;
        let elapsed = started.elapsed();
        (
            result,
            emulator.stats().requests_to(&path) - before,
            elapsed,
        )
    } else if let Some(answer) = case.wiremock_answer() {
        let server = MockServer::start().await;
        Mock::given(any()).respond_with(answer).mount(&server).await;
        let raw = client(&server.uri(), "project-test-x", "secret");
        let started = Instant::now();
        let result = call(&raw, op, &fixture).await;
        let elapsed = started.elapsed();
        (
            result,
            server.received_requests().await.unwrap().len() as u64,
            elapsed,
        )
    } else {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let closed = client(
            &format!("http://127.0.0.1:{port}"),
            "project-test-x",
            "secret",
        );
        let started = Instant::now();
        let result = call(&closed, op, &fixture).await;
        (result, 0, started.elapsed())
    };

    let outcome = Outcome::of(&result);
    if let Err(error) = &result {
        if let Error::Api { .. } = error {
            assert!(
                error.request_id().is_some_and(|id| !id.is_empty()),
                "{op:?} {case:?}: no request id"
            );
        }
        assert_eq!(
            error.is_outcome_unknown(),
            matches!(
                outcome,
                Outcome::Api(500..)
                    | Outcome::Decode(500..)
                    | Outcome::TransportSent
                    | Outcome::Timeout
            ),
            "{op:?} {case:?}: {error}"
        );
    }
    if matches!(case, Case::S500AfterApply | Case::ResetAfterApply) {
        no_double_spend(&emulator, &setup, op, case, &fixture).await;
    }
    Row {
        op,
        case,
        outcome,
        attempts,
        elapsed,
    }
}

/// After a fault that struck once the server had applied a consuming call, the call was
/// applied exactly once and its single-use value is spent.
async fn no_double_spend(
    emulator: &EmulatorHandle,
    client: &Client,
    op: Operation,
    case: Case,
    f: &Fixture,
) {
    let applied = emulator.stats().applied(match op {
        Operation::TotpsCreate => stytch_totp_emulator::Operation::CreateTotp,
        Operation::TotpsAuthenticate => stytch_totp_emulator::Operation::AuthenticateTotp,
        Operation::TotpsRecover => stytch_totp_emulator::Operation::RecoverTotp,
        Operation::TotpsRecoveryCodes => stytch_totp_emulator::Operation::TotpRecoveryCodes,
        Operation::UsersCreate => stytch_totp_emulator::Operation::CreateUser,
        Operation::UsersGet => stytch_totp_emulator::Operation::GetUser,
        Operation::UsersDelete => stytch_totp_emulator::Operation::DeleteUser,
        Operation::UsersDeleteTotp => stytch_totp_emulator::Operation::DeleteTotp,
        other => panic!("unknown operation {other:?}"),
    });
    // The fixture created one user; nothing else it did is one of the operations under test.
    let setup_calls = u64::from(op == Operation::UsersCreate);
    // Every attempt that reached the server was applied: consuming calls exactly once.
    let (_, attempts) = expected(op, case);
    assert_eq!(
        applied - setup_calls,
        attempts,
        "{op:?}: applied {applied} times"
    );
    if op == Operation::TotpsRecover {
        let again = client
            .totps()
            .recover(&f.user_id, &f.recovery_code)
            .await
            .unwrap_err();
        assert_eq!(
            again.error_type(),
            Some(&ErrorType::UnableToAuthenticateRecoveryCode)
        );
    }
}

fn render(rows: &[Row]) -> String {
    let mut table = String::from(
        "| operation | fault | outcome | attempts the server saw | bound |\n|---|---|---|---|---|\n",
    );
    for row in rows {
        table += &format!(
            "| `{}` | {} | {} | {} | < {} s |\n",
            row.op.span_name(),
            row.case.label(),
            row.outcome.describe(),
            row.attempts,
            bound(row.case).as_secs()
        );
    }
    table
}

const START: &str =
    "<!-- fault-matrix:start (generated by the fault_matrix test; do not edit) -->\n";
const END: &str = "<!-- fault-matrix:end -->";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix() {
    let mut rows = Vec::new();
    // Four operations at a time: enough to keep the run short, little enough that a loaded
    // 2-core machine does not turn latency into false timeouts.
    for case in CASES {
        for ops in MATRIX_OPERATIONS.chunks(4) {
            let group: Vec<_> = ops
                .iter()
                .map(|&op| tokio::spawn(run_case(op, case)))
                .collect();
            for task in group {
                rows.push(task.await.unwrap());
            }
        }
    }
    let mut failures = Vec::new();
    for row in &rows {
        let (outcome, attempts) = expected(row.op, row.case);
        if row.outcome != outcome || row.attempts != attempts || row.elapsed >= bound(row.case) {
            failures.push(format!(
                "{} / {}: got {:?} after {} attempt(s) in {:?}, expected {:?} after {} in < {:?}",
                row.op.span_name(),
                row.case.label(),
                row.outcome,
                row.attempts,
                row.elapsed,
                outcome,
                attempts,
                bound(row.case)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} row(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let doc_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/RELIABILITY.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let table = render(&rows);
    let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
        panic!("{} lacks the fault-matrix markers", doc_path.display());
    };
    let current = &doc[start + START.len()..end];
    if current != table {
        if std::env::var_os("UPDATE_RELIABILITY").is_some() {
            let updated = format!("{}{START}{table}{}", &doc[..start], &doc[end..]);
            std::fs::write(&doc_path, updated).unwrap();
        } else {
            panic!("docs/RELIABILITY.md is stale: run `cargo xtask reliability` and commit it");
        }
    }
}

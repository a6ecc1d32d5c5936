//! The fault matrix: every operation x every fault, against the emulator's fault injection
//! (or wiremock, or a connect hook for connections that never reach a server). Each row
//! asserts the outcome, the number of attempts and an upper bound on elapsed time against a
//! literal table of expectations (expected.rs), and the rows are rendered into
//! docs/RELIABILITY.md: a stale committed table fails the test. With `RELIABILITY_PAGE_OUT`
//! set, the test writes the page with the new table to that path instead, and
//! `cargo xtask reliability` (which sets it) writes the page to docs/ like its other files.
//!
//! Attempts are measured, never assumed: requests the emulator or wiremock counted, and for
//! the connection-refused rows the connections the client tried to open (connect.rs).

mod cases;
mod connect;
mod expected;
mod fixture;

use std::path::Path;
use std::time::{Duration, Instant};

use stytch_totp::models::ErrorType;
use stytch_totp::{Client, Error, Operation, RetryPolicy};
use stytch_totp_emulator::{EmulatorHandle, FaultSpec};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer};

use cases::{Case, CASES};
use connect::ConnectCounter;
use expected::{expected, Outcome, EXPECTED, OPERATIONS};
use fixture::{call, Fixture};

/// Upper bound on a row's elapsed time (generous: the machine is small and noisy).
fn bound(case: Case) -> Duration {
    match case {
        Case::S503RetryAfter | Case::S429RetryAfter => Duration::from_secs(9),
        _ => Duration::from_secs(8),
    }
}

/// The stall rows wait this long for an attempt; every other attempt needs far less (the test
/// prints the slowest row's time).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(3)
        .backoff(Duration::from_millis(10), Duration::from_millis(50))
        .budget(Duration::from_secs(3))
}

fn client(base_url: &str, project_id: &str, secret: &str) -> Client {
    client_over(base_url, project_id, secret, None)
}

/// As [`client`], over `http` (e.g. one with a connect hook) when given.
fn client_over(
    base_url: &str,
    project_id: &str,
    secret: &str,
    http: Option<reqwest::Client>,
) -> Client {
    let builder = match http {
        Some(http) => Client::builder().http_client(http),
        None => Client::builder(),
    };
    builder
        .project_id(project_id)
        .secret(secret)
        .base_url(base_url)
        .retry_policy(policy())
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .call_timeout(Duration::from_secs(6))
        .max_response_bytes(1024 * 1024)
        .build()
        .unwrap()
}

/// The operations the matrix drives: all of them.
const MATRIX_OPERATIONS: [Operation; 15] = Operation::ALL;

/// One measured row.
struct Row {
    op: Operation,
    case: Case,
    outcome: Outcome,
    attempts: u64,
    elapsed: Duration,
}

async fn run_case(op: Operation, case: Case) -> Row {
    let config = stytch_totp_e2e::without_locks();
    let (emulator, setup) = stytch_totp_e2e::start(config).await;
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
        let seen = server
            .received_requests()
            .await
            .expect("wiremock records requests");
        (result, seen.len() as u64, elapsed)
    } else if case == Case::Refused {
        // A port nobody listens on: the OS refuses every connection; the hook counts them.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free loopback port")
            .port();
        let counter = ConnectCounter::refusing_first(0);
        let closed = client_over(
            &format!("http://127.0.0.1:{port}"),
            "project-test-x",
            "secret",
            Some(counter.http_client()),
        );
        let started = Instant::now();
        let result = call(&closed, op, &fixture).await;
        (result, counter.attempts(), started.elapsed())
    } else {
        assert_eq!(case, Case::RefusedOnce, "{case:?} has no way to produce it");
        // The hook refuses the first connection; the next one reaches the emulator.
        let refused = 1;
        let counter = ConnectCounter::refusing_first(refused);
        let hooked = client_over(
            emulator.base_url(),
            emulator.project_id(),
            emulator.secret(),
            Some(counter.http_client()),
        );
        let before = emulator.stats().requests_to(&path);
        let started = Instant::now();
        let result = call(&hooked, op, &fixture).await;
        let elapsed = started.elapsed();
        let served = emulator.stats().requests_to(&path) - before;
        // Every connection but the refused ones carried exactly one request to the server.
        assert_eq!(
            served + refused,
            counter.attempts(),
            "{op:?}: {served} request(s) served over {} connection(s)",
            counter.attempts()
        );
        (result, counter.attempts(), elapsed)
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
    let applied = emulator.stats().applied(op);
    // The fixture created one user; nothing else it did is one of the operations under test.
    let setup_calls = u64::from(op == Operation::UsersCreate);
    // Every attempt that reached the server was applied: consuming calls exactly once.
    let attempts = expected(op, case).attempts;
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
    let mut table =
        String::from("| operation | fault | outcome | attempts | bound |\n|---|---|---|---|---|\n");
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
    // For the margins: the slowest row that waits for nothing on purpose.
    if let Some(slowest) = rows
        .iter()
        .filter(|r| {
            !matches!(
                r.case,
                Case::Stall | Case::S429RetryAfter | Case::S503RetryAfter
            )
        })
        .max_by_key(|r| r.elapsed)
    {
        println!(
            "slowest row without a deliberate wait: {} / {} in {:?} (attempt timeout {:?})",
            slowest.op.span_name(),
            slowest.case.label(),
            slowest.elapsed,
            ATTEMPT_TIMEOUT
        );
    }
    let mut failures = Vec::new();
    for row in &rows {
        let expected::Expect { outcome, attempts } = expected(row.op, row.case);
        // A retry after `Retry-After: 1` waited at least that second (429 and 503 alike).
        let waited = !matches!(row.case, Case::S429RetryAfter | Case::S503RetryAfter)
            || attempts < 2
            || row.elapsed >= Duration::from_secs(1);
        if row.outcome != outcome
            || row.attempts != attempts
            || row.elapsed >= bound(row.case)
            || !waited
        {
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
    let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
        panic!("{} lacks the fault-matrix markers", doc_path.display());
    };
    let page = format!("{}{START}{}{}", &doc[..start], render(&rows), &doc[end..]);
    match std::env::var_os("RELIABILITY_PAGE_OUT") {
        Some(out) => std::fs::write(&out, page).unwrap(),
        None if page != doc => {
            panic!("docs/RELIABILITY.md is stale: run `cargo xtask reliability` and commit it")
        }
        None => {}
    }
}

/// Operations of the client that the matrix does not drive, with the reason. A new
/// operation must join the matrix (and expected.rs) or this list on purpose.
const NOT_IN_MATRIX: [(Operation, &str); 0] = [];

/// The expected table has one column per operation the matrix drives and one row per fault,
/// so neither can grow without the other; every operation is in the matrix or listed out.
#[test]
fn the_expected_table_covers_every_operation_and_fault() {
    assert_eq!(
        MATRIX_OPERATIONS, OPERATIONS,
        "columns of expected.rs vs MATRIX_OPERATIONS"
    );
    let rows: Vec<Case> = EXPECTED.iter().map(|(case, _)| *case).collect();
    assert_eq!(rows, CASES, "rows of expected.rs vs the faults");
    for op in Operation::ALL {
        let in_matrix = MATRIX_OPERATIONS.contains(&op);
        let listed_out = NOT_IN_MATRIX.iter().any(|(o, _)| *o == op);
        assert!(
            in_matrix != listed_out,
            "{}: in the matrix: {in_matrix}, in NOT_IN_MATRIX: {listed_out}; exactly one",
            op.span_name()
        );
    }
}

//! The crate docs' retry table says, per operation, which failures are retried. Checked here
//! against the operations the client has and their [`RetrySafety`], so the page cannot drift
//! from the code (the fault matrix in tests/fault_matrix/ checks the code against the policy).

use stytch_totp::{Operation, RetrySafety};

/// The rows of the `# Retries` table in src/lib.rs: (`resource().call`, cells).
fn documented_rows() -> Vec<(String, Vec<String>)> {
    let lib = include_str!("../../src/lib.rs");
    let table: Vec<&str> = lib
        .lines()
        .map(|line| line.trim_start_matches("//!").trim())
        .skip_while(|line| !line.starts_with("| operation | 429 |"))
        .take_while(|line| line.starts_with('|'))
        .collect();
    assert!(
        table.len() > 2,
        "src/lib.rs has no retry table starting with `| operation | 429 |`"
    );
    assert_eq!(
        table[0],
        "| operation | 429 | connect failure | 502 / 503 / 504 | timeout, reset after sending |",
        "the columns this test checks"
    );
    table[2..]
        .iter()
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect();
            (cells[0].clone(), cells[1..].to_vec())
        })
        .collect()
}

/// `totps().create` for `stytch.totps.create`.
fn doc_name(operation: Operation) -> String {
    let name = operation.name().trim_start_matches("stytch.");
    let (resource, call) = name.split_once('.').expect("stytch.resource.call");
    format!("{resource}().{call}")
}

/// Operations of the table in specs/operations.json that the client does not call yet, so the
/// crate docs do not list them. Once the docs list one, it must leave this list.
const NOT_IN_THE_CLIENT_YET: [Operation; 4] = [
    Operation::SessionsAuthenticate,
    Operation::SessionsRevoke,
    Operation::SessionsGet,
    Operation::SessionsGetJwks,
];

#[test]
fn the_retry_table_in_the_crate_docs_matches_every_operation() {
    let rows = documented_rows();
    let mut documented: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    for op in NOT_IN_THE_CLIENT_YET {
        assert!(
            !documented.contains(&doc_name(op)),
            "{} is documented now: remove it from NOT_IN_THE_CLIENT_YET",
            doc_name(op)
        );
    }
    let covered: Vec<Operation> = Operation::ALL
        .into_iter()
        .filter(|op| !NOT_IN_THE_CLIENT_YET.contains(op))
        .collect();
    let mut expected: Vec<String> = covered.iter().map(|op| doc_name(*op)).collect();
    expected.sort();
    documented.sort();
    assert_eq!(documented, expected, "one row per operation, no more");

    for op in covered {
        let (_, cells) = rows
            .iter()
            .find(|(name, _)| *name == doc_name(op))
            .expect("checked above");
        let after_sending = match op.retry_safety() {
            RetrySafety::Always => "retried",
            RetrySafety::BeforeProcessingOnly => "returned",
        };
        assert_eq!(
            cells,
            &["retried", "retried", after_sending, after_sending],
            "row {} of the crate docs' retry table vs {:?}",
            doc_name(op),
            op.retry_safety()
        );
    }
}

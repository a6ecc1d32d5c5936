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

/// The client method of `operation` as the docs write it: `totps().create` for
/// `totps.create`. Where the method is named differently from the operation, it is listed.
fn doc_name(operation: Operation) -> String {
    const RENAMED: [(Operation, &str); 1] = [(Operation::SessionsGetJwks, "sessions().jwks")];
    if let Some((_, name)) = RENAMED.iter().find(|(op, _)| *op == operation) {
        return (*name).to_owned();
    }
    let name = operation.name().trim_start_matches("stytch.");
    let (resource, call) = name.split_once('.').expect("resource.call");
    format!("{resource}().{call}")
}

#[test]
fn the_retry_table_in_the_crate_docs_matches_every_operation() {
    let rows = documented_rows();
    let mut documented: Vec<String> = rows.iter().map(|(name, _)| name.clone()).collect();
    let mut expected: Vec<String> = Operation::ALL.iter().map(|op| doc_name(*op)).collect();
    expected.sort();
    documented.sort();
    assert_eq!(documented, expected, "one row per operation, no more");

    for op in Operation::ALL {
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

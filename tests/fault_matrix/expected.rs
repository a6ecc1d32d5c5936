//! The retry policy under test, written out cell by cell: for every fault, what each operation
//! returns and how many attempts it makes. Nothing here is derived from the client (not from
//! `Operation::retry_safety()` either), so reclassifying an operation, or breaking a branch of
//! the retry decision, fails the matrix until this table is changed on purpose as well.

use stytch_totp::{Error, Operation};

use crate::cases::Case;

/// What the caller sees, in one comparable word or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Api(u16),
    Decode(u16),
    TransportNotSent,
    TransportSent,
    Timeout,
    TooLarge,
}

impl Outcome {
    pub fn of<T>(result: &Result<T, Error>) -> Self {
        match result {
            Ok(_) => Outcome::Ok,
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

    pub fn describe(&self) -> String {
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

/// One cell: the outcome and the number of attempts (requests the server saw, plus
/// connections refused before reaching it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expect {
    pub outcome: Outcome,
    pub attempts: u64,
}

const fn ok(attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::Ok,
        attempts,
    }
}
const fn api(status: u16, attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::Api(status),
        attempts,
    }
}
const fn decode(status: u16, attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::Decode(status),
        attempts,
    }
}
const fn not_sent(attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::TransportNotSent,
        attempts,
    }
}
const fn lost(attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::TransportSent,
        attempts,
    }
}
const fn timeout(attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::Timeout,
        attempts,
    }
}
const fn too_large(attempts: u64) -> Expect {
    Expect {
        outcome: Outcome::TooLarge,
        attempts,
    }
}

/// The columns of [`EXPECTED`]; a test checks they are exactly `Operation::ALL`, so a new
/// operation cannot join the client without joining this table.
pub const OPERATIONS: [Operation; 15] = [
    Operation::TotpsCreate,
    Operation::TotpsAuthenticate,
    Operation::TotpsRecoveryCodes,
    Operation::TotpsRecover,
    Operation::UsersCreate,
    Operation::UsersGet,
    Operation::UsersDelete,
    Operation::UsersDeleteTotp,
    Operation::PasswordsCreate,
    Operation::PasswordsAuthenticate,
    Operation::PasswordsStrengthCheck,
    Operation::SessionsAuthenticate,
    Operation::SessionsRevoke,
    Operation::SessionsGet,
    Operation::SessionsGetJwks,
];

/// Fault -> one cell per operation, in the order of [`OPERATIONS`]. The policy has 3 retries
/// (4 attempts), so a fault that never clears shows 4 attempts where a retry is allowed.
#[rustfmt::skip]
pub const EXPECTED: [(Case, [Expect; 15]); 18] = [
    //                         totps.create   authenticate   recovery_codes recover        users.create   users.get      users.delete   delete_totp    passwords.create authenticate strength_check sessions.authenticate revoke  get    get_jwks
    (Case::S500,                [api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1)]),
    (Case::S502Html,            [decode(502, 1), decode(502, 1), ok(2), decode(502, 1), decode(502, 1), ok(2), decode(502, 1), decode(502, 1), decode(502, 1), decode(502, 1), ok(2), ok(2), decode(502, 1), ok(2), ok(2)]),
    (Case::S503,                [api(503, 1), api(503, 1), ok(2), api(503, 1), api(503, 1), ok(2), api(503, 1), api(503, 1), api(503, 1), api(503, 1), ok(2), ok(2), api(503, 1), ok(2), ok(2)]),
    (Case::S503RetryAfter,      [api(503, 1), api(503, 1), ok(2), api(503, 1), api(503, 1), ok(2), api(503, 1), api(503, 1), api(503, 1), api(503, 1), ok(2), ok(2), api(503, 1), ok(2), ok(2)]),
    (Case::S504,                [api(504, 1), api(504, 1), ok(2), api(504, 1), api(504, 1), ok(2), api(504, 1), api(504, 1), api(504, 1), api(504, 1), ok(2), ok(2), api(504, 1), ok(2), ok(2)]),
    (Case::S429,                [ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2)]),
    (Case::S429RetryAfter,      [ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2)]),
    (Case::Refused,             [not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4), not_sent(4)]),
    (Case::RefusedOnce,         [ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2), ok(2)]),
    (Case::ResetBeforeResponse, [lost(1), lost(1), ok(2), lost(1), lost(1), ok(2), lost(1), lost(1), lost(1), lost(1), ok(2), ok(2), lost(1), ok(2), ok(2)]),
    (Case::Stall,               [timeout(1), timeout(1), ok(2), timeout(1), timeout(1), ok(2), timeout(1), timeout(1), timeout(1), timeout(1), ok(2), ok(2), timeout(1), ok(2), ok(2)]),
    (Case::TruncatedJson,       [decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1)]),
    (Case::EmptyBody,           [decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1)]),
    (Case::WrongContentType,    [decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1)]),
    (Case::HugeBody,            [too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1), too_large(1)]),
    (Case::InvalidUtf8,         [decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1), decode(200, 1)]),
    (Case::S500AfterApply,      [api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1), api(500, 1)]),
    (Case::ResetAfterApply,     [lost(1), lost(1), ok(2), lost(1), lost(1), ok(2), lost(1), lost(1), lost(1), lost(1), ok(2), ok(2), lost(1), ok(2), ok(2)]),
];

/// The expected cell for `operation` under `case`.
pub fn expected(operation: Operation, case: Case) -> Expect {
    let column = OPERATIONS
        .iter()
        .position(|op| *op == operation)
        .unwrap_or_else(|| panic!("{operation:?} has no column in the expected table"));
    let (_, row) = EXPECTED
        .iter()
        .find(|(c, _)| *c == case)
        .unwrap_or_else(|| panic!("{case:?} has no row in the expected table"));
    row[column]
}

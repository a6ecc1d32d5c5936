//! The faults of the matrix and how each is produced: the emulator's fault injection, a raw
//! wiremock answer, or a connect hook ([`crate::connect`]) for connections that never open.

use std::time::Duration;

use stytch_totp_emulator::Fault;
use wiremock::ResponseTemplate;

/// The faults of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    S500,
    S502Html,
    S503,
    S503RetryAfter,
    S504,
    S429,
    S429RetryAfter,
    Refused,
    RefusedOnce,
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

pub const CASES: [Case; 18] = [
    Case::S500,
    Case::S502Html,
    Case::S503,
    Case::S503RetryAfter,
    Case::S504,
    Case::S429,
    Case::S429RetryAfter,
    Case::Refused,
    Case::RefusedOnce,
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
    pub fn label(self) -> &'static str {
        match self {
            Case::S500 => "500",
            Case::S502Html => "502, HTML body",
            Case::S503 => "503",
            Case::S503RetryAfter => "503 + Retry-After: 1",
            Case::S504 => "504",
            Case::S429 => "429",
            Case::S429RetryAfter => "429 + Retry-After: 1",
            Case::Refused => "connection refused",
            Case::RefusedOnce => "connection refused once, then accepted",
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
    pub fn emulator_fault(self) -> Option<Fault> {
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
    pub fn wiremock_answer(self) -> Option<ResponseTemplate> {
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

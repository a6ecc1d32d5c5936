//! The API calls this client makes, with their HTTP method and retry safety.

use reqwest::Method;

/// One Stytch API operation. Its [`name`](Operation::name) is the tracing span name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /v1/totps`
    TotpsCreate,
    /// `POST /v1/totps/authenticate`
    TotpsAuthenticate,
    /// `POST /v1/totps/recovery_codes`
    TotpsRecoveryCodes,
    /// `POST /v1/totps/recover`
    TotpsRecover,
    /// `POST /v1/users`
    UsersCreate,
    /// `GET /v1/users/{user_id}`
    UsersGet,
    /// `DELETE /v1/users/{user_id}`
    UsersDelete,
    /// `DELETE /v1/users/totps/{totp_id}`
    UsersDeleteTotp,
}

/// When a failed attempt may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetrySafety {
    /// Reads: sending twice cannot change anything, so every transient failure is retried.
    Always,
    /// Calls that create, consume (a TOTP code, a recovery code) or delete something: retried
    /// only when Stytch certainly did not act: a 429 answer, or a connection that was never
    /// made. After a 5xx, a timeout or a connection lost mid-request the outcome is unknown and
    /// the error is returned instead.
    BeforeProcessingOnly,
}

impl Operation {
    /// Span and log name, e.g. `stytch.totps.create`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::TotpsCreate => "stytch.totps.create",
            Operation::TotpsAuthenticate => "stytch.totps.authenticate",
            Operation::TotpsRecoveryCodes => "stytch.totps.recovery_codes",
            Operation::TotpsRecover => "stytch.totps.recover",
            Operation::UsersCreate => "stytch.users.create",
            Operation::UsersGet => "stytch.users.get",
            Operation::UsersDelete => "stytch.users.delete",
            Operation::UsersDeleteTotp => "stytch.users.delete_totp",
        }
    }

    /// The HTTP method.
    pub fn method(self) -> Method {
        match self {
            Operation::UsersGet => Method::GET,
            Operation::UsersDelete | Operation::UsersDeleteTotp => Method::DELETE,
            _ => Method::POST,
        }
    }

    /// The fixed path segments; `users.get`, `users.delete` and `users.delete_totp` append
    /// the id as one more (percent-encoded) segment.
    pub fn path(self) -> &'static [&'static str] {
        match self {
            Operation::TotpsCreate => &["v1", "totps"],
            Operation::TotpsAuthenticate => &["v1", "totps", "authenticate"],
            Operation::TotpsRecoveryCodes => &["v1", "totps", "recovery_codes"],
            Operation::TotpsRecover => &["v1", "totps", "recover"],
            Operation::UsersCreate => &["v1", "users"],
            Operation::UsersGet | Operation::UsersDelete => &["v1", "users"],
            Operation::UsersDeleteTotp => &["v1", "users", "totps"],
        }
    }

    /// The retry policy class of this operation (see the crate docs' table).
    pub fn retry_safety(self) -> RetrySafety {
        match self {
            Operation::UsersGet | Operation::TotpsRecoveryCodes => RetrySafety::Always,
            _ => RetrySafety::BeforeProcessingOnly,
        }
    }

    /// Every operation, for tests and documentation.
    pub const ALL: [Operation; 8] = [
        Operation::TotpsCreate,
        Operation::TotpsAuthenticate,
        Operation::TotpsRecoveryCodes,
        Operation::TotpsRecover,
        Operation::UsersCreate,
        Operation::UsersGet,
        Operation::UsersDelete,
        Operation::UsersDeleteTotp,
    ];
}

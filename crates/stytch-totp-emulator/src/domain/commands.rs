//! What the API asks the domain to do, already checked for shape by the HTTP side
//! ([`crate::http`]): the domain never re-checks a field's type or format.

use serde_json::{Map, Value};
use stytch_totp_models::{ExpirationMinutes, SecretString, SessionDurationMinutes, UserName};

/// [`UsersCreate`](crate::Operation::UsersCreate).
pub(crate) struct NewUser {
    pub(crate) email: Option<String>,
    pub(crate) phone_number: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) name: UserName,
    pub(crate) roles: Vec<String>,
    pub(crate) trusted_metadata: Map<String, Value>,
    pub(crate) untrusted_metadata: Map<String, Value>,
    pub(crate) pending: bool,
}

/// [`TotpsCreate`](crate::Operation::TotpsCreate).
pub(crate) struct NewTotp {
    pub(crate) user_id: String,
    pub(crate) expiration: Option<ExpirationMinutes>,
}

/// A call naming only a user ([`TotpsRecoveryCodes`](crate::Operation::TotpsRecoveryCodes)).
pub(crate) struct UserRef {
    pub(crate) user_id: String,
}

/// A session named by one of its tokens.
pub(crate) enum SessionRef {
    Token(String),
    /// A session JWT, its signature checked before the store was locked: the id of the
    /// session it names, or `None` if it did not verify (malformed, another key, another
    /// project), which the domain answers with `unable_to_parse_session_jwt` in its turn.
    Jwt(Option<String>),
}

/// The session fields of an authenticate call (TOTP, recover, sessions, passwords).
pub(crate) struct SessionArgs {
    /// The existing session, by at most one of `session_token` / `session_jwt`.
    pub(crate) existing: Option<SessionRef>,
    pub(crate) duration: Option<SessionDurationMinutes>,
    /// Claims to merge into the session's (`null` deletes); none reserved.
    pub(crate) custom_claims: Map<String, Value>,
}

/// [`SessionsAuthenticate`](crate::Operation::SessionsAuthenticate).
pub(crate) struct SessionCheck {
    pub(crate) session: SessionRef,
    pub(crate) args: SessionArgs,
}

/// [`SessionsRevoke`](crate::Operation::SessionsRevoke).
pub(crate) enum RevokeTarget {
    Id(String),
    Session(SessionRef),
}

/// A `totp_code` that is six digits, or has the shape of a recovery code (refused, as
/// `recovery_code_used_as_totp_code` if it is one of the user's).
pub(crate) enum TotpCodeInput {
    Code(String),
    RecoveryCodeShaped(String),
}

/// [`TotpsAuthenticate`](crate::Operation::TotpsAuthenticate).
pub(crate) struct TotpCheck {
    pub(crate) user_id: String,
    pub(crate) code: TotpCodeInput,
    pub(crate) session: SessionArgs,
}

/// A `recovery_code`, classified by shape (lowercased: compared case-insensitively).
pub(crate) enum RecoveryCodeInput {
    Code(String),
    /// Six digits: a TOTP code sent to recover (counts as a failed attempt).
    TotpCode,
    /// Neither shape (`invalid_recovery_code` once the user and TOTP are known).
    Malformed,
}

/// [`TotpsRecover`](crate::Operation::TotpsRecover).
pub(crate) struct RecoveryCheck {
    pub(crate) user_id: String,
    pub(crate) code: RecoveryCodeInput,
    pub(crate) session: SessionArgs,
}

/// [`PasswordsCreate`](crate::Operation::PasswordsCreate): a new user with a password. The
/// password is a [`SecretString`]: no error message, log line or `Debug` output carries it.
pub(crate) struct NewPasswordUser {
    pub(crate) email: String,
    pub(crate) password: SecretString,
    pub(crate) name: UserName,
    pub(crate) trusted_metadata: Map<String, Value>,
    pub(crate) untrusted_metadata: Map<String, Value>,
    /// A new session only: `create` takes no `session_token` / `session_jwt`.
    pub(crate) session: SessionArgs,
}

/// [`PasswordsAuthenticate`](crate::Operation::PasswordsAuthenticate).
pub(crate) struct PasswordCheck {
    pub(crate) email: String,
    pub(crate) password: SecretString,
    pub(crate) session: SessionArgs,
}

/// [`PasswordsStrengthCheck`](crate::Operation::PasswordsStrengthCheck).
pub(crate) struct StrengthQuestion {
    pub(crate) password: SecretString,
    pub(crate) email: Option<String>,
}

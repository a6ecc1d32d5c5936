//! Why the domain refused a command: Stytch's rules broken, named by what happened. The HTTP
//! side ([`crate::http::errors`]) gives each its Stytch status, `error_type` and message.

use std::time::SystemTime;

/// A rule the command broke. A new rule is a new variant here and one arm in the HTTP mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    UserNotFound,
    DuplicateEmail,
    DuplicatePhoneNumber,
    DuplicateExternalId,
    TotpNotFound,
    ActiveTotpExists,
    ExpiredTotp,
    /// A `totp_code` of no known shape.
    InvalidTotpCode,
    WrongTotpCode,
    TotpCodeReplayed,
    RecoveryCodeUsedAsTotpCode,
    RecoveryCodesNotFound,
    /// `recovery_codes` for a user without a TOTP.
    TotpsNotFoundForUser,
    TotpCodeUsedAsRecoveryCode,
    MalformedRecoveryCode,
    WrongRecoveryCode,
    /// The user is locked until then.
    UserLocked(SystemTime),
    UnparsableSessionJwt,
    SessionNotFound,
    /// A TOTP call naming another user's session.
    SessionOfAnotherUser,
    CustomClaimsTooLarge,
    /// `passwords.authenticate` with a password that does not match (or a user without one).
    WrongPassword,
    /// `passwords.authenticate` with an email no user has.
    EmailNotFound,
    /// `passwords.create` with a password Stytch's default policy (zxcvbn) scores below
    /// [`MIN_SCORE`](crate::passwords::MIN_SCORE), with zxcvbn's warning (may be empty).
    WeakPassword {
        score: u8,
        warning: String,
    },
    /// A record the operation had just found is gone: a bug, never the caller's fault.
    Inconsistent(&'static str),
}

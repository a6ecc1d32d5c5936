//! Why the domain refused a command: Stytch's rules broken, named by what happened. The HTTP
//! side ([`crate::http::errors`]) gives each its Stytch status, `error_type` and message.

use std::time::SystemTime;

/// A rule the command broke. A new rule (passwords: weak or breached password, duplicate
/// email) is a new variant here and one arm in the HTTP mapping.
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
    /// A record the operation had just found is gone: a bug, never the caller's fault.
    Inconsistent(&'static str),
}

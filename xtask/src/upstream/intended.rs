//! The definitions compared with upstream's components, and the differences made on purpose,
//! each with its reason.

use super::Kind;

/// Our definition name -> Stytch's OpenAPI component name, for the definitions not named by
/// the `api_session_v1_` rule in [`upstream_name`].
pub(super) const COVERED: &[(&str, &str)] = &[
    ("CreateTotpRequest", "api_totp_v1_CreateRequest"),
    ("CreateTotpResponse", "api_totp_v1_CreateResponse"),
    ("AuthenticateTotpRequest", "api_totp_v1_AuthenticateRequest"),
    (
        "AuthenticateTotpResponse",
        "api_totp_v1_AuthenticateResponse",
    ),
    (
        "TotpRecoveryCodesRequest",
        "api_totp_v1_RecoveryCodesRequest",
    ),
    (
        "TotpRecoveryCodesResponse",
        "api_totp_v1_RecoveryCodesResponse",
    ),
    ("TotpWithRecoveryCodes", "api_totp_v1_TOTP"),
    ("RecoverTotpRequest", "api_totp_v1_RecoverRequest"),
    ("RecoverTotpResponse", "api_totp_v1_RecoverResponse"),
    ("User", "api_user_v1_User"),
    ("UserEmail", "api_user_v1_Email"),
    ("UserPhoneNumber", "api_user_v1_PhoneNumber"),
    ("WebAuthnRegistration", "api_user_v1_WebAuthnRegistration"),
    ("OAuthProvider", "api_user_v1_OAuthProvider"),
    ("UserTotp", "api_user_v1_TOTP"),
    ("CryptoWallet", "api_user_v1_CryptoWallet"),
    ("BiometricRegistration", "api_user_v1_BiometricRegistration"),
    ("UserName", "api_user_v1_Name"),
    ("UserPassword", "api_user_v1_Password"),
    ("CreateUserRequest", "api_user_v1_CreateRequest"),
    ("CreateUserResponse", "api_user_v1_CreateResponse"),
    ("GetUserResponse", "api_user_v1_GetResponse"),
    ("DeleteUserResponse", "api_user_v1_DeleteResponse"),
    ("DeleteTotpResponse", "api_user_v1_DeleteTOTPResponse"),
    ("CreatePasswordRequest", "api_password_v1_CreateRequest"),
    ("CreatePasswordResponse", "api_password_v1_CreateResponse"),
    (
        "AuthenticatePasswordRequest",
        "api_password_v1_AuthenticateRequest",
    ),
    (
        "AuthenticatePasswordResponse",
        "api_password_v1_AuthenticateResponse",
    ),
    (
        "PasswordStrengthCheckRequest",
        "api_password_v1_StrengthCheckRequest",
    ),
    (
        "PasswordStrengthCheckResponse",
        "api_password_v1_StrengthCheckResponse",
    ),
    ("PasswordFeedback", "api_password_v1_Feedback"),
    ("LudsRequirements", "api_password_v1_LUDSRequirements"),
    (
        "AuthenticateSessionRequest",
        "api_session_v1_AuthenticateRequest",
    ),
    (
        "AuthenticateSessionResponse",
        "api_session_v1_AuthenticateResponse",
    ),
    ("RevokeSessionRequest", "api_session_v1_RevokeRequest"),
    ("RevokeSessionResponse", "api_session_v1_RevokeResponse"),
    ("GetSessionsResponse", "api_session_v1_GetResponse"),
    ("GetJwksResponse", "api_session_v1_GetJWKSResponse"),
    ("Jwk", "api_session_v1_JWK"),
    ("Attributes", "api_attribute_v1_Attributes"),
    ("DeviceInfo", "api_device_history_v1_DeviceInfo"),
    (
        "DeviceAttributeDetails",
        "api_device_history_v1_DeviceAttributeDetails",
    ),
];

/// Our definitions that have no upstream component (ours only).
pub(super) const OURS_ONLY: &[&str] = &[
    "ErrorResponse",
    "OAuthErrorResponse",
    "ErrorType",
    "SecretString",
    "TotpCode",
    "RecoveryCode",
    "ExpirationMinutes",
    "SessionDurationMinutes",
    "UserIdentifier",
    "TotpIdentifier",
    "StytchSessionClaim",
];

const RBAC_NOT_COVERED: &str = "RBAC authorization checks are outside this SDK's scope";
const JWK_EXTRAS: &str =
    "not needed to verify a JWT (kty, kid, n, e are): tolerated when a JWKS server omits them";
const LIVE_OMITS: &str = "live responses omit it: defaults when missing";

/// Differences made on purpose: (definition, property, kind of difference, why).
pub const INTENDED: &[(&str, &str, Kind, &str)] = &[
    (
        "AuthenticateSessionRequest",
        "authorization_check",
        Kind::MissingProperty,
        RBAC_NOT_COVERED,
    ),
    (
        "AuthenticateSessionResponse",
        "verdict",
        Kind::MissingProperty,
        RBAC_NOT_COVERED,
    ),
    ("Jwk", "key_ops", Kind::Required, JWK_EXTRAS),
    ("Jwk", "x5c", Kind::Required, JWK_EXTRAS),
    ("Jwk", "x5tS256", Kind::Required, JWK_EXTRAS),
    ("User", "is_locked", Kind::Required, LIVE_OMITS),
    ("User", "roles", Kind::Required, LIVE_OMITS),
    ("User", "emails", Kind::Required, LIVE_OMITS),
    ("User", "phone_numbers", Kind::Required, LIVE_OMITS),
    ("User", "webauthn_registrations", Kind::Required, LIVE_OMITS),
    ("User", "providers", Kind::Required, LIVE_OMITS),
    ("User", "totps", Kind::Required, LIVE_OMITS),
    ("User", "crypto_wallets", Kind::Required, LIVE_OMITS),
    (
        "User",
        "biometric_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
    ("GetUserResponse", "is_locked", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "roles", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "emails", Kind::Required, LIVE_OMITS),
    (
        "GetUserResponse",
        "phone_numbers",
        Kind::Required,
        LIVE_OMITS,
    ),
    (
        "GetUserResponse",
        "webauthn_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
    ("GetUserResponse", "providers", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "totps", Kind::Required, LIVE_OMITS),
    (
        "GetUserResponse",
        "crypto_wallets",
        Kind::Required,
        LIVE_OMITS,
    ),
    (
        "GetUserResponse",
        "biometric_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
];

/// The one `format` specs/ adds on purpose: Stytch's timestamps (every `*_at` property) are
/// plain strings upstream, RFC 3339 in UTC by their descriptions. `date-time` makes typify
/// type them `chrono::DateTime<Utc>` in every model (same JSON on the wire). Any other format
/// difference is reported, and so is a `*_at` string left without it (one type for every
/// timestamp).
pub const TIMESTAMP_FORMAT: &str = "date-time";

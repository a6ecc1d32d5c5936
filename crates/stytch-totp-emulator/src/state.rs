//! The in-memory store and every operation on it.
//!
//! The whole store sits behind one mutex (held by [`Emulator`](crate::Emulator)) and every
//! operation below runs start to finish under that lock, so each API call is atomic: two
//! concurrent `recover` calls with the same code cannot both succeed. Operations validate
//! everything that can fail *before* they change anything, except for failure counting,
//! which is itself the change.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use stytch_totp_models::{
    Attributes, AuthenticateTotpRequest, AuthenticateTotpResponse, AuthenticationFactor,
    CreateTotpRequest, CreateTotpResponse, CreateUserRequest, CreateUserResponse,
    DeleteTotpResponse, DeleteUserResponse, ErrorType, GetUserResponse, RecoverTotpRequest,
    RecoverTotpResponse, SecretString, Session, SessionDurationMinutes, TotpRecoveryCodesRequest,
    TotpRecoveryCodesResponse, TotpWithRecoveryCodes, User, UserEmail, UserName, UserPhoneNumber,
    UserTotp,
};

use crate::clock::{add, rfc3339, unix_seconds};
use crate::errors::ApiError;
use crate::ids::Ids;
use crate::session::{self, JwtClaims, RESERVED_CLAIMS};
use crate::totp;
use crate::EmulatorConfig;

/// Default `expiration_minutes` of a TOTP.
const DEFAULT_EXPIRATION_MINUTES: u32 = 1440;
/// Largest accepted `session_custom_claims`, serialized.
const MAX_CUSTOM_CLAIMS_BYTES: usize = 4096;
/// The role every user has.
const DEFAULT_ROLE: &str = "stytch_user";

/// What every operation needs besides the store.
pub(crate) struct OpCtx<'a> {
    pub(crate) now: SystemTime,
    pub(crate) request_id: &'a str,
    pub(crate) config: &'a EmulatorConfig,
    pub(crate) ids: Ids,
    pub(crate) jwt_key: &'a [u8],
}

/// All users, TOTPs and sessions of one emulator.
#[derive(Default)]
pub(crate) struct Store {
    users: BTreeMap<String, UserRecord>,
    sessions: HashMap<String, SessionRecord>,
}

struct UserRecord {
    user_id: String,
    external_id: Option<String>,
    created_at: SystemTime,
    status: String,
    emails: Vec<UserEmail>,
    phone_numbers: Vec<UserPhoneNumber>,
    name: UserName,
    roles: Vec<String>,
    trusted_metadata: Map<String, Value>,
    untrusted_metadata: Map<String, Value>,
    totp: Option<TotpRecord>,
    failed_attempts: u32,
    lock: Option<Lock>,
}

#[derive(Clone, Copy)]
struct Lock {
    created_at: SystemTime,
    expires_at: SystemTime,
}

struct TotpRecord {
    totp_id: String,
    secret: Vec<u8>,
    expires_at: SystemTime,
    verified: bool,
    /// The step of the last accepted code: codes of this step or older are refused.
    last_step: Option<u64>,
    recovery_codes: Vec<RecoveryCodeRecord>,
}

impl TotpRecord {
    fn expired(&self, now: SystemTime) -> bool {
        !self.verified && self.expires_at <= now
    }
}

struct RecoveryCodeRecord {
    id: String,
    code: String,
    used: bool,
}

struct SessionRecord {
    session_id: String,
    token: String,
    user_id: String,
    started_at: SystemTime,
    last_accessed_at: SystemTime,
    expires_at: SystemTime,
    factors: Vec<AuthenticationFactor>,
    custom_claims: Map<String, Value>,
}

/// The session part of an authenticate or recover request.
pub(crate) struct SessionParams<'a> {
    pub(crate) token: Option<&'a str>,
    pub(crate) jwt: Option<&'a str>,
    pub(crate) duration: Option<SessionDurationMinutes>,
    pub(crate) custom_claims: &'a Map<String, Value>,
}

impl<'a> SessionParams<'a> {
    fn of(
        token: Option<&'a SecretString>,
        jwt: Option<&'a SecretString>,
        duration: Option<SessionDurationMinutes>,
        custom_claims: &'a Map<String, Value>,
    ) -> Self {
        let non_empty = |s: Option<&'a SecretString>| {
            s.map(SecretString::expose_secret)
                .filter(|s| !s.trim().is_empty())
        };
        Self {
            token: non_empty(token),
            jwt: non_empty(jwt),
            duration,
            custom_claims,
        }
    }
}

enum SessionPlan {
    None,
    New,
    Existing(String),
}

/// The factor a successful call adds to the session.
enum Factor<'a> {
    Totp { totp_id: &'a str },
    RecoveryCode { recovery_code_id: &'a str },
}

/// Session fields of an authenticate/recover response.
struct SessionOutcome {
    session: Option<Session>,
    token: String,
    jwt: String,
}

impl Store {
    fn resolve(&self, id: &str) -> Result<String, ApiError> {
        if self.users.contains_key(id) {
            return Ok(id.to_owned());
        }
        self.users
            .values()
            .find(|u| u.external_id.as_deref() == Some(id))
            .map(|u| u.user_id.clone())
            .ok_or_else(ApiError::user_not_found)
    }

    fn user(&self, user_id: &str) -> Result<&UserRecord, ApiError> {
        self.users.get(user_id).ok_or_else(ApiError::user_not_found)
    }

    fn user_mut(&mut self, user_id: &str) -> Result<&mut UserRecord, ApiError> {
        self.users
            .get_mut(user_id)
            .ok_or_else(ApiError::user_not_found)
    }

    // ---- users -------------------------------------------------------------------------

    pub(crate) fn create_user(
        &mut self,
        req: CreateUserRequest,
        ctx: &OpCtx<'_>,
    ) -> Result<CreateUserResponse, ApiError> {
        let email = req
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty());
        if let Some(email) = email {
            if !valid_email(email) {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "invalid_email",
                    "email format is invalid.",
                ));
            }
            if self
                .users
                .values()
                .any(|u| u.emails.iter().any(|e| e.email.eq_ignore_ascii_case(email)))
            {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "duplicate_email",
                    "A user with this email already exists.",
                ));
            }
        }
        let phone = req
            .phone_number
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        if let Some(phone) = phone {
            if !valid_phone(phone) {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "invalid_phone_number",
                    "phone_number format is invalid: use E.164, e.g. +12025550123.",
                ));
            }
            if self
                .users
                .values()
                .any(|u| u.phone_numbers.iter().any(|p| p.phone_number == phone))
            {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "duplicate_phone_number",
                    "A user with this phone number already exists.",
                ));
            }
        }
        let external_id = req.external_id.as_deref().filter(|e| !e.is_empty());
        if let Some(external_id) = external_id {
            if !valid_external_id(external_id) {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "invalid_external_id",
                    "external_id must be 1 to 128 characters of letters, digits, '.', '_', '-' or '|'.",
                ));
            }
            if self
                .users
                .values()
                .any(|u| u.external_id.as_deref() == Some(external_id) || u.user_id == external_id)
            {
                return Err(ApiError::other(
                    StatusCode::BAD_REQUEST,
                    "duplicate_external_id",
                    "A user with this external_id already exists.",
                ));
            }
        }

        let user_id = ctx.ids.user();
        let emails: Vec<UserEmail> = email
            .map(|email| UserEmail {
                email: email.to_owned(),
                email_id: ctx.ids.email(),
                verified: false,
            })
            .into_iter()
            .collect();
        let phone_numbers: Vec<UserPhoneNumber> = phone
            .map(|phone| UserPhoneNumber {
                phone_id: ctx.ids.phone(),
                phone_number: phone.to_owned(),
                verified: false,
            })
            .into_iter()
            .collect();
        let name = req.name.unwrap_or_default();
        let mut roles = vec![DEFAULT_ROLE.to_owned()];
        for role in req.roles {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        let status = if req.create_user_as_pending == Some(true) {
            "pending"
        } else {
            "active"
        };
        let record = UserRecord {
            user_id: user_id.clone(),
            external_id: external_id.map(str::to_owned),
            created_at: ctx.now,
            status: status.to_owned(),
            emails,
            phone_numbers,
            name: UserName {
                first_name: Some(name.first_name.unwrap_or_default()),
                middle_name: Some(name.middle_name.unwrap_or_default()),
                last_name: Some(name.last_name.unwrap_or_default()),
            },
            roles,
            trusted_metadata: req.trusted_metadata,
            untrusted_metadata: req.untrusted_metadata,
            totp: None,
            failed_attempts: 0,
            lock: None,
        };
        let user = record.to_model(ctx.now);
        self.users.insert(user_id.clone(), record);
        Ok(CreateUserResponse {
            email_id: user
                .emails
                .first()
                .map(|e| e.email_id.clone())
                .unwrap_or_default(),
            phone_id: user
                .phone_numbers
                .first()
                .map(|p| p.phone_id.clone())
                .unwrap_or_default(),
            request_id: ctx.request_id.to_owned(),
            status: status.to_owned(),
            status_code: 200,
            user,
            user_id,
        })
    }

    pub(crate) fn get_user(&self, id: &str, ctx: &OpCtx<'_>) -> Result<GetUserResponse, ApiError> {
        let user_id = self.resolve(id)?;
        let user = self.user(&user_id)?.to_model(ctx.now);
        Ok(GetUserResponse {
            biometric_registrations: user.biometric_registrations,
            created_at: user.created_at,
            crypto_wallets: user.crypto_wallets,
            emails: user.emails,
            external_id: user.external_id,
            is_locked: user.is_locked,
            lock_created_at: user.lock_created_at,
            lock_expires_at: user.lock_expires_at,
            name: user.name,
            password: user.password,
            phone_numbers: user.phone_numbers,
            providers: user.providers,
            request_id: ctx.request_id.to_owned(),
            roles: user.roles,
            status: user.status,
            status_code: 200,
            totps: user.totps,
            trusted_metadata: user.trusted_metadata,
            untrusted_metadata: user.untrusted_metadata,
            user_id: user.user_id,
            webauthn_registrations: user.webauthn_registrations,
        })
    }

    pub(crate) fn delete_user(
        &mut self,
        id: &str,
        ctx: &OpCtx<'_>,
    ) -> Result<DeleteUserResponse, ApiError> {
        let user_id = self.resolve(id)?;
        self.users.remove(&user_id);
        self.sessions.retain(|_, s| s.user_id != user_id);
        Ok(DeleteUserResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
            user_id,
        })
    }

    // ---- TOTPs -------------------------------------------------------------------------

    pub(crate) fn create_totp(
        &mut self,
        req: &CreateTotpRequest,
        ctx: &OpCtx<'_>,
    ) -> Result<CreateTotpResponse, ApiError> {
        let user_id = self.resolve(req.user_id.as_str())?;
        let user = self.user_mut(&user_id)?;
        if user.totp.as_ref().is_some_and(|t| t.verified) {
            return Err(ApiError::invalid(
                ErrorType::ActiveTotpExists,
                "Cannot create a new TOTP for the specified user since the user already has an \
                 active TOTP. Users may only have one active TOTP at a time.",
            ));
        }
        let minutes = req
            .expiration_minutes
            .map_or(DEFAULT_EXPIRATION_MINUTES, |m| m.get());
        let secret = totp::generate_secret();
        let account = user
            .emails
            .first()
            .map_or_else(|| user.user_id.clone(), |e| e.email.clone());
        let qr_code = totp::qr_code(&secret, &ctx.config.issuer, &account)
            .ok_or_else(|| ApiError::internal("The QR code could not be generated."))?;
        let secret_base32 = totp::base32(&secret);
        let recovery_codes: Vec<RecoveryCodeRecord> = (0..totp::RECOVERY_CODE_COUNT)
            .map(|_| RecoveryCodeRecord {
                id: ctx.ids.recovery_code(),
                code: totp::recovery_code(),
                used: false,
            })
            .collect();
        let codes = recovery_codes
            .iter()
            .map(|c| SecretString::from(c.code.as_str()))
            .collect();
        let totp_id = ctx.ids.totp();
        // An unverified TOTP (expired or not) is replaced by the new one.
        user.totp = Some(TotpRecord {
            totp_id: totp_id.clone(),
            secret,
            expires_at: add(ctx.now, Duration::from_secs(u64::from(minutes) * 60)),
            verified: false,
            last_step: None,
            recovery_codes,
        });
        Ok(CreateTotpResponse {
            qr_code: SecretString::from(qr_code),
            recovery_codes: codes,
            request_id: ctx.request_id.to_owned(),
            secret: SecretString::from(secret_base32),
            status_code: 200,
            totp_id,
            user: user.to_model(ctx.now),
            user_id,
        })
    }

    pub(crate) fn authenticate_totp(
        &mut self,
        req: &AuthenticateTotpRequest,
        ctx: &OpCtx<'_>,
    ) -> Result<AuthenticateTotpResponse, ApiError> {
        let user_id = self.resolve(req.user_id.as_str())?;
        self.check_lock(&user_id, ctx.now)?;
        let params = SessionParams::of(
            req.session_token.as_ref(),
            req.session_jwt.as_ref(),
            req.session_duration_minutes,
            &req.session_custom_claims,
        );
        let (totp_id, matched, last_step) = {
            let user = self.user(&user_id)?;
            let totp = user.totp.as_ref().ok_or_else(totp_not_found)?;
            if totp.expired(ctx.now) {
                return Err(expired_totp());
            }
            (
                totp.totp_id.clone(),
                totp::matching_step(&totp.secret, req.totp_code.expose_secret(), ctx.now),
                totp.last_step,
            )
        };
        let plan = self.plan_session(&user_id, &params, ctx)?;
        let step = match matched {
            None => {
                self.record_failure(&user_id, ctx);
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    ErrorType::UnableToAuthenticateTotp,
                    "The TOTP code could not be authenticated: it is wrong or too old.",
                ));
            }
            Some(step) if last_step.is_some_and(|last| step <= last) => {
                self.record_failure(&user_id, ctx);
                return Err(ApiError::invalid(
                    ErrorType::TotpCodeAlreadyAuthenticated,
                    "This TOTP code was already authenticated; attempt with the next generated \
                     code.",
                ));
            }
            Some(step) => step,
        };
        let user = self.user_mut(&user_id)?;
        user.failed_attempts = 0;
        if let Some(totp) = user.totp.as_mut() {
            totp.last_step = Some(step);
            totp.verified = true;
        }
        let outcome = self.apply_session(
            plan,
            &user_id,
            Factor::Totp { totp_id: &totp_id },
            &params,
            ctx,
        )?;
        Ok(AuthenticateTotpResponse {
            request_id: ctx.request_id.to_owned(),
            session: outcome.session,
            session_jwt: outcome.jwt.into(),
            session_token: outcome.token.into(),
            status_code: 200,
            totp_id,
            user: self.user(&user_id)?.to_model(ctx.now),
            user_device: None,
            user_id,
        })
    }

    /// The answer to an authenticate call whose `totp_code` is not six digits: a recovery
    /// code of the user is `recovery_code_used_as_totp_code` (and counts as a failure),
    /// anything else `invalid_totp_code`.
    pub(crate) fn reject_malformed_totp_code(
        &mut self,
        id: &str,
        code: &str,
        ctx: &OpCtx<'_>,
    ) -> ApiError {
        let invalid = ApiError::invalid(
            ErrorType::InvalidTotpCode,
            "totp_code format is invalid: it must be exactly 6 digits.",
        );
        if !totp::looks_like_recovery_code(code.trim()) {
            return invalid;
        }
        let user_id = match self.resolve(id) {
            Ok(user_id) => user_id,
            Err(e) => return e,
        };
        let is_recovery_code = self.users.get(&user_id).is_some_and(|u| {
            u.totp.as_ref().is_some_and(|t| {
                t.recovery_codes
                    .iter()
                    .any(|c| c.code.eq_ignore_ascii_case(code.trim()))
            })
        });
        if !is_recovery_code {
            return invalid;
        }
        if let Err(locked) = self.check_lock(&user_id, ctx.now) {
            return locked;
        }
        self.record_failure(&user_id, ctx);
        ApiError::invalid(
            ErrorType::RecoveryCodeUsedAsTotpCode,
            "A recovery code was sent as totp_code; use the recover endpoint for recovery codes.",
        )
    }

    pub(crate) fn recovery_codes(
        &mut self,
        req: &TotpRecoveryCodesRequest,
        ctx: &OpCtx<'_>,
    ) -> Result<TotpRecoveryCodesResponse, ApiError> {
        let user_id = self.resolve(req.user_id.as_str())?;
        let user = self.user(&user_id)?;
        let totps = user
            .totp
            .iter()
            .map(|t| TotpWithRecoveryCodes {
                recovery_codes: t
                    .recovery_codes
                    .iter()
                    .filter(|c| !c.used)
                    .map(|c| SecretString::from(c.code.as_str()))
                    .collect(),
                totp_id: t.totp_id.clone(),
                verified: t.verified,
            })
            .collect();
        Ok(TotpRecoveryCodesResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
            totps,
            user_id,
        })
    }

    pub(crate) fn recover(
        &mut self,
        req: &RecoverTotpRequest,
        ctx: &OpCtx<'_>,
    ) -> Result<RecoverTotpResponse, ApiError> {
        let user_id = self.resolve(req.user_id.as_str())?;
        self.check_lock(&user_id, ctx.now)?;
        let params = SessionParams::of(
            req.session_token.as_ref(),
            req.session_jwt.as_ref(),
            req.session_duration_minutes,
            &req.session_custom_claims,
        );
        let code = req
            .recovery_code
            .expose_secret()
            .trim()
            .to_ascii_lowercase();
        // Ok(Some((totp_id, index of the unused matching code))), Ok(None) for a TOTP code.
        let checked = {
            let user = self.user(&user_id)?;
            let totp = user.totp.as_ref().ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    ErrorType::RecoveryCodesNotFound,
                    "The user has no TOTP, so no recovery codes.",
                )
            })?;
            if totp::looks_like_totp_code(&code) {
                None
            } else if !totp::looks_like_recovery_code(&code) {
                return Err(ApiError::invalid(
                    ErrorType::InvalidRecoveryCode,
                    "recovery_code format is invalid: expected xxxx-xxxx-xxxx.",
                ));
            } else if totp.expired(ctx.now) {
                return Err(expired_totp());
            } else {
                let index = totp
                    .recovery_codes
                    .iter()
                    .position(|c| !c.used && c.code == code);
                Some((totp.totp_id.clone(), index))
            }
        };
        let Some((totp_id, found)) = checked else {
            self.record_failure(&user_id, ctx);
            return Err(ApiError::invalid(
                ErrorType::TotpCodeUsedAsRecoveryCode,
                "A TOTP code was sent as recovery_code; use the authenticate endpoint for TOTP \
                 codes.",
            ));
        };
        let plan = self.plan_session(&user_id, &params, ctx)?;
        let Some(index) = found else {
            self.record_failure(&user_id, ctx);
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                ErrorType::UnableToAuthenticateRecoveryCode,
                "The recovery code could not be authenticated: it is wrong or was already used.",
            ));
        };
        let user = self.user_mut(&user_id)?;
        user.failed_attempts = 0;
        let mut recovery_code_id = String::new();
        if let Some(totp) = user.totp.as_mut() {
            totp.verified = true;
            if let Some(record) = totp.recovery_codes.get_mut(index) {
                record.used = true;
                recovery_code_id = record.id.clone();
            }
        }
        let outcome = self.apply_session(
            plan,
            &user_id,
            Factor::RecoveryCode {
                recovery_code_id: &recovery_code_id,
            },
            &params,
            ctx,
        )?;
        Ok(RecoverTotpResponse {
            request_id: ctx.request_id.to_owned(),
            session: outcome.session,
            session_jwt: outcome.jwt.into(),
            session_token: outcome.token.into(),
            status_code: 200,
            totp_id,
            user: self.user(&user_id)?.to_model(ctx.now),
            user_device: None,
            user_id,
        })
    }

    pub(crate) fn delete_totp(
        &mut self,
        totp_id: &str,
        ctx: &OpCtx<'_>,
    ) -> Result<DeleteTotpResponse, ApiError> {
        let user = self
            .users
            .values_mut()
            .find(|u| u.totp.as_ref().is_some_and(|t| t.totp_id == totp_id))
            .ok_or_else(totp_not_found)?;
        user.totp = None;
        Ok(DeleteTotpResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
            user: user.to_model(ctx.now),
            user_id: user.user_id.clone(),
        })
    }

    // ---- locks -------------------------------------------------------------------------

    /// 429 while the user is locked; clears an expired lock.
    fn check_lock(&mut self, user_id: &str, now: SystemTime) -> Result<(), ApiError> {
        let user = self.user_mut(user_id)?;
        match user.lock {
            Some(lock) if lock.expires_at > now => Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorType::UserLockLimitReached,
                format!(
                    "The user is locked after too many failed attempts until {}.",
                    rfc3339(lock.expires_at)
                ),
            )),
            Some(_) => {
                user.lock = None;
                user.failed_attempts = 0;
                Ok(())
            }
            None => Ok(()),
        }
    }

    fn record_failure(&mut self, user_id: &str, ctx: &OpCtx<'_>) {
        let policy = ctx.config.lock_policy;
        let Some(user) = self.users.get_mut(user_id) else {
            return;
        };
        if policy.max_failed_attempts == 0 {
            return;
        }
        user.failed_attempts = user.failed_attempts.saturating_add(1);
        if user.failed_attempts >= policy.max_failed_attempts {
            user.failed_attempts = 0;
            user.lock = Some(Lock {
                created_at: ctx.now,
                expires_at: add(ctx.now, policy.lock_duration),
            });
        }
    }

    // ---- sessions ----------------------------------------------------------------------

    /// Checks the session part of a request without changing anything.
    fn plan_session(
        &self,
        user_id: &str,
        params: &SessionParams<'_>,
        ctx: &OpCtx<'_>,
    ) -> Result<SessionPlan, ApiError> {
        if let Ok(bytes) = serde_json::to_vec(params.custom_claims) {
            if bytes.len() > MAX_CUSTOM_CLAIMS_BYTES {
                return Err(ApiError::bad_request(
                    "session_custom_claims must not exceed 4 kilobytes.",
                ));
            }
        }
        let not_found = || {
            ApiError::other(
                StatusCode::NOT_FOUND,
                "session_not_found",
                "Session could not be found.",
            )
        };
        let session = if let Some(token) = params.token {
            Some(
                self.sessions
                    .values()
                    .find(|s| s.token == token)
                    .ok_or_else(not_found)?,
            )
        } else if let Some(jwt) = params.jwt {
            let claims = session::verify(ctx.jwt_key, jwt).ok_or_else(not_found)?;
            let id = session::session_id(&claims).ok_or_else(not_found)?;
            Some(self.sessions.get(id).ok_or_else(not_found)?)
        } else {
            None
        };
        match session {
            Some(s) if s.expires_at <= ctx.now => Err(not_found()),
            Some(s) if s.user_id != user_id => Err(ApiError::bad_request(
                "The session belongs to another user.",
            )),
            Some(s) => Ok(SessionPlan::Existing(s.session_id.clone())),
            None if params.duration.is_some() => Ok(SessionPlan::New),
            None => Ok(SessionPlan::None),
        }
    }

    fn apply_session(
        &mut self,
        plan: SessionPlan,
        user_id: &str,
        factor: Factor<'_>,
        params: &SessionParams<'_>,
        ctx: &OpCtx<'_>,
    ) -> Result<SessionOutcome, ApiError> {
        let session_id = match plan {
            SessionPlan::None => {
                return Ok(SessionOutcome {
                    session: None,
                    token: String::new(),
                    jwt: String::new(),
                })
            }
            SessionPlan::New => {
                let session_id = ctx.ids.session();
                self.sessions.insert(
                    session_id.clone(),
                    SessionRecord {
                        session_id: session_id.clone(),
                        token: session::new_token(),
                        user_id: user_id.to_owned(),
                        started_at: ctx.now,
                        last_accessed_at: ctx.now,
                        expires_at: ctx.now,
                        factors: Vec::new(),
                        custom_claims: Map::new(),
                    },
                );
                session_id
            }
            SessionPlan::Existing(session_id) => session_id,
        };
        let factor = make_factor(&factor, ctx.now)?;
        let roles = self
            .users
            .get(user_id)
            .map(|u| u.roles.clone())
            .unwrap_or_default();
        let record = self
            .sessions
            .get_mut(&session_id)
            .ok_or_else(|| ApiError::internal("The session vanished."))?;
        record.last_accessed_at = ctx.now;
        if let Some(duration) = params.duration {
            record.expires_at = add(ctx.now, Duration::from_secs(u64::from(duration.get()) * 60));
        }
        match record
            .factors
            .iter_mut()
            .find(|f| f.type_ == factor.type_ && f.delivery_method == factor.delivery_method)
        {
            Some(existing) => {
                let created_at = existing.created_at.clone();
                *existing = factor;
                existing.created_at = created_at;
            }
            None => record.factors.push(factor),
        }
        for (key, value) in params.custom_claims {
            if RESERVED_CLAIMS.contains(&key.as_str()) {
                continue;
            }
            if value.is_null() {
                record.custom_claims.remove(key);
            } else {
                record.custom_claims.insert(key.clone(), value.clone());
            }
        }
        let session = Session {
            attributes: Some(Attributes {
                ip_address: Some(String::new()),
                user_agent: Some(String::new()),
            }),
            authentication_factors: record.factors.clone(),
            custom_claims: Some(record.custom_claims.clone()),
            expires_at: Some(rfc3339(record.expires_at)),
            last_accessed_at: Some(rfc3339(record.last_accessed_at)),
            roles,
            session_id: record.session_id.clone(),
            started_at: Some(rfc3339(record.started_at)),
            user_id: user_id.to_owned(),
        };
        let claims = JwtClaims {
            project_id: &ctx.config.project_id,
            user_id,
            now_unix: unix_seconds(ctx.now),
            session: json!({
                "id": session.session_id,
                "started_at": session.started_at,
                "last_accessed_at": session.last_accessed_at,
                "expires_at": session.expires_at,
                "attributes": session.attributes,
                "authentication_factors": session.authentication_factors,
            }),
            custom_claims: &record.custom_claims,
        };
        let jwt = session::sign(ctx.jwt_key, &claims.to_value());
        Ok(SessionOutcome {
            session: Some(session),
            token: record.token.clone(),
            jwt,
        })
    }
}

impl UserRecord {
    fn to_model(&self, now: SystemTime) -> User {
        let lock = self.lock.filter(|l| l.expires_at > now);
        User {
            biometric_registrations: Vec::new(),
            created_at: Some(rfc3339(self.created_at)),
            crypto_wallets: Vec::new(),
            emails: self.emails.clone(),
            external_id: self.external_id.clone(),
            is_locked: lock.is_some(),
            lock_created_at: lock.map(|l| rfc3339(l.created_at)),
            lock_expires_at: lock.map(|l| rfc3339(l.expires_at)),
            name: Some(self.name.clone()),
            password: None,
            phone_numbers: self.phone_numbers.clone(),
            providers: Vec::new(),
            roles: self.roles.clone(),
            status: self.status.clone(),
            totps: self
                .totp
                .iter()
                .map(|t| UserTotp {
                    totp_id: t.totp_id.clone(),
                    verified: t.verified,
                })
                .collect(),
            trusted_metadata: Some(self.trusted_metadata.clone()),
            untrusted_metadata: Some(self.untrusted_metadata.clone()),
            user_id: self.user_id.clone(),
            webauthn_registrations: Vec::new(),
        }
    }
}

fn make_factor(factor: &Factor<'_>, now: SystemTime) -> Result<AuthenticationFactor, ApiError> {
    let at = rfc3339(now);
    let value = match factor {
        Factor::Totp { totp_id } => json!({
            "type": "totp",
            "delivery_method": "authenticator_app",
            "authenticator_app_factor": { "totp_id": totp_id },
            "created_at": at,
            "last_authenticated_at": at,
            "updated_at": at,
        }),
        Factor::RecoveryCode { recovery_code_id } => json!({
            "type": "recovery_codes",
            "delivery_method": "recovery_code",
            "recovery_code_factor": { "totp_recovery_code_id": recovery_code_id },
            "created_at": at,
            "last_authenticated_at": at,
            "updated_at": at,
        }),
    };
    serde_json::from_value(value)
        .map_err(|e| ApiError::internal(format!("The session factor could not be built: {e}")))
}

fn totp_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorType::TotpNotFound,
        "TOTP could not be found.",
    )
}

fn expired_totp() -> ApiError {
    ApiError::invalid(
        ErrorType::ExpiredTotp,
        "The TOTP registration expired before it was verified; create a new one.",
    )
}

/// `local@domain.tld`-ish, no whitespace, at most 254 characters.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// E.164: `+` then 8 to 15 digits.
fn valid_phone(phone: &str) -> bool {
    phone
        .strip_prefix('+')
        .is_some_and(|d| (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()))
}

/// Letters, digits, `.`, `_`, `-`, `|`; 1 to 128 characters.
fn valid_external_id(id: &str) -> bool {
    (1..=128).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'|'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators() {
        assert!(valid_email("jane.doe@example.com"));
        assert!(!valid_email("jane"));
        assert!(!valid_email("@example.com"));
        assert!(!valid_email("a b@example.com"));
        assert!(!valid_email("a@localhost"));
        assert!(valid_phone("+12025550123"));
        assert!(!valid_phone("12025550123"));
        assert!(!valid_phone("+1"));
        assert!(valid_external_id("crm|42.a_b-c"));
        assert!(!valid_external_id("a b"));
        assert!(!valid_external_id(&"x".repeat(129)));
    }
}

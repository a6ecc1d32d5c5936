//! The in-memory store: one sub-store per resource ([`users`], [`totps`], [`locks`],
//! [`sessions`]) and the API operations that combine them.
//!
//! The whole store sits behind one mutex (held by [`Emulator`](crate::Emulator)) and every
//! operation below runs start to finish under that lock, so each API call is atomic: two
//! concurrent `recover` calls with the same code cannot both succeed. Operations check
//! everything that can fail *before* they change anything, except for failure counting,
//! which is itself the change.

pub(crate) mod locks;
mod passwords;
pub(crate) mod sessions;
pub(crate) mod totps;
pub(crate) mod users;

use std::time::SystemTime;

use stytch_totp_models::{
    AuthenticateSessionResponse, AuthenticateTotpResponse, AuthenticationFactor,
    CreateTotpResponse, CreateUserResponse, DeleteTotpResponse, DeleteUserResponse, ErrorType,
    GetSessionsResponse, GetUserResponse, RecoverTotpResponse, RevokeSessionResponse, SecretString,
    Session, TotpRecoveryCodesResponse, TotpWithRecoveryCodes, User,
};

use crate::errors::ApiError;
use crate::ids::Ids;
use crate::input::{
    NewTotp, NewUser, RecoveryCheck, RevokeTarget, SessionArgs, SessionCheck, TotpCheck,
    TotpCodeInput, UserRef,
};
use crate::model;
use crate::server::Shared;
use crate::{EmulatorConfig, SigningKey};
use locks::Locks;
use sessions::Sessions;
use totps::{Totps, Verdict};
use users::Users;

/// What every operation needs besides the store.
pub(crate) struct Ctx<'a> {
    pub(crate) now: SystemTime,
    pub(crate) request_id: &'a str,
    pub(crate) config: &'a EmulatorConfig,
    pub(crate) ids: Ids,
    pub(crate) shared: &'a Shared,
}

impl Ctx<'_> {
    /// The key that signs session JWTs (made on first use).
    pub(crate) fn signing_key(&self) -> &SigningKey {
        self.shared.signing_key()
    }
}

/// Session fields of a TOTP authenticate/recover response.
#[derive(Default)]
struct SessionFields {
    session: Option<Session>,
    token: String,
    jwt: String,
}

/// All users, TOTPs, locks and sessions of one emulator.
#[derive(Default)]
pub(crate) struct Store {
    users: Users,
    totps: Totps,
    locks: Locks,
    sessions: Sessions,
}

impl Store {
    /// The user as Stytch shows it.
    fn user_model(&self, user_id: &str, now: SystemTime) -> Result<User, ApiError> {
        let user = self.users.get(user_id)?;
        Ok(model::user(
            user,
            self.totps.of(user_id),
            self.locks.active(user_id, now),
        ))
    }

    /// The session fields of a TOTP authenticate/recover response: empty without a session.
    fn issue(
        &self,
        session_id: Option<&str>,
        user_id: &str,
        ctx: &Ctx<'_>,
    ) -> Result<SessionFields, ApiError> {
        let Some(session_id) = session_id else {
            return Ok(SessionFields::default());
        };
        let roles = self.users.get(user_id)?.roles.clone();
        let issued = self.sessions.issue(session_id, roles, ctx)?;
        Ok(SessionFields {
            session: Some(issued.session),
            token: issued.token,
            jwt: issued.jwt,
        })
    }

    /// The `user_id` of the user `id` names (its id or external id).
    fn resolve(&self, id: &str) -> Result<String, ApiError> {
        self.users.resolve(id).map(|u| u.user_id.clone())
    }

    pub(crate) fn create_user(
        &mut self,
        input: NewUser,
        ctx: &Ctx<'_>,
    ) -> Result<CreateUserResponse, ApiError> {
        let user = self.users.create(input, ctx)?;
        let response = CreateUserResponse {
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
            status: user.status.clone(),
            status_code: 200,
            user: model::user(user, None, None),
            user_id: user.user_id.clone(),
        };
        Ok(response)
    }

    pub(crate) fn get_user(&self, id: &str, ctx: &Ctx<'_>) -> Result<GetUserResponse, ApiError> {
        let user_id = self.resolve(id)?;
        let user = self.user_model(&user_id, ctx.now)?;
        Ok(model::get_user_response(user, ctx.request_id))
    }

    pub(crate) fn delete_user(
        &mut self,
        id: &str,
        ctx: &Ctx<'_>,
    ) -> Result<DeleteUserResponse, ApiError> {
        let user_id = self.resolve(id)?;
        self.users.remove(&user_id);
        self.totps.remove_user(&user_id);
        self.locks.remove(&user_id);
        self.sessions.remove_user(&user_id);
        Ok(DeleteUserResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
            user_id,
        })
    }

    pub(crate) fn create_totp(
        &mut self,
        input: &NewTotp,
        ctx: &Ctx<'_>,
    ) -> Result<CreateTotpResponse, ApiError> {
        let user = self.users.resolve(&input.user_id)?;
        let created = self
            .totps
            .create(user, input.expiration, &ctx.config.issuer, ctx)?;
        let user_id = user.user_id.clone();
        Ok(CreateTotpResponse {
            qr_code: created.qr_code.into(),
            recovery_codes: created
                .recovery_codes
                .into_iter()
                .map(SecretString::from)
                .collect(),
            request_id: ctx.request_id.to_owned(),
            secret: created.secret_base32.into(),
            status_code: 200,
            totp_id: created.totp_id,
            user: self.user_model(&user_id, ctx.now)?,
            user_id,
        })
    }

    /// What authenticate and recover share once the code was accepted: the failure count
    /// reset, the session started or extended with `factor`, and the user as it is now.
    fn signed_in(
        &mut self,
        user_id: &str,
        factor: AuthenticationFactor,
        plan: sessions::Plan,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<(SessionFields, User), ApiError> {
        self.locks.reset(user_id);
        let session_id = self.sessions.apply(plan, user_id, factor, args, ctx)?;
        let session = self.issue(session_id.as_deref(), user_id, ctx)?;
        Ok((session, self.user_model(user_id, ctx.now)?))
    }

    pub(crate) fn authenticate_totp(
        &mut self,
        input: &TotpCheck,
        ctx: &Ctx<'_>,
    ) -> Result<AuthenticateTotpResponse, ApiError> {
        let user_id = self.resolve(&input.user_id)?;
        let code = match &input.code {
            TotpCodeInput::Code(code) => code,
            TotpCodeInput::RecoveryCodeShaped(code) => {
                return Err(self.recovery_code_as_totp_code(&user_id, code, ctx))
            }
        };
        self.locks.check(&user_id, ctx.now)?;
        let (totp_id, verdict) = self.totps.check_code(&user_id, code, ctx.now)?;
        let plan = self.sessions.plan(&user_id, &input.session, ctx)?;
        let step = match verdict {
            Verdict::Accept(step) => step,
            Verdict::Reject(e) => return Err(self.failed(&user_id, e, ctx)),
        };
        self.totps.accept_code(&user_id, step);
        let factor = model::totp_factor(&totp_id, ctx.now);
        let (session, user) = self.signed_in(&user_id, factor, plan, &input.session, ctx)?;
        Ok(AuthenticateTotpResponse {
            request_id: ctx.request_id.to_owned(),
            session: session.session,
            session_jwt: session.jwt.into(),
            session_token: session.token.into(),
            status_code: 200,
            totp_id,
            user,
            user_device: None,
            user_id,
        })
    }

    /// A `totp_code` shaped like a recovery code: one of the user's is
    /// `recovery_code_used_as_totp_code` (and a failed attempt), anything else
    /// `invalid_totp_code`.
    fn recovery_code_as_totp_code(&mut self, user_id: &str, code: &str, ctx: &Ctx<'_>) -> ApiError {
        if !self.totps.is_recovery_code(user_id, code) {
            return ApiError::invalid_totp_code();
        }
        if let Err(locked) = self.locks.check(user_id, ctx.now) {
            return locked;
        }
        let e = ApiError::invalid(
            ErrorType::RecoveryCodeUsedAsTotpCode,
            "A recovery code was sent as totp_code; use the recover endpoint for recovery codes.",
        );
        self.failed(user_id, e, ctx)
    }

    /// Counts a failed attempt and hands back its error.
    fn failed(&mut self, user_id: &str, error: ApiError, ctx: &Ctx<'_>) -> ApiError {
        self.locks
            .record_failure(user_id, ctx.config.lock_policy, ctx.now);
        error
    }

    pub(crate) fn recovery_codes(
        &self,
        input: &UserRef,
        ctx: &Ctx<'_>,
    ) -> Result<TotpRecoveryCodesResponse, ApiError> {
        let user_id = self.resolve(&input.user_id)?;
        let totps = self
            .totps
            .of(&user_id)
            .map(|t| TotpWithRecoveryCodes {
                recovery_codes: t.unused_codes().map(SecretString::from).collect(),
                totp_id: t.totp_id.clone(),
                verified: t.verified,
            })
            .into_iter()
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
        input: &RecoveryCheck,
        ctx: &Ctx<'_>,
    ) -> Result<RecoverTotpResponse, ApiError> {
        let user_id = self.resolve(&input.user_id)?;
        self.locks.check(&user_id, ctx.now)?;
        let (totp_id, verdict) = self
            .totps
            .check_recovery_code(&user_id, &input.code, ctx.now)?;
        let plan = self.sessions.plan(&user_id, &input.session, ctx)?;
        let index = match verdict {
            Verdict::Accept(index) => index,
            Verdict::Reject(e) => return Err(self.failed(&user_id, e, ctx)),
        };
        let recovery_code_id = self.totps.accept_recovery_code(&user_id, index);
        let factor = model::recovery_code_factor(&recovery_code_id, ctx.now);
        let (session, user) = self.signed_in(&user_id, factor, plan, &input.session, ctx)?;
        Ok(RecoverTotpResponse {
            request_id: ctx.request_id.to_owned(),
            session: session.session,
            session_jwt: session.jwt.into(),
            session_token: session.token.into(),
            status_code: 200,
            totp_id,
            user,
            user_device: None,
            user_id,
        })
    }

    pub(crate) fn delete_totp(
        &mut self,
        totp_id: &str,
        ctx: &Ctx<'_>,
    ) -> Result<DeleteTotpResponse, ApiError> {
        let user_id = self.totps.delete(totp_id)?;
        Ok(DeleteTotpResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
            user: self.user_model(&user_id, ctx.now)?,
            user_id,
        })
    }

    pub(crate) fn authenticate_session(
        &mut self,
        input: &SessionCheck,
        ctx: &Ctx<'_>,
    ) -> Result<AuthenticateSessionResponse, ApiError> {
        let session_id = self
            .sessions
            .authenticate(&input.session, &input.args, ctx)?;
        let user_id = self.sessions.find_id_user(&session_id)?;
        let roles = self.users.get(&user_id)?.roles.clone();
        let issued = self.sessions.issue(&session_id, roles, ctx)?;
        Ok(AuthenticateSessionResponse {
            request_id: ctx.request_id.to_owned(),
            session: issued.session,
            session_jwt: issued.jwt.into(),
            session_token: issued.token.into(),
            status_code: 200,
            user: self.user_model(&user_id, ctx.now)?,
        })
    }

    pub(crate) fn revoke_session(
        &mut self,
        target: &RevokeTarget,
        ctx: &Ctx<'_>,
    ) -> Result<RevokeSessionResponse, ApiError> {
        match target {
            RevokeTarget::Id(session_id) => self.sessions.revoke_id(session_id, ctx.now)?,
            RevokeTarget::Session(by) => self.sessions.revoke(by, ctx)?,
        }
        Ok(RevokeSessionResponse {
            request_id: ctx.request_id.to_owned(),
            status_code: 200,
        })
    }

    pub(crate) fn get_sessions(
        &self,
        id: &str,
        ctx: &Ctx<'_>,
    ) -> Result<GetSessionsResponse, ApiError> {
        let user = self.users.resolve(id)?;
        let sessions = self
            .sessions
            .active_for(&user.user_id, ctx.now)
            .into_iter()
            .map(|record| model::session(record, user.roles.clone()))
            .collect();
        Ok(GetSessionsResponse {
            request_id: ctx.request_id.to_owned(),
            sessions,
            status_code: 200,
        })
    }
}

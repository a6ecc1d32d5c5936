//! Stytch's rules, apart from HTTP: users, TOTPs, sessions and user locks as commands in,
//! facts (or a [`Refusal`]) out, on the emulator clock.
//!
//! Nothing here knows axum, JSON bodies, status codes or signing: the HTTP side
//! ([`crate::http`]) turns requests into [`commands`], runs one [`Store`] operation under the
//! state's lock ([`crate::state`]), then — the lock released — draws QR codes, signs JWTs and
//! renders Stytch's JSON from the facts returned here.
//!
//! Every operation runs start to finish under that one lock, so each API call is atomic: two
//! concurrent `recover` calls with the same code cannot both succeed. Operations check
//! everything that can fail *before* they change anything, except for failure counting,
//! which is itself the change.
//!
//! A sign-in is always the same three steps, whatever the factor (TOTP code, recovery code,
//! password): check the lock ([`locks`]), check the factor (a
//! [`totps::Verdict`]; a rejection counts toward the lock), then [`Store::sign_in`]: reset
//! the count, start the session or step the named one up with the factor ([`sessions`]).
//! Passwords ([`passwords`]) split the factor check in two so hashing runs unlocked.

pub(crate) mod commands;
mod ctx;
pub(crate) mod locks;
pub(crate) mod passwords;
mod refusal;
pub(crate) mod sessions;
pub(crate) mod totps;
pub(crate) mod users;

#[cfg(test)]
mod tests;

use std::time::SystemTime;

use commands::{
    NewTotp, NewUser, RecoveryCheck, RevokeTarget, SessionArgs, SessionCheck, TotpCheck,
    TotpCodeInput, UserRef,
};
pub(crate) use ctx::Ctx;
use locks::{Lock, Locks};
pub(crate) use refusal::Refusal;
use sessions::{Factor, FactorKind, SessionView, Sessions};
use totps::{CreatedTotp, Totps, Verdict};
use users::{UserRecord, Users};

/// A user as it is after an operation, with what Stytch shows beside it.
pub(crate) struct UserView {
    pub(crate) record: UserRecord,
    /// Its TOTP: `(totp_id, verified)`.
    pub(crate) totp: Option<(String, bool)>,
    pub(crate) lock: Option<Lock>,
}

/// A TOTP just made, and its user.
pub(crate) struct TotpCreated {
    pub(crate) totp: CreatedTotp,
    pub(crate) user: UserView,
}

/// A successful sign-in, whatever the factor: what it signed in with, the user, and the
/// session it started or stepped up (none if none was asked for).
pub(crate) struct SignedIn {
    /// The id of the credential signed in with: the TOTP's `totp_id` for a code or a recovery
    /// code, the email's `email_id` for a password.
    pub(crate) credential_id: String,
    pub(crate) user: UserView,
    pub(crate) session: Option<SessionView>,
}

/// A user's TOTP with its unused recovery codes: `(totp_id, verified, codes)`.
pub(crate) struct RecoveryCodes {
    pub(crate) user_id: String,
    /// `(totp_id, verified, unused recovery codes)`.
    pub(crate) totp: (String, bool, Vec<String>),
}

/// A session authenticated (and possibly extended) by `sessions.authenticate`.
pub(crate) struct SessionAuthenticated {
    pub(crate) session: SessionView,
    pub(crate) user: UserView,
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
    /// The user as it is now.
    fn user_view(&self, user_id: &str, now: SystemTime) -> Result<UserView, Refusal> {
        let record = self.users.get(user_id)?.clone();
        Ok(UserView {
            record,
            totp: self
                .totps
                .of(user_id)
                .map(|t| (t.totp_id.clone(), t.verified)),
            lock: self.locks.active(user_id, now),
        })
    }

    /// The `user_id` of the user `id` names (its id or external id).
    fn resolve(&self, id: &str) -> Result<String, Refusal> {
        self.users.resolve(id).map(|u| u.user_id.clone())
    }

    pub(crate) fn create_user(&mut self, input: NewUser, ctx: &Ctx) -> Result<UserView, Refusal> {
        let user_id = self.users.create(input, ctx)?.user_id.clone();
        self.user_view(&user_id, ctx.now)
    }

    pub(crate) fn get_user(&self, id: &str, ctx: &Ctx) -> Result<UserView, Refusal> {
        let user_id = self.resolve(id)?;
        self.user_view(&user_id, ctx.now)
    }

    /// Removes the user and everything of theirs; their `user_id`.
    pub(crate) fn delete_user(&mut self, id: &str) -> Result<String, Refusal> {
        let user_id = self.resolve(id)?;
        self.users.remove(&user_id);
        self.totps.remove_user(&user_id);
        self.locks.remove(&user_id);
        self.sessions.remove_user(&user_id);
        Ok(user_id)
    }

    pub(crate) fn create_totp(
        &mut self,
        input: &NewTotp,
        ctx: &Ctx,
    ) -> Result<TotpCreated, Refusal> {
        let user = self.users.resolve(&input.user_id)?;
        let totp = self.totps.create(user, input.expiration, ctx)?;
        let user_id = user.user_id.clone();
        Ok(TotpCreated {
            totp,
            user: self.user_view(&user_id, ctx.now)?,
        })
    }

    /// What every successful sign-in shares once its factor (proven with the credential
    /// `credential_id`) was accepted: the failure count reset, the session started or stepped
    /// up with `factor`, and the user as it is now.
    fn sign_in(
        &mut self,
        user_id: &str,
        credential_id: String,
        factor: Factor,
        plan: sessions::Plan,
        args: &SessionArgs,
        ctx: &Ctx,
    ) -> Result<SignedIn, Refusal> {
        self.locks.reset(user_id);
        let session_id = self.sessions.apply(plan, user_id, factor, args, ctx)?;
        let user = self.user_view(user_id, ctx.now)?;
        let session = session_id
            .map(|id| self.sessions.view(&id, user.record.roles.clone(), ctx.now))
            .transpose()?;
        Ok(SignedIn {
            credential_id,
            user,
            session,
        })
    }

    /// Counts a failed attempt and hands back its refusal.
    fn failed(&mut self, user_id: &str, refusal: Refusal, ctx: &Ctx) -> Refusal {
        self.locks.record_failure(user_id, ctx.lock_policy, ctx.now);
        refusal
    }

    pub(crate) fn authenticate_totp(
        &mut self,
        input: &TotpCheck,
        ctx: &Ctx,
    ) -> Result<SignedIn, Refusal> {
        let user_id = self.resolve(&input.user_id)?;
        let code = match &input.code {
            TotpCodeInput::Code(code) => code,
            TotpCodeInput::RecoveryCodeShaped(code) => {
                return Err(self.recovery_code_as_totp_code(&user_id, code, ctx))
            }
        };
        self.locks.check(&user_id, ctx.now)?;
        let (totp_id, verdict) = self.totps.check_code(&user_id, code, ctx.now)?;
        let plan = self.sessions.plan(&user_id, &input.session, ctx.now)?;
        let step = match verdict {
            Verdict::Accept(step) => step,
            Verdict::Reject(refusal) => return Err(self.failed(&user_id, refusal, ctx)),
        };
        self.totps.accept_code(&user_id, step);
        let factor = Factor::proven(
            FactorKind::Totp {
                totp_id: totp_id.clone(),
            },
            ctx.now,
        );
        self.sign_in(&user_id, totp_id, factor, plan, &input.session, ctx)
    }

    /// A `totp_code` shaped like a recovery code: one of the user's is
    /// `recovery_code_used_as_totp_code` (and a failed attempt), anything else
    /// `invalid_totp_code`.
    fn recovery_code_as_totp_code(&mut self, user_id: &str, code: &str, ctx: &Ctx) -> Refusal {
        if !self.totps.is_recovery_code(user_id, code) {
            return Refusal::InvalidTotpCode;
        }
        if let Err(locked) = self.locks.check(user_id, ctx.now) {
            return locked;
        }
        self.failed(user_id, Refusal::RecoveryCodeUsedAsTotpCode, ctx)
    }

    pub(crate) fn recovery_codes(&self, input: &UserRef) -> Result<RecoveryCodes, Refusal> {
        let user_id = self.resolve(&input.user_id)?;
        let t = self
            .totps
            .of(&user_id)
            .ok_or(Refusal::TotpsNotFoundForUser)?;
        let codes = t.unused_codes().map(str::to_owned).collect();
        let totp = (t.totp_id.clone(), t.verified, codes);
        Ok(RecoveryCodes { user_id, totp })
    }

    pub(crate) fn recover(
        &mut self,
        input: &RecoveryCheck,
        ctx: &Ctx,
    ) -> Result<SignedIn, Refusal> {
        let user_id = self.resolve(&input.user_id)?;
        self.locks.check(&user_id, ctx.now)?;
        let (totp_id, verdict) = self
            .totps
            .check_recovery_code(&user_id, &input.code, ctx.now)?;
        let plan = self.sessions.plan(&user_id, &input.session, ctx.now)?;
        let index = match verdict {
            Verdict::Accept(index) => index,
            Verdict::Reject(refusal) => return Err(self.failed(&user_id, refusal, ctx)),
        };
        let recovery_code_id = self.totps.accept_recovery_code(&user_id, index);
        let factor = Factor::proven(FactorKind::RecoveryCode { recovery_code_id }, ctx.now);
        self.sign_in(&user_id, totp_id, factor, plan, &input.session, ctx)
    }

    /// Deletes a TOTP; its user as it is now.
    pub(crate) fn delete_totp(&mut self, totp_id: &str, ctx: &Ctx) -> Result<UserView, Refusal> {
        let user_id = self.totps.delete(totp_id)?;
        self.user_view(&user_id, ctx.now)
    }

    pub(crate) fn authenticate_session(
        &mut self,
        input: &SessionCheck,
        ctx: &Ctx,
    ) -> Result<SessionAuthenticated, Refusal> {
        let session_id = self
            .sessions
            .authenticate(&input.session, &input.args, ctx.now)?;
        let user_id = self.sessions.find_id_user(&session_id)?;
        let user = self.user_view(&user_id, ctx.now)?;
        let session = self
            .sessions
            .view(&session_id, user.record.roles.clone(), ctx.now)?;
        Ok(SessionAuthenticated { session, user })
    }

    pub(crate) fn revoke_session(
        &mut self,
        target: &RevokeTarget,
        ctx: &Ctx,
    ) -> Result<(), Refusal> {
        match target {
            RevokeTarget::Id(session_id) => self.sessions.revoke_id(session_id, ctx.now),
            RevokeTarget::Session(by) => self.sessions.revoke(by, ctx.now),
        }
    }

    /// The live sessions of the user `id` names, oldest first.
    pub(crate) fn get_sessions(&self, id: &str, ctx: &Ctx) -> Result<Vec<SessionView>, Refusal> {
        let user = self.users.resolve(id)?;
        Ok(self
            .sessions
            .active_for(&user.user_id, ctx.now)
            .into_iter()
            .map(|record| SessionView {
                record: record.clone(),
                roles: user.roles.clone(),
                at: ctx.now,
            })
            .collect())
    }
}

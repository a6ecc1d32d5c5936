//! The password operations: `passwords.create` and `passwords.authenticate`, Stytch's first
//! factor. Hashing and checking a password is slow on purpose, so both run with the store
//! unlocked (see [`crate::passwords`]): `create` gets the hash made beforehand, and
//! `authenticate` is two short steps under the lock around the check.

use axum::http::StatusCode;
use stytch_totp_models::{AuthenticatePasswordResponse, CreatePasswordResponse, ErrorType};

use super::{sessions, Ctx, Store};
use crate::errors::ApiError;
use crate::input::{NewPasswordUser, NewUser, PasswordCheck};
use crate::model;
use crate::passwords::PasswordHashString;
use crate::store::users::StoredPassword;

/// What `authenticate` learnt under the lock before the password check: whose password, and
/// its hash to check with the lock released.
pub(crate) struct PasswordAttempt {
    user_id: String,
    password_id: String,
    pub(crate) hash: PasswordHashString,
}

/// 401 `unauthorized_credentials`: Stytch's answer to a wrong password.
fn wrong_password() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        ErrorType::UnauthorizedCredentials,
        "Unauthorized credentials.",
    )
}

/// 404 `email_not_found`: no user has this email address.
fn email_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        ErrorType::EmailNotFound,
        "Email could not be found.",
    )
}

impl Store {
    /// `passwords.create`: a new user with this email and password (already scored and
    /// hashed), and a session with the `password` factor when one is asked for.
    pub(crate) fn create_password(
        &mut self,
        input: NewPasswordUser,
        hash: PasswordHashString,
        ctx: &Ctx<'_>,
    ) -> Result<CreatePasswordResponse, ApiError> {
        // No existing session on create: the plan is a new session or none.
        let plan = self.sessions.plan("", &input.session, ctx)?;
        let new_user = NewUser {
            email: Some(input.email),
            phone_number: None,
            external_id: None,
            name: input.name,
            roles: Vec::new(),
            trusted_metadata: input.trusted_metadata,
            untrusted_metadata: input.untrusted_metadata,
            pending: false,
        };
        let user = self.users.create(new_user, ctx)?;
        let (user_id, email) = (user.user_id.clone(), user.emails[0].clone());
        let stored = StoredPassword {
            password_id: ctx.ids.password(),
            hash,
        };
        self.users.set_password(&user_id, stored)?;
        let factor = model::password_factor(&email.email_id, &email.email, ctx.now);
        let (session, user) = self.signed_in(&user_id, factor, plan, &input.session, ctx)?;
        Ok(CreatePasswordResponse {
            email_id: email.email_id,
            request_id: ctx.request_id.to_owned(),
            session: session.session,
            session_jwt: session.jwt.into(),
            session_token: session.token.into(),
            status_code: 200,
            user,
            user_device: None,
            user_id,
        })
    }

    /// `passwords.authenticate`, first step: the user by email, not locked, with a password,
    /// and a session argument that names one of the user's live sessions.
    pub(crate) fn password_attempt(
        &mut self,
        input: &PasswordCheck,
        ctx: &Ctx<'_>,
    ) -> Result<PasswordAttempt, ApiError> {
        let user = self
            .users
            .by_email(&input.email)
            .ok_or_else(email_not_found)?;
        let user_id = user.user_id.clone();
        let password = user.password.clone();
        self.locks.check(&user_id, ctx.now)?;
        self.sessions.plan(&user_id, &input.session, ctx)?;
        match password {
            Some(stored) => Ok(PasswordAttempt {
                user_id,
                password_id: stored.password_id,
                hash: stored.hash,
            }),
            // A user without a password (made by users.create): no password can match.
            None => Err(self.failed(&user_id, wrong_password(), ctx)),
        }
    }

    /// `passwords.authenticate`, second step, after the check: a failure counts toward the
    /// user's lock (the same count as TOTP and recovery codes); a success resets it and
    /// starts the session or adds the `password` factor to the one named.
    pub(crate) fn password_checked(
        &mut self,
        input: &PasswordCheck,
        attempt: PasswordAttempt,
        matched: bool,
        ctx: &Ctx<'_>,
    ) -> Result<AuthenticatePasswordResponse, ApiError> {
        // The store was unlocked meanwhile: the user may be gone, locked, or have a new password.
        let user = self
            .users
            .get(&attempt.user_id)
            .map_err(|_| email_not_found())?;
        let email = user
            .emails
            .iter()
            .find(|e| e.email.eq_ignore_ascii_case(&input.email))
            .cloned()
            .ok_or_else(email_not_found)?;
        let same_password =
            user.password.as_ref().map(|p| &p.password_id) == Some(&attempt.password_id);
        let user_id = attempt.user_id;
        self.locks.check(&user_id, ctx.now)?;
        let plan: sessions::Plan = self.sessions.plan(&user_id, &input.session, ctx)?;
        if !(matched && same_password) {
            return Err(self.failed(&user_id, wrong_password(), ctx));
        }
        let factor = model::password_factor(&email.email_id, &email.email, ctx.now);
        let (session, user) = self.signed_in(&user_id, factor, plan, &input.session, ctx)?;
        Ok(AuthenticatePasswordResponse {
            request_id: ctx.request_id.to_owned(),
            session: session.session,
            session_jwt: session.jwt.into(),
            session_token: session.token.into(),
            status_code: 200,
            user,
            user_device: None,
            user_id,
        })
    }
}

//! The password operations: `passwords.create` and `passwords.authenticate`, Stytch's first
//! factor. Hashing and checking a password is slow on purpose, so neither happens under the
//! store's lock (see [`crate::passwords`]): `create` gets the hash made beforehand, and
//! `authenticate` is two short steps around the check, which the HTTP side runs unlocked.
//!
//! A password sign-in is the same three steps as a TOTP one: the lock checked, the factor
//! checked (a wrong password counts toward the same lock as TOTP and recovery codes), then the
//! session started or stepped up with the `password` factor.

use super::commands::{NewPasswordUser, NewUser, PasswordCheck};
use super::sessions::{Factor, FactorKind};
use super::users::StoredPassword;
use super::{Ctx, Refusal, SignedIn, Store};
use crate::passwords::PasswordHashString;
use stytch_totp_models::UserEmail;

/// What `authenticate` learnt under the lock before the password check: whose password, and
/// its hash to check with the lock released.
pub(crate) struct PasswordAttempt {
    user_id: String,
    password_id: String,
    pub(crate) hash: PasswordHashString,
}

/// The `password` factor of `email`, proven now.
fn password_factor(email: &UserEmail, ctx: &Ctx) -> Factor {
    Factor::proven(
        FactorKind::Password {
            email_id: email.email_id.clone(),
            email_address: email.email.clone(),
        },
        ctx.now,
    )
}

impl Store {
    /// `passwords.create`: a new user with this email and password (already scored and
    /// hashed), and a session with the `password` factor when one is asked for.
    pub(crate) fn create_password(
        &mut self,
        input: NewPasswordUser,
        hash: PasswordHashString,
        ctx: &Ctx,
    ) -> Result<SignedIn, Refusal> {
        // No existing session on create: the plan is a new session or none.
        let plan = self.sessions.plan("", &input.session, ctx.now)?;
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
        let user_id = user.user_id.clone();
        let email = user
            .emails
            .first()
            .cloned()
            .ok_or(Refusal::Inconsistent("The new user has no email."))?;
        let stored = StoredPassword {
            password_id: ctx.ids.password(),
            hash,
        };
        self.users.set_password(&user_id, stored)?;
        let factor = password_factor(&email, ctx);
        self.sign_in(&user_id, email.email_id, factor, plan, &input.session, ctx)
    }

    /// `passwords.authenticate`, first step: the user by email, not locked, with a password,
    /// and a session argument that names one of the user's live sessions.
    pub(crate) fn password_attempt(
        &mut self,
        input: &PasswordCheck,
        ctx: &Ctx,
    ) -> Result<PasswordAttempt, Refusal> {
        let user = self
            .users
            .by_email(&input.email)
            .ok_or(Refusal::EmailNotFound)?;
        let user_id = user.user_id.clone();
        let password = user.password.clone();
        self.locks.check(&user_id, ctx.now)?;
        self.sessions.plan(&user_id, &input.session, ctx.now)?;
        match password {
            Some(stored) => Ok(PasswordAttempt {
                user_id,
                password_id: stored.password_id,
                hash: stored.hash,
            }),
            // A user without a password (made by users.create): no password can match.
            None => Err(self.failed(&user_id, Refusal::WrongPassword, ctx)),
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
        ctx: &Ctx,
    ) -> Result<SignedIn, Refusal> {
        // The store was unlocked meanwhile: the user may be gone, locked, or have a new password.
        let user = self
            .users
            .get(&attempt.user_id)
            .map_err(|_| Refusal::EmailNotFound)?;
        let email = user
            .emails
            .iter()
            .find(|e| e.email.eq_ignore_ascii_case(&input.email))
            .cloned()
            .ok_or(Refusal::EmailNotFound)?;
        let same_password =
            user.password.as_ref().map(|p| &p.password_id) == Some(&attempt.password_id);
        let user_id = attempt.user_id;
        self.locks.check(&user_id, ctx.now)?;
        let plan = self.sessions.plan(&user_id, &input.session, ctx.now)?;
        if !(matched && same_password) {
            return Err(self.failed(&user_id, Refusal::WrongPassword, ctx));
        }
        let factor = password_factor(&email, ctx);
        self.sign_in(&user_id, email.email_id, factor, plan, &input.session, ctx)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use serde_json::Map;
    use stytch_totp_models::{SecretString, SessionDurationMinutes, UserName};

    use super::super::commands::{NewPasswordUser, PasswordCheck, SessionArgs, SessionRef};
    use super::super::sessions::FactorKind;
    use super::super::{Ctx, Refusal, Store};
    use crate::ids::Ids;
    use crate::{passwords, LockPolicy};

    const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

    fn ctx() -> Ctx {
        Ctx {
            now: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            ids: Ids::for_project("project-test-x"),
            lock_policy: LockPolicy {
                max_failed_attempts: 2,
                lock_duration: Duration::from_secs(3600),
            },
        }
    }

    fn session(existing: Option<SessionRef>, minutes: Option<i64>) -> SessionArgs {
        SessionArgs {
            existing,
            duration: minutes.map(|m| SessionDurationMinutes::new(m).unwrap()),
            custom_claims: Map::new(),
        }
    }

    /// Both steps of `passwords.authenticate`, the hash checked between them as the HTTP side does.
    fn authenticate(
        store: &mut Store,
        email: &str,
        password: &str,
        args: SessionArgs,
        ctx: &Ctx,
    ) -> Result<super::SignedIn, Refusal> {
        let input = PasswordCheck {
            email: email.to_owned(),
            password: SecretString::from(password),
            session: args,
        };
        let attempt = store.password_attempt(&input, ctx)?;
        let matched = passwords::verify(&input.password, &attempt.hash);
        store.password_checked(&input, attempt, matched, ctx)
    }

    #[test]
    fn a_password_starts_a_session_steps_it_up_and_wrong_ones_lock_the_user() {
        let ctx = ctx();
        let mut store = Store::default();
        let hash = passwords::hash(&SecretString::from(PASSWORD)).unwrap();
        let created = store
            .create_password(
                NewPasswordUser {
                    email: "jane@example.com".into(),
                    password: SecretString::from(PASSWORD),
                    name: UserName::default(),
                    trusted_metadata: Map::new(),
                    untrusted_metadata: Map::new(),
                    session: session(None, Some(60)),
                },
                hash,
                &ctx,
            )
            .unwrap();
        assert!(created.user.record.password.is_some());
        let started = created.session.unwrap();
        assert!(matches!(
            &started.record.factors[..],
            [f] if f.kind == FactorKind::Password {
                email_id: created.credential_id.clone(),
                email_address: "jane@example.com".into(),
            }
        ));

        let unknown = authenticate(
            &mut store,
            "nobody@example.com",
            PASSWORD,
            session(None, None),
            &ctx,
        );
        assert_eq!(unknown.err(), Some(Refusal::EmailNotFound));

        // The email matches case-insensitively; the session named is stepped up in place.
        let token = Some(SessionRef::Token(started.record.token.clone()));
        let again = authenticate(
            &mut store,
            "Jane@Example.com",
            PASSWORD,
            session(token, None),
            &ctx,
        )
        .unwrap()
        .session
        .unwrap();
        assert_eq!(again.record.session_id, started.record.session_id);
        assert_eq!(again.record.factors.len(), 1);

        for _ in 0..2 {
            let wrong = authenticate(
                &mut store,
                "jane@example.com",
                "not-it",
                session(None, None),
                &ctx,
            );
            assert_eq!(wrong.err(), Some(Refusal::WrongPassword));
        }
        let locked = authenticate(
            &mut store,
            "jane@example.com",
            PASSWORD,
            session(None, None),
            &ctx,
        );
        assert!(matches!(locked.err(), Some(Refusal::UserLocked(_))));
    }
}

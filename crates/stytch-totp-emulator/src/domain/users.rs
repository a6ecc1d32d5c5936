//! Users: creation rules (unique email, phone number and external id) and lookup by
//! `user_id` or `external_id`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{Map, Value};
use stytch_totp_models::{UserEmail, UserName, UserPhoneNumber};

use super::commands::NewUser;
use super::ctx::Ctx;
use super::refusal::Refusal;
use crate::passwords::PasswordHashString;

/// The role every user has.
const DEFAULT_ROLE: &str = "stytch_user";

#[derive(Clone)]
pub(crate) struct UserRecord {
    pub(crate) user_id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) created_at: SystemTime,
    pub(crate) status: String,
    pub(crate) emails: Vec<UserEmail>,
    pub(crate) phone_numbers: Vec<UserPhoneNumber>,
    pub(crate) name: UserName,
    pub(crate) roles: Vec<String>,
    pub(crate) trusted_metadata: Map<String, Value>,
    pub(crate) untrusted_metadata: Map<String, Value>,
    /// Set by `passwords.create`: an Argon2id hash, never the password.
    pub(crate) password: Option<StoredPassword>,
}

/// A user's password as the emulator keeps it.
#[derive(Debug, Clone)]
pub(crate) struct StoredPassword {
    pub(crate) password_id: String,
    pub(crate) hash: PasswordHashString,
}

impl UserRecord {
    /// What authenticator apps show as the account: the first email, else the user id.
    pub(crate) fn account_label(&self) -> &str {
        self.emails
            .first()
            .map_or(self.user_id.as_str(), |e| e.email.as_str())
    }
}

#[derive(Default)]
pub(crate) struct Users {
    by_id: BTreeMap<String, UserRecord>,
}

impl Users {
    /// The user whose `user_id` or `external_id` is `id`.
    pub(crate) fn resolve(&self, id: &str) -> Result<&UserRecord, Refusal> {
        self.by_id
            .get(id)
            .or_else(|| {
                self.by_id
                    .values()
                    .find(|u| u.external_id.as_deref() == Some(id))
            })
            .ok_or(Refusal::UserNotFound)
    }

    /// The user with this email address (case-insensitive, as uniqueness is checked).
    pub(crate) fn by_email(&self, email: &str) -> Option<&UserRecord> {
        self.by_id
            .values()
            .find(|u| u.emails.iter().any(|e| e.email.eq_ignore_ascii_case(email)))
    }

    /// Gives a user a password.
    pub(crate) fn set_password(
        &mut self,
        user_id: &str,
        password: StoredPassword,
    ) -> Result<(), Refusal> {
        let user = self.by_id.get_mut(user_id).ok_or(Refusal::UserNotFound)?;
        user.password = Some(password);
        Ok(())
    }

    pub(crate) fn get(&self, user_id: &str) -> Result<&UserRecord, Refusal> {
        self.by_id.get(user_id).ok_or(Refusal::UserNotFound)
    }

    /// Adds a user; its email, phone number and external id must be unused.
    pub(crate) fn create(&mut self, input: NewUser, ctx: &Ctx) -> Result<&UserRecord, Refusal> {
        if let Some(email) = &input.email {
            if self.by_email(email).is_some() {
                return Err(Refusal::DuplicateEmail);
            }
        }
        if let Some(phone) = &input.phone_number {
            if self
                .by_id
                .values()
                .any(|u| u.phone_numbers.iter().any(|p| &p.phone_number == phone))
            {
                return Err(Refusal::DuplicatePhoneNumber);
            }
        }
        if let Some(external_id) = &input.external_id {
            if self
                .by_id
                .values()
                .any(|u| u.external_id.as_ref() == Some(external_id) || &u.user_id == external_id)
            {
                return Err(Refusal::DuplicateExternalId);
            }
        }
        let user_id = ctx.ids.user();
        let mut roles = vec![DEFAULT_ROLE.to_owned()];
        for role in input.roles {
            if !roles.contains(&role) {
                roles.push(role);
            }
        }
        let record = UserRecord {
            user_id: user_id.clone(),
            external_id: input.external_id,
            created_at: ctx.now,
            status: if input.pending { "pending" } else { "active" }.to_owned(),
            emails: input
                .email
                .map(|email| UserEmail {
                    email,
                    email_id: ctx.ids.email(),
                    verified: false,
                })
                .into_iter()
                .collect(),
            phone_numbers: input
                .phone_number
                .map(|phone_number| UserPhoneNumber {
                    phone_id: ctx.ids.phone(),
                    phone_number,
                    verified: false,
                })
                .into_iter()
                .collect(),
            name: UserName {
                first_name: Some(input.name.first_name.unwrap_or_default()),
                middle_name: Some(input.name.middle_name.unwrap_or_default()),
                last_name: Some(input.name.last_name.unwrap_or_default()),
            },
            roles,
            trusted_metadata: input.trusted_metadata,
            untrusted_metadata: input.untrusted_metadata,
            password: None,
        };
        Ok(self.by_id.entry(user_id).or_insert(record))
    }

    pub(crate) fn remove(&mut self, user_id: &str) {
        self.by_id.remove(user_id);
    }
}

//! TOTPs and their recovery codes: one TOTP per user, expiry of unverified ones, the code
//! window, replay refusal and single-use recovery codes.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use stytch_totp_models::ExpirationMinutes;

use super::commands::RecoveryCodeInput;
use super::ctx::Ctx;
use super::refusal::Refusal;
use super::users::UserRecord;
use crate::clock::add;
use crate::totp::{self, StepMatch};

/// Default `expiration_minutes` of a TOTP.
const DEFAULT_EXPIRATION_MINUTES: u32 = 1440;

pub(crate) struct TotpRecord {
    pub(crate) totp_id: String,
    secret: Vec<u8>,
    expires_at: SystemTime,
    pub(crate) verified: bool,
    /// The step of the last accepted code: codes of this step or older are refused.
    last_step: Option<u64>,
    pub(crate) recovery_codes: Vec<RecoveryCodeRecord>,
}

impl TotpRecord {
    fn expired(&self, now: SystemTime) -> bool {
        !self.verified && self.expires_at <= now
    }

    /// The recovery codes not used yet.
    pub(crate) fn unused_codes(&self) -> impl Iterator<Item = &str> {
        self.recovery_codes
            .iter()
            .filter(|c| !c.used)
            .map(|c| c.code.as_str())
    }
}

pub(crate) struct RecoveryCodeRecord {
    id: String,
    code: String,
    used: bool,
}

/// What a new TOTP hands out once. Its QR code is drawn by the HTTP side after the store
/// is unlocked, from the secret and the account label.
pub(crate) struct CreatedTotp {
    pub(crate) totp_id: String,
    pub(crate) secret: Vec<u8>,
    pub(crate) account_label: String,
    pub(crate) recovery_codes: Vec<String>,
}

/// The outcome of checking a code that may count as a failed attempt.
pub(crate) enum Verdict<T> {
    Accept(T),
    /// Refused; counts towards the user's lock.
    Reject(Refusal),
}

#[derive(Default)]
pub(crate) struct Totps {
    by_user: HashMap<String, TotpRecord>,
}

impl Totps {
    pub(crate) fn of(&self, user_id: &str) -> Option<&TotpRecord> {
        self.by_user.get(user_id)
    }

    /// A new TOTP for `user`; replaces an unverified one, refuses if a verified one exists.
    pub(crate) fn create(
        &mut self,
        user: &UserRecord,
        expiration: Option<ExpirationMinutes>,
        ctx: &Ctx,
    ) -> Result<CreatedTotp, Refusal> {
        if self.of(&user.user_id).is_some_and(|t| t.verified) {
            return Err(Refusal::ActiveTotpExists);
        }
        let minutes = expiration.map_or(DEFAULT_EXPIRATION_MINUTES, ExpirationMinutes::get);
        let secret = totp::generate_secret();
        let recovery_codes: Vec<RecoveryCodeRecord> = (0..totp::RECOVERY_CODE_COUNT)
            .map(|_| RecoveryCodeRecord {
                id: ctx.ids.recovery_code(),
                code: totp::recovery_code(),
                used: false,
            })
            .collect();
        let created = CreatedTotp {
            totp_id: ctx.ids.totp(),
            secret: secret.clone(),
            account_label: user.account_label().to_owned(),
            recovery_codes: recovery_codes.iter().map(|c| c.code.clone()).collect(),
        };
        self.by_user.insert(
            user.user_id.clone(),
            TotpRecord {
                totp_id: created.totp_id.clone(),
                secret,
                expires_at: add(ctx.now, Duration::from_secs(u64::from(minutes) * 60)),
                verified: false,
                last_step: None,
                recovery_codes,
            },
        );
        Ok(created)
    }

    /// The usable TOTP of a user: 404 `totp_not_found` or 400 `expired_totp` otherwise.
    fn usable(&self, user_id: &str, now: SystemTime) -> Result<&TotpRecord, Refusal> {
        let totp = self.of(user_id).ok_or(Refusal::TotpNotFound)?;
        if totp.expired(now) {
            return Err(Refusal::ExpiredTotp);
        }
        Ok(totp)
    }

    /// Checks a six-digit code against the window and the last accepted step.
    pub(crate) fn check_code(
        &self,
        user_id: &str,
        code: &str,
        now: SystemTime,
    ) -> Result<(String, Verdict<u64>), Refusal> {
        let totp = self.usable(user_id, now)?;
        let verdict = match totp::match_step(&totp.secret, code, now, totp.last_step) {
            StepMatch::Fresh(step) => Verdict::Accept(step),
            StepMatch::Replayed => Verdict::Reject(Refusal::TotpCodeReplayed),
            StepMatch::NoMatch => Verdict::Reject(Refusal::WrongTotpCode),
        };
        Ok((totp.totp_id.clone(), verdict))
    }

    /// Records an accepted code's step; the TOTP is verified from now on.
    pub(crate) fn accept_code(&mut self, user_id: &str, step: u64) {
        if let Some(totp) = self.by_user.get_mut(user_id) {
            totp.last_step = Some(step);
            totp.verified = true;
        }
    }

    /// Whether `code` is one of the user's recovery codes (used or not).
    pub(crate) fn is_recovery_code(&self, user_id: &str, code: &str) -> bool {
        self.of(user_id).is_some_and(|t| {
            t.recovery_codes
                .iter()
                .any(|c| c.code.eq_ignore_ascii_case(code))
        })
    }

    /// Checks a recovery code: `Accept(index of the unused matching code)`.
    pub(crate) fn check_recovery_code(
        &self,
        user_id: &str,
        code: &RecoveryCodeInput,
        now: SystemTime,
    ) -> Result<(String, Verdict<usize>), Refusal> {
        let totp = self.of(user_id).ok_or(Refusal::RecoveryCodesNotFound)?;
        let code = match code {
            RecoveryCodeInput::TotpCode => {
                let refusal = Verdict::Reject(Refusal::TotpCodeUsedAsRecoveryCode);
                return Ok((totp.totp_id.clone(), refusal));
            }
            RecoveryCodeInput::Malformed => return Err(Refusal::MalformedRecoveryCode),
            RecoveryCodeInput::Code(code) => code,
        };
        if totp.expired(now) {
            return Err(Refusal::ExpiredTotp);
        }
        let verdict = match totp
            .recovery_codes
            .iter()
            .position(|c| !c.used && &c.code == code)
        {
            Some(index) => Verdict::Accept(index),
            None => Verdict::Reject(Refusal::WrongRecoveryCode),
        };
        Ok((totp.totp_id.clone(), verdict))
    }

    /// Spends the recovery code at `index` (which also verifies the TOTP); its id.
    pub(crate) fn accept_recovery_code(&mut self, user_id: &str, index: usize) -> String {
        let Some(totp) = self.by_user.get_mut(user_id) else {
            return String::new();
        };
        totp.verified = true;
        totp.recovery_codes
            .get_mut(index)
            .map_or_else(String::new, |c| {
                c.used = true;
                c.id.clone()
            })
    }

    /// Deletes the TOTP with this id; the user it belonged to.
    pub(crate) fn delete(&mut self, totp_id: &str) -> Result<String, Refusal> {
        let user_id = self
            .by_user
            .iter()
            .find(|(_, t)| t.totp_id == totp_id)
            .map(|(user_id, _)| user_id.clone())
            .ok_or(Refusal::TotpNotFound)?;
        self.by_user.remove(&user_id);
        Ok(user_id)
    }

    pub(crate) fn remove_user(&mut self, user_id: &str) {
        self.by_user.remove(user_id);
    }
}

//! Sessions: started by a first factor, stepped up by the next ones (the same session gains
//! each factor), authenticated and extended by token or JWT, revoked, expired on the emulator
//! clock; their custom claims. Their JWTs are signed by the HTTP side from a [`SessionView`],
//! after the store is unlocked.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use super::commands::{SessionArgs, SessionRef};
use super::ctx::Ctx;
use super::refusal::Refusal;
use crate::clock::add;
use crate::ids;

/// Largest total size of a session's custom claims, serialized (Stytch: four kilobytes).
const MAX_CUSTOM_CLAIMS_BYTES: usize = 4096;

/// How a factor was proven. A new first or second factor is a new variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FactorKind {
    /// A code from the authenticator app of this TOTP.
    Totp { totp_id: String },
    /// One of a TOTP's recovery codes.
    RecoveryCode { recovery_code_id: String },
    /// The password of the user with this email (`passwords.create` / `authenticate`).
    Password {
        email_id: String,
        email_address: String,
    },
}

/// One authentication factor of a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Factor {
    pub(crate) kind: FactorKind,
    /// When the session first gained a factor of this method.
    pub(crate) created_at: SystemTime,
    /// When a factor of this method was last proven.
    pub(crate) last_authenticated_at: SystemTime,
}

impl Factor {
    /// A factor proven `now`.
    pub(crate) fn proven(kind: FactorKind, now: SystemTime) -> Self {
        Self {
            kind,
            created_at: now,
            last_authenticated_at: now,
        }
    }
}

#[derive(Clone)]
pub(crate) struct SessionRecord {
    pub(crate) session_id: String,
    pub(crate) token: String,
    pub(crate) user_id: String,
    pub(crate) started_at: SystemTime,
    pub(crate) last_accessed_at: SystemTime,
    pub(crate) expires_at: SystemTime,
    /// One per method, in the order the session gained them.
    pub(crate) factors: Vec<Factor>,
    pub(crate) custom_claims: Map<String, Value>,
}

impl SessionRecord {
    fn alive(&self, now: SystemTime) -> bool {
        self.expires_at > now
    }
}

/// What a successful TOTP authenticate or recover does with sessions, decided before
/// anything changes.
pub(crate) enum Plan {
    /// No session asked for: empty token and JWT.
    None,
    New,
    Existing(String),
}

/// A session as it is after an operation, with its user's roles: what responses show and
/// JWTs carry.
pub(crate) struct SessionView {
    pub(crate) record: SessionRecord,
    pub(crate) roles: Vec<String>,
    /// The instant of the operation (a JWT's `iat`).
    pub(crate) at: SystemTime,
}

#[derive(Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, SessionRecord>,
}

impl Sessions {
    /// The live session a token or JWT names: [`Refusal::SessionNotFound`] if it is unknown,
    /// revoked or expired; [`Refusal::UnparsableSessionJwt`] for a JWT that did not verify.
    pub(crate) fn find(&self, by: &SessionRef, now: SystemTime) -> Result<&SessionRecord, Refusal> {
        let record = match by {
            SessionRef::Token(token) => self.by_id.values().find(|s| &s.token == token),
            SessionRef::Jwt(None) => return Err(Refusal::UnparsableSessionJwt),
            SessionRef::Jwt(Some(session_id)) => self.by_id.get(session_id),
        };
        record
            .filter(|s| s.alive(now))
            .ok_or(Refusal::SessionNotFound)
    }

    /// The live session with this id.
    fn find_id(&self, session_id: &str, now: SystemTime) -> Result<&SessionRecord, Refusal> {
        self.by_id
            .get(session_id)
            .filter(|s| s.alive(now))
            .ok_or(Refusal::SessionNotFound)
    }

    /// Checks the session part of a sign-in without changing anything: a new session, the
    /// user's existing one to step up, or none.
    pub(crate) fn plan(
        &self,
        user_id: &str,
        args: &SessionArgs,
        now: SystemTime,
    ) -> Result<Plan, Refusal> {
        let plan = match &args.existing {
            Some(by) => {
                let session = self.find(by, now)?;
                if session.user_id != user_id {
                    return Err(Refusal::SessionOfAnotherUser);
                }
                check_claims_size(&merged_claims(&session.custom_claims, &args.custom_claims))?;
                Plan::Existing(session.session_id.clone())
            }
            None if args.duration.is_some() => {
                check_claims_size(&merged_claims(&Map::new(), &args.custom_claims))?;
                Plan::New
            }
            None => Plan::None,
        };
        Ok(plan)
    }

    /// Carries out a plan: the session gains `factor` (replacing an older proof of the same
    /// method, whose `created_at` it keeps) and is touched (see [`Self::touch`]).
    pub(crate) fn apply(
        &mut self,
        plan: Plan,
        user_id: &str,
        factor: Factor,
        args: &SessionArgs,
        ctx: &Ctx,
    ) -> Result<Option<String>, Refusal> {
        let session_id = match plan {
            Plan::None => return Ok(None),
            Plan::New => {
                let session_id = ctx.ids.session();
                self.by_id.insert(
                    session_id.clone(),
                    SessionRecord {
                        session_id: session_id.clone(),
                        token: ids::session_token(),
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
            Plan::Existing(session_id) => session_id,
        };
        let record = self.record_mut(&session_id)?;
        let same_method = |f: &&mut Factor| {
            std::mem::discriminant(&f.kind) == std::mem::discriminant(&factor.kind)
        };
        match record.factors.iter_mut().find(same_method) {
            Some(existing) => {
                *existing = Factor {
                    created_at: existing.created_at,
                    ..factor
                }
            }
            None => record.factors.push(factor),
        }
        self.touch(&session_id, args, ctx.now)?;
        Ok(Some(session_id))
    }

    /// `sessions.authenticate`: the live session `by` names, touched; its id.
    pub(crate) fn authenticate(
        &mut self,
        by: &SessionRef,
        args: &SessionArgs,
        now: SystemTime,
    ) -> Result<String, Refusal> {
        let session = self.find(by, now)?;
        check_claims_size(&merged_claims(&session.custom_claims, &args.custom_claims))?;
        let session_id = session.session_id.clone();
        self.touch(&session_id, args, now)?;
        Ok(session_id)
    }

    /// Marks a session accessed now, extends it by the requested duration and merges the
    /// requested custom claims (checked by the caller).
    fn touch(
        &mut self,
        session_id: &str,
        args: &SessionArgs,
        now: SystemTime,
    ) -> Result<(), Refusal> {
        let record = self.record_mut(session_id)?;
        record.last_accessed_at = now;
        if let Some(duration) = args.duration {
            record.expires_at = add(now, Duration::from_secs(u64::from(duration.get()) * 60));
        }
        record.custom_claims = merged_claims(&record.custom_claims, &args.custom_claims);
        Ok(())
    }

    /// `sessions.revoke` by session id.
    pub(crate) fn revoke_id(&mut self, session_id: &str, now: SystemTime) -> Result<(), Refusal> {
        self.find_id(session_id, now)?;
        self.by_id.remove(session_id);
        Ok(())
    }

    /// `sessions.revoke` by token or JWT.
    pub(crate) fn revoke(&mut self, by: &SessionRef, now: SystemTime) -> Result<(), Refusal> {
        let session_id = self.find(by, now)?.session_id.clone();
        self.by_id.remove(&session_id);
        Ok(())
    }

    /// The user a session belongs to.
    pub(crate) fn find_id_user(&self, session_id: &str) -> Result<String, Refusal> {
        self.by_id
            .get(session_id)
            .map(|s| s.user_id.clone())
            .ok_or(Refusal::SessionNotFound)
    }

    /// A user's live sessions, oldest first.
    pub(crate) fn active_for(&self, user_id: &str, now: SystemTime) -> Vec<&SessionRecord> {
        let mut sessions: Vec<&SessionRecord> = self
            .by_id
            .values()
            .filter(|s| s.user_id == user_id && s.alive(now))
            .collect();
        sessions.sort_by(|a, b| (a.started_at, &a.session_id).cmp(&(b.started_at, &b.session_id)));
        sessions
    }

    /// The session as it is now, for the response and its JWT.
    pub(crate) fn view(
        &self,
        session_id: &str,
        roles: Vec<String>,
        at: SystemTime,
    ) -> Result<SessionView, Refusal> {
        let record = self
            .by_id
            .get(session_id)
            .ok_or(Refusal::Inconsistent("The session vanished."))?;
        Ok(SessionView {
            record: record.clone(),
            roles,
            at,
        })
    }

    fn record_mut(&mut self, session_id: &str) -> Result<&mut SessionRecord, Refusal> {
        self.by_id
            .get_mut(session_id)
            .ok_or(Refusal::Inconsistent("The session vanished."))
    }

    pub(crate) fn remove_user(&mut self, user_id: &str) {
        self.by_id.retain(|_, s| s.user_id != user_id);
    }
}

/// `current` with `update` merged in as Stytch documents (a JSON merge patch, RFC 7396): a
/// value replaces, `null` deletes, and objects merge key by key at any depth.
fn merged_claims(current: &Map<String, Value>, update: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = current.clone();
    for (key, value) in update {
        match (merged.get_mut(key), value) {
            (_, Value::Null) => {
                merged.remove(key);
            }
            (Some(Value::Object(existing)), Value::Object(patch)) => {
                *existing = merged_claims(existing, patch);
            }
            _ => {
                let value = match value {
                    Value::Object(patch) => Value::Object(merged_claims(&Map::new(), patch)),
                    other => other.clone(),
                };
                merged.insert(key.clone(), value);
            }
        }
    }
    merged
}

/// [`Refusal::CustomClaimsTooLarge`] when the claims a session would hold exceed four
/// kilobytes (serialized).
fn check_claims_size(claims: &Map<String, Value>) -> Result<(), Refusal> {
    let size = serde_json::to_vec(claims).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_CUSTOM_CLAIMS_BYTES {
        return Err(Refusal::CustomClaimsTooLarge);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn claims_merge_as_stytch_documents() {
        let current =
            map(json!({"a": 1, "b": 2, "d": 4, "e": {"nested1": "val1", "nested2": "val2"}}));
        let update = map(json!({"b": null, "c": 3.5, "e": {"nested1": null, "nested3": "val3"}}));
        assert_eq!(
            Value::Object(merged_claims(&current, &update)),
            json!({"a": 1, "c": 3.5, "d": 4, "e": {"nested2": "val2", "nested3": "val3"}})
        );
        // Nulls inside a new object are dropped too.
        assert_eq!(
            Value::Object(merged_claims(
                &Map::new(),
                &map(json!({"x": {"y": null, "z": 1}}))
            )),
            json!({"x": {"z": 1}})
        );
    }

    #[test]
    fn claims_size_limit_is_four_kilobytes() {
        let fits = map(json!({ "k": "x".repeat(MAX_CUSTOM_CLAIMS_BYTES - 8) }));
        assert_eq!(
            serde_json::to_vec(&fits).unwrap().len(),
            MAX_CUSTOM_CLAIMS_BYTES
        );
        assert!(check_claims_size(&fits).is_ok());
        let over = map(json!({ "k": "x".repeat(MAX_CUSTOM_CLAIMS_BYTES - 7) }));
        assert_eq!(check_claims_size(&over), Err(Refusal::CustomClaimsTooLarge));
    }
}

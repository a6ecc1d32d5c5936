//! Sessions: created by a successful TOTP or recovery code, authenticated and extended by
//! token or JWT, revoked, expired on the emulator clock; their custom claims and JWTs.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::http::StatusCode;
use serde_json::{Map, Value};
use stytch_totp_models::{AuthenticationFactor, Session, StytchSessionClaim};

use crate::clock::{add, rfc3339, unix_seconds};
use crate::errors::ApiError;
use crate::input::{SessionArgs, SessionRef};
use crate::jwt::{self, Claims, SessionClaim, JWT_LIFETIME_SECONDS};
use crate::model;
use crate::store::Ctx;

/// Largest total size of a session's custom claims, serialized (Stytch: four kilobytes).
const MAX_CUSTOM_CLAIMS_BYTES: usize = 4096;

pub(crate) struct SessionRecord {
    pub(crate) session_id: String,
    token: String,
    pub(crate) user_id: String,
    pub(crate) started_at: SystemTime,
    pub(crate) last_accessed_at: SystemTime,
    pub(crate) expires_at: SystemTime,
    pub(crate) factors: Vec<AuthenticationFactor>,
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

/// The session fields of a response.
pub(crate) struct Issued {
    pub(crate) session: Session,
    pub(crate) token: String,
    pub(crate) jwt: String,
}

#[derive(Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, SessionRecord>,
}

impl Sessions {
    /// The live session a token or JWT names: 404 `session_not_found` if it is unknown,
    /// revoked or expired; 400 `unable_to_parse_session_jwt` for a JWT that is malformed or
    /// not signed by this emulator for this project.
    pub(crate) fn find(&self, by: &SessionRef, ctx: &Ctx<'_>) -> Result<&SessionRecord, ApiError> {
        let record = match by {
            SessionRef::Token(token) => self.by_id.values().find(|s| &s.token == token),
            SessionRef::Jwt(jwt) => {
                let claims = ctx
                    .signing_key()
                    .verify(jwt, &ctx.config.project_id)
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "unable_to_parse_session_jwt",
                            "The session_jwt could not be parsed or its signature is invalid.",
                        )
                    })?;
                self.by_id.get(&claims.session.claim.id)
            }
        };
        record
            .filter(|s| s.alive(ctx.now))
            .ok_or_else(ApiError::session_not_found)
    }

    /// The live session with this id.
    fn find_id(&self, session_id: &str, now: SystemTime) -> Result<&SessionRecord, ApiError> {
        self.by_id
            .get(session_id)
            .filter(|s| s.alive(now))
            .ok_or_else(ApiError::session_not_found)
    }

    /// Checks the session part of a TOTP authenticate or recover without changing anything.
    pub(crate) fn plan(
        &self,
        user_id: &str,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<Plan, ApiError> {
        let plan = match &args.existing {
            Some(by) => {
                let session = self.find(by, ctx)?;
                if session.user_id != user_id {
                    return Err(ApiError::invalid(
                        "user_id_mismatch",
                        "The session belongs to another user.",
                    ));
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

    /// Carries out a plan: the session gains `factor` and is touched (see [`Self::touch`]).
    pub(crate) fn apply(
        &mut self,
        plan: Plan,
        user_id: &str,
        factor: AuthenticationFactor,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<Option<String>, ApiError> {
        let session_id = match plan {
            Plan::None => return Ok(None),
            Plan::New => {
                let session_id = ctx.ids.session();
                self.by_id.insert(
                    session_id.clone(),
                    SessionRecord {
                        session_id: session_id.clone(),
                        token: jwt::new_token(),
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
        match record
            .factors
            .iter_mut()
            .find(|f| f.type_ == factor.type_ && f.delivery_method == factor.delivery_method)
        {
            Some(existing) => {
                let created_at = existing.created_at.take();
                *existing = factor;
                existing.created_at = created_at;
            }
            None => record.factors.push(factor),
        }
        self.touch(&session_id, args, ctx)?;
        Ok(Some(session_id))
    }

    /// `sessions.authenticate`: the live session `by` names, touched; its id.
    pub(crate) fn authenticate(
        &mut self,
        by: &SessionRef,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<String, ApiError> {
        let session = self.find(by, ctx)?;
        check_claims_size(&merged_claims(&session.custom_claims, &args.custom_claims))?;
        let session_id = session.session_id.clone();
        self.touch(&session_id, args, ctx)?;
        Ok(session_id)
    }

    /// Marks a session accessed now, extends it by the requested duration and merges the
    /// requested custom claims (checked by the caller).
    fn touch(
        &mut self,
        session_id: &str,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<(), ApiError> {
        let record = self.record_mut(session_id)?;
        record.last_accessed_at = ctx.now;
        if let Some(duration) = args.duration {
            record.expires_at = add(ctx.now, Duration::from_secs(u64::from(duration.get()) * 60));
        }
        record.custom_claims = merged_claims(&record.custom_claims, &args.custom_claims);
        Ok(())
    }

    /// `sessions.revoke` by session id.
    pub(crate) fn revoke_id(&mut self, session_id: &str, now: SystemTime) -> Result<(), ApiError> {
        self.find_id(session_id, now)?;
        self.by_id.remove(session_id);
        Ok(())
    }

    /// `sessions.revoke` by token or JWT.
    pub(crate) fn revoke(&mut self, by: &SessionRef, ctx: &Ctx<'_>) -> Result<(), ApiError> {
        let session_id = self.find(by, ctx)?.session_id.clone();
        self.by_id.remove(&session_id);
        Ok(())
    }

    /// The user a session belongs to.
    pub(crate) fn find_id_user(&self, session_id: &str) -> Result<String, ApiError> {
        self.by_id
            .get(session_id)
            .map(|s| s.user_id.clone())
            .ok_or_else(ApiError::session_not_found)
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

    /// The session as the API shows it, its token and a fresh JWT.
    pub(crate) fn issue(
        &self,
        session_id: &str,
        roles: Vec<String>,
        ctx: &Ctx<'_>,
    ) -> Result<Issued, ApiError> {
        let record = self
            .by_id
            .get(session_id)
            .ok_or_else(|| ApiError::internal("The session vanished."))?;
        let session = model::session(record, roles);
        let now = unix_seconds(ctx.now);
        let project_id = &ctx.config.project_id;
        let claims = Claims {
            sub: record.user_id.clone(),
            iss: jwt::issuer(project_id),
            aud: vec![project_id.clone()],
            iat: now,
            nbf: now,
            exp: now.saturating_add(JWT_LIFETIME_SECONDS),
            session: SessionClaim {
                claim: StytchSessionClaim {
                    id: record.session_id.clone(),
                    started_at: rfc3339(record.started_at),
                    last_accessed_at: rfc3339(record.last_accessed_at),
                    expires_at: rfc3339(record.expires_at),
                    attributes: session.attributes.clone(),
                    authentication_factors: record.factors.clone(),
                },
                roles: session.roles.clone(),
            },
            custom: record.custom_claims.clone(),
        };
        let jwt = ctx
            .signing_key()
            .sign(&claims)
            .ok_or_else(|| ApiError::internal("The session JWT could not be signed."))?;
        Ok(Issued {
            session,
            token: record.token.clone(),
            jwt,
        })
    }

    fn record_mut(&mut self, session_id: &str) -> Result<&mut SessionRecord, ApiError> {
        self.by_id
            .get_mut(session_id)
            .ok_or_else(|| ApiError::internal("The session vanished."))
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

/// 400 `custom_claims_too_large` when the claims a session would hold exceed four kilobytes.
fn check_claims_size(claims: &Map<String, Value>) -> Result<(), ApiError> {
    let size = serde_json::to_vec(claims).map_or(usize::MAX, |bytes| bytes.len());
    if size > MAX_CUSTOM_CLAIMS_BYTES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "custom_claims_too_large",
            "The session's custom claims would exceed four kilobytes.",
        ));
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
        let err = check_claims_size(&over).unwrap_err();
        assert_eq!(err.error_type.as_str(), "custom_claims_too_large");
    }
}

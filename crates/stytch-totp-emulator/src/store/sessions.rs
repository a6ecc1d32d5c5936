//! Sessions: creation by a successful TOTP or recovery code, the factors and custom claims
//! they gather, their expiry on the emulator clock, and their JWTs.

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};
use stytch_totp_models::{AuthenticationFactor, Session};

use crate::clock::{add, unix_seconds};
use crate::errors::ApiError;
use crate::input::SessionArgs;
use crate::model;
use crate::session::{self, JwtClaims, RESERVED_CLAIMS};
use crate::store::Ctx;

/// Largest accepted `session_custom_claims`, serialized.
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

/// What a successful authenticate or recover does with sessions, decided before anything
/// changes.
pub(crate) enum Plan {
    /// No session asked for: empty token and JWT.
    None,
    New,
    Existing(String),
}

/// Session fields of an authenticate/recover response.
pub(crate) struct Outcome {
    pub(crate) session: Option<Session>,
    pub(crate) token: String,
    pub(crate) jwt: String,
}

impl Outcome {
    fn none() -> Self {
        Self {
            session: None,
            token: String::new(),
            jwt: String::new(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Sessions {
    by_id: HashMap<String, SessionRecord>,
}

impl Sessions {
    /// Checks the session part of a request without changing anything.
    pub(crate) fn plan(
        &self,
        user_id: &str,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<Plan, ApiError> {
        if let Ok(bytes) = serde_json::to_vec(&args.custom_claims) {
            if bytes.len() > MAX_CUSTOM_CLAIMS_BYTES {
                return Err(ApiError::bad_request(
                    "session_custom_claims must not exceed 4 kilobytes.",
                ));
            }
        }
        let session = if let Some(token) = &args.token {
            Some(
                self.by_id
                    .values()
                    .find(|s| &s.token == token)
                    .ok_or_else(ApiError::session_not_found)?,
            )
        } else if let Some(jwt) = &args.jwt {
            let claims =
                session::verify(ctx.jwt_key, jwt).ok_or_else(ApiError::session_not_found)?;
            let id = session::session_id(&claims).ok_or_else(ApiError::session_not_found)?;
            Some(self.by_id.get(id).ok_or_else(ApiError::session_not_found)?)
        } else {
            None
        };
        match session {
            Some(s) if s.expires_at <= ctx.now => Err(ApiError::session_not_found()),
            Some(s) if s.user_id != user_id => Err(ApiError::bad_request(
                "The session belongs to another user.",
            )),
            Some(s) => Ok(Plan::Existing(s.session_id.clone())),
            None if args.duration.is_some() => Ok(Plan::New),
            None => Ok(Plan::None),
        }
    }

    /// Carries out a plan: the session gains `factor`, is extended and its claims merged.
    pub(crate) fn apply(
        &mut self,
        plan: Plan,
        user_id: &str,
        roles: Vec<String>,
        factor: AuthenticationFactor,
        args: &SessionArgs,
        ctx: &Ctx<'_>,
    ) -> Result<Outcome, ApiError> {
        let session_id = match plan {
            Plan::None => return Ok(Outcome::none()),
            Plan::New => {
                let session_id = ctx.ids.session();
                self.by_id.insert(
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
            Plan::Existing(session_id) => session_id,
        };
        let record = self
            .by_id
            .get_mut(&session_id)
            .ok_or_else(|| ApiError::internal("The session vanished."))?;
        record.last_accessed_at = ctx.now;
        if let Some(duration) = args.duration {
            record.expires_at = add(ctx.now, Duration::from_secs(u64::from(duration.get()) * 60));
        }
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
        for (key, value) in &args.custom_claims {
            if RESERVED_CLAIMS.contains(&key.as_str()) {
                continue;
            }
            if value.is_null() {
                record.custom_claims.remove(key);
            } else {
                record.custom_claims.insert(key.clone(), value.clone());
            }
        }
        let session = model::session(record, roles);
        let claims = JwtClaims {
            project_id: &ctx.config.project_id,
            user_id,
            now_unix: unix_seconds(ctx.now),
            session: model::session_claim(&session),
            custom_claims: &record.custom_claims,
        };
        Ok(Outcome {
            jwt: session::sign(ctx.jwt_key, &claims.to_value()),
            token: record.token.clone(),
            session: Some(session),
        })
    }

    pub(crate) fn remove_user(&mut self, user_id: &str) {
        self.by_id.retain(|_, s| s.user_id != user_id);
    }
}

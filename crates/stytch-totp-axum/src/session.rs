//! The extractors: [`StytchSession`] (and `Option<StytchSession>`), [`SessionCookie`], and the
//! check behind them, one span each.

use std::sync::Arc;
use std::time::SystemTime;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use serde_json::{Map, Value};
use stytch_totp::models::chrono::{DateTime, Utc};
use stytch_totp::models::{AuthenticationFactor, SecretString, StytchSessionClaim};
use stytch_totp::{Checked, VerifiedSession};
use tracing::field::Empty;
use tracing::Instrument;

use crate::credential::Credential;
use crate::guard::{Exchange, RoutePolicy, Verified};
use crate::policy::Policy;
use crate::rejection::Rejection;

/// A request's Stytch session: verified (locally against the project's keys, or by Stytch
/// when the JWT is past its `exp` or older than the policy's `max_token_age`) and allowed by
/// the route's [`Policy`]. Take it in a handler to guard the route; take
/// `Option<StytchSession>` for a page that shows something either way (`None` when not
/// signed in or refused; an error only when Stytch could not be asked).
///
/// Needs the [`GuardLayer`](crate::GuardLayer) around the router (else 500
/// `session_check_failed`). Rejections: see [`Rejection`].
#[derive(Debug, Clone)]
pub struct StytchSession {
    verified: Arc<VerifiedSession>,
    credential: Credential,
    jwt: SecretString,
}

impl StytchSession {
    /// The Stytch user id (the JWT's `sub`).
    pub fn user_id(&self) -> &str {
        &self.verified.user_id
    }

    /// The Stytch session id.
    pub fn session_id(&self) -> &str {
        &self.verified.session.id
    }

    /// The session: start, last access, expiry, factors.
    pub fn session(&self) -> &StytchSessionClaim {
        &self.verified.session
    }

    /// The factors that authenticated the session.
    pub fn factors(&self) -> &[AuthenticationFactor] {
        &self.verified.session.authentication_factors
    }

    /// The session's custom claims.
    pub fn custom_claims(&self) -> &Map<String, Value> {
        &self.verified.custom_claims
    }

    /// Everything the SDK verified, including where.
    pub fn verified(&self) -> &VerifiedSession {
        &self.verified
    }

    /// Whether Stytch checked the session for this request (and answered a fresh JWT).
    pub fn checked_remotely(&self) -> bool {
        matches!(self.verified.checked, Checked::Remotely(_))
    }

    /// The fresh JWT Stytch answered, if it checked the session. Cookie callers get it as the
    /// new cookie from the [`GuardLayer`](crate::GuardLayer); Bearer callers only if the
    /// handler hands it back.
    pub fn refreshed_jwt(&self) -> Option<&SecretString> {
        match &self.verified.checked {
            Checked::Locally => None,
            Checked::Remotely(fresh) => Some(&fresh.session_jwt),
        }
    }

    /// The JWT to use from now on (to step the session up, for instance): the refreshed one,
    /// else the one the caller sent.
    pub fn jwt(&self) -> &SecretString {
        self.refreshed_jwt().unwrap_or(&self.jwt)
    }

    /// Where the caller sent the JWT.
    pub fn credential(&self) -> Credential {
        self.credential
    }
}

fn exchange(parts: &Parts) -> Result<Arc<Exchange>, Rejection> {
    parts
        .extensions
        .get::<Arc<Exchange>>()
        .cloned()
        .ok_or_else(|| {
            tracing::error!(
                "StytchSession used on a router without the stytch-totp-axum GuardLayer"
            );
            Rejection::guard_missing()
        })
}

impl<S: Send + Sync> FromRequestParts<S> for StytchSession {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
        let exchange = exchange(parts)?;
        let policy = match parts.extensions.get::<RoutePolicy>() {
            Some(route) => Arc::clone(&route.0),
            None => Arc::clone(exchange.guard.default_policy()),
        };
        check(&exchange, parts, &policy)
            .await
            .map_err(|r| r.for_request(&parts.headers, exchange.guard.redirect_targets()))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for StytchSession {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Option<Self>, Rejection> {
        match <Self as FromRequestParts<S>>::from_request_parts(parts, state).await {
            Ok(session) => Ok(Some(session)),
            // Refused (401, 403): the page shows its signed-out face.
            Err(r) if r.status().is_client_error() => Ok(None),
            Err(r) => Err(r),
        }
    }
}

/// Verifies the request's session (once per request: later extractors reuse it) and applies
/// `policy`, in one `session.check` span: session id, where it was checked, how the JWT came,
/// and why it was refused. Never the JWT.
async fn check(
    exchange: &Exchange,
    parts: &Parts,
    policy: &Policy,
) -> Result<StytchSession, Rejection> {
    let span = tracing::info_span!(
        "session.check",
        session.id = Empty,
        session.checked = Empty,
        session.credential = Empty,
        session.refusal = Empty,
    );
    async move {
        let verified = match exchange.verified() {
            Some(verified) => verified,
            None => verify(exchange, parts, policy).await?,
        };
        let span = tracing::Span::current();
        span.record("session.id", verified.session.session.id.as_str());
        span.record("session.credential", verified.credential.as_str());
        let checked = match verified.session.checked {
            Checked::Locally => "locally",
            Checked::Remotely(_) => "remotely",
        };
        span.record("session.checked", checked);
        if let Err(refusal) = policy.check(&verified.session.session, SystemTime::now()) {
            let rejection = Rejection::policy(&refusal);
            span.record("session.refusal", rejection.code());
            tracing::info!("session refused by the route's policy");
            return Err(rejection);
        }
        Ok(StytchSession {
            verified: verified.session,
            credential: verified.credential,
            jwt: verified.jwt,
        })
    }
    .instrument(span)
    .await
}

/// Verifies the JWT with the SDK (in the caller's span); decides the cookie on the way out.
async fn verify(
    exchange: &Exchange,
    parts: &Parts,
    policy: &Policy,
) -> Result<Verified, Rejection> {
    let span = tracing::Span::current();
    let settings = exchange.guard.cookie_settings();
    let Some((jwt, credential)) = settings.credential(&parts.headers) else {
        span.record("session.refusal", "not_signed_in");
        tracing::info!("no session JWT: not signed in");
        return Err(Rejection::not_signed_in());
    };
    span.record("session.credential", credential.as_str());
    let result = exchange
        .guard
        .client()
        .sessions()
        .authenticate_jwt(jwt.clone())
        .max_token_age(policy.token_age_limit())
        .leeway(exchange.guard.jwt_leeway())
        .await;
    let session = match result {
        Ok(session) => session,
        Err(error) => {
            let rejection = Rejection::from_check(&error);
            span.record("session.refusal", rejection.code());
            if rejection.is_unauthenticated() {
                tracing::info!(reason = %error, "session refused");
                if credential == Credential::Cookie {
                    exchange.remove_cookie();
                }
            } else {
                tracing::warn!(error = %error, "the session could not be checked");
            }
            return Err(rejection);
        }
    };
    if let Checked::Remotely(fresh) = &session.checked {
        if credential == Credential::Cookie {
            let expires_at = SystemTime::from(session.session.expires_at);
            exchange.set_cookie(fresh.session_jwt.clone(), Some(expires_at));
        }
    }
    let verified = Verified {
        session: Arc::new(session),
        credential,
        jwt,
    };
    exchange.remember(verified.clone());
    Ok(verified)
}

/// Sets or deletes the session cookie on this request's response (written by the
/// [`GuardLayer`](crate::GuardLayer) with the guard's [`CookieSettings`](crate::CookieSettings)):
/// after signing in or stepping up, and on signing out.
pub struct SessionCookie {
    exchange: Arc<Exchange>,
}

impl std::fmt::Debug for SessionCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCookie").finish_non_exhaustive()
    }
}

impl SessionCookie {
    /// Answer `jwt` as the session cookie, kept until `expires_at` (Stytch's
    /// `session.expires_at`) when given, else for the browser session.
    pub fn set(&self, jwt: SecretString, expires_at: Option<DateTime<Utc>>) {
        self.exchange
            .set_cookie(jwt, expires_at.map(SystemTime::from));
    }

    /// Delete the session cookie.
    pub fn remove(&self) {
        self.exchange.remove_cookie();
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SessionCookie {
    type Rejection = Rejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Rejection> {
        Ok(Self {
            exchange: exchange(parts)?,
        })
    }
}

//! Local verification of session JWTs: `client.sessions().authenticate_jwt(jwt)`.
//!
//! Stytch signs session JWTs with RS256 and publishes its keys at
//! [`SessionsGetJwks`](crate::Operation::SessionsGetJwks). Checking the signature and claims
//! here costs no request, which is how Stytch tells backends to use JWTs.
//!
//! The fallback policy, and where it differs from Stytch's SDKs, is documented on
//! [`AuthenticateJwt`].

mod cache;
mod token;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use stytch_totp_models::chrono::{DateTime, Utc};
use stytch_totp_models::{AuthenticateSessionResponse, SecretString, StytchSessionClaim};

use cache::VerifiedCache;
pub use cache::DEFAULT_VERIFIED_JWT_CACHE_CAPACITY;
use token::{unix_now, Rules, Token, Verdict, Verified};

use crate::jwks::{KeySet, Lookup};
use crate::{Client, Error};

type Timestamp = DateTime<Utc>;

/// Why a session JWT was refused without asking Stytch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtRejection {
    /// Not three base64url parts with a JSON header.
    #[error("it is not a well-formed JWT")]
    Malformed,
    /// Signed with another algorithm than RS256.
    #[error("it is not signed with RS256")]
    UnsupportedAlgorithm,
    /// The header names no key, or a key the project does not publish (checked against a
    /// freshly fetched set).
    #[error("it names a signing key the project does not publish")]
    UnknownKey,
    /// The signature does not match the key.
    #[error("its signature does not verify")]
    BadSignature,
    /// Meant for another project.
    #[error("it is meant for another project (aud)")]
    WrongAudience,
    /// The project's keys could not be fetched lately and the last good set is too old (or
    /// lacks the key): fail closed until a fetch succeeds.
    #[error("the project's signing keys are unavailable (fetching them failed)")]
    KeySetUnavailable,
}

/// A session that was verified, with where it was checked.
#[derive(Debug, Clone)]
pub struct VerifiedSession {
    /// The user the session belongs to (the JWT's `sub`).
    pub user_id: String,
    /// The session: id, start, last access, expiry, authentication factors.
    pub session: StytchSessionClaim,
    /// The session's custom claims.
    pub custom_claims: Map<String, Value>,
    /// Whether the JWT was checked here or by Stytch.
    pub checked: Checked,
}

/// Where a session JWT was checked.
#[derive(Debug, Clone)]
pub enum Checked {
    /// Here, against the cached public keys (or the cache of verified JWTs): no request.
    Locally,
    /// By Stytch (`sessions.authenticate`), because the local check could not accept it
    /// (see the fallback policy in [`AuthenticateJwt`]). The response carries a fresh
    /// `session_jwt` to hand back to the caller.
    Remotely(Box<AuthenticateSessionResponse>),
}

/// The state a client keeps for session JWTs: keys, accepted issuers, verified tokens.
pub(crate) struct SessionJwts {
    keys: KeySet,
    issuers: Vec<String>,
    cache: Option<VerifiedCache>,
}

impl SessionJwts {
    pub fn new(issuers: Vec<String>, cache_capacity: usize) -> Self {
        Self {
            keys: KeySet::default(),
            issuers,
            cache: VerifiedCache::with_capacity(cache_capacity),
        }
    }
}

/// Local verification of a session JWT. Await it, or call [`AuthenticateJwt::send`].
///
/// # Fallback policy
///
/// No JWT that Stytch would accept is refused here, and no JWT that only a forger can make
/// costs a request:
///
/// | the JWT | outcome |
/// |---|---|
/// | valid signature under a published key, claims pass | accepted locally ([`Checked::Locally`]) |
/// | past its `exp`, older than `max_token_age`, `nbf` ahead of our clock, an `iss` not configured (a custom domain), a claim missing | checked with Stytch ([`Checked::Remotely`]): only Stytch can have signed it |
/// | a `kid` missing from a set fetched less than [`MIN_REFETCH_INTERVAL`](crate::MIN_REFETCH_INTERVAL) ago | checked with Stytch (the key may be newer than the set), at most [`UNKNOWN_KEY_CHECKS_PER_INTERVAL`](crate::UNKNOWN_KEY_CHECKS_PER_INTERVAL) per interval; if Stytch accepts, the set is fetched again at once |
/// | any other unknown `kid` | the set is fetched again (once for all callers); still missing: refused, [`JwtRejection::UnknownKey`] |
/// | bad signature under a published key, another project's `aud`, not RS256, not a JWT | refused without a request |
/// | the key set cannot be fetched and the last good one is too old | refused ([`JwtRejection::KeySetUnavailable`] or the fetch's error): fail closed |
///
/// **Where this differs from Stytch's SDKs.** Stytch's Node, Python and Go SDKs call
/// `sessions.authenticate` whenever the local check fails, for any reason. This client
/// refuses locally what only a forger produces (a bad signature under a known key, a foreign
/// `aud`, a non-RS256 or malformed token) and bounds the remote checks of unknown `kid`s, so
/// a flood of forged JWTs costs no Stytch requests (Stytch would refuse them all anyway).
/// The key set is kept for [`KEY_SET_LIFETIME`](crate::KEY_SET_LIFETIME) (Python and the
/// official Rust crate: 300 s; Node: up to 10 minutes) and served stale for a bounded time
/// when Stytch's JWKS endpoint fails (the SDKs fail at once).
///
/// A custom domain's `iss` is accepted locally once configured with
/// [`ClientBuilder::session_jwt_issuer`](crate::ClientBuilder::session_jwt_issuer); the base
/// URL (without its trailing slash) and `stytch.com/{project_id}` always are, as in Stytch's
/// SDKs.
///
/// Verified JWTs are kept in a bounded cache (see
/// [`ClientBuilder::verified_jwt_cache_capacity`](crate::ClientBuilder::verified_jwt_cache_capacity)),
/// so a JWT seen again is answered without the RSA work, while it would still pass.
///
/// ```no_run
/// # async fn check(client: stytch_totp::Client, jwt: String) -> Result<(), stytch_totp::Error> {
/// use std::time::Duration;
/// use stytch_totp::Checked;
/// let verified = client
///     .sessions()
///     .authenticate_jwt(jwt)
///     .max_token_age(Duration::from_secs(60))
///     .await?;
/// println!(
///     "user {} session {} until {}",
///     verified.user_id, verified.session.id, verified.session.expires_at
/// );
/// if let Checked::Remotely(fresh) = &verified.checked {
///     let _new_jwt = fresh.session_jwt.expose_secret(); // set it as the caller's new cookie
/// }
/// # Ok(()) }
/// ```
#[must_use = "a verification does nothing until awaited"]
#[derive(Debug)]
pub struct AuthenticateJwt<'c> {
    client: &'c Client,
    jwt: SecretString,
    max_token_age: Option<Duration>,
    leeway: Duration,
    timeout: Option<Duration>,
}

/// The claim holding the session.
pub const SESSION_CLAIM: &str = "https://stytch.com/session";

/// What the local check concluded.
enum Local {
    Valid(Arc<Verified>),
    /// Stytch may accept it: ask. `unknown_key` when the key was missing from the set.
    AskStytch {
        reason: &'static str,
        unknown_key: bool,
    },
}

impl<'c> AuthenticateJwt<'c> {
    pub(crate) fn new(client: &'c Client, jwt: SecretString) -> Self {
        Self {
            client,
            jwt,
            max_token_age: None,
            leeway: Duration::ZERO,
            timeout: None,
        }
    }

    /// Check JWTs issued longer ago than this with Stytch instead (a revoked session is then
    /// noticed within this time). Without it only `exp` (five minutes) limits a JWT's use.
    pub fn max_token_age(mut self, age: Duration) -> Self {
        self.max_token_age = Some(age);
        self
    }

    /// Clock tolerance for `exp` and `nbf` (default none, as Stytch's SDKs).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Verifies locally (from the cache of verified JWTs, or against the project's keys),
    /// falling back to Stytch as described on [`AuthenticateJwt`].
    pub async fn send(self) -> Result<VerifiedSession, Error> {
        let client = self.client;
        let jwts = client.session_jwts();
        let jwt = self.jwt.expose_secret();
        let now = unix_now();
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(i64::MAX);
        if let Some(cache) = &jwts.cache {
            if let Some(hit) = cache.get(jwt) {
                if hit.usable(now, leeway, self.max_token_age).is_ok()
                    && jwts.keys.still_published(&hit.kid)
                {
                    return Ok(session_of(&hit));
                }
                if now >= hit.exp.saturating_add(leeway) {
                    cache.remove(jwt);
                }
            }
        }
        let rules = Rules {
            project_id: client.project_id(),
            issuers: &jwts.issuers,
            now,
            leeway,
            max_token_age: self.max_token_age,
        };
        match verify_locally(client, &jwts.keys, jwt, &rules).await? {
            Local::Valid(verified) => {
                if let Some(cache) = &jwts.cache {
                    cache.insert(jwt, verified.clone());
                }
                Ok(session_of(&verified))
            }
            Local::AskStytch {
                reason,
                unknown_key,
            } => {
                tracing::debug!(reason, "checking the session JWT with Stytch");
                let mut request = client.sessions().authenticate().session_jwt(self.jwt);
                if let Some(timeout) = self.timeout {
                    request = request.timeout(timeout);
                }
                let response = request.send().await?;
                if unknown_key {
                    jwts.keys.key_was_published().await;
                }
                Ok(VerifiedSession {
                    user_id: response.session.user_id.clone(),
                    session: session_claim(&response)?,
                    custom_claims: response.session.custom_claims.clone().unwrap_or_default(),
                    checked: Checked::Remotely(Box::new(response)),
                })
            }
        }
    }
}
crate::call::call_builder!(AuthenticateJwt => VerifiedSession);

async fn verify_locally(
    client: &Client,
    keys: &KeySet,
    jwt: &str,
    rules: &Rules<'_>,
) -> Result<Local, Error> {
    let token = Token::parse(jwt).map_err(Error::InvalidSessionJwt)?;
    let key = match keys.key(client, &token.kid).await? {
        Lookup::Found(key) => key,
        Lookup::AskStytch => {
            return Ok(Local::AskStytch {
                reason: "it names a key newer than the cached key set",
                unknown_key: true,
            })
        }
    };
    let signed = token.verify(&key).map_err(Error::InvalidSessionJwt)?;
    match signed.check(rules, token.kid) {
        Verdict::Valid(verified) => Ok(Local::Valid(Arc::new(*verified))),
        Verdict::AskStytch(reason) => Ok(Local::AskStytch {
            reason,
            unknown_key: false,
        }),
        Verdict::Refuse(rejection) => Err(Error::InvalidSessionJwt(rejection)),
    }
}

fn session_of(verified: &Verified) -> VerifiedSession {
    VerifiedSession {
        user_id: verified.user_id.clone(),
        session: verified.session.clone(),
        custom_claims: verified.custom_claims.clone(),
        checked: Checked::Locally,
    }
}

/// The session as the JWT claim shapes it, from Stytch's answer to `sessions.authenticate`.
/// A claim always has its three times; an answer whose session lacks one is a decode error
/// (status and `request_id` kept), never a made-up time.
fn session_claim(response: &AuthenticateSessionResponse) -> Result<StytchSessionClaim, Error> {
    let session = &response.session;
    let time = |value: Option<Timestamp>, field: &str| {
        value.ok_or_else(|| Error::Decode {
            status: u16::try_from(response.status_code).unwrap_or(200),
            request_id: Some(response.request_id.clone()),
            reason: format!("its session has no `{field}`, which a verified session needs"),
            snippet: crate::redact::snippet(&serde_json::to_vec(session).unwrap_or_default()),
        })
    };
    Ok(StytchSessionClaim {
        id: session.session_id.clone(),
        started_at: time(session.started_at, "started_at")?,
        last_accessed_at: time(session.last_accessed_at, "last_accessed_at")?,
        expires_at: time(session.expires_at, "expires_at")?,
        attributes: session.attributes.clone(),
        authentication_factors: session.authentication_factors.clone(),
        roles: session.roles.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(session: serde_json::Value) -> AuthenticateSessionResponse {
        serde_json::from_value(serde_json::json!({
            "status_code": 200, "request_id": "request-id-test-7",
            "session_token": "token", "session_jwt": "jwt",
            "user": {"user_id": "user-test-1", "status": "active"},
            "session": session,
        }))
        .unwrap()
    }

    #[test]
    fn a_remote_session_without_a_time_is_a_decode_error_not_a_made_up_time() {
        let mut session = serde_json::json!({
            "session_id": "session-test-1", "user_id": "user-test-1", "roles": [],
            "authentication_factors": [], "started_at": "2026-03-02T16:45:12Z",
            "last_accessed_at": "2026-03-02T16:50:03Z", "expires_at": "2026-03-02T17:50:03Z",
        });
        let claim = session_claim(&answer(session.clone())).unwrap();
        assert_eq!(claim.expires_at.to_rfc3339(), "2026-03-02T17:50:03+00:00");
        assert_eq!(claim.started_at.timestamp(), 1_772_469_912);

        session.as_object_mut().unwrap().remove("expires_at");
        let error = session_claim(&answer(session)).unwrap_err();
        assert!(
            matches!(&error, Error::Decode { status: 200, request_id: Some(id), reason, .. }
                if id == "request-id-test-7" && reason.contains("`expires_at`")),
            "{error:?}"
        );
    }
}

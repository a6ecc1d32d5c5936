//! `client.sessions()`: authenticate, revoke, get, jwks, and local JWT verification.

use std::future::Future;
use std::time::Duration;

use serde_json::{Map, Value};
use stytch_totp_models::{
    endpoints, AuthenticateSessionRequest, AuthenticateSessionResponse, GetJwksResponse,
    GetSessionsResponse, RevokeSessionRequest, RevokeSessionResponse, SecretString,
    SessionDurationMinutes, UserIdentifier,
};

use crate::call::call_builder;
use crate::jwt::AuthenticateJwt;
use crate::{Client, Error};

/// The session endpoints. Get one with [`Client::sessions`].
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'c> {
    client: &'c Client,
}

impl<'c> Sessions<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Checks a session with Stytch, by its token or its JWT (set exactly one), and answers a
    /// fresh JWT. Retried on every transient failure: it spends nothing.
    pub fn authenticate(self) -> AuthenticateSession<'c> {
        AuthenticateSession {
            client: self.client,
            token: None,
            jwt: None,
            duration_minutes: None,
            custom_claims: Map::new(),
            timeout: None,
        }
    }

    /// Verifies a session JWT locally against the project's public keys (or from the cache of
    /// JWTs verified before), falling back to [`Sessions::authenticate`] for any JWT Stytch
    /// might accept that cannot be accepted here (past its `exp`, older than
    /// [`AuthenticateJwt::max_token_age`], an unconfigured `iss`, a key newer than the cached
    /// set). See [`AuthenticateJwt`] for the whole policy.
    pub fn authenticate_jwt(self, jwt: impl Into<SecretString>) -> AuthenticateJwt<'c> {
        AuthenticateJwt::new(self.client, jwt.into())
    }

    /// Revokes one session, named by its id, its token or its JWT: the target is one value,
    /// so asking for none or two cannot be written. A revoke that Stytch may have applied is
    /// not resent.
    ///
    /// ```no_run
    /// # async fn run(client: stytch_totp::Client, session_id: String) -> Result<(), stytch_totp::Error> {
    /// use stytch_totp::RevokeTarget;
    ///
    /// client.sessions().revoke(RevokeTarget::SessionId(session_id)).await?;
    /// # Ok(()) }
    /// ```
    pub fn revoke(self, target: RevokeTarget) -> RevokeSession<'c> {
        let mut request = RevokeSessionRequest::default();
        match target {
            RevokeTarget::SessionId(id) => request.session_id = Some(id),
            RevokeTarget::SessionToken(token) => request.session_token = Some(token),
            RevokeTarget::SessionJwt(jwt) => request.session_jwt = Some(jwt),
        }
        RevokeSession {
            client: self.client,
            request,
            timeout: None,
        }
    }

    /// Lists a user's active sessions (`user_id` or `external_id`). A read: always retried.
    pub fn get(self, user_id: impl Into<String>) -> GetSessions<'c> {
        GetSessions {
            client: self.client,
            user_id: user_id.into(),
            timeout: None,
        }
    }

    /// The project's public signing keys (JWK set), fetched without credentials. Most code
    /// wants [`Sessions::authenticate_jwt`], which fetches and caches them itself.
    pub fn jwks(self) -> GetJwks<'c> {
        GetJwks {
            client: self.client,
            timeout: None,
        }
    }
}

/// Exactly one of the given values must be set; names the fields otherwise.
fn exactly_one(field: &'static str, set: &[bool]) -> Result<(), Error> {
    match set.iter().filter(|s| **s).count() {
        1 => Ok(()),
        0 => Err(Error::InvalidRequest {
            field,
            reason: "is missing: set exactly one".into(),
        }),
        _ => Err(Error::InvalidRequest {
            field,
            reason: "was given more than once: set exactly one".into(),
        }),
    }
}

/// The [`SessionsAuthenticate`](crate::Operation::SessionsAuthenticate) request: await it, or call [`AuthenticateSession::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct AuthenticateSession<'c> {
    client: &'c Client,
    token: Option<SecretString>,
    jwt: Option<SecretString>,
    duration_minutes: Option<i64>,
    custom_claims: Map<String, Value>,
    timeout: Option<Duration>,
}

impl<'c> AuthenticateSession<'c> {
    /// Authenticate by the opaque session token.
    pub fn session_token(mut self, token: impl Into<SecretString>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Authenticate by the session JWT (one past its `exp` is refreshed if the session lives).
    pub fn session_jwt(mut self, jwt: impl Into<SecretString>) -> Self {
        self.jwt = Some(jwt.into());
        self
    }

    /// Extend the session to end this many minutes from now: 5 to 527040.
    pub fn session_duration_minutes(mut self, minutes: i64) -> Self {
        self.duration_minutes = Some(minutes);
        self
    }

    /// Add or update custom claims; a `null` value deletes a claim. At most 4 KB in all.
    pub fn session_custom_claims(mut self, claims: Map<String, Value>) -> Self {
        self.custom_claims = claims;
        self
    }

    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(
        self,
    ) -> impl Future<Output = Result<AuthenticateSessionResponse, Error>> + Send + 'c {
        let (client, timeout) = (self.client, self.timeout);
        client.send_json::<endpoints::SessionsAuthenticate>(self.request(), timeout)
    }

    fn request(self) -> Result<AuthenticateSessionRequest, Error> {
        exactly_one(
            "session_token/session_jwt",
            &[self.token.is_some(), self.jwt.is_some()],
        )?;
        Ok(AuthenticateSessionRequest {
            session_token: self.token,
            session_jwt: self.jwt,
            session_duration_minutes: self
                .duration_minutes
                .map(SessionDurationMinutes::new)
                .transpose()?,
            session_custom_claims: self.custom_claims,
        })
    }
}
call_builder!(AuthenticateSession => AuthenticateSessionResponse);

/// Which session [`Sessions::revoke`] ends.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RevokeTarget {
    /// The session with this id (`session-test-...`).
    SessionId(String),
    /// The session of this token.
    SessionToken(SecretString),
    /// The session of this JWT.
    SessionJwt(SecretString),
}

/// The [`SessionsRevoke`](crate::Operation::SessionsRevoke) request: await it, or call [`RevokeSession::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct RevokeSession<'c> {
    client: &'c Client,
    request: RevokeSessionRequest,
    timeout: Option<Duration>,
}

impl<'c> RevokeSession<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<RevokeSessionResponse, Error>> + Send + 'c {
        let checked = match self.request.session_id.as_deref() {
            Some("") => Err(Error::InvalidRequest {
                field: "session_id",
                reason: "is empty".into(),
            }),
            _ => Ok(()),
        };
        let body = checked.map(|()| self.request);
        self.client
            .send_json::<endpoints::SessionsRevoke>(body, self.timeout)
    }
}
call_builder!(RevokeSession => RevokeSessionResponse);

/// The [`SessionsGet`](crate::Operation::SessionsGet) request: await it, or call [`GetSessions::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct GetSessions<'c> {
    client: &'c Client,
    user_id: String,
    timeout: Option<Duration>,
}

impl<'c> GetSessions<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<GetSessionsResponse, Error>> + Send + 'c {
        let user_id = UserIdentifier::new(self.user_id)
            .map(|id| vec![id.as_str().to_owned()])
            .map_err(Error::from);
        self.client
            .send_empty::<endpoints::SessionsGet>(user_id, self.timeout)
    }
}
call_builder!(GetSessions => GetSessionsResponse);

/// The [`SessionsGetJwks`](crate::Operation::SessionsGetJwks) request: await it, or call [`GetJwks::send`].
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct GetJwks<'c> {
    client: &'c Client,
    timeout: Option<Duration>,
}

impl<'c> GetJwks<'c> {
    /// Sends (without credentials, as JWKS clients do).
    pub fn send(self) -> impl Future<Output = Result<GetJwksResponse, Error>> + Send + 'c {
        let project_id = vec![self.client.project_id().to_owned()];
        self.client
            .send_empty::<endpoints::SessionsGetJwks>(Ok(project_id), self.timeout)
    }
}
call_builder!(GetJwks => GetJwksResponse);

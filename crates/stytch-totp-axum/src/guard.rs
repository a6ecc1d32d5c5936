//! [`Guard`] (client and settings), its [`GuardLayer`] (prepares each request, writes the
//! session cookie on the way out) and the per-route [`PolicyLayer`].

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, Request, Response};
use stytch_totp::models::SecretString;
use stytch_totp::{Client, VerifiedSession};
use tower::{Layer, Service};

use crate::credential::{CookieSettings, Credential};
use crate::policy::Policy;
use crate::rejection::Redirects;

/// The guard's settings: the Stytch client that verifies sessions, the default [`Policy`],
/// the session cookie and the page redirects. Cheap to clone. Install it with
/// [`Guard::layer`] around the router; handlers then take [`StytchSession`](crate::StytchSession).
#[derive(Debug, Clone)]
pub struct Guard {
    inner: Arc<Settings>,
}

#[derive(Debug, Clone)]
struct Settings {
    client: Client,
    policy: Arc<Policy>,
    cookie: CookieSettings,
    redirects: Option<Redirects>,
    leeway: Duration,
}

impl Guard {
    /// A guard verifying sessions with `client`, requiring any valid session
    /// ([`Policy::signed_in`]) unless told otherwise, with the default [`CookieSettings`].
    pub fn new(client: Client) -> Self {
        Self {
            inner: Arc::new(Settings {
                client,
                policy: Arc::new(Policy::signed_in()),
                cookie: CookieSettings::default(),
                redirects: None,
                leeway: Duration::ZERO,
            }),
        }
    }

    /// The policy of every route that sets none with [`Policy::layer`].
    #[must_use]
    pub fn policy(mut self, policy: Policy) -> Self {
        Arc::make_mut(&mut self.inner).policy = Arc::new(policy);
        self
    }

    /// The session cookie's name and attributes.
    #[must_use]
    pub fn cookie(mut self, cookie: CookieSettings) -> Self {
        Arc::make_mut(&mut self.inner).cookie = cookie;
        self
    }

    /// Redirect refused page requests instead of answering JSON (see [`Redirects`]).
    #[must_use]
    pub fn redirects(mut self, redirects: Redirects) -> Self {
        Arc::make_mut(&mut self.inner).redirects = Some(redirects);
        self
    }

    /// Clock tolerance for the JWT's `exp` and `nbf` (default none, as Stytch's SDKs).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        Arc::make_mut(&mut self.inner).leeway = leeway;
        self
    }

    /// The layer to put around the router (outside every [`PolicyLayer`]).
    pub fn layer(&self) -> GuardLayer {
        GuardLayer {
            guard: self.clone(),
        }
    }

    /// The Stytch client.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// The session cookie settings.
    pub fn cookie_settings(&self) -> &CookieSettings {
        &self.inner.cookie
    }

    pub(crate) fn default_policy(&self) -> &Arc<Policy> {
        &self.inner.policy
    }

    pub(crate) fn redirect_targets(&self) -> Option<&Redirects> {
        self.inner.redirects.as_ref()
    }

    pub(crate) fn jwt_leeway(&self) -> Duration {
        self.inner.leeway
    }
}

/// What one request shares between the layer, the extractors and the handler: the session
/// once verified, and what to do with the cookie on the way out.
pub(crate) struct Exchange {
    pub(crate) guard: Guard,
    secure: bool,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    verified: Option<Verified>,
    cookie: CookieChange,
}

/// A session verified earlier in the same request.
#[derive(Clone)]
pub(crate) struct Verified {
    pub(crate) session: Arc<VerifiedSession>,
    pub(crate) credential: Credential,
    pub(crate) jwt: SecretString,
}

#[derive(Default)]
enum CookieChange {
    #[default]
    Keep,
    Set(SecretString, Option<SystemTime>),
    Remove,
}

impl Exchange {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn verified(&self) -> Option<Verified> {
        self.lock().verified.clone()
    }

    pub(crate) fn remember(&self, verified: Verified) {
        self.lock().verified = Some(verified);
    }

    pub(crate) fn set_cookie(&self, jwt: SecretString, expires_at: Option<SystemTime>) {
        self.lock().cookie = CookieChange::Set(jwt, expires_at);
    }

    pub(crate) fn remove_cookie(&self) {
        self.lock().cookie = CookieChange::Remove;
    }

    /// The `Set-Cookie` value the response needs, if any.
    fn cookie_header(&self) -> Option<HeaderValue> {
        let change = std::mem::take(&mut self.lock().cookie);
        let settings = self.guard.cookie_settings();
        match change {
            CookieChange::Keep => None,
            CookieChange::Set(jwt, expires_at) => Some(settings.set(&jwt, expires_at, self.secure)),
            CookieChange::Remove => Some(settings.remove(self.secure)),
        }
    }
}

/// The [`Guard`]'s tower layer: makes the guard available to extractors, and writes the
/// session cookie on every response whose request needs it, whatever the route and handler:
/// the fresh JWT when Stytch checked a cookie-borne session, the JWT a handler set with
/// [`SessionCookie`](crate::SessionCookie), a deletion when the session was signed out or
/// refused as ended or invalid.
#[derive(Debug, Clone)]
pub struct GuardLayer {
    guard: Guard,
}

impl<S> Layer<S> for GuardLayer {
    type Service = GuardService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GuardService {
            inner,
            guard: self.guard.clone(),
        }
    }
}

/// The service [`GuardLayer`] makes.
#[derive(Debug, Clone)]
pub struct GuardService<S> {
    inner: S,
    guard: Guard,
}

impl<S, B, R> Service<Request<B>> for GuardService<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<R>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let secure = self.guard.cookie_settings().secure_for(request.headers());
        let exchange = Arc::new(Exchange {
            guard: self.guard.clone(),
            secure,
            state: Mutex::default(),
        });
        request.extensions_mut().insert(Arc::clone(&exchange));
        let response = self.inner.call(request);
        Box::pin(async move {
            let mut response = response.await?;
            if let Some(cookie) = exchange.cookie_header() {
                response.headers_mut().append(SET_COOKIE, cookie);
            }
            Ok(response)
        })
    }
}

/// The policy of one route, read by its extractors.
#[derive(Clone)]
pub(crate) struct RoutePolicy(pub(crate) Arc<Policy>);

impl Policy {
    /// A layer giving the routes it wraps this policy instead of the [`Guard`]'s. Put it on a
    /// method router (`get(handler).layer(policy.layer())`) or a group of routes
    /// (`Router::route_layer`). Like the guard's policy, it is enforced by the
    /// [`StytchSession`](crate::StytchSession) extractor the handler takes: a handler that
    /// takes none is not guarded.
    pub fn layer(self) -> PolicyLayer {
        PolicyLayer {
            policy: Arc::new(self),
        }
    }
}

/// Sets a route's [`Policy`]; see [`Policy::layer`].
#[derive(Debug, Clone)]
pub struct PolicyLayer {
    policy: Arc<Policy>,
}

impl<S> Layer<S> for PolicyLayer {
    type Service = PolicyService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        PolicyService {
            inner,
            policy: Arc::clone(&self.policy),
        }
    }
}

/// The service [`PolicyLayer`] makes.
#[derive(Debug, Clone)]
pub struct PolicyService<S> {
    inner: S,
    policy: Arc<Policy>,
}

impl<S, B> Service<Request<B>> for PolicyService<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        request
            .extensions_mut()
            .insert(RoutePolicy(Arc::clone(&self.policy)));
        self.inner.call(request)
    }
}

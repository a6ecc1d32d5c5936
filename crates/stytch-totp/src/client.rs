//! [`Client`]: shared settings and connection pool, and the one path every call takes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use reqwest::Request;
use reqwest_middleware::ClientWithMiddleware;
use serde::de::DeserializeOwned;
use stytch_totp_models::{Endpoint, HttpMethod};
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::{ClientBuilder, Settings};
use crate::decode::decode;
use crate::identifiers::Identifiers;
use crate::jwt::SessionJwts;
use crate::middleware::retry::RetryMiddleware;
use crate::middleware::tracing::operation_span;
use crate::middleware::{BufferedBody, CallContext};
use crate::{Error, Operation, Passwords, RetryPolicy, Sessions, Totps, Users};

/// A Stytch TOTP API client. Cheap to clone (one `Arc`); clones share the connection pool.
/// `Send + Sync`: build one at start-up and share it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    http: ClientWithMiddleware,
    jwts: SessionJwts,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.inner.settings;
        f.debug_struct("Client")
            .field("project_id", &s.project_id)
            .field("secret", &s.secret)
            .field("base_url", &s.base_url.as_str())
            .field("attempt_timeout", &s.attempt_timeout)
            .field("call_timeout", &s.call_timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client from `STYTCH_PROJECT_ID`, `STYTCH_SECRET` and optional `STYTCH_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::default().from_env().build()
    }

    pub(crate) fn from_parts(
        settings: Settings,
        http: reqwest::Client,
        retry: RetryPolicy,
        users: Vec<Arc<dyn reqwest_middleware::Middleware>>,
        jwts: SessionJwts,
    ) -> Self {
        // The call's span is entered and its outcome recorded here, in `execute`; the
        // request-id and body-limit layers run inside the retry layer (see `crate::middleware`).
        let stack = reqwest_middleware::ClientBuilder::new(http);
        let http = users
            .into_iter()
            .fold(stack, |stack, middleware| stack.with_arc(middleware))
            .with(RetryMiddleware::with_response_layers(
                retry,
                settings.max_response_bytes,
            ))
            .build();
        Self {
            inner: Arc::new(Inner {
                settings,
                http,
                jwts,
            }),
        }
    }

    /// The TOTP endpoints.
    pub fn totps(&self) -> Totps<'_> {
        Totps::new(self)
    }

    /// The password endpoints: the first factor whose session a TOTP code steps up.
    pub fn passwords(&self) -> Passwords<'_> {
        Passwords::new(self)
    }

    /// The user endpoints.
    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    /// The session endpoints, and local verification of session JWTs.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions::new(self)
    }

    /// The project's signing keys and verified session JWTs, shared by every clone.
    pub(crate) fn session_jwts(&self) -> &SessionJwts {
        &self.inner.jwts
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &url::Url {
        &self.inner.settings.base_url
    }

    /// The project id.
    pub fn project_id(&self) -> &str {
        &self.inner.settings.project_id
    }

    /// Encodes `body` now and returns the call: nothing is sent until it is awaited, and an
    /// invalid or unencodable body is reported then. The builder and typed request are gone
    /// before the first `.await`, which keeps the future (boxed by `IntoFuture`) small.
    pub(crate) fn send_json<E: Endpoint>(
        &self,
        body: Result<E::Request, Error>,
        timeout: Option<Duration>,
    ) -> impl Future<Output = Result<E::Response, Error>> + Send + '_ {
        let bytes = body.and_then(|body| {
            serde_json::to_vec(&body)
                .map_err(|e| Error::Other(format!("could not encode the request: {e}")))
        });
        async move {
            self.execute(E::OPERATION, Vec::new(), Some(bytes?), timeout)
                .await
        }
    }

    /// A request without a body. `args` are the values of the operation's path parameters,
    /// then of its query parameters, in the operation table's order (or the error that
    /// invalidated one of them, reported when awaited).
    pub(crate) async fn send_empty<E: Endpoint>(
        &self,
        args: Result<Vec<String>, Error>,
        timeout: Option<Duration>,
    ) -> Result<E::Response, Error> {
        self.execute(E::OPERATION, args?, None, timeout).await
    }

    /// The one path every call takes. The request is assembled from parts prepared when the
    /// client was built (URL prefix, headers), so a call costs little more than bare reqwest.
    async fn execute<T: DeserializeOwned>(
        &self,
        operation: Operation,
        args: Vec<String>,
        body: Option<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<T, Error> {
        let settings = &self.inner.settings;
        let url = operation_url(&settings.urls[operation.index()], operation, args)?;
        let span = operation_span(operation, &url);
        let call_timeout = timeout.unwrap_or(settings.call_timeout);

        let mut request = Request::new(http_method(operation.method()), url);
        match body {
            Some(body) => {
                *request.headers_mut() = settings.json_headers.clone();
                *request.body_mut() = Some(body.into());
            }
            None if operation.sends_credentials() => {
                *request.headers_mut() = settings.headers.clone()
            }
            None => *request.headers_mut() = settings.public_headers.clone(),
        }
        // Time limits travel with the call: the retry layer bounds each attempt (body
        // included) and starts no retry past the call's deadline, so one timer per attempt
        // is all a call costs.
        let mut extensions = Extensions::new();
        extensions.insert(CallContext {
            operation,
            span: span.clone(),
            started: Instant::now(),
            call_timeout,
            attempt_timeout: settings.attempt_timeout,
        });
        let exchange = async {
            let mut response = self
                .inner
                .http
                .execute_with_extensions(request, &mut extensions)
                .await
                .map_err(|e| from_middleware(e, call_timeout))?;
            let status = response.status();
            tracing::Span::current().record("http.response.status_code", status.as_u16());
            if let Some(ids) = response.extensions_mut().remove::<Identifiers>() {
                if let Some(request_id) = ids.request_id {
                    tracing::Span::current().record("stytch.request_id", request_id);
                }
            }
            let body = match response.extensions_mut().remove::<BufferedBody>() {
                Some(BufferedBody(body)) => body,
                None => response
                    .bytes()
                    .await
                    .map_err(|e| Error::from_reqwest(e, call_timeout))?,
            };
            decode::<T>(status, &body)
        };
        let result = exchange.instrument(span.clone()).await;
        // The outcome is recorded here, once: the layers below log what they saw of each
        // attempt, and only a failure none of them could see gets its WARN line here.
        if let Err(error) = &result {
            span.record("error.type", error.kind());
            span.record("otel.status_code", "ERROR");
            if !logged_below(error) {
                span.in_scope(|| {
                    tracing::warn!(
                        operation = operation.span_name(),
                        status = error.status(),
                        request_id = error.request_id(),
                        error_type = error.kind(),
                        error = %error,
                        "stytch call failed"
                    )
                });
            }
        }
        result
    }
}

/// Whether a layer below already logged this failure at WARN: error responses and failures
/// without a response (the request-id layer), timeouts (the retry layer). An answer that
/// arrived fine but did not decode is only seen here.
fn logged_below(error: &Error) -> bool {
    match error {
        Error::Decode { status, .. } => !(200..300).contains(status),
        Error::Other(_) => false,
        _ => true,
    }
}

/// `prefix` (the operation's URL up to its first parameter) with the rest of the path
/// template filled from `args`, then the query parameters.
fn operation_url(
    prefix: &url::Url,
    operation: Operation,
    args: Vec<String>,
) -> Result<url::Url, Error> {
    let mut url = prefix.clone();
    let mut args = args.into_iter();
    let mut next = |name: &str| {
        args.next()
            .ok_or_else(|| Error::Other(format!("{}: no value for `{name}`", operation.name())))
    };
    let rest = operation
        .path()
        .split('/')
        .skip(1)
        .skip_while(|segment| !segment.starts_with('{'));
    if let Ok(mut segments) = url.path_segments_mut() {
        for segment in rest {
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => segments.push(&next(name)?),
                None => segments.push(segment),
            };
        }
    }
    for name in operation.query_params() {
        let value = next(name)?;
        url.query_pairs_mut().append_pair(name, &value);
    }
    Ok(url)
}

fn http_method(method: HttpMethod) -> reqwest::Method {
    match method {
        HttpMethod::Get => reqwest::Method::GET,
        HttpMethod::Post => reqwest::Method::POST,
        HttpMethod::Delete => reqwest::Method::DELETE,
    }
}

fn from_middleware(error: reqwest_middleware::Error, timeout: Duration) -> Error {
    match error {
        reqwest_middleware::Error::Reqwest(e) => Error::from_reqwest(e, timeout),
        reqwest_middleware::Error::Middleware(e) => match e.downcast::<Error>() {
            Ok(ours) => ours,
            Err(other) => Error::Other(other.to_string()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Client>();
    }
}

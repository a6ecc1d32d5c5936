//! [`Client`]: shared settings and connection pool, and the one path every call takes.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::Extensions;
use reqwest::{Request, StatusCode};
use reqwest_middleware::ClientWithMiddleware;
use serde::de::DeserializeOwned;
use stytch_totp_models::{Endpoint, ErrorResponse, ErrorType, HttpMethod, OAuthErrorResponse};
use tokio::time::Instant;
use tracing::Instrument;

use crate::config::{ClientBuilder, Settings};
use crate::jwks::JwksCache;
use crate::middleware::body_limit::BodyLimitMiddleware;
use crate::middleware::request_id::{identifiers, RequestIdMiddleware};
use crate::middleware::retry::RetryMiddleware;
use crate::middleware::tracing::{operation_span, TracingMiddleware};
use crate::middleware::{BufferedBody, CallContext};
use crate::{redact, Error, Operation, RetryPolicy, Sessions, Totps, Users};

/// A Stytch TOTP API client. Cheap to clone (one `Arc`); clones share the connection pool.
/// `Send + Sync`: build one at start-up and share it.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    http: ClientWithMiddleware,
    jwks: JwksCache,
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
    ) -> Self {
        let http = reqwest_middleware::ClientBuilder::new(http)
            .with(TracingMiddleware)
            .with(RetryMiddleware::new(retry))
            .with(RequestIdMiddleware)
            .with(BodyLimitMiddleware::new(settings.max_response_bytes))
            .build();
        Self {
            inner: Arc::new(Inner {
                settings,
                http,
                jwks: JwksCache::default(),
            }),
        }
    }

    /// The TOTP endpoints.
    pub fn totps(&self) -> Totps<'_> {
        Totps::new(self)
    }

    /// The user endpoints.
    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    /// The session endpoints, and local verification of session JWTs.
    pub fn sessions(&self) -> Sessions<'_> {
        Sessions::new(self)
    }

    /// The project's signing keys, cached for every clone of this client.
    pub(crate) fn jwks(&self) -> &JwksCache {
        &self.inner.jwks
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
        if let Err(error) = &result {
            span.record("error.type", error.kind());
            span.record("otel.status_code", "ERROR");
            span.in_scope(|| tracing::warn!(operation = operation.span_name(), error = %error, "stytch call failed"));
        }
        result
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

/// Decodes a raw Stytch HTTP response exactly as the client does: the response type on 2xx,
/// otherwise [`Error::Api`] (Stytch or OAuth-style error bodies) or [`Error::Decode`] with the
/// status, any `request_id` found and a redacted snippet. Never panics, whatever the bytes.
/// Useful with your own HTTP stack, and the target of the fuzzers.
///
/// ```
/// use stytch_totp::{decode_response, models::DeleteUserResponse, Error};
/// let ok: DeleteUserResponse =
///     decode_response(200, br#"{"status_code":200,"request_id":"r-1","user_id":"user-test-1"}"#)?;
/// assert_eq!(ok.user_id, "user-test-1");
/// let err = decode_response::<DeleteUserResponse>(502, b"<html>Bad Gateway</html>").unwrap_err();
/// assert_eq!(err.status(), Some(502));
/// # Ok::<(), Error>(())
/// ```
pub fn decode_response<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    match StatusCode::from_u16(status) {
        Ok(status) => decode(status, body),
        Err(_) => Err(Error::Decode {
            status,
            request_id: identifiers(body, false).request_id,
            reason: "invalid HTTP status".into(),
            snippet: redact::snippet(body),
        }),
    }
}

/// Turns a status and body into the response type or the matching error.
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, Error> {
    let decode_error = |reason: String| Error::Decode {
        status: status.as_u16(),
        request_id: identifiers(body, false).request_id,
        reason,
        snippet: redact::snippet(body),
    };
    if body.is_empty() {
        return Err(decode_error("empty body".into()));
    }
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|e| decode_error(describe(&e)));
    }
    if let Ok(error) = serde_json::from_slice::<ErrorResponse>(body) {
        return Err(Error::Api {
            status: status.as_u16(),
            request_id: error.request_id,
            error_type: error.error_type,
            error_message: error.error_message,
            error_url: error.error_url,
        });
    }
    match serde_json::from_slice::<OAuthErrorResponse>(body) {
        Ok(error) => Err(Error::Api {
            status: status.as_u16(),
            request_id: error.request_id.unwrap_or_default(),
            error_type: ErrorType::from(error.error.as_str()),
            error_message: error.error_description.unwrap_or_default(),
            error_url: error.error_uri.unwrap_or_default(),
        }),
        Err(e) => Err(decode_error(format!(
            "not a Stytch error body: {}",
            describe(&e)
        ))),
    }
}

/// A serde error without any value it quotes (a value could be a secret).
fn describe(error: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match error.classify() {
        Category::Eof => "truncated JSON".to_owned(),
        Category::Syntax => "malformed JSON".to_owned(),
        Category::Io => "unreadable body".to_owned(),
        Category::Data => {
            let message = error.to_string();
            let message = message.split(" at line ").next().unwrap_or_default();
            strip_quoted(message)
        }
    };
    format!("{what} at line {} column {}", error.line(), error.column())
}

/// Replaces every `"..."` in a serde message with `"…"`; keeps `` `field` `` names.
fn strip_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut inside = false;
    for c in message.chars() {
        match (c, inside) {
            ('"', false) => {
                inside = true;
                out.push_str("\"…");
            }
            ('"', true) => {
                inside = false;
                out.push('"');
            }
            (_, true) => {}
            (c, false) => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stytch_totp_models::CreateTotpResponse;

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        assert_traits::<Client>();
    }

    #[test]
    fn decode_errors_keep_status_and_never_quote_values() {
        let body = br#"{"request_id":"request-id-test-1","status_code":200,"secret":42,"recovery_codes":"abcd-efgh-ijkl"}"#;
        let err = decode::<CreateTotpResponse>(StatusCode::OK, body).unwrap_err();
        let text = err.to_string();
        assert_eq!(err.status(), Some(200));
        assert_eq!(err.request_id(), Some("request-id-test-1"));
        assert!(!text.contains("abcd-efgh-ijkl"), "{text}");

        let err =
            decode::<CreateTotpResponse>(StatusCode::BAD_GATEWAY, b"<html>Bad gateway</html>")
                .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Decode {
                    status: 502,
                    request_id: None,
                    ..
                }
            ),
            "{err:?}"
        );
        let err = decode::<CreateTotpResponse>(StatusCode::OK, b"").unwrap_err();
        assert!(err.to_string().contains("empty body"), "{err}");
        let err =
            decode::<CreateTotpResponse>(StatusCode::OK, br#"{"request_id":"r-9","totp_id":"#)
                .unwrap_err();
        assert!(err.to_string().contains("truncated JSON"), "{err}");
        assert_eq!(
            err.request_id(),
            Some("r-9"),
            "a request id read before the body breaks off is kept"
        );
    }

    #[test]
    fn oauth_style_errors_become_api_errors() {
        let body = br#"{"status_code":401,"request_id":"r-1","error":"invalid_client","error_description":"nope"}"#;
        let err = decode::<CreateTotpResponse>(StatusCode::UNAUTHORIZED, body).unwrap_err();
        assert_eq!(
            err.error_type(),
            Some(&ErrorType::Other("invalid_client".into()))
        );
        assert_eq!(err.request_id(), Some("r-1"));
    }
}

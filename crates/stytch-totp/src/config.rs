//! Building a [`Client`]: credentials, base URL, timeouts, retries, size limit.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use stytch_totp_models::SecretString;
use url::Url;

use crate::client::Client;
use crate::{Error, Operation, RetryPolicy};

/// Stytch's test environment, used for `project-test-*` ids.
pub const TEST_BASE_URL: &str = "https://test.stytch.com/";
/// Stytch's live environment, used for `project-live-*` ids.
pub const LIVE_BASE_URL: &str = "https://api.stytch.com/";

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default limit for one attempt (Stytch's own server-side limit is 30 s).
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default limit for a whole call, retries and waits included.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Default cap on a response body. Stytch's TOTP and user responses are a few KiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Settings shared by every call of a client.
#[derive(Clone)]
pub(crate) struct Settings {
    pub project_id: String,
    pub secret: SecretString,
    pub base_url: Url,
    pub attempt_timeout: Duration,
    pub call_timeout: Duration,
    pub max_response_bytes: usize,
    /// `Authorization` (marked sensitive), `Accept` and `User-Agent`, built once: every request
    /// starts from a clone instead of re-encoding the credentials.
    pub headers: HeaderMap,
    /// [`Self::headers`] plus `Content-Type: application/json`, for requests with a body.
    pub json_headers: HeaderMap,
    /// `Accept` and `User-Agent` only, for the calls that send no credentials (JWKS).
    pub public_headers: HeaderMap,
    /// Each operation's URL below `base_url` up to its first path parameter, indexed by
    /// [`Operation::index`]; a call appends its parameters to a clone.
    pub urls: [Url; Operation::COUNT],
}

impl Settings {
    /// The headers every request carries. The secret is base64-encoded once here; the header
    /// value is marked sensitive so HTTP/2 HPACK and `Debug` never show it.
    fn request_headers(
        project_id: &str,
        secret: &SecretString,
        user_agent: &str,
    ) -> Result<HeaderMap, Error> {
        use base64::Engine as _;
        let credentials = format!("{project_id}:{}", secret.expose_secret());
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials.as_bytes());
        let mut authorization =
            HeaderValue::try_from(format!("Basic {encoded}")).map_err(|_| {
                Error::Config("the project id or secret is not valid in a header".into())
            })?;
        authorization.set_sensitive(true);
        let user_agent = HeaderValue::try_from(user_agent).map_err(|_| {
            Error::Config("the user agent suffix is not a valid header value".into())
        })?;
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(AUTHORIZATION, authorization);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(USER_AGENT, user_agent);
        Ok(headers)
    }

    /// Joins every operation's literal path prefix below `base_url`.
    fn operation_urls(base_url: &Url) -> Result<[Url; Operation::COUNT], Error> {
        let mut urls = Vec::with_capacity(Operation::COUNT);
        for operation in Operation::ALL {
            let mut url = base_url.clone();
            url.path_segments_mut()
                .map_err(|()| Error::Config("the base URL cannot have a path".into()))?
                .pop_if_empty()
                .extend(literal_prefix(operation));
            urls.push(url);
        }
        urls.try_into()
            .map_err(|_| Error::Other("one URL per operation".into()))
    }
}

/// The segments of `operation`'s path before its first parameter.
pub(crate) fn literal_prefix(operation: Operation) -> impl Iterator<Item = &'static str> {
    operation
        .path()
        .split('/')
        .skip(1)
        .take_while(|segment| !segment.starts_with('{'))
}

/// Builds a [`Client`]. Start with [`Client::builder`].
///
/// ```
/// use std::time::Duration;
/// let client = stytch_totp::Client::builder()
///     .project_id("project-test-00000000-0000-0000-0000-000000000000")
///     .secret("secret-test-xxxxxxxx")
///     .call_timeout(Duration::from_secs(10))
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://test.stytch.com/");
/// # Ok::<(), stytch_totp::Error>(())
/// ```
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    project_id: Option<String>,
    secret: Option<SecretString>,
    base_url: Option<String>,
    connect_timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    call_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<usize>,
    user_agent_suffix: Option<String>,
    http: Option<reqwest::Client>,
    extra_roots_pem: Vec<Vec<u8>>,
    middleware: Vec<Arc<dyn reqwest_middleware::Middleware>>,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("project_id", &self.project_id)
            .field("secret", &self.secret)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The Stytch project id (`project-test-...` or `project-live-...`).
    pub fn project_id(mut self, project_id: impl Into<String>) -> Self {
        self.project_id = Some(project_id.into());
        self
    }

    /// The project secret. Kept in a [`SecretString`]: never printed.
    pub fn secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// An explicit base URL (custom domain, the emulator). It wins over the one implied by the
    /// project id. Plain `http://` is accepted only for loopback hosts.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = Some(base_url.into());
        self
    }

    /// Time allowed to establish a connection (default 5 s). Ignored with [`Self::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Time allowed for one attempt, response body included (default 30 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// Time allowed for a whole call, retries included (default 60 s). A single call can
    /// override it with its own `.timeout(...)`.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Adds your own [`reqwest_middleware::Middleware`] to every call: a metric, a header, a
    /// circuit breaker. Yours run in the order added, once per call (not per attempt), inside
    /// the call's `tracing` span and outside the retry layer, so they see each call's final
    /// outcome after retries. The stack, outermost first: tracing, yours, retry (with the
    /// time limits), request id, body limit.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU64, Ordering};
    /// use std::sync::Arc;
    ///
    /// struct CountCalls(Arc<AtomicU64>);
    ///
    /// #[async_trait::async_trait]
    /// impl reqwest_middleware::Middleware for CountCalls {
    ///     async fn handle(
    ///         &self,
    ///         req: reqwest::Request,
    ///         ext: &mut http::Extensions,
    ///         next: reqwest_middleware::Next<'_>,
    ///     ) -> reqwest_middleware::Result<reqwest::Response> {
    ///         self.0.fetch_add(1, Ordering::Relaxed);
    ///         next.run(req, ext).await
    ///     }
    /// }
    ///
    /// let calls = Arc::new(AtomicU64::new(0));
    /// let client = stytch_totp::Client::builder()
    ///     .project_id("project-test-00000000-0000-0000-0000-000000000000")
    ///     .secret("secret-test-xxxxxxxx")
    ///     .middleware(CountCalls(calls.clone()))
    ///     .build()?;
    /// # drop(client);
    /// # Ok::<(), stytch_totp::Error>(())
    /// ```
    pub fn middleware(mut self, middleware: impl reqwest_middleware::Middleware) -> Self {
        self.middleware.push(Arc::new(middleware));
        self
    }

    /// The retry policy (default: [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Largest response body read, in bytes (default 1 MiB); larger ones fail with
    /// [`Error::ResponseTooLarge`] instead of being buffered.
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Appended to the `User-Agent` (`stytch-totp-rust/VERSION SUFFIX`), e.g. your service name.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Also trust the CA certificate(s) in `pem` (PEM text, one or more `CERTIFICATE`
    /// blocks), besides the platform's trust store: for a private CA in front of Stytch, or
    /// the emulator over HTTPS (its `ca_cert_pem()`). [`Self::build`] fails with
    /// [`Error::Config`] if the text holds no usable certificate.
    ///
    /// ```
    /// let err = stytch_totp::Client::builder()
    ///     .project_id("project-test-00000000-0000-0000-0000-000000000000")
    ///     .secret("secret-test-xxxxxxxx")
    ///     .add_root_certificate_pem("not a certificate")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, stytch_totp::Error::Config(_)));
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.extra_roots_pem.push(pem.as_ref().to_vec());
        self
    }

    /// Use this `reqwest::Client` (and its connection pool, proxies, TLS settings) underneath.
    /// It is used as it is: [`Self::connect_timeout`] and [`Self::add_root_certificate_pem`]
    /// do not apply to it. With the default `rustls-ring` feature and no TLS feature of your
    /// own on reqwest, building it needs a rustls provider installed first:
    /// `rustls::crypto::ring::default_provider().install_default()`.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Reads `STYTCH_PROJECT_ID`, `STYTCH_SECRET` and, if set, `STYTCH_BASE_URL` into this
    /// builder; values set explicitly before or after still apply.
    pub fn from_env(mut self) -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        if self.project_id.is_none() {
            self.project_id = var("STYTCH_PROJECT_ID");
        }
        if self.secret.is_none() {
            self.secret = var("STYTCH_SECRET").map(SecretString::from);
        }
        if self.base_url.is_none() {
            self.base_url = var("STYTCH_BASE_URL");
        }
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let project_id = self
            .project_id
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "no project id: call .project_id(...) or set STYTCH_PROJECT_ID".into(),
                )
            })?;
        let secret = self.secret.filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::Config("no project secret: call .secret(...) or set STYTCH_SECRET".into())
        })?;
        let base_url = resolve_base_url(&project_id, self.base_url.as_deref())?;
        let user_agent = match self.user_agent_suffix {
            Some(suffix) => format!("{}/{} {suffix}", USER_AGENT_NAME, env!("CARGO_PKG_VERSION")),
            None => format!("{}/{}", USER_AGENT_NAME, env!("CARGO_PKG_VERSION")),
        };
        if base_url.scheme() == "https" && !crate::tls::ENABLED {
            return Err(Error::Config(
                "https:// needs a TLS feature of stytch-totp (rustls-ring, the default, \
                 rustls-aws-lc-rs or native-tls)"
                    .into(),
            ));
        }
        let http = match self.http {
            Some(_) if !self.extra_roots_pem.is_empty() => {
                return Err(Error::Config(
                    "add_root_certificate_pem does not apply to a client given with \
                     http_client(..): add the certificate to that reqwest client"
                        .into(),
                ))
            }
            Some(http) => http,
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT));
                crate::tls::configure(builder, &self.extra_roots_pem)?
                    .build()
                    .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))?
            }
        };
        let headers = Settings::request_headers(&project_id, &secret, &user_agent)?;
        let mut json_headers = headers.clone();
        json_headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let mut public_headers = headers.clone();
        public_headers.remove(AUTHORIZATION);
        let urls = Settings::operation_urls(&base_url)?;
        let settings = Settings {
            project_id,
            secret,
            base_url,
            attempt_timeout: self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
            call_timeout: self.call_timeout.unwrap_or(DEFAULT_CALL_TIMEOUT),
            max_response_bytes: self
                .max_response_bytes
                .unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            headers,
            json_headers,
            public_headers,
            urls,
        };
        Ok(Client::from_parts(
            settings,
            http,
            self.retry.unwrap_or_default(),
            self.middleware,
        ))
    }
}

const USER_AGENT_NAME: &str = "stytch-totp-rust";

/// The explicit URL if given (it must be HTTPS unless loopback), otherwise the environment
/// implied by the project id. Always ends in `/` so API paths join below it.
pub(crate) fn resolve_base_url(project_id: &str, explicit: Option<&str>) -> Result<Url, Error> {
    let raw = match explicit {
        Some(url) => url.to_owned(),
        None if project_id.starts_with("project-test-") => TEST_BASE_URL.to_owned(),
        None if project_id.starts_with("project-live-") => LIVE_BASE_URL.to_owned(),
        None => {
            return Err(Error::Config(format!(
                "cannot tell the environment from project id {project_id:?} (expected \
                 project-test-... or project-live-...): set a base URL with .base_url(...) or \
                 STYTCH_BASE_URL"
            )))
        }
    };
    let mut url = Url::parse(&raw)
        .map_err(|e| Error::Config(format!("base URL {raw:?} is not a valid URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Config(
            "the base URL must not carry credentials: use .secret(...)".into(),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(Error::Config(format!(
                "refusing plain http:// to {}: credentials would travel unencrypted; use \
                 https:// (http:// is allowed only for loopback hosts such as the emulator)",
                url.host_str().unwrap_or("?")
            )))
        }
        other => {
            return Err(Error::Config(format!(
                "unsupported base URL scheme {other:?}"
            )))
        }
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_follows_the_project_id_unless_explicit() {
        let url = |p, e| resolve_base_url(p, e).map(|u| u.to_string());
        assert_eq!(url("project-test-1", None).unwrap(), TEST_BASE_URL);
        assert_eq!(url("project-live-1", None).unwrap(), LIVE_BASE_URL);
        assert_eq!(
            url("project-live-1", Some("https://auth.example.com/stytch")).unwrap(),
            "https://auth.example.com/stytch/"
        );
        assert_eq!(
            url("p", Some("http://127.0.0.1:8080")).unwrap(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(url("p", Some("http://[::1]:80")).unwrap(), "http://[::1]/");
        assert!(url("p", Some("http://localhost:9")).is_ok());
        assert!(url("weird-id", None)
            .unwrap_err()
            .to_string()
            .contains("STYTCH_BASE_URL"));
    }

    #[test]
    fn plain_http_to_a_remote_host_and_userinfo_are_refused() {
        let err = resolve_base_url("project-test-1", Some("http://api.example.com")).unwrap_err();
        assert!(err.to_string().contains("refusing plain http://"), "{err}");
        assert!(resolve_base_url("p", Some("http://10.0.0.1")).is_err());
        assert!(resolve_base_url("p", Some("https://u:p@example.com")).is_err());
        assert!(resolve_base_url("p", Some("ftp://example.com")).is_err());
        assert!(resolve_base_url("p", Some("not a url")).is_err());
    }

    #[test]
    fn missing_credentials_say_what_to_set() {
        let err = ClientBuilder::default().secret("s").build().unwrap_err();
        assert!(err.to_string().contains("STYTCH_PROJECT_ID"), "{err}");
        let err = ClientBuilder::default()
            .project_id("project-test-1")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("STYTCH_SECRET"), "{err}");
    }
}

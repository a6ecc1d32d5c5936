//! [`Rejection`]: why a request was refused, as an API answer (JSON with a stable `error`,
//! `WWW-Authenticate` on 401) or, for pages, a redirect. Never carries the JWT.

use axum::http::header::{ACCEPT, LOCATION, RETRY_AFTER, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use stytch_totp::models::ErrorType;

use crate::policy::PolicyRefusal;

/// Where page requests (those whose `Accept` names `text/html`) are sent instead of getting a
/// JSON refusal: the sign-in page, and the page asking for a factor again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirects {
    sign_in: String,
    step_up: String,
}

impl Redirects {
    /// Refused pages go to `sign_in`, for a missing or stale factor too.
    pub fn to(sign_in: impl Into<String>) -> Self {
        let sign_in = sign_in.into();
        Self {
            step_up: sign_in.clone(),
            sign_in,
        }
    }

    /// Pages refused for a missing or stale factor go to `step_up` instead.
    #[must_use]
    pub fn step_up(mut self, step_up: impl Into<String>) -> Self {
        self.step_up = step_up.into();
        self
    }
}

/// A refused request. As a response: a redirect for pages when [`Redirects`] are set, else a
/// JSON body `{"error", "message", "request_id"?, "missing_factors"?, "step_up_within_seconds"?}`.
///
/// | cause | status | `error` |
/// |---|---|---|
/// | no session JWT (Bearer or cookie) | 401 | `not_signed_in` |
/// | a JWT that does not verify (forged, another project, garbage) | 401 | `invalid_session` |
/// | a session Stytch no longer knows (revoked, expired) | 401 | `session_ended` |
/// | the session lacks a required factor | 403 | `factors_required`, with `missing_factors` |
/// | the required factor is not recent enough | 403 | `step_up_required`, with `step_up_within_seconds` |
/// | Stytch had to be asked and did not answer (5xx, 429, network) | 503 | `stytch_unavailable` |
/// | Stytch refused the project's credentials, bad answer, no [`GuardLayer`](crate::GuardLayer) | 500 | `session_check_failed` |
///
/// 401 answers carry `WWW-Authenticate: Bearer realm="..."` (with `error="invalid_token"`
/// when a JWT was sent); 503 answers `Retry-After: 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    status: StatusCode,
    // Boxed: a handler's `Result<_, Rejection>` stays small.
    body: Box<Body>,
    location: Option<String>,
    realm: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Body {
    error: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    missing_factors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    step_up_within_seconds: Option<u64>,
}

impl Rejection {
    fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(Body {
                error,
                message: message.into(),
                request_id: None,
                missing_factors: Vec::new(),
                step_up_within_seconds: None,
            }),
            location: None,
            realm: "stytch",
        }
    }

    pub(crate) fn not_signed_in() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "Sign in first: send the session JWT as a Bearer token or the session cookie.",
        )
    }

    pub(crate) fn guard_missing() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "session_check_failed",
            "The session could not be checked.",
        )
    }

    /// A verified session refused by the policy.
    pub(crate) fn policy(refusal: &PolicyRefusal) -> Self {
        match refusal {
            PolicyRefusal::FactorsMissing(missing) => {
                let mut r = Self::new(
                    StatusCode::FORBIDDEN,
                    "factors_required",
                    format!(
                        "This needs a session also signed in with: {}.",
                        missing.join(", ")
                    ),
                );
                r.body.missing_factors.clone_from(missing);
                r
            }
            PolicyRefusal::StepUpRequired { factor, within } => {
                let mut r = Self::new(
                    StatusCode::FORBIDDEN,
                    "step_up_required",
                    format!(
                        "This needs the {factor} factor entered again (within the last {} s).",
                        within.as_secs()
                    ),
                );
                r.body.step_up_within_seconds = Some(within.as_secs());
                r
            }
        }
    }

    /// A failed verification: the JWT, the session, or Stytch.
    pub(crate) fn from_check(error: &stytch_totp::Error) -> Self {
        use stytch_totp::Error as E;
        let mut r = match error {
            E::InvalidSessionJwt(why) => Self::new(
                StatusCode::UNAUTHORIZED,
                "invalid_session",
                format!("The session is not valid: {why}. Sign in again."),
            ),
            e if matches!(
                e.error_type(),
                Some(
                    ErrorType::SessionNotFound
                        | ErrorType::UnableToParseSessionJwt
                        | ErrorType::InvalidSessionToken
                )
            ) =>
            {
                Self::new(
                    StatusCode::UNAUTHORIZED,
                    "session_ended",
                    "The session ended (signed out or expired). Sign in again.",
                )
            }
            e if e.is_retryable() || e.status().is_some_and(|s| s >= 500) => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "stytch_unavailable",
                "The session could not be checked with Stytch; try again shortly.",
            ),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "session_check_failed",
                "The session could not be checked.",
            ),
        };
        r.body.request_id = error.request_id().map(str::to_owned);
        r
    }

    /// For a page request, the redirect `redirects` names for this refusal (none for 5xx).
    pub(crate) fn for_request(
        mut self,
        headers: &HeaderMap,
        redirects: Option<&Redirects>,
    ) -> Self {
        let wants_html = headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("text/html"));
        if let (true, Some(redirects)) = (wants_html, redirects) {
            self.location = match self.status {
                StatusCode::UNAUTHORIZED => Some(redirects.sign_in.clone()),
                StatusCode::FORBIDDEN => Some(redirects.step_up.clone()),
                _ => None,
            };
        }
        self
    }

    /// The HTTP status (of the JSON answer; a redirect answers 303).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable `error` code (`not_signed_in`, `factors_required`, ...).
    pub fn code(&self) -> &'static str {
        self.body.error
    }

    /// Whether the session itself is refused (not signed in, invalid or ended), as opposed to
    /// a policy refusal of a valid session or a failure to check it.
    pub fn is_unauthenticated(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.body.message
    }

    /// Where a page request is redirected, if it is.
    pub fn redirect(&self) -> Option<&str> {
        self.location.as_deref()
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status, self.body.error, self.body.message
        )
    }
}

impl std::error::Error for Rejection {}

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        if let Some(location) = self.location.as_deref() {
            if let Ok(location) = HeaderValue::try_from(location) {
                return (StatusCode::SEE_OTHER, [(LOCATION, location)]).into_response();
            }
        }
        let challenge = match self.body.error {
            "not_signed_in" => Some(format!("Bearer realm=\"{}\"", self.realm)),
            "invalid_session" | "session_ended" => Some(format!(
                "Bearer realm=\"{}\", error=\"invalid_token\"",
                self.realm
            )),
            _ => None,
        };
        let unavailable = self.status == StatusCode::SERVICE_UNAVAILABLE;
        let mut response = (self.status, Json(self.body)).into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = challenge.and_then(|c| HeaderValue::try_from(c).ok()) {
            headers.insert(WWW_AUTHENTICATE, challenge);
        }
        if unavailable {
            headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn parts(r: Rejection) -> (StatusCode, HeaderMap, serde_json::Value) {
        let response = r.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, headers, body)
    }

    #[tokio::test]
    async fn api_refusals_are_json_with_a_challenge_on_401() {
        let (status, headers, body) = parts(Rejection::not_signed_in()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["error"], "not_signed_in");
        assert_eq!(headers[WWW_AUTHENTICATE], "Bearer realm=\"stytch\"");

        let forged = stytch_totp::Error::InvalidSessionJwt(stytch_totp::JwtRejection::BadSignature);
        let (status, headers, body) = parts(Rejection::from_check(&forged)).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("invalid_session"))
        );
        assert!(headers[WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .contains("error=\"invalid_token\""));

        let stale = PolicyRefusal::StepUpRequired {
            factor: "totp".into(),
            within: Duration::from_secs(300),
        };
        let (status, headers, body) = parts(Rejection::policy(&stale)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"], "step_up_required");
        assert_eq!(body["step_up_within_seconds"], 300);
        assert!(!headers.contains_key(WWW_AUTHENTICATE));

        let missing = PolicyRefusal::FactorsMissing(vec!["totp".into()]);
        let (_, _, body) = parts(Rejection::policy(&missing)).await;
        assert_eq!(body["missing_factors"], serde_json::json!(["totp"]));
    }

    #[tokio::test]
    async fn pages_are_redirected_when_redirects_are_set() {
        let html: HeaderMap = [(ACCEPT, HeaderValue::from_static("text/html,*/*"))]
            .into_iter()
            .collect();
        let redirects = Redirects::to("/sign-in").step_up("/step-up");
        let r = Rejection::not_signed_in().for_request(&html, Some(&redirects));
        let (status, headers, _) = parts(r).await;
        assert_eq!(
            (status, &headers[LOCATION]),
            (StatusCode::SEE_OTHER, &HeaderValue::from_static("/sign-in"))
        );
        let missing = PolicyRefusal::FactorsMissing(vec!["totp".into()]);
        let r = Rejection::policy(&missing).for_request(&html, Some(&redirects));
        assert_eq!(r.redirect(), Some("/step-up"));
        // An API caller, or no redirects: JSON.
        let api = HeaderMap::new();
        assert_eq!(
            Rejection::not_signed_in()
                .for_request(&api, Some(&redirects))
                .redirect(),
            None
        );
        assert_eq!(
            Rejection::not_signed_in()
                .for_request(&html, None)
                .redirect(),
            None
        );
        // A failure to check is never a redirect.
        assert_eq!(
            Rejection::guard_missing()
                .for_request(&html, Some(&redirects))
                .redirect(),
            None
        );
    }
}

//! [`Error`]: everything a call can fail with, as one enum.

use std::time::Duration;

use stytch_totp_models::{ErrorType, ValidationError};

use crate::middleware::retry::Outcome;

/// Every way a call can fail. `Display` is a sentence a person can act on; nothing secret is
/// ever part of it (response snippets are redacted).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A request value broke an API rule. Raised before any I/O: nothing was sent.
    #[error("invalid request: {field} {reason} (nothing was sent)")]
    InvalidRequest {
        /// JSON field name, e.g. `expiration_minutes`.
        field: &'static str,
        /// The rule and the offending value (never a secret).
        reason: String,
    },

    /// The client was configured wrongly or incompletely.
    #[error("client configuration: {0}")]
    Config(String),

    /// Stytch answered with an error response.
    #[error(
        "Stytch answered HTTP {status} {error_type}: {error_message} (request_id {request_id}; see {error_url})"
    )]
    Api {
        /// HTTP status code.
        status: u16,
        /// Stytch's id of this call: quote it when asking Stytch for help.
        request_id: String,
        /// Machine-readable error type.
        error_type: ErrorType,
        /// Stytch's explanation.
        error_message: String,
        /// Stytch's documentation of this error.
        error_url: String,
    },

    /// The request could not be completed on the network (DNS, connect, TLS, reset).
    #[error("could not reach Stytch{}: {source}{}", if *.connected { " (the connection broke after the request was sent: the outcome is unknown)" } else { "" }, root_cause(.source))]
    Transport {
        /// `true` when a connection was made, so Stytch may have received the request.
        connected: bool,
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },

    /// No complete answer within the time allowed. Stytch may or may not have acted.
    #[error("no answer from Stytch within {after:?} (the outcome is unknown)")]
    Timeout {
        /// The bound that was exceeded.
        after: Duration,
    },

    /// Stytch's answer could not be understood.
    #[error("Stytch answered HTTP {status} with a body that is not the expected response ({reason}; request_id {}): {snippet}", request_id.as_deref().unwrap_or("unknown"))]
    Decode {
        /// HTTP status code.
        status: u16,
        /// The `request_id`, when it could be read from the body.
        request_id: Option<String>,
        /// What was wrong.
        reason: String,
        /// The start of the body, with secret values redacted.
        snippet: String,
    },

    /// A session JWT failed local verification in a way Stytch would not accept either (an
    /// expired but genuine JWT is checked with Stytch instead, see
    /// [`AuthenticateJwt`](crate::AuthenticateJwt)).
    #[error("the session JWT was refused: {0}")]
    InvalidSessionJwt(crate::JwtRejection),

    /// Something failed inside the client itself (a bug: please report it).
    #[error("unexpected failure inside the client: {0}")]
    Other(String),

    /// The response body exceeded the configured size limit and was not read further.
    #[error("Stytch answered HTTP {status} with a body larger than the {limit}-byte limit; it was not read")]
    ResponseTooLarge {
        /// HTTP status code.
        status: u16,
        /// The configured limit in bytes.
        limit: usize,
    },
}

impl Error {
    /// Stytch's `request_id` of the failed call, when there is one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Api { request_id, .. } => Some(request_id),
            Error::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when a response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Decode { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Stytch's error type, for [`Error::Api`].
    pub fn error_type(&self) -> Option<&ErrorType> {
        match self {
            Error::Api { error_type, .. } => Some(error_type),
            _ => None,
        }
    }

    /// Whether the client's retry layer would try this again for a call that is always safe
    /// to repeat (a read): a rate limit, a 502/503/504, a connection or timeout failure. Not a
    /// locked user (the lock lasts up to an hour) and not a 500. It is the retry layer's own
    /// verdict, so the two never disagree. For a call that spends a code, use
    /// [`Error::is_retryable_for`] or check [`Error::is_outcome_unknown`].
    pub fn is_retryable(&self) -> bool {
        self.outcome().retryable(crate::RetrySafety::Always)
    }

    /// Whether the retry layer would try this again for `operation` (its retry class is in
    /// the table of [`Operation`](crate::Operation)): for `totps.authenticate` a 503 is not,
    /// since the code may already be spent.
    pub fn is_retryable_for(&self, operation: crate::Operation) -> bool {
        self.outcome().retryable(operation.retry_safety())
    }

    /// What this failure says about trying again (shared with the retry layer).
    pub(crate) fn outcome(&self) -> Outcome {
        match self {
            Error::Api {
                status, error_type, ..
            } => Outcome::of_status(*status, Some(error_type.as_str())),
            Error::Decode { status, .. } => Outcome::of_status(*status, None),
            Error::Transport {
                connected: false, ..
            } => Outcome::NotSent,
            Error::Transport {
                connected: true, ..
            }
            | Error::Timeout { .. } => Outcome::MaybeProcessed,
            _ => Outcome::Final,
        }
    }

    /// Whether Stytch may have acted on the request although the call failed (a 5xx, a
    /// timeout, a connection lost after sending). For `authenticate` and `recover` this means
    /// the code may already be spent.
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => *status >= 500,
            Error::Transport { connected, .. } => *connected,
            Error::Timeout { .. } => true,
            _ => false,
        }
    }

    /// A short stable label for the `error.type` span field and logs.
    pub fn kind(&self) -> &str {
        match self {
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Config(_) => "config",
            Error::Api { error_type, .. } => error_type.as_str(),
            Error::Transport { .. } => "transport",
            Error::Timeout { .. } => "timeout",
            Error::Decode { .. } => "decode",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::InvalidSessionJwt(_) => "invalid_session_jwt",
            Error::Other(_) => "other",
        }
    }

    pub(crate) fn from_reqwest(source: reqwest::Error, after: Duration) -> Self {
        // A connect timeout is a connect error first: nothing was sent, whatever the clock.
        if source.is_connect() {
            Error::Transport {
                connected: false,
                source,
            }
        } else if source.is_timeout() {
            Error::Timeout { after }
        } else {
            Error::Transport {
                connected: true,
                source,
            }
        }
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Self {
        Error::InvalidRequest {
            field: e.field,
            reason: e.reason,
        }
    }
}

/// `: <innermost cause>` of a transport error, which reqwest keeps out of its own `Display`
/// (e.g. `invalid peer certificate: UnknownIssuer` under "error sending request"), or nothing.
fn root_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(inner) = cause.source() {
        cause = inner;
    }
    if std::ptr::addr_eq(cause, error as &dyn std::error::Error) {
        String::new()
    } else {
        format!(" ({cause})")
    }
}

//! [`Error`]: everything a call can fail with, as one enum.

use std::time::Duration;

use stytch_totp_models::{ErrorType, ValidationError};

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

    /// A session JWT was refused without asking Stytch: it fails in a way only a forger causes
    /// (bad signature, foreign `aud`, not RS256, not a JWT, a key the project does not
    /// publish), or the project's keys cannot be fetched (fail closed). A genuine JWT the
    /// local check cannot accept is checked with Stytch instead, see
    /// [`AuthenticateJwt`](crate::AuthenticateJwt).
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

    /// Whether trying the same call again later may succeed (rate limits, Stytch or network
    /// trouble). Check [`Error::is_outcome_unknown`] before repeating a call that consumes a
    /// code.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } | Error::Decode { status, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504)
            }
            Error::Transport { .. } | Error::Timeout { .. } => true,
            _ => false,
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

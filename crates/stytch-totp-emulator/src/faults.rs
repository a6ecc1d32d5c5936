//! Fault injection: make the next N requests (optionally only those to one path) fail the way
//! real networks and servers do.
//!
//! | fault | what the caller sees |
//! |---|---|
//! | [`Fault::Status`] | that status, with `Retry-After` if set, and a Stytch-shaped error body (or the raw `body`, e.g. an HTML 502 page); nothing is applied |
//! | [`Fault::Delay`] | the normal response, after the delay |
//! | [`Fault::DropConnection`] | the connection closes before any response byte; nothing is applied |
//! | [`Fault::TruncatedBody`] | the normal status and headers, but only the first half of the JSON body (with a matching `Content-Length`) |
//! | [`Fault::AfterApply`] | the operation **is applied**, then the inner fault decides the response: proves a client never re-sends a consumed value |
//!
//! Faults do not apply to the admin API under `/_emulator/`. Over HTTP, `POST /_emulator/faults`
//! takes a [`FaultSpec`] as JSON:
//!
//! ```
//! use stytch_totp_emulator::{Fault, FaultSpec};
//! let spec: FaultSpec = serde_json::from_str(r#"{
//!     "path": "/v1/totps/recover",
//!     "times": 1,
//!     "fault": {"kind": "after_apply", "fault": {"kind": "status", "status": 503, "retry_after": 1}}
//! }"#)?;
//! assert_eq!(spec, FaultSpec::new(Fault::after_apply(Fault::Status {
//!     status: 503, retry_after: Some(1), body: None,
//! })).on_path("/v1/totps/recover"));
//! // Other kinds: {"kind": "delay", "millis": 250}, {"kind": "drop_connection"},
//! // {"kind": "truncated_body"}, {"kind": "status", "status": 502, "body": "<html>..."}.
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::io;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use serde::{Deserialize, Serialize};

use crate::errors::{error_type_for_status, ApiError};

/// One way to fail a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "FaultWire", into = "FaultWire")]
#[non_exhaustive]
pub enum Fault {
    /// Answer `status` without handling the request.
    Status {
        /// The HTTP status (100 to 999; invalid values become 500).
        status: u16,
        /// Seconds for a `Retry-After` header.
        retry_after: Option<u64>,
        /// A raw body instead of the Stytch-shaped error (sent as `text/html` if it starts
        /// with `<`, `application/json` if it parses as JSON, `text/plain` otherwise).
        body: Option<String>,
    },
    /// Wait, then handle the request normally.
    Delay(Duration),
    /// Close the connection without sending a response.
    DropConnection,
    /// Handle the request normally but send only the first half of the body.
    TruncatedBody,
    /// Handle (apply) the request, then answer as the inner fault says.
    AfterApply(Box<Fault>),
}

impl Fault {
    /// A plain status fault with a Stytch-shaped body.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
            body: None,
        }
    }

    /// Apply the operation, then fail as `fault` says.
    pub fn after_apply(fault: Fault) -> Self {
        Fault::AfterApply(Box::new(fault))
    }
}

/// Serialized form of [`Fault`].
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum FaultWire {
    Status {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    Delay {
        millis: u64,
    },
    DropConnection,
    TruncatedBody,
    AfterApply {
        fault: Box<FaultWire>,
    },
}

impl TryFrom<FaultWire> for Fault {
    type Error = String;
    fn try_from(wire: FaultWire) -> Result<Self, String> {
        Ok(match wire {
            FaultWire::Status {
                status,
                retry_after,
                body,
            } => {
                if StatusCode::from_u16(status).is_err() {
                    return Err(format!("status must be between 100 and 999, got {status}"));
                }
                Fault::Status {
                    status,
                    retry_after,
                    body,
                }
            }
            FaultWire::Delay { millis } => Fault::Delay(Duration::from_millis(millis)),
            FaultWire::DropConnection => Fault::DropConnection,
            FaultWire::TruncatedBody => Fault::TruncatedBody,
            FaultWire::AfterApply { fault } => {
                Fault::AfterApply(Box::new(Fault::try_from(*fault)?))
            }
        })
    }
}

impl From<Fault> for FaultWire {
    fn from(fault: Fault) -> Self {
        match fault {
            Fault::Status {
                status,
                retry_after,
                body,
            } => FaultWire::Status {
                status,
                retry_after,
                body,
            },
            Fault::Delay(delay) => FaultWire::Delay {
                millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            },
            Fault::DropConnection => FaultWire::DropConnection,
            Fault::TruncatedBody => FaultWire::TruncatedBody,
            Fault::AfterApply(inner) => FaultWire::AfterApply {
                fault: Box::new(FaultWire::from(*inner)),
            },
        }
    }
}

fn one() -> usize {
    1
}

/// A fault queued for the next `times` matching requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    /// Only requests to this path: the raw path (`/v1/totps/recover`), its percent-decoded
    /// form, or a route template (`/v1/users/{user_id}`). `None`: any API request.
    #[serde(default)]
    pub path: Option<String>,
    /// How many requests to fail (default 1).
    #[serde(default = "one")]
    pub times: usize,
    /// Fail one matching request in `every` (default 1: each one): with `every: 20` the 20th,
    /// 40th, ... matching requests fail, an even 5% for load tests.
    #[serde(default = "one")]
    pub every: usize,
    /// Matching requests let through since the last fault (internal countdown).
    #[serde(default, skip)]
    passed: usize,
    /// What to do.
    pub fault: Fault,
}

impl FaultSpec {
    /// `fault` for the next request, whatever its path.
    pub fn new(fault: Fault) -> Self {
        Self {
            path: None,
            times: 1,
            every: 1,
            passed: 0,
            fault,
        }
    }

    /// Only for requests to `path`.
    #[must_use]
    pub fn on_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// For the next `times` matching requests.
    #[must_use]
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }

    /// Only one matching request in `n` (the n-th, 2n-th, ...) gets the fault.
    #[must_use]
    pub fn every(mut self, n: usize) -> Self {
        self.every = n.max(1);
        self
    }
}

/// The queue of pending faults, first in, first out.
#[derive(Default)]
pub(crate) struct FaultQueue {
    entries: Mutex<Vec<FaultSpec>>,
}

impl FaultQueue {
    pub(crate) fn push(&self, spec: FaultSpec) {
        if spec.times > 0 {
            self.lock().push(spec);
        }
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }

    /// The pending faults, `times` being what is left.
    pub(crate) fn pending(&self) -> Vec<FaultSpec> {
        self.lock().clone()
    }

    /// Takes one use of the first fault matching this request.
    pub(crate) fn take(&self, raw_path: &str, route: Option<&str>) -> Option<Fault> {
        let mut entries = self.lock();
        let index = entries.iter().position(|spec| match &spec.path {
            None => true,
            Some(p) => {
                let p = p.split('?').next().unwrap_or_default();
                p == raw_path || route == Some(p) || percent_decode(raw_path) == p
            }
        })?;
        let entry = &mut entries[index];
        entry.passed += 1;
        if entry.passed < entry.every.max(1) {
            return None;
        }
        entry.passed = 0;
        entry.times -= 1;
        let fault = entry.fault.clone();
        if entry.times == 0 {
            entries.remove(index);
        }
        Some(fault)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<FaultSpec>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Lossy percent-decoding of a path, for matching only.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The response of a [`Fault::Status`].
pub(crate) fn status_response(
    status: u16,
    retry_after: Option<u64>,
    body: Option<&str>,
    request_id: &str,
) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match body {
        Some(body) => {
            let content_type = if body.trim_start().starts_with('<') {
                "text/html; charset=utf-8"
            } else if serde_json::from_str::<serde_json::Value>(body).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            (
                status,
                [(header::CONTENT_TYPE, content_type)],
                body.to_owned(),
            )
                .into_response()
        }
        None => ApiError::new(
            status,
            error_type_for_status(status),
            format!(
                "Injected fault: the emulator answered {} on purpose.",
                status.as_u16()
            ),
        )
        .render(request_id),
    };
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// A body that fails on first poll: hyper then closes the connection without sending the
/// response head (it is still buffered when the body is first polled).
struct AbortBody;

impl http_body::Body for AbortBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "injected fault: drop connection",
        ))))
    }
}

/// The response of a [`Fault::DropConnection`].
pub(crate) fn drop_connection() -> Response {
    Response::new(Body::new(AbortBody))
}

/// Cuts a response body in half (the status and other headers stay).
pub(crate) async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(half.len()));
    Response::from_parts(parts, Body::from(half))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth_matching_request_gets_the_fault() {
        let queue = FaultQueue::default();
        queue.push(FaultSpec::new(Fault::status(503)).every(3).times(2));
        let hits: Vec<bool> = (0..9)
            .map(|_| queue.take("/v1/users", None).is_some())
            .collect();
        assert_eq!(
            hits,
            [false, false, true, false, false, true, false, false, false]
        );
    }

    #[test]
    fn queue_matches_paths_and_counts_down() {
        let queue = FaultQueue::default();
        queue.push(
            FaultSpec::new(Fault::status(500))
                .on_path("/v1/totps")
                .times(2),
        );
        queue.push(FaultSpec::new(Fault::DropConnection).on_path("/v1/users/{user_id}"));
        queue.push(FaultSpec::new(Fault::TruncatedBody).times(0));
        assert_eq!(queue.take("/v1/totps/recover", None), None);
        assert_eq!(queue.take("/v1/totps", None), Some(Fault::status(500)));
        assert_eq!(
            queue.take("/v1/users/user%2Dtest", Some("/v1/users/{user_id}")),
            Some(Fault::DropConnection)
        );
        assert_eq!(queue.take("/v1/totps", None), Some(Fault::status(500)));
        assert_eq!(queue.take("/v1/totps", None), None);
        assert!(queue.pending().is_empty());
        queue.push(
            FaultSpec::new(Fault::Delay(Duration::from_millis(5))).on_path("/v1/users/user-test-1"),
        );
        assert!(queue.take("/v1/users/user%2Dtest%2D1", None).is_some());
    }

    #[test]
    fn percent_decoding_is_lossy_but_safe() {
        assert_eq!(percent_decode("/a%2Db"), "/a-b");
        assert_eq!(percent_decode("/a%2"), "/a%2");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn wire_format_round_trips_and_validates() {
        for fault in [
            Fault::status(429),
            Fault::Status {
                status: 502,
                retry_after: Some(3),
                body: Some("<html>bad gateway</html>".into()),
            },
            Fault::Delay(Duration::from_millis(250)),
            Fault::DropConnection,
            Fault::TruncatedBody,
            Fault::after_apply(Fault::DropConnection),
        ] {
            let json = serde_json::to_string(&fault).unwrap();
            assert_eq!(
                serde_json::from_str::<Fault>(&json).unwrap(),
                fault,
                "{json}"
            );
        }
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"status","status":42}"#).is_err());
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"nope"}"#).is_err());
        let spec: FaultSpec =
            serde_json::from_str(r#"{"fault":{"kind":"drop_connection"}}"#).unwrap();
        assert_eq!(spec, FaultSpec::new(Fault::DropConnection));
    }
}

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
//! use stytch_totp_emulator::{Fault, FaultSpec, Operation};
//! let spec: FaultSpec = serde_json::from_str(r#"{
//!     "operation": "totps.recover",
//!     "times": 1,
//!     "fault": {"kind": "after_apply", "fault": {"kind": "status", "status": 503, "retry_after": 1}}
//! }"#)?;
//! assert_eq!(spec, FaultSpec::new(Fault::after_apply(Fault::Status {
//!     status: 503, retry_after: Some(1), body: None,
//! })).on(Operation::TotpsRecover));
//! // Or by path: {"path": ...} with a route template or a raw request path.
//! // Other kinds: {"kind": "delay", "millis": 250}, {"kind": "drop_connection"},
//! // {"kind": "truncated_body"}, {"kind": "status", "status": 502, "body": "<html>..."}.
//! # Ok::<(), serde_json::Error>(())
//! ```

pub(crate) mod queue;

use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use stytch_totp_models::Operation;

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
    /// Only requests to this path: the raw path (ids as sent), its percent-decoded form, or a
    /// route template ([`Operation::path`]). `None`: any API request.
    #[serde(default)]
    pub path: Option<String>,
    /// Only requests of this operation, named as in the operation table
    /// (`"operation": "totps.recover"` in JSON). `None`: any.
    #[serde(
        default,
        with = "operation_name",
        skip_serializing_if = "Option::is_none"
    )]
    pub operation: Option<Operation>,
    /// How many requests to fail (default 1).
    #[serde(default = "one")]
    pub times: usize,
    /// Fail one matching request in `every` (default 1: each one): with `every: 20` the 20th,
    /// 40th, ... matching requests fail, an even 5% for load tests.
    #[serde(default = "one")]
    pub every: usize,
    /// What to do.
    pub fault: Fault,
}

impl FaultSpec {
    /// `fault` for the next request, whatever its path.
    pub fn new(fault: Fault) -> Self {
        Self {
            path: None,
            operation: None,
            times: 1,
            every: 1,
            fault,
        }
    }

    /// Only for requests to `path`.
    #[must_use]
    pub fn on_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Only for requests of `operation` (whatever the ids in its path).
    #[must_use]
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
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

/// An [`Operation`] as its name in JSON.
mod operation_name {
    use serde::{de, Deserialize, Deserializer, Serializer};
    use stytch_totp_models::Operation;

    pub(super) fn serialize<S: Serializer>(
        op: &Option<Operation>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match op {
            Some(op) => s.serialize_str(op.name()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Operation>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(name) => Operation::from_name(&name)
                .map(Some)
                .ok_or_else(|| de::Error::custom(format!("unknown operation {name:?}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let spec: FaultSpec = serde_json::from_str(
            r#"{"operation":"sessions.revoke","fault":{"kind":"truncated_body"}}"#,
        )
        .unwrap();
        assert_eq!(
            spec,
            FaultSpec::new(Fault::TruncatedBody).on(Operation::SessionsRevoke)
        );
        assert!(serde_json::to_string(&spec)
            .unwrap()
            .contains(r#""operation":"sessions.revoke""#));
        assert!(serde_json::from_str::<FaultSpec>(
            r#"{"operation":"nope.nope","fault":{"kind":"truncated_body"}}"#
        )
        .is_err());
    }
}

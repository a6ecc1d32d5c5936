//! The vocabulary of the generated operations table (`operations.rs`): what an operation's
//! method and retry class can be, and the trait pairing each operation with its types.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Operation;

/// One operation with its request and response types: implemented by the marker types in
/// [`endpoints`](crate::endpoints), one per operation, so that a generic client or server
/// cannot pair an operation with the wrong types.
///
/// ```
/// use stytch_totp_models::{endpoints, Endpoint, HttpMethod, Operation};
/// assert_eq!(endpoints::TotpsCreate::OPERATION, Operation::TotpsCreate);
/// assert_eq!(Operation::UsersGet.method(), HttpMethod::Get);
/// assert_eq!(Operation::UsersGet.path(), "/v1/users/{user_id}");
/// ```
pub trait Endpoint {
    /// The operation.
    const OPERATION: Operation;
    /// The JSON body; `()` for calls without one.
    type Request: Serialize;
    /// The decoded success body.
    type Response: DeserializeOwned;
}

/// The HTTP methods the Stytch API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method as written in HTTP.
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// When a failed attempt may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetrySafety {
    /// Sending twice cannot change anything, so every transient failure is retried.
    Always,
    /// Calls that create, consume (a TOTP code, a recovery code) or delete something: retried
    /// only when Stytch certainly did not act: a 429 answer, or a connection that was never
    /// made. After a 5xx, a timeout or a connection lost mid-request the outcome is unknown and
    /// the error is returned instead.
    BeforeProcessingOnly,
}

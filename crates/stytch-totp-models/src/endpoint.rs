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
/// assert_eq!(Operation::UsersGet.path_params(), ["user_id"]);
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

impl Operation {
    /// The path with each `{parameter}` replaced by the next of `values`, percent-encoded
    /// exactly as the client (the `url` crate) encodes a path segment of an `https` URL, for
    /// callers that build requests by hand (tests, proxies, other HTTP stacks) and must match
    /// what the client sends.
    ///
    /// ```
    /// use stytch_totp_models::Operation;
    /// let path = Operation::UsersGet.path_with(&["crm|42 a/b"]);
    /// assert_eq!(path, Operation::UsersGet.path().replace("{user_id}", "crm|42%20a%2Fb"));
    /// assert_eq!(Operation::TotpsCreate.path_with(&[]), Operation::TotpsCreate.path());
    /// ```
    ///
    /// # Panics
    /// When `values` does not hold exactly one value per [`path_params`](Operation::path_params):
    /// a programming error, like indexing past the end of a slice.
    pub fn path_with(self, values: &[&str]) -> String {
        assert_eq!(
            values.len(),
            self.path_params().len(),
            "{} takes the path parameters {:?}",
            self.name(),
            self.path_params()
        );
        let mut values = values.iter();
        let mut path = String::with_capacity(self.path().len() + 48);
        for segment in self.path().split('/').skip(1) {
            path.push('/');
            if segment.starts_with('{') {
                if let Some(value) = values.next() {
                    percent_encode_into(&mut path, value);
                }
            } else {
                path.push_str(segment);
            }
        }
        path
    }
}

/// Appends `value` with the bytes of WHATWG's path-segment percent-encode set (plus `\\`, as
/// for `https` URLs) written `%XX`: the set `url::PathSegmentsMut::push` uses.
fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in value.bytes() {
        let encode = byte <= b' '
            || byte >= 0x7F
            || matches!(
                byte,
                b'"' | b'<' | b'>' | b'`' | b'#' | b'?' | b'{' | b'}' | b'/' | b'%' | b'\\'
            );
        if encode {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        } else {
            out.push(char::from(byte));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_with_fills_every_parameter_and_encodes_it() {
        let filled = |op: Operation, value: &str| {
            op.path()
                .replace(&format!("{{{}}}", op.path_params()[0]), value)
        };
        assert_eq!(
            Operation::UsersDeleteTotp.path_with(&["totp-test-1"]),
            filled(Operation::UsersDeleteTotp, "totp-test-1")
        );
        assert_eq!(
            Operation::SessionsGetJwks.path_with(&["a b/ü~|%?#\\"]),
            filled(Operation::SessionsGetJwks, "a%20b%2F%C3%BC~|%25%3F%23%5C")
        );
        for op in Operation::ALL {
            let values = vec!["x"; op.path_params().len()];
            let filled = op.path_with(&values);
            assert!(!filled.contains('{'), "{filled}");
            assert_eq!(
                filled.len(),
                op.path().len() - op.path_params().iter().map(|p| p.len() + 1).sum::<usize>()
            );
        }
    }

    #[test]
    #[should_panic(expected = "users.get takes the path parameters")]
    fn path_with_refuses_a_missing_value() {
        let _ = Operation::UsersGet.path_with(&[]);
    }
}

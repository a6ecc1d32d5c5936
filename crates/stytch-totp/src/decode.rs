//! Turning a Stytch HTTP answer into the response type or the matching [`Error`]: the one
//! decoding path of the client, public as [`decode_response`] (and fuzzed).

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use stytch_totp_models::{ErrorResponse, ErrorType, OAuthErrorResponse};

use crate::identifiers::identifiers;
use crate::{redact, Error};

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

//! Properties: whatever bytes or JSON the network sends, decoding returns Ok or Err, never
//! panics, and an error never repeats a secret value it was given.

use proptest::prelude::*;
use serde_json::Value;
use stytch_totp::decode_response;
use stytch_totp::models::*;

/// Arbitrary JSON values, a few levels deep, with keys Stytch uses so decoders go deep.
fn json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "request_id",
        "status_code",
        "user_id",
        "totp_id",
        "secret",
        "qr_code",
        "recovery_codes",
        "user",
        "session",
        "session_token",
        "session_jwt",
        "error_type",
        "error_message",
        "totps",
        "emails",
        "authentication_factors",
        "type",
        "verified",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone().prop_map(str::to_owned), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn decode_all(status: u16, body: &[u8]) {
    let _ = decode_response::<CreateTotpResponse>(status, body);
    let _ = decode_response::<AuthenticateTotpResponse>(status, body);
    let _ = decode_response::<TotpRecoveryCodesResponse>(status, body);
    let _ = decode_response::<RecoverTotpResponse>(status, body);
    let _ = decode_response::<CreateUserResponse>(status, body);
    let _ = decode_response::<GetUserResponse>(status, body);
    let _ = decode_response::<DeleteUserResponse>(status, body);
    let _ = decode_response::<DeleteTotpResponse>(status, body);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_json_decodes_to_ok_or_err(value in json(), status in prop::sample::select(vec![200u16, 400, 401, 429, 500, 502, 999])) {
        decode_all(status, value.to_string().as_bytes());
    }

    #[test]
    fn any_bytes_decode_to_ok_or_err(body in prop::collection::vec(any::<u8>(), 0..256), status in 0u16..1000) {
        decode_all(status, &body);
    }

    /// A secret value in a body that fails to decode never reaches the error's text.
    #[test]
    fn decode_errors_never_repeat_secret_values(secret in "[A-Z2-7]{32}", cut in 0usize..200) {
        let body = format!(r#"{{"request_id":"r","status_code":200,"secret":"{secret}","qr_code":"{secret}","recovery_codes":["{secret}"],"totp_id":5}}"#);
        let body = &body.as_bytes()[..cut.min(body.len())];
        if let Err(error) = decode_response::<CreateTotpResponse>(200, body) {
            let shown = format!("{error} {error:?}");
            prop_assert!(!shown.contains(&secret), "{}", shown);
        }
    }
}

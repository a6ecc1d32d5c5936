//! Stytch's timestamps as `chrono::DateTime<Utc>`: what decodes, and what comes back out.
//! Stytch sends RFC 3339 in UTC with whole seconds (`2021-12-29T12:33:09Z`); that must come
//! back byte for byte, in every model.

use proptest::prelude::*;
use serde_json::{json, Value};
use stytch_totp_models::chrono::{DateTime, TimeZone, Utc};
use stytch_totp_models::{GetUserResponse, Session, StytchSessionClaim, User};

#[path = "support/spec_files.rs"]
mod spec_files;

type Timestamp = DateTime<Utc>;

fn decode(text: &str) -> Result<Timestamp, serde_json::Error> {
    serde_json::from_value(Value::String(text.to_owned()))
}

fn encode(time: &Timestamp) -> String {
    serde_json::to_value(time)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn stytch_documented_example_round_trips_exactly() {
    let time = decode("2021-12-29T12:33:09Z").unwrap();
    assert_eq!(time, Utc.with_ymd_and_hms(2021, 12, 29, 12, 33, 9).unwrap());
    assert_eq!(encode(&time), "2021-12-29T12:33:09Z");
}

/// Every `*_at` value in the specs' examples (Stytch-shaped responses) comes back unchanged.
#[test]
fn every_timestamp_in_the_spec_examples_round_trips_exactly() {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    match value {
                        Value::String(s) if key.ends_with("_at") => out.push(s.clone()),
                        _ => collect(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (_, definition) in spec_files::definitions() {
        if let Some(examples) = definition.get("examples") {
            collect(examples, &mut found);
        }
    }
    assert!(
        found.len() > 20,
        "too few timestamps in the examples: {found:?}"
    );
    for text in found {
        let time = decode(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(encode(&time), text);
    }
}

/// Fractions of a second: 3, 6 or 9 digits come back as sent; other lengths are padded to the
/// next of those (same instant). Stytch's documented format has none.
#[test]
fn fractional_seconds_keep_their_instant_and_usual_lengths() {
    for exact in [
        "2021-12-29T12:33:09.123Z",
        "2021-12-29T12:33:09.123456Z",
        "2021-12-29T12:33:09.123456789Z",
    ] {
        assert_eq!(encode(&decode(exact).unwrap()), exact);
    }
    assert_eq!(
        encode(&decode("2021-12-29T12:33:09.5Z").unwrap()),
        "2021-12-29T12:33:09.500Z"
    );
    assert_eq!(
        encode(&decode("2021-12-29T12:33:09.000Z").unwrap()),
        "2021-12-29T12:33:09Z",
        "a zero fraction is dropped"
    );
}

/// Offsets other than `Z` are the same instant, converted to UTC and re-encoded with `Z`.
#[test]
fn other_offsets_are_converted_to_utc() {
    assert_eq!(
        encode(&decode("2021-12-29T12:33:09+00:00").unwrap()),
        "2021-12-29T12:33:09Z"
    );
    assert_eq!(
        encode(&decode("2021-12-29T14:33:09+02:00").unwrap()),
        "2021-12-29T12:33:09Z"
    );
    assert_eq!(
        decode("2021-12-29T12:33:09z").unwrap(),
        decode("2021-12-29T12:33:09Z").unwrap()
    );
}

#[test]
fn malformed_times_fail_the_decode() {
    for bad in [
        "",
        "yesterday",
        "2021-12-29",
        "2021-12-29T12:33:09",
        "2021-13-29T12:33:09Z",
        "2021-12-29T25:33:09Z",
        "1640781189",
    ] {
        assert!(decode(bad).is_err(), "{bad:?} decoded");
    }
    let session = json!({
        "session_id": "session-test-1", "user_id": "user-test-1", "roles": [],
        "authentication_factors": [], "started_at": "not a time"
    });
    let error = serde_json::from_value::<Session>(session).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("input contains invalid characters"),
        "{error}"
    );
}

/// Every model types its timestamps the same way; nullable ones stay `null` or absent.
#[test]
fn models_carry_typed_times_and_keep_nulls() {
    let at = decode("2026-03-02T16:45:12Z").unwrap();
    let claim: StytchSessionClaim = serde_json::from_value(json!({
        "id": "session-test-1", "started_at": "2026-03-02T16:45:12Z",
        "last_accessed_at": "2026-03-02T16:45:12Z", "expires_at": "2026-03-02T17:45:12Z",
        "authentication_factors": [{
            "type": "totp", "delivery_method": "authenticator_app",
            "last_authenticated_at": "2026-03-02T16:45:12Z"
        }]
    }))
    .unwrap();
    assert_eq!(claim.started_at, at);
    assert_eq!(claim.expires_at - claim.started_at, chrono_hours(1));
    assert_eq!(
        claim.authentication_factors[0].last_authenticated_at,
        Some(at)
    );

    let user = json!({
        "user_id": "user-test-1", "status": "active", "created_at": "2026-03-02T16:45:12Z",
        "lock_created_at": null, "lock_expires_at": null
    });
    let decoded: User = serde_json::from_value(user.clone()).unwrap();
    assert_eq!(decoded.created_at, Some(at));
    assert_eq!(decoded.lock_expires_at, None);
    let again = serde_json::to_value(&decoded).unwrap();
    assert_eq!(again["created_at"], "2026-03-02T16:45:12Z");
    assert!(again.get("lock_expires_at").is_none_or(Value::is_null));

    let mut get = user;
    get["request_id"] = json!("request-id-test-1");
    get["status_code"] = json!(200);
    get["lock_expires_at"] = json!("2026-03-02T17:45:12Z");
    let decoded: GetUserResponse = serde_json::from_value(get).unwrap();
    assert_eq!(decoded.lock_expires_at, Some(at + chrono_hours(1)));
}

fn chrono_hours(hours: i64) -> stytch_totp_models::chrono::TimeDelta {
    stytch_totp_models::chrono::TimeDelta::hours(hours)
}

proptest! {
    /// Any whole second from year 0 to 9999, in Stytch's format, comes back unchanged.
    #[test]
    fn any_whole_second_round_trips(seconds in -62_167_219_200_i64..=253_402_300_799) {
        let time = DateTime::from_timestamp(seconds, 0).unwrap();
        let text = time.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        let decoded = decode(&text).unwrap();
        prop_assert_eq!(decoded, time);
        prop_assert_eq!(encode(&decoded), text);
    }

    /// Any millisecond or microsecond instant comes back unchanged too.
    #[test]
    fn any_milli_or_microsecond_round_trips(
        seconds in 0_i64..=4_102_444_800,
        micros in 1_u32..1_000_000,
    ) {
        for nanos in [micros / 1000 * 1_000_000, micros * 1000] {
            let time = DateTime::from_timestamp(seconds, nanos).unwrap();
            prop_assert_eq!(decode(&encode(&time)).unwrap(), time);
        }
    }
}

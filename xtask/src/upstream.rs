//! `cargo xtask upstream-diff PATH`: what differs between `specs/` and Stytch's OpenAPI.
//!
//! For every covered definition it compares the property names, each property's type (after
//! following references: our `SecretString` is upstream's `string`), its `format` and the
//! required list.
//! Every operation of `specs/operations.json` is checked against upstream's `paths` too
//! ([`crate::upstream_operations`]). Differences we made on purpose are listed once, in [`INTENDED`], with the reason, and are
//! not reported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::specs;

/// Our definition name -> Stytch's OpenAPI component name, for the definitions not named by
/// the `api_session_v1_` rule in [`upstream_name`].
const COVERED: &[(&str, &str)] = &[
    ("CreateTotpRequest", "api_totp_v1_CreateRequest"),
    ("CreateTotpResponse", "api_totp_v1_CreateResponse"),
    ("AuthenticateTotpRequest", "api_totp_v1_AuthenticateRequest"),
    (
        "AuthenticateTotpResponse",
        "api_totp_v1_AuthenticateResponse",
    ),
    (
        "TotpRecoveryCodesRequest",
        "api_totp_v1_RecoveryCodesRequest",
    ),
    (
        "TotpRecoveryCodesResponse",
        "api_totp_v1_RecoveryCodesResponse",
    ),
    ("TotpWithRecoveryCodes", "api_totp_v1_TOTP"),
    ("RecoverTotpRequest", "api_totp_v1_RecoverRequest"),
    ("RecoverTotpResponse", "api_totp_v1_RecoverResponse"),
    ("User", "api_user_v1_User"),
    ("UserEmail", "api_user_v1_Email"),
    ("UserPhoneNumber", "api_user_v1_PhoneNumber"),
    ("WebAuthnRegistration", "api_user_v1_WebAuthnRegistration"),
    ("OAuthProvider", "api_user_v1_OAuthProvider"),
    ("UserTotp", "api_user_v1_TOTP"),
    ("CryptoWallet", "api_user_v1_CryptoWallet"),
    ("BiometricRegistration", "api_user_v1_BiometricRegistration"),
    ("UserName", "api_user_v1_Name"),
    ("UserPassword", "api_user_v1_Password"),
    ("CreateUserRequest", "api_user_v1_CreateRequest"),
    ("CreateUserResponse", "api_user_v1_CreateResponse"),
    ("GetUserResponse", "api_user_v1_GetResponse"),
    ("DeleteUserResponse", "api_user_v1_DeleteResponse"),
    ("DeleteTotpResponse", "api_user_v1_DeleteTOTPResponse"),
    ("CreatePasswordRequest", "api_password_v1_CreateRequest"),
    ("CreatePasswordResponse", "api_password_v1_CreateResponse"),
    (
        "AuthenticatePasswordRequest",
        "api_password_v1_AuthenticateRequest",
    ),
    (
        "AuthenticatePasswordResponse",
        "api_password_v1_AuthenticateResponse",
    ),
    (
        "PasswordStrengthCheckRequest",
        "api_password_v1_StrengthCheckRequest",
    ),
    (
        "PasswordStrengthCheckResponse",
        "api_password_v1_StrengthCheckResponse",
    ),
    ("PasswordFeedback", "api_password_v1_Feedback"),
    ("LudsRequirements", "api_password_v1_LUDSRequirements"),
    (
        "AuthenticateSessionRequest",
        "api_session_v1_AuthenticateRequest",
    ),
    (
        "AuthenticateSessionResponse",
        "api_session_v1_AuthenticateResponse",
    ),
    ("RevokeSessionRequest", "api_session_v1_RevokeRequest"),
    ("RevokeSessionResponse", "api_session_v1_RevokeResponse"),
    ("GetSessionsResponse", "api_session_v1_GetResponse"),
    ("GetJwksResponse", "api_session_v1_GetJWKSResponse"),
    ("Jwk", "api_session_v1_JWK"),
    ("Attributes", "api_attribute_v1_Attributes"),
    ("DeviceInfo", "api_device_history_v1_DeviceInfo"),
    (
        "DeviceAttributeDetails",
        "api_device_history_v1_DeviceAttributeDetails",
    ),
];

/// Our definitions that have no upstream component (ours only).
const OURS_ONLY: &[&str] = &[
    "ErrorResponse",
    "OAuthErrorResponse",
    "ErrorType",
    "SecretString",
    "TotpCode",
    "RecoveryCode",
    "ExpirationMinutes",
    "SessionDurationMinutes",
    "UserIdentifier",
    "TotpIdentifier",
    "StytchSessionClaim",
];

const RBAC_NOT_COVERED: &str = "RBAC authorization checks are outside this SDK's scope";
const JWK_EXTRAS: &str =
    "not needed to verify a JWT (kty, kid, n, e are): tolerated when a JWKS server omits them";
const LIVE_OMITS: &str = "live responses omit it: defaults when missing";

/// Differences made on purpose: (definition, property, kind of difference, why).
pub const INTENDED: &[(&str, &str, Kind, &str)] = &[
    (
        "AuthenticateSessionRequest",
        "authorization_check",
        Kind::MissingProperty,
        RBAC_NOT_COVERED,
    ),
    (
        "AuthenticateSessionResponse",
        "verdict",
        Kind::MissingProperty,
        RBAC_NOT_COVERED,
    ),
    ("Jwk", "key_ops", Kind::Required, JWK_EXTRAS),
    ("Jwk", "x5c", Kind::Required, JWK_EXTRAS),
    ("Jwk", "x5tS256", Kind::Required, JWK_EXTRAS),
    ("User", "is_locked", Kind::Required, LIVE_OMITS),
    ("User", "roles", Kind::Required, LIVE_OMITS),
    ("User", "emails", Kind::Required, LIVE_OMITS),
    ("User", "phone_numbers", Kind::Required, LIVE_OMITS),
    ("User", "webauthn_registrations", Kind::Required, LIVE_OMITS),
    ("User", "providers", Kind::Required, LIVE_OMITS),
    ("User", "totps", Kind::Required, LIVE_OMITS),
    ("User", "crypto_wallets", Kind::Required, LIVE_OMITS),
    (
        "User",
        "biometric_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
    ("GetUserResponse", "is_locked", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "roles", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "emails", Kind::Required, LIVE_OMITS),
    (
        "GetUserResponse",
        "phone_numbers",
        Kind::Required,
        LIVE_OMITS,
    ),
    (
        "GetUserResponse",
        "webauthn_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
    ("GetUserResponse", "providers", Kind::Required, LIVE_OMITS),
    ("GetUserResponse", "totps", Kind::Required, LIVE_OMITS),
    (
        "GetUserResponse",
        "crypto_wallets",
        Kind::Required,
        LIVE_OMITS,
    ),
    (
        "GetUserResponse",
        "biometric_registrations",
        Kind::Required,
        LIVE_OMITS,
    ),
];

/// The one `format` specs/ adds on purpose: Stytch's timestamps (every `*_at` property) are
/// plain strings upstream, RFC 3339 in UTC by their descriptions. `date-time` makes typify
/// type them `chrono::DateTime<Utc>` in every model (same JSON on the wire). Any other format
/// difference is reported, and so is a `*_at` string left without it (one type for every
/// timestamp).
pub const TIMESTAMP_FORMAT: &str = "date-time";

/// What kind of difference a [`Difference`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Upstream has the property, we do not.
    MissingProperty,
    /// We have a property upstream does not.
    ExtraProperty,
    /// The property's type differs.
    Type,
    /// The property's `format` differs (beyond [`TIMESTAMP_FORMAT`] on timestamps).
    Format,
    /// Required in one, optional in the other.
    Required,
    /// The definition has no upstream component at all.
    MissingComponent,
    /// An operation's method, path, parameters or bodies differ from upstream's.
    Operation,
}

/// One reported difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// Our definition name.
    pub definition: String,
    /// The property, empty for whole-definition differences.
    pub property: String,
    /// What differs.
    pub kind: Kind,
    /// Human-readable detail: both sides.
    pub detail: String,
}

/// Prints every unintended difference; fails when there is at least one.
pub fn report(root: &Path, openapi: &Path) -> Result<(), String> {
    let differences = diff(root, openapi)?;
    if differences.is_empty() {
        println!(
            "specs/ agrees with {} (intended differences: {}, and every `*_at` timestamp \
             typed with format {TIMESTAMP_FORMAT})",
            openapi.display(),
            INTENDED.len()
        );
        return Ok(());
    }
    for d in &differences {
        let place = if d.property.is_empty() {
            d.definition.clone()
        } else {
            format!("{}.{}", d.definition, d.property)
        };
        println!("{place}: {:?}: {}", d.kind, d.detail);
    }
    Err(format!(
        "{} difference(s) between specs/ and {}",
        differences.len(),
        openapi.display()
    ))
}

/// Computes the unintended differences between `specs/` under `root` and the OpenAPI file.
pub fn diff(root: &Path, openapi: &Path) -> Result<Vec<Difference>, String> {
    let text = std::fs::read_to_string(openapi)
        .map_err(|e| format!("reading {}: {e}", openapi.display()))?;
    let upstream: Value = serde_yaml_ng::from_str(&text)
        .map_err(|e| format!("{} is not valid YAML: {e}", openapi.display()))?;
    let components = upstream
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI file has no components.schemas")?;
    let bundled = specs::bundle(&specs::load(&root.join("specs"))?)?;
    let ours = bundled["$defs"].as_object().cloned().unwrap_or_default();

    let to_ours: BTreeMap<String, String> = ours
        .keys()
        .filter_map(|n| upstream_name(n).map(|u| (u, n.clone())))
        .collect();
    let mut differences = Vec::new();
    for (name, schema) in &ours {
        if OURS_ONLY.contains(&name.as_str()) {
            continue;
        }
        let Some(upstream_name) = upstream_name(name) else {
            continue;
        };
        let Some(theirs) = components.get(&upstream_name) else {
            differences.push(Difference {
                definition: name.clone(),
                property: String::new(),
                kind: Kind::MissingComponent,
                detail: format!(
                    "upstream has no component {upstream_name} (a new mapping? re-make the \
                     vendored copy: cargo xtask vendor-openapi)"
                ),
            });
            continue;
        };
        compare(
            name,
            schema,
            &ours,
            theirs,
            components,
            &to_ours,
            &mut differences,
        );
    }
    let defined = ours.keys().cloned().collect();
    let operations = crate::operations::load(&root.join("specs"), &defined)?;
    differences.extend(crate::upstream_operations::diff(&upstream, &operations));
    differences.retain(|d| {
        !INTENDED.iter().any(|(def, prop, kind, _)| {
            *def == d.definition && *prop == d.property && *kind == d.kind
        })
    });
    Ok(differences)
}

pub(crate) fn upstream_name(ours: &str) -> Option<String> {
    if let Some((_, theirs)) = COVERED.iter().find(|(o, _)| *o == ours) {
        return Some((*theirs).to_string());
    }
    if OURS_ONLY.contains(&ours) {
        return None;
    }
    let upstream = ours
        .replace("SamlSso", "SAMLSSO")
        .replace("OidcSso", "OIDCSSO");
    Some(format!("api_session_v1_{upstream}"))
}

fn compare(
    name: &str,
    ours: &Value,
    ours_defs: &serde_json::Map<String, Value>,
    theirs: &Value,
    components: &serde_json::Map<String, Value>,
    to_ours: &BTreeMap<String, String>,
    out: &mut Vec<Difference>,
) {
    let props = |s: &Value| {
        s.get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    };
    let required = |s: &Value| -> BTreeSet<String> {
        s.get("required")
            .and_then(Value::as_array)
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (our_props, their_props) = (props(ours), props(theirs));
    let (our_req, their_req) = (required(ours), required(theirs));
    let mut push = |property: &str, kind: Kind, detail: String| {
        out.push(Difference {
            definition: name.into(),
            property: property.into(),
            kind,
            detail,
        })
    };
    for (prop, their_schema) in &their_props {
        let Some(our_schema) = our_props.get(prop) else {
            push(
                prop,
                Kind::MissingProperty,
                "upstream has it, specs/ does not".into(),
            );
            continue;
        };
        let ours_ty = our_type(our_schema, ours_defs);
        let theirs_ty = their_type(their_schema, components, to_ours);
        if ours_ty != theirs_ty {
            push(
                prop,
                Kind::Type,
                format!("specs/ {ours_ty}, upstream {theirs_ty}"),
            );
        }
        let is_string = ours_ty == "string" && theirs_ty == "string";
        if let Some(detail) = format_difference(
            prop,
            is_string,
            our_format(our_schema, ours_defs),
            their_format(their_schema, components),
        ) {
            push(prop, Kind::Format, detail);
        }
        if our_req.contains(prop) != their_req.contains(prop) {
            let side = |r: bool| if r { "required" } else { "optional" };
            push(
                prop,
                Kind::Required,
                format!(
                    "specs/ {}, upstream {}",
                    side(our_req.contains(prop)),
                    side(their_req.contains(prop))
                ),
            );
        }
    }
    for prop in our_props.keys().filter(|p| !their_props.contains_key(*p)) {
        push(
            prop,
            Kind::ExtraProperty,
            "specs/ has it, upstream does not".into(),
        );
    }
}

/// A comparable type descriptor for one of our property schemas.
fn our_type(schema: &Value, defs: &serde_json::Map<String, Value>) -> String {
    if let Some(non_null) = nullable_branch(schema) {
        return our_type(non_null, defs);
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.trim_start_matches("#/$defs/");
        return match defs.get(target) {
            Some(def) if def.get("properties").is_none() => our_type(def, defs),
            _ => format!("ref {target}"),
        };
    }
    base_type(schema, |items| our_type(items, defs))
}

/// Why the formats of a property differ, `None` when they agree or differ on purpose: see
/// [`TIMESTAMP_FORMAT`].
fn format_difference(
    property: &str,
    is_string: bool,
    ours: Option<&str>,
    theirs: Option<&str>,
) -> Option<String> {
    let timestamp = is_string && property.ends_with("_at");
    match (ours, theirs) {
        (Some(TIMESTAMP_FORMAT), None) if timestamp => None,
        (None, None) if timestamp => Some(format!(
            "a timestamp left a plain string: add \"format\": \"{TIMESTAMP_FORMAT}\" in specs/"
        )),
        (ours, theirs) if ours == theirs => None,
        (ours, theirs) => Some(format!(
            "specs/ {}, upstream {}",
            ours.unwrap_or("no format"),
            theirs.unwrap_or("no format")
        )),
    }
}

/// The `format` of one of our property schemas (through a nullable branch or a reference to
/// a definition without properties, as [`our_type`]).
fn our_format<'a>(schema: &'a Value, defs: &'a serde_json::Map<String, Value>) -> Option<&'a str> {
    if let Some(non_null) = nullable_branch(schema) {
        return our_format(non_null, defs);
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.trim_start_matches("#/$defs/");
        return match defs.get(target) {
            Some(def) if def.get("properties").is_none() => our_format(def, defs),
            _ => None,
        };
    }
    schema.get("format").and_then(Value::as_str)
}

/// The `format` of an upstream property schema (through a reference to a component without
/// properties).
fn their_format<'a>(
    schema: &'a Value,
    components: &'a serde_json::Map<String, Value>,
) -> Option<&'a str> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.rsplit('/').next().unwrap_or_default();
        return match components.get(target) {
            Some(def) if def.get("properties").is_none() => their_format(def, components),
            _ => None,
        };
    }
    schema.get("format").and_then(Value::as_str)
}

/// A comparable type descriptor for an upstream property schema, naming refs by our names.
fn their_type(
    schema: &Value,
    components: &serde_json::Map<String, Value>,
    to_ours: &BTreeMap<String, String>,
) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference.rsplit('/').next().unwrap_or_default();
        return match (to_ours.get(target), components.get(target)) {
            (Some(ours), _) => format!("ref {ours}"),
            (None, Some(def)) if def.get("properties").is_none() => {
                their_type(def, components, to_ours)
            }
            _ => format!("ref upstream:{target}"),
        };
    }
    base_type(schema, |items| their_type(items, components, to_ours))
}

/// The non-null branch of `oneOf: [X, {"type": "null"}]`, our way of writing "X or null".
fn nullable_branch(schema: &Value) -> Option<&Value> {
    let branches = schema.get("oneOf")?.as_array()?;
    let is_null = |b: &Value| b.get("type").and_then(Value::as_str) == Some("null");
    match branches.as_slice() {
        [a, b] if is_null(b) => Some(a),
        [a, b] if is_null(a) => Some(b),
        _ => None,
    }
}

/// `string`, `integer`, `array<...>`, ... ignoring `null` in a type list (nullability is a
/// leniency, not a different type).
fn base_type(schema: &Value, items: impl Fn(&Value) -> String) -> String {
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_string(),
        _ => "any".to_string(),
    };
    if ty == "array" {
        format!(
            "array<{}>",
            schema
                .get("items")
                .map(items)
                .unwrap_or_else(|| "any".into())
        )
    } else {
        ty
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// Runs against the trimmed copy vendored in the repository (`cargo xtask vendor-openapi`
    /// refreshes it from a full copy), so every clone compares specs/ with Stytch's OpenAPI.
    #[test]
    fn specs_agree_with_stytch_openapi() {
        let openapi = root().join(crate::vendor::VENDORED);
        let differences = diff(&root(), &openapi).unwrap();
        assert!(
            differences.is_empty(),
            "unintended differences: {differences:#?}"
        );
    }

    #[test]
    fn a_changed_type_and_a_dropped_property_are_reported() {
        let dir = std::env::temp_dir().join(format!("xtask-upstream-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("specs")).unwrap();
        std::fs::write(
            dir.join("specs/totps.json"),
            r#"{"$defs": {"CreateTotpRequest": {"type": "object", "required": ["user_id"],
                "properties": {"user_id": {"type": "integer"}}}}}"#,
        )
        .unwrap();
        std::fs::write(dir.join("specs/operations.json"), r#"{"operations": []}"#).unwrap();
        let openapi = dir.join("openapi.yml");
        std::fs::write(
            &openapi,
            "components:\n  schemas:\n    api_totp_v1_CreateRequest:\n      type: object\n      required: [user_id]\n      properties:\n        user_id: {type: string}\n        expiration_minutes: {type: integer}\n",
        )
        .unwrap();
        let found = diff(&dir, &openapi).unwrap();
        let kinds: Vec<(String, Kind)> =
            found.iter().map(|d| (d.property.clone(), d.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("expiration_minutes".into(), Kind::MissingProperty),
                ("user_id".into(), Kind::Type)
            ]
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn only_a_timestamp_may_gain_the_date_time_format() {
        let timestamp = Some(TIMESTAMP_FORMAT);
        assert_eq!(format_difference("created_at", true, timestamp, None), None);
        assert_eq!(
            format_difference("status_code", false, Some("int32"), Some("int32")),
            None
        );
        let reported = [
            // a timestamp left a plain string: not every model would have the type
            format_difference("expires_at", true, None, None),
            // the format on something that is not a timestamp
            format_difference("user_id", true, timestamp, None),
            // a format upstream has and we dropped
            format_difference("status_code", false, None, Some("int32")),
            format_difference("score", false, Some("int64"), Some("int32")),
        ];
        for (i, difference) in reported.iter().enumerate() {
            assert!(difference.is_some(), "case {i} not reported");
        }
        assert!(reported[0].as_ref().unwrap().contains("date-time"));
    }
}

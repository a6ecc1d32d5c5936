//! Property schemas reduced to comparable words: types after references and nullable
//! branches, and formats.

use std::collections::BTreeMap;

use serde_json::Value;

use super::TIMESTAMP_FORMAT;

/// A comparable type descriptor for one of our property schemas.
pub(super) fn our_type(schema: &Value, defs: &serde_json::Map<String, Value>) -> String {
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
pub(super) fn format_difference(
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
pub(super) fn our_format<'a>(
    schema: &'a Value,
    defs: &'a serde_json::Map<String, Value>,
) -> Option<&'a str> {
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
pub(super) fn their_format<'a>(
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
pub(super) fn their_type(
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

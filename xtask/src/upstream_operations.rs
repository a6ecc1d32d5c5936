//! The operations half of `upstream-diff` and `vendor-openapi`: every row of
//! `specs/operations.json` must be an operation of Stytch's OpenAPI with the same method,
//! path, parameters, request body and success body. This is what keeps the one operation
//! table honest: nothing else in the repository repeats a path to check it against.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::operations::OperationSpec;
use crate::upstream::{upstream_name, Difference, Kind};

/// Where an operation's JSON body schema sits below the operation object.
const REQUEST_REF: &str = "/requestBody/content/application~1json/schema/$ref";
/// Where its success body schema sits.
const RESPONSE_REF: &str = "/responses/200/content/application~1json/schema/$ref";

/// The upstream `paths` cut down to our operations, and within each to the facts compared
/// here (operation id, parameters, the two body references), in OpenAPI's own layout.
pub fn trimmed_paths(full: &Value, operations: &[OperationSpec]) -> Result<Value, String> {
    let mut paths = Map::new();
    for op in operations {
        let theirs = upstream_operation(full, op)
            .ok_or_else(|| format!("upstream has no {} {} ({})", op.method, op.path, op.name))?;
        let mut kept = Map::new();
        if let Some(id) = theirs.get("operationId") {
            kept.insert("operationId".into(), id.clone());
        }
        let parameters: Vec<Value> = parameters(theirs)
            .map(|(name, location, required)| {
                json!({ "name": name, "in": location, "required": required })
            })
            .collect();
        if !parameters.is_empty() {
            kept.insert("parameters".into(), parameters.into());
        }
        if let Some(reference) = theirs.pointer(REQUEST_REF) {
            kept.insert(
                "requestBody".into(),
                json!({ "content": { "application/json": { "schema": { "$ref": reference } } } }),
            );
        }
        if let Some(reference) = theirs.pointer(RESPONSE_REF) {
            kept.insert(
                "responses".into(),
                json!({ "200": { "content": { "application/json": { "schema": { "$ref": reference } } } } }),
            );
        }
        let entry = paths
            .entry(op.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(methods) = entry {
            methods.insert(op.method.to_ascii_lowercase(), Value::Object(kept));
        }
    }
    Ok(Value::Object(paths))
}

/// Every way our operations differ from upstream's.
pub fn diff(upstream: &Value, operations: &[OperationSpec]) -> Vec<Difference> {
    let mut out = Vec::new();
    for op in operations {
        let mut push = |property: &str, detail: String| {
            out.push(Difference {
                definition: op.name.clone(),
                property: property.into(),
                kind: Kind::Operation,
                detail,
            })
        };
        let Some(theirs) = upstream_operation(upstream, op) else {
            push(
                "path",
                format!(
                    "upstream has no {} {} (re-make the vendored copy after adding an \
                     operation: cargo xtask vendor-openapi)",
                    op.method, op.path
                ),
            );
            continue;
        };
        let names = |location: &str, required_only: bool| -> BTreeSet<String> {
            parameters(theirs)
                .filter(|(_, at, required)| at == location && (*required || !required_only))
                .map(|(name, _, _)| name)
                .collect()
        };
        let ours: BTreeSet<String> = op.path_params().into_iter().map(str::to_owned).collect();
        if ours != names("path", false) {
            push(
                "path",
                format!(
                    "path parameters: specs/ {ours:?}, upstream {:?}",
                    names("path", false)
                ),
            );
        }
        let our_query: BTreeSet<String> = op.query.iter().cloned().collect();
        let (all, required) = (names("query", false), names("query", true));
        if !our_query.is_subset(&all) || !required.is_subset(&our_query) {
            push(
                "query",
                format!("query parameters: specs/ {our_query:?}, upstream {all:?} (required {required:?})"),
            );
        }
        let body = |pointer: &str| {
            theirs
                .pointer(pointer)
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .map(str::to_owned)
        };
        let mapped = |def: &Option<String>| def.as_deref().and_then(upstream_name);
        if mapped(&op.request) != body(REQUEST_REF) {
            push(
                "request",
                format!(
                    "request body: specs/ {:?}, upstream {:?}",
                    op.request,
                    body(REQUEST_REF)
                ),
            );
        }
        if mapped(&Some(op.response.clone())) != body(RESPONSE_REF) {
            push(
                "response",
                format!(
                    "success body: specs/ {}, upstream {:?}",
                    op.response,
                    body(RESPONSE_REF)
                ),
            );
        }
    }
    out
}

/// Upstream's operation object for `op`'s method and path.
fn upstream_operation<'a>(openapi: &'a Value, op: &OperationSpec) -> Option<&'a Value> {
    openapi
        .get("paths")?
        .get(&op.path)?
        .get(op.method.to_ascii_lowercase())
}

/// `(name, in, required)` of an upstream operation's parameters.
fn parameters(operation: &Value) -> impl Iterator<Item = (String, String, bool)> + '_ {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|p| {
            Some((
                p.get("name")?.as_str()?.to_owned(),
                p.get("in")?.as_str()?.to_owned(),
                p.get("required").and_then(Value::as_bool).unwrap_or(false),
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: &str, path: &str, request: Option<&str>, response: &str) -> OperationSpec {
        serde_json::from_value(json!({
            "name": "users.get", "method": method, "path": path, "request": request,
            "response": response, "retry": "always", "why": "a read"
        }))
        .unwrap()
    }

    fn upstream() -> Value {
        json!({ "paths": { "/v1/users/{user_id}": { "get": {
            "operationId": "api_user_v1_Get",
            "description": "dropped when trimmed",
            "parameters": [ { "name": "user_id", "in": "path", "required": true, "schema": {} } ],
            "responses": { "200": { "content": { "application/json": { "schema": {
                "$ref": "#/components/schemas/api_user_v1_GetResponse" } } } } }
        } } } })
    }

    #[test]
    fn an_operation_matching_upstream_has_no_difference_even_after_trimming() {
        let ops = [op("GET", "/v1/users/{user_id}", None, "GetUserResponse")];
        assert_eq!(diff(&upstream(), &ops), []);
        let trimmed = json!({ "paths": trimmed_paths(&upstream(), &ops).unwrap() });
        assert_eq!(diff(&trimmed, &ops), []);
        assert!(trimmed
            .pointer("/paths/~1v1~1users~1{user_id}/get/description")
            .is_none());
    }

    #[test]
    fn a_wrong_path_method_parameter_or_body_is_reported() {
        let mut with_query = op("GET", "/v1/users/{user_id}", None, "GetUserResponse");
        with_query.query = vec!["email".into()];
        let wrong = [
            op("GET", "/v1/user/{user_id}", None, "GetUserResponse"),
            op("DELETE", "/v1/users/{user_id}", None, "GetUserResponse"),
            with_query,
            op("GET", "/v1/users/{user_id}", None, "DeleteUserResponse"),
        ];
        let found: Vec<String> = diff(&upstream(), &wrong)
            .into_iter()
            .map(|d| format!("{}: {}", d.property, d.detail))
            .collect();
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("path: upstream has no GET /v1/user/{user_id}"));
        assert!(found[1].starts_with("path: upstream has no DELETE"));
        assert!(
            found[2].starts_with("query: query parameters"),
            "{}",
            found[2]
        );
        assert!(found[3].contains("api_user_v1_GetResponse"), "{}", found[3]);
        assert!(trimmed_paths(&upstream(), &wrong[..1]).is_err());
    }
}

//! `specs/operations.json` -> `crates/stytch-totp-models/src/operations.rs`.
//!
//! The operations table is the one place an operation's name, method, path, request and
//! response types, retry safety and credentials are written down. This module checks it (names
//! unique, types defined in the specs, paths well formed) and emits the `Operation` enum and one
//! `Endpoint` marker type per operation. The client, emulator and tests read everything from
//! there, so adding an endpoint is one entry here plus the code that serves or calls it.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

/// The spec file holding the table, relative to `specs/`.
pub const FILE: &str = "operations.json";

/// Where the generated table lives, relative to the workspace root.
pub const GENERATED: &str = "crates/stytch-totp-models/src/operations.rs";

#[derive(Debug, Deserialize)]
struct Table {
    operations: Vec<OperationSpec>,
}

/// One row of the table, as written in the spec.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// `resource.action`, e.g. `totps.create`.
    pub name: String,
    /// `GET`, `POST` or `DELETE`.
    pub method: String,
    /// Path template, parameters as `{name}`.
    pub path: String,
    /// Query-string parameters.
    #[serde(default)]
    pub query: Vec<String>,
    /// Request body definition; none for calls without a body.
    pub request: Option<String>,
    /// Response definition.
    pub response: String,
    /// `always` or `before_processing_only`.
    pub retry: String,
    /// Whether the call carries the project's credentials (default: yes).
    #[serde(default = "yes")]
    pub credentials: bool,
    /// Why the retry class was chosen: shown in the generated docs.
    pub why: String,
}

fn yes() -> bool {
    true
}

impl OperationSpec {
    /// `TotpsCreate` for `totps.create`.
    pub fn variant(&self) -> String {
        self.name
            .split(['.', '_'])
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The `{name}` parameters of the path, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }
}

/// Reads and checks the table against the type definitions `defined` in the specs.
pub fn load(specs_dir: &Path, defined: &BTreeSet<String>) -> Result<Vec<OperationSpec>, String> {
    let path = specs_dir.join(FILE);
    let text =
        std::fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let table: Table = serde_json::from_str(&text).map_err(|e| format!("specs/{FILE}: {e}"))?;
    check(&table.operations, defined)?;
    Ok(table.operations)
}

fn check(operations: &[OperationSpec], defined: &BTreeSet<String>) -> Result<(), String> {
    let mut names = BTreeSet::new();
    let mut routes = BTreeSet::new();
    for op in operations {
        let at = format!("specs/{FILE}: {}", op.name);
        let well_named = op.name.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && op
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_')
        });
        if !well_named {
            return Err(format!(
                "{at}: names are `resource.action` in lower snake case"
            ));
        }
        if !names.insert(op.name.as_str()) {
            return Err(format!("{at}: named twice"));
        }
        if !matches!(op.method.as_str(), "GET" | "POST" | "DELETE") {
            return Err(format!(
                "{at}: method {} is not GET, POST or DELETE",
                op.method
            ));
        }
        if !op.path.starts_with("/v1/") || op.path.ends_with('/') {
            return Err(format!("{at}: path {} must start with /v1/", op.path));
        }
        for segment in op.path.split('/').skip(1) {
            let param = segment.starts_with('{') && segment.ends_with('}') && segment.len() > 2;
            let literal = !segment.is_empty()
                && segment
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !param && !literal {
                return Err(format!(
                    "{at}: path segment `{segment}` is not a word or {{param}}"
                ));
            }
        }
        if !routes.insert((op.method.as_str(), op.path.as_str())) {
            return Err(format!("{at}: {} {} is used twice", op.method, op.path));
        }
        if !matches!(op.retry.as_str(), "always" | "before_processing_only") {
            return Err(format!(
                "{at}: retry {} is not always or before_processing_only",
                op.retry
            ));
        }
        if op.request.is_some() == (op.method != "POST") {
            return Err(format!("{at}: POST calls have a request body, others none"));
        }
        for def in op.request.iter().chain([&op.response]) {
            if !defined.contains(def) {
                return Err(format!("{at}: {def} is not defined in specs/"));
            }
        }
    }
    Ok(())
}

/// The full text of the generated module (before rustfmt).
pub fn render(operations: &[OperationSpec]) -> String {
    let mut out = String::new();
    let count = operations.len();
    out.push_str(
        "// @generated by `cargo xtask codegen` from specs/operations.json.\n\
         // Do not edit by hand: edit the spec, then run `cargo xtask codegen`.\n\n\
         use crate::{Endpoint, HttpMethod, RetrySafety};\n\n\
         /// Every Stytch API operation this SDK knows, from `specs/operations.json`.\n\
         ///\n",
    );
    out.push_str(
        "/// | operation | HTTP | retried after an unknown outcome | credentials |\n\
         /// |---|---|---|---|\n",
    );
    for op in operations {
        let query: String = op.query.iter().map(|q| format!("?{q}=")).collect();
        let _ = writeln!(
            out,
            "/// | [`{}`](Operation::{}) | `{} {}{query}` | {} | {} |",
            op.name,
            op.variant(),
            op.method,
            op.path,
            if op.retry == "always" { "yes" } else { "no" },
            if op.credentials { "yes" } else { "none needed" },
        );
    }
    out.push_str(
        "///\n\
         /// Deliberately not `#[non_exhaustive]`: the emulator and the tests match on it\n\
         /// exhaustively, so a new operation does not compile until every part serves it.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]\n\
         pub enum Operation {\n",
    );
    for op in operations {
        let _ = writeln!(
            out,
            "/// `{} {}` (`{}`).\n{},",
            op.method,
            op.path,
            op.name,
            op.variant()
        );
    }
    out.push_str("}\n\nimpl Operation {\n");
    let _ = writeln!(
        out,
        "/// How many operations there are.\npub const COUNT: usize = {count};\n\n\
         /// Every operation, in the order of the spec.\npub const ALL: [Operation; {count}] = [{}];\n",
        operations
            .iter()
            .map(|op| format!("Operation::{}", op.variant()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut accessor =
        |doc: &str, signature: &str, value: &dyn Fn(usize, &OperationSpec) -> String| {
            let _ = writeln!(out, "/// {doc}\npub const fn {signature} {{\nmatch self {{");
            for (i, op) in operations.iter().enumerate() {
                let _ = writeln!(out, "Operation::{} => {},", op.variant(), value(i, op));
            }
            out.push_str("}\n}\n\n");
        };
    accessor(
        "Position in [`Operation::ALL`]: an index for per-operation arrays of length [`Operation::COUNT`].",
        "index(self) -> usize",
        &|i, _| i.to_string(),
    );
    accessor(
        "The operation's name, e.g. `totps.create`.",
        "name(self) -> &'static str",
        &|_, op| format!("{:?}", op.name),
    );
    accessor(
        "Span and log name, e.g. `stytch.totps.create`.",
        "span_name(self) -> &'static str",
        &|_, op| format!("{:?}", format!("stytch.{}", op.name)),
    );
    accessor(
        "The HTTP method.",
        "method(self) -> HttpMethod",
        &|_, op| {
            let method = match op.method.as_str() {
                "GET" => "Get",
                "DELETE" => "Delete",
                _ => "Post",
            };
            format!("HttpMethod::{method}")
        },
    );
    accessor(
        "The path template, parameters written `{name}` (axum's route syntax).",
        "path(self) -> &'static str",
        &|_, op| format!("{:?}", op.path),
    );
    accessor(
        "The names of the path parameters, in the order they appear.",
        "path_params(self) -> &'static [&'static str]",
        &|_, op| format!("&{:?}", op.path_params()),
    );
    accessor(
        "The names of the query-string parameters.",
        "query_params(self) -> &'static [&'static str]",
        &|_, op| format!("&{:?}", op.query),
    );
    accessor(
        "Whether the call sends a JSON body.",
        "has_body(self) -> bool",
        &|_, op| op.request.is_some().to_string(),
    );
    accessor(
        "Whether the call carries the project's credentials (HTTP Basic).",
        "sends_credentials(self) -> bool",
        &|_, op| op.credentials.to_string(),
    );
    accessor(
        "When a failed attempt may be sent again.",
        "retry_safety(self) -> RetrySafety",
        &|_, op| match op.retry.as_str() {
            "always" => "RetrySafety::Always".to_owned(),
            _ => "RetrySafety::BeforeProcessingOnly".to_owned(),
        },
    );
    accessor(
        "Why the operation has its retry safety, in a few words.",
        "retry_reason(self) -> &'static str",
        &|_, op| format!("{:?}", op.why),
    );
    out.push_str(
        "/// The operation with this [`name`](Operation::name), e.g. `users.get`.\n\
         pub fn from_name(name: &str) -> Option<Operation> {\n\
         Operation::ALL.into_iter().find(|op| op.name() == name)\n}\n}\n\n",
    );
    out.push_str(
        "/// Calls the macro `$callback` with every operation as `Variant => \"span name\"`, for\n\
         /// code that needs the names as literals (tracing's span macros do).\n\
         #[macro_export]\n\
         macro_rules! for_each_operation {\n\
         ($callback:ident) => {\n\
         $callback! {\n",
    );
    for op in operations {
        let _ = writeln!(out, "{} => \"stytch.{}\",", op.variant(), op.name);
    }
    out.push_str("}\n};\n}\n\n");
    out.push_str(
        "/// One marker type per operation, pairing it with its request and response types.\n\
         pub mod endpoints {\n\
         use super::*;\n\n",
    );
    for op in operations {
        let request = op
            .request
            .as_ref()
            .map(|r| format!("crate::{r}"))
            .unwrap_or_else(|| "()".to_owned());
        let _ = writeln!(
            out,
            "/// `{method} {path}`.\n\
             #[derive(Debug, Clone, Copy, Default)]\n\
             pub struct {variant};\n\n\
             impl Endpoint for {variant} {{\n\
             const OPERATION: Operation = Operation::{variant};\n\
             type Request = {request};\n\
             type Response = crate::{response};\n\
             }}\n",
            method = op.method,
            path = op.path,
            variant = op.variant(),
            response = op.response,
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(name: &str, method: &str, path: &str, request: Option<&str>) -> OperationSpec {
        OperationSpec {
            name: name.into(),
            method: method.into(),
            path: path.into(),
            query: vec![],
            request: request.map(Into::into),
            response: "R".into(),
            retry: "always".into(),
            credentials: true,
            why: "a read".into(),
        }
    }

    fn defined() -> BTreeSet<String> {
        ["R", "Q"].map(String::from).into()
    }

    #[test]
    fn variants_and_params_come_from_name_and_path() {
        let get = op(
            "users.delete_totp",
            "DELETE",
            "/v1/users/totps/{totp_id}",
            None,
        );
        assert_eq!(get.variant(), "UsersDeleteTotp");
        assert_eq!(get.path_params(), ["totp_id"]);
        check(&[get], &defined()).unwrap();
    }

    #[test]
    fn broken_tables_are_refused_with_the_reason() {
        let cases = [
            (
                vec![op("users", "GET", "/v1/users", None)],
                "resource.action",
            ),
            (
                vec![
                    op("users.get", "GET", "/v1/users/{id}", None),
                    op("users.get", "GET", "/v1/x", None),
                ],
                "named twice",
            ),
            (
                vec![op("users.get", "PUT", "/v1/users", None)],
                "method PUT",
            ),
            (
                vec![op("users.get", "GET", "/users", None)],
                "must start with /v1/",
            ),
            (
                vec![op("users.get", "GET", "/v1/Users", None)],
                "segment `Users`",
            ),
            (
                vec![op("users.get", "GET", "/v1/users", Some("Q"))],
                "request body",
            ),
            (
                vec![op("users.create", "POST", "/v1/users", None)],
                "request body",
            ),
            (
                vec![op("users.create", "POST", "/v1/users", Some("Nope"))],
                "Nope is not defined",
            ),
            (
                vec![
                    op("users.get", "GET", "/v1/users", None),
                    op("users.list", "GET", "/v1/users", None),
                ],
                "used twice",
            ),
        ];
        for (table, expected) in cases {
            let err = check(&table, &defined()).unwrap_err();
            assert!(err.contains(expected), "{err} should mention {expected}");
        }
    }

    #[test]
    fn rendering_names_every_operation_once_per_accessor() {
        let table = [
            op("users.get", "GET", "/v1/users/{user_id}", None),
            op("totps.create", "POST", "/v1/totps", Some("Q")),
        ];
        let code = render(&table);
        assert!(code.contains(
            "pub const ALL: [Operation; 2] = [Operation::UsersGet, Operation::TotpsCreate];"
        ));
        assert!(code.contains("Operation::UsersGet => \"/v1/users/{user_id}\","));
        assert!(code.contains("Operation::TotpsCreate => HttpMethod::Post,"));
        assert!(code.contains("type Request = ();"));
        assert!(code.contains("type Request = crate::Q;"));
        assert_eq!(code.matches("Operation::UsersGet =>").count(), 11);
        assert!(code.contains("UsersGet => \"stytch.users.get\","));
    }
}

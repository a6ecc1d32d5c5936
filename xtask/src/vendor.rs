//! `cargo xtask vendor-openapi [PATH]`: the part of Stytch's OpenAPI that `specs/` derive
//! from, kept in the repository so `upstream-diff` runs in every clone (and in `cargo xtask
//! ci`) without the 2.5 MB full copy. The trimmed file holds the components our definitions
//! map to plus everything they reference and the paths of our operations, with the full
//! copy's source and MIT licence beside.
//! `--check` fails when the vendored copy differs from what the full copy would give.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{json, Value};

use crate::specs;
use crate::upstream::upstream_name;

/// The vendored copy, relative to the workspace root.
pub const VENDORED: &str = "vendor/stytch-openapi/openapi.yml";
/// Where the full copy lives on the team's machines, relative to the workspace root.
pub const DEFAULT_FULL: &str = "../shared/stytch-openapi/openapi.yml";

const REF_PREFIX: &str = "#/components/schemas/";

/// Writes (or with `check`, compares) the trimmed copy, its licence and its source note.
pub fn run(root: &Path, full: &Path, check: bool) -> Result<(), String> {
    let text =
        std::fs::read_to_string(full).map_err(|e| format!("reading {}: {e}", full.display()))?;
    let trimmed = trim(root, &text)?;
    let source_note = std::fs::read_to_string(full.with_file_name("SOURCE.txt"))
        .unwrap_or_else(|_| format!("(no SOURCE.txt beside {})\n", full.display()));
    let licence = std::fs::read_to_string(full.with_file_name("LICENSE"))
        .map_err(|e| format!("the MIT licence must travel with the copy: {e}"))?;
    let files = [
        (VENDORED.to_owned(), trimmed),
        ("vendor/stytch-openapi/LICENSE".to_owned(), licence),
        (
            "vendor/stytch-openapi/SOURCE.txt".to_owned(),
            format!(
                "{}\nTrimmed by `cargo xtask vendor-openapi` to the components specs/ derive \
                 from and what they reference, and the paths of specs/operations.json (method, \
                 parameters and body references only). \
                 Regenerate from a full copy with `cargo xtask vendor-openapi PATH`; \
                 `--check` compares.\n",
                source_note.trim_end()
            ),
        ),
    ];
    for (path, content) in files {
        let path = root.join(path);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != content {
                return Err(format!(
                    "{} is stale: run `cargo xtask vendor-openapi {}`",
                    path.display(),
                    full.display()
                ));
            }
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&path, content).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    println!("{} {VENDORED}", if check { "current:" } else { "wrote" });
    Ok(())
}

/// The OpenAPI document cut down to the closure of the components `specs/` map to.
pub fn trim(root: &Path, openapi_text: &str) -> Result<String, String> {
    let full: Value = serde_yaml_ng::from_str(openapi_text)
        .map_err(|e| format!("the OpenAPI copy is not valid YAML: {e}"))?;
    let components = full
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .ok_or("the OpenAPI file has no components.schemas")?;
    let bundled = specs::bundle(&specs::load(&root.join("specs"))?)?;
    let roots: Vec<String> = bundled["$defs"]
        .as_object()
        .map(|defs| defs.keys().filter_map(|n| upstream_name(n)).collect())
        .unwrap_or_default();
    let mut kept = BTreeMap::new();
    let mut queue: Vec<String> = roots
        .into_iter()
        .filter(|n| components.contains_key(n))
        .collect();
    while let Some(name) = queue.pop() {
        if kept.contains_key(&name) {
            continue;
        }
        let Some(schema) = components.get(&name) else {
            return Err(format!("dangling reference to {name}"));
        };
        let mut refs = BTreeSet::new();
        references(schema, &mut refs);
        queue.extend(refs);
        kept.insert(name, schema.clone());
    }
    let defined = bundled["$defs"]
        .as_object()
        .map(|defs| defs.keys().cloned().collect())
        .unwrap_or_default();
    let operations = crate::operations::load(&root.join("specs"), &defined)?;
    let document = json!({
        "openapi": full["openapi"],
        "info": full["info"],
        "paths": crate::upstream_operations::trimmed_paths(&full, &operations)?,
        "components": { "schemas": kept },
    });
    let yaml = serde_yaml_ng::to_string(&document).map_err(|e| e.to_string())?;
    Ok(format!(
        "# Trimmed copy of Stytch's OpenAPI (MIT, see LICENSE; source in SOURCE.txt), made by\n\
         # `cargo xtask vendor-openapi`. Do not edit: regenerate from the full copy.\n{yaml}"
    ))
}

/// Every component a schema references.
fn references(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                if let Some(name) = target.strip_prefix(REF_PREFIX) {
                    out.insert(name.to_owned());
                }
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_keeps_the_mapped_components_and_what_they_reference() {
        let dir = std::env::temp_dir().join(format!("xtask-vendor-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("specs")).unwrap();
        std::fs::write(
            dir.join("specs/totps.json"),
            r#"{"$defs": {"CreateTotpRequest": {"type": "object"}}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.join("specs/operations.json"),
            r#"{"operations": [{"name": "totps.create", "method": "POST", "path": "/v1/totps",
                "request": "CreateTotpRequest", "response": "CreateTotpRequest",
                "retry": "always", "why": "test"}]}"#,
        )
        .unwrap();
        let openapi = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n\
            paths:\n  /v1/totps: {post: {summary: dropped, operationId: x}}\n  /v1/other: {get: {}}\n\
            components:\n  schemas:\n\
            \x20   api_totp_v1_CreateRequest: {properties: {x: {$ref: '#/components/schemas/Inner'}}}\n\
            \x20   Inner: {items: {$ref: '#/components/schemas/Leaf'}}\n\
            \x20   Leaf: {type: string}\n\
            \x20   Unrelated: {type: string}\n";
        let trimmed = trim(&dir, openapi).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let doc: Value = serde_yaml_ng::from_str(&trimmed).unwrap();
        let kept: Vec<&String> = doc["components"]["schemas"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(kept, ["Inner", "Leaf", "api_totp_v1_CreateRequest"]);
        assert_eq!(
            doc["paths"],
            json!({ "/v1/totps": { "post": { "operationId": "x" } } })
        );
    }
}

//! Loading `specs/` and bundling its files into one JSON Schema root for typify.
//!
//! typify cannot follow references into other files (`common.json#/$defs/X` panics), so every
//! file's `$defs` are merged into one `$defs` map and every reference is rewritten to
//! `#/$defs/X`. Definition names must therefore be unique across all files; that is checked
//! here because typify would silently keep only the first of two same-named types.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value};

/// One spec file: its file name (`totps.json`) and parsed content.
pub struct SpecFile {
    /// File name relative to `specs/`.
    pub name: String,
    /// The parsed JSON document.
    pub document: Value,
}

/// Reads every `*.json` schema file in `dir` (all but the operations table), sorted by name for deterministic output.
pub fn load(dir: &Path) -> Result<Vec<SpecFile>, String> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("reading {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let is_json = path.extension().and_then(|e| e.to_str()) == Some("json");
        // The operations table is not a schema file: `operations` reads it.
        if !is_json || path.file_name() == Some(crate::operations::FILE.as_ref()) {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        let document = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        files.push(SpecFile { name, document });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    if files.is_empty() {
        return Err(format!("no *.json spec files in {}", dir.display()));
    }
    Ok(files)
}

/// Merges the `$defs` of all files into one root schema (`{"$defs": {...}}`) with local refs.
///
/// Also folds runs of whitespace in `description`s into single spaces: Stytch's descriptions
/// carry indented lines that rustdoc would otherwise compile as doctests.
pub fn bundle(files: &[SpecFile]) -> Result<Value, String> {
    let mut defs: BTreeMap<String, (String, Value)> = BTreeMap::new();
    for file in files {
        let Some(file_defs) = file.document.get("$defs").and_then(Value::as_object) else {
            return Err(format!("{} has no \"$defs\" object", file.name));
        };
        for (name, schema) in file_defs {
            let mut schema = schema.clone();
            rewrite(&mut schema, &file.name)?;
            if let Some((first, _)) = defs.get(name) {
                return Err(format!(
                    "definition {name} appears in both {first} and {}: names must be unique",
                    file.name
                ));
            }
            defs.insert(name.clone(), (file.name.clone(), schema));
        }
    }
    let known: Vec<&String> = defs.keys().collect();
    let mut all = Map::new();
    for (name, (_, schema)) in &defs {
        check_refs(schema, &known, name)?;
        all.insert(name.clone(), schema.clone());
    }
    let mut root = Map::new();
    root.insert("$defs".into(), Value::Object(all));
    Ok(Value::Object(root))
}

/// Rewrites `other.json#/$defs/X` and `#/$defs/X` to `#/$defs/X`, normalises descriptions and
/// drops `examples` (documentation for humans and tests, not for the generated types).
fn rewrite(value: &mut Value, file: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            map.remove("examples");
            if let Some(Value::String(reference)) = map.get_mut("$ref") {
                let Some((_, name)) = reference.split_once("#/$defs/") else {
                    return Err(format!("{file}: unsupported $ref {reference}"));
                };
                *reference = format!("#/$defs/{name}");
            }
            if let Some(Value::String(text)) = map.get_mut("description") {
                *text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            for child in map.values_mut() {
                rewrite(child, file)?;
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite(child, file)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn check_refs(value: &Value, known: &[&String], owner: &str) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                let name = reference.trim_start_matches("#/$defs/");
                if !known.iter().any(|k| k.as_str() == name) {
                    return Err(format!("{owner} refers to unknown definition {name}"));
                }
            }
            map.values().try_for_each(|v| check_refs(v, known, owner))
        }
        Value::Array(items) => items.iter().try_for_each(|v| check_refs(v, known, owner)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(name: &str, document: Value) -> SpecFile {
        SpecFile {
            name: name.into(),
            document,
        }
    }

    #[test]
    fn bundling_rewrites_cross_file_refs_and_folds_descriptions() {
        let files = [
            file(
                "a.json",
                json!({"$defs": {"A": {"$ref": "b.json#/$defs/B", "description": "x\n   y"}}}),
            ),
            file(
                "b.json",
                json!({"$defs": {"B": {"type": "string", "examples": ["e"]}}}),
            ),
        ];
        let root = bundle(&files).unwrap();
        assert_eq!(
            root["$defs"]["A"],
            json!({"$ref": "#/$defs/B", "description": "x y"})
        );
        assert_eq!(root["$defs"]["B"], json!({"type": "string"}));
    }

    #[test]
    fn duplicate_names_across_files_are_refused() {
        let files = [
            file("a.json", json!({"$defs": {"A": {"type": "string"}}})),
            file("b.json", json!({"$defs": {"A": {"type": "integer"}}})),
        ];
        let err = bundle(&files).unwrap_err();
        assert!(err.contains("A appears in both a.json and b.json"), "{err}");
    }

    #[test]
    fn dangling_refs_are_refused() {
        let files = [file(
            "a.json",
            json!({"$defs": {"A": {"$ref": "#/$defs/Nope"}}}),
        )];
        assert!(bundle(&files)
            .unwrap_err()
            .contains("unknown definition Nope"));
    }
}

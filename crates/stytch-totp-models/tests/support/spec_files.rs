//! Reading `specs/` in tests: the one loader the models' and the client's tests share (the
//! client's includes this file by path).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// Every schema file of `specs/` (the operations table left out) as `($id, document)`, sorted
/// by file name.
pub fn spec_files() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable specs/ entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .filter(|path| !path.ends_with("operations.json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a readable spec file");
            let doc: Value = serde_json::from_str(&text).expect("a JSON spec file");
            let id = doc["$id"]
                .as_str()
                .expect("every spec file has an $id")
                .to_owned();
            (id, doc)
        })
        .collect()
}

/// Every definition of `specs/`, by name.
pub fn definitions() -> BTreeMap<String, Value> {
    spec_files()
        .into_iter()
        .flat_map(|(_, doc)| doc["$defs"].as_object().cloned().unwrap_or_default())
        .collect()
}

/// The `index`th example of `definition`.
pub fn example(definition: &str, index: usize) -> Value {
    let example = &definitions()[definition]["examples"][index];
    assert!(!example.is_null(), "no example {definition}[{index}]");
    example.clone()
}

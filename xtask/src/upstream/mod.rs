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

mod intended;
mod schema;

use intended::{COVERED, OURS_ONLY};
pub use intended::{INTENDED, TIMESTAMP_FORMAT};
use schema::{format_difference, our_format, our_type, their_format, their_type};
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

#[cfg(test)]
mod tests;

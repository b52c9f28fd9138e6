//! The JSON Schema of the scenario format, generated from the raw types (`raw::Scenario` and
//! everything it holds) with schemars, so it cannot drift from what the parser accepts; their
//! doc comments become each field's `description`.
//!
//! The schema checks shape (field names, types, which kinds exist); validation
//! (`scenarios::parse`) checks meaning (names that resolve, ranges, units) and remains the
//! authority: a file can fit the schema and still be refused, never the reverse for the
//! catalog (tested).

/// The scenario format's JSON Schema (draft 2020-12) as a JSON value.
pub fn schema() -> serde_json::Value {
    let schema = schemars::schema_for!(crate::raw::Scenario);
    let mut value = serde_json::to_value(&schema).unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert(
            "title".to_string(),
            serde_json::Value::String("faultline scenario".to_string()),
        );
    }
    value
}

/// The schema as pretty-printed JSON text, ending in a newline.
pub fn text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}

/// The reference page (`docs/reference.md`): every type of the format with each field's type,
/// default and meaning, rendered from `schema()`, so the page and the schema share a source.
pub fn reference() -> String {
    let schema = schema();
    let mut out = String::from(
        "# Scenario format reference\n\n\
         Generated from the scenario format's types by `tests/schema.rs` (the same source as \
         `faultline schema`, the JSON Schema): do not edit it by hand; after changing \
         `scenarios/src/raw.rs`, regenerate it with `FAULTLINE_BLESS=1 cargo test --test schema`.\n\n\
         A field's type links to its own section. Durations are strings with a unit \
         (`\"250ms\"`, `\"2s\"`, `\"1m30s\"`); a field marked optional may be left out (its default applies, or the feature is off). \
         The schema checks shape; `faultline validate` also checks meaning (names that \
         resolve, ranges, units), and the defaults table in the doc comment of \
         `scenarios/src/raw.rs` explains each default.\n\n",
    );
    out.push_str("## Scenario\n\n");
    section(&mut out, &schema);
    if let Some(defs) = schema.get("$defs").and_then(serde_json::Value::as_object) {
        let mut names: Vec<&String> = defs.keys().collect();
        names.sort();
        for name in names {
            out.push_str(&format!("## {name}\n\n"));
            section(&mut out, &defs[name]);
        }
    }
    out
}

/// One type's section: its description, then its fields or its values.
fn section(out: &mut String, schema: &serde_json::Value) {
    if let Some(description) = schema.get("description").and_then(|d| d.as_str()) {
        out.push_str(&cell(description));
        out.push_str("\n\n");
    }
    if let Some(properties) = schema.get("properties").and_then(|p| p.as_object()) {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(|r| r.as_array())
            .map(|r| r.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        out.push_str("| field | type | default | meaning |\n|---|---|---|---|\n");
        for (name, field) in properties {
            let default = match field.get("default") {
                Some(value) => format!("`{value}`"),
                None if required.contains(&name.as_str()) => "required".to_string(),
                None => "optional".to_string(),
            };
            let meaning = field
                .get("description")
                .and_then(|d| d.as_str())
                .unwrap_or("");
            out.push_str(&format!(
                "| `{name}` | {} | {default} | {} |\n",
                type_of(field),
                cell(meaning)
            ));
        }
        if let Some(patterns) = schema.get("patternProperties").and_then(|p| p.as_object()) {
            for (pattern, field) in patterns {
                out.push_str(&format!(
                    "| keys matching `{pattern}` | {} | absent | a measured percentile: `p50`, `p99`, `p999` or `p99.9` |\n",
                    type_of(field)
                ));
            }
        }
        out.push('\n');
    } else if let Some(values) = schema.get("oneOf").and_then(|v| v.as_array()) {
        out.push_str("| value | meaning |\n|---|---|\n");
        for value in values {
            let name = value
                .get("const")
                .map(|c| format!("`{c}`"))
                .unwrap_or_else(|| type_of(value));
            let meaning = value
                .get("description")
                .and_then(|d| d.as_str())
                .unwrap_or("");
            out.push_str(&format!("| {name} | {} |\n", cell(meaning)));
        }
        out.push('\n');
    } else {
        out.push_str(&format!("Type: {}.\n\n", type_of(schema)));
    }
}

/// A field's type in words, with links to the sections of named types.
fn type_of(schema: &serde_json::Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!("[{name}](#{})", name.to_lowercase());
    }
    if let Some(choices) = schema
        .get("anyOf")
        .or_else(|| schema.get("oneOf"))
        .and_then(|a| a.as_array())
    {
        let kinds: Vec<String> = choices
            .iter()
            .filter(|choice| choice.get("type").and_then(|t| t.as_str()) != Some("null"))
            .map(type_of)
            .collect();
        return kinds.join(" or ");
    }
    if let Some(values) = schema.get("enum").and_then(|e| e.as_array()) {
        let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        return values.join(", ");
    }
    let kinds: Vec<&str> = match schema.get("type") {
        Some(serde_json::Value::String(kind)) => vec![kind.as_str()],
        Some(serde_json::Value::Array(kinds)) => kinds
            .iter()
            .filter_map(|k| k.as_str())
            .filter(|k| *k != "null")
            .collect(),
        _ => Vec::new(),
    };
    let words: Vec<String> = kinds
        .iter()
        .map(|kind| match *kind {
            "array" => format!(
                "array of {}",
                schema
                    .get("items")
                    .map(type_of)
                    .unwrap_or_else(|| "any".to_string())
            ),
            "object" => match schema.get("additionalProperties") {
                Some(value) if value.is_object() => format!("map of {}", type_of(value)),
                _ => "object".to_string(),
            },
            "integer" | "number" => "number".to_string(),
            other => other.to_string(),
        })
        .collect();
    if words.is_empty() {
        "any JSON value".to_string()
    } else {
        words.join(" or ")
    }
}

/// Text made safe for one table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

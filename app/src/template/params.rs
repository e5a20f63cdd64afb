//! Typed template parameters: their declarations and the checks on the values people give.

use super::Problem;
use crate::model::ocid::Ocid;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Longest parameter name.
const MAX_NAME: usize = 64;
/// Longest value of any one parameter, unless the declaration says less.
pub const MAX_VALUE: usize = 1024;
/// Most items a list parameter takes.
pub const MAX_ITEMS: usize = 100;
/// The name `for_each` gives the current item; no parameter may take it.
pub const ITEM: &str = "item";

/// What a parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Free text.
    String,
    /// An OCID, optionally of one resource type.
    Ocid,
    /// An e-mail address.
    Email,
    /// An `https://` (or `http://`) URL.
    Url,
    /// One of `values`.
    Enum,
    /// A list of `items`.
    List,
}

/// What each item of a list parameter holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScalarKind {
    /// Free text.
    String,
    /// An OCID.
    Ocid,
    /// An e-mail address.
    Email,
    /// A URL.
    Url,
    /// One of `values`.
    Enum,
}

/// A parameter the person applying the template fills in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Parameter {
    /// How the template refers to it: `{{name}}`.
    pub name: String,
    /// What the form calls it; the name when empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    /// Help shown under the field.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// What it holds.
    #[serde(rename = "type")]
    pub kind: ParamKind,
    /// Whether a value must be given (a default counts).
    #[serde(default)]
    pub required: bool,
    /// The value used when none is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<serde_json::Value>))]
    pub default: Option<Value>,
    /// The choices of an `enum` (or of a list of `enum` items).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// What a `list` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ScalarKind>,
    /// The OCID's resource type for an `ocid`, such as `fnfunc` or `stream`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Longest value of a `string`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

/// A parameter's value once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A single value.
    Text(String),
    /// The items of a list.
    List(Vec<String>),
}

impl Parameter {
    /// What the form calls it.
    pub fn label(&self) -> &str {
        if self.label.is_empty() { &self.name } else { &self.label }
    }

    fn scalar(&self) -> ScalarKind {
        match self.kind {
            ParamKind::String => ScalarKind::String,
            ParamKind::Ocid => ScalarKind::Ocid,
            ParamKind::Email => ScalarKind::Email,
            ParamKind::Url => ScalarKind::Url,
            ParamKind::Enum => ScalarKind::Enum,
            ParamKind::List => self.items.unwrap_or(ScalarKind::String),
        }
    }

    /// The value checked against the declaration: a string for a single value; an array of
    /// strings, or one string of items separated by commas or new lines, for a list.
    pub fn check_value(&self, value: &Value) -> Result<Resolved, String> {
        if self.kind == ParamKind::List {
            let items: Vec<String> = match value {
                Value::Array(items) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) => Ok(s.trim().to_owned()),
                        other => Err(format!("Each item is text; {other} is not.")),
                    })
                    .collect::<Result<_, _>>()?,
                Value::String(text) => text.split([',', '\n']).map(|s| s.trim().to_owned()).collect(),
                other => return Err(format!("Give a list of values; {other} is not one.")),
            };
            let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
            if items.len() > MAX_ITEMS {
                return Err(format!("{} items is more than a list takes ({MAX_ITEMS}).", items.len()));
            }
            let mut seen = BTreeSet::new();
            for (i, item) in items.iter().enumerate() {
                self.check_scalar(item).map_err(|m| format!("Item {}: {m}", i + 1))?;
                if !seen.insert(item) {
                    return Err(format!("Item {}: \"{item}\" is in the list twice; remove one.", i + 1));
                }
            }
            return Ok(Resolved::List(items));
        }
        let text = match value {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) if self.kind == ParamKind::String => n.to_string(),
            Value::Bool(b) if self.kind == ParamKind::String => b.to_string(),
            other => return Err(format!("Give a single value as text; {other} is not.")),
        };
        self.check_scalar(&text)?;
        Ok(Resolved::Text(text))
    }

    fn check_scalar(&self, text: &str) -> Result<(), String> {
        let limit = self.max_length.unwrap_or(MAX_VALUE).min(MAX_VALUE);
        let length = text.chars().count();
        if length > limit {
            return Err(format!("The value is {length} characters long; shorten it to at most {limit}."));
        }
        match self.scalar() {
            ScalarKind::String => Ok(()),
            ScalarKind::Ocid => {
                let (ocid, shape) = match self.resource_type.as_deref() {
                    Some(kind) => (Ocid::parse_of(text, &[kind]), format!("ocid1.{kind}.oc1…")),
                    None => (Ocid::parse(text), "ocid1.<type>.oc1…".to_owned()),
                };
                match ocid {
                    Some(_) => Ok(()),
                    None => Err(format!(
                        "\"{text}\" is not an OCID ({shape}); copy it from the console or the resource's page."
                    )),
                }
            }
            ScalarKind::Email => crate::model::subscription::check_email(text),
            ScalarKind::Url => {
                let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
                match rest {
                    Some(rest) if !rest.is_empty() && !text.contains(char::is_whitespace) => Ok(()),
                    _ => Err(format!(
                        "\"{text}\" is not a URL; write it in full, such as https://hooks.example.com/oci."
                    )),
                }
            }
            ScalarKind::Enum => {
                if self.values.iter().any(|v| v == text) {
                    Ok(())
                } else {
                    Err(format!("\"{text}\" is not one of the choices: {}.", self.values.join(", ")))
                }
            }
        }
    }
}

/// Problems with the declarations themselves: names, kinds and their settings, defaults.
pub(super) fn check_declarations(parameters: &[Parameter], problems: &mut Vec<Problem>) {
    if parameters.len() > super::MAX_PARAMETERS {
        problems.push(Problem::new(
            "parameters",
            format!("{} parameters is more than a template declares ({}).", parameters.len(), super::MAX_PARAMETERS),
        ));
    }
    let mut names = BTreeSet::new();
    for (i, p) in parameters.iter().enumerate() {
        let field = |name: &str| format!("parameters[{i}].{name}");
        let valid = !p.name.is_empty()
            && p.name.len() <= MAX_NAME
            && p.name.as_bytes()[0].is_ascii_lowercase()
            && p.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !valid {
            problems.push(Problem::new(
                field("name"),
                format!("\"{}\" is not a parameter name: start with a letter and use lowercase letters, digits and _, such as alert_url.", p.name),
            ));
        } else if p.name == ITEM {
            problems.push(Problem::new(
                field("name"),
                "\"item\" names the current item of for_each; call the parameter something else.",
            ));
        } else if !names.insert(p.name.as_str()) {
            problems.push(Problem::new(field("name"), format!("Another parameter is already called \"{}\".", p.name)));
        }
        let is_enum = p.kind == ParamKind::Enum || (p.kind == ParamKind::List && p.items == Some(ScalarKind::Enum));
        if is_enum && p.values.is_empty() {
            problems.push(Problem::new(field("values"), "List the choices, such as [\"dev\", \"prod\"]."));
        }
        if !is_enum && !p.values.is_empty() {
            problems.push(Problem::new(
                field("values"),
                "Only an enum (or a list of enum items) has choices; remove values.",
            ));
        }
        if p.items.is_some() && p.kind != ParamKind::List {
            problems.push(Problem::new(field("items"), "Only a list has items; remove items or make the type list."));
        }
        let is_ocid = p.kind == ParamKind::Ocid || (p.kind == ParamKind::List && p.items == Some(ScalarKind::Ocid));
        match &p.resource_type {
            Some(_) if !is_ocid => {
                problems.push(Problem::new(field("resource_type"), "Only an OCID has a resource type; remove it."))
            }
            Some(kind) if kind.is_empty() || !kind.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) => {
                problems.push(Problem::new(
                    field("resource_type"),
                    format!("\"{kind}\" is not an OCID resource type; write it as in the OCID, such as fnfunc."),
                ))
            }
            _ => {}
        }
        if p.max_length.is_some() && p.kind != ParamKind::String {
            problems.push(Problem::new(field("max_length"), "Only a string has a maximum length; remove it."));
        }
        if let Some(Err(message)) = p.default.as_ref().map(|default| p.check_value(default)) {
            problems.push(Problem::new(field("default"), format!("The default does not fit the parameter: {message}")));
        }
    }
}

/// Every declared parameter's value: given, else the default, else empty; a problem for each
/// missing required value, each invalid one and each value no parameter takes.
pub fn resolve(
    parameters: &[Parameter],
    values: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Resolved>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut resolved = BTreeMap::new();
    for name in values.keys() {
        if !parameters.iter().any(|p| &p.name == name) {
            problems.push(Problem::new(
                format!("values.{name}"),
                format!("The template has no parameter \"{name}\"; remove it."),
            ));
        }
    }
    for p in parameters {
        let field = format!("values.{}", p.name);
        let given = values.get(&p.name).filter(|v| !is_blank(v));
        let value = match given.or(p.default.as_ref()) {
            Some(value) => match p.check_value(value) {
                Ok(value) => value,
                Err(message) => {
                    problems.push(Problem::new(field, format!("{}: {message}", p.label())));
                    continue;
                }
            },
            None if p.required => {
                problems.push(Problem::new(field, format!("Fill in {}; the template needs it.", p.label())));
                continue;
            }
            None if p.kind == ParamKind::List => Resolved::List(Vec::new()),
            None => Resolved::Text(String::new()),
        };
        if p.required && value == Resolved::List(Vec::new()) {
            problems.push(Problem::new(field, format!("Give at least one item for {}.", p.label())));
            continue;
        }
        resolved.insert(p.name.clone(), value);
    }
    if problems.is_empty() { Ok(resolved) } else { Err(problems) }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        _ => false,
    }
}

//! Evaluates Pyxis `*Filter` inputs over JSON documents with the semantics of
//! the document store behind Pyxis: nested filter objects are dotted paths,
//! a path through an array matches if any element matches.
//!
//! A filter is compiled once per request so that malformed input (unknown
//! operators, bad regular expressions, wrongly typed operands) is reported
//! even when no document would have been examined.

use std::cmp::Ordering;

use regex::{Regex, RegexBuilder};

/// The longest `regex`/`iregex` pattern accepted, in bytes: MongoDB's limit.
const MAX_REGEX_BYTES: usize = 32_764;
use serde_json::{Map, Value};

use crate::iso;

/// A compiled filter.
#[derive(Debug)]
pub(crate) enum Filter {
    All(Vec<Filter>),
    Any(Vec<Filter>),
    Not(Box<Filter>),
    Cond {
        path: Vec<String>,
        op: Op,
    },
    ElemMatch {
        path: Vec<String>,
        inner: Box<Filter>,
    },
    Size {
        path: Vec<String>,
        ops: Vec<Op>,
    },
    ListIndex {
        path: Vec<String>,
        index: usize,
        inner: Box<Filter>,
    },
}

/// A comparison against the values found at a path.
#[derive(Debug)]
pub(crate) enum Op {
    Eq(Value),
    Ne(Value),
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    In(Vec<Value>),
    Out(Vec<Value>),
    All(Vec<Value>),
    Regex(Regex),
}

const OPERATORS: [&str; 11] = [
    "eq", "ne", "lt", "le", "gt", "ge", "in", "out", "all", "regex", "iregex",
];

impl Filter {
    /// Compiles a filter input; `null` means "no condition".
    pub(crate) fn compile(input: &Value) -> Result<Filter, String> {
        match input {
            Value::Null => Ok(Filter::All(Vec::new())),
            Value::Object(map) => compile_object(map, &[]),
            other => Err(format!("filter must be an object, got {}", kind(other))),
        }
    }

    /// Whether `doc` satisfies the filter.
    pub(crate) fn matches(&self, doc: &Value) -> bool {
        match self {
            Filter::All(fs) => fs.iter().all(|f| f.matches(doc)),
            Filter::Any(fs) => fs.iter().any(|f| f.matches(doc)),
            Filter::Not(f) => !f.matches(doc),
            Filter::Cond { path, op } => op.matches(&values_at(doc, path)),
            Filter::ElemMatch { path, inner } => values_at(doc, path)
                .into_iter()
                .filter_map(Value::as_array)
                .flatten()
                .any(|e| inner.matches(e)),
            Filter::Size { path, ops } => values_at(doc, path)
                .into_iter()
                .filter_map(Value::as_array)
                .any(|a| {
                    let len = Value::from(a.len());
                    ops.iter().all(|op| op.matches(&[&len]))
                }),
            Filter::ListIndex { path, index, inner } => values_at(doc, path)
                .into_iter()
                .filter_map(|v| v.as_array()?.get(*index))
                .any(|e| inner.matches(e)),
        }
    }
}

fn compile_object(map: &Map<String, Value>, prefix: &[String]) -> Result<Filter, String> {
    let mut parts = Vec::with_capacity(map.len());
    for (key, value) in map {
        if let Some(f) = compile_entry(key, value, prefix)? {
            parts.push(f);
        }
    }
    Ok(match parts.len() {
        1 => parts.remove(0),
        _ => Filter::All(parts),
    })
}

fn compile_entry(key: &str, value: &Value, prefix: &[String]) -> Result<Option<Filter>, String> {
    let at = |field: &str| -> Vec<String> {
        let mut p = prefix.to_vec();
        p.push(field.to_owned());
        p
    };
    // `eq`/`ne` against null are meaningful ("is null or missing"); every
    // other null input field is simply unset.
    if value.is_null() && key != "eq" && key != "ne" {
        return Ok(None);
    }
    let filter = match key {
        "and" | "or" | "nor" => {
            let items = value
                .as_array()
                .ok_or_else(|| format!("`{key}` takes a list of filters, got {}", kind(value)))?;
            let subs = items
                .iter()
                .map(|item| match item {
                    Value::Object(m) => compile_object(m, prefix),
                    other => Err(format!(
                        "`{key}` items must be objects, got {}",
                        kind(other)
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            match key {
                "and" => Filter::All(subs),
                "or" => Filter::Any(subs),
                _ => Filter::Not(Box::new(Filter::Any(subs))),
            }
        }
        "not" => match value {
            Value::Object(m) => Filter::Not(Box::new(compile_object(m, prefix)?)),
            other => return Err(format!("`not` takes a filter object, got {}", kind(other))),
        },
        "list_index_filter" => {
            let index = value
                .get("index")
                .and_then(Value::as_u64)
                .and_then(|i| usize::try_from(i).ok())
                .ok_or("`list_index_filter.index` must be a non-negative integer")?;
            let inner = match value.get("condition") {
                Some(Value::Object(m)) => compile_object(m, &[])?,
                _ => return Err("`list_index_filter.condition` must be a filter object".into()),
            };
            Filter::ListIndex {
                path: prefix.to_vec(),
                index,
                inner: Box::new(inner),
            }
        }
        op if OPERATORS.contains(&op) => Filter::Cond {
            path: prefix.to_vec(),
            op: compile_op(op, value)?,
        },
        _ => {
            if let Some(field) = key.strip_suffix("_elemMatch") {
                let inner = match value {
                    Value::Object(m) => compile_object(m, &[])?,
                    other => {
                        return Err(format!(
                            "`{key}` takes a filter object, got {}",
                            kind(other)
                        ));
                    }
                };
                Filter::ElemMatch {
                    path: at(field),
                    inner: Box::new(inner),
                }
            } else if let Some(field) = key.strip_suffix("_size") {
                let ops = match value {
                    Value::Object(m) => m
                        .iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(op, v)| {
                            if OPERATORS[..8].contains(&op.as_str()) {
                                compile_op(op, v)
                            } else {
                                Err(format!("unknown size operator `{op}` in `{key}`"))
                            }
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    other => {
                        return Err(format!(
                            "`{key}` takes an IntFilter object, got {}",
                            kind(other)
                        ));
                    }
                };
                Filter::Size {
                    path: at(field),
                    ops,
                }
            } else {
                match value {
                    Value::Object(m) if is_field_name(key) => compile_object(m, &at(key))?,
                    Value::Object(_) => {
                        return Err(format!("invalid field name `{key}` in filter"));
                    }
                    _ => return Err(format!("unknown filter operator `{key}`")),
                }
            }
        }
    };
    Ok(Some(filter))
}

fn is_field_name(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn compile_op(op: &str, value: &Value) -> Result<Op, String> {
    let list = || -> Result<Vec<Value>, String> {
        value
            .as_array()
            .cloned()
            .ok_or_else(|| format!("`{op}` takes a list, got {}", kind(value)))
    };
    let scalar = || -> Result<Value, String> {
        match value {
            Value::Array(_) | Value::Object(_) => {
                Err(format!("`{op}` takes a scalar, got {}", kind(value)))
            }
            v => Ok(v.clone()),
        }
    };
    Ok(match op {
        "eq" => Op::Eq(scalar()?),
        "ne" => Op::Ne(scalar()?),
        "lt" => Op::Lt(scalar()?),
        "le" => Op::Le(scalar()?),
        "gt" => Op::Gt(scalar()?),
        "ge" => Op::Ge(scalar()?),
        "in" => Op::In(list()?),
        "out" => Op::Out(list()?),
        "all" => Op::All(list()?),
        "regex" | "iregex" => {
            let pattern = value
                .as_str()
                .ok_or_else(|| format!("`{op}` takes a string, got {}", kind(value)))?;
            // MongoDB refuses longer patterns before compiling them; so does this server,
            // which also keeps a huge pattern from taking seconds to refuse.
            if pattern.len() > MAX_REGEX_BYTES {
                return Err(format!(
                    "invalid `{op}` pattern: Regular expression is too long ({} bytes; the \
                     limit is {MAX_REGEX_BYTES})",
                    pattern.len()
                ));
            }
            let re = RegexBuilder::new(pattern)
                .case_insensitive(op == "iregex")
                .build()
                .map_err(|e| format!("invalid `{op}` pattern {pattern:?}: {e}"))?;
            Op::Regex(re)
        }
        other => return Err(format!("unknown filter operator `{other}`")),
    })
}

impl Op {
    /// `found` are the values at the filtered path (empty when missing).
    fn matches(&self, found: &[&Value]) -> bool {
        // Arrays match as a whole or through any of their elements.
        let candidates = || {
            found.iter().flat_map(|v| {
                let elems: &[Value] = v.as_array().map_or(&[], Vec::as_slice);
                std::iter::once(*v).chain(elems.iter())
            })
        };
        let equals_any = |target: &Value| {
            if target.is_null() && found.is_empty() {
                return true;
            }
            candidates().any(|c| json_eq(c, target))
        };
        let ordered = |target: &Value, ok: fn(Ordering) -> bool| {
            candidates().any(|c| compare(c, target).is_some_and(ok))
        };
        match self {
            Op::Eq(t) => equals_any(t),
            Op::Ne(t) => !equals_any(t),
            Op::In(ts) => ts.iter().any(equals_any),
            Op::Out(ts) => !ts.iter().any(equals_any),
            Op::All(ts) => !ts.is_empty() && ts.iter().all(equals_any),
            Op::Lt(t) => ordered(t, Ordering::is_lt),
            Op::Le(t) => ordered(t, Ordering::is_le),
            Op::Gt(t) => ordered(t, Ordering::is_gt),
            Op::Ge(t) => ordered(t, Ordering::is_ge),
            Op::Regex(re) => candidates().any(|c| c.as_str().is_some_and(|s| re.is_match(s))),
        }
    }
}

/// Every value reachable through `path`, descending into each element of
/// any array met on the way.
pub(crate) fn values_at<'a>(doc: &'a Value, path: &[String]) -> Vec<&'a Value> {
    fn walk<'a>(v: &'a Value, path: &[String], out: &mut Vec<&'a Value>) {
        let Some((head, rest)) = path.split_first() else {
            out.push(v);
            return;
        };
        match v {
            Value::Object(m) => {
                if let Some(child) = m.get(head) {
                    walk(child, rest, out);
                }
            }
            Value::Array(items) => {
                for item in items.iter().filter(|i| i.is_object()) {
                    walk(item, path, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, path, &mut out);
    out
}

fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) | (Value::String(_), Value::String(_)) => {
            a == b || compare(a, b) == Some(Ordering::Equal)
        }
        _ => a == b,
    }
}

/// Orders two scalars of the same kind; timestamps compare as instants.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64()?.partial_cmp(&y.as_f64()?),
        },
        (Value::String(x), Value::String(y)) => {
            match (iso::parse_instant(x), iso::parse_instant(y)) {
                (Some(x), Some(y)) => Some(x.cmp(&y)),
                _ => Some(x.cmp(y)),
            }
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn docs() -> Vec<Value> {
        vec![
            json!({
                "_id": "a1",
                "architecture": "amd64",
                "brew": {"build": "a.b-container-1.0-1", "package": "a.b-container"},
                "creation_date": "2024-03-01T12:00:00+00:00",
                "content_sets": ["rhel-8-baseos", "rhel-8-appstream"],
                "repositories": [
                    {"registry": "r1", "repository": "ns/one", "published": true,
                     "tags": [{"name": "latest"}, {"name": "1.0"}]},
                    {"registry": "r2", "repository": "ns/two", "published": false,
                     "tags": [{"name": "1.0-1"}]}
                ],
                "rpm_manifest": {"rpms": [{"name": "openssl"}, {"name": "bash"}]},
                "count": 3
            }),
            json!({
                "_id": "a2",
                "architecture": null,
                "brew": {"build": "axb-container-1.0-1", "package": "axb-container"},
                "creation_date": "2024-03-02T12:00:00+00:00",
                "content_sets": [],
                "repositories": [
                    {"registry": "r2", "repository": "ns/one", "published": true, "tags": []}
                ],
                "rpm_manifest": {"rpms": [{"name": "glibc"}]},
                "count": 10
            }),
            json!({
                "_id": "a3",
                "brew": {"build": "foo++-container-2.0-1", "package": "foo++-container"},
                "creation_date": "2024-02-28T00:00:00Z",
                "repositories": [],
                "count": 7.5
            }),
        ]
    }

    fn ids(filter: Value) -> Vec<String> {
        let f = Filter::compile(&filter).unwrap_or_else(|e| panic!("{filter}: {e}"));
        docs()
            .iter()
            .filter(|d| f.matches(d))
            .filter_map(|d| d["_id"].as_str().map(str::to_owned))
            .collect()
    }

    fn err(filter: Value) -> String {
        match Filter::compile(&filter) {
            Ok(f) => panic!("expected an error for {filter}, compiled {f:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn null_and_empty_filters_match_everything() {
        assert_eq!(ids(json!(null)), ["a1", "a2", "a3"]);
        assert_eq!(ids(json!({})), ["a1", "a2", "a3"]);
        assert_eq!(ids(json!({"architecture": null})), ["a1", "a2", "a3"]);
        assert_eq!(
            ids(json!({"architecture": {"in": null, "eq": "amd64"}})),
            ["a1"]
        );
    }

    #[test]
    fn eq_and_ne() {
        assert_eq!(ids(json!({"architecture": {"eq": "amd64"}})), ["a1"]);
        assert_eq!(ids(json!({"architecture": {"ne": "amd64"}})), ["a2", "a3"]);
        assert_eq!(
            ids(json!({"brew": {"package": {"eq": "axb-container"}}})),
            ["a2"]
        );
        assert_eq!(ids(json!({"count": {"eq": 3}})), ["a1"]);
        assert_eq!(ids(json!({"count": {"eq": 3.0}})), ["a1"]);
    }

    #[test]
    fn missing_fields() {
        // a3 has no architecture: no match for eq/in/regex, match for ne/out.
        assert_eq!(
            ids(json!({"architecture": {"in": ["amd64", "arm64"]}})),
            ["a1"]
        );
        assert_eq!(
            ids(json!({"architecture": {"out": ["amd64"]}})),
            ["a2", "a3"]
        );
        assert_eq!(ids(json!({"architecture": {"regex": "."}})), ["a1"]);
        assert_eq!(ids(json!({"nothing": {"ne": "x"}})), ["a1", "a2", "a3"]);
        assert_eq!(ids(json!({"nothing": {"eq": "x"}})), Vec::<String>::new());
        // eq null means null or missing.
        assert_eq!(ids(json!({"architecture": {"eq": null}})), ["a2", "a3"]);
        assert_eq!(ids(json!({"architecture": {"ne": null}})), ["a1"]);
    }

    #[test]
    fn ordering_operators() {
        assert_eq!(ids(json!({"count": {"gt": 3}})), ["a2", "a3"]);
        assert_eq!(ids(json!({"count": {"ge": 3}})), ["a1", "a2", "a3"]);
        assert_eq!(ids(json!({"count": {"lt": 7.5}})), ["a1"]);
        assert_eq!(ids(json!({"count": {"le": 7.5}})), ["a1", "a3"]);
        // Type mismatch never matches.
        assert_eq!(ids(json!({"count": {"gt": "1"}})), Vec::<String>::new());
    }

    #[test]
    fn dates_compare_as_instants() {
        assert_eq!(
            ids(json!({"creation_date": {"ge": "2024-03-01T12:00:00Z"}})),
            ["a1", "a2"]
        );
        assert_eq!(
            ids(json!({"creation_date": {"lt": "2024-03-01T00:00:00+00:00"}})),
            ["a3"]
        );
        assert_eq!(
            ids(json!({"creation_date": {"eq": "2024-03-01T13:00:00+01:00"}})),
            ["a1"]
        );
    }

    #[test]
    fn in_out_all_on_arrays() {
        assert_eq!(
            ids(json!({"content_sets": {"in": ["rhel-8-appstream"]}})),
            ["a1"]
        );
        assert_eq!(
            ids(json!({"content_sets": {"out": ["rhel-8-appstream"]}})),
            ["a2", "a3"]
        );
        assert_eq!(
            ids(json!({"content_sets": {"all": ["rhel-8-appstream", "rhel-8-baseos"]}})),
            ["a1"]
        );
        assert_eq!(
            ids(json!({"content_sets": {"all": ["rhel-8-appstream", "nope"]}})),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(json!({"content_sets": {"eq": "rhel-8-baseos"}})),
            ["a1"]
        );
    }

    #[test]
    fn regex_patterns_longer_than_mongodbs_limit_are_refused() {
        let long = "a".repeat(MAX_REGEX_BYTES + 1);
        let message = err(json!({"brew": {"build": {"regex": long}}}));
        assert!(message.contains("too long"), "{message}");
        assert!(message.len() < 200, "the pattern is not quoted");
        let limit = "a".repeat(MAX_REGEX_BYTES);
        assert!(Filter::compile(&json!({"brew": {"build": {"regex": limit}}})).is_ok());
    }

    #[test]
    fn regex_and_iregex() {
        assert_eq!(
            ids(json!({"brew": {"build": {"regex": "^a.b-"}}})),
            ["a1", "a2"]
        );
        assert_eq!(
            ids(json!({"brew": {"build": {"regex": regex::escape("a.b-")}}})),
            ["a1"]
        );
        assert_eq!(
            ids(
                json!({"brew": {"package": {"regex": format!("^{}$", regex::escape("foo++-container"))}}})
            ),
            ["a3"]
        );
        assert_eq!(
            ids(json!({"brew": {"package": {"regex": "^A\\.B"}}})),
            Vec::<String>::new()
        );
        assert_eq!(
            ids(json!({"brew": {"package": {"iregex": "^A\\.B"}}})),
            ["a1"]
        );
        // Unanchored: a match anywhere counts.
        assert_eq!(ids(json!({"brew": {"package": {"regex": "xb"}}})), ["a2"]);
    }

    #[test]
    fn paths_through_arrays_match_any_element() {
        assert_eq!(
            ids(json!({"repositories": {"tags": {"name": {"eq": "latest"}}}})),
            ["a1"]
        );
        assert_eq!(
            ids(json!({"repositories": {"registry": {"eq": "r2"}}})),
            ["a1", "a2"]
        );
        assert_eq!(
            ids(json!({"rpm_manifest": {"rpms": {"name": {"in": ["glibc", "bash"]}}}})),
            ["a1", "a2"]
        );
        assert_eq!(
            ids(json!({"rpm_manifest": {"rpms": {"name": {"ne": "openssl"}}}})),
            ["a2", "a3"]
        );
        // Conditions on one path may be satisfied by different elements...
        assert_eq!(
            ids(
                json!({"repositories": {"registry": {"eq": "r2"}, "repository": {"eq": "ns/one"}}})
            ),
            ["a1", "a2"]
        );
    }

    #[test]
    fn elem_match_needs_one_element_to_satisfy_everything() {
        // ...while elemMatch requires the same element.
        let f = json!({"repositories_elemMatch": {"and": [
            {"registry": {"eq": "r2"}}, {"repository": {"eq": "ns/one"}}
        ]}});
        assert_eq!(ids(f), ["a2"]);
        let f = json!({"repositories_elemMatch": {"and": [
            {"published": {"eq": true}}, {"tags": {"name": {"eq": "1.0"}}}
        ]}});
        assert_eq!(ids(f), ["a1"]);
        let f = json!({"repositories_elemMatch": {"not": {"published": {"eq": true}}}});
        assert_eq!(ids(f), ["a1"]);
        let f = json!({"repositories": {"tags_elemMatch": {"or": [{"name": {"eq": "1.0-1"}}]}}});
        assert_eq!(ids(f), ["a1"]);
    }

    #[test]
    fn size() {
        assert_eq!(ids(json!({"repositories_size": {"eq": 0}})), ["a3"]);
        assert_eq!(
            ids(json!({"repositories_size": {"ge": 1, "lt": 2}})),
            ["a2"]
        );
        assert_eq!(ids(json!({"content_sets_size": {"gt": 0}})), ["a1"]);
        assert_eq!(
            ids(json!({"repositories": {"tags_size": {"eq": 0}}})),
            ["a2"]
        );
        assert!(err(json!({"content_sets_size": {"regex": "1"}})).contains("regex"));
    }

    #[test]
    fn logic() {
        let f = json!({"or": [{"architecture": {"eq": "amd64"}}, {"count": {"gt": 7}}]});
        assert_eq!(ids(f), ["a1", "a2", "a3"]);
        let f = json!({"and": [{"count": {"gt": 1}}, {"count": {"lt": 8}}]});
        assert_eq!(ids(f), ["a1", "a3"]);
        let f = json!({"nor": [{"count": {"eq": 3}}, {"count": {"eq": 10}}]});
        assert_eq!(ids(f), ["a3"]);
        let f = json!({"not": {"architecture": {"eq": "amd64"}}});
        assert_eq!(ids(f), ["a2", "a3"]);
        // Logic nested under a field keeps the field's path.
        let f = json!({"brew": {"or": [{"package": {"eq": "axb-container"}}, {"build": {"regex": "^foo"}}]}});
        assert_eq!(ids(f), ["a2", "a3"]);
        // Sibling keys are a conjunction.
        let f = json!({"architecture": {"eq": "amd64"}, "count": {"eq": 10}});
        assert_eq!(ids(f), Vec::<String>::new());
    }

    #[test]
    fn list_index() {
        let f = json!({"repositories": {"list_index_filter": {"index": 1, "condition": {"registry": {"eq": "r2"}}}}});
        assert_eq!(ids(f), ["a1"]);
        let f = json!({"content_sets": {"list_index_filter": {"index": 0, "condition": {"regex": "baseos"}}}});
        assert_eq!(ids(f), ["a1"]);
    }

    #[test]
    fn mistakes_are_loud() {
        assert!(
            err(json!({"architecture": {"contains": "amd"}}))
                .contains("unknown filter operator `contains`")
        );
        assert!(err(json!({"architecture": {"regex": "("}})).contains("invalid `regex`"));
        assert!(err(json!({"architecture": {"in": "amd64"}})).contains("takes a list"));
        assert!(err(json!({"architecture": {"eq": ["amd64"]}})).contains("takes a scalar"));
        assert!(err(json!({"and": {"x": {"eq": 1}}})).contains("list of filters"));
        assert!(err(json!({"not": [1]})).contains("filter object"));
        assert!(err(json!("x")).contains("must be an object"));
        assert!(err(json!({"a-b": {"eq": 1}})).contains("invalid field name"));
    }
}

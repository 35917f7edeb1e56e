//! A typed builder for the Pyxis filter language.
//!
//! Pyxis takes filters as JSON objects matching the schema's `*Filter` input types: field names
//! (nested objects for nested fields) map to operator objects (`eq ne lt le gt ge in out all regex
//! iregex`), lists are searched with `<field>_elemMatch` and sized with `<field>_size`, and
//! filters combine with `and or nor not`. Filters travel as GraphQL variables, so a user's string
//! stays data; [`escape_regex`] makes a string match literally inside a `regex`.
//!
//! ```
//! use pyxis_gql::filter::{eq, in_, Filter};
//!
//! let filter = Filter::and([
//!     Filter::field("brew.build", in_(["foo-1-1", "bar-2-1"])),
//!     Filter::elem_match("repositories", [Filter::field("published", eq(true))]),
//! ]);
//! assert_eq!(
//!     serde_json::to_string(&filter).unwrap(),
//!     r#"{"and":[{"brew":{"build":{"in":["foo-1-1","bar-2-1"]}}},{"repositories_elemMatch":{"and":[{"published":{"eq":true}}]}}]}"#
//! );
//! ```

use serde::Serialize;
use serde_json::{Map, Value};

/// A filter object: the value of a `filter` argument.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Filter(Map<String, Value>);

impl Filter {
    /// A filter that matches everything (`{}`).
    pub fn all() -> Self {
        Self::default()
    }

    /// `condition` on the field at `path`; dots separate nested fields (`brew.build` becomes
    /// `{"brew": {"build": condition}}`).
    pub fn field(path: &str, condition: Condition) -> Self {
        Self::nest(path, Value::Object(condition.0))
    }

    /// Some element of the list at `path` matches all of `filters` (`<list>_elemMatch`).
    pub fn elem_match(path: &str, filters: impl IntoIterator<Item = Filter>) -> Self {
        let (parent, list) = split_last(path);
        let inner = Self::logic("and", filters);
        Self::nest_under(parent, format!("{list}_elemMatch"), Value::Object(inner.0))
    }

    /// The length of the list at `path` satisfies `condition` (`<list>_size`).
    pub fn size(path: &str, condition: Condition) -> Self {
        let (parent, list) = split_last(path);
        Self::nest_under(parent, format!("{list}_size"), Value::Object(condition.0))
    }

    /// Every filter matches. No filters at all match everything.
    pub fn and(filters: impl IntoIterator<Item = Filter>) -> Self {
        Self::logic("and", filters)
    }

    /// At least one filter matches.
    pub fn or(filters: impl IntoIterator<Item = Filter>) -> Self {
        Self::logic("or", filters)
    }

    /// No filter matches.
    pub fn nor(filters: impl IntoIterator<Item = Filter>) -> Self {
        Self::logic("nor", filters)
    }

    /// `filter` does not match.
    #[allow(clippy::should_implement_trait)] // `not` is the schema's name; `!filter` would hide it
    pub fn not(filter: Filter) -> Self {
        let mut map = Map::new();
        map.insert("not".to_owned(), Value::Object(filter.0));
        Self(map)
    }

    /// Whether this filter matches everything.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The filter as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.0.clone())
    }

    fn logic(operator: &str, filters: impl IntoIterator<Item = Filter>) -> Self {
        let list: Vec<Value> = filters.into_iter().map(|f| Value::Object(f.0)).collect();
        let mut map = Map::new();
        if !list.is_empty() {
            map.insert(operator.to_owned(), Value::Array(list));
        }
        Self(map)
    }

    fn nest(path: &str, leaf: Value) -> Self {
        let (parent, last) = split_last(path);
        Self::nest_under(parent, last.to_owned(), leaf)
    }

    fn nest_under(parent: Option<&str>, key: String, leaf: Value) -> Self {
        let mut map = Map::new();
        map.insert(key, leaf);
        let mut value = map;
        if let Some(parent) = parent {
            for segment in parent.rsplit('.') {
                let mut outer = Map::new();
                outer.insert(segment.to_owned(), Value::Object(value));
                value = outer;
            }
        }
        Self(value)
    }
}

fn split_last(path: &str) -> (Option<&str>, &str) {
    match path.rsplit_once('.') {
        Some((parent, last)) => (Some(parent), last),
        None => (None, path),
    }
}

/// An operator object (`StringFilter`, `IntFilter`, `BooleanFilter`, ...). Build one with the
/// functions of this module and merge several with [`Condition::and`] (`gt(1).and(lt(5))`).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(transparent)]
pub struct Condition(Map<String, Value>);

impl Condition {
    fn one(operator: &str, value: Value) -> Self {
        let mut map = Map::new();
        map.insert(operator.to_owned(), value);
        Self(map)
    }

    /// Both conditions at once; the right side wins where both use the same operator.
    pub fn and(mut self, other: Condition) -> Self {
        self.0.extend(other.0);
        self
    }
}

fn list<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Value {
    Value::Array(values.into_iter().map(Into::into).collect())
}

/// Equal to `value`.
pub fn eq(value: impl Into<Value>) -> Condition {
    Condition::one("eq", value.into())
}
/// Not equal to `value`.
pub fn ne(value: impl Into<Value>) -> Condition {
    Condition::one("ne", value.into())
}
/// Less than `value`.
pub fn lt(value: impl Into<Value>) -> Condition {
    Condition::one("lt", value.into())
}
/// Less than or equal to `value`.
pub fn le(value: impl Into<Value>) -> Condition {
    Condition::one("le", value.into())
}
/// Greater than `value`.
pub fn gt(value: impl Into<Value>) -> Condition {
    Condition::one("gt", value.into())
}
/// Greater than or equal to `value`.
pub fn ge(value: impl Into<Value>) -> Condition {
    Condition::one("ge", value.into())
}
/// Equal to one of `values` (the schema's `in`).
pub fn in_<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Condition {
    Condition::one("in", list(values))
}
/// Equal to none of `values`.
pub fn out<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Condition {
    Condition::one("out", list(values))
}
/// A list field that holds all of `values`.
pub fn all<V: Into<Value>>(values: impl IntoIterator<Item = V>) -> Condition {
    Condition::one("all", list(values))
}
/// Matches the regular expression `pattern`. Escape literal parts with [`escape_regex`].
pub fn regex(pattern: impl Into<String>) -> Condition {
    Condition::one("regex", Value::String(pattern.into()))
}
/// Matches the regular expression `pattern`, ignoring case.
pub fn iregex(pattern: impl Into<String>) -> Condition {
    Condition::one("iregex", Value::String(pattern.into()))
}

/// Escapes every regular-expression metacharacter in `text`, so that it matches literally.
///
/// The escaped set (`\ . + * ? ( ) | [ ] { } ^ $ # & - ~`) is literal when escaped in every
/// common regex dialect, the server's included.
///
/// ```
/// assert_eq!(pyxis_gql::filter::escape_regex("foo++-1.0"), r"foo\+\+\-1\.0");
/// ```
pub fn escape_regex(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '.'
                | '+'
                | '*'
                | '?'
                | '('
                | ')'
                | '|'
                | '['
                | ']'
                | '{'
                | '}'
                | '^'
                | '$'
                | '#'
                | '&'
                | '-'
                | '~'
        ) {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_each_shape() {
        let cases: Vec<(Filter, Value)> = vec![
            (Filter::all(), json!({})),
            (
                Filter::field("published", eq(true)),
                json!({"published": {"eq": true}}),
            ),
            (
                Filter::field("a.b.c", ne("x")),
                json!({"a": {"b": {"c": {"ne": "x"}}}}),
            ),
            (
                Filter::field("n", gt(1).and(le(5))),
                json!({"n": {"gt": 1, "le": 5}}),
            ),
            (
                Filter::field("s", lt("b").and(ge("a"))),
                json!({"s": {"lt": "b", "ge": "a"}}),
            ),
            (
                Filter::field("t", out(["a"]).and(all(["b", "c"]))),
                json!({"t": {"out": ["a"], "all": ["b", "c"]}}),
            ),
            (
                Filter::field("r", regex("^a").and(iregex("B$"))),
                json!({"r": {"regex": "^a", "iregex": "B$"}}),
            ),
            (
                Filter::size("parsed_data.labels", ge(3)),
                json!({"parsed_data": {"labels_size": {"ge": 3}}}),
            ),
            (
                Filter::elem_match("repositories.tags", [Filter::field("name", eq("latest"))]),
                json!({"repositories": {"tags_elemMatch": {"and": [{"name": {"eq": "latest"}}]}}}),
            ),
            (
                Filter::or([
                    Filter::field("a", eq(1)),
                    Filter::not(Filter::field("b", eq(2))),
                ]),
                json!({"or": [{"a": {"eq": 1}}, {"not": {"b": {"eq": 2}}}]}),
            ),
            (
                Filter::nor([Filter::field("a", in_(Vec::<String>::new()))]),
                json!({"nor": [{"a": {"in": []}}]}),
            ),
            (Filter::and([]), json!({})),
        ];
        for (filter, expected) in cases {
            assert_eq!(serde_json::to_value(&filter).unwrap(), expected);
            assert_eq!(filter.to_value(), expected);
        }
    }

    #[test]
    fn escaping_keeps_user_text_literal() {
        assert_eq!(escape_regex("a.b"), r"a\.b");
        assert_eq!(escape_regex(r"x\y"), r"x\\y");
        assert_eq!(
            escape_regex("(){}[]^$|?*+#&~-"),
            r"\(\)\{\}\[\]\^\$\|\?\*\+\#\&\~\-"
        );
        assert_eq!(escape_regex("plain_name0"), "plain_name0");
        assert_eq!(escape_regex("ünï"), "ünï");
    }
}

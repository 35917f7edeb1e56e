//! Just enough of a GraphQL document reader to find the root field of the
//! first operation and its arguments: clients are expected to pass every
//! argument as a variable, and scalar literals are tolerated.

use serde_json::{Map, Value};

/// The root field of a request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RootField {
    /// Field name, e.g. `find_images`.
    pub(crate) name: String,
    /// Key under `data` in the response: the alias if there is one.
    pub(crate) response_key: String,
    /// Arguments in source order.
    pub(crate) args: Vec<(String, ArgValue)>,
}

/// An argument as written in the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ArgValue {
    Variable(String),
    Literal(Value),
}

impl RootField {
    /// Resolves arguments against `variables`; an unset variable is `null`,
    /// which the resolvers treat as "use the schema default".
    pub(crate) fn resolve_args(&self, variables: &Map<String, Value>) -> Vec<(String, Value)> {
        self.args
            .iter()
            .map(|(name, v)| {
                let value = match v {
                    ArgValue::Variable(var) => variables.get(var).cloned().unwrap_or(Value::Null),
                    ArgValue::Literal(l) => l.clone(),
                };
                (name.clone(), value)
            })
            .collect()
    }
}

/// Finds the first field of the first selection set.
pub(crate) fn root_field(query: &str) -> Result<RootField, String> {
    let src = strip_comments(query);
    let mut p = Parser {
        s: src.as_bytes(),
        i: 0,
    };
    let open = src.find('{').ok_or("the query has no selection set")?;
    p.i = open + 1;
    p.skip_ignored();
    let first = p
        .name()
        .ok_or("the selection set does not start with a field")?;
    p.skip_ignored();
    let (response_key, name) = if p.eat(b':') {
        p.skip_ignored();
        let field = p
            .name()
            .ok_or("an alias must be followed by a field name")?;
        (first, field)
    } else {
        (first.clone(), first)
    };
    p.skip_ignored();
    let mut args = Vec::new();
    if p.eat(b'(') {
        loop {
            p.skip_ignored();
            if p.eat(b')') {
                break;
            }
            let arg = p
                .name()
                .ok_or("malformed argument list on the root field")?;
            p.skip_ignored();
            if !p.eat(b':') {
                return Err(format!("expected `:` after argument `{arg}`"));
            }
            p.skip_ignored();
            let value = p.value().map_err(|e| format!("argument `{arg}`: {e}"))?;
            args.push((arg, value));
        }
    }
    Ok(RootField {
        name,
        response_key,
        args,
    })
}

fn strip_comments(query: &str) -> String {
    let mut out = String::with_capacity(query.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut in_comment = false;
    for c in query.chars() {
        if in_comment {
            if c == '\n' || c == '\r' {
                in_comment = false;
                out.push(c);
            }
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            in_comment = true;
            continue;
        }
        out.push(c);
    }
    out
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn skip_ignored(&mut self) {
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_whitespace() || *c == b',')
        {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn name(&mut self) -> Option<String> {
        let start = self.i;
        let first = self.s.get(self.i)?;
        if !(first.is_ascii_alphabetic() || *first == b'_') {
            return None;
        }
        while self
            .s
            .get(self.i)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            self.i += 1;
        }
        Some(String::from_utf8_lossy(&self.s[start..self.i]).into_owned())
    }

    fn value(&mut self) -> Result<ArgValue, String> {
        match self.s.get(self.i) {
            Some(b'$') => {
                self.i += 1;
                self.name()
                    .map(ArgValue::Variable)
                    .ok_or_else(|| "`$` must be followed by a variable name".to_owned())
            }
            Some(b'"') => {
                let start = self.i;
                self.i += 1;
                let mut escaped = false;
                loop {
                    let c = *self.s.get(self.i).ok_or("unterminated string")?;
                    self.i += 1;
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => break,
                        _ => {}
                    }
                }
                let raw = std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                serde_json::from_str(raw)
                    .map(ArgValue::Literal)
                    .map_err(|e| format!("bad string literal: {e}"))
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                self.i += 1;
                while self.s.get(self.i).is_some_and(|c| {
                    c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')
                }) {
                    self.i += 1;
                }
                let raw = String::from_utf8_lossy(&self.s[start..self.i]);
                serde_json::from_str(&raw)
                    .map(ArgValue::Literal)
                    .map_err(|_| format!("bad number literal `{raw}`"))
            }
            _ => match self.name().as_deref() {
                Some("true") => Ok(ArgValue::Literal(Value::Bool(true))),
                Some("false") => Ok(ArgValue::Literal(Value::Bool(false))),
                Some("null") => Ok(ArgValue::Literal(Value::Null)),
                _ => Err("the loopback server only understands variables and scalar \
                          literals as arguments"
                    .to_owned()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_root_field_and_variable_arguments() {
        let q = "query FindImages($page: Int, $page_size: Int, $filter: ContainerImageFilter, $sort_by: [SortBy]) {\n  find_images(page: $page, page_size: $page_size, filter: $filter, sort_by: $sort_by) {\n    error { status detail }\n    data { _id }\n  }\n}";
        let root = root_field(q).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.name, "find_images");
        assert_eq!(root.response_key, "find_images");
        let names: Vec<&str> = root.args.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["page", "page_size", "filter", "sort_by"]);
        let vars = json!({"page": 2, "filter": {"architecture": {"eq": "amd64"}}});
        let resolved = root.resolve_args(vars.as_object().unwrap_or(&Map::new()));
        assert_eq!(resolved[0], ("page".to_owned(), json!(2)));
        assert_eq!(resolved[1], ("page_size".to_owned(), Value::Null));
        assert_eq!(resolved[2].1, json!({"architecture": {"eq": "amd64"}}));
    }

    #[test]
    fn variables_need_not_share_the_argument_name() {
        let root = root_field("query($p: Int){ find_images(page: $p) { total } }")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            root.args,
            vec![("page".to_owned(), ArgValue::Variable("p".to_owned()))]
        );
    }

    #[test]
    fn aliases_comments_and_literals() {
        let q = "# leading comment { not a selection\n{ imgs: find_images_by_nvr(nvr: \"a-1-2\", page: 0, page_size: 10, x: true, y: null, z: -1.5) { data { _id } } }";
        let root = root_field(q).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.name, "find_images_by_nvr");
        assert_eq!(root.response_key, "imgs");
        let resolved = root.resolve_args(&Map::new());
        assert_eq!(
            resolved,
            vec![
                ("nvr".to_owned(), json!("a-1-2")),
                ("page".to_owned(), json!(0)),
                ("page_size".to_owned(), json!(10)),
                ("x".to_owned(), json!(true)),
                ("y".to_owned(), Value::Null),
                ("z".to_owned(), json!(-1.5)),
            ]
        );
    }

    #[test]
    fn no_arguments() {
        let root = root_field("{ ping }").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(root.name, "ping");
        assert!(root.args.is_empty());
    }

    #[test]
    fn malformed_documents_are_errors() {
        assert!(root_field("query").is_err());
        assert!(root_field("{ }").is_err());
        assert!(
            root_field("{ find_images(filter: {architecture: {eq: \"x\"}}) { total } }").is_err()
        );
        assert!(root_field("{ find_images(page $p) { total } }").is_err());
        assert!(root_field("{ find_images(page: $p").is_err());
        assert!(root_field("{ find_images(nvr: \"abc").is_err());
    }
}

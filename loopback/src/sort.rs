//! `sort_by: [SortBy]` ordering and page slicing.

use std::cmp::Ordering;

use serde_json::Value;

use crate::filter::{compare, kind};

/// One sort key: a dotted path and a direction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SortKey {
    path: Vec<String>,
    descending: bool,
}

/// Parses `sort_by`; a single object is accepted as a one-item list, as
/// GraphQL input coercion does.
pub(crate) fn parse_sort_by(input: &Value) -> Result<Vec<SortKey>, String> {
    let items: &[Value] = match input {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        one @ Value::Object(_) => std::slice::from_ref(one),
        other => {
            return Err(format!(
                "`sort_by` must be a list of SortBy, got {}",
                kind(other)
            ));
        }
    };
    items
        .iter()
        .map(|item| {
            let field = item
                .get("field")
                .and_then(Value::as_str)
                .filter(|f| !f.is_empty())
                .ok_or("each `sort_by` item needs a `field` string")?;
            let descending = match item.get("order") {
                None | Some(Value::Null) => false,
                Some(Value::String(s)) if s == "ASC" => false,
                Some(Value::String(s)) if s == "DESC" => true,
                Some(other) => {
                    return Err(format!(
                        "`order` must be ASC or DESC (SortDirectionEnum), got {other}"
                    ));
                }
            };
            Ok(SortKey {
                path: field.split('.').map(str::to_owned).collect(),
                descending,
            })
        })
        .collect()
}

/// Stable sort, so ties keep insertion order.
pub(crate) fn sort_documents(docs: &mut [&Value], keys: &[SortKey]) {
    if keys.is_empty() {
        return;
    }
    docs.sort_by(|a, b| {
        keys.iter()
            .map(|k| {
                let o = sort_compare(lookup(a, &k.path), lookup(b, &k.path));
                if k.descending { o.reverse() } else { o }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

fn lookup<'a>(doc: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |v, key| v.get(key.as_str()))
}

/// Missing and null sort first, then numbers, strings, objects, lists and
/// booleans, as the document store behind Pyxis orders mixed types.
fn sort_compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    fn rank(v: Option<&Value>) -> u8 {
        match v {
            None | Some(Value::Null) => 0,
            Some(Value::Number(_)) => 1,
            Some(Value::String(_)) => 2,
            Some(Value::Object(_)) => 3,
            Some(Value::Array(_)) => 4,
            Some(Value::Bool(_)) => 5,
        }
    }
    match (a, b) {
        (Some(x), Some(y)) if rank(a) == rank(b) => compare(x, y).unwrap_or(Ordering::Equal),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// The documents of page `page` (0-based) of size `page_size`.
pub(crate) fn page_of<T: Clone>(items: &[T], page: usize, page_size: usize) -> Vec<T> {
    let start = page.saturating_mul(page_size);
    items.iter().skip(start).take(page_size).cloned().collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn sorted(docs: &[Value], sort_by: Value) -> Vec<String> {
        let keys = parse_sort_by(&sort_by).unwrap_or_else(|e| panic!("{e}"));
        let mut refs: Vec<&Value> = docs.iter().collect();
        sort_documents(&mut refs, &keys);
        refs.iter()
            .filter_map(|d| d["_id"].as_str().map(str::to_owned))
            .collect()
    }

    fn docs() -> Vec<Value> {
        vec![
            json!({"_id": "b", "creation_date": "2024-03-01T12:00:00+00:00", "brew": {"package": "x"}, "n": 2}),
            json!({"_id": "c", "creation_date": "2024-03-01T11:30:00Z", "brew": {"package": "y"}, "n": 1}),
            json!({"_id": "a", "creation_date": "2024-03-02T00:00:00+00:00", "brew": {"package": "x"}}),
            json!({"_id": "d", "creation_date": null, "brew": {"package": "y"}, "n": 2}),
        ]
    }

    #[test]
    fn without_sort_keeps_insertion_order() {
        assert_eq!(sorted(&docs(), json!(null)), ["b", "c", "a", "d"]);
        assert_eq!(sorted(&docs(), json!([])), ["b", "c", "a", "d"]);
    }

    #[test]
    fn by_id_and_creation_date() {
        assert_eq!(
            sorted(&docs(), json!([{"field": "_id", "order": "ASC"}])),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            sorted(&docs(), json!([{"field": "_id", "order": "DESC"}])),
            ["d", "c", "b", "a"]
        );
        assert_eq!(
            sorted(
                &docs(),
                json!([{"field": "creation_date", "order": "DESC"}])
            ),
            ["a", "b", "c", "d"]
        );
        assert_eq!(
            sorted(&docs(), json!({"field": "creation_date", "order": "ASC"})),
            ["d", "c", "b", "a"]
        );
    }

    #[test]
    fn dotted_paths_and_multiple_keys() {
        let by = json!([{"field": "brew.package", "order": "DESC"}, {"field": "_id"}]);
        assert_eq!(sorted(&docs(), by), ["c", "d", "a", "b"]);
        // Missing sorts first; ties keep insertion order.
        assert_eq!(
            sorted(&docs(), json!([{"field": "n"}])),
            ["a", "c", "b", "d"]
        );
    }

    #[test]
    fn bad_sort_is_rejected() {
        assert!(parse_sort_by(&json!([{"order": "ASC"}])).is_err());
        assert!(parse_sort_by(&json!([{"field": "_id", "order": "UP"}])).is_err());
        assert!(parse_sort_by(&json!("creation_date")).is_err());
    }

    #[test]
    fn pages_slice_the_sorted_list() {
        let items: Vec<u32> = (0..7).collect();
        assert_eq!(page_of(&items, 0, 3), [0, 1, 2]);
        assert_eq!(page_of(&items, 2, 3), [6]);
        assert_eq!(page_of(&items, 3, 3), Vec::<u32>::new());
        assert_eq!(page_of(&items, 0, 0), Vec::<u32>::new());
        assert_eq!(page_of(&items, usize::MAX, 50), Vec::<u32>::new());
    }
}

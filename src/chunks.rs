//! Long lists split into chunks, and the chunks' answers merged back into one list.
//!
//! Pyxis answers an `in` filter over a few hundred values slowly or not at all (its database
//! times out), so an operation over a list asks for it a chunk at a time. Splitting and merging
//! are pure: a [`Client`](crate::Client) crawls the chunks concurrently, and a caller driving
//! [`Pages`](crate::Pages) itself can do the same.

use std::collections::HashSet;

use crate::model::Sortable;
use crate::operation::PaginatedOperation;

/// An operation over a list of values that can be split into operations over parts of it.
///
/// ```
/// use pyxis_gql::ChunkedOperation;
/// use pyxis_gql::ops::FindImagesByNvrs;
///
/// let nvrs: Vec<String> = (0..45).map(|i| format!("app-1.0-{i}")).collect();
/// let chunks = FindImagesByNvrs::new(nvrs, false).chunks(20);
/// assert_eq!(chunks.len(), 3); // 20 + 20 + 5 NVRs
/// ```
pub trait ChunkedOperation: PaginatedOperation + Sized {
    /// This operation split into operations that each carry at most `size` values of every
    /// list it chunks, in list order (the first chunk holds the first values). One chunk, equal
    /// to this operation, when the lists fit; an operation with two chunked lists gives every
    /// pair of their chunks, so that together the chunks ask for exactly what this operation
    /// asks for. A `size` of 0 counts as 1.
    fn chunks(&self, size: usize) -> Vec<Self>;
}

/// `values` in consecutive runs of at most `size` (at least one run, empty when `values` is).
pub(crate) fn split<T: Clone>(values: &[T], size: usize) -> Vec<Vec<T>> {
    if values.is_empty() {
        return vec![Vec::new()];
    }
    values.chunks(size.max(1)).map(<[T]>::to_vec).collect()
}

/// The answers of a list's chunks as one list: in chunk order, each item once.
///
/// An item that an earlier chunk already returned (same `_id`) is dropped, since chunks can
/// overlap in what they match (an image of two of the NVRs asked, a repository named twice).
/// Items without an `_id` are all kept, as nothing says they repeat.
///
/// ```
/// use pyxis_gql::merge_chunks;
/// use pyxis_gql::model::ContainerRepository;
///
/// let repo = |id: &str| -> ContainerRepository {
///     serde_json::from_value(serde_json::json!({"_id": id})).unwrap()
/// };
/// let merged = merge_chunks(vec![vec![repo("a"), repo("b")], vec![repo("b"), repo("c")]]);
/// let ids: Vec<_> = merged.iter().map(|r| r.id.as_deref().unwrap()).collect();
/// assert_eq!(ids, ["a", "b", "c"]);
/// ```
pub fn merge_chunks<T: Sortable>(chunks: Vec<Vec<T>>) -> Vec<T> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut merged = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for item in chunks.into_iter().flatten() {
        let first = match item.sort_field("_id") {
            Some(id) => seen.insert(id.to_owned()),
            None => true,
        };
        if first {
            merged.push(item);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContainerImage;

    fn image(id: Option<&str>, build: &str) -> ContainerImage {
        serde_json::from_value(serde_json::json!({"_id": id, "brew": {"build": build}})).unwrap()
    }

    fn builds(images: &[ContainerImage]) -> Vec<&str> {
        images.iter().map(|i| i.nvr().unwrap()).collect()
    }

    #[test]
    fn lists_split_in_order_into_runs_of_the_chunk_size() {
        let values: Vec<u32> = (0..7).collect();
        assert_eq!(
            split(&values, 3),
            vec![vec![0, 1, 2], vec![3, 4, 5], vec![6]]
        );
        assert_eq!(split(&values, 7), vec![values.clone()]);
        assert_eq!(split(&values, 0).len(), 7, "a size of 0 counts as 1");
        assert_eq!(split::<u32>(&[], 3), vec![Vec::<u32>::new()]);
    }

    #[test]
    fn merging_keeps_chunk_order_and_the_first_of_each_id() {
        let merged = merge_chunks(vec![
            vec![image(Some("b"), "first-b"), image(Some("a"), "a")],
            vec![],
            vec![
                image(Some("b"), "second-b"),
                image(None, "x"),
                image(None, "x"),
                image(Some("c"), "c"),
            ],
        ]);
        assert_eq!(builds(&merged), ["first-b", "a", "x", "x", "c"]);
    }

    fn filter_of<Q: crate::Query>(op: &Q) -> serde_json::Value {
        serde_json::to_value(op.variables()).unwrap()["filter"].clone()
    }

    fn values(list: &serde_json::Value) -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn repository_searches_chunk_their_names_and_keep_the_rest() {
        use crate::ops::FindRepositories;
        let names: Vec<String> = (0..45).map(|i| format!("ns/r{i}")).collect();
        let search = FindRepositories::new().published(true).names(names.clone());
        let chunks = search.chunks(20);
        let mut asked = Vec::new();
        for chunk in &chunks {
            let filter = filter_of(chunk);
            assert_eq!(
                filter["and"][1],
                serde_json::json!({"published": {"eq": true}})
            );
            asked.push(values(&filter["and"][2]["repository"]["in"]));
        }
        assert_eq!(asked.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 5]);
        assert_eq!(asked.concat(), names);
        let whole = FindRepositories::new().published(true);
        let one = whole.chunks(20);
        assert_eq!(one.len(), 1);
        assert_eq!(filter_of(&one[0]), filter_of(&whole));
    }

    #[test]
    fn installed_rpm_searches_chunk_names_and_repositories_in_pairs() {
        use crate::PaginatedOperation;
        use crate::ops::FindImagesByInstalledRpms;
        let rpms: Vec<String> = (0..25).map(|i| format!("rpm{i}")).collect();
        let repositories: Vec<String> = (0..45).map(|i| format!("ns/r{i}")).collect();
        let search = FindImagesByInstalledRpms::new(rpms.clone())
            .repositories(repositories.clone())
            .content_sets(["cs"]);
        let chunks = search.chunks(20);
        assert_eq!(chunks.len(), 6, "2 chunks of names x 3 of repositories");
        let mut pairs = std::collections::BTreeSet::new();
        for chunk in &chunks {
            let filter = filter_of(chunk);
            let names = values(&filter["and"][2]["rpm_manifest"]["rpms"]["name"]["in"]);
            let repos =
                values(&filter["and"][0]["repositories_elemMatch"]["and"][0]["repository"]["in"]);
            assert!(names.len() <= 20 && repos.len() <= 20);
            assert_eq!(
                filter["and"][1],
                serde_json::json!({"content_sets": {"in": ["cs"]}})
            );
            for name in &names {
                for repo in &repos {
                    assert!(pairs.insert((name.clone(), repo.clone())), "asked twice");
                }
            }
        }
        assert_eq!(
            pairs.len(),
            rpms.len() * repositories.len(),
            "every pair once"
        );

        // Every chunk keeps every RPM the whole search asked for.
        let body = serde_json::json!({"data": {"find_images": {"data": [{"_id": "i",
            "edges": {"rpm_manifest": {"data": {"rpms": [{"name": "rpm0"}, {"name": "rpm24"}, {"name": "bash"}]}}}}]}}});
        let response = http::Response::new(serde_json::to_vec(&body).unwrap());
        for chunk in &chunks {
            let page = chunk.decode_page(&response).unwrap();
            let kept: Vec<_> = page.items[0]
                .rpms()
                .iter()
                .map(|r| r.name().unwrap().to_owned())
                .collect();
            assert_eq!(kept, ["rpm0", "rpm24"]);
        }
    }
}

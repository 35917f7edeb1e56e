//! The fields a crawl's sort order is checked on.

use super::image::ContainerImage;
use super::repository::ContainerRepository;

/// An item whose sort fields a crawl can read, to check that its pages follow each other in the
/// order the query asked for (a page the server repeated under another number then fails instead
/// of passing as data).
///
/// The built-in crawls sort by `_id`. For a caller's own item type, `impl Sortable for MyItem {}`
/// opts out of the check; answering [`sort_field`](Self::sort_field) opts in.
///
/// ```
/// use pyxis_gql::model::{ContainerRepository, Sortable};
/// let repository: ContainerRepository = serde_json::from_str(r#"{"_id": "5c8f"}"#).unwrap();
/// assert_eq!(repository.sort_field("_id"), Some("5c8f"));
/// assert_eq!(repository.sort_field("creation_date"), None);
/// ```
pub trait Sortable {
    /// The value of the sort field `field` (a Pyxis field path such as `_id`), or `None` when
    /// the item does not hold it; a page with such an item is not checked.
    fn sort_field(&self, field: &str) -> Option<&str> {
        let _ = field;
        None
    }
}

/// `creation_date` compares as the text Pyxis sends: its dates are all written in one form (UTC,
/// `+00:00`), in which text order is time order.
impl Sortable for ContainerImage {
    fn sort_field(&self, field: &str) -> Option<&str> {
        match field {
            "_id" => self.id.as_deref(),
            "creation_date" => self.creation_date.as_deref(),
            _ => None,
        }
    }
}

impl Sortable for ContainerRepository {
    fn sort_field(&self, field: &str) -> Option<&str> {
        match field {
            "_id" => self.id.as_deref(),
            _ => None,
        }
    }
}

/// A field of a JSON object, when it is a string.
impl Sortable for serde_json::Value {
    fn sort_field(&self, field: &str) -> Option<&str> {
        self.get(field)?.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_callers_own_item_opts_out_of_the_order_check_by_default() {
        struct Mine;
        impl Sortable for Mine {}
        assert_eq!(Mine.sort_field("_id"), None);
    }
}

//! Query texts, assembled once from the selection sets below.

use crate::operation::Document;

/// The fields read from a repository.
pub(crate) const REPOSITORY_FIELDS: &str =
    "_id repository registry published release_categories auto_rebuild_tags";

/// The fields read from an image.
pub(crate) const IMAGE_FIELDS: &str = "_id architecture brew { build package } content_sets \
    parent_brew_build parsed_data { labels { name value } } \
    repositories { registry repository published tags { name } }";

/// The RPM manifest of an image, read when RPMs are wanted.
pub(crate) const RPM_FIELDS: &str =
    "edges { rpm_manifest { data { image_id rpms { name nvra srpm_name srpm_nevra } } } }";

/// A paginated query: `$page` and `$page_size` plus `params`, passed through to `root` by name.
pub(crate) fn paginated(
    operation: &'static str,
    root: &'static str,
    params: &[(&str, &str)],
    selection: &str,
) -> Document {
    let (declarations, arguments) =
        declare(&[&[("page", "Int"), ("page_size", "Int")], params].concat());
    Document::new(
        format!(
            "query {operation}({declarations}) {{ {root}({arguments}) {{ \
             error {{ status detail }} page page_size total data {{ {selection} }} }} }}"
        ),
        operation,
        root,
    )
}

/// A query for one object (`{data, error}`), arguments passed through by name.
pub(crate) fn single(
    operation: &'static str,
    root: &'static str,
    params: &[(&str, &str)],
    selection: &str,
) -> Document {
    let (declarations, arguments) = declare(params);
    Document::new(
        format!(
            "query {operation}({declarations}) {{ {root}({arguments}) {{ \
             error {{ status detail }} data {{ {selection} }} }} }}"
        ),
        operation,
        root,
    )
}

fn declare(params: &[(&str, &str)]) -> (String, String) {
    let declarations: Vec<String> = params
        .iter()
        .map(|(name, ty)| format!("${name}: {ty}"))
        .collect();
    let arguments: Vec<String> = params
        .iter()
        .map(|(name, _)| format!("{name}: ${name}"))
        .collect();
    (declarations.join(", "), arguments.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginated_queries_pass_every_argument_as_a_variable() {
        let document = paginated("Q", "find_x", &[("filter", "XFilter")], "a b");
        assert_eq!(
            document.text(),
            "query Q($page: Int, $page_size: Int, $filter: XFilter) { find_x(page: $page, \
             page_size: $page_size, filter: $filter) { error { status detail } page page_size \
             total data { a b } } }"
        );
        assert_eq!(
            (document.operation_name(), document.root_field()),
            ("Q", "find_x")
        );
    }

    #[test]
    fn single_queries_select_data_and_error() {
        let document = single("G", "get_x", &[("id", "String")], "a");
        assert_eq!(
            document.text(),
            "query G($id: String) { get_x(id: $id) { error { status detail } data { a } } }"
        );
    }
}

//! The query documents of the built-in operations, written out at compile time.
//!
//! Every argument is a variable: `page` and `page_size` first, then the operation's own.

use crate::operation::Document;

/// The fields read from a repository.
macro_rules! repository_fields {
    () => {
        "_id repository registry published release_categories auto_rebuild_tags"
    };
}

/// The fields read from an image.
macro_rules! image_fields {
    () => {
        "_id architecture brew { build package } content_sets parent_brew_build \
         parsed_data { labels { name value } } \
         repositories { registry repository published tags { name } }"
    };
}

/// The RPM manifest of an image, read when RPMs are wanted.
macro_rules! rpm_fields {
    () => {
        "edges { rpm_manifest { data { image_id rpms { name nvra srpm_name srpm_nevra } } } }"
    };
}

/// A paginated query: `$page` and `$page_size` plus `params`, passed through to `root` by name,
/// selecting `total` unless it starts with `without_total`.
macro_rules! paginated {
    ($operation:literal, $root:literal, [$($param:literal: $ty:literal),*], $selection:expr) => {
        paginated!(@ "page page_size total", $operation, $root, [$($param: $ty),*], $selection)
    };
    (without_total $operation:literal, $root:literal, [$($param:literal: $ty:literal),*], $selection:expr) => {
        paginated!(@ "page page_size", $operation, $root, [$($param: $ty),*], $selection)
    };
    (@ $page_fields:literal, $operation:literal, $root:literal, [$($param:literal: $ty:literal),*], $selection:expr) => {
        Document::from_static(
            concat!(
                "query ", $operation, "($page: Int, $page_size: Int", $(", $", $param, ": ", $ty,)*
                ") { ", $root, "(page: $page, page_size: $page_size", $(", ", $param, ": $", $param,)*
                ") { error { status detail } ", $page_fields, " data { ", $selection, " } } }"
            ),
            $operation,
            $root,
        )
    };
}

/// A query for one object (`{data, error}`), arguments passed through by name.
macro_rules! single {
    ($operation:literal, $root:literal, [$first:literal: $first_ty:literal $(, $param:literal: $ty:literal)*], $selection:expr) => {
        Document::from_static(
            concat!(
                "query ", $operation, "($", $first, ": ", $first_ty, $(", $", $param, ": ", $ty,)*
                ") { ", $root, "(", $first, ": $", $first, $(", ", $param, ": $", $param,)*
                ") { error { status detail } data { ", $selection, " } } }"
            ),
            $operation,
            $root,
        )
    };
}

pub(super) static FIND_REPOSITORIES: Document = paginated!(
    "FindRepositories",
    "find_repositories",
    ["filter": "ContainerRepositoryFilter", "sort_by": "[SortBy]"],
    repository_fields!()
);

pub(super) static GET_REPOSITORY_BY_REGISTRY_PATH: Document = single!(
    "GetRepositoryByRegistryPath",
    "get_repository_by_registry_path",
    ["registry": "String", "repository": "String"],
    repository_fields!()
);

pub(super) static FIND_IMAGES: Document = paginated!(
    "FindImages",
    "find_images",
    ["filter": "ContainerImageFilter", "sort_by": "[SortBy]"],
    image_fields!()
);

pub(super) static FIND_IMAGES_WITH_RPMS: Document = paginated!(
    "FindImagesWithRpms",
    "find_images",
    ["filter": "ContainerImageFilter", "sort_by": "[SortBy]"],
    concat!(image_fields!(), " ", rpm_fields!())
);

/// The installed-RPMs search leaves `total` out: counting every match is the slow part of that
/// query for Pyxis, as the schema's own description of `find_images` says.
pub(super) static FIND_IMAGES_BY_INSTALLED_RPMS: Document = paginated!(
    without_total "FindImagesByInstalledRpms",
    "find_images",
    ["filter": "ContainerImageFilter", "sort_by": "[SortBy]"],
    concat!(image_fields!(), " ", rpm_fields!())
);

/// Only what picking the latest build needs: the build, and `_id` for the crawl's order.
pub(super) static FIND_IMAGE_BUILDS: Document = paginated!(
    "FindImageBuilds",
    "find_images",
    ["filter": "ContainerImageFilter", "sort_by": "[SortBy]"],
    "_id brew { build }"
);

pub(super) static FIND_IMAGES_BY_NVR: Document = paginated!(
    "FindImagesByNvr",
    "find_images_by_nvr",
    ["nvr": "String", "sort_by": "[SortBy]"],
    image_fields!()
);

pub(super) static FIND_IMAGES_BY_NVR_WITH_RPMS: Document = paginated!(
    "FindImagesByNvrWithRpms",
    "find_images_by_nvr",
    ["nvr": "String", "sort_by": "[SortBy]"],
    concat!(image_fields!(), " ", rpm_fields!())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginated_queries_pass_every_argument_as_a_variable() {
        assert_eq!(
            FIND_REPOSITORIES.text(),
            "query FindRepositories($page: Int, $page_size: Int, $filter: \
             ContainerRepositoryFilter, $sort_by: [SortBy]) { find_repositories(page: $page, \
             page_size: $page_size, filter: $filter, sort_by: $sort_by) { error { status detail \
             } page page_size total data { _id repository registry published release_categories \
             auto_rebuild_tags } } }"
        );
        assert_eq!(
            (
                FIND_REPOSITORIES.operation_name(),
                FIND_REPOSITORIES.root_field()
            ),
            ("FindRepositories", "find_repositories")
        );
    }

    #[test]
    fn single_queries_select_data_and_error() {
        assert_eq!(
            GET_REPOSITORY_BY_REGISTRY_PATH.text(),
            "query GetRepositoryByRegistryPath($registry: String, $repository: String) { \
             get_repository_by_registry_path(registry: $registry, repository: $repository) { \
             error { status detail } data { _id repository registry published \
             release_categories auto_rebuild_tags } } }"
        );
    }

    #[test]
    fn image_queries_select_rpms_only_when_asked() {
        let images = "_id architecture brew { build package } content_sets parent_brew_build \
                      parsed_data { labels { name value } } repositories { registry repository \
                      published tags { name } }";
        let rpms = "edges { rpm_manifest { data { image_id rpms { name nvra srpm_name \
                    srpm_nevra } } } }";
        assert!(
            FIND_IMAGES
                .text()
                .ends_with(&format!("data {{ {images} }} }} }}"))
        );
        assert!(
            FIND_IMAGES_WITH_RPMS
                .text()
                .ends_with(&format!("data {{ {images} {rpms} }} }} }}"))
        );
        assert!(FIND_IMAGES_BY_NVR.text().starts_with(
            "query FindImagesByNvr($page: Int, $page_size: Int, $nvr: String, $sort_by: [SortBy]) \
             { find_images_by_nvr(page: $page, page_size: $page_size, nvr: $nvr, sort_by: $sort_by)"
        ));
        assert!(FIND_IMAGES_BY_NVR_WITH_RPMS.text().contains(rpms));
    }

    #[test]
    fn the_installed_rpms_search_leaves_total_out() {
        let text = FIND_IMAGES_BY_INSTALLED_RPMS.text();
        assert!(!text.contains("total"), "{text}");
        assert!(text.contains("{ error { status detail } page page_size data { _id "));
        assert!(
            FIND_IMAGES_WITH_RPMS
                .text()
                .contains(" page page_size total data ")
        );
        assert_eq!(
            FIND_IMAGE_BUILDS.text(),
            "query FindImageBuilds($page: Int, $page_size: Int, $filter: ContainerImageFilter, \
             $sort_by: [SortBy]) { find_images(page: $page, page_size: $page_size, filter: \
             $filter, sort_by: $sort_by) { error { status detail } page page_size total data { \
             _id brew { build } } } }"
        );
    }
}

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

/// The fields read from a repository by the lookup by id: the lean ones, the vendor and the
/// end of life.
macro_rules! detailed_repository_fields {
    () => {
        concat!(repository_fields!(), " vendor_label eol_date")
    };
}

/// The fields read from an image by the detailed lookups (by digest, by id, a repository's
/// images): the lean ones plus dates and digests, per image and per repository entry.
macro_rules! detailed_image_fields {
    () => {
        "_id architecture brew { build package } content_sets parent_brew_build \
         creation_date docker_image_digest parsed_data { labels { name value } } \
         repositories { registry repository published tags { name } manifest_list_digest \
         manifest_schema2_digest image_advisory_id published_date push_date }"
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

pub(super) static GET_REPOSITORY: Document = single!(
    "GetRepository",
    "get_repository",
    ["id": "ObjectIDFilterScalar"],
    detailed_repository_fields!()
);

pub(super) static GET_IMAGE: Document = single!(
    "GetImage",
    "get_image",
    ["id": "ObjectIDFilterScalar"],
    detailed_image_fields!()
);

pub(super) static GET_IMAGE_BY_MANIFEST_DIGEST: Document = single!(
    "GetImageByManifestDigest",
    "get_image_by_manifest_digest_registry_and_repository",
    ["registry": "String", "repository": "String", "manifest_digest": "String"],
    detailed_image_fields!()
);

pub(super) static FIND_IMAGES_BY_DIGEST: Document = paginated!(
    "FindImagesByDigest",
    "find_images",
    ["filter": "ContainerImageFilter", "sort_by": "[SortBy]"],
    detailed_image_fields!()
);

/// A repository's images leave `total` out, as the schema's description of the field advises.
pub(super) static FIND_REPOSITORY_IMAGES: Document = paginated!(
    without_total "FindRepositoryImages",
    "find_repository_images_by_registry_path",
    ["registry": "String", "repository": "String", "sort_by": "[SortBy]"],
    detailed_image_fields!()
);

pub(super) static FIND_REPOSITORY_IMAGES_BY_TAG: Document = paginated!(
    without_total "FindRepositoryImagesByTag",
    "find_repository_images_by_registry_path_tag",
    ["registry": "String", "repository": "String", "tag": "String", "sort_by": "[SortBy]"],
    detailed_image_fields!()
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

    /// The selection of every document, pinned: the parity operations keep their lean
    /// selections (their bodies do not grow), and only the detailed lookups read dates and
    /// digests.
    #[test]
    fn each_query_selects_exactly_its_fields() {
        let repository = "_id repository registry published release_categories auto_rebuild_tags";
        let image = "_id architecture brew { build package } content_sets parent_brew_build \
                     parsed_data { labels { name value } } repositories { registry repository \
                     published tags { name } }";
        let rpms = "edges { rpm_manifest { data { image_id rpms { name nvra srpm_name \
                    srpm_nevra } } } }";
        let detailed = "_id architecture brew { build package } content_sets parent_brew_build \
                        creation_date docker_image_digest parsed_data { labels { name value } } \
                        repositories { registry repository published tags { name } \
                        manifest_list_digest manifest_schema2_digest image_advisory_id \
                        published_date push_date }";
        let cases: [(&Document, String); 14] = [
            (&FIND_REPOSITORIES, repository.to_owned()),
            (&GET_REPOSITORY_BY_REGISTRY_PATH, repository.to_owned()),
            (&FIND_IMAGES, image.to_owned()),
            (&FIND_IMAGES_WITH_RPMS, format!("{image} {rpms}")),
            (&FIND_IMAGES_BY_INSTALLED_RPMS, format!("{image} {rpms}")),
            (&FIND_IMAGE_BUILDS, "_id brew { build }".to_owned()),
            (&FIND_IMAGES_BY_NVR, image.to_owned()),
            (&FIND_IMAGES_BY_NVR_WITH_RPMS, format!("{image} {rpms}")),
            (
                &GET_REPOSITORY,
                format!("{repository} vendor_label eol_date"),
            ),
            (&GET_IMAGE, detailed.to_owned()),
            (&GET_IMAGE_BY_MANIFEST_DIGEST, detailed.to_owned()),
            (&FIND_IMAGES_BY_DIGEST, detailed.to_owned()),
            (&FIND_REPOSITORY_IMAGES, detailed.to_owned()),
            (&FIND_REPOSITORY_IMAGES_BY_TAG, detailed.to_owned()),
        ];
        for (document, selection) in cases {
            let text = document.text();
            let start = text.find(" data { ").map(|at| at + " data { ".len());
            let selected = start.map(|start| &text[start..text.len() - " } } }".len()]);
            assert_eq!(
                selected,
                Some(selection.as_str()),
                "{}",
                document.operation_name()
            );
        }
    }
}

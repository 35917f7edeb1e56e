//! The baseline decoders the benchmarks compare ours with.
//!
//! `plain` is the straightforward decode a careful user would write by hand for the operations'
//! selection sets: derived `Deserialize`, owned `String`s, `Option`s for ragged fields, read
//! with `serde_json::from_slice`.

#![allow(dead_code, reason = "fields are decoded to be measured, never read")]

pub(crate) mod plain {
    use serde::Deserialize;

    #[derive(Deserialize)]
    pub(crate) struct Response<D> {
        data: D,
    }

    #[derive(Deserialize)]
    pub(crate) struct FindImages {
        find_images: Paginated<Image>,
    }

    #[derive(Deserialize)]
    pub(crate) struct FindRepositories {
        find_repositories: Paginated<Repository>,
    }

    #[derive(Deserialize)]
    pub(crate) struct GetRepository {
        get_repository_by_registry_path: Wrapped<Repository>,
    }

    #[derive(Deserialize)]
    struct ResponseError {
        status: Option<i64>,
        detail: Option<String>,
    }

    #[derive(Deserialize)]
    struct Paginated<T> {
        error: Option<ResponseError>,
        page: Option<u32>,
        page_size: Option<u32>,
        total: Option<u64>,
        data: Option<Vec<T>>,
    }

    #[derive(Deserialize)]
    struct Wrapped<T> {
        error: Option<ResponseError>,
        data: Option<T>,
    }

    #[derive(Deserialize)]
    struct Repository {
        repository: Option<String>,
        registry: Option<String>,
        published: Option<bool>,
        release_categories: Option<Vec<String>>,
        auto_rebuild_tags: Option<Vec<String>>,
    }

    #[derive(Deserialize)]
    struct Image {
        architecture: Option<String>,
        brew: Option<Brew>,
        content_sets: Option<Vec<String>>,
        parent_brew_build: Option<String>,
        parsed_data: Option<ParsedData>,
        repositories: Option<Vec<ImageRepository>>,
        edges: Option<Edges>,
    }

    #[derive(Deserialize)]
    struct Brew {
        build: Option<String>,
        package: Option<String>,
    }

    #[derive(Deserialize)]
    struct ParsedData {
        labels: Option<Vec<Label>>,
    }

    #[derive(Deserialize)]
    struct Label {
        name: Option<String>,
        value: Option<String>,
    }

    #[derive(Deserialize)]
    struct ImageRepository {
        registry: Option<String>,
        repository: Option<String>,
        published: Option<bool>,
        tags: Option<Vec<Tag>>,
    }

    #[derive(Deserialize)]
    struct Tag {
        name: Option<String>,
    }

    #[derive(Deserialize)]
    struct Edges {
        rpm_manifest: Option<Wrapped<RpmManifest>>,
    }

    #[derive(Deserialize)]
    struct RpmManifest {
        image_id: Option<String>,
        rpms: Option<Vec<Rpm>>,
    }

    #[derive(Deserialize)]
    struct Rpm {
        name: Option<String>,
        nvra: Option<String>,
        srpm_name: Option<String>,
        srpm_nevra: Option<String>,
    }
}

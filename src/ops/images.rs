//! Operations on container images.

use std::sync::{Arc, LazyLock};

use serde_json::{Map, Value, json};

use super::query::{self, IMAGE_FIELDS, RPM_FIELDS};
use super::{by_id, filter_variables};
use crate::decode::{self, Page};
use crate::error::Error;
use crate::filter::{Filter, eq, escape_regex, in_, regex};
use crate::model::{ContainerImage, RpmNames};
use crate::operation::{Document, Operation, PageSize, PaginatedOperation};

const IMAGE_PARAMS: &[(&str, &str)] =
    &[("filter", "ContainerImageFilter"), ("sort_by", "[SortBy]")];
const NVR_PARAMS: &[(&str, &str)] = &[("nvr", "String"), ("sort_by", "[SortBy]")];

static FIND_IMAGES: LazyLock<Document> =
    LazyLock::new(|| query::paginated("FindImages", "find_images", IMAGE_PARAMS, IMAGE_FIELDS));
static FIND_IMAGES_WITH_RPMS: LazyLock<Document> = LazyLock::new(|| {
    query::paginated(
        "FindImagesWithRpms",
        "find_images",
        IMAGE_PARAMS,
        &format!("{IMAGE_FIELDS} {RPM_FIELDS}"),
    )
});
static FIND_IMAGES_BY_NVR: LazyLock<Document> = LazyLock::new(|| {
    query::paginated(
        "FindImagesByNvr",
        "find_images_by_nvr",
        NVR_PARAMS,
        IMAGE_FIELDS,
    )
});
static FIND_IMAGES_BY_NVR_WITH_RPMS: LazyLock<Document> = LazyLock::new(|| {
    query::paginated(
        "FindImagesByNvrWithRpms",
        "find_images_by_nvr",
        NVR_PARAMS,
        &format!("{IMAGE_FIELDS} {RPM_FIELDS}"),
    )
});

fn find_images(include_rpms: bool) -> &'static Document {
    if include_rpms {
        &FIND_IMAGES_WITH_RPMS
    } else {
        &FIND_IMAGES
    }
}

/// Image pages carrying RPM manifests are large: they use the small page size.
fn page_size_for(include_rpms: bool) -> PageSize {
    if include_rpms {
        PageSize::Small
    } else {
        PageSize::Default
    }
}

fn strings<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

fn any_of(field: &str, values: &[String]) -> Filter {
    Filter::field(field, in_(values.iter().map(String::as_str)))
}

/// The images built from one NVR (`find_images_by_nvr`).
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByNvr {
    nvr: String,
    include_rpms: bool,
}

impl FindImagesByNvr {
    /// Images built from `nvr`, with their RPM manifests when `include_rpms`.
    pub fn new(nvr: impl Into<String>, include_rpms: bool) -> Self {
        Self {
            nvr: nvr.into(),
            include_rpms,
        }
    }
}

impl PaginatedOperation for FindImagesByNvr {
    type Item = ContainerImage;

    fn sort_key<'a>(&self, item: &'a ContainerImage) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        if self.include_rpms {
            &FIND_IMAGES_BY_NVR_WITH_RPMS
        } else {
            &FIND_IMAGES_BY_NVR
        }
    }

    fn variables(&self) -> Map<String, Value> {
        let mut variables = Map::new();
        variables.insert("nvr".to_owned(), self.nvr.as_str().into());
        variables.insert("sort_by".to_owned(), by_id());
        variables
    }

    fn page_size(&self) -> PageSize {
        page_size_for(self.include_rpms)
    }
}

/// The images built from any of several NVRs, in one crawl.
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByNvrs {
    nvrs: Vec<String>,
    include_rpms: bool,
}

impl FindImagesByNvrs {
    /// Images whose `brew.build` is one of `nvrs`. An empty list finds nothing without asking.
    pub fn new<S: Into<String>>(nvrs: impl IntoIterator<Item = S>, include_rpms: bool) -> Self {
        Self {
            nvrs: strings(nvrs),
            include_rpms,
        }
    }
}

impl PaginatedOperation for FindImagesByNvrs {
    type Item = ContainerImage;

    fn sort_key<'a>(&self, item: &'a ContainerImage) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        find_images(self.include_rpms)
    }

    fn variables(&self) -> Map<String, Value> {
        filter_variables(any_of("brew.build", &self.nvrs), by_id())
    }

    fn page_size(&self) -> PageSize {
        page_size_for(self.include_rpms)
    }

    fn matches_nothing(&self) -> bool {
        self.nvrs.is_empty()
    }
}

/// The images that ship any of some RPMs, optionally narrowed by content set, repository,
/// publication and tag. Each image's RPM list is cut down to the RPMs asked for.
///
/// ```
/// use pyxis_gql::ops::FindImagesByInstalledRpms;
/// use pyxis_gql::PaginatedOperation;
///
/// let op = FindImagesByInstalledRpms::new(["openssl"]).published(true).tags(["latest"]);
/// assert_eq!(
///     serde_json::Value::Object(op.variables())["filter"],
///     serde_json::json!({"and": [
///         {"repositories_elemMatch": {"and": [
///             {"published": {"eq": true}},
///             {"tags_elemMatch": {"and": [{"name": {"in": ["latest"]}}]}}
///         ]}},
///         {"rpm_manifest": {"rpms": {"name": {"in": ["openssl"]}}}}
///     ]})
/// );
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByInstalledRpms {
    rpm_names: Vec<String>,
    wanted: Arc<RpmNames>,
    content_sets: Option<Vec<String>>,
    repositories: Option<Vec<String>>,
    published: Option<bool>,
    tags: Option<Vec<String>>,
}

impl FindImagesByInstalledRpms {
    /// Images with any of `rpm_names` installed. An empty list finds nothing without asking.
    pub fn new<S: Into<String>>(rpm_names: impl IntoIterator<Item = S>) -> Self {
        let rpm_names = strings(rpm_names);
        Self {
            wanted: Arc::new(RpmNames::new(&rpm_names)),
            rpm_names,
            content_sets: None,
            repositories: None,
            published: None,
            tags: None,
        }
    }

    /// Only images whose content sets include one of these.
    pub fn content_sets<S: Into<String>>(
        mut self,
        content_sets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.content_sets = Some(strings(content_sets));
        self
    }

    /// Only images in one of these repositories.
    pub fn repositories<S: Into<String>>(
        mut self,
        repositories: impl IntoIterator<Item = S>,
    ) -> Self {
        self.repositories = Some(strings(repositories));
        self
    }

    /// Only images whose repository entry has this `published` value.
    pub fn published(mut self, published: bool) -> Self {
        self.published = Some(published);
        self
    }

    /// Only images tagged with one of these tags.
    pub fn tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.tags = Some(strings(tags));
        self
    }

    /// The filter this search sends, most specific condition first.
    pub fn filter(&self) -> Filter {
        let mut repository = Vec::new();
        if let Some(published) = self.published {
            repository.push(Filter::field("published", eq(published)));
        }
        if let Some(repositories) = &self.repositories {
            repository.push(any_of("repository", repositories));
        }
        if let Some(tags) = &self.tags {
            repository.push(Filter::elem_match("tags", [any_of("name", tags)]));
        }
        let mut parts = Vec::new();
        if !repository.is_empty() {
            parts.push(Filter::elem_match("repositories", repository));
        }
        if let Some(content_sets) = &self.content_sets {
            parts.push(any_of("content_sets", content_sets));
        }
        parts.push(any_of("rpm_manifest.rpms.name", &self.rpm_names));
        Filter::and(parts)
    }
}

impl PaginatedOperation for FindImagesByInstalledRpms {
    type Item = ContainerImage;

    fn sort_key<'a>(&self, item: &'a ContainerImage) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_IMAGES_WITH_RPMS
    }

    fn variables(&self) -> Map<String, Value> {
        filter_variables(self.filter(), by_id())
    }

    fn page_size(&self) -> PageSize {
        PageSize::Small
    }

    fn matches_nothing(&self) -> bool {
        self.rpm_names.is_empty()
    }

    fn decode_page(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Page<ContainerImage>, Error> {
        // The unwanted RPMs are skipped while the page is read, never built.
        decode::page_with(
            response,
            self.document().root_field(),
            max_body_bytes,
            Some(Arc::clone(&self.wanted)),
        )
    }
}

/// The published images of some packages (`brew.package`), without RPMs.
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByNames {
    names: Vec<String>,
}

impl FindImagesByNames {
    /// Images of the packages `names`. An empty list finds nothing without asking.
    pub fn new<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        Self {
            names: strings(names),
        }
    }
}

impl PaginatedOperation for FindImagesByNames {
    type Item = ContainerImage;

    fn sort_key<'a>(&self, item: &'a ContainerImage) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_IMAGES
    }

    fn variables(&self) -> Map<String, Value> {
        let filter = Filter::and([
            any_of("brew.package", &self.names),
            Filter::elem_match("repositories", [Filter::field("published", eq(true))]),
        ]);
        filter_variables(filter, by_id())
    }

    fn matches_nothing(&self) -> bool {
        self.names.is_empty()
    }
}

/// The images published in a repository, optionally only those with some tags.
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByRepository {
    repository: String,
    auto_rebuild_tags: Option<Vec<String>>,
}

impl FindImagesByRepository {
    /// Images published in `repository`.
    pub fn new(repository: impl Into<String>) -> Self {
        Self {
            repository: repository.into(),
            auto_rebuild_tags: None,
        }
    }

    /// Only images carrying one of these tags in that repository.
    pub fn auto_rebuild_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.auto_rebuild_tags = Some(strings(tags));
        self
    }
}

impl PaginatedOperation for FindImagesByRepository {
    type Item = ContainerImage;

    fn sort_key<'a>(&self, item: &'a ContainerImage) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_IMAGES
    }

    fn variables(&self) -> Map<String, Value> {
        let mut repository = vec![
            Filter::field("published", eq(true)),
            Filter::field("repository", eq(self.repository.as_str())),
        ];
        if let Some(tags) = &self.auto_rebuild_tags {
            repository.push(Filter::elem_match("tags", [any_of("name", tags)]));
        }
        filter_variables(Filter::elem_match("repositories", repository), by_id())
    }
}

/// The four newest images of one package at one version, newest first.
///
/// The build is matched with the pattern `^<name>-<version>-.*`, with `name` and `version`
/// escaped, so that `a.b` matches only a literal dot.
#[derive(Clone, Debug)]
#[must_use]
pub struct FindLatestImagesByNameVersion {
    name: String,
    version: String,
    published: Option<bool>,
    content_sets: Option<Vec<String>>,
}

/// How many images "latest" returns.
const LATEST_COUNT: u32 = 4;

impl FindLatestImagesByNameVersion {
    /// The newest images of package `name` at `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            published: None,
            content_sets: None,
        }
    }

    /// Only images whose repository entry has this `published` value.
    pub fn published(mut self, published: bool) -> Self {
        self.published = Some(published);
        self
    }

    /// Only images whose content sets include one of these.
    pub fn content_sets<S: Into<String>>(
        mut self,
        content_sets: impl IntoIterator<Item = S>,
    ) -> Self {
        self.content_sets = Some(strings(content_sets));
        self
    }
}

impl Operation for FindLatestImagesByNameVersion {
    type Output = Vec<ContainerImage>;

    fn document(&self) -> &Document {
        &FIND_IMAGES
    }

    fn variables(&self) -> Map<String, Value> {
        let pattern = format!(
            "^{}-{}-.*",
            escape_regex(&self.name),
            escape_regex(&self.version)
        );
        let mut parts = vec![
            Filter::field("brew.package", eq(self.name.as_str())),
            Filter::field("brew.build", regex(pattern)),
        ];
        if let Some(published) = self.published {
            parts.push(Filter::elem_match(
                "repositories",
                [Filter::field("published", eq(published))],
            ));
        }
        if let Some(content_sets) = &self.content_sets {
            parts.push(any_of("content_sets", content_sets));
        }
        let mut variables = filter_variables(
            Filter::and(parts),
            json!([{"field": "creation_date", "order": "DESC"}]),
        );
        variables.insert("page".to_owned(), 0.into());
        variables.insert("page_size".to_owned(), LATEST_COUNT.into());
        variables
    }

    fn decode(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Self::Output, Error> {
        decode::page(response, self.document().root_field(), max_body_bytes).map(|page| page.items)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page_of(images: Value) -> http::Response<Vec<u8>> {
        let body = json!({"data": {"find_images": {"data": images, "page": 0, "total": 3}}});
        http::Response::new(serde_json::to_vec(&body).unwrap())
    }

    fn names(image: &ContainerImage) -> Vec<&str> {
        image
            .rpms()
            .iter()
            .map(|rpm| rpm.name().unwrap_or("?"))
            .collect()
    }

    #[test]
    fn installed_rpm_searches_keep_only_the_rpms_asked_for() {
        let rpms = json!([
            {"name": "bash", "nvra": "bash-5.1.8-9.el9.x86_64"},
            {"name": "openssl", "nvra": "openssl-3.0.7-27.el9.x86_64", "srpm_name": "openssl"},
            {"nvra": "nameless-1-1.noarch"},
            {"name": null},
            {"name": "ssl", "extra": [1, {"x": null}]},
            {"name": "openssl-libs", "srpm_nevra": "openssl-1:3.0.7-27.el9.src"},
            // Escaped in the body: read through the copying path.
            {"name": "q\"uote", "nvra": "q\\uote-1-1.noarch"}
        ]);
        let images = json!([
            {"edges": {"rpm_manifest": {"data": {"image_id": "a", "rpms": rpms}}}},
            {"edges": {"rpm_manifest": {"data": {"image_id": "b", "rpms": null}}}},
            {"edges": {"rpm_manifest": {"data": null, "error": {"status": 404}}}}
        ]);
        let op = FindImagesByInstalledRpms::new(["openssl", "openssl-libs", "openssl", "q\"uote"]);
        // Small body (strings each their own) and a body large enough to share them.
        let large = json!([images[0], images[1], images[2], {"content_sets": ["x".repeat(9000)]}]);
        for images in [images.clone(), large] {
            let page = op.decode_page(&page_of(images), usize::MAX).unwrap();
            assert_eq!(
                names(&page.items[0]),
                ["openssl", "openssl-libs", "q\"uote"]
            );
            assert_eq!(page.items[0].rpms()[2].nvra(), Some("q\\uote-1-1.noarch"));
            assert_eq!(page.items[0].rpms()[0].srpm_name(), Some("openssl"));
            assert_eq!(
                page.items[0].rpms()[1].srpm_nevra(),
                Some("openssl-1:3.0.7-27.el9.src")
            );
            assert!(page.items[1].rpms().is_empty() && page.items[2].rpms().is_empty());
        }
        // The same page through an operation that keeps every RPM.
        let all = FindImagesByNvrs::new(["x"], true)
            .decode_page(&page_of(images), usize::MAX)
            .unwrap();
        assert_eq!(
            names(&all.items[0]),
            [
                "bash",
                "openssl",
                "?",
                "?",
                "ssl",
                "openssl-libs",
                "q\"uote"
            ]
        );
    }

    #[test]
    fn rpm_lists_report_their_errors() {
        let op = FindImagesByInstalledRpms::new(["bash"]);
        let bad = json!([{"edges": {"rpm_manifest": {"data": {"rpms": [{"name": 7}]}}}}]);
        let error = op.decode_page(&page_of(bad), usize::MAX).unwrap_err();
        assert!(
            matches!(&error, Error::Decode { path, .. }
                if path == "data.find_images.data[0].edges.rpm_manifest.data.rpms[0].name"),
            "{error:?}"
        );
        let not_a_list = json!([{"edges": {"rpm_manifest": {"data": {"rpms": {"name": "bash"}}}}}]);
        assert!(op.decode_page(&page_of(not_a_list), usize::MAX).is_err());
    }
}

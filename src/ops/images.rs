//! Operations on container images.

use serde::Serialize;

use super::query::{
    FIND_IMAGE_BUILDS, FIND_IMAGES, FIND_IMAGES_BY_INSTALLED_RPMS, FIND_IMAGES_BY_NVR,
    FIND_IMAGES_BY_NVR_WITH_RPMS, FIND_IMAGES_WITH_RPMS,
};
use super::{BY_ID, FilterVariables, any_of, strings};
use crate::chunks::{ChunkedOperation, split};
use crate::decode::{self, Page};
use crate::error::Error;
use crate::filter::{Filter, eq, escape_regex, regex};
use crate::model::{ContainerImage, ImageSeed, RpmSelection};
use crate::nvr::Nvr;
use crate::operation::{Document, OperationKind, PaginatedOperation, Query, SortBy};
use crate::options::PageSize;

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
        PageSize::SMALL
    } else {
        PageSize::DEFAULT
    }
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

/// The variables of [`FindImagesByNvr`]: `{nvr}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct NvrVariables {
    /// The build NVR.
    pub nvr: String,
}

impl Query for FindImagesByNvr {
    type Variables = NvrVariables;

    fn document(&self) -> &Document {
        if self.include_rpms {
            &FIND_IMAGES_BY_NVR_WITH_RPMS
        } else {
            &FIND_IMAGES_BY_NVR
        }
    }

    fn variables(&self) -> NvrVariables {
        NvrVariables {
            nvr: self.nvr.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByNvr
    }
}

impl PaginatedOperation for FindImagesByNvr {
    type Item = ContainerImage;

    fn page_size(&self) -> PageSize {
        page_size_for(self.include_rpms)
    }

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
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

impl Query for FindImagesByNvrs {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        find_images(self.include_rpms)
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: any_of("brew.build", &self.nvrs),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByNvrs
    }
}

impl PaginatedOperation for FindImagesByNvrs {
    type Item = ContainerImage;

    fn page_size(&self) -> PageSize {
        page_size_for(self.include_rpms)
    }

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }

    fn matches_nothing(&self) -> bool {
        self.nvrs.is_empty()
    }
}

impl ChunkedOperation for FindImagesByNvrs {
    fn chunks(&self, size: usize) -> Vec<Self> {
        split(&self.nvrs, size)
            .into_iter()
            .map(|nvrs| Self {
                nvrs,
                include_rpms: self.include_rpms,
            })
            .collect()
    }
}

/// The images that ship any of some RPMs, optionally narrowed by content set, repository,
/// publication and tag. Each image's RPM list is cut down to the RPMs asked for.
///
/// ```
/// use pyxis_gql::ops::FindImagesByInstalledRpms;
/// use pyxis_gql::Query;
///
/// let op = FindImagesByInstalledRpms::new(["openssl"]).published(true).tags(["latest"]);
/// assert_eq!(
///     serde_json::to_value(op.variables()).unwrap()["filter"],
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
    wanted: RpmSelection,
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
            wanted: RpmSelection::named(rpm_names.iter().map(String::as_str)),
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

impl Query for FindImagesByInstalledRpms {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_IMAGES_BY_INSTALLED_RPMS
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: self.filter(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByInstalledRpms
    }
}

impl PaginatedOperation for FindImagesByInstalledRpms {
    type Item = ContainerImage;

    fn page_size(&self) -> PageSize {
        PageSize::SMALL
    }

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }

    fn selects_total(&self) -> bool {
        false
    }

    fn matches_nothing(&self) -> bool {
        self.rpm_names.is_empty()
    }

    /// Keeps only the RPMs searched for: the others are skipped while the page is read, never
    /// built.
    fn decode_page<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> Result<Page<ContainerImage>, Error> {
        decode::page_seeded(
            response,
            self.document().root_field(),
            ImageSeed::new(&self.wanted),
        )
    }
}

/// Chunks the RPM names and the repositories (every pair of chunks when both are long). Each
/// chunk still keeps every RPM the whole search asked for, so that an image found by two chunks
/// comes back the same from both.
impl ChunkedOperation for FindImagesByInstalledRpms {
    fn chunks(&self, size: usize) -> Vec<Self> {
        let repositories = match &self.repositories {
            Some(repositories) => split(repositories, size).into_iter().map(Some).collect(),
            None => vec![None],
        };
        let mut chunks = Vec::new();
        for rpm_names in split(&self.rpm_names, size) {
            for repositories in &repositories {
                chunks.push(Self {
                    rpm_names: rpm_names.clone(),
                    repositories: repositories.clone(),
                    ..self.clone()
                });
            }
        }
        chunks
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

impl Query for FindImagesByNames {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_IMAGES
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: Filter::and([
                any_of("brew.package", &self.names),
                Filter::elem_match("repositories", [Filter::field("published", eq(true))]),
            ]),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByNames
    }
}

impl PaginatedOperation for FindImagesByNames {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }

    fn matches_nothing(&self) -> bool {
        self.names.is_empty()
    }
}

impl ChunkedOperation for FindImagesByNames {
    fn chunks(&self, size: usize) -> Vec<Self> {
        split(&self.names, size)
            .into_iter()
            .map(|names| Self { names })
            .collect()
    }
}

/// The images published in a repository, optionally only those with some tags.
///
/// Repository, publication and tags sit in one `repositories_elemMatch`, so one repository
/// entry of the image must match all three. A filter with them as separate conditions would
/// match them across entries: an image published in `ubi8/app`, with an unpublished entry in
/// `ubi9/app` tagged `latest`, would wrongly count as published in `ubi9/app` under `latest`.
///
/// ```
/// use pyxis_gql::{Query, ops::FindImagesByRepository};
///
/// let op = FindImagesByRepository::new("ubi9/app").auto_rebuild_tags(["latest"]);
/// assert_eq!(
///     serde_json::to_value(op.variables()).unwrap()["filter"],
///     serde_json::json!({"repositories_elemMatch": {"and": [
///         {"published": {"eq": true}},
///         {"repository": {"eq": "ubi9/app"}},
///         {"tags_elemMatch": {"and": [{"name": {"in": ["latest"]}}]}}
///     ]}})
/// );
/// ```
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

impl Query for FindImagesByRepository {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_IMAGES
    }

    fn variables(&self) -> FilterVariables {
        let mut repository = vec![
            Filter::field("published", eq(true)),
            Filter::field("repository", eq(self.repository.as_str())),
        ];
        if let Some(tags) = &self.auto_rebuild_tags {
            repository.push(Filter::elem_match("tags", [any_of("name", tags)]));
        }
        FilterVariables {
            filter: Filter::elem_match("repositories", repository),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByRepository
    }
}

impl PaginatedOperation for FindImagesByRepository {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }
}

/// The images of the latest build of one package at one version: the build with the highest
/// release by RPM's version comparison, and every image of it (all architectures), with RPM
/// manifests unless [`include_rpms(false)`](Self::include_rpms).
///
/// It takes three steps, each a value a caller can also drive alone:
/// 1. [`candidates`](Self::candidates) crawls every image of the package whose build matches
///    `^<name>-<version>-.*` (`name` and `version` escaped, so `a.b` matches only a literal dot),
///    selecting only `_id` and `brew.build`;
/// 2. [`pick_latest`](Self::pick_latest) takes the highest of those builds by
///    [`Nvr::cmp_version_release`] (`rpmvercmp`: release `10` beats `9`, `1.10` beats `1.9`);
/// 3. [`images_of`](Self::images_of) crawls that build's images under the same filters.
///
/// This is exact where the usual approach is not: taking the newest 20 images by publication
/// date and comparing their builds misses a build published earlier than 20 others, and an
/// unescaped pattern lets `a.b` match `aXb`.
///
/// ```
/// use pyxis_gql::ops::FindLatestImagesByNameVersion;
/// use pyxis_gql::model::ContainerImage;
///
/// let search = FindLatestImagesByNameVersion::new("app", "1.2").published(true);
/// let build = |nvr: &str| -> ContainerImage {
///     serde_json::from_value(serde_json::json!({"brew": {"build": nvr}})).unwrap()
/// };
/// let found = [build("app-1.2-9"), build("app-1.2-10"), build("app-1.2-2")];
/// assert_eq!(search.pick_latest(&found).as_deref(), Some("app-1.2-10"));
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct FindLatestImagesByNameVersion {
    name: String,
    version: String,
    published: Option<bool>,
    content_sets: Option<Vec<String>>,
    include_rpms: bool,
}

impl FindLatestImagesByNameVersion {
    /// The latest images of package `name` at `version`, with RPM manifests.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            version: version.into(),
            published: None,
            content_sets: None,
            include_rpms: true,
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

    /// Whether the images come with their RPM manifests (the default).
    pub fn include_rpms(mut self, include_rpms: bool) -> Self {
        self.include_rpms = include_rpms;
        self
    }

    /// The filter over the package's images, with `build` narrowing the builds.
    fn filter(&self, build: Filter) -> Filter {
        let mut parts = vec![Filter::field("brew.package", eq(self.name.as_str())), build];
        if let Some(published) = self.published {
            parts.push(Filter::elem_match(
                "repositories",
                [Filter::field("published", eq(published))],
            ));
        }
        if let Some(content_sets) = &self.content_sets {
            parts.push(any_of("content_sets", content_sets));
        }
        Filter::and(parts)
    }

    /// Step 1: every image that may be of the latest build, with only its build and `_id`.
    pub fn candidates(&self) -> LatestBuildCandidates {
        let pattern = format!(
            "^{}-{}-.*",
            escape_regex(&self.name),
            escape_regex(&self.version)
        );
        LatestBuildCandidates {
            filter: self.filter(Filter::field("brew.build", regex(pattern))),
        }
    }

    /// Step 2: the highest build among `candidates` that is exactly of this package and
    /// version, or `None` when there is none.
    pub fn pick_latest<'a>(
        &self,
        candidates: impl IntoIterator<Item = &'a ContainerImage>,
    ) -> Option<String> {
        candidates
            .into_iter()
            .filter_map(|image| Nvr::parse(image.nvr()?))
            .filter(|nvr| nvr.name() == self.name && nvr.version() == self.version)
            .max_by(|a, b| a.cmp_version_release(b))
            .map(|nvr| format!("{}-{}-{}", nvr.name(), nvr.version(), nvr.release()))
    }

    /// Step 3: every image of `build` under this search's filters.
    pub fn images_of(&self, build: &str) -> LatestBuildImages {
        LatestBuildImages {
            filter: self.filter(Filter::field("brew.build", eq(build))),
            include_rpms: self.include_rpms,
        }
    }
}

/// The crawl of [`FindLatestImagesByNameVersion::candidates`]: images with only `_id` and
/// `brew.build`.
#[derive(Clone, Debug)]
#[must_use]
pub struct LatestBuildCandidates {
    filter: Filter,
}

impl Query for LatestBuildCandidates {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_IMAGE_BUILDS
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: self.filter.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::LatestImages
    }
}

impl PaginatedOperation for LatestBuildCandidates {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }
}

/// The crawl of [`FindLatestImagesByNameVersion::images_of`]: one build's images.
#[derive(Clone, Debug)]
#[must_use]
pub struct LatestBuildImages {
    filter: Filter,
    include_rpms: bool,
}

impl Query for LatestBuildImages {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        find_images(self.include_rpms)
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: self.filter.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::LatestImages
    }
}

impl PaginatedOperation for LatestBuildImages {
    type Item = ContainerImage;

    fn page_size(&self) -> PageSize {
        page_size_for(self.include_rpms)
    }

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn page_of(images: serde_json::Value) -> http::Response<Vec<u8>> {
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
            {"architecture": "s390x", "edges": {"rpm_manifest": {"data": {"image_id": "a", "rpms": rpms}}}},
            {"edges": {"rpm_manifest": {"data": {"image_id": "b", "rpms": null}}}},
            {"edges": {"rpm_manifest": {"data": null, "error": {"status": 404}}}}
        ]);
        let op = FindImagesByInstalledRpms::new(["openssl", "openssl-libs", "openssl", "q\"uote"]);
        // Small body (strings each their own) and a body large enough to share them.
        let large = json!([images[0], images[1], images[2], {"content_sets": ["x".repeat(9000)]}]);
        for images in [images.clone(), large] {
            let page = op.decode_page(&page_of(images)).unwrap();
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
            assert_eq!(page.items[0].architecture.as_deref(), Some("s390x"));
        }
        // The same page through an operation that keeps every RPM.
        let all = FindImagesByNvrs::new(["x"], true)
            .decode_page(&page_of(images))
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
        let error = op.decode_page(&page_of(bad)).unwrap_err();
        assert!(
            matches!(&error, Error::Decode { path, .. }
                if path == "data.find_images.data[0].edges.rpm_manifest.data.rpms[0].name"),
            "{error:?}"
        );
        let not_a_list = json!([{"edges": {"rpm_manifest": {"data": {"rpms": {"name": "bash"}}}}}]);
        assert!(op.decode_page(&page_of(not_a_list)).is_err());
    }
}

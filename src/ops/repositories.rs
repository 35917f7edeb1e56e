//! Operations on container repositories.

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::query::{self, REPOSITORY_FIELDS};
use super::{by_id, filter_variables};
use crate::decode;
use crate::error::Error;
use crate::filter::{Filter, eq, in_};
use crate::model::{ContainerRepository, RegistryPath};
use crate::operation::{Document, Operation, PaginatedOperation};

/// The vendor whose repositories the repository searches keep by default.
const VENDOR: &str = "redhat";

static FIND_REPOSITORIES: LazyLock<Document> = LazyLock::new(|| {
    query::paginated(
        "FindRepositories",
        "find_repositories",
        &[
            ("filter", "ContainerRepositoryFilter"),
            ("sort_by", "[SortBy]"),
        ],
        REPOSITORY_FIELDS,
    )
});

static GET_REPOSITORY: LazyLock<Document> = LazyLock::new(|| {
    query::single(
        "GetRepositoryByRegistryPath",
        "get_repository_by_registry_path",
        &[("registry", "String"), ("repository", "String")],
        REPOSITORY_FIELDS,
    )
});

/// Repositories, optionally narrowed by publication, release category, auto-rebuild tag and name;
/// only `vendor_label == "redhat"` unless [`any_vendor`](Self::any_vendor) is called.
///
/// ```
/// use pyxis_gql::ops::FindRepositories;
/// use pyxis_gql::PaginatedOperation;
///
/// let op = FindRepositories::new().published(true).release_categories(["Generally Available"]);
/// assert_eq!(
///     serde_json::Value::Object(op.variables())["filter"],
///     serde_json::json!({"and": [
///         {"vendor_label": {"eq": "redhat"}},
///         {"published": {"eq": true}},
///         {"release_categories": {"in": ["Generally Available"]}}
///     ]})
/// );
/// ```
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct FindRepositories {
    any_vendor: bool,
    published: Option<bool>,
    release_categories: Option<Vec<String>>,
    auto_rebuild_tags: Option<Vec<String>>,
    names: Option<Vec<String>>,
}

impl FindRepositories {
    /// All of the vendor's repositories.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only repositories whose `published` is `published`.
    pub fn published(mut self, published: bool) -> Self {
        self.published = Some(published);
        self
    }

    /// Only repositories in one of these release categories.
    pub fn release_categories<S: Into<String>>(
        mut self,
        categories: impl IntoIterator<Item = S>,
    ) -> Self {
        self.release_categories = Some(categories.into_iter().map(Into::into).collect());
        self
    }

    /// Only repositories with one of these auto-rebuild tags.
    pub fn auto_rebuild_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.auto_rebuild_tags = Some(tags.into_iter().map(Into::into).collect());
        self
    }

    /// Only repositories with one of these names (`repository` paths).
    pub fn names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.names = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Drops the `vendor_label == "redhat"` restriction.
    pub fn any_vendor(mut self) -> Self {
        self.any_vendor = true;
        self
    }

    /// The filter this search sends.
    pub fn filter(&self) -> Filter {
        let mut parts = Vec::new();
        if !self.any_vendor {
            parts.push(Filter::field("vendor_label", eq(VENDOR)));
        }
        if let Some(published) = self.published {
            parts.push(Filter::field("published", eq(published)));
        }
        let lists = [
            ("release_categories", &self.release_categories),
            ("auto_rebuild_tags", &self.auto_rebuild_tags),
            ("repository", &self.names),
        ];
        for (field, values) in lists {
            if let Some(values) = values {
                parts.push(Filter::field(field, in_(values.iter().map(String::as_str))));
            }
        }
        Filter::and(parts)
    }
}

impl PaginatedOperation for FindRepositories {
    type Item = ContainerRepository;

    fn sort_key<'a>(&self, item: &'a ContainerRepository) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> Map<String, Value> {
        filter_variables(self.filter(), by_id())
    }
}

/// The vendor's repositories with this exact `repository` path (in any registry).
#[derive(Clone, Debug)]
#[must_use]
pub struct FindRepositoriesByRepositoryName {
    repository: String,
}

impl FindRepositoriesByRepositoryName {
    /// Repositories named `repository`, e.g. `ubi9/ubi`.
    pub fn new(repository: impl Into<String>) -> Self {
        Self {
            repository: repository.into(),
        }
    }
}

impl PaginatedOperation for FindRepositoriesByRepositoryName {
    type Item = ContainerRepository;

    fn sort_key<'a>(&self, item: &'a ContainerRepository) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> Map<String, Value> {
        let filter = Filter::and([
            Filter::field("repository", eq(self.repository.as_str())),
            Filter::field("vendor_label", eq(VENDOR)),
        ]);
        filter_variables(filter, by_id())
    }
}

/// The repositories at any of these registry paths, in one query.
#[derive(Clone, Debug)]
#[must_use]
pub struct FindRepositoriesByRegistryPaths {
    paths: Vec<RegistryPath>,
}

impl FindRepositoriesByRegistryPaths {
    /// Repositories at `paths`. An empty list finds nothing without asking the server.
    pub fn new(paths: impl IntoIterator<Item = RegistryPath>) -> Self {
        Self {
            paths: paths.into_iter().collect(),
        }
    }
}

impl PaginatedOperation for FindRepositoriesByRegistryPaths {
    type Item = ContainerRepository;

    fn sort_key<'a>(&self, item: &'a ContainerRepository) -> Option<&'a str> {
        item.id.as_deref()
    }

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> Map<String, Value> {
        let filter = Filter::or(self.paths.iter().map(|path| {
            Filter::and([
                Filter::field("registry", eq(path.registry())),
                Filter::field("repository", eq(path.repository())),
            ])
        }));
        filter_variables(filter, by_id())
    }

    fn matches_nothing(&self) -> bool {
        self.paths.is_empty()
    }
}

/// The one repository at a registry path, or `None` when Pyxis has none.
#[derive(Clone, Debug)]
#[must_use]
pub struct GetRepositoryByRegistryPath {
    path: RegistryPath,
}

impl GetRepositoryByRegistryPath {
    /// The repository at `path`.
    pub fn new(path: RegistryPath) -> Self {
        Self { path }
    }
}

impl Operation for GetRepositoryByRegistryPath {
    type Output = Option<ContainerRepository>;

    fn document(&self) -> &Document {
        &GET_REPOSITORY
    }

    fn variables(&self) -> Map<String, Value> {
        let mut variables = Map::new();
        variables.insert("registry".to_owned(), self.path.registry().into());
        variables.insert("repository".to_owned(), self.path.repository().into());
        variables
    }

    fn decode(
        &self,
        response: &http::Response<Vec<u8>>,
        max_body_bytes: usize,
    ) -> Result<Self::Output, Error> {
        decode::object(response, self.document().root_field(), max_body_bytes)
    }
}

//! Operations on container repositories.

use super::query::{FIND_REPOSITORIES, GET_REPOSITORY_BY_REGISTRY_PATH};
use super::{BY_ID, FilterVariables, any_of, strings};
use crate::chunks::{ChunkedOperation, split};
use crate::decode;
use crate::error::Error;
use crate::filter::{Filter, eq};
use crate::model::{ContainerRepository, RegistryPath};
use crate::operation::{Document, Operation, OperationKind, PaginatedOperation, Query, SortBy};

/// The vendor whose repositories the repository searches keep by default.
const VENDOR: &str = "redhat";

/// Repositories, optionally narrowed by publication, release category, auto-rebuild tag and name;
/// only `vendor_label == "redhat"` unless [`any_vendor`](Self::any_vendor) is called.
///
/// ```
/// use pyxis_gql::ops::FindRepositories;
/// use pyxis_gql::Query;
///
/// let op = FindRepositories::new().published(true).release_categories(["Generally Available"]);
/// assert_eq!(
///     serde_json::to_value(op.variables()).unwrap()["filter"],
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
        self.release_categories = Some(strings(categories));
        self
    }

    /// Only repositories with one of these auto-rebuild tags.
    pub fn auto_rebuild_tags<S: Into<String>>(mut self, tags: impl IntoIterator<Item = S>) -> Self {
        self.auto_rebuild_tags = Some(strings(tags));
        self
    }

    /// Only repositories with one of these names (`repository` paths).
    pub fn names<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.names = Some(strings(names));
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
                parts.push(any_of(field, values));
            }
        }
        Filter::and(parts)
    }
}

impl Query for FindRepositories {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: self.filter(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::Repositories
    }
}

impl PaginatedOperation for FindRepositories {
    type Item = ContainerRepository;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }
}

/// Chunks the repository names; the other lists narrow the search and stay whole.
impl ChunkedOperation for FindRepositories {
    fn chunks(&self, size: usize) -> Vec<Self> {
        let Some(names) = &self.names else {
            return vec![self.clone()];
        };
        split(names, size)
            .into_iter()
            .map(|names| Self {
                names: Some(names),
                ..self.clone()
            })
            .collect()
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

impl Query for FindRepositoriesByRepositoryName {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: Filter::and([
                Filter::field("repository", eq(self.repository.as_str())),
                Filter::field("vendor_label", eq(VENDOR)),
            ]),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::RepositoriesByName
    }
}

impl PaginatedOperation for FindRepositoriesByRepositoryName {
    type Item = ContainerRepository;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
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

impl Query for FindRepositoriesByRegistryPaths {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_REPOSITORIES
    }

    fn variables(&self) -> FilterVariables {
        FilterVariables {
            filter: Filter::or(self.paths.iter().map(|path| {
                Filter::and([
                    Filter::field("registry", eq(path.registry())),
                    Filter::field("repository", eq(path.repository())),
                ])
            })),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::RepositoriesByRegistryPaths
    }
}

impl PaginatedOperation for FindRepositoriesByRegistryPaths {
    type Item = ContainerRepository;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }

    fn matches_nothing(&self) -> bool {
        self.paths.is_empty()
    }
}

impl ChunkedOperation for FindRepositoriesByRegistryPaths {
    fn chunks(&self, size: usize) -> Vec<Self> {
        split(&self.paths, size)
            .into_iter()
            .map(|paths| Self { paths })
            .collect()
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

impl Query for GetRepositoryByRegistryPath {
    /// `{registry, repository}`.
    type Variables = RegistryPath;

    fn document(&self) -> &Document {
        &GET_REPOSITORY_BY_REGISTRY_PATH
    }

    fn variables(&self) -> RegistryPath {
        self.path.clone()
    }

    fn kind(&self) -> OperationKind {
        OperationKind::RepositoryByRegistryPath
    }
}

impl Operation for GetRepositoryByRegistryPath {
    type Output = Option<ContainerRepository>;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Self::Output, Error> {
        decode::object(response, self.document().root_field())
    }
}

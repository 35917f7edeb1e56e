//! The images in one repository, newest first.

use serde::Serialize;

use super::query::{FIND_REPOSITORY_IMAGES, FIND_REPOSITORY_IMAGES_BY_TAG};
use crate::model::{ContainerImage, RegistryPath};
use crate::operation::{Document, OperationKind, PaginatedOperation, Query, SortBy};

/// Newest first. `creation_date` alone is not unique (every architecture of a build may share
/// it), and a crawl's order check needs a unique last key, so `_id` breaks ties: the pair is a
/// total order, pages cannot overlap or leave gaps, and a page repeated under another number
/// still fails the check.
static NEWEST_FIRST: [SortBy; 2] = [
    SortBy::descending("creation_date"),
    SortBy::descending("_id"),
];

/// The images in the repository at a registry path (`find_repository_images_by_registry_path`),
/// or only those carrying one tag there (`..._tag`), newest first, with their dates and
/// digests.
///
/// ```
/// use pyxis_gql::ops::FindRepositoryImages;
/// use pyxis_gql::{PaginatedOperation, Query};
/// let path = "registry.access.redhat.com/ubi9/ubi".parse().unwrap();
/// let op = FindRepositoryImages::new(path).tag("latest");
/// assert_eq!(
///     serde_json::to_value(op.variables()).unwrap(),
///     serde_json::json!({"registry": "registry.access.redhat.com", "repository": "ubi9/ubi", "tag": "latest"})
/// );
/// assert_eq!(op.sort_by()[0].field(), "creation_date");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct FindRepositoryImages {
    path: RegistryPath,
    tag: Option<String>,
}

impl FindRepositoryImages {
    /// Every image in the repository at `path`.
    pub fn new(path: RegistryPath) -> Self {
        Self { path, tag: None }
    }

    /// Only the images tagged `tag` in that repository.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }
}

/// The variables of [`FindRepositoryImages`]: `{registry, repository}` and, for one tag, `tag`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RepositoryImagesVariables {
    /// The registry host.
    pub registry: String,
    /// The repository path.
    pub repository: String,
    /// The tag, when only its images are wanted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
}

impl Query for FindRepositoryImages {
    type Variables = RepositoryImagesVariables;

    fn document(&self) -> &Document {
        match self.tag {
            Some(_) => &FIND_REPOSITORY_IMAGES_BY_TAG,
            None => &FIND_REPOSITORY_IMAGES,
        }
    }

    fn variables(&self) -> RepositoryImagesVariables {
        RepositoryImagesVariables {
            registry: self.path.registry().to_owned(),
            repository: self.path.repository().to_owned(),
            tag: self.tag.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::RepositoryImages
    }
}

impl PaginatedOperation for FindRepositoryImages {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        &NEWEST_FIRST
    }

    fn selects_total(&self) -> bool {
        false
    }
}

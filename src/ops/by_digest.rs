//! Images found by a digest.

use serde::Serialize;

use super::query::{FIND_IMAGES_BY_DIGEST, GET_IMAGE_BY_MANIFEST_DIGEST};
use super::{BY_ID, FilterVariables};
use crate::decode;
use crate::error::Error;
use crate::filter::{Filter, eq};
use crate::model::{ContainerImage, RegistryPath};
use crate::operation::{Document, Operation, OperationKind, PaginatedOperation, Query, SortBy};

/// The images holding a digest in any of the three places Pyxis keeps one: the image's own
/// `docker_image_digest`, or a repository entry's `manifest_schema2_digest` (single
/// architecture) or `manifest_list_digest` (the multi-architecture list, so every architecture's
/// image of that build matches). [`ContainerImage::digest_matches`] tells which field matched.
///
/// ```
/// use pyxis_gql::ops::FindImagesByDigest;
/// use pyxis_gql::Query;
/// let op = FindImagesByDigest::new("sha256:ab");
/// assert_eq!(
///     serde_json::to_value(op.variables()).unwrap()["filter"],
///     serde_json::json!({"or": [
///         {"docker_image_digest": {"eq": "sha256:ab"}},
///         {"repositories_elemMatch": {"and": [{"manifest_schema2_digest": {"eq": "sha256:ab"}}]}},
///         {"repositories_elemMatch": {"and": [{"manifest_list_digest": {"eq": "sha256:ab"}}]}}
///     ]})
/// );
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct FindImagesByDigest {
    digest: String,
}

impl FindImagesByDigest {
    /// Images holding `digest` (e.g. `sha256:...`; compared exactly).
    pub fn new(digest: impl Into<String>) -> Self {
        Self {
            digest: digest.into(),
        }
    }
}

impl Query for FindImagesByDigest {
    type Variables = FilterVariables;

    fn document(&self) -> &Document {
        &FIND_IMAGES_BY_DIGEST
    }

    fn variables(&self) -> FilterVariables {
        let digest = self.digest.as_str();
        let in_repository =
            |field| Filter::elem_match("repositories", [Filter::field(field, eq(digest))]);
        FilterVariables {
            filter: Filter::or([
                Filter::field("docker_image_digest", eq(digest)),
                in_repository("manifest_schema2_digest"),
                in_repository("manifest_list_digest"),
            ]),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByDigest
    }
}

impl PaginatedOperation for FindImagesByDigest {
    type Item = ContainerImage;

    fn sort_by(&self) -> &[SortBy] {
        &BY_ID
    }
}

/// The variables of [`GetImageByManifestDigest`]: `{registry, repository, manifest_digest}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ManifestDigestVariables {
    /// The registry host.
    pub registry: String,
    /// The repository path.
    pub repository: String,
    /// The manifest digest.
    pub manifest_digest: String,
}

/// The image a manifest digest names in one repository, or `None` when Pyxis has none: Pyxis's
/// own lookup (`get_image_by_manifest_digest_registry_and_repository`), one object.
#[derive(Clone, Debug)]
#[must_use]
pub struct GetImageByManifestDigest {
    path: RegistryPath,
    digest: String,
}

impl GetImageByManifestDigest {
    /// The image in the repository at `path` whose manifest digest is `digest`.
    pub fn new(path: RegistryPath, digest: impl Into<String>) -> Self {
        Self {
            path,
            digest: digest.into(),
        }
    }
}

impl Query for GetImageByManifestDigest {
    type Variables = ManifestDigestVariables;

    fn document(&self) -> &Document {
        &GET_IMAGE_BY_MANIFEST_DIGEST
    }

    fn variables(&self) -> ManifestDigestVariables {
        ManifestDigestVariables {
            registry: self.path.registry().to_owned(),
            repository: self.path.repository().to_owned(),
            manifest_digest: self.digest.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImagesByDigest
    }
}

impl Operation for GetImageByManifestDigest {
    type Output = Option<ContainerImage>;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Self::Output, Error> {
        decode::object(response, self.document().root_field())
    }
}

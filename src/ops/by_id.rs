//! Lookups of one object by its Pyxis id.

use serde::Serialize;

use super::query::{GET_IMAGE, GET_REPOSITORY};
use crate::decode;
use crate::error::Error;
use crate::model::{ContainerImage, ContainerRepository};
use crate::operation::{Document, Operation, OperationKind, Query};

/// The variables of a lookup by id: `{id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IdVariables {
    /// The Pyxis object id (`_id`), e.g. `5c8f...`.
    pub id: String,
}

/// The image with this id, with its dates and digests, or `None` when Pyxis has none.
///
/// ```
/// use pyxis_gql::ops::GetImage;
/// use pyxis_gql::Query;
/// let op = GetImage::new("5d0a0000");
/// assert_eq!(serde_json::to_value(op.variables()).unwrap(), serde_json::json!({"id": "5d0a0000"}));
/// assert_eq!(op.document().root_field(), "get_image");
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct GetImage {
    id: String,
}

impl GetImage {
    /// The image whose `_id` is `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Query for GetImage {
    type Variables = IdVariables;

    fn document(&self) -> &Document {
        &GET_IMAGE
    }

    fn variables(&self) -> IdVariables {
        IdVariables {
            id: self.id.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::ImageById
    }
}

impl Operation for GetImage {
    type Output = Option<ContainerImage>;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Self::Output, Error> {
        decode::object(response, self.document().root_field())
    }
}

/// The repository with this id, with its vendor and end of life, or `None` when Pyxis has none.
#[derive(Clone, Debug)]
#[must_use]
pub struct GetRepository {
    id: String,
}

impl GetRepository {
    /// The repository whose `_id` is `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Query for GetRepository {
    type Variables = IdVariables;

    fn document(&self) -> &Document {
        &GET_REPOSITORY
    }

    fn variables(&self) -> IdVariables {
        IdVariables {
            id: self.id.clone(),
        }
    }

    fn kind(&self) -> OperationKind {
        OperationKind::RepositoryById
    }
}

impl Operation for GetRepository {
    type Output = Option<ContainerRepository>;

    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Self::Output, Error> {
        decode::object(response, self.document().root_field())
    }
}

//! The built-in Pyxis operations, and the escape hatch for any other query.
//!
//! Each operation is a plain value: build it, then hand it to a [`Client`](crate::Client), or
//! turn it into requests yourself with [`Pages`](crate::Pages) or an
//! [`Endpoint`](crate::Endpoint). Every argument travels as a GraphQL variable, in a typed
//! variables struct; the query text of each operation is a constant.

mod by_digest;
mod by_id;
mod custom;
mod images;
mod query;
mod repositories;
mod repository_images;

use serde::Serialize;

pub use by_digest::{FindImagesByDigest, GetImageByManifestDigest, ManifestDigestVariables};
pub use by_id::{GetImage, GetRepository, IdVariables};
pub use custom::{CustomPaginatedQuery, CustomQuery, CustomVariables};
pub use images::{
    FindImagesByInstalledRpms, FindImagesByNames, FindImagesByNvr, FindImagesByNvrs,
    FindImagesByRepository, FindLatestImagesByNameVersion, LatestBuildCandidates,
    LatestBuildImages, NvrVariables,
};
pub use repositories::{
    FindRepositories, FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName,
    GetRepositoryByRegistryPath,
};
pub use repository_images::{FindRepositoryImages, RepositoryImagesVariables};

use crate::filter::{Filter, in_};
use crate::operation::SortBy;

/// The variables of a search by filter: `{filter}`, to which a crawl adds its page and sort.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FilterVariables {
    /// The filter.
    pub filter: Filter,
}

/// The crawls' stable order, so that concurrently fetched pages neither overlap nor leave gaps.
static BY_ID: [SortBy; 1] = [SortBy::ascending("_id")];

fn strings<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Vec<String> {
    values.into_iter().map(Into::into).collect()
}

/// `field` is one of `values`.
fn any_of(field: &str, values: &[String]) -> Filter {
    Filter::field(field, in_(values.iter().map(String::as_str)))
}

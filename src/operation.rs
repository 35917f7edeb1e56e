//! An operation is a value: a query document, typed variables, and how to read its answer.
//!
//! One trait family, in the manner of a request and its response: [`Query`] is what every call
//! sends (its document and its typed variables), [`Operation`] is a call answered by one
//! response, and [`PaginatedOperation`] a call whose answer comes in pages that a crawl
//! ([`Pages`](crate::Pages)) fetches, adding `page`, `page_size` and `sort_by` itself.

use std::borrow::Cow;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};

use crate::decode::{self, Page};
use crate::error::Error;
use crate::model::Sortable;
use crate::options::PageSize;

/// A GraphQL query document with its operation name and the root field its answer sits under.
///
/// The built-in operations keep theirs in statics, written out at compile time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    text: Cow<'static, str>,
    operation_name: Cow<'static, str>,
    root_field: Cow<'static, str>,
}

impl Document {
    /// A document. `operation_name` must name an operation defined in `text` (or be empty when
    /// the text holds exactly one anonymous operation); `root_field` is the top-level field whose
    /// value is decoded.
    pub fn new(
        text: impl Into<Cow<'static, str>>,
        operation_name: impl Into<Cow<'static, str>>,
        root_field: impl Into<Cow<'static, str>>,
    ) -> Self {
        Self {
            text: text.into(),
            operation_name: operation_name.into(),
            root_field: root_field.into(),
        }
    }

    /// A document from static text, usable in a `static`.
    pub const fn from_static(
        text: &'static str,
        operation_name: &'static str,
        root_field: &'static str,
    ) -> Self {
        Self {
            text: Cow::Borrowed(text),
            operation_name: Cow::Borrowed(operation_name),
            root_field: Cow::Borrowed(root_field),
        }
    }

    /// The query text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The operation name sent as `operationName` (empty means none is sent).
    pub fn operation_name(&self) -> &str {
        &self.operation_name
    }

    /// The root field the answer is read from.
    pub fn root_field(&self) -> &str {
        &self.root_field
    }
}

/// The direction of one sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Smallest first (`ASC`).
    Ascending,
    /// Largest first (`DESC`).
    Descending,
}

/// One key of a crawl's sort order, as the schema's `SortBy` input type: `{field, order}`.
///
/// ```
/// use pyxis_gql::SortBy;
/// assert_eq!(
///     serde_json::to_string(&SortBy::ascending("_id")).unwrap(),
///     r#"{"field":"_id","order":"ASC"}"#
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SortBy {
    field: Cow<'static, str>,
    #[serde(serialize_with = "order_name")]
    order: SortOrder,
}

impl SortBy {
    /// `field` (a Pyxis field path), smallest first.
    pub const fn ascending(field: &'static str) -> Self {
        Self {
            field: Cow::Borrowed(field),
            order: SortOrder::Ascending,
        }
    }

    /// `field`, largest first.
    pub const fn descending(field: &'static str) -> Self {
        Self {
            field: Cow::Borrowed(field),
            order: SortOrder::Descending,
        }
    }

    /// A key on a field named at run time.
    pub fn new(field: impl Into<Cow<'static, str>>, order: SortOrder) -> Self {
        Self {
            field: field.into(),
            order,
        }
    }

    /// The field path.
    pub fn field(&self) -> &str {
        &self.field
    }

    /// The direction.
    pub fn order(&self) -> SortOrder {
        self.order
    }
}

fn order_name<S: Serializer>(order: &SortOrder, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(match order {
        SortOrder::Ascending => "ASC",
        SortOrder::Descending => "DESC",
    })
}

/// What kind of question an operation asks; a [`CachedTransport`](crate::cache::CachedTransport)
/// decides by it which answers it may keep.
///
/// Every request the core builds carries its operation's kind in its
/// [extensions](http::Request::extensions) (nothing of it goes on the wire), so that a
/// transport layer can tell the questions apart even where two of them share a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum OperationKind {
    /// A repository search ([`FindRepositories`](crate::ops::FindRepositories)).
    Repositories,
    /// Repositories by name ([`FindRepositoriesByRepositoryName`](crate::ops::FindRepositoriesByRepositoryName)).
    RepositoriesByName,
    /// Repositories at registry paths ([`FindRepositoriesByRegistryPaths`](crate::ops::FindRepositoriesByRegistryPaths)).
    RepositoriesByRegistryPaths,
    /// The repository at a registry path ([`GetRepositoryByRegistryPath`](crate::ops::GetRepositoryByRegistryPath)).
    RepositoryByRegistryPath,
    /// A repository by id ([`GetRepository`](crate::ops::GetRepository)).
    RepositoryById,
    /// Images of one NVR ([`FindImagesByNvr`](crate::ops::FindImagesByNvr)).
    ImagesByNvr,
    /// Images of several NVRs ([`FindImagesByNvrs`](crate::ops::FindImagesByNvrs)).
    ImagesByNvrs,
    /// Images shipping RPMs ([`FindImagesByInstalledRpms`](crate::ops::FindImagesByInstalledRpms)).
    ImagesByInstalledRpms,
    /// Images by package names ([`FindImagesByNames`](crate::ops::FindImagesByNames)).
    ImagesByNames,
    /// Images in a repository by name ([`FindImagesByRepository`](crate::ops::FindImagesByRepository)).
    ImagesByRepository,
    /// Either step of the latest-images search ([`FindLatestImagesByNameVersion`](crate::ops::FindLatestImagesByNameVersion)).
    LatestImages,
    /// Images by digest ([`FindImagesByDigest`](crate::ops::FindImagesByDigest),
    /// [`GetImageByManifestDigest`](crate::ops::GetImageByManifestDigest)).
    ImagesByDigest,
    /// An image by id ([`GetImage`](crate::ops::GetImage)).
    ImageById,
    /// A repository's images by registry path ([`FindRepositoryImages`](crate::ops::FindRepositoryImages)).
    RepositoryImages,
    /// A caller's own query ([`CustomQuery`](crate::ops::CustomQuery),
    /// [`CustomPaginatedQuery`](crate::ops::CustomPaginatedQuery)), and any operation that
    /// does not say.
    Custom,
}

/// What every call sends: a document and its typed variables.
pub trait Query {
    /// The GraphQL variables, as a type that serializes to a JSON object.
    type Variables: Serialize + Send;

    /// The query document.
    fn document(&self) -> &Document;

    /// The variables; a crawl builds them once and adds `page`, `page_size` and `sort_by` to
    /// each request.
    fn variables(&self) -> Self::Variables;

    /// What kind of question this is; [`OperationKind::Custom`] unless the operation says.
    fn kind(&self) -> OperationKind {
        OperationKind::Custom
    }
}

/// A call answered by one response.
pub trait Operation: Query {
    /// The typed answer.
    type Output;

    /// Reads the answer out of a response.
    ///
    /// # Errors
    ///
    /// Every failure the response carries, as an [`Error`].
    fn decode<B: AsRef<[u8]>>(&self, response: &http::Response<B>) -> Result<Self::Output, Error>;
}

/// A call whose answer is a list served in pages (`page`, `page_size`, and usually `total`).
///
/// Its document must declare `$page: Int` and `$page_size: Int` (and `$sort_by: [SortBy]` when
/// [`sort_by`](Self::sort_by) is not empty) and select `data` under its root field;
/// [`Pages`](crate::Pages) supplies those variables.
pub trait PaginatedOperation: Query {
    /// One element of the list.
    type Item: DeserializeOwned + Sortable;

    /// Which page size to use.
    fn page_size(&self) -> PageSize {
        PageSize::DEFAULT
    }

    /// The crawl's sort order, sent as `sort_by`. With one, [`Pages`](crate::Pages) checks that
    /// pages follow each other in that order (through [`Sortable`]), which catches a page the
    /// server repeated under another page's number; the last key must then be unique (the
    /// built-in crawls end with `_id`). Empty by default: no `sort_by`, no check.
    fn sort_by(&self) -> &[SortBy] {
        &[]
    }

    /// Whether the document selects `total`. With it, the first page tells how many pages
    /// follow and they are all asked for at once; without it, a crawl asks for pages ahead of
    /// the answers (up to its page concurrency) and stops at the first short page. Must agree
    /// with the document.
    fn selects_total(&self) -> bool {
        true
    }

    /// Whether the answer is known to be empty without asking (e.g. an empty list of names),
    /// so that no request is sent.
    fn matches_nothing(&self) -> bool {
        false
    }

    /// Reads one page; the default decodes the standard paginated response.
    ///
    /// # Errors
    ///
    /// Every failure the response carries, as an [`Error`].
    fn decode_page<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> Result<Page<Self::Item>, Error> {
        decode::page(response, self.document().root_field())
    }
}

impl<Q: Query + ?Sized> Query for Arc<Q> {
    type Variables = Q::Variables;

    fn document(&self) -> &Document {
        (**self).document()
    }

    fn variables(&self) -> Self::Variables {
        (**self).variables()
    }

    fn kind(&self) -> OperationKind {
        (**self).kind()
    }
}

impl<O: PaginatedOperation + ?Sized> PaginatedOperation for Arc<O> {
    type Item = O::Item;

    fn page_size(&self) -> PageSize {
        (**self).page_size()
    }

    fn sort_by(&self) -> &[SortBy] {
        (**self).sort_by()
    }

    fn selects_total(&self) -> bool {
        (**self).selects_total()
    }

    fn matches_nothing(&self) -> bool {
        (**self).matches_nothing()
    }

    fn decode_page<B: AsRef<[u8]>>(
        &self,
        response: &http::Response<B>,
    ) -> Result<Page<Self::Item>, Error> {
        (**self).decode_page(response)
    }
}

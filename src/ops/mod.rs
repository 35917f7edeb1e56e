//! The built-in Pyxis operations, and the escape hatch for any other query.
//!
//! Each operation is a plain value: build it, then hand it to a [`Client`](crate::Client), or
//! turn it into requests yourself with [`Pages`](crate::Pages) or [`Operation`](crate::Operation).
//! Every argument travels as a GraphQL variable; the query text of each operation is a constant.

mod custom;
mod images;
mod query;
mod repositories;

pub use custom::{CustomPaginatedQuery, CustomQuery};
pub use images::{
    FindImagesByInstalledRpms, FindImagesByNames, FindImagesByNvr, FindImagesByNvrs,
    FindImagesByRepository, FindLatestImagesByNameVersion,
};
pub use repositories::{
    FindRepositories, FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName,
    GetRepositoryByRegistryPath,
};

use serde_json::{Map, Value};

use crate::filter::Filter;

/// Variables holding one filter and one sort order.
fn filter_variables(filter: Filter, sort_by: Value) -> Map<String, Value> {
    let mut variables = Map::new();
    variables.insert("filter".to_owned(), filter.to_value());
    variables.insert("sort_by".to_owned(), sort_by);
    variables
}

/// A stable order for crawls, so that concurrently fetched pages neither overlap nor leave gaps.
fn by_id() -> Value {
    serde_json::json!([{"field": "_id", "order": "ASC"}])
}

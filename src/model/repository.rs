//! Container repositories and where they live.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::null_as_default;
use super::text::Text;

/// A container repository (`ContainerRepository`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContainerRepository {
    /// The Pyxis object id (`_id`); crawls are sorted by it.
    #[serde(default, rename = "_id")]
    pub id: Option<Text>,
    /// The repository path inside its registry, e.g. `ubi9/ubi`.
    #[serde(default)]
    pub repository: Option<Text>,
    /// The registry host, e.g. `registry.access.redhat.com`.
    #[serde(default)]
    pub registry: Option<Text>,
    /// Whether the repository is published.
    #[serde(default)]
    pub published: Option<bool>,
    /// Release categories such as `Generally Available`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub release_categories: Vec<Text>,
    /// Tags that rebuilds are pushed to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub auto_rebuild_tags: Vec<Text>,
    /// The vendor, e.g. `redhat`. Selected by [`get_repository`](crate::Client::get_repository)
    /// only: the searches filter on it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_label: Option<Text>,
    /// When the repository reaches its end of life, as Pyxis sends it (RFC 3339); selected by
    /// [`get_repository`](crate::Client::get_repository) only, and unset for most repositories.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eol_date: Option<Text>,
}

impl ContainerRepository {
    /// The repository's registry path, when both parts are known.
    pub fn registry_path(&self) -> Option<RegistryPath> {
        Some(RegistryPath::new(
            self.registry.as_deref()?,
            self.repository.as_deref()?,
        ))
    }
}

/// A registry and a repository in it, e.g. `registry.access.redhat.com` + `ubi9/ubi`.
///
/// A named pair, so the two strings cannot be swapped by accident. Parses from
/// `registry/repository`, splitting at the first `/`:
///
/// ```
/// let path: pyxis_gql::RegistryPath = "registry.access.redhat.com/ubi9/ubi".parse().unwrap();
/// assert_eq!(path.registry(), "registry.access.redhat.com");
/// assert_eq!(path.repository(), "ubi9/ubi");
/// assert_eq!(path.to_string(), "registry.access.redhat.com/ubi9/ubi");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegistryPath {
    registry: String,
    repository: String,
}

impl RegistryPath {
    /// A registry path from its two parts.
    pub fn new(registry: impl Into<String>, repository: impl Into<String>) -> Self {
        Self {
            registry: registry.into(),
            repository: repository.into(),
        }
    }

    /// The registry host.
    pub fn registry(&self) -> &str {
        &self.registry
    }

    /// The repository path inside the registry.
    pub fn repository(&self) -> &str {
        &self.repository
    }
}

impl fmt::Display for RegistryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)
    }
}

/// The text is not `registry/repository` with both parts non-empty.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not of the form registry/repository")]
pub struct RegistryPathError(String);

impl FromStr for RegistryPath {
    type Err = RegistryPathError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once('/') {
            Some((registry, repository)) if !registry.is_empty() && !repository.is_empty() => {
                Ok(Self::new(registry, repository))
            }
            _ => Err(RegistryPathError(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registry_path_splits_at_its_first_slash() {
        let path: RegistryPath = "registry.access.redhat.com/ubi9/ubi".parse().unwrap();
        assert_eq!(path.registry(), "registry.access.redhat.com");
        assert_eq!(path.repository(), "ubi9/ubi");
        assert_eq!(path.to_string(), "registry.access.redhat.com/ubi9/ubi");
        for bad in ["", "no-slash", "/repo", "registry/"] {
            let error = bad.parse::<RegistryPath>().unwrap_err();
            assert!(error.to_string().contains(&format!("{bad:?}")), "{error}");
        }
    }
}

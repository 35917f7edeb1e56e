//! Which answers a response cache keeps, for how long, and how many bytes of them.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::error::ConfigError;
use crate::operation::OperationKind;

/// The default time an answer is kept: 20 minutes.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(20 * 60);

/// The default cap on the bytes a cache holds: 64 MiB.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// The settings of a [`CachedTransport`](super::CachedTransport): the operation kinds whose
/// answers it keeps, their time to live, and its capacity in bytes.
///
/// Nothing is cached unless asked for: the default keeps no kind at all.
/// [`rebuild_safe`](CacheOptionsBuilder::rebuild_safe) asks for the answers a rebuild service
/// can reuse safely, and [`kind`](CacheOptionsBuilder::kind) adds kinds one by one.
///
/// ```
/// use std::time::Duration;
/// use pyxis_gql::cache::CacheOptions;
/// use pyxis_gql::OperationKind;
///
/// let options = CacheOptions::builder().rebuild_safe().ttl(Duration::from_secs(60)).build()?;
/// assert!(options.caches(OperationKind::ImagesByNvr));
/// assert!(!options.caches(OperationKind::ImagesByInstalledRpms));
/// assert_eq!(options.ttl(), Duration::from_secs(60));
/// # Ok::<(), pyxis_gql::ConfigError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CacheOptions {
    kinds: BTreeSet<OperationKind>,
    ttl: Duration,
    max_bytes: usize,
}

impl Default for CacheOptions {
    /// No kind cached, a 20-minute time to live, 64 MiB.
    fn default() -> Self {
        Self {
            kinds: BTreeSet::new(),
            ttl: DEFAULT_CACHE_TTL,
            max_bytes: DEFAULT_CACHE_BYTES,
        }
    }
}

impl CacheOptions {
    /// A builder starting from the [defaults](Self::default).
    pub fn builder() -> CacheOptionsBuilder {
        CacheOptionsBuilder(Self::default())
    }

    /// Whether answers to operations of `kind` are kept.
    pub fn caches(&self, kind: OperationKind) -> bool {
        self.kinds.contains(&kind)
    }

    /// The kinds whose answers are kept.
    pub fn kinds(&self) -> impl Iterator<Item = OperationKind> + '_ {
        self.kinds.iter().copied()
    }

    /// How long an answer is kept after it arrived.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// The most bytes the kept answers (requests and responses together) take.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }
}

/// Builds [`CacheOptions`]; see [`CacheOptions::default`] for the defaults.
#[derive(Clone, Debug)]
#[must_use]
pub struct CacheOptionsBuilder(CacheOptions);

impl CacheOptionsBuilder {
    /// Keeps answers to operations of `kind`.
    pub fn kind(mut self, kind: OperationKind) -> Self {
        self.0.kinds.insert(kind);
        self
    }

    /// Keeps the answers that do not change under a rebuild: repository lookups (searches, by
    /// name, by registry paths, by registry path) and images by NVR (one or several; a build's
    /// images are fixed once it exists).
    ///
    /// It leaves out, on purpose, the answers a rebuild itself changes, where a stale copy
    /// picks the wrong parent or misses an image: images shipping an RPM, images by package
    /// name, the latest images, and a repository's images. The other lookups (by digest, by
    /// id) are left for the caller to add.
    pub fn rebuild_safe(mut self) -> Self {
        self.0.kinds.extend([
            OperationKind::Repositories,
            OperationKind::RepositoriesByName,
            OperationKind::RepositoriesByRegistryPaths,
            OperationKind::RepositoryByRegistryPath,
            OperationKind::ImagesByNvr,
            OperationKind::ImagesByNvrs,
        ]);
        self
    }

    /// How long an answer is kept after it arrived (at least 1 ms).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.0.ttl = ttl;
        self
    }

    /// The most bytes kept (at least 1); the least recently used answers go first.
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.0.max_bytes = bytes;
        self
    }

    /// Checks the settings and builds the options.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Zero`] for a zero time to live or capacity.
    pub fn build(self) -> Result<CacheOptions, ConfigError> {
        if self.0.ttl.is_zero() {
            return Err(ConfigError::Zero("cache ttl"));
        }
        if self.0.max_bytes == 0 {
            return Err(ConfigError::Zero("cache max_bytes"));
        }
        Ok(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_cached_unless_asked_for() {
        let options = CacheOptions::default();
        assert_eq!(options.kinds().count(), 0);
        assert_eq!(options.ttl(), DEFAULT_CACHE_TTL);
        let options = CacheOptions::builder()
            .kind(OperationKind::ImageById)
            .max_bytes(10)
            .build()
            .unwrap();
        assert_eq!(
            options.kinds().collect::<Vec<_>>(),
            [OperationKind::ImageById]
        );
        assert_eq!(options.max_bytes(), 10);
    }

    #[test]
    fn the_rebuild_safe_preset_leaves_out_what_a_rebuild_changes() {
        let options = CacheOptions::builder().rebuild_safe().build().unwrap();
        for kept in [
            OperationKind::Repositories,
            OperationKind::RepositoriesByName,
            OperationKind::RepositoriesByRegistryPaths,
            OperationKind::RepositoryByRegistryPath,
            OperationKind::ImagesByNvr,
            OperationKind::ImagesByNvrs,
        ] {
            assert!(options.caches(kept), "{kept:?}");
        }
        for left in [
            OperationKind::ImagesByInstalledRpms,
            OperationKind::ImagesByNames,
            OperationKind::LatestImages,
            OperationKind::ImagesByRepository,
            OperationKind::RepositoryImages,
            OperationKind::Custom,
        ] {
            assert!(!options.caches(left), "{left:?}");
        }
    }

    #[test]
    fn zeroes_are_refused() {
        assert!(matches!(
            CacheOptions::builder().ttl(Duration::ZERO).build(),
            Err(ConfigError::Zero("cache ttl"))
        ));
        assert!(matches!(
            CacheOptions::builder().max_bytes(0).build(),
            Err(ConfigError::Zero("cache max_bytes"))
        ));
    }
}

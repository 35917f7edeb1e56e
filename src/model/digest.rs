//! Which of an image's digests equals a given one.

use super::image::ContainerImage;

/// A field of an image that holds a digest, as [`ContainerImage::digest_matches`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestMatch {
    /// The image's own `docker_image_digest`.
    DockerImage,
    /// `repositories[index].manifest_schema2_digest`.
    ManifestSchema2 {
        /// The position of the repository entry in [`ContainerImage::repositories`].
        index: usize,
    },
    /// `repositories[index].manifest_list_digest`.
    ManifestList {
        /// The position of the repository entry in [`ContainerImage::repositories`].
        index: usize,
    },
}

impl ContainerImage {
    /// The fields of this image that hold `digest`, in the order the image lists them: how an
    /// image found by [`find_images_by_digest`](crate::Client::find_images_by_digest) matched.
    /// Empty when none does, or when the digests were not selected.
    ///
    /// ```
    /// use pyxis_gql::model::{ContainerImage, DigestMatch};
    /// let image: ContainerImage = serde_json::from_value(serde_json::json!({
    ///     "docker_image_digest": "sha256:aa",
    ///     "repositories": [{"manifest_schema2_digest": "sha256:bb", "manifest_list_digest": "sha256:cc"}]
    /// })).unwrap();
    /// assert_eq!(image.digest_matches("sha256:cc"), [DigestMatch::ManifestList { index: 0 }]);
    /// assert!(image.digest_matches("sha256:dd").is_empty());
    /// ```
    pub fn digest_matches(&self, digest: &str) -> Vec<DigestMatch> {
        let mut matches = Vec::new();
        if self.docker_image_digest.as_deref() == Some(digest) {
            matches.push(DigestMatch::DockerImage);
        }
        for (index, repository) in self.repositories.iter().enumerate() {
            if repository.manifest_schema2_digest.as_deref() == Some(digest) {
                matches.push(DigestMatch::ManifestSchema2 { index });
            }
            if repository.manifest_list_digest.as_deref() == Some(digest) {
                matches.push(DigestMatch::ManifestList { index });
            }
        }
        matches
    }
}

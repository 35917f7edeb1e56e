//! The client's detailed lookups: by id, by digest, and a repository's images. They select
//! dates and digests, which the ten parity operations leave out.

use crate::client::Client;
use crate::error::Error;
use crate::model::{ContainerImage, ContainerRepository, RegistryPath};
use crate::ops;
use crate::transport::Transport;

impl<T: Transport> Client<T> {
    /// The image whose `_id` is `id`, or `None` when Pyxis has none.
    pub async fn get_image(&self, id: &str) -> Result<Option<ContainerImage>, Error> {
        self.execute(&ops::GetImage::new(id)).await
    }

    /// The repository whose `_id` is `id`, or `None` when Pyxis has none.
    pub async fn get_repository(&self, id: &str) -> Result<Option<ContainerRepository>, Error> {
        self.execute(&ops::GetRepository::new(id)).await
    }

    /// The images holding `digest` as their own digest or as a manifest (or manifest list)
    /// digest in any repository; see [`FindImagesByDigest`](ops::FindImagesByDigest), and
    /// [`ContainerImage::digest_matches`] for which field matched.
    pub async fn find_images_by_digest(&self, digest: &str) -> Result<Vec<ContainerImage>, Error> {
        self.fetch_all(ops::FindImagesByDigest::new(digest)).await
    }

    /// The image the manifest digest `digest` names in the repository at `path`, or `None`.
    pub async fn get_image_by_manifest_digest(
        &self,
        path: &RegistryPath,
        digest: &str,
    ) -> Result<Option<ContainerImage>, Error> {
        self.execute(&ops::GetImageByManifestDigest::new(path.clone(), digest))
            .await
    }

    /// The images in the repository at `path`, newest first, or only those tagged `tag` there.
    pub async fn find_repository_images(
        &self,
        path: &RegistryPath,
        tag: Option<&str>,
    ) -> Result<Vec<ContainerImage>, Error> {
        let search = ops::FindRepositoryImages::new(path.clone());
        match tag {
            Some(tag) => self.fetch_all(search.tag(tag)).await,
            None => self.fetch_all(search).await,
        }
    }
}

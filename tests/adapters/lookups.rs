//! The detailed lookups against the loopback server, on every runtime: by digest, by id, and a
//! repository's images, with the dates and digests they select.

use pyxis_gql::RegistryPath;
use pyxis_gql::model::DigestMatch;
use pyxis_loopback::LoopbackPyxis;
use serde_json::Value;

use crate::runtimes::Runtime;
use crate::suite::{client, config};

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

fn ids<'a>(images: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    images
        .into_iter()
        .map(|image| text(image, "/_id").unwrap().to_owned())
        .collect()
}

pub(crate) fn detailed_lookups_return_what_the_server_holds<R: Runtime>() {
    let server = LoopbackPyxis::start();
    let data = server.dataset();
    let client = client::<R>(config::<R>(&server).page_size(7));
    R::block_on(async {
        // By id: every selected field arrives, ragged ones as `None`.
        let stored = &data.images[3];
        let id = text(stored, "/_id").unwrap();
        let image = client.get_image(id).await.unwrap().expect("the image");
        assert_eq!(image.id.as_deref(), Some(id));
        assert_eq!(
            image.creation_date.as_deref(),
            text(stored, "/creation_date")
        );
        assert_eq!(
            image.docker_image_digest.as_deref(),
            text(stored, "/docker_image_digest")
        );
        for (got, want) in image
            .repositories
            .iter()
            .zip(stored["repositories"].as_array().unwrap())
        {
            assert_eq!(
                got.manifest_schema2_digest.as_deref(),
                text(want, "/manifest_schema2_digest")
            );
            assert_eq!(
                got.manifest_list_digest.as_deref(),
                text(want, "/manifest_list_digest")
            );
            assert_eq!(
                got.image_advisory_id.as_deref(),
                text(want, "/image_advisory_id")
            );
            assert_eq!(got.published_date.as_deref(), text(want, "/published_date"));
            assert_eq!(got.push_date.as_deref(), text(want, "/push_date"));
        }
        assert_eq!(client.get_image("5d0a-no-such-image").await.unwrap(), None);

        let stored = data
            .repositories
            .iter()
            .find(|r| r.get("eol_date").is_some())
            .unwrap();
        let repository = client
            .get_repository(text(stored, "/_id").unwrap())
            .await
            .unwrap()
            .expect("the repository");
        assert_eq!(repository.eol_date.as_deref(), text(stored, "/eol_date"));
        assert_eq!(
            repository.vendor_label.as_deref(),
            text(stored, "/vendor_label")
        );
        assert_eq!(client.get_repository("5c8f-none").await.unwrap(), None);

        // By digest: a manifest list digest finds every architecture of the build, and each
        // image says which field matched.
        let multi = data
            .images
            .iter()
            .find(|image| {
                let list = text(image, "/repositories/0/manifest_list_digest");
                list.is_some()
                    && data
                        .images
                        .iter()
                        .filter(|other| text(other, "/repositories/0/manifest_list_digest") == list)
                        .count()
                        > 1
            })
            .unwrap();
        let list = text(multi, "/repositories/0/manifest_list_digest").unwrap();
        let found = client.find_images_by_digest(list).await.unwrap();
        let expected: Vec<&Value> = data
            .images
            .iter()
            .filter(|image| {
                image["repositories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|entry| text(entry, "/manifest_list_digest") == Some(list))
            })
            .collect();
        assert!(expected.len() > 1);
        let found_ids: Vec<String> = found
            .iter()
            .map(|i| i.id.as_deref().unwrap().to_owned())
            .collect();
        assert_eq!(found_ids, ids(expected));
        for image in &found {
            assert_eq!(
                image.digest_matches(list),
                [DigestMatch::ManifestList { index: 0 }]
            );
        }
        let own = text(stored_with_digest(data), "/docker_image_digest").unwrap();
        let found = client.find_images_by_digest(own).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].digest_matches(own), [DigestMatch::DockerImage]);
        assert!(
            client
                .find_images_by_digest("sha256:none")
                .await
                .unwrap()
                .is_empty()
        );

        // In one repository, Pyxis's own lookup.
        let schema2 = text(multi, "/repositories/0/manifest_schema2_digest").unwrap();
        let path = RegistryPath::new(
            text(multi, "/repositories/0/registry").unwrap(),
            text(multi, "/repositories/0/repository").unwrap(),
        );
        let image = client
            .get_image_by_manifest_digest(&path, schema2)
            .await
            .unwrap()
            .expect("the image");
        assert_eq!(image.id.as_deref(), text(multi, "/_id"));
        let elsewhere = RegistryPath::new("quay.io", "no/such");
        assert_eq!(
            client
                .get_image_by_manifest_digest(&elsewhere, schema2)
                .await
                .unwrap(),
            None
        );

        // A repository's images, newest first over several pages, and those of one tag.
        let in_path = |image: &&Value, tag: Option<&str>| {
            image["repositories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|entry| {
                    text(entry, "/registry") == Some(path.registry())
                        && text(entry, "/repository") == Some(path.repository())
                        && tag.is_none_or(|tag| {
                            entry["tags"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|t| t["name"] == tag)
                        })
                })
        };
        let mut expected: Vec<&Value> = data.images.iter().filter(|i| in_path(i, None)).collect();
        expected.sort_by(|a, b| {
            (text(b, "/creation_date"), text(b, "/_id"))
                .cmp(&(text(a, "/creation_date"), text(a, "/_id")))
        });
        assert!(expected.len() > 7, "more than one page: {}", expected.len());
        let found = client.find_repository_images(&path, None).await.unwrap();
        let found_ids: Vec<String> = found
            .iter()
            .map(|i| i.id.as_deref().unwrap().to_owned())
            .collect();
        assert_eq!(found_ids, ids(expected.iter().copied()));
        assert!(found.iter().all(|image| image.creation_date.is_some()));

        let tagged: Vec<&Value> = expected
            .iter()
            .copied()
            .filter(|i| in_path(i, Some("latest")))
            .collect();
        assert!(!tagged.is_empty());
        let found = client
            .find_repository_images(&path, Some("latest"))
            .await
            .unwrap();
        let found_ids: Vec<String> = found
            .iter()
            .map(|i| i.id.as_deref().unwrap().to_owned())
            .collect();
        assert_eq!(found_ids, ids(tagged));
    });
}

fn stored_with_digest(data: &pyxis_loopback::Dataset) -> &Value {
    data.images
        .iter()
        .find(|image| image.get("docker_image_digest").is_some())
        .unwrap()
}

//! Writes the seed corpora of the decoding targets, from the bench payload generator
//! (`benches/payload`), into `fuzz/corpus/<target>/` (or under the directory given as the first
//! argument). The seeds are generated, not checked in: the same run writes the same bytes.
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml --example seed
//! ```
//!
//! The generator's pages are cut down (a few items, a few RPMs per image) so that each seed is
//! a few kilobytes: the fuzzer mutates small inputs far faster, and every shape is still there.
//! Around them go the answers the generator does not make: the Pyxis `error` object (the MongoDB
//! timeout among them), GraphQL `errors` with and without partial data, `null` data and the
//! root fields of the other operations.

#[path = "../../benches/payload/mod.rs"]
mod payload;

use std::path::{Path, PathBuf};

use pyxis_gql_fuzz::{decode_all, encode_response};
use serde_json::{Value, json};

/// A `decode_response` framing: name, status, `trace_id`, `Retry-After`.
type Framing = (
    &'static str,
    u16,
    Option<&'static str>,
    Option<&'static str>,
);

/// Each `decode` seed goes into the `decode_response` corpus under these answers.
const FRAMINGS: &[Framing] = &[
    ("ok", 200, None, None),
    ("trace", 200, Some("0123456789abcdef"), None),
    ("busy", 503, Some("t"), Some("7")),
    ("limited", 429, None, Some("120")),
];

/// The most RPMs a seed image keeps.
const RPMS_PER_IMAGE: usize = 3;

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus"));
    let seeds = seeds();
    let decode_dir = root.join("decode");
    let response_dir = root.join("decode_response");
    for dir in [&decode_dir, &response_dir] {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    let mut written = 0;
    for (name, body, decodes) in &seeds {
        let successes = decode_all(&http::Response::new(body.clone()));
        assert!(
            successes > 0 || !*decodes,
            "seed {name}: no decoder accepts it"
        );
        write(&decode_dir.join(name), body);
        // The same body under the answers a client sees around it.
        for &(framing, status, trace_id, retry_after) in FRAMINGS {
            let input = encode_response(status, trace_id, retry_after, body);
            write(&response_dir.join(format!("{name}-{framing}")), &input);
        }
        written += 1 + FRAMINGS.len();
    }
    println!(
        "wrote {written} seeds for `decode` and `decode_response` under {}",
        root.display()
    );
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// Keeps the first `items` of the page's `data` and the first few RPMs of each image.
fn cut(body: Vec<u8>, items: usize) -> Value {
    let mut value: Value = serde_json::from_slice(&body).expect("the generator writes JSON");
    let wrapper = value["data"]
        .as_object_mut()
        .and_then(|data| data.values_mut().next())
        .expect("one root field");
    if let Some(list) = wrapper["data"].as_array_mut() {
        list.truncate(items);
        for image in list {
            if let Some(rpms) = image
                .pointer_mut("/edges/rpm_manifest/data/rpms")
                .and_then(Value::as_array_mut)
            {
                rpms.truncate(RPMS_PER_IMAGE);
            }
        }
    }
    value
}

/// The same answer under another root field.
fn rename_root(mut value: Value, root: &str) -> Value {
    let data = value["data"].as_object_mut().expect("an object");
    let (_, wrapper) = data.iter().next().expect("one root field");
    let wrapper = wrapper.clone();
    data.clear();
    data.insert(root.to_owned(), wrapper);
    value
}

fn bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).expect("plain JSON")
}

/// Every seed: name, body, and whether some decoder must accept it (the error answers are
/// still accepted by the decoders that read `data` as plain JSON).
fn seeds() -> Vec<(String, Vec<u8>, bool)> {
    let mut seeds = Vec::new();
    let mut add = |name: &str, value: Value, decodes: bool| {
        seeds.push((name.to_owned(), bytes(&value), decodes));
    };

    // From the generator.
    let images = cut(payload::images_page(4, false, 11), 2);
    let images_rpms = cut(payload::images_page(4, true, 12), 2);
    let repositories = cut(payload::repositories_page(3, 13), 3);
    let repository: Value = serde_json::from_slice(&payload::repository()).expect("JSON");
    add("images", images.clone(), true);
    add("images-rpms", images_rpms.clone(), true);
    add(
        "images-empty",
        cut(payload::images_page(1, false, 14), 0),
        true,
    );
    add(
        "images-by-nvr",
        rename_root(images_rpms.clone(), "find_images_by_nvr"),
        true,
    );
    add("repositories", repositories.clone(), true);
    add(
        "vendors",
        rename_root(repositories.clone(), "find_vendors"),
        true,
    );
    add("repository", repository.clone(), true);

    // The answers around them.
    let mut pyxis_error = repositories.clone();
    pyxis_error["data"]["find_repositories"]["error"] =
        json!({"status": 500, "detail": "Unable to fetch data from MongoDB in time"});
    pyxis_error["data"]["find_repositories"]["data"] = Value::Null;
    add("repositories-mongodb-timeout", pyxis_error, false);
    let mut not_found = repository.clone();
    not_found["data"]["get_repository_by_registry_path"] =
        json!({"error": {"status": 404, "detail": "not found"}, "data": null});
    add("repository-not-found", not_found, true);
    add(
        "graphql-errors",
        json!({"errors": [{"message": "Cannot query field", "locations": [{"line": 1, "column": 9}],
                           "path": ["find_images", 0], "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}],
               "data": null}),
        false,
    );
    let mut partial = images.clone();
    partial["errors"] = json!([{"message": "timeout", "path": ["find_images", "data", 1]}]);
    add("graphql-errors-partial", partial, false);
    add("data-null", json!({"data": null}), false);
    add(
        "total-only",
        json!({"data": {"find_images": {"data": null, "page": 3, "page_size": 50, "total": 150}}}),
        true,
    );
    seeds
}

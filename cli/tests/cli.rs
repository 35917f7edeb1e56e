//! The `pyxis` binary against the embedded loopback Pyxis: every command, every output format,
//! lists from standard input and files, each runtime, faults and usage errors. Results are
//! compared with the loopback dataset, not only with the exit status.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use pyxis_loopback::{Fault, LoopbackProxy, LoopbackPyxis};
use serde_json::{Value, json};

/// A loopback server and its PEM files in a directory of their own.
struct Fixture {
    server: LoopbackPyxis,
    dir: PathBuf,
}

impl Fixture {
    fn start() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let server = LoopbackPyxis::start();
        let dir = std::env::temp_dir().join(format!(
            "pyxis-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        std::fs::write(dir.join("ca.pem"), server.ca_pem()).unwrap();
        std::fs::write(dir.join("cert.pem"), server.client_cert_pem()).unwrap();
        std::fs::write(dir.join("key.pem"), server.client_key_pem()).unwrap();
        Self { server, dir }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// `pyxis` with the server's URL, the client identity and the CA.
    fn pyxis(&self, args: &[&str]) -> Command {
        self.pyxis_at(&self.server.url(), args)
    }

    fn pyxis_at(&self, url: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_pyxis"));
        command
            .args(["--url", url])
            .args(["--cert", &self.path("cert.pem")])
            .args(["--key", &self.path("key.pem")])
            .args(["--ca", &self.path("ca.pem")])
            .args(args);
        command
    }

    fn dataset(&self) -> &pyxis_loopback::Dataset {
        self.server.dataset()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command, feeding `stdin` when given.
fn run(mut command: Command, stdin: Option<&str>) -> Output {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the pyxis binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The binary may exit (on a usage error) before reading its input.
        let _ = pipe.write_all(text.as_bytes());
    }
    child.wait_with_output().unwrap()
}

/// Runs a command that must succeed silently on stderr, and returns its stdout.
fn ok(command: Command, stdin: Option<&str>) -> String {
    let output = run(command, stdin);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(stderr.is_empty(), "stderr not empty: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn json_out(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn jsonl_out(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

/// Data lines of a table (the header checked and dropped).
fn table_rows(stdout: &str, header: &[&str]) -> Vec<Vec<String>> {
    let mut lines = stdout.lines();
    let first: Vec<&str> = lines.next().expect("a header").split_whitespace().collect();
    assert_eq!(first, header);
    lines
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

/// A repository document as the CLI prints it: the selected fields, null lists as empty.
fn repository_view(doc: &Value) -> Value {
    let list = |key: &str| match &doc[key] {
        Value::Array(items) => Value::Array(items.clone()),
        _ => json!([]),
    };
    json!({
        "_id": doc["_id"],
        "repository": doc["repository"],
        "registry": doc["registry"],
        "published": doc["published"],
        "release_categories": list("release_categories"),
        "auto_rebuild_tags": list("auto_rebuild_tags"),
    })
}

fn path_of(value: &Value) -> (String, String) {
    (
        value["registry"].as_str().unwrap().to_owned(),
        value["repository"].as_str().unwrap().to_owned(),
    )
}

fn nvr(image: &Value) -> String {
    image["brew"]["build"].as_str().unwrap().to_owned()
}

fn sorted_nvrs<'a>(images: impl IntoIterator<Item = &'a Value>) -> Vec<String> {
    let mut nvrs: Vec<String> = images.into_iter().map(nvr).collect();
    nvrs.sort();
    nvrs
}

/// The fields an image prints that come straight from its document.
fn image_core(image: &Value) -> Value {
    let repositories: Vec<Value> = image["repositories"]
        .as_array()
        .map(|repos| {
            repos
                .iter()
                .map(|r| json!([r["registry"], r["repository"], r["published"]]))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "nvr": image["brew"]["build"],
        "package": image["brew"]["package"],
        "architecture": image["architecture"],
        "parent_brew_build": image["parent_brew_build"],
        "content_sets": if image["content_sets"].is_null() { json!([]) } else { image["content_sets"].clone() },
        "repositories": repositories,
    })
}

fn published_in_any(image: &Value) -> bool {
    image["repositories"]
        .as_array()
        .is_some_and(|repos| repos.iter().any(|r| r["published"] == json!(true)))
}

fn stored_rpm_names(image: &Value) -> Vec<String> {
    image["rpm_manifest"]["rpms"]
        .as_array()
        .map(|rpms| {
            rpms.iter()
                .map(|rpm| rpm["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A build with images for several architectures.
fn multi_arch_nvr(fixture: &Fixture) -> String {
    fixture
        .dataset()
        .images
        .iter()
        .map(nvr)
        .find(|nvr| fixture.dataset().images_by_nvr(nvr).len() >= 2)
        .expect("a multi-architecture build")
}

#[test]
fn repo_prints_an_object_or_null_in_each_format() {
    let fixture = Fixture::start();
    let doc = &fixture.dataset().repositories[1];
    let (registry, repository) = path_of(doc);

    let found = json_out(&ok(fixture.pyxis(&["repo", &registry, &repository]), None));
    assert_eq!(found, repository_view(doc));

    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "repo", &registry, &repository]),
        None,
    ));
    assert_eq!(lines, [repository_view(doc)]);

    let table = ok(
        fixture.pyxis(&["repo", &registry, &repository, "--output", "table"]),
        None,
    );
    let rows = table_rows(
        &table,
        &[
            "REGISTRY",
            "REPOSITORY",
            "PUBLISHED",
            "RELEASE_CATEGORIES",
            "AUTO_REBUILD_TAGS",
        ],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][..3], [registry.clone(), repository, "true".into()]);

    let missing = ok(
        fixture.pyxis(&["repo", &registry, "no/such-repository"]),
        None,
    );
    assert_eq!(json_out(&missing), Value::Null);
    let missing = ok(
        fixture.pyxis(&["-o", "jsonl", "repo", &registry, "no/such-repository"]),
        None,
    );
    assert!(missing.is_empty(), "{missing}");
}

#[test]
fn repos_filters_and_pages_match_the_dataset() {
    let fixture = Fixture::start();
    let expected: Vec<Value> = fixture
        .dataset()
        .repositories
        .iter()
        .filter(|doc| {
            doc["vendor_label"] == "redhat"
                && doc["published"] == json!(false)
                && doc["release_categories"]
                    .as_array()
                    .is_some_and(|c| c.contains(&json!("Deprecated")))
        })
        .map(repository_view)
        .collect();
    assert!(expected.len() > 5, "the dataset has such repositories");
    let filters = ["--published", "false", "--release-category", "Deprecated"];

    // Small pages, fetched concurrently, come back complete and in `_id` order.
    let args = [&["--page-size", "4", "repos"][..], &filters[..]].concat();
    let all = json_out(&ok(fixture.pyxis(&args), None));
    assert_eq!(all, Value::Array(expected.clone()));

    let args = [
        &["-o", "jsonl", "--page-size", "3", "repos"][..],
        &filters[..],
    ]
    .concat();
    assert_eq!(jsonl_out(&ok(fixture.pyxis(&args), None)), expected);

    let args = [&["-o", "table", "repos"][..], &filters[..]].concat();
    let table = ok(fixture.pyxis(&args), None);
    let rows = table_rows(
        &table,
        &[
            "REGISTRY",
            "REPOSITORY",
            "PUBLISHED",
            "RELEASE_CATEGORIES",
            "AUTO_REBUILD_TAGS",
        ],
    );
    assert_eq!(rows.len(), expected.len());
    assert!(
        rows.iter()
            .all(|row| row[2] == "false" && row[3] == "Deprecated")
    );

    // --name and --auto-rebuild-tag narrow further; --any-vendor lifts the vendor restriction.
    let other = fixture
        .dataset()
        .repositories
        .iter()
        .find(|doc| doc["vendor_label"] != "redhat")
        .unwrap();
    let name = other["repository"].as_str().unwrap();
    let none = json_out(&ok(fixture.pyxis(&["repos", "--name", name]), None));
    assert_eq!(none, json!([]));
    let some = json_out(&ok(
        fixture.pyxis(&["repos", "--name", name, "--any-vendor"]),
        None,
    ));
    assert_eq!(some, json!([repository_view(other)]));
}

#[test]
fn repos_by_name_finds_the_vendor_repositories() {
    let fixture = Fixture::start();
    let doc = fixture
        .dataset()
        .repositories
        .iter()
        .find(|doc| doc["vendor_label"] == "redhat")
        .unwrap();
    let name = doc["repository"].as_str().unwrap();
    let expected: Vec<Value> = fixture
        .dataset()
        .repositories
        .iter()
        .filter(|d| d["repository"] == name && d["vendor_label"] == "redhat")
        .map(repository_view)
        .collect();
    let found = json_out(&ok(fixture.pyxis(&["repos-by-name", name]), None));
    assert_eq!(found, Value::Array(expected.clone()));
    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "repos-by-name", name]),
        None,
    ));
    assert_eq!(lines, expected);
}

#[test]
fn repos_by_paths_reads_standard_input_and_files_in_batches() {
    let fixture = Fixture::start();
    let docs = &fixture.dataset().repositories;
    let wanted: Vec<&Value> = docs.iter().step_by(9).take(40).collect();
    let mut stdin = String::from("# paths to look up\n\n");
    for doc in &wanted[..30] {
        let (registry, repository) = path_of(doc);
        stdin.push_str(&format!("  {registry}/{repository}\n"));
    }
    stdin.push_str("registry.example.com/does/not-exist\n");
    // A repeated path is looked up (and printed) once.
    let (registry, repository) = path_of(wanted[0]);
    stdin.push_str(&format!("{registry}/{repository}\n"));
    let file = fixture.dir.join("paths.txt");
    let lines: Vec<String> = wanted[30..]
        .iter()
        .map(|doc| {
            let (registry, repository) = path_of(doc);
            format!("{registry}/{repository}")
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();

    let command = fixture.pyxis(&[
        "-o",
        "jsonl",
        "--batch-size",
        "4",
        "--concurrency",
        "3",
        "repos-by-paths",
        "-",
        "--from-file",
        file.to_str().unwrap(),
    ]);
    let found = jsonl_out(&ok(command, Some(&stdin)));
    // Batches arrive in any order; every repository once.
    let mut found: Vec<String> = found.iter().map(Value::to_string).collect();
    found.sort();
    let mut expected: Vec<String> = wanted
        .iter()
        .map(|doc| repository_view(doc).to_string())
        .collect();
    expected.sort();
    assert_eq!(found, expected);

    // Paths given on the command line, split at the first '/'.
    let (registry, repository) = path_of(wanted[0]);
    let arg = format!("{registry}/{repository}");
    let table = ok(
        fixture.pyxis(&["-o", "table", "repos-by-paths", &arg]),
        None,
    );
    let rows = table_rows(
        &table,
        &[
            "REGISTRY",
            "REPOSITORY",
            "PUBLISHED",
            "RELEASE_CATEGORIES",
            "AUTO_REBUILD_TAGS",
        ],
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][..2], [registry, repository]);
}

#[test]
fn images_by_nvr_with_and_without_rpm_manifests() {
    let fixture = Fixture::start();
    let nvr = multi_arch_nvr(&fixture);
    let stored = fixture.dataset().images_by_nvr(&nvr);

    let with_rpms = json_out(&ok(fixture.pyxis(&["images-by-nvr", &nvr]), None));
    let with_rpms = with_rpms.as_array().unwrap();
    assert_eq!(with_rpms.len(), stored.len());
    for (printed, stored) in with_rpms.iter().zip(&stored) {
        assert_eq!(image_core(printed), image_core(stored));
        let printed_rpms: Vec<&str> = printed["edges"]["rpm_manifest"]["data"]["rpms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|rpm| rpm["name"].as_str().unwrap())
            .collect();
        assert_eq!(printed_rpms, stored_rpm_names(stored));
    }

    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "images-by-nvr", &nvr, "--no-rpms"]),
        None,
    ));
    assert_eq!(lines.len(), stored.len());
    for (printed, stored) in lines.iter().zip(&stored) {
        assert_eq!(image_core(printed), image_core(stored));
        assert!(printed.get("edges").is_none(), "no manifest asked for");
    }

    let table = ok(fixture.pyxis(&["-o", "table", "images-by-nvr", &nvr]), None);
    let rows = table_rows(&table, &["NVR", "ARCH", "RPMS", "REPOSITORIES"]);
    assert_eq!(rows.len(), stored.len());
    for (row, stored) in rows.iter().zip(&stored) {
        assert_eq!(row[0], nvr);
        assert_eq!(row[2], stored_rpm_names(stored).len().to_string());
    }
}

#[test]
fn images_by_nvrs_looks_up_many_concurrently() {
    let fixture = Fixture::start();
    let images = &fixture.dataset().images;
    let nvrs: BTreeSet<String> = images.iter().step_by(5).map(nvr).collect();
    let expected = sorted_nvrs(images.iter().filter(|image| nvrs.contains(&nvr(image))));
    let stdin: String = nvrs.iter().map(|nvr| format!("{nvr}\n")).collect();

    let args = [
        "-o",
        "jsonl",
        "--batch-size",
        "7",
        "--concurrency",
        "4",
        "images-by-nvrs",
        "--no-rpms",
        "-",
    ];
    let lines = jsonl_out(&ok(fixture.pyxis(&args), Some(&stdin)));
    assert_eq!(sorted_nvrs(&lines), expected);
    assert!(lines.iter().all(|image| image.get("edges").is_none()));

    // With manifests, as one JSON array.
    let some: Vec<&String> = nvrs.iter().take(3).collect();
    let mut args = vec!["images-by-nvrs"];
    args.extend(some.iter().map(|nvr| nvr.as_str()));
    let all = json_out(&ok(fixture.pyxis(&args), None));
    let all = all.as_array().unwrap();
    let expected_some = sorted_nvrs(images.iter().filter(|image| some.contains(&&nvr(image))));
    assert_eq!(sorted_nvrs(all), expected_some);
    for printed in all {
        let stored = images
            .iter()
            .find(|s| image_core(s) == image_core(printed))
            .expect("the printed image is in the dataset");
        let count = printed["edges"]["rpm_manifest"]["data"]["rpms"]
            .as_array()
            .map_or(0, Vec::len);
        assert_eq!(count, stored_rpm_names(stored).len());
    }
}

#[test]
fn images_by_rpms_keeps_only_the_rpms_asked_for() {
    let fixture = Fixture::start();
    let expected = sorted_nvrs(fixture.dataset().images.iter().filter(|image| {
        stored_rpm_names(image).iter().any(|name| name == "zlib")
            && image["repositories"].as_array().is_some_and(|repos| {
                repos.iter().any(|r| {
                    r["published"] == json!(true)
                        && r["tags"]
                            .as_array()
                            .is_some_and(|tags| tags.iter().any(|t| t["name"] == "latest"))
                })
            })
    }));
    assert!(!expected.is_empty());

    let args = [
        "images-by-rpms",
        "zlib",
        "--published",
        "true",
        "--tag",
        "latest",
    ];
    let all = json_out(&ok(fixture.pyxis(&args), None));
    let all = all.as_array().unwrap();
    assert_eq!(sorted_nvrs(all), expected);
    for image in all {
        let rpms = image["edges"]["rpm_manifest"]["data"]["rpms"]
            .as_array()
            .unwrap();
        assert!(!rpms.is_empty() && rpms.iter().all(|rpm| rpm["name"] == "zlib"));
    }

    // From standard input, in table form: the RPMS column lists the matching NVRAs.
    let args = [
        "-o",
        "table",
        "images-by-rpms",
        "-",
        "--published",
        "yes",
        "--tag",
        "latest",
    ];
    let table = ok(fixture.pyxis(&args), Some("zlib\n"));
    let rows = table_rows(&table, &["NVR", "ARCH", "RPMS", "REPOSITORIES"]);
    assert_eq!(rows.len(), expected.len());
    assert!(rows.iter().all(|row| row[2].starts_with("zlib-")));
}

#[test]
fn images_by_names_and_by_repository() {
    let fixture = Fixture::start();
    let dataset = fixture.dataset();
    let names = ["busy-container", "a.b-container"];
    let expected = sorted_nvrs(
        dataset
            .images
            .iter()
            .filter(|image| names.contains(&image["brew"]["package"].as_str().unwrap_or("")))
            .filter(|image| published_in_any(image)),
    );
    assert!(expected.len() >= 10);
    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "images-by-names", names[0], names[1]]),
        None,
    ));
    assert_eq!(sorted_nvrs(&lines), expected);
    assert!(lines.iter().all(|image| image.get("edges").is_none()));

    let table = ok(
        fixture.pyxis(&["-o", "table", "images-by-names", "-"]),
        Some("busy-container\na.b-container\n"),
    );
    let rows = table_rows(&table, &["NVR", "ARCH", "REPOSITORIES"]);
    let mut printed: Vec<String> = rows.into_iter().map(|row| row[0].clone()).collect();
    printed.sort();
    assert_eq!(printed, expected);

    // images-by-repository: images published in the repository of the first image.
    let repository = dataset.images[0]["repositories"][0]["repository"]
        .as_str()
        .unwrap();
    let in_repository = |image: &&Value, tag: Option<&str>| {
        image["repositories"].as_array().is_some_and(|repos| {
            repos.iter().any(|r| {
                r["published"] == json!(true)
                    && r["repository"] == repository
                    && tag.is_none_or(|tag| {
                        r["tags"]
                            .as_array()
                            .is_some_and(|tags| tags.iter().any(|t| t["name"] == tag))
                    })
            })
        })
    };
    let expected = sorted_nvrs(dataset.images.iter().filter(|i| in_repository(i, None)));
    let all = json_out(&ok(
        fixture.pyxis(&["images-by-repository", repository]),
        None,
    ));
    assert_eq!(sorted_nvrs(all.as_array().unwrap()), expected);

    let expected = sorted_nvrs(
        dataset
            .images
            .iter()
            .filter(|i| in_repository(i, Some("latest"))),
    );
    let table = ok(
        fixture.pyxis(&[
            "-o",
            "table",
            "images-by-repository",
            repository,
            "--auto-rebuild-tag",
            "latest",
        ]),
        None,
    );
    let rows = table_rows(&table, &["NVR", "ARCH", "REPOSITORIES"]);
    let mut printed: Vec<String> = rows.into_iter().map(|row| row[0].clone()).collect();
    printed.sort();
    assert_eq!(printed, expected);
}

#[test]
fn latest_images_are_every_image_of_the_highest_build() {
    let fixture = Fixture::start();
    // busy-container 1.2 has releases 1-10; 10 beats 9 by RPM's comparison (not as text, nor
    // by date: 9 was built last), and 10 has images for three architectures.
    let mut expected: Vec<(String, String)> = fixture
        .dataset()
        .images_by_nvr("busy-container-1.2-10")
        .into_iter()
        .map(|image| {
            (
                image["_id"].as_str().unwrap().to_owned(),
                image["architecture"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(expected.len(), 3);

    let all = json_out(&ok(
        fixture.pyxis(&["latest-images", "busy-container", "1.2"]),
        None,
    ));
    let all = all.as_array().unwrap();
    let printed: Vec<(String, String)> = all
        .iter()
        .map(|image| {
            assert_eq!(nvr(image), "busy-container-1.2-10");
            (
                image["_id"].as_str().unwrap().to_owned(),
                image["architecture"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(printed, expected);
    assert!(
        all.iter()
            .all(|image| image["edges"]["rpm_manifest"]["data"]["rpms"].is_array()),
        "with RPM manifests by default"
    );
    let lean = json_out(&ok(
        fixture.pyxis(&["latest-images", "busy-container", "1.2", "--no-rpms"]),
        None,
    ));
    assert_eq!(lean.as_array().unwrap().len(), 3);
    assert!(
        lean.as_array()
            .unwrap()
            .iter()
            .all(|image| image.get("edges").is_none())
    );

    // The dot in the name is literal: a.b-container never matches axb-container.
    let lines = jsonl_out(&ok(
        fixture.pyxis(&[
            "-o",
            "jsonl",
            "latest-images",
            "a.b-container",
            "1.0",
            "--published",
            "true",
        ]),
        None,
    ));
    assert!(!lines.is_empty());
    assert!(
        lines
            .iter()
            .all(|image| nvr(image) == "a.b-container-1.0-2")
    );

    let table = ok(
        fixture.pyxis(&["-o", "table", "latest-images", "busy-container", "1.2"]),
        None,
    );
    let rows = table_rows(&table, &["NVR", "ARCH", "RPMS", "REPOSITORIES"]);
    let mut arches: Vec<String> = rows.into_iter().map(|row| row[1].clone()).collect();
    arches.sort();
    assert_eq!(arches, ["amd64", "arm64", "s390x"]);

    // A version without builds prints an empty list.
    let none = json_out(&ok(
        fixture.pyxis(&["latest-images", "busy-container", "7.7"]),
        None,
    ));
    assert_eq!(none, serde_json::json!([]));
}

const PAGED_QUERY: &str = "query Repos($page: Int, $page_size: Int, $filter: ContainerRepositoryFilter, $sort_by: [SortBy]) {
  find_repositories(page: $page, page_size: $page_size, filter: $filter, sort_by: $sort_by) {
    error { status detail } page page_size total data { registry repository published }
  }
}";

const SINGLE_QUERY: &str = "query ($registry: String, $repository: String) {
  get_repository_by_registry_path(registry: $registry, repository: $repository) {
    error { status detail } data { registry repository published }
  }
}";

#[test]
fn query_prints_raw_json_paginated_or_not() {
    let fixture = Fixture::start();
    let query = fixture.dir.join("repos.graphql");
    std::fs::write(&query, PAGED_QUERY).unwrap();
    let query = query.to_str().unwrap();
    let variables = r#"{"filter": {"registry": {"eq": "quay.io"}}, "sort_by": [{"field": "_id", "order": "ASC"}]}"#;
    let expected: Vec<(String, String)> = fixture
        .dataset()
        .repositories
        .iter()
        .filter(|doc| doc["registry"] == "quay.io")
        .map(path_of)
        .collect();
    assert!(expected.len() > 10);

    let args = [
        "-o",
        "jsonl",
        "--page-size",
        "10",
        "query",
        "--file",
        query,
        "--variables",
        variables,
        "--paginate",
        "find_repositories",
    ];
    let lines = jsonl_out(&ok(fixture.pyxis(&args), None));
    assert_eq!(lines.iter().map(path_of).collect::<Vec<_>>(), expected);

    let args = [
        "query",
        "--file",
        query,
        "--variables",
        variables,
        "--paginate",
        "find_repositories",
        "--operation-name",
        "Repos",
    ];
    let all = json_out(&ok(fixture.pyxis(&args), None));
    let all = all.as_array().unwrap();
    assert_eq!(all.iter().map(path_of).collect::<Vec<_>>(), expected);

    // Without --paginate, the whole `data` member; the document from standard input.
    let doc = &fixture.dataset().repositories[0];
    let (registry, repository) = path_of(doc);
    let variables = json!({"registry": registry, "repository": repository}).to_string();
    let data = json_out(&ok(
        fixture.pyxis(&["query", "--file", "-", "--variables", &variables]),
        Some(SINGLE_QUERY),
    ));
    let found = &data["get_repository_by_registry_path"]["data"];
    assert_eq!(path_of(found), (registry, repository));
    assert_eq!(found["published"], doc["published"]);

    let table = ok(
        fixture.pyxis(&[
            "-o",
            "table",
            "query",
            "--file",
            "-",
            "--variables",
            &variables,
        ]),
        Some(SINGLE_QUERY),
    );
    assert!(
        table.starts_with("get_repository_by_registry_path\n"),
        "{table}"
    );
}

#[test]
fn every_runtime_gives_the_same_answer() {
    let fixture = Fixture::start();
    let nvr = multi_arch_nvr(&fixture);
    let expected: Vec<Value> = fixture
        .dataset()
        .images_by_nvr(&nvr)
        .into_iter()
        .map(image_core)
        .collect();
    // The async-std transport's TLS stack verifies DNS names only.
    let localhost = fixture.server.url().replacen("127.0.0.1", "localhost", 1);
    for (runtime, url) in [
        ("tokio", fixture.server.url()),
        ("smol", fixture.server.url()),
        ("async-std", localhost),
    ] {
        let args = [
            "--runtime",
            runtime,
            "-o",
            "jsonl",
            "images-by-nvrs",
            &nvr,
            "--no-rpms",
        ];
        let lines = jsonl_out(&ok(fixture.pyxis_at(&url, &args), None));
        let printed: Vec<Value> = lines.iter().map(image_core).collect();
        assert_eq!(printed, expected, "{runtime}");

        let repository = &fixture.dataset().repositories[3];
        let (registry, name) = path_of(repository);
        let args = ["--runtime", runtime, "repo", &registry, &name];
        let found = json_out(&ok(fixture.pyxis_at(&url, &args), None));
        assert_eq!(found, repository_view(repository), "{runtime}");
    }
}

/// Runs a command that must fail with status 1, nothing on stdout and one line on stderr.
fn fails(command: Command) -> String {
    let output = run(command, None);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("pyxis: "), "{stderr}");
    eprint!("{stderr}");
    stderr
}

#[test]
fn failures_name_their_kind_on_one_line() {
    let fixture = Fixture::start();
    let repo = ["repo", "registry.access.redhat.com", "rhel8/app-0"];

    fixture.server.push_fault(Fault::GraphQlErrors {
        with_partial_data: false,
    });
    let line = fails(fixture.pyxis(&repo));
    assert!(line.starts_with("pyxis: GraphQL error"), "{line}");
    assert!(
        line.contains("Injected error while resolving the field"),
        "{line}"
    );
    fixture.server.clear_faults();

    fixture.server.push_fault(Fault::Status {
        code: 400,
        retry_after: None,
    });
    let line = fails(fixture.pyxis(&["-o", "jsonl", "repos-by-name", "rhel8/app-0"]));
    assert!(
        line.starts_with("pyxis: HTTP status 400 Bad Request"),
        "{line}"
    );
    assert!(line.contains("trace_id"), "{line}");
    fixture.server.clear_faults();

    // Transient: retried, then reported with Pyxis's status, detail and trace id.
    for _ in 0..3 {
        fixture.server.push_fault(Fault::MongoTimeout);
    }
    let line = fails(fixture.pyxis(&[
        "--database-retry-wait",
        "0.01",
        "images-by-nvr",
        "busy-container-1.2-1",
    ]));
    assert!(
        line.starts_with("pyxis: Pyxis error 500 (trace_id "),
        "{line}"
    );
    assert!(
        line.contains("Unable to fetch data from MongoDB in time"),
        "{line}"
    );
    fixture.server.clear_faults();

    for _ in 0..3 {
        fixture
            .server
            .push_fault(Fault::Slow(std::time::Duration::from_secs(2)));
    }
    let line = fails(fixture.pyxis(&["--timeout", "0.2", "repo", repo[1], repo[2]]));
    assert!(line.starts_with("pyxis: timeout: "), "{line}");
    fixture.server.clear_faults();

    fixture.server.push_fault(Fault::MalformedJson);
    let line = fails(fixture.pyxis(&["repos-by-name", "rhel8/app-0"]));
    assert!(line.starts_with("pyxis: invalid JSON at "), "{line}");
    fixture.server.clear_faults();

    // A server the client does not trust.
    let mut untrusted = Command::new(env!("CARGO_BIN_EXE_pyxis"));
    untrusted.args(["--url", &fixture.server.url()]).args(repo);
    let line = fails(untrusted);
    assert!(line.starts_with("pyxis: TLS error: "), "{line}");

    // An IP address the async-std transport cannot verify.
    let line = fails(fixture.pyxis(&["--runtime", "async-std", "repo", repo[1], repo[2]]));
    assert!(line.starts_with("pyxis: configuration error: "), "{line}");
}

#[test]
fn the_api_key_comes_from_the_environment_and_is_never_printed() {
    let fixture = Fixture::start();
    let key = "k3y-from-the-environment";
    let mut command = fixture.pyxis(&[
        "--api-key-env",
        "PYXIS_TEST_KEY",
        "repos-by-name",
        "rhel8/app-0",
    ]);
    command.env("PYXIS_TEST_KEY", key);
    ok(command, None);
    let sent: Vec<_> = fixture
        .server
        .requests()
        .into_iter()
        .filter_map(|request| request.headers.get("x-api-key").cloned())
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0], key);

    // A failure that echoes the URL never shows the key or URL credentials.
    let url = fixture
        .server
        .url()
        .replacen("https://", &format!("https://user:{key}@"), 1);
    let mut untrusted = Command::new(env!("CARGO_BIN_EXE_pyxis"));
    untrusted
        .args(["--url", &url, "--api-key-env", "PYXIS_TEST_KEY"])
        .args(["repo", "a", "b"])
        .env("PYXIS_TEST_KEY", key);
    let line = fails(untrusted);
    assert!(!line.contains(key), "{line}");

    let mut unset = fixture.pyxis(&["--api-key-env", "PYXIS_TEST_UNSET_KEY", "repo", "a", "b"]);
    unset.env_remove("PYXIS_TEST_UNSET_KEY");
    let line = fails(unset);
    assert!(
        line.contains("PYXIS_TEST_UNSET_KEY") && line.contains("not set"),
        "{line}"
    );
}

#[test]
fn usage_errors_exit_with_status_2() {
    let fixture = Fixture::start();
    let cases: [&[&str]; 9] = [
        &[],
        &["repo", "only-a-registry"],
        &["no-such-command"],
        &["--output", "xml", "repos"],
        &["--concurrency", "0", "repos"],
        &["repos", "--published", "maybe"],
        &["repos-by-paths", "no-slash-here"],
        &["query", "--file", "-", "--variables", "[1, 2]"],
        &[
            "query",
            "--file",
            "-",
            "--paginate",
            "f",
            "--variables",
            r#"{"page": 2}"#,
        ],
    ];
    for args in cases {
        let output = run(fixture.pyxis(args), Some(PAGED_QUERY));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
    // --cert without --key.
    let mut command = Command::new(env!("CARGO_BIN_EXE_pyxis"));
    command.args(["--cert", &fixture.path("cert.pem"), "repo", "a", "b"]);
    assert_eq!(run(command, None).status.code(), Some(2));
    // Nothing reached the server.
    assert_eq!(fixture.server.request_count(), 0);
}

#[test]
fn missing_input_files_are_reported() {
    let fixture = Fixture::start();
    let missing = Path::new(&fixture.path("no-such-file.txt")).to_owned();
    let line = fails(fixture.pyxis(&["images-by-names", "--from-file", missing.to_str().unwrap()]));
    assert!(line.starts_with("pyxis: cannot read "), "{line}");
    assert!(line.contains("no-such-file.txt"), "{line}");
}

#[test]
fn plain_http_needs_allow_http_and_the_refusal_names_it() {
    let server = LoopbackPyxis::builder()
        .plain_http(true)
        .require_client_cert(false)
        .start();
    let url = server.url();
    assert!(url.starts_with("http://"), "{url}");
    let refused = run(
        {
            let mut command = Command::new(env!("CARGO_BIN_EXE_pyxis"));
            command.args(["--url", &url, "repos-by-name", "rhel8/app-0"]);
            command
        },
        None,
    );
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("pass --allow-http"), "{stderr}");
    assert!(
        !stderr.contains("allow_http("),
        "no library function names: {stderr}"
    );

    let mut allowed = Command::new(env!("CARGO_BIN_EXE_pyxis"));
    allowed.args([
        "--allow-http",
        "--url",
        &url,
        "-o",
        "jsonl",
        "repos-by-name",
        "rhel8/app-0",
    ]);
    let out = ok(allowed, None);
    assert!(!out.is_empty());
    assert!(server.request_count() >= 1);
}

#[test]
fn version_and_completions() {
    let mut version = Command::new(env!("CARGO_BIN_EXE_pyxis"));
    version.arg("--version");
    assert_eq!(
        ok(version, None).trim(),
        concat!("pyxis ", env!("CARGO_PKG_VERSION"))
    );
    for (shell, marker) in [
        ("bash", "_pyxis()"),
        ("zsh", "#compdef pyxis"),
        ("fish", "complete -c pyxis"),
    ] {
        let mut completions = Command::new(env!("CARGO_BIN_EXE_pyxis"));
        completions.args(["completions", shell]);
        let script = ok(completions, None);
        assert!(script.contains(marker), "{shell}");
        assert!(
            script.contains("latest-images"),
            "{shell}: the commands are listed"
        );
    }
}

#[test]
fn one_value_commands_take_dash_for_many_values_from_stdin() {
    let fixture = Fixture::start();
    let ids = |items: &[Value]| -> BTreeSet<String> {
        items
            .iter()
            .map(|item| item["_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let dataset_ids = |pick: &dyn Fn(&Value) -> bool| -> BTreeSet<String> {
        fixture
            .dataset()
            .images
            .iter()
            .filter(|image| pick(image))
            .map(|image| image["_id"].as_str().unwrap().to_owned())
            .collect()
    };

    // images-by-nvr: each NVR looked up, items as the one-value command prints them.
    let nvrs = [
        "busy-container-1.2-10",
        "a.b-container-1.0-2",
        "no-such-build-1-1",
    ];
    let stdin = nvrs.join("\n") + "\n";
    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "images-by-nvr", "--no-rpms", "-"]),
        Some(&stdin),
    ));
    assert_eq!(
        ids(&lines),
        dataset_ids(&|image| nvrs.contains(&image["brew"]["build"].as_str().unwrap()))
    );
    assert!(lines.iter().all(|image| image.get("edges").is_none()));
    let array = json_out(&ok(
        fixture.pyxis(&["images-by-nvr", "--no-rpms", "-"]),
        Some(&stdin),
    ));
    assert_eq!(
        ids(array.as_array().unwrap()),
        ids(&lines),
        "json: one array"
    );

    // repo: both line forms; a missing repository is named on stderr, and the status is 0.
    let repositories = &fixture.dataset().repositories;
    let (first, second) = (&repositories[0], &repositories[1]);
    let stdin = format!(
        "{} {}\n{}/{}\nnowhere.example none\n",
        first["registry"].as_str().unwrap(),
        first["repository"].as_str().unwrap(),
        second["registry"].as_str().unwrap(),
        second["repository"].as_str().unwrap(),
    );
    let output = run(fixture.pyxis(&["-o", "jsonl", "repo", "-"]), Some(&stdin));
    assert!(output.status.success());
    let found = jsonl_out(&String::from_utf8(output.stdout).unwrap());
    let paths: BTreeSet<&str> = found
        .iter()
        .map(|r| r["repository"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            first["repository"].as_str().unwrap(),
            second["repository"].as_str().unwrap()
        ])
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "pyxis: no repository at nowhere.example/none\n"
    );

    // repos-by-name, images-by-repository and latest-images read one value (or pair) a line.
    let names = format!("{}\nno/such\n", first["repository"].as_str().unwrap());
    let found = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "repos-by-name", "-"]),
        Some(&names),
    ));
    assert!(found.iter().all(|r| r["repository"] == first["repository"]) && !found.is_empty());
    let repository = fixture.dataset().images[0]["repositories"][0]["repository"]
        .as_str()
        .unwrap()
        .to_owned();
    let found = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "images-by-repository", "-"]),
        Some(&format!("{repository}\n")),
    ));
    assert!(!found.is_empty());
    let latest = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "latest-images", "--no-rpms", "-"]),
        Some("busy-container 1.2\na.b-container 1.0\n"),
    ));
    let builds: BTreeSet<&str> = latest
        .iter()
        .map(|image| image["brew"]["build"].as_str().unwrap())
        .collect();
    assert_eq!(
        builds,
        BTreeSet::from(["busy-container-1.2-10", "a.b-container-1.0-2"])
    );
    assert_eq!(
        latest.len(),
        4,
        "three architectures of one build, one of the other"
    );
}

#[test]
fn verbose_shows_the_retries_that_happened() {
    let fixture = Fixture::start();
    fixture.server.push_fault(Fault::MongoTimeout);
    let output = run(
        fixture.pyxis(&[
            "-v",
            "--database-retry-wait",
            "0.01",
            "-o",
            "jsonl",
            "images-by-nvr",
            "--no-rpms",
            "busy-container-1.2-10",
        ]),
        None,
    );
    assert!(output.status.success());
    assert_eq!(
        jsonl_out(&String::from_utf8(output.stdout).unwrap()).len(),
        3
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("retrying") && stderr.contains("error.kind=\"pyxis\""),
        "{stderr}"
    );
    assert!(stderr.contains("crawl done"), "{stderr}");
}

fn ids_of(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|value| value["_id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn image_and_repo_by_id_print_an_object_or_null_and_read_standard_input() {
    let fixture = Fixture::start();
    let stored = &fixture.dataset().images[4];
    let id = stored["_id"].as_str().unwrap();
    let image = json_out(&ok(fixture.pyxis(&["image", id]), None));
    assert_eq!(image["_id"], stored["_id"]);
    assert_eq!(image["creation_date"], stored["creation_date"]);
    assert_eq!(image["docker_image_digest"], stored["docker_image_digest"]);
    assert_eq!(
        image["repositories"][0]["manifest_schema2_digest"],
        stored["repositories"][0]["manifest_schema2_digest"]
    );
    assert_eq!(
        json_out(&ok(fixture.pyxis(&["image", "5d0a-none"]), None)),
        Value::Null
    );

    let other = fixture.dataset().images[9]["_id"].as_str().unwrap();
    let output = run(
        fixture.pyxis(&["-o", "jsonl", "image", "-"]),
        Some(&format!("{id}\n5d0a-none\n{other}\n")),
    );
    assert!(output.status.success());
    let mut found = ids_of(&jsonl_out(&String::from_utf8(output.stdout).unwrap()));
    found.sort();
    let mut expected = vec![id.to_owned(), other.to_owned()];
    expected.sort();
    assert_eq!(found, expected);
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "pyxis: no image with id 5d0a-none\n"
    );

    let stored = fixture
        .dataset()
        .repositories
        .iter()
        .find(|r| r.get("eol_date").is_some())
        .unwrap();
    let id = stored["_id"].as_str().unwrap();
    let repository = json_out(&ok(fixture.pyxis(&["repo-by-id", id]), None));
    assert_eq!(repository["eol_date"], stored["eol_date"]);
    assert_eq!(repository["vendor_label"], stored["vendor_label"]);
    let output = run(
        fixture.pyxis(&["repo-by-id", "-"]),
        Some(&format!("{id}\nnone\n")),
    );
    assert!(output.status.success());
    assert_eq!(
        ids_of(
            &json_out(&String::from_utf8(output.stdout).unwrap())
                .as_array()
                .unwrap()[..]
        ),
        [id]
    );
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "pyxis: no repository with id none\n"
    );
}

#[test]
fn image_by_digest_searches_every_digest_field_or_one_repository() {
    let fixture = Fixture::start();
    let images = &fixture.dataset().images;
    let stored = images
        .iter()
        .find(|i| i["repositories"][0].get("manifest_list_digest").is_some())
        .unwrap();
    let list = stored["repositories"][0]["manifest_list_digest"]
        .as_str()
        .unwrap();
    let expected: Vec<&Value> = images
        .iter()
        .filter(|i| {
            i["repositories"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["manifest_list_digest"] == list)
        })
        .collect();
    let found = json_out(&ok(fixture.pyxis(&["image-by-digest", list]), None));
    let found = ids_of(found.as_array().unwrap());
    assert_eq!(
        found,
        expected
            .iter()
            .map(|i| i["_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    );

    let schema2 = stored["repositories"][0]["manifest_schema2_digest"]
        .as_str()
        .unwrap();
    let (registry, repository) = path_of(&stored["repositories"][0]);
    let args = [
        "image-by-digest",
        schema2,
        "--registry",
        &registry,
        "--repository",
        &repository,
    ];
    let image = json_out(&ok(fixture.pyxis(&args), None));
    assert_eq!(image["_id"], stored["_id"]);
    let usage = run(
        fixture.pyxis(&["image-by-digest", schema2, "--registry", &registry]),
        None,
    );
    assert_eq!(usage.status.code(), Some(2));

    let lines = jsonl_out(&ok(
        fixture.pyxis(&["-o", "jsonl", "image-by-digest", "-"]),
        Some(&format!("{schema2}\nsha256:none\n")),
    ));
    assert_eq!(ids_of(&lines), [stored["_id"].as_str().unwrap()]);
}

#[test]
fn repo_images_are_newest_first_and_narrow_to_a_tag() {
    let fixture = Fixture::start();
    let images = &fixture.dataset().images;
    let (registry, repository) = path_of(&images[0]["repositories"][0]);
    let entry_in = |image: &Value, tag: Option<&str>| {
        image["repositories"].as_array().unwrap().iter().any(|r| {
            path_of(r) == (registry.clone(), repository.clone())
                && tag.is_none_or(|tag| {
                    r["tags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| t["name"] == tag)
                })
        })
    };
    let newest_first = |tag: Option<&str>| {
        let mut found: Vec<&Value> = images.iter().filter(|i| entry_in(i, tag)).collect();
        found.sort_by(|a, b| {
            (b["creation_date"].as_str(), b["_id"].as_str())
                .cmp(&(a["creation_date"].as_str(), a["_id"].as_str()))
        });
        found
            .iter()
            .map(|i| i["_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let all = json_out(&ok(
        fixture.pyxis(&["--page-size", "3", "repo-images", &registry, &repository]),
        None,
    ));
    assert!(all.as_array().unwrap().len() > 3);
    assert_eq!(ids_of(all.as_array().unwrap()), newest_first(None));
    let tagged = json_out(&ok(
        fixture.pyxis(&["repo-images", &registry, &repository, "--tag", "latest"]),
        None,
    ));
    assert_eq!(
        ids_of(tagged.as_array().unwrap()),
        newest_first(Some("latest"))
    );
    let from_stdin = json_out(&ok(
        fixture.pyxis(&["repo-images", "-"]),
        Some(&format!("{registry} {repository}\n")),
    ));
    assert_eq!(ids_of(from_stdin.as_array().unwrap()), newest_first(None));
}

#[test]
fn cache_ttl_asks_pyxis_once_for_repeated_lookups() {
    let fixture = Fixture::start();
    let (registry, repository) = path_of(&fixture.dataset().repositories[2]);
    let lines = format!("{registry} {repository}\n").repeat(5);
    let with_cache = jsonl_out(&ok(
        fixture.pyxis(&[
            "--cache-ttl",
            "60",
            "--concurrency",
            "1",
            "-o",
            "jsonl",
            "repo",
            "-",
        ]),
        Some(&lines),
    ));
    assert_eq!(with_cache.len(), 5);
    assert_eq!(fixture.server.request_count(), 1);
    let without = jsonl_out(&ok(
        fixture.pyxis(&["--concurrency", "1", "-o", "jsonl", "repo", "-"]),
        Some(&lines),
    ));
    assert_eq!(without, with_cache);
    assert_eq!(fixture.server.request_count(), 6);
    let refused = run(
        fixture.pyxis(&["--cache-ttl", "0", "repo", "-"]),
        Some(&lines),
    );
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn proxies_from_the_flag_or_the_environment_and_no_proxy() {
    let fixture = Fixture::start();
    let repo = ["repo", "registry.access.redhat.com", "rhel8/app-0"];
    let proxy = LoopbackProxy::builder()
        .credentials("alice", "pw-secret")
        .start();
    let with_credentials = format!("http://alice:pw-secret@{}", proxy.addr());

    let mut flag = fixture.pyxis(&repo);
    flag.args(["--proxy", &with_credentials]);
    assert_eq!(json_out(&ok(flag, None))["repository"], "rhel8/app-0");
    assert_eq!(proxy.tunnel_count(), 1);

    // The environment of the child process only; this process's stays as it is.
    let mut env = fixture.pyxis(&repo);
    env.env("HTTPS_PROXY", &with_credentials)
        .env_remove("NO_PROXY");
    env.env_remove("no_proxy");
    assert_eq!(json_out(&ok(env, None))["repository"], "rhel8/app-0");
    assert_eq!(proxy.tunnel_count(), 2);

    let mut direct = fixture.pyxis(&repo);
    direct
        .env("HTTPS_PROXY", &with_credentials)
        .arg("--no-proxy");
    assert_eq!(json_out(&ok(direct, None))["repository"], "rhel8/app-0");
    assert_eq!(proxy.tunnel_count(), 2);

    let mut refused = fixture.pyxis(&repo);
    refused.args(["--proxy", &proxy.url()]);
    let line = fails(refused);
    assert!(line.contains("407"), "{line}");

    let closed = format!(
        "http://alice:pw-secret@127.0.0.1:{}",
        pyxis_loopback::probe::closed_port()
    );
    let mut unreachable = fixture.pyxis(&repo);
    unreachable.args(["--proxy", &closed, "--timeout", "5"]);
    let line = fails(unreachable);
    assert!(!line.contains("pw-secret"), "{line}");

    let mut both = fixture.pyxis(&repo);
    both.args(["--proxy", &proxy.url(), "--no-proxy"]);
    assert_eq!(run(both, None).status.code(), Some(2));
}

#[test]
fn answers_come_gzipped_unless_no_compression() {
    let fixture = Fixture::start();
    let (registry, repository) = path_of(&fixture.dataset().repositories[3]);
    let args = ["repo", registry.as_str(), repository.as_str()];
    let gzipped = json_out(&ok(fixture.pyxis(&args), None));
    assert_eq!(fixture.server.gzipped_count(), 1);
    let mut plain = fixture.pyxis(&args);
    plain.arg("--no-compression");
    assert_eq!(json_out(&ok(plain, None)), gzipped);
    assert_eq!(fixture.server.request_count(), 2);
    assert_eq!(
        fixture.server.gzipped_count(),
        1,
        "the second answer came uncompressed"
    );
}

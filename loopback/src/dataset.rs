//! The deterministic catalogue of repositories and images the server answers
//! from. Everything derives from indices and a fixed-seed generator, so two
//! runs (and two machines) see byte-identical documents.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use crate::iso;

/// Package with more than ten builds of one version (`1.2`, releases 1–10)
/// plus versions `1.9` (release 1) and `1.10` (releases 1–2), so that
/// "latest by name/version" and numeric version ordering are both exercised.
/// `busy-container-1.2-10` is the highest build of `1.2` by RPM's comparison
/// (`10` beats `9`, though not as text), has images for three architectures,
/// and was built before `busy-container-1.2-9`, the newest of `1.2` by
/// `creation_date`. Its newest build overall by `creation_date` is
/// `busy-container-1.10-2`.
pub const BUSY_PACKAGE: &str = "busy-container";

/// Packages whose names contain regular-expression metacharacters:
/// `foo++-container` (3 builds of `2.0`), `a.b-container` (2 builds of
/// `1.0`) and `axb-container` (2 builds of `1.0`), so that an unescaped `.`
/// in `a.b-container` over-matches `axb-container`.
pub const METACHAR_PACKAGES: [&str; 3] = ["foo++-container", "a.b-container", "axb-container"];

/// How big a generated [`Dataset`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DatasetSpec {
    /// Number of repository documents.
    pub repositories: usize,
    /// Number of image documents (several images can share one build).
    pub images: usize,
    /// RPMs in each image's manifest.
    pub rpms_per_image: usize,
}

impl Default for DatasetSpec {
    /// 450 repositories, 700 images, 300 RPMs per image: enough that image
    /// crawls span several pages of 50 or 200.
    fn default() -> Self {
        Self {
            repositories: 450,
            images: 700,
            rpms_per_image: 300,
        }
    }
}

/// The documents the server answers from, as stored (a superset of what a
/// query can select).
///
/// With [`DatasetSpec::default`] (pinned by a unit test):
/// - 450 repositories: 315 on `registry.access.redhat.com`, 90 on
///   `registry.redhat.io`, 45 on `quay.io`; 360 published; 405 with
///   `vendor_label` `redhat`; 13 with `release_categories: null`; 11 without
///   `auto_rebuild_tags`.
/// - 700 images of 478 builds (NVRs) of 158 packages; a build can have
///   images for several architectures (89 builds have two, some have three or four).
///   Architectures: 442 `amd64`, 134 `arm64`, 44 `ppc64le`, 44 `s390x`,
///   36 `null`. 23 images have `parsed_data: {}`, 24 have
///   `content_sets: null`, 204 have `parent_brew_build: null`, 577 ship an
///   RPM named `openssl`.
/// - Every image lists 1–3 repositories of the dataset; the newest build of
///   each package carries the tag `latest`, the newest build of each version
///   a tag equal to the version, every build `VERSION-RELEASE`.
/// - `_id` order (insertion order) differs from `creation_date` order.
///
/// Image documents carry their RPM manifest internally as
/// `rpm_manifest: {"rpms": [...]}` (filterable as `rpm_manifest.rpms.name`);
/// responses expose it as `edges.rpm_manifest.data` instead. One image in
/// every 53 (by generation order, never one of the special packages) has no
/// manifest at all (13 in the default dataset) and is answered with a 404
/// `edges.rpm_manifest.error`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Repository documents in insertion (`_id`) order.
    pub repositories: Vec<Value>,
    /// Image documents in insertion (`_id`) order.
    pub images: Vec<Value>,
}

impl Dataset {
    /// Generates the dataset for `spec`; the same spec always yields the
    /// same documents.
    pub fn generate(spec: &DatasetSpec) -> Dataset {
        let repositories: Vec<Value> = (0..spec.repositories).map(repository).collect();
        let images = images(spec, &repositories);
        Dataset {
            repositories,
            images,
        }
    }

    /// Images whose `brew.package` is `package`, in insertion order.
    pub fn images_of_package(&self, package: &str) -> Vec<&Value> {
        self.images
            .iter()
            .filter(|i| i.pointer("/brew/package").and_then(Value::as_str) == Some(package))
            .collect()
    }

    /// Images whose `brew.build` is `nvr`, in insertion order.
    pub fn images_by_nvr(&self, nvr: &str) -> Vec<&Value> {
        self.images
            .iter()
            .filter(|i| i.pointer("/brew/build").and_then(Value::as_str) == Some(nvr))
            .collect()
    }

    /// The repository document with this registry and repository name.
    pub fn repository(&self, registry: &str, repository: &str) -> Option<&Value> {
        self.repositories.iter().find(|r| {
            r["registry"].as_str() == Some(registry) && r["repository"].as_str() == Some(repository)
        })
    }
}

/// Returns the shared dataset for `spec`, generating it once per process:
/// the default one takes a noticeable fraction of a second to build and
/// many servers are started per test binary.
pub(crate) fn shared(spec: &DatasetSpec) -> Arc<Dataset> {
    type Cache = Mutex<Vec<(DatasetSpec, Arc<Dataset>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let mut guard = cache.lock().unwrap_or_else(|poison| poison.into_inner());
    if let Some((_, d)) = guard.iter().find(|(s, _)| s == spec) {
        return Arc::clone(d);
    }
    let d = Arc::new(Dataset::generate(spec));
    guard.push((*spec, Arc::clone(&d)));
    d
}

/// SplitMix64: tiny, fixed-seed, good enough to shuffle fake data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        // Truncation is fine: n is tiny compared to 2^64.
        (self.next() % n as u64) as usize
    }
}

const NAMESPACES: [&str; 8] = [
    "rhel8",
    "ubi9",
    "rhel9",
    "ubi8",
    "openshift4",
    "rhscl",
    "jboss-eap-7",
    "rhel7",
];
const KINDS: [&str; 8] = [
    "app", "tool", "server", "db", "proxy", "runtime", "agent", "operator",
];
const CATEGORIES: [&str; 4] = ["Generally Available", "Tech Preview", "Beta", "Deprecated"];
const OTHER_VENDORS: [&str; 3] = ["acme", "initech", "globex"];

fn repository(i: usize) -> Value {
    let registry = match i % 10 {
        7 => "quay.io",
        3 | 8 => "registry.redhat.io",
        _ => "registry.access.redhat.com",
    };
    let ns = NAMESPACES[i % NAMESPACES.len()];
    let kind = KINDS[(i / NAMESPACES.len()) % KINDS.len()];
    let vendor = if i % 10 == 9 {
        OTHER_VENDORS[(i / 10) % OTHER_VENDORS.len()]
    } else {
        "redhat"
    };
    let category = match i % 7 {
        4 => CATEGORIES[1],
        5 => CATEGORIES[2],
        6 => CATEGORIES[3],
        _ => CATEGORIES[0],
    };
    let mut doc = json!({
        "_id": format!("5c8f{i:020x}"),
        "registry": registry,
        "repository": format!("{ns}/{kind}-{i}"),
        "vendor_label": vendor,
        "published": i % 5 != 4,
        "release_categories": if i % 37 == 5 { Value::Null } else { json!([category]) },
        "object_type": "containerRepository",
        "creation_date": iso::format_utc(BASE_EPOCH - 86_400 * 30 + 3_600 * i as i64),
    });
    if category == CATEGORIES[3] {
        doc["eol_date"] = json!(iso::format_utc(
            BASE_EPOCH + 86_400 * 365 + 86_400 * i as i64
        ));
    }
    if i % 41 != 6 {
        doc["auto_rebuild_tags"] = match i % 3 {
            0 => json!(["latest"]),
            1 => json!(["latest", "1.0"]),
            _ => json!([]),
        };
    }
    doc
}

/// 2023-01-01T00:00:00Z; image creation dates spread over the year after.
const BASE_EPOCH: i64 = 1_672_531_200;

/// One image to generate: a build of a package for one architecture.
struct Plan {
    package_index: usize,
    package: String,
    version: String,
    release: u32,
    /// Position of the build within its package, oldest first.
    build_index: usize,
    arch: Option<&'static str>,
    arch_index: usize,
    rhel: u8,
}

impl Plan {
    fn nvr(&self) -> String {
        format!("{}-{}-{}", self.package, self.version, self.release)
    }
}

fn special_packages() -> Vec<(&'static str, Vec<(&'static str, u32)>)> {
    // Oldest first: 1.2-10 before 1.2-9.
    let busy = [1, 2, 3, 4, 5, 6, 7, 8, 10, 9]
        .map(|r| ("1.2", r))
        .into_iter()
        .chain([("1.9", 1), ("1.10", 1), ("1.10", 2)])
        .collect();
    vec![
        (BUSY_PACKAGE, busy),
        (
            METACHAR_PACKAGES[0],
            vec![("2.0", 1), ("2.0", 2), ("2.0", 3)],
        ),
        (METACHAR_PACKAGES[1], vec![("1.0", 1), ("1.0", 2)]),
        (METACHAR_PACKAGES[2], vec![("1.0", 1), ("1.0", 2)]),
    ]
}

/// The architectures a special package's build has images for.
fn special_arches(package: &str, version: &str, release: u32) -> &'static [Option<&'static str>] {
    if (package, version, release) == (BUSY_PACKAGE, "1.2", 10) {
        &[Some("amd64"), Some("arm64"), Some("s390x")]
    } else {
        &[Some("amd64")]
    }
}

fn plans(count: usize) -> Vec<Plan> {
    let mut out = Vec::with_capacity(count);
    let specials = special_packages();
    let mut package_index = 0;
    for (package, builds) in specials {
        for (build_index, (version, release)) in builds.into_iter().enumerate() {
            let arches = special_arches(package, version, release);
            for (arch_index, arch) in arches.iter().enumerate() {
                out.push(Plan {
                    package_index,
                    package: package.to_owned(),
                    version: version.to_owned(),
                    release,
                    build_index,
                    arch: *arch,
                    arch_index,
                    rhel: 9,
                });
            }
        }
        package_index += 1;
    }
    let mut j = 0;
    while out.len() < count {
        let package = format!("{}-{j}-container", KINDS[j % KINDS.len()]);
        let builds = 1 + (j * 3) % 5;
        let arches: &[Option<&'static str>] = if j % 13 == 5 {
            &[None]
        } else if j % 9 == 0 {
            &[Some("amd64"), Some("arm64"), Some("ppc64le"), Some("s390x")]
        } else if j % 4 == 0 {
            &[Some("amd64"), Some("arm64")]
        } else {
            &[Some("amd64")]
        };
        for b in 0..builds {
            for (arch_index, arch) in arches.iter().enumerate() {
                out.push(Plan {
                    package_index,
                    package: package.clone(),
                    version: format!("{}.{}", 1 + j % 3, b / 2),
                    release: 1 + (b % 2) as u32,
                    build_index: b,
                    arch: *arch,
                    arch_index,
                    rhel: if j % 3 == 0 { 8 } else { 9 },
                });
            }
        }
        package_index += 1;
        j += 1;
    }
    out.truncate(count);
    out
}

/// Assigns distinct creation instants: random across packages, ascending
/// with build order inside a package, a minute apart between the
/// architectures of one build.
fn creation_times(plans: &[Plan], rng: &mut Rng) -> Vec<i64> {
    let mut by_package: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (k, p) in plans.iter().enumerate() {
        by_package.entry(p.package_index).or_default().push(k);
    }
    let mut times = vec![0; plans.len()];
    let mut used = HashSet::new();
    for members in by_package.values() {
        let builds = members
            .iter()
            .map(|&k| plans[k].build_index)
            .max()
            .unwrap_or(0)
            + 1;
        let mut starts: Vec<i64> = (0..builds)
            .map(|_| BASE_EPOCH + 60 * (rng.below(365 * 24 * 60) as i64))
            .collect();
        starts.sort_unstable();
        // Later builds are strictly newer, whatever the generator drew.
        for b in 1..starts.len() {
            starts[b] = starts[b].max(starts[b - 1] + 3_600);
        }
        for &k in members {
            let p = &plans[k];
            let mut t = starts[p.build_index] + 60 * p.arch_index as i64;
            while !used.insert(t) {
                t += 60 * 7;
            }
            times[k] = t;
        }
    }
    times
}

const CORE_RPMS: [(&str, &str, &str); 8] = [
    ("glibc", "glibc", "2.34"),
    ("glibc-common", "glibc", "2.34"),
    ("bash", "bash", "5.1.8"),
    ("filesystem", "filesystem", "3.16"),
    ("setup", "setup", "2.13.7"),
    ("basesystem", "basesystem", "11"),
    ("coreutils-single", "coreutils", "8.32"),
    ("tzdata", "tzdata", "2024a"),
];

const OPTIONAL_RPMS: [(&str, &str, &str); 36] = [
    ("openssl", "openssl", "3.0.7"),
    ("openssl-libs", "openssl", "3.0.7"),
    ("zlib", "zlib", "1.2.11"),
    ("curl", "curl", "7.76.1"),
    ("libcurl", "curl", "7.76.1"),
    ("krb5-libs", "krb5", "1.21.1"),
    ("ca-certificates", "ca-certificates", "2024.2.69"),
    ("python3", "python3.9", "3.9.18"),
    ("python3-libs", "python3.9", "3.9.18"),
    ("sqlite-libs", "sqlite", "3.34.1"),
    ("xz-libs", "xz", "5.2.5"),
    ("libxml2", "libxml2", "2.9.13"),
    ("pcre2", "pcre2", "10.40"),
    ("ncurses-libs", "ncurses", "6.2"),
    ("libstdc++", "gcc", "11.4.1"),
    ("libgcc", "gcc", "11.4.1"),
    ("expat", "expat", "2.5.0"),
    ("gnutls", "gnutls", "3.7.6"),
    ("nss", "nss", "3.90.0"),
    ("sed", "sed", "4.8"),
    ("grep", "grep", "3.6"),
    ("gawk", "gawk", "5.1.0"),
    ("findutils", "findutils", "4.8.0"),
    ("shadow-utils", "shadow-utils", "4.9"),
    ("tar", "tar", "1.34"),
    ("gzip", "gzip", "1.12"),
    ("rpm", "rpm", "4.16.1.3"),
    ("rpm-libs", "rpm", "4.16.1.3"),
    ("libdnf", "libdnf", "0.69.0"),
    ("systemd-libs", "systemd", "252"),
    ("libsolv", "libsolv", "0.7.24"),
    ("libselinux", "libselinux", "3.5"),
    ("libcap", "libcap", "2.48"),
    ("lz4-libs", "lz4", "1.9.3"),
    ("p11-kit", "p11-kit", "0.24.1"),
    ("json-c", "json-c", "0.14"),
];

fn rpm(name: &str, srpm: &str, version: &str, release: &str, arch: &str) -> Value {
    let epoch = if srpm == "openssl" { "1:" } else { "" };
    json!({
        "name": name,
        "nvra": format!("{name}-{version}-{release}.{arch}"),
        "srpm_name": srpm,
        "srpm_nevra": format!("{srpm}-{epoch}{version}-{release}.src"),
    })
}

fn rpm_manifest(plan: &Plan, seed: usize, age_rank: usize, count: usize) -> Vec<Value> {
    let arch = rpm_arch(plan.arch);
    // Newer images ship newer RPM releases, as rebuilt images do.
    let release = format!("{}.el{}", 1 + age_rank / 40, plan.rhel);
    let mut out = Vec::with_capacity(count);
    for (name, srpm, version) in CORE_RPMS {
        let a = if matches!(name, "tzdata" | "setup" | "filesystem") {
            "noarch"
        } else {
            arch
        };
        out.push(rpm(name, srpm, version, &release, a));
    }
    for (j, (name, srpm, version)) in OPTIONAL_RPMS.iter().enumerate() {
        let keep = if *srpm == "openssl" {
            !seed.is_multiple_of(7)
        } else {
            !(seed + j).is_multiple_of(5)
        };
        if keep {
            let a = if *name == "ca-certificates" {
                "noarch"
            } else {
                arch
            };
            out.push(rpm(name, srpm, version, &release, a));
        }
    }
    let mut k = 0;
    while out.len() < count {
        let name = format!("extra-lib{k}");
        out.push(rpm(&name, &name, "1.0", &release, arch));
        k += 1;
    }
    out.truncate(count);
    out
}

fn rpm_arch(arch: Option<&str>) -> &'static str {
    match arch {
        Some("arm64") => "aarch64",
        Some("ppc64le") => "ppc64le",
        Some("s390x") => "s390x",
        _ => "x86_64",
    }
}

fn labels(plan: &Plan, name_label: &str, created: &str, seed: usize) -> Value {
    let base = plan.package.trim_end_matches("-container");
    let mut labels = vec![
        ("com.redhat.component", plan.package.clone()),
        ("name", name_label.to_owned()),
        ("version", plan.version.clone()),
        ("release", plan.release.to_string()),
        ("architecture", rpm_arch(plan.arch).to_owned()),
        ("vendor", "Red Hat, Inc.".to_owned()),
        ("build-date", created.to_owned()),
        ("summary", format!("Provides the {base} image")),
        (
            "description",
            format!("The {base} image, rebuilt regularly."),
        ),
        ("io.k8s.display-name", base.to_owned()),
        ("distribution-scope", "public".to_owned()),
        ("vcs-type", "git".to_owned()),
        (
            "vcs-ref",
            format!("{:040x}", seed as u128 * 0x9E37_79B9_7F4A_7C15),
        ),
        ("maintainer", "Red Hat, Inc.".to_owned()),
    ];
    labels.truncate(10 + seed % 5);
    let wanted = 10 + seed % 16;
    let mut k = 0;
    while labels.len() < wanted {
        labels.push(("extra.label", format!("value-{k}")));
        k += 1;
    }
    let mut out: Vec<Value> = Vec::with_capacity(labels.len());
    for (i, (name, value)) in labels.into_iter().enumerate() {
        let name = if name == "extra.label" {
            format!("extra.label.{i}")
        } else {
            name.to_owned()
        };
        out.push(json!({ "name": name, "value": value }));
    }
    Value::Array(out)
}

fn images(spec: &DatasetSpec, repositories: &[Value]) -> Vec<Value> {
    let mut rng = Rng(0x5059_5849_535f_4c42);
    let plans = plans(spec.images);
    let times = creation_times(&plans, &mut rng);

    // Rank of each image by creation time: drives RPM releases.
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&k| times[k]);
    let mut age_rank = vec![0; plans.len()];
    for (rank, &k) in order.iter().enumerate() {
        age_rank[k] = rank;
    }

    // Newest build per package and per (package, version) get the moving
    // tags; builds are numbered oldest first.
    let mut newest_of_package: HashMap<usize, usize> = HashMap::new();
    let mut newest_of_version: HashMap<(usize, &str), usize> = HashMap::new();
    for p in &plans {
        let e = newest_of_package.entry(p.package_index).or_default();
        *e = (*e).max(p.build_index);
        let e = newest_of_version
            .entry((p.package_index, p.version.as_str()))
            .or_default();
        *e = (*e).max(p.build_index);
    }

    let mut docs: Vec<Value> = plans
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let created = iso::format_utc(times[k]);
            let seed = p.package_index * 31 + p.build_index * 7 + p.arch_index;
            let mut tags = vec![format!("{}-{}", p.version, p.release)];
            if newest_of_version[&(p.package_index, p.version.as_str())] == p.build_index {
                tags.push(p.version.clone());
            }
            if newest_of_package[&p.package_index] == p.build_index {
                tags.push("latest".to_owned());
            }
            let build_id = (p.package_index * 1000 + p.build_index) as u64;
            let mut repos = image_repositories(p.package_index, repositories, &tags, &created);
            for (r, repo) in repos.iter_mut().enumerate() {
                repo["manifest_schema2_digest"] = json!(digest(0x5332 << 40 | (k as u64) << 8 | r as u64));
                // Every architecture of a build shares its manifest list, except on the few
                // images pushed without one.
                if k % 13 != 5 {
                    repo["manifest_list_digest"] = json!(digest(0x4c53 << 40 | build_id << 8 | r as u64));
                }
                if k % 11 != 3 {
                    repo["image_advisory_id"] = json!(format!("RHBA-2023:{}", 1000 + build_id % 9000));
                }
                if repo["published"] == true {
                    repo["published_date"] = json!(created);
                }
            }
            let name_label = repos
                .first()
                .and_then(|r| r["repository"].as_str())
                .map_or_else(|| p.package.clone(), str::to_owned);
            let arch_tag = rpm_arch(p.arch);
            let mut doc = json!({
                "architecture": p.arch,
                "brew": {
                    "build": p.nvr(),
                    "package": p.package,
                    "nvra": format!("{}.{arch_tag}", p.nvr()),
                    "completion_date": iso::format_utc(times[k] - 600),
                },
                "content_sets": if k % 29 == 11 { Value::Null } else {
                    json!([
                        format!("rhel-{}-for-{arch_tag}-baseos-rpms", p.rhel),
                        format!("rhel-{}-for-{arch_tag}-appstream-rpms", p.rhel),
                    ])
                },
                "parent_brew_build": if p.package_index % 3 == 0 { Value::Null } else {
                    json!(format!("ubi{0}-container-{0}.{1}-{2}", p.rhel, 2 + p.build_index % 3, 10 + seed % 40))
                },
                "creation_date": created,
                "last_update_date": created,
                "object_type": "containerImage",
                "image_id": format!("sha256:{:016x}{:016x}{:016x}{:016x}", rng.next(), rng.next(), rng.next(), rng.next()),
                "parsed_data": if k % 31 == 17 { json!({}) } else {
                    json!({ "labels": labels(p, &name_label, &created, seed) })
                },
                "repositories": repos,
            });
            if k % 19 != 7 {
                doc["docker_image_digest"] = json!(digest(0x4449 << 40 | k as u64));
            }
            if k % 53 != 52 {
                doc["rpm_manifest"] =
                    json!({ "rpms": rpm_manifest(p, seed, age_rank[k], spec.rpms_per_image) });
            }
            doc
        })
        .collect();

    // Insertion order is shuffled so that `_id` order and `creation_date`
    // order disagree, as they do in a long-lived catalogue.
    for i in (1..docs.len()).rev() {
        let j = rng.below(i + 1);
        docs.swap(i, j);
    }
    for (i, doc) in docs.iter_mut().enumerate() {
        let id = format!("5d0a{i:020x}");
        if let Some(rpms) = doc.get_mut("rpm_manifest") {
            rpms["image_id"] = json!(id);
        }
        doc["_id"] = json!(id);
    }
    docs
}

/// A `sha256:` digest made from `seed`: distinct seeds give distinct digests, and no
/// randomness is drawn, so adding digests leaves the rest of the dataset as it was.
fn digest(seed: u64) -> String {
    let mut state = seed;
    let mut next = || {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    format!(
        "sha256:{:016x}{:016x}{:016x}{:016x}",
        next(),
        next(),
        next(),
        next()
    )
}

fn image_repositories(
    package_index: usize,
    repositories: &[Value],
    tags: &[String],
    created: &str,
) -> Vec<Value> {
    if repositories.is_empty() {
        return Vec::new();
    }
    let wanted = 1 + package_index % 3;
    let mut picked: Vec<usize> = Vec::new();
    for r in 0..wanted {
        let idx = (package_index * 7 + r * 131 + 3) % repositories.len();
        if !picked.contains(&idx) {
            picked.push(idx);
        }
    }
    picked
        .into_iter()
        .map(|idx| {
            let repo = &repositories[idx];
            json!({
                "registry": repo["registry"],
                "repository": repo["repository"],
                "published": repo["published"],
                "push_date": created,
                "tags": tags.iter().map(|t| json!({ "name": t, "added_date": created })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Dataset {
        Dataset::generate(&DatasetSpec {
            repositories: 60,
            images: 120,
            rpms_per_image: 50,
        })
    }

    #[test]
    fn sizes_follow_the_spec() {
        let d = small();
        assert_eq!(d.repositories.len(), 60);
        assert_eq!(d.images.len(), 120);
        let with_manifest = d.images.iter().filter(|i| i.get("rpm_manifest").is_some());
        for img in with_manifest {
            assert_eq!(
                img["rpm_manifest"]["rpms"].as_array().map(Vec::len),
                Some(50)
            );
        }
    }

    #[test]
    fn default_dataset_facts() {
        let d = Dataset::generate(&DatasetSpec::default());
        let count =
            |docs: &[Value], f: &dyn Fn(&Value) -> bool| docs.iter().filter(|v| f(v)).count();
        let repos = &d.repositories;
        assert_eq!(repos.len(), 450);
        assert_eq!(
            count(repos, &|r| r["registry"] == "registry.access.redhat.com"),
            315
        );
        assert_eq!(count(repos, &|r| r["registry"] == "registry.redhat.io"), 90);
        assert_eq!(count(repos, &|r| r["registry"] == "quay.io"), 45);
        assert_eq!(count(repos, &|r| r["published"] == true), 360);
        assert_eq!(count(repos, &|r| r["vendor_label"] == "redhat"), 405);
        assert_eq!(count(repos, &|r| r["release_categories"].is_null()), 13);
        assert_eq!(count(repos, &|r| r.get("auto_rebuild_tags").is_none()), 11);

        let images = &d.images;
        assert_eq!(images.len(), 700);
        let builds: HashSet<&Value> = images.iter().map(|i| &i["brew"]["build"]).collect();
        assert_eq!(builds.len(), 478);
        let packages: HashSet<&Value> = images.iter().map(|i| &i["brew"]["package"]).collect();
        assert_eq!(packages.len(), 158);
        let two_arch = builds
            .iter()
            .filter(|b| count(images, &|i| &i["brew"]["build"] == **b) == 2)
            .count();
        assert_eq!(two_arch, 89);
        for (arch, n) in [
            ("amd64", 442),
            ("arm64", 134),
            ("ppc64le", 44),
            ("s390x", 44),
        ] {
            assert_eq!(count(images, &|i| i["architecture"] == arch), n, "{arch}");
        }
        assert_eq!(count(images, &|i| i["architecture"].is_null()), 36);
        assert_eq!(count(images, &|i| i["parsed_data"] == json!({})), 23);
        assert_eq!(count(images, &|i| i["content_sets"].is_null()), 24);
        assert_eq!(count(images, &|i| i["parent_brew_build"].is_null()), 204);
        assert_eq!(count(images, &|i| i.get("rpm_manifest").is_none()), 13);
        let has_openssl = |i: &Value| {
            i["rpm_manifest"]["rpms"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["name"] == "openssl"))
        };
        assert_eq!(count(images, &has_openssl), 577);
    }

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(small(), small());
    }

    #[test]
    fn ids_are_unique_and_follow_insertion_order() {
        let d = small();
        let ids: Vec<&str> = d.images.iter().filter_map(|i| i["_id"].as_str()).collect();
        assert_eq!(ids.len(), d.images.len());
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| id.len() == 24));
        let repo_ids: Vec<&str> = d
            .repositories
            .iter()
            .filter_map(|r| r["_id"].as_str())
            .collect();
        assert!(repo_ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn creation_dates_are_distinct() {
        let d = small();
        let dates: HashSet<&str> = d
            .images
            .iter()
            .filter_map(|i| i["creation_date"].as_str())
            .collect();
        assert_eq!(dates.len(), d.images.len());
    }

    #[test]
    fn busy_package_has_many_builds_of_one_version() {
        let d = small();
        let busy = d.images_of_package(BUSY_PACKAGE);
        assert_eq!(busy.len(), 15);
        let v12 = busy
            .iter()
            .filter(|i| {
                i["brew"]["build"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("busy-container-1.2-"))
            })
            .count();
        assert_eq!(v12, 12, "10 builds, one of them on three architectures");
        let v12_10 = d.images_by_nvr("busy-container-1.2-10");
        assert_eq!(v12_10.len(), 3);
        let created = |nvr: &str| d.images_by_nvr(nvr)[0]["creation_date"].as_str().unwrap();
        assert!(created("busy-container-1.2-10") < created("busy-container-1.2-9"));
        let newest = busy
            .iter()
            .max_by_key(|i| i["creation_date"].as_str().unwrap_or_default().to_owned())
            .and_then(|i| i["brew"]["build"].as_str());
        assert_eq!(newest, Some("busy-container-1.10-2"));
    }

    #[test]
    fn metachar_packages_exist() {
        let d = small();
        assert_eq!(d.images_of_package("foo++-container").len(), 3);
        assert_eq!(d.images_of_package("a.b-container").len(), 2);
        assert_eq!(d.images_of_package("axb-container").len(), 2);
    }

    #[test]
    fn image_repositories_point_at_real_repositories() {
        let d = small();
        for img in &d.images {
            let repos = img["repositories"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            assert!((1..=3).contains(&repos.len()));
            for r in repos {
                let (reg, name) = (
                    r["registry"].as_str().unwrap_or(""),
                    r["repository"].as_str().unwrap_or(""),
                );
                assert!(d.repository(reg, name).is_some(), "{reg}/{name}");
            }
        }
    }

    #[test]
    fn latest_tag_sits_on_each_packages_newest_build() {
        let d = small();
        let tagged = d
            .images_of_package(BUSY_PACKAGE)
            .into_iter()
            .filter(|i| {
                i["repositories"][0]["tags"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["name"] == "latest"))
            })
            .filter_map(|i| i["brew"]["build"].as_str())
            .collect::<Vec<_>>();
        assert_eq!(tagged, vec!["busy-container-1.10-2"]);
    }

    #[test]
    fn manifests_carry_their_image_id() {
        let d = small();
        for img in &d.images {
            if let Some(m) = img.get("rpm_manifest") {
                assert_eq!(m["image_id"], img["_id"]);
            }
        }
    }
}

//! Deterministic, realistic Pyxis response bodies, generated rather than checked in.
//!
//! The shapes follow the selection sets the operations send (`src/ops/query.rs`): the same
//! fields, in the same order, with the raggedness real data has (`null` parents, missing
//! lists). The content imitates a real crawl: a page of images is a handful of builds, each
//! built for several architectures, on one of two base images, so most RPMs and many label
//! values repeat across the page while NVRAs, build dates and commit hashes do not.
//!
//! Everything comes from a fixed-seed generator: the same call gives the same bytes on every
//! machine and every run. The module depends on `serde` and `serde_json` only, so that fuzz
//! targets and other benches can include it with `#[path = "..."] mod payload;` to seed their
//! corpora.

#![allow(dead_code, reason = "each includer uses a different part")]

use serde::Serialize;

/// The `find_images` page with RPM manifests: 50 images of about 300 RPMs (about 2.2 MB).
pub(crate) fn images_with_rpms() -> Vec<u8> {
    images_page(50, true, 1)
}

/// The `find_images` page without RPMs: 200 images (about 0.6 MB).
pub(crate) fn images_without_rpms() -> Vec<u8> {
    images_page(200, false, 2)
}

/// A `find_repositories` page of 200 repositories.
pub(crate) fn repositories() -> Vec<u8> {
    repositories_page(200, 3)
}

/// A `get_repository_by_registry_path` answer holding one repository.
pub(crate) fn repository() -> Vec<u8> {
    let mut rng = Rng::new(4);
    let body = Response {
        data: Single {
            get_repository_by_registry_path: Wrapped {
                error: None,
                data: repository_record(&mut rng, 0),
            },
        },
    };
    serde_json::to_vec(&body).expect("plain data serializes")
}

/// A `find_images` page of `count` images (with RPM manifests when `with_rpms`); `seed`
/// picks the content.
pub(crate) fn images_page(count: usize, with_rpms: bool, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let catalog = Catalog::new(&mut rng);
    let mut images = Vec::with_capacity(count);
    let mut build = None;
    for index in 0..count {
        // Builds come in runs of one image per architecture, as a crawl sorted by id sees them.
        let arch = ARCHES[index % ARCHES.len()];
        if index % ARCHES.len() == 0 {
            build = Some(Build::new(&mut rng, &catalog, index));
        }
        let build = build.as_ref().expect("set at the first index");
        images.push(image(&mut rng, &catalog, build, arch, with_rpms));
    }
    let body = Response {
        data: FindImages {
            find_images: Paginated {
                error: None,
                page: 0,
                page_size: count as u32,
                total: count as u64 * 7 + 3,
                data: images,
            },
        },
    };
    serde_json::to_vec(&body).expect("plain data serializes")
}

/// A `find_repositories` page of `count` repositories.
pub(crate) fn repositories_page(count: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let repositories = (0..count)
        .map(|index| repository_record(&mut rng, index))
        .collect();
    let body = Response {
        data: FindRepositories {
            find_repositories: Paginated {
                error: None,
                page: 0,
                page_size: count as u32,
                total: count as u64 * 4 + 1,
                data: repositories,
            },
        },
    };
    serde_json::to_vec(&body).expect("plain data serializes")
}

// ---------------------------------------------------------------------------------------------
// The generator.

/// SplitMix64: tiny, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// A number in `low..=high`.
    fn range(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn hex(&mut self, digits: usize) -> String {
        let mut out = String::with_capacity(digits);
        while out.len() < digits {
            out.push_str(&format!("{:016x}", self.next()));
        }
        out.truncate(digits);
        out
    }
}

const ARCHES: &[&str] = &["amd64", "arm64", "ppc64le", "s390x"];

/// The RPM architecture of an image architecture.
fn rpm_arch(arch: &str) -> &'static str {
    match arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "ppc64le" => "ppc64le",
        _ => "s390x",
    }
}

/// Source packages found in base images, with the binary packages each builds.
const BASE_SOURCES: &[(&str, &[&str])] = &[
    ("acl", &["libacl"]),
    ("attr", &["libattr"]),
    ("audit", &["audit-libs"]),
    ("basesystem", &["basesystem"]),
    ("bash", &["bash"]),
    ("brotli", &["libbrotli"]),
    ("bzip2", &["bzip2-libs"]),
    ("ca-certificates", &["ca-certificates"]),
    ("coreutils", &["coreutils-single", "coreutils-common"]),
    ("cracklib", &["cracklib", "cracklib-dicts"]),
    ("crypto-policies", &["crypto-policies"]),
    ("curl", &["curl-minimal", "libcurl-minimal"]),
    ("cyrus-sasl", &["cyrus-sasl-lib"]),
    ("dbus", &["dbus", "dbus-common", "dbus-libs"]),
    ("dnf", &["dnf", "dnf-data", "python3-dnf", "yum"]),
    (
        "dnf-plugins-core",
        &["python3-dnf-plugins-core", "dnf-plugins-core"],
    ),
    ("e2fsprogs", &["e2fsprogs-libs", "libcom_err", "libss"]),
    (
        "elfutils",
        &[
            "elfutils-default-yama-scope",
            "elfutils-libelf",
            "elfutils-libs",
        ],
    ),
    ("expat", &["expat"]),
    ("file", &["file-libs"]),
    ("filesystem", &["filesystem"]),
    ("findutils", &["findutils"]),
    ("gawk", &["gawk", "gawk-all-langpacks"]),
    ("gdbm", &["gdbm-libs"]),
    ("glib2", &["glib2"]),
    (
        "glibc",
        &[
            "glibc",
            "glibc-common",
            "glibc-minimal-langpack",
            "glibc-langpack-en",
        ],
    ),
    ("gmp", &["gmp"]),
    ("gnupg2", &["gnupg2"]),
    ("gnutls", &["gnutls"]),
    ("gobject-introspection", &["gobject-introspection"]),
    ("gpgme", &["gpgme"]),
    ("grep", &["grep"]),
    ("gzip", &["gzip"]),
    ("json-c", &["json-c"]),
    ("json-glib", &["json-glib"]),
    ("keyutils", &["keyutils-libs"]),
    ("krb5", &["krb5-libs"]),
    ("libarchive", &["libarchive"]),
    ("libassuan", &["libassuan"]),
    ("libcap", &["libcap"]),
    ("libcap-ng", &["libcap-ng"]),
    ("libcomps", &["libcomps", "python3-libcomps"]),
    ("libdnf", &["libdnf", "python3-libdnf", "python3-hawkey"]),
    ("libevent", &["libevent"]),
    ("libffi", &["libffi"]),
    ("libgcc", &["libgcc", "libstdc++", "libgomp"]),
    ("libgcrypt", &["libgcrypt"]),
    ("libgpg-error", &["libgpg-error"]),
    ("libidn2", &["libidn2"]),
    ("libksba", &["libksba"]),
    ("libmodulemd", &["libmodulemd"]),
    ("libnghttp2", &["libnghttp2"]),
    ("libpsl", &["libpsl"]),
    ("librepo", &["librepo"]),
    ("libreport", &["libreport-filesystem"]),
    ("librhsm", &["librhsm"]),
    ("libselinux", &["libselinux"]),
    ("libsemanage", &["libsemanage"]),
    ("libsepol", &["libsepol"]),
    ("libsigsegv", &["libsigsegv"]),
    ("libsolv", &["libsolv"]),
    ("libtasn1", &["libtasn1"]),
    ("libunistring", &["libunistring"]),
    ("libuser", &["libuser"]),
    ("libutempter", &["libutempter"]),
    ("libverto", &["libverto"]),
    ("libxcrypt", &["libxcrypt"]),
    ("libxml2", &["libxml2"]),
    ("libyaml", &["libyaml"]),
    ("libzstd", &["libzstd"]),
    ("lua", &["lua-libs"]),
    ("lz4", &["lz4-libs"]),
    ("mpfr", &["mpfr"]),
    ("ncurses", &["ncurses-base", "ncurses-libs"]),
    ("nettle", &["nettle"]),
    ("npth", &["npth"]),
    ("openldap", &["openldap", "openldap-compat"]),
    ("openssl", &["openssl", "openssl-libs"]),
    ("p11-kit", &["p11-kit", "p11-kit-trust"]),
    ("pam", &["pam"]),
    ("pcre", &["pcre"]),
    ("pcre2", &["pcre2", "pcre2-syntax"]),
    ("popt", &["popt"]),
    ("publicsuffix-list", &["publicsuffix-list-dafsa"]),
    (
        "python3.9",
        &["python3", "python3-libs", "python-unversioned-command"],
    ),
    ("python-gpg", &["python3-gpg"]),
    ("python-pip", &["python3-pip-wheel"]),
    ("python-setuptools", &["python3-setuptools-wheel"]),
    ("readline", &["readline"]),
    ("redhat-release", &["redhat-release"]),
    ("rootfiles", &["rootfiles"]),
    ("rpm", &["rpm", "rpm-libs", "rpm-build-libs", "python3-rpm"]),
    ("sed", &["sed"]),
    ("setup", &["setup"]),
    ("shadow-utils", &["shadow-utils"]),
    ("sqlite", &["sqlite-libs"]),
    (
        "subscription-manager",
        &["subscription-manager-rhsm-certificates"],
    ),
    (
        "systemd",
        &[
            "systemd",
            "systemd-libs",
            "systemd-pam",
            "systemd-rpm-macros",
        ],
    ),
    ("tar", &["tar"]),
    ("tpm2-tss", &["tpm2-tss"]),
    ("tzdata", &["tzdata"]),
    (
        "util-linux",
        &[
            "util-linux",
            "util-linux-core",
            "libblkid",
            "libmount",
            "libuuid",
            "libsmartcols",
            "libfdisk",
        ],
    ),
    ("vim", &["vim-minimal"]),
    ("xz", &["xz-libs", "xz"]),
    ("zlib", &["zlib"]),
];

/// Prefixes and stems of the layered products' own packages.
const PRODUCT_STEMS: &[&str] = &[
    "python3.11",
    "python3.12",
    "nodejs",
    "ruby",
    "perl",
    "php",
    "httpd",
    "nginx",
    "postgresql",
    "mariadb",
    "redis",
    "java-17-openjdk",
    "java-21-openjdk",
    "golang",
    "dotnet-runtime-8.0",
    "git",
    "openssh",
    "rsync",
    "less",
    "procps-ng",
    "hostname",
    "iproute",
    "iputils",
    "kmod",
    "lsof",
    "net-tools",
    "nss",
    "nspr",
    "cups-libs",
    "fontconfig",
    "freetype",
    "harfbuzz",
    "libpng",
    "libjpeg-turbo",
    "giflib",
    "lcms2",
    "alsa-lib",
    "libX11",
    "libXext",
    "libXrender",
    "libXi",
    "libXtst",
    "libxcb",
    "mesa-libGL",
    "unzip",
    "zip",
    "which",
    "make",
    "gcc",
    "cpp",
];

const PRODUCT_SUFFIXES: &[&str] = &[
    "",
    "-libs",
    "-devel",
    "-common",
    "-tools",
    "-headless",
    "-filesystem",
    "-data",
    "-doc",
    "-server",
    "-client",
    "-contrib",
];

const REPOSITORY_NAMES: &[&str] = &[
    "ubi9/ubi",
    "ubi9/ubi-minimal",
    "ubi9/python-311",
    "ubi9/python-312",
    "ubi9/nodejs-20",
    "ubi9/ruby-33",
    "ubi9/php-82",
    "ubi9/httpd-24",
    "ubi9/nginx-124",
    "ubi9/openjdk-17",
    "ubi9/openjdk-21-runtime",
    "ubi9/go-toolset",
    "rhel9/postgresql-16",
    "rhel9/mariadb-1011",
    "rhel9/redis-7",
    "ubi8/ubi",
    "ubi8/python-39",
    "ubi8/nodejs-18",
    "ubi8/openjdk-17",
    "rhel8/postgresql-13",
    "openshift4/ose-cli",
    "openshift4/ose-tools-rhel9",
    "rhacm2/multicluster-engine-operator",
    "rhoai/odh-dashboard-rhel8",
];

const REGISTRIES: &[&str] = &[
    "registry.access.redhat.com",
    "registry.redhat.io",
    "quay.io",
];

const RELEASE_CATEGORIES: &[&str] = &["Generally Available", "Tech Preview", "Beta", "Deprecated"];

/// One binary package with the source package it comes from.
struct Package {
    name: String,
    srpm: String,
    version: String,
    release: u32,
    epoch: u32,
}

/// The packages of the two base images and of the layered products.
struct Catalog {
    /// Per base (el8, el9): the packages every image on that base ships.
    bases: [Vec<Package>; 2],
    products: Vec<Package>,
}

fn version(rng: &mut Rng) -> String {
    format!(
        "{}.{}.{}",
        rng.range(0, 12),
        rng.range(0, 30),
        rng.range(0, 20)
    )
}

impl Catalog {
    fn new(rng: &mut Rng) -> Self {
        let mut bases = [Vec::new(), Vec::new()];
        for base in &mut bases {
            for (srpm, binaries) in BASE_SOURCES {
                let version = version(rng);
                let release = rng.range(1, 40) as u32;
                let epoch = if rng.chance(10) { 1 } else { 0 };
                for binary in *binaries {
                    base.push(Package {
                        name: (*binary).to_owned(),
                        srpm: (*srpm).to_owned(),
                        version: version.clone(),
                        release,
                        epoch,
                    });
                }
            }
        }
        let mut products = Vec::new();
        for stem in PRODUCT_STEMS {
            let version = version(rng);
            let release = rng.range(1, 40) as u32;
            for suffix in PRODUCT_SUFFIXES {
                products.push(Package {
                    name: format!("{stem}{suffix}"),
                    srpm: (*stem).to_owned(),
                    version: version.clone(),
                    release,
                    epoch: 0,
                });
            }
        }
        Self { bases, products }
    }
}

/// What the images of one build (one per architecture) share.
struct Build {
    el: usize,
    package: String,
    nvr: String,
    version: String,
    release: String,
    parent: Option<String>,
    repositories: Vec<(&'static str, &'static str, bool, Vec<String>)>,
    /// Indexes into the catalog's products.
    products: Vec<usize>,
    /// Base packages this build carries an update of (index, release bump).
    updates: Vec<(usize, u32)>,
    build_date: String,
}

impl Build {
    fn new(rng: &mut Rng, catalog: &Catalog, index: usize) -> Self {
        let repository = *rng.pick(REPOSITORY_NAMES);
        // The base follows the repository: `ubi8/...` and `rhel8/...` are on el8.
        let el = usize::from(
            !["ubi8/", "rhel8/", "-rhel8"]
                .iter()
                .any(|mark| repository.contains(mark)),
        );
        let package = format!("{}-container", repository.replace('/', "-"));
        let version = format!("{}.{}", rng.range(1, 9), rng.range(0, 6));
        let release = format!("{}.{}", rng.range(1, 80), 1_717_000_000 + index * 3_607);
        let nvr = format!("{package}-{version}-{release}");
        let parent = (!rng.chance(15)).then(|| {
            format!(
                "ubi{}-container-{}.{}-{}",
                8 + el,
                8 + el,
                rng.range(2, 5),
                rng.range(100, 1200)
            )
        });
        let mut repositories = Vec::new();
        for _ in 0..rng.range(1, 3) {
            let registry = *rng.pick(REGISTRIES);
            let mut tags = vec![format!("{version}-{release}")];
            if rng.chance(60) {
                tags.push(version.clone());
            }
            if rng.chance(40) {
                tags.push("latest".to_owned());
            }
            repositories.push((registry, repository, rng.chance(85), tags));
        }
        let base_len = catalog.bases[el].len();
        let wanted_products = 300usize.saturating_sub(base_len) + rng.range(0, 20);
        let mut products = Vec::with_capacity(wanted_products);
        let start = rng.below(catalog.products.len());
        for step in 0..wanted_products.min(catalog.products.len()) {
            products.push((start + step * 7) % catalog.products.len());
        }
        let updates = (0..rng.range(0, 6))
            .map(|_| (rng.below(base_len), rng.range(1, 3) as u32))
            .collect();
        Self {
            el,
            package,
            nvr,
            version,
            release,
            parent,
            repositories,
            products,
            updates,
            build_date: format!(
                "2024-{:02}-{:02}T{:02}:{:02}:{:02}",
                rng.range(1, 12),
                rng.range(1, 28),
                rng.range(0, 23),
                rng.range(0, 59),
                rng.range(0, 59)
            ),
        }
    }
}

fn rpm(package: &Package, bump: u32, el: usize, arch: &str) -> Rpm {
    let release = format!("{}.el{}", package.release + bump, 8 + el);
    let arch = if package.name.ends_with("-data") || package.name == "tzdata" {
        "noarch"
    } else {
        arch
    };
    Rpm {
        nvra: format!("{}-{}-{release}.{arch}", package.name, package.version),
        srpm_nevra: format!(
            "{}-{}:{}-{release}.src",
            package.srpm, package.epoch, package.version
        ),
        name: package.name.clone(),
        srpm_name: package.srpm.clone(),
    }
}

fn image(rng: &mut Rng, catalog: &Catalog, build: &Build, arch: &str, with_rpms: bool) -> Image {
    let el = build.el;
    let image_id = rng.hex(24);
    let content_sets = (!rng.chance(5)).then(|| {
        let rpm_arch = rpm_arch(arch);
        vec![
            format!("rhel-{}-for-{rpm_arch}-baseos-rpms", 8 + el),
            format!("rhel-{}-for-{rpm_arch}-appstream-rpms", 8 + el),
        ]
    });
    let edges = with_rpms.then(|| {
        let rpm_arch = rpm_arch(arch);
        let mut rpms = Vec::with_capacity(320);
        for (index, package) in catalog.bases[el].iter().enumerate() {
            let bump = build
                .updates
                .iter()
                .find(|(updated, _)| *updated == index)
                .map_or(0, |(_, bump)| *bump);
            rpms.push(rpm(package, bump, el, rpm_arch));
        }
        for &product in &build.products {
            rpms.push(rpm(&catalog.products[product], 0, el, rpm_arch));
        }
        Edges {
            rpm_manifest: RpmManifestResponse {
                data: RpmManifest {
                    image_id: image_id.clone(),
                    rpms,
                },
            },
        }
    });
    Image {
        architecture: arch.to_owned(),
        brew: Brew {
            build: build.nvr.clone(),
            package: build.package.clone(),
        },
        content_sets,
        parent_brew_build: build.parent.clone(),
        parsed_data: ParsedData {
            labels: labels(rng, build, arch, el),
        },
        repositories: build
            .repositories
            .iter()
            .map(|(registry, repository, published, tags)| ImageRepository {
                registry,
                repository,
                published: *published,
                tags: tags.iter().map(|name| Tag { name: name.clone() }).collect(),
            })
            .collect(),
        edges,
    }
}

fn labels(rng: &mut Rng, build: &Build, arch: &str, el: usize) -> Vec<Label> {
    let name = build.repositories[0].1;
    let host = format!("x86-{:03}.build.example.com", rng.range(1, 200));
    let pairs: Vec<(&str, String)> = vec![
        ("architecture", rpm_arch(arch).to_owned()),
        ("build-date", build.build_date.clone()),
        ("com.redhat.build-host", host),
        ("com.redhat.component", build.package.clone()),
        (
            "com.redhat.license_terms",
            "https://www.redhat.com/en/about/red-hat-end-user-license-agreements#UBI".to_owned(),
        ),
        (
            "cpe",
            format!("cpe:/a:redhat:enterprise_linux:{}::appstream", 8 + el),
        ),
        (
            "description",
            format!(
                "The {name} image provides a runtime for applications, built on UBI {}.",
                8 + el
            ),
        ),
        ("distribution-scope", "public".to_owned()),
        (
            "io.buildah.version",
            format!("1.{}.{}", rng.range(29, 37), rng.range(0, 4)),
        ),
        (
            "io.k8s.description",
            format!(
                "The {name} image provides a runtime for applications, built on UBI {}.",
                8 + el
            ),
        ),
        ("io.k8s.display-name", format!("{name} {}", build.version)),
        ("io.openshift.expose-services", String::new()),
        (
            "io.openshift.tags",
            format!("builder,{}", name.replace('/', ",")),
        ),
        ("maintainer", "Red Hat, Inc.".to_owned()),
        ("name", name.to_owned()),
        ("release", build.release.clone()),
        ("summary", format!("Platform for running {name}")),
        (
            "url",
            format!(
                "https://access.redhat.com/containers/#/registry.access.redhat.com/{name}/images/{}-{}",
                build.version, build.release
            ),
        ),
        ("usage", format!("podman run --rm -it {name}")),
        ("vcs-ref", rng.hex(40)),
        ("vcs-type", "git".to_owned()),
        ("vendor", "Red Hat, Inc.".to_owned()),
        ("version", build.version.clone()),
        ("org.opencontainers.image.revision", rng.hex(40)),
        (
            "io.openshift.s2i.scripts-url",
            "image:///usr/libexec/s2i".to_owned(),
        ),
    ];
    pairs
        .into_iter()
        .map(|(name, value)| Label {
            name: name.to_owned(),
            value,
        })
        .collect()
}

fn repository_record(rng: &mut Rng, index: usize) -> Repository {
    let stem = rng.pick(REPOSITORY_NAMES);
    let categories = if rng.chance(5) {
        None
    } else {
        Some(vec![(*rng.pick(RELEASE_CATEGORIES)).to_owned()])
    };
    let mut tags = vec!["latest".to_owned()];
    if rng.chance(50) {
        tags.push(format!("{}.{}", rng.range(1, 9), rng.range(0, 6)));
    }
    Repository {
        repository: format!("{stem}-{index}"),
        registry: (*rng.pick(REGISTRIES)).to_owned(),
        published: rng.chance(80),
        release_categories: categories,
        auto_rebuild_tags: tags,
    }
}

// ---------------------------------------------------------------------------------------------
// The wire shapes, fields in selection order.

#[derive(Serialize)]
struct Response<D> {
    data: D,
}

#[derive(Serialize)]
struct FindImages {
    find_images: Paginated<Image>,
}

#[derive(Serialize)]
struct FindRepositories {
    find_repositories: Paginated<Repository>,
}

#[derive(Serialize)]
struct Single {
    get_repository_by_registry_path: Wrapped<Repository>,
}

#[derive(Serialize)]
struct Paginated<T> {
    error: Option<()>,
    page: u32,
    page_size: u32,
    total: u64,
    data: Vec<T>,
}

#[derive(Serialize)]
struct Wrapped<T> {
    error: Option<()>,
    data: T,
}

#[derive(Serialize)]
struct Repository {
    repository: String,
    registry: String,
    published: bool,
    release_categories: Option<Vec<String>>,
    auto_rebuild_tags: Vec<String>,
}

#[derive(Serialize)]
struct Image {
    architecture: String,
    brew: Brew,
    content_sets: Option<Vec<String>>,
    parent_brew_build: Option<String>,
    parsed_data: ParsedData,
    repositories: Vec<ImageRepository>,
    #[serde(skip_serializing_if = "Option::is_none")]
    edges: Option<Edges>,
}

#[derive(Serialize)]
struct Brew {
    build: String,
    package: String,
}

#[derive(Serialize)]
struct ParsedData {
    labels: Vec<Label>,
}

#[derive(Serialize)]
struct Label {
    name: String,
    value: String,
}

#[derive(Serialize)]
struct ImageRepository {
    registry: &'static str,
    repository: &'static str,
    published: bool,
    tags: Vec<Tag>,
}

#[derive(Serialize)]
struct Tag {
    name: String,
}

#[derive(Serialize)]
struct Edges {
    rpm_manifest: RpmManifestResponse,
}

#[derive(Serialize)]
struct RpmManifestResponse {
    data: RpmManifest,
}

#[derive(Serialize)]
struct RpmManifest {
    image_id: String,
    rpms: Vec<Rpm>,
}

#[derive(Serialize)]
struct Rpm {
    name: String,
    nvra: String,
    srpm_name: String,
    srpm_nevra: String,
}

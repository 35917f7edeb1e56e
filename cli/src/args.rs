//! The command line, as clap reads it.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{ArgAction, Parser, Subcommand, ValueEnum};

/// Ask Pyxis, the container-metadata GraphQL API, from the shell.
///
/// Every command prints what Pyxis returned, with its field names: one JSON array (`json`, the
/// default), one item a line as results arrive (`jsonl`), or a few key columns (`table`).
/// Commands taking a list also read it from standard input (`-`, one value a line) or from
/// files (`--from-file`), and look values up `--batch-size` at a time, `--concurrency` lookups at
/// once.
#[derive(Debug, Parser)]
#[command(name = "pyxis", version)]
pub(crate) struct Cli {
    /// The Pyxis GraphQL endpoint.
    #[arg(long, global = true, value_name = "URL", default_value = pyxis_gql::DEFAULT_ENDPOINT)]
    pub(crate) url: String,

    /// Accept a plain http:// --url (a loopback development server, say); https:// otherwise.
    #[arg(long, global = true)]
    pub(crate) allow_http: bool,

    /// Client certificate (PEM chain) presented to Pyxis; needs --key.
    #[arg(long, global = true, value_name = "PEM", requires = "key")]
    pub(crate) cert: Option<PathBuf>,

    /// Private key (PEM) of --cert.
    #[arg(long, global = true, value_name = "PEM", requires = "cert")]
    pub(crate) key: Option<PathBuf>,

    /// Extra CA bundle (PEM) to trust besides the built-in roots; may be repeated.
    #[arg(long, global = true, value_name = "PEM")]
    pub(crate) ca: Vec<PathBuf>,

    /// Name of the environment variable holding the API key (sent as X-API-KEY).
    #[arg(long, global = true, value_name = "VAR")]
    pub(crate) api_key_env: Option<String>,

    /// HTTP proxy for https requests, `http://[user:password@]host[:port]`; without it,
    /// HTTPS_PROXY (or https_proxy) names the proxy and NO_PROXY (or no_proxy) the hosts that
    /// bypass it. Prefer HTTPS_PROXY for a password: a command line is visible to other users.
    #[arg(long, global = true, value_name = "URL", value_parser = pyxis_gql::Proxy::parse,
          conflicts_with = "no_proxy")]
    pub(crate) proxy: Option<pyxis_gql::Proxy>,

    /// Connect directly, ignoring HTTPS_PROXY.
    #[arg(long, global = true)]
    pub(crate) no_proxy: bool,

    /// The async runtime (and HTTP stack) to run on.
    #[arg(long, global = true, value_enum, default_value_t = Runtime::Tokio)]
    pub(crate) runtime: Runtime,

    /// Items per page [default: 200; 50 for images with RPM manifests].
    #[arg(long, global = true, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=500))]
    pub(crate) page_size: Option<u32>,

    /// Requests in flight at once: pages of one crawl, or lookups of a list.
    #[arg(long, global = true, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,

    /// Values of a list looked up per request (repos-by-paths, images-by-nvrs, images-by-names,
    /// and the RPM names and repositories of images-by-rpms).
    #[arg(long, global = true, value_name = "N", default_value_t = 20,
          value_parser = clap::value_parser!(u16).range(1..=500))]
    pub(crate) batch_size: u16,

    /// Seconds allowed for each request attempt (fractions allowed) [default: 60].
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub(crate) timeout: Option<f64>,

    /// Seconds to wait before retrying when Pyxis reports its database timeout; a second retry
    /// waits twice as long [default: 30].
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub(crate) database_retry_wait: Option<f64>,

    /// Ask for answers uncompressed (gzip is asked for by default).
    #[arg(long, global = true)]
    pub(crate) no_compression: bool,

    /// Keep answers for SECS seconds during the run (fractions allowed): repeated repository
    /// lookups, images by NVR, by id and by digest are then asked once. Other answers (images by
    /// RPM, by name, by repository, the latest images) are always asked afresh.
    #[arg(long, global = true, value_name = "SECS", value_parser = parse_seconds)]
    pub(crate) cache_ttl: Option<f64>,

    /// Report on stderr what the client does: -v retries, give-ups and crawl ends; -vv every
    /// call and page too, with their durations. RUST_LOG, when set, chooses instead.
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Output format.
    #[arg(short, long, global = true, value_enum, default_value_t = Format::Json)]
    pub(crate) output: Format,

    /// What to ask.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Which adapter runs the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Runtime {
    /// tokio, with the reqwest transport.
    Tokio,
    /// smol, with the hyper transport.
    Smol,
    /// async-std, with the surf transport (needs a host name, not an IP address, in --url).
    AsyncStd,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// One JSON array (an object or null for `repo`), printed when complete.
    Json,
    /// One JSON item a line, printed as pages arrive.
    Jsonl,
    /// A few key columns for people.
    Table,
}

/// The operations.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// The repository at REGISTRY and REPOSITORY: an object, or null when there is none. With
    /// `-` alone, one `REGISTRY REPOSITORY` (or `REGISTRY/REPOSITORY`) a line from standard
    /// input, looked up concurrently; a missing one is named on stderr.
    Repo {
        /// Registry host, e.g. registry.access.redhat.com; `-` reads paths from standard input.
        registry: String,
        /// Repository path, e.g. ubi9/ubi.
        repository: Option<String>,
    },

    /// Repositories (vendor redhat unless --any-vendor), narrowed by the options given.
    Repos {
        /// Only repositories whose `published` is BOOL.
        #[arg(long, value_name = "BOOL", action = ArgAction::Set,
              value_parser = BoolishValueParser::new())]
        published: Option<bool>,
        /// Only repositories in one of these release categories; may be repeated.
        #[arg(long, value_name = "C")]
        release_category: Vec<String>,
        /// Only repositories with one of these auto-rebuild tags; may be repeated.
        #[arg(long, value_name = "T")]
        auto_rebuild_tag: Vec<String>,
        /// Only repositories with one of these names (repository paths); may be repeated.
        #[arg(long, value_name = "N")]
        name: Vec<String>,
        /// Any vendor, not only redhat.
        #[arg(long)]
        any_vendor: bool,
    },

    /// The redhat repositories named REPOSITORY, in any registry.
    ReposByName {
        /// Repository path, e.g. ubi9/ubi; `-` reads one a line from standard input.
        repository: String,
    },

    /// The repositories at these paths (the first '/' splits registry from repository).
    ReposByPaths {
        /// REGISTRY/REPOSITORY paths; `-` reads more from standard input, one a line.
        #[arg(
            value_name = "REGISTRY/REPOSITORY",
            required_unless_present = "from_file"
        )]
        paths: Vec<String>,
        /// Reads more paths from FILE, one a line; may be repeated.
        #[arg(long, value_name = "FILE")]
        from_file: Vec<PathBuf>,
    },

    /// The images built from NVR (with RPM manifests unless --no-rpms).
    ImagesByNvr {
        /// Build NVR, e.g. ubi9-container-9.4-6; `-` reads one a line from standard input.
        nvr: String,
        /// Leave out the RPM manifests.
        #[arg(long)]
        no_rpms: bool,
    },

    /// The images built from any of these NVRs (with RPM manifests unless --no-rpms).
    ImagesByNvrs {
        /// Build NVRs; `-` reads more from standard input, one a line.
        #[arg(value_name = "NVR", required_unless_present = "from_file")]
        nvrs: Vec<String>,
        /// Reads more NVRs from FILE, one a line; may be repeated.
        #[arg(long, value_name = "FILE")]
        from_file: Vec<PathBuf>,
        /// Leave out the RPM manifests.
        #[arg(long)]
        no_rpms: bool,
    },

    /// The images shipping any of these RPMs; each image lists only the RPMs asked for.
    ImagesByRpms {
        /// RPM names, e.g. openssl; `-` reads more from standard input, one a line.
        #[arg(value_name = "RPM_NAME", required_unless_present = "from_file")]
        rpm_names: Vec<String>,
        /// Reads more RPM names from FILE, one a line; may be repeated.
        #[arg(long, value_name = "FILE")]
        from_file: Vec<PathBuf>,
        /// Only images with one of these content sets; may be repeated.
        #[arg(long, value_name = "S")]
        content_set: Vec<String>,
        /// Only images in one of these repositories; may be repeated.
        #[arg(long, value_name = "R")]
        repository: Vec<String>,
        /// Only images whose repository entry has `published` BOOL.
        #[arg(long, value_name = "BOOL", action = ArgAction::Set,
              value_parser = BoolishValueParser::new())]
        published: Option<bool>,
        /// Only images tagged with one of these tags; may be repeated.
        #[arg(long, value_name = "T")]
        tag: Vec<String>,
    },

    /// The published images of these packages (brew.package), without RPMs.
    ImagesByNames {
        /// Package names; `-` reads more from standard input, one a line.
        #[arg(value_name = "NAME", required_unless_present = "from_file")]
        names: Vec<String>,
        /// Reads more names from FILE, one a line; may be repeated.
        #[arg(long, value_name = "FILE")]
        from_file: Vec<PathBuf>,
    },

    /// The images published in REPOSITORY.
    ImagesByRepository {
        /// Repository path, e.g. ubi9/ubi; `-` reads one a line from standard input.
        repository: String,
        /// Only images carrying one of these tags there; may be repeated.
        #[arg(long, value_name = "T")]
        auto_rebuild_tag: Vec<String>,
    },

    /// Every image (all architectures) of the latest build of package NAME at VERSION: the
    /// highest release by RPM's version comparison (release 10 beats 9), with RPM manifests
    /// unless --no-rpms.
    LatestImages {
        /// Package name (brew.package); `-` alone reads `NAME VERSION` lines from standard input.
        name: String,
        /// Version, e.g. 9.4.
        version: Option<String>,
        /// Leave out the RPM manifests.
        #[arg(long)]
        no_rpms: bool,
        /// Only images whose repository entry has `published` BOOL.
        #[arg(long, value_name = "BOOL", action = ArgAction::Set,
              value_parser = BoolishValueParser::new())]
        published: Option<bool>,
        /// Only images with one of these content sets; may be repeated.
        #[arg(long, value_name = "S")]
        content_set: Vec<String>,
    },

    /// The images holding DIGEST: as their own digest, or as a manifest or manifest-list digest
    /// in any repository; with --registry and --repository, the one image that manifest digest
    /// names there (an object, or null).
    ImageByDigest {
        /// A digest, e.g. sha256:...; `-` reads one a line from standard input.
        digest: String,
        /// Only the image in this registry (needs --repository).
        #[arg(long, value_name = "R", requires = "repository")]
        registry: Option<String>,
        /// Only the image in this repository (needs --registry).
        #[arg(long, value_name = "P", requires = "registry")]
        repository: Option<String>,
    },

    /// The image with this Pyxis id, with its dates and digests: an object, or null when there
    /// is none.
    Image {
        /// The image's `_id`; `-` reads one a line from standard input (a missing one is named
        /// on stderr).
        id: String,
    },

    /// The images in the repository at REGISTRY and REPOSITORY, newest first, with their dates
    /// and digests. With `-` alone, one `REGISTRY REPOSITORY` (or `REGISTRY/REPOSITORY`) a line
    /// from standard input.
    RepoImages {
        /// Registry host, e.g. registry.access.redhat.com; `-` reads paths from standard input.
        registry: String,
        /// Repository path, e.g. ubi9/ubi.
        repository: Option<String>,
        /// Only the images carrying this tag there.
        #[arg(long, value_name = "T")]
        tag: Option<String>,
    },

    /// The repository with this Pyxis id, with its vendor and end-of-life date: an object, or
    /// null when there is none.
    RepoById {
        /// The repository's `_id`; `-` reads one a line from standard input (a missing one is
        /// named on stderr).
        id: String,
    },

    /// Prints a completion script for SHELL to standard output, e.g.
    /// `pyxis completions bash > /etc/bash_completion.d/pyxis`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Any other query, from a file; prints the raw JSON of `data` (or the items of FIELD's pages).
    Query {
        /// The query document (`-` reads it from standard input).
        #[arg(long, value_name = "Q.graphql")]
        file: PathBuf,
        /// The variables, as one JSON object.
        #[arg(long, value_name = "JSON")]
        variables: Option<String>,
        /// Crawl all pages of root field FIELD; the document must declare `$page: Int` and
        /// `$page_size: Int`, pass them to FIELD and select `page page_size total data {...}`.
        #[arg(long, value_name = "FIELD")]
        paginate: Option<String>,
        /// Which operation of a multi-operation document to run.
        #[arg(long, value_name = "NAME")]
        operation_name: Option<String>,
    },
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if seconds.is_finite() && seconds > 0.0 && seconds <= 86_400.0 {
        Ok(seconds)
    } else {
        Err("must be more than 0 and at most 86400 seconds".to_owned())
    }
}

//! From the command line to a [`Job`] and a [`Config`]: everything checked before any request.

use std::time::Duration;

use pyxis_gql::cache::CacheOptions;
use pyxis_gql::ops::{
    CustomPaginatedQuery, CustomQuery, FindImagesByInstalledRpms, FindImagesByRepository,
    FindLatestImagesByNameVersion, FindRepositories, FindRepositoryImages,
};
use pyxis_gql::{
    ApiKey, Backoff, Config, ConfigError, Identity, OperationKind, ProxyPolicy, RegistryPath,
    RetryPolicy,
};
use serde_json::{Map, Value};

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::input;

/// One command, with its arguments parsed and its lists read.
#[derive(Debug)]
pub(crate) enum Job {
    /// `repo`: one path, or (`from_stdin`) each path read from standard input.
    Repo {
        /// The paths.
        paths: Vec<RegistryPath>,
        /// Whether they came from standard input (then a missing one is named on stderr).
        from_stdin: bool,
    },
    /// `repos`.
    Repos(FindRepositories),
    /// `repos-by-name`, once per name.
    ReposByName(Vec<String>),
    /// `repos-by-paths`, looked up in batches.
    ReposByPaths(Vec<RegistryPath>),
    /// `images-by-nvr`, once per NVR.
    ImagesByNvr {
        /// The NVRs.
        nvrs: Vec<String>,
        /// Whether to include RPM manifests.
        rpms: bool,
    },
    /// `images-by-nvrs`, looked up in batches.
    ImagesByNvrs {
        /// The NVRs.
        nvrs: Vec<String>,
        /// Whether to include RPM manifests.
        rpms: bool,
    },
    /// `images-by-rpms`: one crawl, since an image may ship several of the RPMs.
    ImagesByRpms(FindImagesByInstalledRpms),
    /// `images-by-names`, looked up in batches.
    ImagesByNames(Vec<String>),
    /// `images-by-repository`, once per repository.
    ImagesByRepository(Vec<FindImagesByRepository>),
    /// `latest-images`, once per name and version.
    LatestImages {
        /// The searches.
        searches: Vec<FindLatestImagesByNameVersion>,
        /// Whether to include RPM manifests.
        rpms: bool,
    },
    /// `image-by-digest`, once per digest; in one repository when `in_repository` is set.
    ImagesByDigest {
        /// The digests.
        digests: Vec<String>,
        /// Whether they came from standard input.
        from_stdin: bool,
        /// The repository of `--registry` and `--repository`.
        in_repository: Option<RegistryPath>,
    },
    /// `image`, once per id.
    Image {
        /// The ids.
        ids: Vec<String>,
        /// Whether they came from standard input.
        from_stdin: bool,
    },
    /// `repo-images`, once per path.
    RepoImages(Vec<FindRepositoryImages>),
    /// `repo-by-id`, once per id.
    RepoById {
        /// The ids.
        ids: Vec<String>,
        /// Whether they came from standard input.
        from_stdin: bool,
    },
    /// `query` without `--paginate`.
    Query(CustomQuery<Value>),
    /// `query --paginate FIELD`.
    PaginatedQuery(CustomPaginatedQuery<Value>),
}

impl Job {
    /// The job a command describes; reads standard input and files for list arguments.
    pub(crate) fn from_command(command: &Command) -> Result<Self, Failure> {
        Ok(match command {
            Command::Repo {
                registry,
                repository,
            } => {
                let (paths, from_stdin) = paths_or_stdin(registry, repository.as_deref())?;
                Self::Repo { paths, from_stdin }
            }
            Command::Repos {
                published,
                release_category,
                auto_rebuild_tag,
                name,
                any_vendor,
            } => {
                let mut search = FindRepositories::new();
                if let Some(published) = published {
                    search = search.published(*published);
                }
                if !release_category.is_empty() {
                    search = search.release_categories(release_category.clone());
                }
                if !auto_rebuild_tag.is_empty() {
                    search = search.auto_rebuild_tags(auto_rebuild_tag.clone());
                }
                if !name.is_empty() {
                    search = search.names(name.clone());
                }
                if *any_vendor {
                    search = search.any_vendor();
                }
                Self::Repos(search)
            }
            Command::ReposByName { repository } => Self::ReposByName(one_or_stdin(repository)?),
            Command::ReposByPaths { paths, from_file } => {
                let paths = unique(input::list(paths, from_file)?)
                    .iter()
                    .map(|path| {
                        path.parse::<RegistryPath>()
                            .map_err(|error| Failure::Usage(error.to_string()))
                    })
                    .collect::<Result<_, _>>()?;
                Self::ReposByPaths(paths)
            }
            Command::ImagesByNvr { nvr, no_rpms } => Self::ImagesByNvr {
                nvrs: one_or_stdin(nvr)?,
                rpms: !no_rpms,
            },
            Command::ImagesByNvrs {
                nvrs,
                from_file,
                no_rpms,
            } => Self::ImagesByNvrs {
                nvrs: unique(input::list(nvrs, from_file)?),
                rpms: !no_rpms,
            },
            Command::ImagesByRpms {
                rpm_names,
                from_file,
                content_set,
                repository,
                published,
                tag,
            } => {
                let mut search = FindImagesByInstalledRpms::new(input::list(rpm_names, from_file)?);
                if !content_set.is_empty() {
                    search = search.content_sets(content_set.clone());
                }
                if !repository.is_empty() {
                    search = search.repositories(repository.clone());
                }
                if let Some(published) = published {
                    search = search.published(*published);
                }
                if !tag.is_empty() {
                    search = search.tags(tag.clone());
                }
                Self::ImagesByRpms(search)
            }
            Command::ImagesByNames { names, from_file } => {
                Self::ImagesByNames(unique(input::list(names, from_file)?))
            }
            Command::ImagesByRepository {
                repository,
                auto_rebuild_tag,
            } => {
                let searches = one_or_stdin(repository)?
                    .into_iter()
                    .map(|repository| {
                        let search = FindImagesByRepository::new(repository);
                        if auto_rebuild_tag.is_empty() {
                            search
                        } else {
                            search.auto_rebuild_tags(auto_rebuild_tag.clone())
                        }
                    })
                    .collect();
                Self::ImagesByRepository(searches)
            }
            Command::LatestImages {
                name,
                version,
                no_rpms,
                published,
                content_set,
            } => {
                let pairs = match (name.as_str(), version) {
                    ("-", None) => stdin_lines()?
                        .iter()
                        .map(
                            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                                [name, version] => Ok((name.to_owned(), version.to_owned())),
                                _ => Err(Failure::Usage(format!(
                                    "standard input: {line:?} is not `NAME VERSION`"
                                ))),
                            },
                        )
                        .collect::<Result<Vec<_>, _>>()?,
                    (_, Some(version)) => vec![(name.clone(), version.clone())],
                    _ => {
                        return Err(Failure::Usage(
                            "give NAME and VERSION, or `-` alone to read them from standard input"
                                .into(),
                        ));
                    }
                };
                let searches = pairs
                    .into_iter()
                    .map(|(name, version)| {
                        let mut search = FindLatestImagesByNameVersion::new(name, version)
                            .include_rpms(!no_rpms);
                        if let Some(published) = published {
                            search = search.published(*published);
                        }
                        if !content_set.is_empty() {
                            search = search.content_sets(content_set.clone());
                        }
                        search
                    })
                    .collect();
                Self::LatestImages {
                    searches,
                    rpms: !no_rpms,
                }
            }
            Command::ImageByDigest {
                digest,
                registry,
                repository,
            } => Self::ImagesByDigest {
                digests: one_or_stdin(digest)?,
                from_stdin: digest == "-",
                in_repository: registry
                    .as_ref()
                    .zip(repository.as_ref())
                    .map(|(registry, repository)| RegistryPath::new(registry, repository)),
            },
            Command::Image { id } => Self::Image {
                ids: one_or_stdin(id)?,
                from_stdin: id == "-",
            },
            Command::RepoImages {
                registry,
                repository,
                tag,
            } => {
                let (paths, _) = paths_or_stdin(registry, repository.as_deref())?;
                let searches = paths
                    .into_iter()
                    .map(|path| {
                        let search = FindRepositoryImages::new(path);
                        match tag {
                            Some(tag) => search.tag(tag.clone()),
                            None => search,
                        }
                    })
                    .collect();
                Self::RepoImages(searches)
            }
            Command::RepoById { id } => Self::RepoById {
                ids: one_or_stdin(id)?,
                from_stdin: id == "-",
            },
            // Answered before any job is planned (`main`); nothing to ask Pyxis.
            Command::Completions { .. } => {
                return Err(Failure::Usage(
                    "completions prints a script and asks Pyxis nothing".into(),
                ));
            }
            Command::Query {
                file,
                variables,
                paginate,
                operation_name,
            } => {
                let text = input::text(file)?;
                if text.trim().is_empty() {
                    return Err(Failure::Usage("the query document is empty".into()));
                }
                let variables = match variables {
                    None => Map::new(),
                    Some(json) => match serde_json::from_str(json) {
                        Ok(Value::Object(map)) => map,
                        Ok(_) => {
                            return Err(Failure::Usage("--variables must be a JSON object".into()));
                        }
                        Err(error) => {
                            return Err(Failure::Usage(format!(
                                "--variables is not valid JSON: {error}"
                            )));
                        }
                    },
                };
                match paginate {
                    Some(field) => {
                        if variables.contains_key("page") || variables.contains_key("page_size") {
                            return Err(Failure::Usage(
                                "with --paginate, the crawl sets `page` and `page_size`; \
                                 leave them out of --variables"
                                    .into(),
                            ));
                        }
                        let mut query = CustomPaginatedQuery::new(text, field.clone())
                            .with_variables(variables);
                        if let Some(name) = operation_name {
                            query = query.operation_name(name.clone());
                        }
                        Self::PaginatedQuery(query)
                    }
                    None => {
                        let mut query = CustomQuery::new(text).with_variables(variables);
                        if let Some(name) = operation_name {
                            query = query.operation_name(name.clone());
                        }
                        Self::Query(query)
                    }
                }
            }
        })
    }

    /// How many values a batched job looks up (`None` for other jobs).
    pub(crate) fn list_len(&self) -> Option<usize> {
        match self {
            Self::ReposByPaths(paths) => Some(paths.len()),
            Self::ImagesByNvrs { nvrs, .. } => Some(nvrs.len()),
            Self::ImagesByNames(names) => Some(names.len()),
            _ => None,
        }
    }
}

/// The lines of standard input (trimmed; empty and `#` lines skipped).
fn stdin_lines() -> Result<Vec<String>, Failure> {
    Ok(input::list(&["-".to_owned()], &[])?)
}

/// `value`, or the lines of standard input when it is `-`.
fn one_or_stdin(value: &str) -> Result<Vec<String>, Failure> {
    if value == "-" {
        stdin_lines()
    } else {
        Ok(vec![value.to_owned()])
    }
}

/// The one path `REGISTRY REPOSITORY`, or with `-` alone the paths read from standard input;
/// and whether they came from there.
fn paths_or_stdin(
    registry: &str,
    repository: Option<&str>,
) -> Result<(Vec<RegistryPath>, bool), Failure> {
    match (registry, repository) {
        ("-", None) => Ok((
            stdin_lines()?
                .iter()
                .map(|line| registry_path(line))
                .collect::<Result<_, _>>()?,
            true,
        )),
        (_, Some(repository)) if !registry.is_empty() && !repository.is_empty() => {
            Ok((vec![RegistryPath::new(registry, repository)], false))
        }
        _ => Err(Failure::Usage(
            "give REGISTRY and REPOSITORY, or `-` alone to read them from standard input".into(),
        )),
    }
}

/// `REGISTRY REPOSITORY` or `REGISTRY/REPOSITORY`.
fn registry_path(line: &str) -> Result<RegistryPath, Failure> {
    match line.split_whitespace().collect::<Vec<_>>()[..] {
        [registry, repository] => Ok(RegistryPath::new(registry, repository)),
        [path] => path
            .parse()
            .map_err(|error: pyxis_gql::RegistryPathError| Failure::Usage(error.to_string())),
        _ => Err(Failure::Usage(format!(
            "standard input: {line:?} is not `REGISTRY REPOSITORY` or `REGISTRY/REPOSITORY`"
        ))),
    }
}

/// The values without repeats, in first-seen order: a repeated value in another batch would
/// print its results twice.
fn unique(values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .filter(|value| seen.insert(value.clone()))
        .collect()
}

/// The response cache `--cache-ttl` asks for: the answers that do not change under a rebuild,
/// and the lookups by id and by digest.
pub(crate) fn cache(cli: &Cli) -> Result<Option<CacheOptions>, Failure> {
    let Some(seconds) = cli.cache_ttl else {
        return Ok(None);
    };
    CacheOptions::builder()
        .rebuild_safe()
        .kind(OperationKind::ImageById)
        .kind(OperationKind::RepositoryById)
        .kind(OperationKind::ImagesByDigest)
        .ttl(Duration::from_secs_f64(seconds))
        .build()
        .map(Some)
        .map_err(|error| Failure::Usage(format!("--cache-ttl: {}", crate::failure::chain(&error))))
}

/// The client configuration the global options describe, and the secrets it holds (for
/// redacting error messages).
pub(crate) fn config(cli: &Cli, job: &Job) -> Result<(Config, Vec<String>), Failure> {
    let concurrency = usize::from(cli.concurrency);
    // A batched job runs up to `concurrency` crawls at once; their pages share the same budget.
    let page_concurrency = match job.list_len() {
        Some(len) => {
            let batches = len.div_ceil(usize::from(cli.batch_size)).max(1);
            (concurrency / batches.min(concurrency)).max(1)
        }
        None => concurrency,
    };
    let mut builder = Config::builder()
        .endpoint(cli.url.as_str())
        .allow_http(cli.allow_http)
        .user_agent(concat!(
            "pyxis-gql-cli/",
            env!("CARGO_PKG_VERSION"),
            " pyxis-gql"
        ))
        .page_concurrency(page_concurrency)
        .compression(!cli.no_compression)
        .chunk_size(usize::from(cli.batch_size));
    let mut secrets = Vec::new();
    if let (Some(cert), Some(key)) = (&cli.cert, &cli.key) {
        builder = builder.identity(Identity::from_pem(input::bytes(cert)?, input::bytes(key)?));
    }
    for ca in &cli.ca {
        builder = builder.add_root_certificate_pem(input::bytes(ca)?);
    }
    if let Some(var) = &cli.api_key_env {
        let key = std::env::var(var).map_err(|error| {
            let why = match error {
                std::env::VarError::NotPresent => "is not set",
                std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
            };
            Failure::Setup(format!(
                "the environment variable {var} (named by --api-key-env) {why}"
            ))
        })?;
        if key.is_empty() {
            return Err(Failure::Setup(format!(
                "the environment variable {var} (named by --api-key-env) is empty"
            )));
        }
        secrets.push(key.clone());
        builder = builder.api_key(ApiKey::new(key));
    }
    if let Some(proxy) = &cli.proxy {
        if let Some(credentials) = proxy.credentials() {
            secrets.push(credentials.password().to_owned());
        }
        builder = builder.proxy(proxy.clone());
    }
    if cli.no_proxy {
        builder = builder.proxy_policy(ProxyPolicy::Direct);
    }
    if let Some(size) = cli.page_size {
        builder = builder.page_size(size).small_page_size(size);
    }
    if let Some(seconds) = cli.timeout {
        let limit = Duration::from_secs_f64(seconds);
        builder = builder
            .attempt_timeout(limit)
            .connect_timeout(limit.min(Duration::from_secs(10)));
    }
    if let Some(seconds) = cli.database_retry_wait {
        let first = Duration::from_secs_f64(seconds);
        builder = builder
            .retry(RetryPolicy::default().database_timeout_backoff(Backoff::new(first, first * 2)));
    }
    let config = builder.build().map_err(|error| match error {
        ConfigError::PlainHttpRefused => Failure::Usage(
            "--url: refusing a plain http:// endpoint; use https://, or pass --allow-http".into(),
        ),
        ConfigError::InvalidEndpoint(_) | ConfigError::UnsupportedScheme(_) => {
            Failure::Usage(format!("--url: {}", crate::failure::chain(&error)))
        }
        other => Failure::Setup(crate::failure::chain(&other)),
    })?;
    // No endpoint credentials to add: the endpoint refuses URLs that carry any.
    Ok((config, secrets))
}

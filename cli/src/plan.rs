//! From the command line to a [`Job`] and a [`Config`]: everything checked before any request.

use std::time::Duration;

use pyxis_gql::ops::{
    CustomPaginatedQuery, CustomQuery, FindImagesByInstalledRpms, FindImagesByRepository,
    FindLatestImagesByNameVersion, FindRepositories,
};
use pyxis_gql::{ApiKey, Backoff, Config, ConfigError, Identity, RegistryPath, RetryPolicy};
use serde_json::{Map, Value};

use crate::args::{Cli, Command};
use crate::failure::Failure;
use crate::input;

/// One command, with its arguments parsed and its lists read.
#[derive(Debug)]
pub(crate) enum Job {
    /// `repo`.
    Repo(RegistryPath),
    /// `repos`.
    Repos(FindRepositories),
    /// `repos-by-name`.
    ReposByName(String),
    /// `repos-by-paths`, looked up in batches.
    ReposByPaths(Vec<RegistryPath>),
    /// `images-by-nvr`.
    ImagesByNvr {
        /// The NVR.
        nvr: String,
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
    /// `images-by-repository`.
    ImagesByRepository(FindImagesByRepository),
    /// `latest-images`.
    LatestImages {
        /// The search.
        search: FindLatestImagesByNameVersion,
        /// Whether to include RPM manifests.
        rpms: bool,
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
                if registry.is_empty() || repository.is_empty() {
                    return Err(Failure::Usage(
                        "REGISTRY and REPOSITORY must not be empty".into(),
                    ));
                }
                Self::Repo(RegistryPath::new(registry, repository))
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
            Command::ReposByName { repository } => Self::ReposByName(repository.clone()),
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
                nvr: nvr.clone(),
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
                let mut search = FindImagesByRepository::new(repository);
                if !auto_rebuild_tag.is_empty() {
                    search = search.auto_rebuild_tags(auto_rebuild_tag.clone());
                }
                Self::ImagesByRepository(search)
            }
            Command::LatestImages {
                name,
                version,
                no_rpms,
                published,
                content_set,
            } => {
                let mut search =
                    FindLatestImagesByNameVersion::new(name, version).include_rpms(!no_rpms);
                if let Some(published) = published {
                    search = search.published(*published);
                }
                if !content_set.is_empty() {
                    search = search.content_sets(content_set.clone());
                }
                Self::LatestImages {
                    search,
                    rpms: !no_rpms,
                }
            }
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

/// The values without repeats, in first-seen order: a repeated value in another batch would
/// print its results twice.
fn unique(values: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    values
        .into_iter()
        .filter(|value| seen.insert(value.clone()))
        .collect()
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

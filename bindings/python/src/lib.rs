//! `pyxis_gql._native`: the Rust client under the Python package `pyxis_gql`.
//!
//! One class, `NativeClient`, whose methods run the library's operations on one tokio runtime
//! shared by the whole module (pyo3-async-runtimes'), either as an awaitable (the Rust call is
//! dropped when the awaiting task is cancelled) or blocking with the GIL released. Results come
//! back as plain Python objects with Pyxis's field names; the Python layer (`pyxis_gql`) gives
//! them the shapes and exceptions of the classes it replaces.

#![forbid(unsafe_code)]

mod error;
mod json;
mod seed;

use std::collections::HashSet;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyxis_gql::cache::{CacheOptions, CachedTransport};
use pyxis_gql::model::RegistryPath;
use pyxis_gql::ops::{
    FindImagesByInstalledRpms, FindImagesByNames, FindImagesByNvr, FindImagesByNvrs,
    FindImagesByRepository, FindLatestImagesByNameVersion, FindRepositories,
    FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName,
};
use pyxis_gql::{ApiKey, Client, Config, Error, Identity, TimeoutScope, Transport};
use pyxis_gql_tokio::TokioTransport;
use serde_json::Value;

use crate::json::{Json, RawItem, RepositoryJson};

/// The process whose threads run the module's runtime, once it has started.
static RUNTIME_PROCESS: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// Whether this process may use the module's runtime: not a child forked after it started.
fn runtime_usable() -> PyResult<()> {
    match RUNTIME_PROCESS.get() {
        Some(&owner) if owner != std::process::id() => Err(error::forked()),
        _ => Ok(()),
    }
}

/// Fields the client selects for its own checks, which the replaced classes never returned.
const INTERNAL_IMAGE_FIELDS: &[&str] = &["_id"];
const INTERNAL_REPOSITORY_FIELDS: &[&str] = &["_id", "registry"];

/// A Pyxis client; see the module docs.
#[pyclass(frozen, module = "pyxis_gql._native")]
struct NativeClient {
    client: Arc<Client<Box<dyn Transport>>>,
    /// The process that made the client: its runtime and connections live there.
    pid: u32,
    internal_fields: bool,
}

/// What a call found, before it becomes Python objects: a list of items as JSON text, or one
/// object (`null` for none).
enum Found {
    Items(Vec<RawItem>),
    One(Value),
}

type Answer = Result<Found, Error>;

#[pymethods]
impl NativeClient {
    /// A client of the Pyxis GraphQL endpoint `url`. `cert` is a PEM client certificate chain;
    /// `key` its private key, or `None` when `cert` holds both. `ca` lists extra CA bundles to
    /// trust. `timeout` (seconds) bounds each call; `internal_fields` keeps `_id` (and a
    /// repository's `registry`) in the results. `cache_ttl` (seconds) keeps the answers that do
    /// not change under a rebuild (repository lookups, images by NVR) that long.
    #[new]
    #[pyo3(signature = (url, cert=None, key=None, *, timeout=None, api_key=None, ca=Vec::new(), allow_http=false, internal_fields=false, cache_ttl=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        url: String,
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
        timeout: Option<f64>,
        api_key: Option<String>,
        ca: Vec<PathBuf>,
        allow_http: bool,
        internal_fields: bool,
        cache_ttl: Option<f64>,
    ) -> PyResult<Self> {
        runtime_usable()?;
        let read = |path: &PathBuf| {
            std::fs::read(path).map_err(|e| error::config(format!("{}: {e}", path.display())))
        };
        let mut builder = Config::builder()
            .endpoint(url)
            .allow_http(allow_http)
            .user_agent(concat!("pyxis-gql-python/", env!("CARGO_PKG_VERSION")));
        if let Some(cert) = &cert {
            let chain = read(cert)?;
            let key = match &key {
                Some(key) => read(key)?,
                None => chain.clone(),
            };
            builder = builder.identity(Identity::from_pem(chain, key));
        }
        for bundle in &ca {
            builder = builder.add_root_certificate_pem(read(bundle)?);
        }
        if let Some(api_key) = api_key {
            builder = builder.api_key(ApiKey::new(api_key));
        }
        if let Some(seconds) = timeout {
            let limit = Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|limit| !limit.is_zero())
                .ok_or_else(|| error::config(format!("timeout {seconds} is not a duration")))?;
            builder = builder.deadline(limit);
        }
        let config = builder.build().map_err(|e| error::config(e.to_string()))?;
        let transport =
            TokioTransport::new(config.transport()).map_err(|e| error::config(e.to_string()))?;
        let transport: Box<dyn Transport> = match cache_ttl {
            None => Box::new(transport),
            Some(seconds) => {
                let ttl = Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|ttl| !ttl.is_zero())
                    .ok_or_else(|| {
                        error::config(format!("cache_ttl {seconds} is not a duration"))
                    })?;
                let options = CacheOptions::builder()
                    .rebuild_safe()
                    .ttl(ttl)
                    .build()
                    .map_err(|e| error::config(e.to_string()))?;
                Box::new(CachedTransport::new(
                    transport,
                    options,
                    Instant::now as fn() -> Instant,
                ))
            }
        };
        Ok(Self {
            client: Arc::new(Client::from_config(transport, &config)),
            pid: std::process::id(),
            internal_fields,
        })
    }

    #[pyo3(signature = (published, release_categories, auto_rebuild_tags, names, blocking))]
    fn find_repositories<'py>(
        &self,
        py: Python<'py>,
        published: Option<bool>,
        release_categories: Option<Vec<String>>,
        auto_rebuild_tags: Option<Vec<String>>,
        names: Option<Vec<String>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut search = FindRepositories::new();
        if let Some(published) = published {
            search = search.published(published);
        }
        if let Some(categories) = given(release_categories) {
            search = search.release_categories(categories);
        }
        if let Some(tags) = given(auto_rebuild_tags) {
            search = search.auto_rebuild_tags(tags);
        }
        if let Some(names) = given(names) {
            search = search.names(names);
        }
        let client = Arc::clone(&self.client);
        self.run(py, blocking, true, async move {
            items(client.fetch_chunked(Json::new(search)).await)
        })
    }

    fn find_repositories_by_repository_name<'py>(
        &self,
        py: Python<'py>,
        repository: String,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = Arc::clone(&self.client);
        let search = FindRepositoriesByRepositoryName::new(repository);
        self.run(py, blocking, true, async move {
            items(client.fetch_all(Json::new(search)).await)
        })
    }

    fn find_repositories_by_registry_paths<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<(String, String)>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let paths = paths
            .into_iter()
            .map(|(registry, repository)| RegistryPath::new(registry, repository));
        let search = FindRepositoriesByRegistryPaths::new(paths);
        let client = Arc::clone(&self.client);
        self.run(py, blocking, true, async move {
            items(client.fetch_chunked(Json::new(search)).await)
        })
    }

    fn get_repository_by_registry_path<'py>(
        &self,
        py: Python<'py>,
        registry: String,
        repository: String,
        missing_is_error: bool,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let lookup = RepositoryJson::new(RegistryPath::new(registry, repository), missing_is_error);
        let client = Arc::clone(&self.client);
        self.run(py, blocking, true, async move {
            client.execute(&lookup).await.map(Found::One)
        })
    }

    fn find_images_by_nvr<'py>(
        &self,
        py: Python<'py>,
        nvr: String,
        include_rpms: bool,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let search = FindImagesByNvr::new(nvr, include_rpms);
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            items(client.fetch_all(Json::new(search)).await)
        })
    }

    fn find_images_by_nvrs<'py>(
        &self,
        py: Python<'py>,
        nvrs: Vec<String>,
        include_rpms: bool,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let search = FindImagesByNvrs::new(nvrs, include_rpms);
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            items(client.fetch_chunked(Json::new(search)).await)
        })
    }

    #[pyo3(signature = (rpm_names, content_sets, repositories, published, tags, blocking))]
    #[allow(clippy::too_many_arguments)]
    fn find_images_by_installed_rpms<'py>(
        &self,
        py: Python<'py>,
        rpm_names: Vec<String>,
        content_sets: Option<Vec<String>>,
        repositories: Option<Vec<String>>,
        published: Option<bool>,
        tags: Option<Vec<String>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let wanted: HashSet<String> = rpm_names.iter().cloned().collect();
        let mut search = FindImagesByInstalledRpms::new(rpm_names);
        if let Some(content_sets) = given(content_sets) {
            search = search.content_sets(content_sets);
        }
        if let Some(repositories) = given(repositories) {
            search = search.repositories(repositories);
        }
        if let Some(published) = published {
            search = search.published(published);
        }
        if let Some(tags) = given(tags) {
            search = search.tags(tags);
        }
        let search = Json {
            operation: search,
            rpms: Some(wanted),
        };
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            items(client.fetch_chunked(search).await)
        })
    }

    fn find_images_by_names<'py>(
        &self,
        py: Python<'py>,
        names: Vec<String>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let search = FindImagesByNames::new(names);
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            items(client.fetch_chunked(Json::new(search)).await)
        })
    }

    #[pyo3(signature = (repository, auto_rebuild_tags, blocking))]
    fn find_images_by_repository<'py>(
        &self,
        py: Python<'py>,
        repository: String,
        auto_rebuild_tags: Option<Vec<String>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut search = FindImagesByRepository::new(repository);
        if let Some(tags) = given(auto_rebuild_tags) {
            search = search.auto_rebuild_tags(tags);
        }
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            items(client.fetch_all(Json::new(search)).await)
        })
    }

    #[pyo3(signature = (name, version, published, content_sets, blocking))]
    fn find_latest_images_by_name_version<'py>(
        &self,
        py: Python<'py>,
        name: String,
        version: String,
        published: Option<bool>,
        content_sets: Option<Vec<String>>,
        blocking: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut search = FindLatestImagesByNameVersion::new(name, version);
        if let Some(published) = published {
            search = search.published(published);
        }
        if let Some(content_sets) = given(content_sets) {
            search = search.content_sets(content_sets);
        }
        let client = Arc::clone(&self.client);
        self.run(py, blocking, false, async move {
            // Both steps under the one deadline of the call, as the client's own method has it.
            let steps = async {
                let candidates = client.fetch_all(search.candidates()).await?;
                match search.pick_latest(&candidates) {
                    Some(build) => {
                        items(client.fetch_all(Json::new(search.images_of(&build))).await)
                    }
                    None => Ok(Found::Items(Vec::new())),
                }
            };
            match client.options().deadline() {
                None => steps.await,
                Some(limit) => {
                    tokio::time::timeout(limit, steps)
                        .await
                        .unwrap_or(Err(Error::Timeout {
                            after: limit,
                            scope: TimeoutScope::Deadline,
                        }))
                }
            }
        })
    }
}

impl NativeClient {
    /// Runs `call` on the module's runtime: awaitable, or blocking with the GIL released.
    /// `repositories` says which internal fields to drop from the answer.
    fn run<'py>(
        &self,
        py: Python<'py>,
        blocking: bool,
        repositories: bool,
        call: impl Future<Output = Answer> + Send + 'static,
    ) -> PyResult<Bound<'py, PyAny>> {
        if std::process::id() != self.pid {
            return Err(error::forked());
        }
        runtime_usable()?;
        RUNTIME_PROCESS.get_or_init(std::process::id);
        let internal: &'static [&'static str] = match (self.internal_fields, repositories) {
            (true, _) => &[],
            (false, true) => INTERNAL_REPOSITORY_FIELDS,
            (false, false) => INTERNAL_IMAGE_FIELDS,
        };
        if blocking {
            let runtime = pyo3_async_runtimes::tokio::get_runtime();
            let found = py
                .detach(|| runtime.block_on(call))
                .map_err(|e| error::to_python(&e))?;
            to_python(py, found, internal)
        } else {
            // The answer becomes Python objects on the event loop's thread (`Answered.take`),
            // which holds the GIL already, not on a runtime thread waiting for it.
            pyo3_async_runtimes::tokio::future_into_py(py, async move {
                let found = call.await.map_err(|e| error::to_python(&e))?;
                Ok(Answered(std::sync::Mutex::new(Some((found, internal)))))
            })
        }
    }
}

/// An awaited call's answer, turned into Python objects by `take()` in the awaiting coroutine.
#[pyclass(frozen, module = "pyxis_gql._native")]
struct Answered(std::sync::Mutex<Option<(Found, &'static [&'static str])>>);

#[pymethods]
impl Answered {
    /// The answer as Python objects; a second call is an error.
    fn take<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let taken = self
            .0
            .lock()
            .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("a poisoned answer"))?
            .take();
        match taken {
            Some((found, internal)) => to_python(py, found, internal),
            None => Err(pyo3::exceptions::PyRuntimeError::new_err(
                "the answer was taken",
            )),
        }
    }
}

/// What a call found as Python objects, without the `internal` fields.
fn to_python<'py>(py: Python<'py>, found: Found, internal: &[&str]) -> PyResult<Bound<'py, PyAny>> {
    let drop_internal = |object: &Bound<'py, PyAny>| -> PyResult<()> {
        if let Ok(dict) = object.cast::<PyDict>() {
            for field in internal {
                if dict.contains(*field)? {
                    dict.del_item(*field)?;
                }
            }
        }
        Ok(())
    };
    match found {
        Found::One(value) => {
            // One small object: through its text, by the same converter as the lists.
            let text = serde_json::to_vec(&value).map_err(|e| error::response(e.to_string()))?;
            let object = seed::parse(py, &text, &seed::Keys::default())?;
            drop_internal(&object)?;
            Ok(object)
        }
        Found::Items(items) => {
            let keys = seed::Keys::default();
            let list = PyList::empty(py);
            for item in items {
                let object = seed::parse(py, item.json.get().as_bytes(), &keys)?;
                drop_internal(&object)?;
                list.append(object)?;
            }
            Ok(list.into_any())
        }
    }
}

/// A list argument as the replaced classes read it: empty means not given.
fn given(values: Option<Vec<String>>) -> Option<Vec<String>> {
    values.filter(|values| !values.is_empty())
}

fn items(found: Result<Vec<RawItem>, Error>) -> Answer {
    found.map(Found::Items)
}

/// The items of one paginated response body under `root_field`, as the clients return them:
/// what the bench measures against `json.loads`.
#[pyfunction]
fn decode_page<'py>(py: Python<'py>, body: &[u8], root_field: &str) -> PyResult<Bound<'py, PyAny>> {
    let keys = seed::Keys::default();
    let whole = seed::parse(py, body, &keys)?;
    if let Ok(errors) = whole.get_item("errors") {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "GraphQL errors: {errors}"
        )));
    }
    whole
        .get_item("data")?
        .get_item(root_field)?
        .get_item("data")
}

/// The native module.
#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<NativeClient>()?;
    module.add_class::<Answered>()?;
    module.add_function(wrap_pyfunction!(decode_page, module)?)?;
    module.add("NativeError", module.py().get_type::<error::NativeError>())?;
    Ok(())
}

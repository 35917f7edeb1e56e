"""Pyxis GraphQL clients on the pyxis-gql Rust core: drop-in ``PyxisGQL`` and ``PyxisAsyncGQL``.

Change one import and keep the calls::

    from pyxis_gql import PyxisAsyncGQL, PyxisGQL, PyxisGQLRequestError

Results are plain ``dict``/``list`` values with Pyxis's field names, exactly the fields the
replaced classes select (``_id`` and a repository's ``registry``, which the client reads for its
own checks, only with ``internal_fields=True``). Pages are fetched concurrently, long lists in
chunks of 20, transient failures retried, connections reused; every call runs on one tokio
runtime shared by the module, with the GIL released while it waits.
"""

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from pyxis_gql._errors import (
    PyxisGQLConfigError,
    PyxisGQLForkError,
    PyxisGQLHTTPError,
    PyxisGQLQueryError,
    PyxisGQLRequestError,
    PyxisGQLRequestTimeout,
    PyxisGQLResponseError,
    PyxisGQLTimeoutError,
    PyxisGQLTLSError,
    PyxisGQLTransportError,
    convert,
)
from pyxis_gql._native import NativeClient, NativeError

__all__ = [
    "PyxisAsyncGQL",
    "PyxisGQL",
    "PyxisGQLConfigError",
    "PyxisGQLForkError",
    "PyxisGQLHTTPError",
    "PyxisGQLQueryError",
    "PyxisGQLRequestError",
    "PyxisGQLRequestTimeout",
    "PyxisGQLResponseError",
    "PyxisGQLTimeoutError",
    "PyxisGQLTLSError",
    "PyxisGQLTransportError",
]

#: The replaced async class's default bound on a call, in seconds.
ASYNCIO_TIMEOUT_S = 5 * 60

#: How long the sync client keeps answers that do not change under a rebuild, in seconds: the
#: replaced sync class's 20 minutes.
CACHE_TTL_S = 20 * 60


def _strings(values: Optional[Iterable[str]]) -> Optional[List[str]]:
    """A list argument as a list of strings; dict keys and sets are accepted as callers pass
    them."""
    if values is None:
        return None
    return [str(value) for value in values]


def _paths(registry_paths: Iterable[Dict[str, str]]) -> List[Tuple[str, str]]:
    return [(path["registry"], path["repository"]) for path in registry_paths]


def _native(
    url: str,
    cert: Optional[str],
    key: Optional[str],
    timeout: Optional[float],
    api_key: Optional[str],
    ca: Union[None, str, Sequence[str]],
    internal_fields: bool,
    cache_ttl: Optional[float],
) -> NativeClient:
    bundles = [ca] if isinstance(ca, str) else list(ca or [])
    try:
        return NativeClient(
            url,
            cert,
            key,
            timeout=timeout,
            api_key=api_key,
            ca=bundles,
            internal_fields=internal_fields,
            cache_ttl=cache_ttl,
        )
    except NativeError as error:
        raise convert(error) from None


class PyxisAsyncGQL:
    """Async Pyxis client; every method is a coroutine.

    ``certpath`` and ``keypath`` are the client certificate and its key (PEM files);
    ``timeout`` bounds each call in seconds (300 when not given). ``api_key`` is sent as
    ``X-API-KEY``; ``ca`` adds CA bundles to trust. Cancelling the awaiting task cancels the
    request. Nothing is cached unless ``cache_ttl`` (seconds) is given; then repository lookups
    and images by NVR are kept that long, as ``PyxisGQL`` keeps them.
    """

    def __init__(
        self,
        url: str,
        certpath: Optional[str],
        keypath: Optional[str],
        timeout: Optional[float] = None,
        *,
        api_key: Optional[str] = None,
        ca: Union[None, str, Sequence[str]] = None,
        internal_fields: bool = False,
        cache_ttl: Optional[float] = None,
    ) -> None:
        self.url = url
        self.certpath = certpath
        self.keypath = keypath
        self.timeout = timeout if timeout else ASYNCIO_TIMEOUT_S
        self._native = _native(
            url, certpath, keypath, self.timeout, api_key, ca, internal_fields, cache_ttl
        )

    async def _run(self, method: str, *args: Any) -> Any:
        try:
            answered = await getattr(self._native, method)(*args, False)
            return answered.take()
        except NativeError as error:
            raise convert(error) from None

    async def find_repositories(
        self,
        published: Optional[bool] = None,
        release_categories: Optional[List[str]] = None,
        auto_rebuild_tags: Optional[List[str]] = None,
        names: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """The redhat repositories, narrowed by the arguments given."""
        return await self._run(
            "find_repositories",
            published if isinstance(published, bool) else None,
            _strings(release_categories),
            _strings(auto_rebuild_tags),
            _strings(names),
        )

    async def find_repositories_by_repository_name(self, repository: str) -> List[Dict[str, Any]]:
        """The redhat repositories named ``repository``, in any registry."""
        return await self._run("find_repositories_by_repository_name", repository)

    async def find_repositories_by_registry_paths(
        self, registry_paths: List[Dict[str, str]]
    ) -> List[Dict[str, Any]]:
        """The repositories at ``[{"registry": ..., "repository": ...}, ...]``."""
        return await self._run("find_repositories_by_registry_paths", _paths(registry_paths))

    async def get_repository_by_registry_path(
        self, repository: str, registry: str
    ) -> Optional[Dict[str, Any]]:
        """The repository at ``registry``/``repository``, or ``None`` when Pyxis has none.
        Note the argument order, as the replaced async class has it: repository first."""
        return await self._run("get_repository_by_registry_path", registry, repository, False)

    async def get_repository_by_path(
        self, repository: str, registry: str
    ) -> Optional[Dict[str, Any]]:
        """The name the async usage guide uses for
        :meth:`get_repository_by_registry_path`."""
        return await self.get_repository_by_registry_path(repository, registry)

    async def find_images_by_nvr(
        self, nvr: str, include_rpms: Optional[bool] = True
    ) -> List[Dict[str, Any]]:
        """The images built from ``nvr``, with RPM manifests when ``include_rpms``."""
        return await self._run("find_images_by_nvr", nvr, bool(include_rpms))

    async def find_images_by_nvrs(
        self, nvrs: List[str], include_rpms: Optional[bool] = True
    ) -> List[Dict[str, Any]]:
        """The images built from any of ``nvrs``."""
        return await self._run("find_images_by_nvrs", _strings(nvrs), bool(include_rpms))

    async def find_images_by_installed_rpms(
        self,
        rpm_names: List[str],
        content_sets: Optional[List[str]] = None,
        repositories: Optional[List[str]] = None,
        published: Optional[bool] = None,
        tags: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """The images shipping any of ``rpm_names``; each image's RPM list keeps only those."""
        return await self._run(
            "find_images_by_installed_rpms",
            _strings(rpm_names),
            _strings(content_sets),
            _strings(repositories),
            published if isinstance(published, bool) else None,
            _strings(tags),
        )

    async def find_images_by_names(self, names: List[str]) -> List[Dict[str, Any]]:
        """The published images of the packages ``names``, without RPMs."""
        return await self._run("find_images_by_names", _strings(names))

    async def find_images_by_repository(
        self, repository: str, auto_rebuild_tags: Optional[List[str]] = None
    ) -> List[Dict[str, Any]]:
        """The images published in ``repository``, optionally with one of some tags there."""
        return await self._run(
            "find_images_by_repository", repository, _strings(auto_rebuild_tags)
        )

    async def find_latest_images_by_name_version(
        self,
        name: str,
        version: str,
        published: Optional[bool] = None,
        content_sets: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """Every image of the highest build of ``name`` at ``version`` (RPM's version
        comparison), with RPM manifests; ``[]`` when there is none."""
        return await self._run(
            "find_latest_images_by_name_version",
            name,
            version,
            published if isinstance(published, bool) else None,
            _strings(content_sets),
        )


class PyxisGQL:
    """Sync Pyxis client; each call blocks with the GIL released.

    ``cert`` is a ``(certpath, keypath)`` pair or one PEM file holding both.

    As the replaced class does, it keeps for 20 minutes (``cache_ttl`` seconds; ``None`` keeps
    nothing) the answers that do not change under a rebuild: repository lookups and images by
    NVR. Images by installed RPM, by name and by repository, and the latest images, are always
    asked afresh. Errors, "not found" included, are never kept.
    """

    def __init__(
        self,
        url: str,
        cert: Union[str, Tuple[str, str], None],
        *,
        timeout: Optional[float] = None,
        api_key: Optional[str] = None,
        ca: Union[None, str, Sequence[str]] = None,
        internal_fields: bool = False,
        cache_ttl: Optional[float] = CACHE_TTL_S,
    ) -> None:
        if isinstance(cert, (tuple, list)):
            certpath, keypath = cert
        else:
            certpath, keypath = cert, None
        self._native = _native(
            url, certpath, keypath, timeout, api_key, ca, internal_fields, cache_ttl
        )

    def _run(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self._native, method)(*args, True)
        except NativeError as error:
            raise convert(error) from None

    def find_repositories(
        self,
        published: Optional[bool] = None,
        release_categories: Optional[List[str]] = None,
        auto_rebuild_tags: Optional[List[str]] = None,
        names: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """The redhat repositories, narrowed by the arguments given."""
        return self._run(
            "find_repositories",
            published if isinstance(published, bool) else None,
            _strings(release_categories),
            _strings(auto_rebuild_tags),
            _strings(names),
        )

    def find_repositories_by_repository_name(self, repository: str) -> List[Dict[str, Any]]:
        """The redhat repositories named ``repository``, in any registry."""
        return self._run("find_repositories_by_repository_name", repository)

    def find_repositories_by_registry_paths(
        self, registry_paths: List[Dict[str, str]]
    ) -> List[Dict[str, Any]]:
        """The repositories at ``[{"registry": ..., "repository": ...}, ...]``."""
        return self._run("find_repositories_by_registry_paths", _paths(registry_paths))

    def get_repository_by_registry_path(self, registry: str, repository: str) -> Dict[str, Any]:
        """The repository at ``registry``/``repository``; a missing one raises
        :class:`PyxisGQLRequestError` with Pyxis's own 404 error."""
        return self._run("get_repository_by_registry_path", registry, repository, True)

    def find_images_by_nvr(self, nvr: str, include_rpms: bool = True) -> List[Dict[str, Any]]:
        """The images built from ``nvr``, with RPM manifests when ``include_rpms``."""
        return self._run("find_images_by_nvr", nvr, bool(include_rpms))

    def find_images_by_nvrs(
        self, nvrs: List[str], include_rpms: bool = True
    ) -> List[Dict[str, Any]]:
        """The images built from any of ``nvrs``."""
        return self._run("find_images_by_nvrs", _strings(nvrs), bool(include_rpms))

    def find_images_by_installed_rpms(
        self,
        rpm_names: List[str],
        content_sets: Optional[List[str]] = None,
        repositories: Optional[List[str]] = None,
        published: Optional[bool] = None,
        tags: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """The images shipping any of ``rpm_names``; each image's RPM list keeps only those."""
        return self._run(
            "find_images_by_installed_rpms",
            _strings(rpm_names),
            _strings(content_sets),
            _strings(repositories),
            published if isinstance(published, bool) else None,
            _strings(tags),
        )

    def find_images_by_names(self, names: List[str]) -> List[Dict[str, Any]]:
        """The published images of the packages ``names``, without RPMs."""
        return self._run("find_images_by_names", _strings(names))

    def find_images_by_repository(
        self, repository: str, auto_rebuild_tags: Optional[List[str]] = None
    ) -> List[Dict[str, Any]]:
        """The images published in ``repository``, optionally with one of some tags there."""
        return self._run("find_images_by_repository", repository, _strings(auto_rebuild_tags))

    def find_latest_images_by_name_version(
        self,
        name: str,
        version: str,
        published: Optional[bool] = None,
        content_sets: Optional[List[str]] = None,
    ) -> List[Dict[str, Any]]:
        """Every image of the highest build of ``name`` at ``version`` (RPM's version
        comparison), with RPM manifests; ``[]`` when there is none."""
        return self._run(
            "find_latest_images_by_name_version",
            name,
            version,
            published if isinstance(published, bool) else None,
            _strings(content_sets),
        )

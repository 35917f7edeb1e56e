from os import PathLike
from typing import Any, Awaitable, Dict, List, Optional, Sequence, Tuple, Union

_Path = Union[str, PathLike]

class NativeError(Exception):
    """A failed call: ``args`` is ``(kind, message, status, detail, trace_id)``."""

class Answered:
    """An awaited call's answer."""

    def take(self) -> Any:
        """The answer as Python objects (once)."""

class NativeClient:
    def __init__(
        self,
        url: str,
        cert: Optional[_Path] = None,
        key: Optional[_Path] = None,
        *,
        timeout: Optional[float] = None,
        api_key: Optional[str] = None,
        ca: Sequence[_Path] = ...,
        allow_http: bool = False,
        internal_fields: bool = False,
        cache_ttl: Optional[float] = None,
    ) -> None: ...
    # Each method returns its result when ``blocking``, else an awaitable of an ``Answered``.
    def find_repositories(
        self,
        published: Optional[bool],
        release_categories: Optional[List[str]],
        auto_rebuild_tags: Optional[List[str]],
        names: Optional[List[str]],
        blocking: bool,
    ) -> Any: ...
    def find_repositories_by_repository_name(self, repository: str, blocking: bool) -> Any: ...
    def find_repositories_by_registry_paths(
        self, paths: List[Tuple[str, str]], blocking: bool
    ) -> Any: ...
    def get_repository_by_registry_path(
        self, registry: str, repository: str, missing_is_error: bool, blocking: bool
    ) -> Any: ...
    def find_images_by_nvr(self, nvr: str, include_rpms: bool, blocking: bool) -> Any: ...
    def find_images_by_nvrs(self, nvrs: List[str], include_rpms: bool, blocking: bool) -> Any: ...
    def find_images_by_installed_rpms(
        self,
        rpm_names: List[str],
        content_sets: Optional[List[str]],
        repositories: Optional[List[str]],
        published: Optional[bool],
        tags: Optional[List[str]],
        blocking: bool,
    ) -> Any: ...
    def find_images_by_names(self, names: List[str], blocking: bool) -> Any: ...
    def find_images_by_repository(
        self, repository: str, auto_rebuild_tags: Optional[List[str]], blocking: bool
    ) -> Any: ...
    def find_latest_images_by_name_version(
        self,
        name: str,
        version: str,
        published: Optional[bool],
        content_sets: Optional[List[str]],
        blocking: bool,
    ) -> Any: ...

Result = Union[List[Dict[str, Any]], Optional[Dict[str, Any]]]
Pending = Awaitable[Result]

def decode_page(body: bytes, root_field: str) -> List[Dict[str, Any]]:
    """The items of one paginated response body under ``root_field``."""

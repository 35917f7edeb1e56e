"""Every method of both classes against the loopback, compared with its documents."""

import asyncio
import inspect
from typing import Any

import pytest

import expected
from pyxis_gql import PyxisAsyncGQL, PyxisGQL, PyxisGQLRequestError


@pytest.fixture(params=["sync", "async"])
def client(request: Any, loopback: Any) -> Any:
    if request.param == "sync":
        return PyxisGQL(loopback.url, (loopback.cert, loopback.key), ca=loopback.ca)
    return PyxisAsyncGQL(loopback.url, loopback.cert, loopback.key, ca=loopback.ca)


def call(client: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    """Runs `method` on either class: awaited for the async one."""
    result = getattr(client, method)(*args, **kwargs)
    if inspect.iscoroutine(result):
        return asyncio.run(result)
    return result


def ids_of(images: Any) -> list:
    return [expected.image(i)["brew"]["build"] for i in images]


def test_find_repositories(client: Any, loopback: Any) -> None:
    redhat = [r for r in loopback.repositories if r.get("vendor_label") == "redhat"]
    assert call(client, "find_repositories") == [expected.repository(r) for r in redhat]
    narrowed = call(
        client, "find_repositories", published=True, release_categories=["Generally Available"]
    )
    assert narrowed == [
        expected.repository(r)
        for r in redhat
        if r.get("published") is True
        and "Generally Available" in (r.get("release_categories") or [])
    ]
    names = [r["repository"] for r in redhat[:25]]
    assert call(client, "find_repositories", names=names) == [
        expected.repository(r) for r in redhat if r["repository"] in names
    ]
    # An empty list does not narrow, as the replaced classes read it.
    assert len(call(client, "find_repositories", auto_rebuild_tags=[])) == len(redhat)


def test_find_repositories_by_repository_name(client: Any, loopback: Any) -> None:
    name = loopback.repositories[0]["repository"]
    assert call(client, "find_repositories_by_repository_name", name) == [
        expected.repository(r)
        for r in loopback.repositories
        if r["repository"] == name and r.get("vendor_label") == "redhat"
    ]


def test_find_repositories_by_registry_paths(client: Any, loopback: Any) -> None:
    wanted = loopback.repositories[::7]
    paths = [{"registry": r["registry"], "repository": r["repository"]} for r in wanted]
    paths.append({"registry": "nowhere.example", "repository": "none"})
    found = call(client, "find_repositories_by_registry_paths", paths)
    assert sorted(found, key=lambda r: r["repository"]) == sorted(
        (expected.repository(r) for r in wanted), key=lambda r: r["repository"]
    )


def test_get_repository_by_registry_path(loopback: Any) -> None:
    doc = loopback.repositories[3]
    sync = PyxisGQL(loopback.url, loopback.cert_and_key, ca=loopback.ca)
    assert sync.get_repository_by_registry_path(doc["registry"], doc["repository"]) == (
        expected.repository(doc)
    )
    with pytest.raises(PyxisGQLRequestError) as raised:
        sync.get_repository_by_registry_path("nowhere.example", "none")
    assert raised.value.error.startswith("{'status': 404, 'detail': '")
    assert raised.value.trace_id

    asynchronous = PyxisAsyncGQL(loopback.url, loopback.cert, loopback.key, ca=loopback.ca)
    # The async class takes (repository, registry), and its guide calls it get_repository_by_path.
    for method in ("get_repository_by_registry_path", "get_repository_by_path"):
        lookup = getattr(asynchronous, method)
        assert asyncio.run(lookup(doc["repository"], doc["registry"])) == expected.repository(doc)
        assert asyncio.run(lookup("none", "nowhere.example")) is None


def test_find_images_by_nvr(client: Any, loopback: Any) -> None:
    nvr = "busy-container-1.2-10"
    docs = [i for i in loopback.images if i["brew"]["build"] == nvr]
    assert len(docs) == 3
    assert call(client, "find_images_by_nvr", nvr) == [expected.image(i) for i in docs]
    lean = call(client, "find_images_by_nvr", nvr, include_rpms=False)
    assert lean == [expected.image(i, with_rpms=False) for i in docs]
    assert all("edges" not in image and "_id" not in image for image in lean)


def test_find_images_by_nvrs(client: Any, loopback: Any) -> None:
    nvrs = sorted({i["brew"]["build"] for i in loopback.images})[:45]
    found = call(client, "find_images_by_nvrs", nvrs, False)
    # Chunks of 20 NVRs, each chunk's images in `_id` order.
    want = []
    for start in range(0, len(nvrs), 20):
        chunk = nvrs[start : start + 20]
        want += [expected.image(i, with_rpms=False) for i in loopback.images if i["brew"]["build"] in chunk]
    assert found == want


def test_find_images_by_installed_rpms(client: Any, loopback: Any) -> None:
    found = call(
        client, "find_images_by_installed_rpms", {"openssl": ["x"]}, published=True, tags={"latest"}
    )
    docs = [
        i
        for i in loopback.images
        if any(r.get("name") == "openssl" for r in (i.get("rpm_manifest") or {}).get("rpms", []))
        and any(
            r.get("published") is True and any(t.get("name") == "latest" for t in r.get("tags") or [])
            for r in i.get("repositories") or []
        )
    ]
    assert docs, "the dataset has such images"
    assert found == [expected.image(i, rpms=["openssl"]) for i in docs]


def test_find_images_by_names(client: Any, loopback: Any) -> None:
    names = ["busy-container", "a.b-container", "foo++-container"]
    found = call(client, "find_images_by_names", names)
    assert found == [
        expected.image(i, with_rpms=False)
        for i in loopback.images
        if i["brew"]["package"] in names and expected.published(i)
    ]


def test_find_images_by_repository(client: Any, loopback: Any) -> None:
    repository = loopback.images[0]["repositories"][0]["repository"]

    def matches(doc: Any) -> bool:
        return any(
            r.get("published") is True
            and r.get("repository") == repository
            and any(t.get("name") == "latest" for t in r.get("tags") or [])
            for r in doc.get("repositories") or []
        )

    found = call(client, "find_images_by_repository", repository, auto_rebuild_tags=["latest"])
    assert found == [expected.image(i, with_rpms=False) for i in loopback.images if matches(i)]


def test_find_latest_images_by_name_version(client: Any, loopback: Any) -> None:
    found = call(client, "find_latest_images_by_name_version", "busy-container", "1.2")
    docs = [i for i in loopback.images if i["brew"]["build"] == "busy-container-1.2-10"]
    assert found == [expected.image(i) for i in docs]
    assert call(client, "find_latest_images_by_name_version", "busy-container", "7.7") == []
    assert [i["brew"]["build"] for i in call(
        client, "find_latest_images_by_name_version", "a.b-container", "1.0"
    )] == ["a.b-container-1.0-2"]


def test_internal_fields_only_when_asked(loopback: Any) -> None:
    client = PyxisGQL(loopback.url, (loopback.cert, loopback.key), ca=loopback.ca, internal_fields=True)
    repository = client.find_repositories()[0]
    assert "_id" in repository and "registry" in repository
    assert "_id" in client.find_images_by_nvr("busy-container-1.2-10", False)[0]


def test_the_sync_client_keeps_rebuild_safe_answers(slow_loopback: Any) -> None:
    server = slow_loopback
    repository = server.repositories[0]
    cert = (server.cert, server.key)
    cached = PyxisGQL(server.url, cert, ca=server.ca)
    first = cached.get_repository_by_registry_path(repository["registry"], repository["repository"])
    again = cached.get_repository_by_registry_path(repository["registry"], repository["repository"])
    assert again == first and first["repository"] == repository["repository"]
    assert server.stats()["requests"] == 1
    nvr = server.images[0]["brew"]["build"]
    assert cached.find_images_by_nvr(nvr) == cached.find_images_by_nvr(nvr)
    assert server.stats()["requests"] == 2
    # Images by name change under a rebuild: asked afresh every time.
    package = server.images[0]["brew"]["package"]
    before = server.stats()["requests"]
    cached.find_images_by_names([package])
    cached.find_images_by_names([package])
    assert server.stats()["requests"] >= before + 2

    uncached = PyxisGQL(server.url, cert, ca=server.ca, cache_ttl=None)
    before = server.stats()["requests"]
    uncached.get_repository_by_registry_path(repository["registry"], repository["repository"])
    uncached.get_repository_by_registry_path(repository["registry"], repository["repository"])
    assert server.stats()["requests"] == before + 2


@pytest.mark.asyncio
async def test_the_async_client_caches_only_when_asked(slow_loopback: Any) -> None:
    server = slow_loopback
    repository = server.repositories[1]
    client = PyxisAsyncGQL(server.url, server.cert, server.key, ca=server.ca, cache_ttl=60)
    for _ in range(3):
        await client.find_repositories_by_repository_name(repository["repository"])
    assert server.stats()["requests"] == 1
    plain = PyxisAsyncGQL(server.url, server.cert, server.key, ca=server.ca)
    for _ in range(2):
        await plain.find_repositories_by_repository_name(repository["repository"])
    assert server.stats()["requests"] == 3

"""The async class as asyncio code uses it: the usage guide's examples, real coroutines,
cancellation, concurrency."""

import asyncio
import inspect
import time
from typing import Any, List, Tuple
from unittest.mock import AsyncMock

import pytest

import expected
from pyxis_gql import PyxisAsyncGQL


def client_of(server: Any, **kwargs: Any) -> PyxisAsyncGQL:
    return PyxisAsyncGQL(server.url, server.cert, server.key, ca=server.ca, **kwargs)


def test_the_usage_guides_example_runs_as_written(loopback: Any) -> None:
    pyxis = client_of(loopback)
    repositories = loopback.repositories[:12]
    path_registry_vals: List[Tuple[str, str]] = [(r["repository"], r["registry"]) for r in repositories]
    path_registry_vals.append(("none", "nowhere.example"))
    results_to_skip = [None]
    collected_results = []

    async def aggregate_paths() -> None:
        for f in asyncio.as_completed(
            [pyxis.get_repository_by_path(*x) for x in path_registry_vals]
        ):
            result = await f
            if result not in results_to_skip:
                collected_results.append(result)

    def main() -> None:
        asyncio.run(aggregate_paths())

    main()
    key = lambda r: r["repository"]  # noqa: E731
    assert sorted(collected_results, key=key) == sorted(
        (expected.repository(r) for r in repositories), key=key
    )


def test_gather_keeps_the_order_of_its_tasks(loopback: Any) -> None:
    pyxis = client_of(loopback)
    nvrs = ["busy-container-1.2-10", "a.b-container-1.0-2", "no-such-build-1-1"]

    async def main() -> List[Any]:
        tasks = [asyncio.create_task(pyxis.find_images_by_nvr(nvr, False)) for nvr in nvrs]
        return await asyncio.gather(*tasks)

    found = asyncio.run(main())
    assert [len(images) for images in found] == [3, 1, 0]
    assert {i["brew"]["build"] for i in found[0]} == {nvrs[0]}


def test_methods_are_real_coroutine_functions() -> None:
    methods = [name for name in dir(PyxisAsyncGQL) if not name.startswith("_")]
    assert len(methods) == 11
    for name in methods:
        assert inspect.iscoroutinefunction(getattr(PyxisAsyncGQL, name)), name
    mock = AsyncMock(spec=PyxisAsyncGQL)
    mock.find_images_by_nvr.return_value = [{"brew": {"build": "x-1-1"}}]
    assert asyncio.run(mock.find_images_by_nvr("x-1-1")) == [{"brew": {"build": "x-1-1"}}]
    mock.find_images_by_nvr.assert_awaited_once_with("x-1-1")


def test_autospec_mocks_keep_the_signatures(loopback: Any) -> None:
    from unittest.mock import create_autospec

    mock = create_autospec(client_of(loopback))
    asyncio.run(mock.get_repository_by_registry_path("repo", "registry"))
    mock.get_repository_by_registry_path.assert_awaited_once_with("repo", "registry")
    with pytest.raises(TypeError):
        asyncio.run(mock.get_repository_by_registry_path("too", "many", "arguments"))


def test_cancelling_the_task_drops_the_request(slow_loopback: Any) -> None:
    pyxis = client_of(slow_loopback)
    slow_loopback.latency(3000)

    async def main() -> None:
        task = asyncio.create_task(pyxis.find_images_by_nvr("busy-container-1.2-10"))
        while slow_loopback.stats()["requests"] == 0:
            await asyncio.sleep(0.02)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 1.0, "cancelled at once, not after the answer"

    asyncio.run(main())
    deadline = time.monotonic() + 2.5
    while slow_loopback.stats()["abandoned"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    stats = slow_loopback.stats()
    assert stats["abandoned"] == 1, stats
    assert stats["requests"] == 1, "no retry of a cancelled call"


def test_concurrent_lookups_overlap_their_latency(slow_loopback: Any) -> None:
    pyxis = client_of(slow_loopback)
    slow_loopback.latency(200)
    repositories = slow_loopback.repositories[:24]

    async def sequential() -> None:
        for r in repositories:
            assert await pyxis.get_repository_by_registry_path(r["repository"], r["registry"])

    async def concurrent() -> None:
        found = await asyncio.gather(
            *(pyxis.get_repository_by_registry_path(r["repository"], r["registry"]) for r in repositories)
        )
        assert all(found)

    started = time.monotonic()
    asyncio.run(sequential())
    one_by_one = time.monotonic() - started
    started = time.monotonic()
    asyncio.run(concurrent())
    together = time.monotonic() - started
    # 24 x 200 ms one after the other; about one latency at once. Generous: speed is the bench's.
    assert one_by_one > 4.0
    assert together < one_by_one / 4, (one_by_one, together)

"""The Python package against plain asyncio code, over the same loopback server in one run.

1. 500 ``find_images_by_nvr`` lookups (with RPM manifests, as callers ask by default), 32 at a
   time: ``PyxisAsyncGQL`` against an ``aiohttp`` + ``json`` client sending the same request.
   Wall time and the process's CPU time (all threads) for each.
2. The RPM-heavy page (50 images with their manifests) turned into dicts: ``decode_page``
   against ``json.loads`` and, if installed, ``orjson.loads`` of the same body.

Run it with the package built in release mode (``maturin develop --release``) and aiohttp
installed (``pip install aiohttp==3.14.5``; orjson optional), from the repository root::

    python bindings/python/bench.py
"""

import asyncio
import json
import os
import ssl
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

import aiohttp

from pyxis_gql import PyxisAsyncGQL
from pyxis_gql._native import decode_page

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("PYXIS_LOOPBACK_BIN", ROOT / "target" / "release" / "pyxis-loopback"))
LOOKUPS = 500
CONCURRENCY = 32
ROUNDS = 9

#: The document the client sends for ``find_images_by_nvr`` with RPMs (one page holds an NVR's
#: images).
NVR_QUERY = (
    "query FindImagesByNvrWithRpms($page: Int, $page_size: Int, $nvr: String, $sort_by: [SortBy]) "
    "{ find_images_by_nvr(page: $page, page_size: $page_size, nvr: $nvr, sort_by: $sort_by) "
    "{ error { status detail } page page_size total data { _id architecture brew { build package } "
    "content_sets parent_brew_build parsed_data { labels { name value } } repositories { registry "
    "repository published tags { name } } edges { rpm_manifest { data { image_id rpms { name nvra "
    "srpm_name srpm_nevra } } } } } } }"
)
RPM_PAGE_QUERY = NVR_QUERY.replace("FindImagesByNvrWithRpms", "RpmPage").replace(
    "find_images_by_nvr(page: $page, page_size: $page_size, nvr: $nvr, sort_by: $sort_by)",
    "find_images(page: $page, page_size: $page_size)",
).replace(", $nvr: String, $sort_by: [SortBy]", "")


def start_server() -> Tuple[subprocess.Popen, dict]:
    process = subprocess.Popen([str(BINARY)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def timed(run: Callable[[], Any]) -> Tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return time.perf_counter() - wall, time.process_time() - cpu, result


async def with_package(info: dict, nvrs: List[str]) -> int:
    client = PyxisAsyncGQL(info["url"], info["cert"], info["key"], ca=info["ca"])
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(nvr: str) -> int:
        async with gate:
            return len(await client.find_images_by_nvr(nvr))

    return sum(await asyncio.gather(*(one(nvr) for nvr in nvrs)))


async def with_aiohttp(info: dict, nvrs: List[str]) -> int:
    context = ssl.create_default_context(cafile=info["ca"])
    context.load_cert_chain(info["cert"], info["key"])
    gate = asyncio.Semaphore(CONCURRENCY)
    connector = aiohttp.TCPConnector(ssl=context, limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(nvr: str) -> int:
            body = {
                "query": NVR_QUERY,
                "operationName": "FindImagesByNvrWithRpms",
                "variables": {
                    "nvr": nvr,
                    "sort_by": [{"field": "_id", "order": "ASC"}],
                    "page": 0,
                    "page_size": 200,
                },
            }
            async with gate:
                async with session.post(info["url"], json=body) as response:
                    answer = json.loads(await response.read())
            return len(answer["data"]["find_images_by_nvr"]["data"])

        return sum(await asyncio.gather(*(one(nvr) for nvr in nvrs)))


def rpm_page(info: dict) -> bytes:
    async def fetch() -> bytes:
        context = ssl.create_default_context(cafile=info["ca"])
        context.load_cert_chain(info["cert"], info["key"])
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context)) as session:
            body = {"query": RPM_PAGE_QUERY, "variables": {"page": 0, "page_size": 50}}
            async with session.post(info["url"], json=body) as response:
                return await response.read()

    return asyncio.run(fetch())


def main() -> None:
    process, info = start_server()
    try:
        with open(info["dataset"]) as dataset:
            images = json.load(dataset)["images"]
        builds = sorted({image["brew"]["build"] for image in images})
        nvrs = [builds[i % len(builds)] for i in range(LOOKUPS)]
        print(f"{LOOKUPS} find_images_by_nvr lookups (with RPMs), {CONCURRENCY} at a time; "
              f"{ROUNDS} rounds of each client, alternating, after a warm-up")
        # Rounds alternate the two clients (and which goes first), so that a change in the
        # machine's load falls on both; the ratio is the median of the rounds' ratios.
        clients = (("pyxis_gql", with_package), ("aiohttp+json", with_aiohttp))
        for _, run in clients:
            asyncio.run(run(info, nvrs[:50]))
        samples = {name: [] for name, _ in clients}
        counts = set()
        for round_ in range(ROUNDS):
            order = clients if round_ % 2 == 0 else clients[::-1]
            for name, run in order:
                wall, cpu, found = timed(lambda: asyncio.run(run(info, nvrs)))
                samples[name].append((wall, cpu))
                counts.add(found)
        assert len(counts) == 1, counts
        for name, _ in clients:
            wall = statistics.median(s[0] for s in samples[name])
            cpu = statistics.median(s[1] for s in samples[name])
            print(f"  {name:<13} wall {wall * 1e3:8.1f} ms   cpu {cpu * 1e3:8.1f} ms   ({next(iter(counts))} images)")
        ours, theirs = samples["pyxis_gql"], samples["aiohttp+json"]
        wall_ratio = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs))
        cpu_ratio = statistics.median(a[1] / b[1] for a, b in zip(ours, theirs))
        print(f"  pyxis_gql / aiohttp: wall {wall_ratio:.2f}x, cpu {cpu_ratio:.2f}x (median of the rounds' ratios)")

        body = rpm_page(info)
        print(f"RPM-heavy page: {len(body) / 1e6:.2f} MB, 50 images; median of 20 runs")
        decoders: List[Tuple[str, Callable[[], Any]]] = [
            ("json.loads", lambda: json.loads(body)["data"]["find_images"]["data"]),
            ("decode_page", lambda: decode_page(body, "find_images")),
        ]
        try:
            import orjson

            decoders.append(("orjson.loads", lambda: orjson.loads(body)["data"]["find_images"]["data"]))
        except ImportError:
            print("  (orjson not installed)")
        reference = decoders[0][1]()
        times = {}
        for name, decode in decoders:
            assert decode() == reference, name
            runs = sorted(timed(decode)[0] for _ in range(20))
            times[name] = statistics.median(runs)
            print(f"  {name:<13} {times[name] * 1e3:7.2f} ms  {len(body) / times[name] / 1e6:7.1f} MB/s")
        print(f"  decode_page / json.loads: {times['decode_page'] / times['json.loads']:.2f}x")
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

"""The embedded loopback Pyxis, started from its binary, and clients of it."""

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(os.environ.get("PYXIS_LOOPBACK_BIN", ROOT / "target" / "debug" / "pyxis-loopback"))
#: Small enough to load in every test run, large enough for several pages of each crawl.
DATASET = "60,120,20"


class Loopback:
    """One loopback server process; ``stats()`` and ``latency()`` talk to it on stdin."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [str(BINARY), "--dataset", DATASET, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        info = json.loads(self.process.stdout.readline())
        self.url: str = info["url"]
        self.ca: str = info["ca"]
        self.cert: str = info["cert"]
        self.key: str = info["key"]
        self.cert_and_key: str = info["cert_and_key"]
        with open(info["dataset"]) as dataset:
            data = json.load(dataset)
        self.repositories: List[Dict[str, Any]] = data["repositories"]
        self.images: List[Dict[str, Any]] = data["images"]

    def _ask(self, command: str) -> Dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stats(self) -> Dict[str, int]:
        return self._ask("stats")

    def latency(self, milliseconds: int) -> None:
        self._ask(f"latency {milliseconds}")

    def stop(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


@pytest.fixture(scope="session")
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    yield server
    server.stop()


@pytest.fixture()
def slow_loopback() -> Iterator[Loopback]:
    """A server of its own, whose latency a test may change."""
    server = Loopback()
    yield server
    server.stop()

"""The exceptions callers catch, with their attributes."""

import asyncio
import os
from typing import Any

import pytest

import pyxis_gql
from pyxis_gql import (
    PyxisAsyncGQL,
    PyxisGQL,
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
)
from pyxis_gql._errors import convert
from pyxis_gql._native import NativeError


def test_the_hierarchy_matches_the_replaced_classes() -> None:
    assert issubclass(PyxisGQLRequestTimeout, PyxisGQLRequestError)
    assert issubclass(PyxisGQLQueryError, PyxisGQLRequestError)
    assert issubclass(PyxisGQLTLSError, PyxisGQLTransportError)
    assert issubclass(PyxisGQLTimeoutError, TimeoutError)
    error = PyxisGQLRequestError(error={"status": 500, "detail": "x"}, trace_id="t1")
    assert (error.error, error.trace_id) == ("{'status': 500, 'detail': 'x'}", "t1")
    assert str(error) == "{'status': 500, 'detail': 'x'} trace_id=t1"
    assert str(PyxisGQLRequestError("e")) == "e"


def test_native_failures_become_the_classes_callers_catch() -> None:
    def of(kind: str, status: Any = None, detail: Any = None) -> Exception:
        return convert(NativeError(kind, f"{kind} failed", status, detail, "t9"))

    timeout = of("pyxis", 500, "Pyxis API was unable to fetch data from MongoDB in time")
    assert type(timeout) is PyxisGQLRequestTimeout
    assert timeout.error == (
        "{'status': 500, 'detail': 'Pyxis API was unable to fetch data from MongoDB in time'}"
    )
    assert timeout.trace_id == "t9"
    assert type(of("pyxis", 400, "bad filter")) is PyxisGQLRequestError
    assert type(of("graphql", None, "Cannot query field")) is PyxisGQLQueryError
    http = of("http", 503)
    assert type(http) is PyxisGQLHTTPError and http.status == 503 and http.trace_id == "t9"
    assert type(of("tls")) is PyxisGQLTLSError
    assert type(of("timeout")) is PyxisGQLTimeoutError
    assert type(of("transport")) is PyxisGQLTransportError
    assert type(of("response")) is PyxisGQLResponseError
    assert type(of("fork")) is PyxisGQLForkError


def test_an_untrusted_server_is_a_tls_error(loopback: Any) -> None:
    client = PyxisGQL(loopback.url, (loopback.cert, loopback.key))
    with pytest.raises(PyxisGQLTLSError):
        client.find_images_by_nvr("busy-container-1.2-10")


def test_a_closed_port_is_a_transport_error(loopback: Any) -> None:
    client = PyxisAsyncGQL(
        "https://127.0.0.1:9/api/containers/graphql/", loopback.cert, loopback.key
    )
    with pytest.raises(PyxisGQLTransportError):
        asyncio.run(client.find_images_by_names(["busy-container"]))


def test_bad_settings_are_config_errors(loopback: Any) -> None:
    with pytest.raises(PyxisGQLConfigError):
        PyxisGQL(loopback.url, ("/no/such/cert.pem", loopback.key))
    with pytest.raises(PyxisGQLConfigError):
        PyxisAsyncGQL("not a url", loopback.cert, loopback.key)


def test_a_client_used_after_fork_fails_clearly(loopback: Any) -> None:
    client = PyxisGQL(loopback.url, (loopback.cert, loopback.key), ca=loopback.ca)
    assert client.find_images_by_nvr("busy-container-1.2-10", False)
    child = os.fork()
    if child == 0:
        outcome = 0
        try:
            client.find_images_by_nvr("busy-container-1.2-10", False)
            outcome |= 1
        except PyxisGQLForkError:
            pass
        except BaseException:
            outcome |= 2
        # A new client in the child would need the runtime left in the parent: refused too.
        try:
            PyxisGQL(loopback.url, (loopback.cert, loopback.key), ca=loopback.ca)
            outcome |= 4
        except PyxisGQLForkError:
            pass
        except BaseException:
            outcome |= 8
        os._exit(outcome)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert client.find_images_by_nvr("busy-container-1.2-10", False), "the parent's still works"


def test_everything_is_importable_from_the_package() -> None:
    for name in pyxis_gql.__all__:
        assert hasattr(pyxis_gql, name)


def test_a_blocking_call_releases_the_gil(slow_loopback: Any) -> None:
    import threading
    import time

    client = PyxisGQL(slow_loopback.url, (slow_loopback.cert, slow_loopback.key), ca=slow_loopback.ca)
    slow_loopback.latency(1000)
    done = threading.Event()
    found: list = []

    def lookup() -> None:
        found.extend(client.find_images_by_nvr("busy-container-1.2-10", False))
        done.set()

    worker = threading.Thread(target=lookup)
    worker.start()
    spins = 0
    started = time.monotonic()
    while not done.is_set() and time.monotonic() - started < 10:
        spins += 1
    worker.join()
    assert len(found) == 3
    # Python kept running beside the call: a held GIL would allow a few switches at most.
    assert spins > 100_000, spins

"""The exceptions of pyxis_gql, and how a native failure becomes one of them."""

from typing import List, Optional, Union

from pyxis_gql._native import NativeError

#: The Pyxis detail text of its database timeout.
_MONGODB_TIMEOUT = "unable to fetch data from mongodb in time"


class PyxisGQLRequestError(Exception):
    """Pyxis answered with an error for a query.

    ``error`` is the text of Pyxis's ``error`` object (``str()`` of ``{"status", "detail"}``),
    as the replaced class gives it; ``trace_id`` is the response's ``trace_id`` header.
    """

    error: str
    trace_id: Optional[str]

    def __init__(self, error: Union[str, List[str], dict], trace_id: Optional[str] = None):
        self.error = str(error)
        self.trace_id = trace_id
        trace_msg = f" trace_id={trace_id}" if trace_id else ""
        super().__init__(str(error) + trace_msg)


class PyxisGQLRequestTimeout(PyxisGQLRequestError):
    """Pyxis could not read its database in time; retried (30 s, then 60 s) before raised."""


class PyxisGQLQueryError(PyxisGQLRequestError):
    """The GraphQL layer refused or failed the query (its ``errors`` list); ``error`` holds the
    messages."""


class PyxisGQLTransportError(Exception):
    """No usable HTTP answer: a failed connect, a reset, or a timeout. ``trace_id`` is set when
    a response carried one."""

    def __init__(self, message: str, trace_id: Optional[str] = None):
        self.trace_id = trace_id
        super().__init__(message)


class PyxisGQLTLSError(PyxisGQLTransportError):
    """The TLS handshake failed: an untrusted server, or a client certificate refused."""


class PyxisGQLTimeoutError(PyxisGQLTransportError, TimeoutError):
    """A request attempt, or the whole call (the client's ``timeout``), ran out of time."""


class PyxisGQLHTTPError(PyxisGQLTransportError):
    """Pyxis answered with an HTTP error status (after retries for 408, 429 and 5xx); ``status``
    is that status."""

    def __init__(self, message: str, status: int, trace_id: Optional[str] = None):
        self.status = status
        super().__init__(message, trace_id)


class PyxisGQLResponseError(Exception):
    """An answer that cannot be trusted whole: malformed or truncated JSON, a body over the
    cap, pages that contradict each other, more items than allowed."""

    def __init__(self, message: str, trace_id: Optional[str] = None):
        self.trace_id = trace_id
        super().__init__(message)


class PyxisGQLConfigError(ValueError):
    """Settings that cannot make a client: a bad URL, an unreadable certificate or key."""


class PyxisGQLForkError(RuntimeError):
    """A client used in a process forked after it was made; make a new client in the child."""


def convert(error: NativeError) -> Exception:
    """The exception a caller catches for a native failure."""
    kind, message, status, detail, trace_id = error.args
    if kind == "pyxis":
        pyxis = {"status": status, "detail": detail}
        if detail and _MONGODB_TIMEOUT in detail.lower():
            return PyxisGQLRequestTimeout(error=pyxis, trace_id=trace_id)
        return PyxisGQLRequestError(error=pyxis, trace_id=trace_id)
    if kind == "graphql":
        return PyxisGQLQueryError(error=detail, trace_id=trace_id)
    if kind == "http":
        return PyxisGQLHTTPError(message, status, trace_id)
    if kind == "tls":
        return PyxisGQLTLSError(message, trace_id)
    if kind == "timeout":
        return PyxisGQLTimeoutError(message, trace_id)
    if kind == "transport":
        return PyxisGQLTransportError(message, trace_id)
    if kind == "fork":
        return PyxisGQLForkError(message)
    if kind == "config":
        return PyxisGQLConfigError(message)
    return PyxisGQLResponseError(message, trace_id)



"""The client's transport plumbing: a hard deadline per attempt, bounded reads and decoding, why sends fail.

Private to the target wing: `client.py` is its only user. Nothing here records anything; what it reports
about a failure is masked by the client's `Redactor`.
"""

from __future__ import annotations

import contextlib
import heapq
import http.client
import itertools
import socket
import threading
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.errors import (
    AnswerUnreadable,
    TargetError,
    TargetThrottled,
    TargetTimeout,
    TargetUnreachable,
)

if TYPE_CHECKING:
    from conformance.target.redaction import Redactor

_CHUNK = 64 * 1024

# ---------------------------------------------------------------- watchdog: a hard deadline per attempt

_local = threading.local()


class _Watchdog:
    """One long-lived thread that fires every pending `Deadline` when its time is up.

    A thread started per request cost 0.2-0.9 ms each; this one sleeps until the earliest pending deadline
    (or a new, earlier one is registered) and is shared by every attempt in the process, whichever thread
    sends it. Deadlines that end in time are only marked, and dropped when they reach the top of the heap.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, Deadline | Alarm]] = []
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: Deadline | Alarm) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.at, next(self._seq), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="conformance-deadlines", daemon=True)
                self._thread.start()
            elif self._heap[0][2] is deadline:
                self._cond.notify()  # earlier than what the thread sleeps towards

    def _loop(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                _, _, due = heapq.heappop(self._heap)
                self._cond.release()  # an alarm may add another (`add` takes this lock)
                try:
                    due.fire()  # a deadline takes only its own lock: a shutdown() never blocks
                finally:
                    self._cond.acquire()


_WATCHDOG: Final = _Watchdog()


class Deadline:
    """Shuts the connection's socket down when the attempt's time is up, wherever the read is blocked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.fired = False
        self.done = False  # the attempt ended: nothing to fire
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.at

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._cut()

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to unblock
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> Deadline:
        _local.deadline = self
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self.done = True
            self._sock = None  # the watchdog may hold this deadline until its time: not the socket
        _local.deadline = None


class Alarm:
    """Calls `ring` once, on the watchdog's thread, if the attempt is still waiting `seconds` from now."""

    def __init__(self, seconds: float, ring: Callable[[], None]) -> None:
        self.at = time.monotonic() + seconds
        self.done = False
        self.done_by_answer = False  # the attempt it watched got its answer (its owner's flag)
        self._ring = ring
        self._lock = threading.Lock()

    def fire(self) -> None:
        with self._lock:
            if self.done:
                return
            self.done = True
        try:
            self._ring()
        except Exception:  # the watchdog thread must outlive any alarm: deadlines depend on it
            return

    def __enter__(self) -> Alarm:
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        with self._lock:
            self.done = True


def _watch_current(sock: socket.socket | None) -> None:
    deadline: Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


MAX_INTERIM: Final = 16  # interim (1xx) responses skipped before one answer; more is a protocol error


class _FinalResponse(http.client.HTTPResponse):
    """Reads past interim responses (103 Early Hints, 102 Processing, 100 Continue) to the final one.

    http.client skips only `100 Continue` and would hand a `103` over as the answer, leaving the real one
    unread on the socket. RFC 9110 15.2: a client must be able to parse 1xx responses before the final
    one. `101 Switching Protocols` is final; the harness never asks for an upgrade, so it is judged.
    """

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            if status == 101 or not 100 <= status < 200:
                return version, status, reason
            self._interim = getattr(self, "_interim", 0) + 1
            _local.reused = False  # the target answered something on it: a failure now is its own
            if self._interim > MAX_INTERIM:
                raise http.client.HTTPException(f"more than {MAX_INTERIM} interim (1xx) responses")
            if status == 100:  # http.client's own loop reads its headers and asks again
                return version, status, reason
            http.client.parse_headers(self.fp)  # discarded; bounded (100 lines of 64 kB)


class _Reuse:
    """Counts the answers a connection's current socket has carried, so a send knows if it reused it."""

    _answered = 0

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self._answered = 0

    def request(self, *args: object, **kwargs: object) -> None:
        # no socket yet: this request opens a fresh one
        _local.reused = getattr(self, "sock", None) is not None and self._answered > 0
        super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self) -> urllib3.HTTPResponse:
        _watch_current(getattr(self, "sock", None))
        resp: urllib3.HTTPResponse = super().getresponse()  # type: ignore[misc]
        self._answered += 1
        return resp


class _WatchedHTTPConnection(_Reuse, HTTPConnection):  # type: ignore[misc]
    response_class = _FinalResponse


class _WatchedHTTPSConnection(_Reuse, HTTPSConnection):  # type: ignore[misc]
    response_class = _FinalResponse


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class Adapter(HTTPAdapter):
    """A requests adapter whose connections hand their socket to the current `Deadline`."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        # a fresh dict: the module-level default is shared with every other PoolManager
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# ---------------------------------------------------------------- bounded reads and decoding


class _Inflater:
    """gzip/deflate decoding that never yields more than asked for (zip bombs stop at the read limit)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._obj = zlib.decompressobj(self._wbits)
        self._started = False

    def feed(self, data: bytes, limit: int) -> bytes:
        """Decode `data` to at most `limit` (>= 1) bytes; hitting it means the body is over the limit."""
        if not self._started and self._wbits == zlib.MAX_WBITS and data and (data[0] & 0x0F) != 8:
            self._wbits = -zlib.MAX_WBITS  # 'deflate' sent as a raw stream, as some servers do
            self._obj = zlib.decompressobj(self._wbits)
        self._started = True
        out = self._obj.decompress(data, limit)
        # a gzip body may hold several members one after another
        while self._wbits > zlib.MAX_WBITS and self._obj.eof and self._obj.unused_data and len(out) < limit:
            rest = self._obj.unused_data
            self._obj = zlib.decompressobj(self._wbits)
            out += self._obj.decompress(rest, limit - len(out))
        return out

    def finished(self) -> bool:
        return self._obj.eof or not self._started


def read_body(resp: requests.Response, method: str, deadline: Deadline, max_read: int) -> tuple[bytes, bool]:
    """Stream the body until EOF, the read limit or the deadline, decoding gzip/deflate as it comes."""
    if method == "HEAD" or resp.status_code in (204, 304) or 100 <= resp.status_code < 200:
        if deadline.fired:  # the headers were cut short by the watchdog
            raise TargetError("deadline")
        return b"", False
    raw: urllib3.HTTPResponse = resp.raw
    coding = (resp.headers.get("Content-Encoding") or "").strip().lower()
    inflater = _Inflater(coding) if coding in ("gzip", "x-gzip", "deflate") else None
    out = bytearray()
    raw_read = 0
    while True:
        if deadline.expired():
            raise TargetError("deadline")  # replaced by the caller's message
        chunk = raw.read1(_CHUNK, decode_content=False)
        if not chunk:
            break
        raw_read += len(chunk)
        piece = chunk if inflater is None else inflater.feed(chunk, max_read - len(out) + 1)
        out += piece
        if len(out) > max_read or raw_read > max_read:
            return bytes(out[:max_read]), True
    if deadline.fired:
        raise TargetError("deadline")
    if inflater is not None and not inflater.finished():
        raise zlib.error(f"the {coding} body ends before its compressed stream does")
    return bytes(out), False


# ---------------------------------------------------------------- a pooled connection the server closed

_STALE: Final = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)


def send(
    session: requests.Session, prepared: requests.PreparedRequest, budget: float, deadline: Deadline
) -> requests.Response:
    """Send `prepared`. A server may close an idle keep-alive connection at any time (RFC 9112 §9.3, §9.6),
    even as the next request goes out on it: a send that failed on a REUSED pooled connection before any
    byte of the answer says nothing about the request, so it is sent once more on a fresh connection and
    only that attempt counts. A failure on a fresh connection, or caused by the deadline, is the target's;
    if the fresh connection is refused, the target went away with this request and the first failure stands.
    """

    def attempt() -> requests.Response:
        _local.reused = False  # set by the connection once the request goes out
        # The adapter itself, not `Session.send`: redirects are never followed (nor read ahead), the
        # session's cookie policy accepts none, and with `trust_env` off there are no proxies to resolve.
        adapter = session.get_adapter(prepared.url or "")
        return adapter.send(
            prepared, stream=True, timeout=(budget, budget), verify=True, cert=None, proxies={}
        )

    try:
        return attempt()
    except (requests.exceptions.RequestException, OSError) as e:
        if not (
            getattr(_local, "reused", False) and not deadline.fired and isinstance(_root_cause(e), _STALE)
        ):
            raise
        first = e
    for adapter in session.adapters.values():
        adapter.close()  # any pooled connection may be stale: the retry opens a fresh one
    try:
        return attempt()
    except (requests.exceptions.RequestException, OSError) as e:
        cause = _root_cause(e)
        if isinstance(cause, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
            raise first from None
        raise


# ---------------------------------------------------------------- why an attempt failed


def send_failure(
    e: BaseException, deadline: Deadline, method: str, url: str, redactor: Redactor
) -> TargetError:
    """The error to raise when sending failed: unreachable, past the deadline, or not usable HTTP."""
    cause = _root_cause(e)
    if isinstance(cause, urllib3.exceptions.NameResolutionError):
        return TargetUnreachable(f"cannot resolve the host of {url}; check the base URL")
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so it is asked about first
    if isinstance(cause, urllib3.exceptions.NewConnectionError | ConnectionRefusedError):
        return TargetUnreachable(
            f"cannot connect to {url}: {_os_reason(cause)}; "
            "check the base URL and that the service is running"
        )
    if isinstance(cause, urllib3.exceptions.ConnectTimeoutError) or isinstance(
        e, requests.exceptions.ConnectTimeout
    ):
        return TargetUnreachable(
            f"cannot connect to {url}: no answer within {deadline.seconds:g} s; "
            "check the base URL and that the service is running"
        )
    if deadline.fired or isinstance(e, requests.exceptions.Timeout):
        return deadline_error(method, url, deadline.seconds)
    unread = _beyond_limits(cause)
    if unread is not None:
        return AnswerUnreadable(
            f"{method} {url}: the target answered with {unread}, which the harness, like most HTTP clients, "
            "does not read; its answer cannot be judged"
        )
    return TargetError(
        f"{method} {url}: the target's answer is not usable HTTP ({redactor.one_line(cause)}); "
        "check the target's logs"
    )


def _beyond_limits(cause: BaseException) -> str | None:
    """What of an answer's head went past the client's limits (Python's http.client: a line of 64 KiB, 100
    header fields), said as what it is; None for any other failure."""
    if isinstance(cause, http.client.LineTooLong):
        what = str(cause).rsplit("reading ", 1)[-1]  # "got more than 65536 bytes when reading header line"
        line = "status line" if "status" in what else "response header line"
        return f"a {line} longer than {getattr(http.client, '_MAXLINE', 65536) // 1024} KiB"
    if isinstance(cause, http.client.HTTPException) and "more than" in str(cause) and "headers" in str(cause):
        return f"more than {getattr(http.client, '_MAXHEADERS', 100)} response header fields"
    return None


def throttled(status: int, method: str, url: str, attempts: int, waited: float, why: str) -> TargetError:
    """The error for a 429/503 that is still the answer after the retries: the target was rate limiting
    (or unavailable) and never answered the request itself, so what the request asked is not decided.
    Only numbers the harness computed are quoted: the reason phrase and Retry-After text are the target's."""
    what = "rate limiting" if status == 429 else "unavailable"
    after = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if waited:
        after += f" and {waited:g} s of waiting"
    return TargetThrottled(
        f"{method} {url}: the target was {what} ({status} after {after}, {why}); it never answered the "
        "request itself, so this is not a rejection and nothing was decided"
    )


def deadline_error(method: str, url: str, seconds: float) -> TargetError:
    return TargetTimeout(
        f"{method} {url}: no complete answer within the {seconds:g} s deadline (hung, or dripping data); "
        "raise the timeout if the target is only slow"
    )


def _os_reason(e: BaseException) -> str:
    """'connection refused' and the like, from the OSError behind a failed connect."""
    seen: set[int] = set()
    current: BaseException | None = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.strerror:
            return current.strerror.lower()
        current = current.__cause__ or current.__context__
    return "the connection failed"


def _root_cause(e: BaseException) -> BaseException:
    """The innermost reason behind requests' and urllib3's wrappers."""
    seen: set[int] = set()
    while id(e) not in seen:
        seen.add(id(e))
        inner: BaseException | None = None
        if isinstance(e, urllib3.exceptions.MaxRetryError) and e.reason is not None:
            inner = e.reason
        elif e.args and isinstance(e.args[0], BaseException):
            inner = e.args[0]
        elif isinstance(e, urllib3.exceptions.ProtocolError) and len(e.args) > 1:
            inner = e.args[1] if isinstance(e.args[1], BaseException) else None
        if inner is None:
            return e
        e = inner
    return e

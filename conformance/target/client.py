"""The one user of `requests`: bounded, deadline-guarded HTTP calls, recorded with secrets masked at capture.

A target is untrusted input. Every request has connect and read timeouts plus a wall-clock deadline that
a watchdog enforces even while headers are still arriving; bodies are streamed and cut at `max_read`
(decoded gzip/deflate bytes count against it); redirects are returned, never followed; 429/503 with
`Retry-After` are retried within a wait budget. The recorded `Exchange` has secret header values, the
token and any secret value sent in this request replaced by `***` before anything else can see it.
"""

from __future__ import annotations

import contextlib
import email.utils
import enum
import functools
import http.cookiejar
import json as jsonlib
import re
import shlex
import socket
import threading
import time
import uuid
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from types import TracebackType
from typing import Final
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from conformance.errors import ConfigError, TargetError, TargetUnreachable
from conformance.results import JSON, Exchange, RecordedRequest, RecordedResponse

MASK: Final = "***"
ALWAYS_SECRET: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
MAX_JSON_DEPTH: Final = 256  # deeper bodies are refused: later consumers (jsonschema) recurse per level
MAX_ATTEMPTS: Final = 5  # a Retry-After of 0 costs no budget, so attempts are capped too
TOKEN_ENV: Final = "CONFORMANCE_TOKEN"
_CHUNK = 64 * 1024
_MIN_SECRET = 4  # shorter secret values sent in headers are masked by name only, not searched for in text


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET

# ---------------------------------------------------------------- watchdog: a hard deadline per attempt

_local = threading.local()


class _Deadline:
    """Shuts the connection's socket down when the attempt's time is up, wherever the read is blocked."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.fired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.at

    def watch(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._cut()

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            self._cut()

    def _cut(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):  # already closed: nothing left to unblock
                self._sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _local.deadline = None


def _watch_current(sock: socket.socket | None) -> None:
    deadline: _Deadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self) -> urllib3.HTTPResponse:  # type: ignore[override]
        _watch_current(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self) -> urllib3.HTTPResponse:  # type: ignore[override]
        _watch_current(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _Adapter(HTTPAdapter):
    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        # a fresh dict: the module-level default is shared with every other PoolManager
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# ---------------------------------------------------------------- redaction


class _Redactor:
    """Masks secret header values by name and secret strings wherever they occur in text."""

    def __init__(self, token: str | None, secret_headers: Iterable[str]) -> None:
        self.names = ALWAYS_SECRET | {h.strip().lower() for h in secret_headers}
        self.secrets: tuple[str, ...] = (token,) if token else ()

    def is_secret(self, name: str) -> bool:
        return name.strip().lower() in self.names

    def text(self, text: str, extra: Sequence[str] = (), *, cut_tail: bool = False) -> str:
        secrets = tuple(dict.fromkeys(self.secrets + tuple(extra)))
        pattern = _secret_pattern(secrets)
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if cut_tail:  # the read limit may have split a secret: hide a trailing start of one
            for secret in secrets:
                text = _mask_tail(text, secret)
        return text

    def headers(
        self, pairs: Iterable[tuple[str, str]], extra: Sequence[str] = ()
    ) -> tuple[tuple[str, str], ...]:
        return tuple(
            (self.text(k, extra), MASK if self.is_secret(k) else self.text(v, extra)) for k, v in pairs
        )


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in hex_digits)


def _char_forms(c: str) -> str:
    """A regex for one character of a secret as a target might echo it: as is, or escaped by
    JSON (\\uXXXX, \\/), or percent-encoded; serializers mix these (.NET escapes '+' but not '-')."""
    if c.isascii() and c.isalnum():
        return re.escape(c)
    forms = [re.escape(c), r"\\u" + _any_case(f"{ord(c):04x}")]
    forms.append("".join("%" + _any_case(f"{b:02x}") for b in c.encode("utf-8")))
    if c.isascii():
        forms.append(r"\\" + re.escape(c))
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=64)
def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = ["".join(map(_char_forms, s)) for s in sorted(secrets, key=len, reverse=True) if s]
    return re.compile("|".join(alternatives)) if alternatives else None


def _mask_tail(text: str, secret: str) -> str:
    lead = secret[: min(_MIN_SECRET, len(secret))]
    i = text.find(lead, max(0, len(text) - len(secret) + 1))
    while i != -1:
        if secret.startswith(text[i:]):
            return text[:i] + MASK
        i = text.find(lead, i + 1)
    return text


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only response headers; repeated fields join with ', '. Repr is redacted."""

    __slots__ = ("_index", "_names", "_pairs", "_shown")

    def __init__(self, pairs: Iterable[tuple[str, str]], shown: Sequence[tuple[str, str]] = ()) -> None:
        self._pairs = tuple(pairs)
        self._shown = tuple(shown)
        self._index: dict[str, list[str]] = {}
        self._names: dict[str, str] = {}
        for k, v in self._pairs:
            self._index.setdefault(k.lower(), []).append(v)
            self._names.setdefault(k.lower(), k)

    def __getitem__(self, name: str) -> str:
        return ", ".join(self._index[name.lower()])

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._names.values())

    def __len__(self) -> int:
        return len(self._names)

    def get_all(self, name: str) -> tuple[str, ...]:
        """Every value of a repeated field, in order."""
        return tuple(self._index.get(name.lower(), ()))

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        return self._pairs

    def __repr__(self) -> str:
        return f"Headers({list(self._shown)!r})"


# ---------------------------------------------------------------- the reply


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Reply:
    """What came back. `content` is bounded by `max_read`; `exchange` is the redacted record for evidence."""

    status: int
    reason: str
    headers: Headers
    content: bytes
    truncated: bool
    elapsed_s: float
    exchange: Exchange

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> JSON:
        """The body as JSON; `ValueError` with a clear message if it is not UTF-8 JSON of sane depth."""
        return parse_json(self.content, truncated=self.truncated)

    def __repr__(self) -> str:
        req, resp = self.exchange.request, self.exchange.response
        reason = resp.reason if resp is not None else ""
        cut = ", truncated" if self.truncated else ""
        return (
            f"Reply({req.method} {req.url} -> {self.status} {reason!r}, "
            f"content=<{len(self.content)} bytes{cut}>, elapsed_s={self.elapsed_s:.3f}, "
            f"attempts={self.exchange.attempts})"
        )


_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 opens, -1 closes


def _too_deep(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(array("b", brackets.translate(_STEP))), default=0) > limit


def _no_constant(name: str) -> JSON:
    raise ValueError(f"response body is not JSON: {name} is not a JSON value")


def parse_json(content: bytes, *, truncated: bool = False, max_depth: int = MAX_JSON_DEPTH) -> JSON:
    """Parse a response body as strict JSON (UTF-8, no NaN, at most `max_depth` levels); else ValueError."""
    if truncated:
        raise ValueError(f"response body was cut at the read limit ({len(content)} bytes); raise max_read")
    if not content.strip():
        raise ValueError("response body is empty, not JSON")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"response body is not valid UTF-8 (byte {e.start}: {e.reason})") from None
    if _too_deep(text, max_depth):
        raise ValueError(f"response body nests deeper than {max_depth} levels; refusing to parse it")
    try:
        return jsonlib.loads(text, parse_constant=_no_constant)
    except jsonlib.JSONDecodeError as e:
        raise ValueError(f"response body is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:  # pragma: no cover - the depth check runs first
        raise ValueError("response body nests too deep to parse") from None


# ---------------------------------------------------------------- bounded decoding


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


# ---------------------------------------------------------------- the client


class Client:
    """HTTP client for one target. Not thread-safe; use one per thread."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout: float = 10.0,
        secret_headers: Sequence[str] = (),
        max_read: int = 4 * 1024 * 1024,
        record_limit: int = 16 * 1024,
        retry_budget_s: float = 10.0,
        total_budget_s: float | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        self._redactor = _Redactor(token, secret_headers)
        self._default_headers = dict(default_headers or {})
        # Values of secret headers sent with every request are masked wherever a target echoes them.
        self._redactor.secrets += tuple(
            v
            for k, v in self._default_headers.items()
            if self._redactor.is_secret(k) and len(v) >= _MIN_SECRET
        )
        self._token = token or None
        self._base = _check_base_url(base_url, self._redactor)
        for name, value in (("timeout", timeout), ("max_read", max_read), ("retry_budget_s", retry_budget_s)):
            if not value > 0 and not (name == "retry_budget_s" and value == 0):
                raise ConfigError(f"client {name} must be positive, got {value!r}")
        if record_limit < 0:
            raise ConfigError(f"client record_limit must not be negative, got {record_limit!r}")
        self.timeout = float(timeout)
        self.max_read = max_read
        self.record_limit = record_limit
        self.retry_budget_s = float(retry_budget_s)
        self.total_budget_s = total_budget_s
        self._ends_at = None if total_budget_s is None else time.monotonic() + total_budget_s
        self.requests_sent = 0
        self.last_exchange: Exchange | None = None  # also set when a request failed, for evidence
        self._session = requests.Session()
        self._session.trust_env = False  # no environment proxies or netrc: the token goes to the target only
        self._session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self._session.headers.update({"User-Agent": "graph-conformance", "Accept-Encoding": "gzip, deflate"})
        self._session.mount("http://", _Adapter())
        self._session.mount("https://", _Adapter())

    @property
    def base_url(self) -> str:
        """The base URL as it may be shown (secrets masked)."""
        return self._redactor.text(self._base)

    def url_for(self, path: str) -> str:
        """The base URL's path joined with `path` (which may carry a query)."""
        if not path:
            return self._base
        return self._base.rstrip("/") + "/" + path.lstrip("/")

    def redact_text(self, text: str) -> str:
        """`text` with the token (and its escaped forms) masked, for callers that log."""
        return self._redactor.text(text)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        token = "set" if self._token else "none"
        return f"Client({self.base_url!r}, token=<{token}>, timeout={self.timeout:g})"

    def request(
        self,
        method: str,
        path: str,
        *,
        json: JSON | _Unset = UNSET,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: bool = True,
    ) -> Reply:
        """Send one request (retrying 429/503 with Retry-After within the budget) and return what came back.

        Raises `TargetUnreachable` when nothing accepts the connection and `TargetError` when the
        answer is unusable (deadline passed, connection reset, not HTTP).
        """
        if json is not UNSET and body is not None:
            raise ValueError("pass json= or body=, not both")
        method = method.upper()
        payload: bytes | None
        if json is not UNSET:
            payload = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        elif isinstance(body, str):
            payload = body.encode("utf-8")
        else:
            payload = body
        given = {k.lower() for k in (headers or {})} | {k.lower() for k in self._default_headers}
        sent: dict[str, str] = dict(self._default_headers)
        if json is not UNSET and "content-type" not in given:
            sent["Content-Type"] = "application/json"
        if auth and self._token and "authorization" not in given:
            sent["Authorization"] = f"Bearer {self._token}"
        if "client-request-id" not in given:
            sent["client-request-id"] = str(uuid.uuid4())
        sent.update(headers or {})
        url = self.url_for(path)
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            reply = self._attempt(method, url, sent, payload, attempt, waited)
            if reply.status not in (429, 503) or attempt >= MAX_ATTEMPTS:
                return reply
            wait = retry_after_seconds(reply.header("Retry-After"))
            if wait is None or waited + wait > self.retry_budget_s or wait >= self._remaining():
                return reply
            time.sleep(wait)
            waited += wait

    # -------------------------------------------------------------- one attempt

    def _remaining(self) -> float:
        return float("inf") if self._ends_at is None else self._ends_at - time.monotonic()

    def _attempt(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        payload: bytes | None,
        attempt: int,
        waited: float,
    ) -> Reply:
        remaining = self._remaining()
        shown_url = self._redactor.text(url)
        if remaining <= 0:
            raise TargetError(
                f"{method} {shown_url}: the run's time budget of {self.total_budget_s:g} s is spent; "
                "raise the budget or run fewer checks"
            )
        budget = min(self.timeout, remaining)
        try:
            prepared = self._session.prepare_request(
                requests.Request(method, url, headers=headers, data=payload)
            )
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, ValueError) as e:
            raise ValueError(f"cannot send {method} {shown_url}: {self._one_line(e)}") from None
        pairs = [(k, v if isinstance(v, str) else v.decode("latin-1")) for k, v in prepared.headers.items()]
        extra = self._sent_secrets(pairs)
        final_url = prepared.url or url
        body_text, body_cut = (None, False) if payload is None else self._record(payload, extra)
        record = RecordedRequest(
            method=method,
            url=self._redactor.text(final_url, extra),
            headers=self._redactor.headers(pairs, extra),
            body=body_text,
            body_truncated=body_cut,
            body_size=len(payload or b""),
        )
        curl = self._curl(method, final_url, pairs, payload, extra)

        def fail(error: TargetError, response: RecordedResponse | None = None) -> TargetError:
            self.last_exchange = Exchange(
                request=record,
                response=response,
                error=str(error),
                curl=curl,
                attempts=attempt,
                retry_wait_s=waited,
            )
            return error

        started = time.monotonic()
        self.requests_sent += 1
        with _Deadline(budget) as deadline:
            try:
                resp = self._session.send(
                    prepared, stream=True, allow_redirects=False, timeout=(budget, budget), verify=True
                )
            except requests.exceptions.RequestException as e:
                raise fail(self._send_failure(e, deadline, method, shown_url)) from None
            except OSError as e:
                raise fail(self._send_failure(e, deadline, method, shown_url)) from None
            try:
                content, truncated = self._read_body(resp, method, deadline)
            except (urllib3.exceptions.HTTPError, OSError, zlib.error, TargetError) as e:
                partial = self._record_response(resp, b"", False, time.monotonic() - started, extra)
                if deadline.fired or deadline.expired():
                    err: TargetError = _deadline_error(method, shown_url, budget)
                elif isinstance(e, TargetError):
                    err = e
                else:
                    err = TargetError(
                        f"{method} {shown_url}: the connection broke while reading the body "
                        f"({self._one_line(e)}); check the target's logs"
                    )
                raise fail(err, partial) from None
            finally:
                resp.close()
        elapsed = time.monotonic() - started
        recorded = self._record_response(resp, content, truncated, elapsed, extra)
        exchange = Exchange(
            request=record,
            response=recorded,
            curl=curl,
            attempts=attempt,
            retry_wait_s=waited,
        )
        self.last_exchange = exchange
        raw_pairs = list(resp.raw.headers.items())
        return Reply(
            status=resp.status_code,
            reason=recorded.reason,  # masked: a hostile target may echo the token in its status line
            headers=Headers(raw_pairs, recorded.headers),
            content=content,
            truncated=truncated,
            elapsed_s=elapsed,
            exchange=exchange,
        )

    def _sent_secrets(self, pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """Values of secret headers in this request, searched for in everything recorded."""
        out: list[str] = []
        for name, value in pairs:
            if self._redactor.is_secret(name):
                for v in (value, value.partition(" ")[2]):
                    if len(v) >= _MIN_SECRET:
                        out.append(v)
        return tuple(out)

    def _record(self, data: bytes, extra: Sequence[str], *, cut_tail: bool = False) -> tuple[str, bool]:
        text = self._redactor.text(data.decode("utf-8", errors="replace"), extra, cut_tail=cut_tail)
        if len(text) > self.record_limit:
            return text[: self.record_limit], True
        return text, False

    def _record_response(
        self, resp: requests.Response, content: bytes, truncated: bool, elapsed: float, extra: Sequence[str]
    ) -> RecordedResponse:
        body, cut = self._record(content, extra, cut_tail=truncated)
        return RecordedResponse(
            status=resp.status_code,
            reason=self._redactor.text(resp.reason or "", extra),
            headers=self._redactor.headers(list(resp.raw.headers.items()), extra),
            body=body,
            body_truncated=cut or truncated,
            body_size=len(content),
            elapsed_s=elapsed,
        )

    def _read_body(self, resp: requests.Response, method: str, deadline: _Deadline) -> tuple[bytes, bool]:
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
            piece = chunk if inflater is None else inflater.feed(chunk, self.max_read - len(out) + 1)
            out += piece
            if len(out) > self.max_read or raw_read > self.max_read:
                return bytes(out[: self.max_read]), True
        if deadline.fired:
            raise TargetError("deadline")
        if inflater is not None and not inflater.finished():
            raise zlib.error(f"the {coding} body ends before its compressed stream does")
        return bytes(out), False

    def _send_failure(self, e: BaseException, deadline: _Deadline, method: str, url: str) -> TargetError:
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
            return _deadline_error(method, url, deadline.seconds)
        return TargetError(
            f"{method} {url}: the target's answer is not usable HTTP ({self._one_line(cause)}); "
            "check the target's logs"
        )

    def _one_line(self, e: BaseException) -> str:
        text = self._redactor.text(f"{type(e).__name__}: {e}")
        text = " ".join(text.split())
        return text if len(text) <= 200 else text[:197] + "..."

    # -------------------------------------------------------------- curl

    def _curl(
        self,
        method: str,
        url: str,
        pairs: Sequence[tuple[str, str]],
        payload: bytes | None,
        extra: Sequence[str],
    ) -> str:
        parts = ["curl", "-sS", "-i", "--globoff", "--path-as-is"]
        parts += ["--head"] if method == "HEAD" else ["-X", shlex.quote(method)]
        parts.append(shlex.quote(self._redactor.text(url, extra)))
        left_out: list[str] = []
        for name, value in pairs:
            low = name.lower()
            if low == "host" or (low == "content-length" and payload is not None):
                continue  # curl derives these from the URL and --data-binary
            if low == "authorization" and self._token and value == f"Bearer {self._token}":
                parts.append(f'-H "{name}: Bearer ${TOKEN_ENV}"')
            elif self._redactor.is_secret(name):
                left_out.append(name)
            else:
                header = f"{name}: {self._redactor.text(value, extra)}" if value else f"{name};"
                parts.append("-H " + shlex.quote(header))
        prefix, note = "", ""
        if payload is not None:
            text = self._redactor.text(payload.decode("utf-8", errors="replace"), extra)
            if len(payload) > max(self.record_limit, 1):
                parts.append("--data-binary @request-body.bin")
                note = f"  # save the {len(payload)}-byte request body as request-body.bin"
            elif text.encode("utf-8") == payload and "\x00" not in text:
                parts.append("--data-binary " + shlex.quote(text))
            else:  # binary: octal escapes through printf keep every byte, in any POSIX shell
                prefix = "printf '" + "".join(f"\\{b:03o}" for b in payload) + "' | "
                parts.append("--data-binary @-")
        if left_out:
            note += "  # secret headers left out: " + ", ".join(left_out)
        return prefix + " ".join(parts) + note


def _deadline_error(method: str, url: str, seconds: float) -> TargetError:
    return TargetError(
        f"{method} {url}: no complete answer within the {seconds:g} s deadline (hung, or dripping data); "
        "raise the timeout if the target is only slow"
    )


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value[:12]))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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


def _check_base_url(base_url: str, redactor: _Redactor) -> str:
    shown = redactor.text(base_url)
    try:
        parts = urlsplit(base_url.strip())
        port = parts.port
    except ValueError:
        raise ConfigError(
            f"base URL {shown!r} is not a valid URL; expected e.g. http://127.0.0.1:8080/v1.0"
        ) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"base URL {shown!r} must start with http:// or https:// and name a host, e.g. http://127.0.0.1:8080"
        )
    if parts.username is not None or parts.password is not None:
        raise ConfigError("base URL must not carry user:password; give the bearer token separately")
    del port
    return parts._replace(fragment="").geturl()


__all__ = [
    "ALWAYS_SECRET",
    "MASK",
    "MAX_JSON_DEPTH",
    "UNSET",
    "Client",
    "Headers",
    "Reply",
    "parse_json",
    "retry_after_seconds",
]

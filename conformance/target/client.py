"""The one user of `requests`: bounded, deadline-guarded HTTP calls, recorded with secrets masked at capture.

A target is untrusted input. Every request has connect and read timeouts plus a wall-clock deadline that
a watchdog enforces even while headers are still arriving; bodies are streamed and cut at `max_read`
(decoded gzip/deflate bytes count against it); redirects are returned, never followed; 429/503 with
`Retry-After` are retried within a wait budget, and a 429/503 still there after it is an error, never a
reply; an optional run budget (`total_budget_s`) bounds every attempt and every wait. The recorded
`Exchange` has secret header values, the token and any secret value sent in this request replaced by `***`
before anything else can see it (`conformance.target.redaction` says exactly what is masked; `_transport`
holds the plumbing).
"""

from __future__ import annotations

import copy
import enum
import http.cookiejar
import json as jsonlib
import os
import random
import time
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Final, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3

from conformance.contract.spec import JSON
from conformance.errors import (
    UNDECIDED_ERRORS,
    AnswerUnreadable,
    BudgetSpent,
    ConfigError,
    TargetError,
    TargetTimeout,
    TargetUnreachable,
)
from conformance.results import Exchange, RecordedRequest, RecordedResponse
from conformance.target._jsonbody import MAX_JSON_DEPTH, parse_json
from conformance.target._transport import (
    Adapter,
    Deadline,
    deadline_error,
    read_body,
    send,
    send_failure,
    throttled,
)
from conformance.target.pool import MAX_CONCURRENCY, Pool
from conformance.target.redaction import ALWAYS_SECRET, MASK, Redactor, body_encoding
from conformance.target.reply import Headers, Recording, Reply, retry_after_seconds

T = TypeVar("T")

MAX_ATTEMPTS: Final = 5  # a Retry-After of 0 costs no budget, so attempts are capped too
THROTTLED: Final = (429, 503)  # "not now": retried with Retry-After, never an answer to the request
_BUDGET_EDGE_S: Final = 0.5  # a failure this close to the run's end is the end's doing


class _Unset(enum.Enum):
    UNSET = "UNSET"


UNSET: Final = _Unset.UNSET

# ---------------------------------------------------------------- the reply


# ---------------------------------------------------------------- the client


# client-request-id values: random version-4 UUIDs from a generator seeded once from the OS, not one
# urandom system call per request (they correlate requests, they are not secrets). Its own instance, so the
# module-wide `random` that generation pins for a seed is never touched.
_IDS = random.Random()
os.register_at_fork(after_in_child=_IDS.seed)  # a forked worker must not repeat its parent's ids


def _request_id() -> str:
    return str(uuid.UUID(int=_IDS.getrandbits(128), version=4))


class Client:
    """HTTP client for one target. One client is used by one thread at a time; for concurrent work each
    thread (each check, each request of a batch) uses its own `view()`, which shares the connections,
    the pause and the budget and keeps its own counts and records."""

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
        concurrency: int = 1,
    ) -> None:
        self._default_headers = dict(default_headers or {})
        self._redactor = Redactor(token, secret_headers, self._default_headers)
        self._token = token or None
        self._base = _check_base_url(base_url, self._redactor)
        for name, value in (("timeout", timeout), ("max_read", max_read), ("retry_budget_s", retry_budget_s)):
            if not value > 0 and not (name == "retry_budget_s" and value == 0):
                raise ConfigError(f"client {name} must be positive, got {value!r}")
        if not 1 <= concurrency <= MAX_CONCURRENCY:
            raise ConfigError(f"client concurrency must be 1 to {MAX_CONCURRENCY}, got {concurrency!r}")
        if record_limit < 0:
            raise ConfigError(f"client record_limit must not be negative, got {record_limit!r}")
        self.timeout = float(timeout)
        self.max_read = max_read
        self.record_limit = record_limit
        self.retry_budget_s = float(retry_budget_s)
        self.total_budget_s = total_budget_s
        self._ends_at = None if total_budget_s is None else time.monotonic() + total_budget_s
        self.requests_sent = 0
        self.stalls = 0  # requests the target hung on, throttled past the retries, or refused (give-up rule)
        self._last: Exchange | Recording | None = None  # `last_exchange`, built when read
        # exchanges answered 5xx or broken after the request went out: the server failed (RFC 9110 §15.6)
        self.server_failures: list[Exchange] = []
        self.stopped_after: Exchange | None = None  # answered; the next request found nothing listening
        self._pool = Pool(concurrency, _new_session)  # `concurrency` in flight, each on a session of its own
        self._owner = True  # this client made the pool (its views share it)

    @property
    def concurrency(self) -> int:
        """How many requests may be in flight at once (`--concurrency`)."""
        return self._pool.size

    @property
    def narrowed(self) -> bool:
        """The target answered one connection at a time, so the pool went on with one (see `pool`)."""
        return self._pool.narrowed

    def view(self) -> Client:
        """A client for one check (or one request of a batch) on its own thread: the same target, secrets,
        connections, run budget and Retry-After pause, with its own `requests_sent`, `stalls`,
        `last_exchange`, `server_failures` and `stopped_after`, so concurrent work never mixes records."""
        twin = copy.copy(self)
        twin._owner = False  # closing a view leaves the shared connections open
        twin.requests_sent = 0
        twin.stalls = 0
        twin.last_exchange = None
        twin.server_failures = []
        twin.stopped_after = None
        return twin

    def cancel(self) -> None:
        """Send nothing more, from this client or any of its views (the run stopped)."""
        self._pool.cancelled.set()

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run `fn` (requests sent ahead, on views of this client) on one of the pool's sender threads."""
        return self._pool.submit(fn)

    def absorb(self, view: Client) -> None:
        """Take a view's counts and records as this client's own, as if this client had sent its requests
        (in the order the caller absorbs them, which keeps records independent of timing)."""
        self.requests_sent += view.requests_sent
        self.stalls += view.stalls
        self.server_failures.extend(view.server_failures)
        if view._last is not None:
            self._last = view._last  # as it is: a recording is built only if someone reads it
        if self.stopped_after is None:
            self.stopped_after = view.stopped_after

    @property
    def last_exchange(self) -> Exchange | None:
        """The last request's redacted record (also when it failed, for evidence)."""
        last = self._last
        return last.get() if isinstance(last, Recording) else last

    @last_exchange.setter
    def last_exchange(self, exchange: Exchange | None) -> None:
        self._last = exchange

    @property
    def base_url(self) -> str:
        """The base URL as it may be shown (secrets masked)."""
        return self._redactor.text(self._base)

    def url_for(self, path: str) -> str:
        """The base URL's path joined with `path` (which may carry a query)."""
        if not path:
            return self._base
        return self._base.rstrip("/") + "/" + path.lstrip("/")

    @property
    def redactor(self) -> Redactor:
        """The redaction boundary for this client's secrets (the runner masks with it while a check runs)."""
        return self._redactor

    def redact_text(self, text: str) -> str:
        """`text` with the token (and its escaped forms) masked, for callers that log."""
        return self._redactor.text(text)

    def close(self) -> None:
        if self._owner:
            self._pool.close()

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

        Raises `TargetUnreachable` when nothing accepts the connection, `BudgetSpent` when the run's time
        budget runs out first, and `TargetError` when the answer is unusable (deadline passed, connection
        reset, not HTTP) or is still 429/503 after the retries (rate limiting is never an answer).
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
            sent["client-request-id"] = _request_id()
        sent.update(headers or {})
        url = self.url_for(path)
        if self._pool.cancelled.is_set():
            raise BudgetSpent(f"{method} {self._redactor.text(url)}: not sent, the run had already stopped")
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            with self._pool.turn(self._remaining) as session:  # after any pause; <= `concurrency` in flight
                reply = self._attempt(session, method, url, sent, payload, attempt, waited)
            if reply.status not in THROTTLED:
                return self._final(reply)
            wait = retry_after_seconds(reply.header("Retry-After"))
            if reply.status == 503 and wait is None:  # no sign of overload or maintenance: a server failure
                return self._final(reply)
            why = self._no_retry(wait, attempt, waited)
            if why is not None or wait is None:
                ex = reply.exchange
                shown = self._redactor.text(url)
                error = throttled(reply.status, method, shown, ex.attempts, ex.retry_wait_s, why or "")
                self.last_exchange = replace(ex, error=str(error))
                self.stalls += 1
                raise error
            self._pool.pause(wait)  # the whole pool waits: the target asked to be left alone that long
            waited += wait

    def _no_retry(self, wait: float | None, attempt: int, waited: float) -> str | None:
        """Why a 429/503 asking to wait `wait` seconds is not retried (None: it is)."""
        if wait is None:
            return "without a usable Retry-After"
        if attempt >= MAX_ATTEMPTS:
            return "as many attempts as the harness makes"
        if waited + wait > self.retry_budget_s:
            return f"asking to wait {wait:g} s more, beyond the retry budget of {self.retry_budget_s:g} s"
        if wait >= self._remaining():
            return f"asking to wait {wait:g} s, beyond what is left of the run's time budget"
        return None

    def budget_spent(self) -> bool:
        """True once the run's time budget (`total_budget_s`) has run out."""
        return self._remaining() <= 0

    def budget_error(self, method: str, shown_url: str) -> BudgetSpent:
        """The error for a request the run's time budget did not leave time for (or cut short)."""
        return BudgetSpent(
            f"{method} {shown_url}: the run's time budget of {self.total_budget_s:g} s ran out; "
            "the checks not yet decided are reported as errors (raise --max-time, or run fewer checks)"
        )

    def _final(self, reply: Reply) -> Reply:
        if reply.status >= 500:
            self.server_failures.append(reply.exchange)
        return reply

    # -------------------------------------------------------------- one attempt

    def _remaining(self) -> float:
        return float("inf") if self._ends_at is None else self._ends_at - time.monotonic()

    def _attempt(
        self,
        session: requests.Session,
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
            raise self.budget_error(method, shown_url)
        budget = min(self.timeout, remaining)
        cut_by_run_budget = remaining < self.timeout  # this attempt's deadline is the run's end
        try:
            prepared = _prepare(method, url, headers, payload)
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, ValueError) as e:
            raise ValueError(f"cannot send {method} {shown_url}: {self._redactor.one_line(e)}") from None
        pairs = [(k, v if isinstance(v, str) else v.decode("latin-1")) for k, v in prepared.headers.items()]
        extra = self._redactor.sent_secrets(pairs)
        final_url = prepared.url or url
        sent: list[tuple[RecordedRequest, str]] = []

        def request_side() -> tuple[RecordedRequest, str]:
            """The masked record of the request and its reproduce command (made once, when first needed)."""
            if not sent:
                body_text, body_cut = (
                    (None, False)
                    if payload is None
                    else self._redactor.record(payload, extra, self.record_limit)
                )
                record = RecordedRequest(
                    method=method,
                    url=self._redactor.text(final_url, extra),
                    headers=self._redactor.headers(pairs, extra),
                    body=body_text,
                    body_truncated=body_cut,
                    body_size=len(payload or b""),
                )
                curl = self._redactor.curl(
                    method,
                    final_url,
                    pairs,
                    payload,
                    extra,
                    token=self._token,
                    record_limit=self.record_limit,
                )
                sent.append((record, curl))
            return sent[0]

        def fail(error: TargetError, response: RecordedResponse | None = None) -> TargetError:
            if cut_by_run_budget and (deadline.fired or self._remaining() < _BUDGET_EDGE_S):
                error = self.budget_error(method, shown_url)  # the run's end cut it, not the target
            previous = self.last_exchange
            record, curl = request_side()
            self.last_exchange = Exchange(
                request=record,
                response=response,
                error=str(error),
                curl=curl,
                attempts=attempt,
                retry_wait_s=waited,
            )
            if isinstance(error, TargetTimeout | TargetUnreachable):
                self.stalls += 1  # what the give-up rule counts: answers that cost a timeout, or none at all
            if not isinstance(error, UNDECIDED_ERRORS):  # the request went out and the answer broke
                self.server_failures.append(self.last_exchange)
            elif (
                not isinstance(error, AnswerUnreadable)  # it did answer: nothing says it stopped
                and previous is not None
                and previous.error is None
                and self.stopped_after is None
            ):
                self.stopped_after = previous  # it answered that one, then stopped accepting connections
            return error

        started = time.monotonic()
        self.requests_sent += 1
        with Deadline(budget) as deadline:
            try:
                with self._pool.watching(session) as answered:
                    resp = send(session, prepared, budget, deadline)
                    answered()
            except requests.exceptions.RequestException as e:
                raise fail(send_failure(e, deadline, method, shown_url, self._redactor)) from None
            except OSError as e:
                raise fail(send_failure(e, deadline, method, shown_url, self._redactor)) from None
            try:
                content, truncated = read_body(resp, method, deadline, self.max_read)
            except (urllib3.exceptions.HTTPError, OSError, zlib.error, TargetError) as e:
                partial = self._record_response(_answer(resp), b"", False, time.monotonic() - started, extra)
                if deadline.fired or deadline.expired():
                    err: TargetError = deadline_error(method, shown_url, budget)
                elif isinstance(e, TargetError):
                    err = e
                else:
                    err = TargetError(
                        f"{method} {shown_url}: the connection broke while reading the body "
                        f"({self._redactor.one_line(e)}); check the target's logs"
                    )
                raise fail(err, partial) from None
            finally:
                resp.close()
        elapsed = time.monotonic() - started
        answer = _answer(resp)

        def build() -> Exchange:
            record, curl = request_side()
            recorded = self._record_response(answer, content, truncated, elapsed, extra)
            return Exchange(
                request=record, response=recorded, curl=curl, attempts=attempt, retry_wait_s=waited
            )

        # The masked record is built only when something reads it (a finding's evidence, a report, an error
        # message): most exchanges are judged and never shown. What needs no record is masked now.
        recording = Recording(build)
        self._last = recording
        return Reply(
            status=answer.status,
            reason=self._redactor.text(answer.reason, extra),  # a hostile target may echo the token there
            headers=Headers(answer.pairs, lambda: self._redactor.headers(answer.pairs, extra)),
            content=content,
            truncated=truncated,
            elapsed_s=elapsed,
            recording=recording,
        )

    def _record_response(
        self, answer: _Answer, content: bytes, truncated: bool, elapsed: float, extra: Sequence[str]
    ) -> RecordedResponse:
        content_type = answer.content_type
        body, cut = self._redactor.record(
            content, extra, self.record_limit, cut_tail=truncated, content_type=content_type
        )
        return RecordedResponse(
            status=answer.status,
            reason=self._redactor.text(answer.reason, extra),
            headers=self._redactor.headers(answer.pairs, extra),
            body=body,
            body_truncated=cut or truncated,
            body_size=len(content),
            elapsed_s=elapsed,
            body_decoded_from=body_encoding(content, content_type) or "",
        )


# The headers every request starts from (requests' defaults with the harness's User-Agent and codings).
_SESSION_HEADERS: Final = requests.utils.default_headers()
_SESSION_HEADERS.update({"User-Agent": "graph-conformance", "Accept-Encoding": "gzip, deflate"})


@dataclass(frozen=True, slots=True)
class _Answer:
    """What a record of the answer needs, taken off the response (which holds the connection)."""

    status: int
    reason: str
    pairs: list[tuple[str, str]]
    content_type: str | None


def _answer(resp: requests.Response) -> _Answer:
    pairs = list(resp.raw.headers.items())
    return _Answer(resp.status_code, resp.reason or "", pairs, resp.headers.get("Content-Type"))


def _new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no environment proxies or netrc: the token goes to the target only
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    session.headers.update(_SESSION_HEADERS)
    session.mount("http://", Adapter())
    session.mount("https://", Adapter())
    return session


def _prepare(
    method: str, url: str, headers: Mapping[str, str], payload: bytes | None
) -> requests.PreparedRequest:
    """The request as `Session.prepare_request` of a `_new_session()` builds it, without its merging: the
    session's headers, then the request's (the same order and spelling); no cookies (the session's policy
    accepts none, so its jar is always empty), no environment auth (`trust_env` is off), no params."""
    merged = requests.structures.CaseInsensitiveDict(_SESSION_HEADERS)
    merged.update(headers)
    prepared = requests.PreparedRequest()
    prepared.prepare(
        method=method,
        url=url,
        headers=merged,
        files=[],
        data=[] if payload is None else payload,
        params={},
        cookies=None,
    )
    return prepared


def _check_base_url(base_url: str, redactor: Redactor) -> str:
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

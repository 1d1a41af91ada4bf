"""What came back from a target: `Reply` (status, bounded content, the redacted exchange), its read-only
`Headers` (repr redacted), the `Recording` that builds the redacted exchange when it is first read, and
reading a `Retry-After` value."""

from __future__ import annotations

import email.utils
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from conformance.contract.spec import JSON
from conformance.results import Exchange
from conformance.target._jsonbody import parse_json, repeated_names


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only response headers; repeated fields join with ', '. Repr is redacted."""

    __slots__ = ("_index", "_names", "_pairs", "_shown")

    def __init__(
        self,
        pairs: Iterable[tuple[str, str]],
        shown: Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]] = (),
    ) -> None:
        self._pairs = tuple(pairs)
        self._shown = shown if callable(shown) else tuple(shown)  # a callable: the masked pairs, when asked
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
        shown = self._shown() if callable(self._shown) else self._shown
        return f"Headers({list(shown)!r})"


class Recording:
    """The redacted `Exchange` of one request, built the first time anything reads it (once, whichever
    thread asks first). Most exchanges are never shown: a check reads its evidence only for a finding, a
    report only a finding's. `build` masks everything it records (the client's redactor), so what any
    reader gets is exactly what an eager record would have been."""

    __slots__ = ("_build", "_exchange", "_lock")

    def __init__(self, build: Callable[[], Exchange]) -> None:
        self._build: Callable[[], Exchange] | None = build
        self._exchange: Exchange | None = None
        self._lock = threading.Lock()

    def get(self) -> Exchange:
        with self._lock:
            if self._exchange is None:
                assert self._build is not None
                self._exchange, self._build = self._build(), None  # what it held (raw bytes) is let go
            return self._exchange

    def __repr__(self) -> str:
        return "Recording(...)"  # never the raw request or answer it holds


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Reply:
    """What came back. `content` is bounded by `max_read`; `exchange` is the redacted record for evidence."""

    status: int
    reason: str
    headers: Headers
    content: bytes
    truncated: bool
    elapsed_s: float
    recording: Recording

    @property
    def exchange(self) -> Exchange:
        """The redacted record of the request and the answer, for evidence (built when first read)."""
        return self.recording.get()

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> JSON:
        """The body as JSON; `ValueError` with a clear message if it is not UTF-8 JSON of sane depth."""
        return parse_json(self.content, truncated=self.truncated)

    def duplicate_names(self) -> tuple[str, ...]:
        """JSON pointers of members whose name repeats in its object (RFC 8259 §4); `json()` keeps the last"""
        return repeated_names(self.content, truncated=self.truncated)

    def __repr__(self) -> str:
        req, resp = self.exchange.request, self.exchange.response
        reason = resp.reason if resp is not None else ""
        cut = ", truncated" if self.truncated else ""
        return (
            f"Reply({req.method} {req.url} -> {self.status} {reason!r}, "
            f"content=<{len(self.content)} bytes{cut}>, elapsed_s={self.elapsed_s:.3f}, "
            f"attempts={self.exchange.attempts})"
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

"""What a client shares with its views: N sessions lent out one per attempt in flight, and one pause.

A run with `--concurrency N` sends from several threads at once. An attempt takes one of at most N slots
and, with it, a `requests.Session` of its own for as long as it is in flight (a session's stale-connection
retry closes its whole pool, which must never cut another thread's request). A session is used by one
attempt at a time and keeps at most one connection open, so the target is never asked for more than N
connections, and exactly one with `--concurrency 1` (a single-threaded keep-alive server works). A 429/503
with `Retry-After` pauses the whole pool, not just the request that heard it: a throttled target is asked
to slow down, so no thread sends until the pause is over.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final, TypeVar

import requests

T = TypeVar("T")

MAX_CONCURRENCY: Final = 64  # more connections than any target under test should be asked to serve


class Pool:
    """`size` slots for attempts in flight, each lending a session, and the pool-wide pause."""

    def __init__(self, size: int, make: Callable[[], requests.Session]) -> None:
        self.size = size
        self._make = make
        self._sessions: list[requests.Session] = []  # every session made (at most `size`)
        self._idle: list[requests.Session] = []  # those no attempt holds
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(size)
        self._resume_at = 0.0  # monotonic time before which no attempt goes out (a Retry-After heard)
        self._executor: ThreadPoolExecutor | None = None  # the senders of requests sent ahead (`submit`)
        self.cancelled = threading.Event()  # the run stopped: no request goes out any more

    def _lend(self) -> requests.Session:
        """An idle session (the most recently used: its connection is the likeliest still open)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        session = self._make()
        with self._lock:
            self._sessions.append(session)
        return session

    def _give_back(self, session: requests.Session) -> None:
        with self._lock:
            self._idle.append(session)

    def pause(self, seconds: float) -> None:
        """Hold every thread's next attempt for `seconds` from now (a Retry-After applies to the target)."""
        with self._lock:
            self._resume_at = max(self._resume_at, time.monotonic() + seconds)

    @contextmanager
    def turn(self, remaining: Callable[[], float]) -> Iterator[requests.Session]:
        """Wait out a pause (never past the run's end, `remaining()` seconds away), then take a slot and
        the session that goes with it (the attempt's alone until it ends)."""
        while True:
            with self._lock:
                wait = self._resume_at - time.monotonic()
            wait = min(wait, remaining())
            if wait <= 0:
                break
            time.sleep(wait)
        with self._slots:
            session = self._lend()
            try:
                yield session
            finally:
                self._give_back(session)

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run `fn` (which sends requests) on one of `size` sender threads."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.size, thread_name_prefix="conformance-send")
            return self._executor.submit(fn)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions, self._idle = self._sessions, [], []
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        for session in sessions:
            session.close()


__all__ = ["MAX_CONCURRENCY", "Pool"]

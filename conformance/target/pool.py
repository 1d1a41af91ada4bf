"""What a client shares with its views: N sessions lent out one per attempt in flight, and one pause.

A run with `--concurrency N` sends from several threads at once. An attempt takes one of at most N slots
and, with it, a `requests.Session` of its own for as long as it is in flight (a session's stale-connection
retry closes its whole pool, which must never cut another thread's request). A session is used by one
attempt at a time and keeps at most one connection open, so the target is never asked for more than N
connections, and exactly one with `--concurrency 1` (a single-threaded keep-alive server works). A 429/503
with `Retry-After` pauses the whole pool, not just the request that heard it: a throttled target is asked
to slow down, so no thread sends until the pause is over.

A server that serves one connection at a time until the client closes it (Python's plain `HTTPServer`
speaking HTTP/1.1, many small mocks) leaves every other connection waiting while one of the pool's idle
keep-alive connections holds it. So when an answer is `STALL_S` late (and every `STALL_S / 2` after) and in
the last `2 * STALL_S` (since the last close) at most one connection was answered, the idle connections are
closed (harmless: they carry nothing), or, with none idle, the next one given back; when, twice, an answer
waited for then comes within `UNBLOCKED_S`, the target was waiting on the connection closed, and the pool
narrows to one attempt in flight and one connection for the rest of the run (`narrowed`). A busy target
answering on several connections is left alone. Verdicts do not depend on the concurrency, so narrowing
costs only time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Final, TypeVar

import requests

from conformance.target._transport import Alarm

T = TypeVar("T")

MAX_CONCURRENCY: Final = 64  # more connections than any target under test should be asked to serve
STALL_S: Final = 1.0  # an answer this late, with connections idle, may be waiting for one of them to close
UNBLOCKED_S: Final = 0.25  # an answer this soon after the idle connections closed was waiting for that


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
        self.narrowed = False  # the target serves one connection at a time: one attempt in flight from now
        self._single = threading.Lock()  # held by the attempt in flight once narrowed
        self._unblocked_at = 0.0  # when a late answer's alarm last closed the idle connections
        self._close_next = False  # a late answer found none idle: close the next one given back
        self._answered: dict[int, float] = {}  # when each session (by id) last began to get an answer
        self._last_close = 0.0  # when a connection was last closed for a late answer
        self._evidence = 0  # late answers that came just after such a close (two narrow the pool)

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
            if self.narrowed:  # close every connection but the last, so the target can move on to the next
                keep = len(self._sessions) == 1
            else:  # a late answer found no connection idle: the one coming back is the one the target holds
                keep, self._close_next = not self._close_next, False
                if not keep:
                    self._unblocked_at = self._last_close = time.monotonic()
            if keep:
                self._idle.append(session)
            elif session in self._sessions:  # not when `close` already let every session go
                self._sessions.remove(session)
        if not keep:
            session.close()

    def _close_idle(self) -> bool:
        """Close the connections no attempt holds; True if there were any."""
        with self._lock:
            idle, self._idle = self._idle, []
            self._sessions = [s for s in self._sessions if s not in idle]
        for session in idle:
            session.close()
        return bool(idle)

    @contextmanager
    def watching(self, session: requests.Session) -> Iterator[Callable[[], None]]:
        """Around an attempt's wait for its answer on `session`; call what it yields when the answer begins.
        Narrows the pool when answers waited for come, twice, just after a connection the target held was
        closed (see the module's docstring)."""
        if self.size == 1 or self.narrowed:
            yield lambda: None
            return
        started = time.monotonic()
        alarm: Alarm | None = None

        def ring() -> None:
            nonlocal alarm
            self._stalled()
            with self._lock:
                if alarm is not None and not alarm.done_by_answer:
                    alarm = Alarm(STALL_S / 2, ring)  # still waiting: look again
                    alarm.__enter__()

        def answered() -> None:
            now = time.monotonic()
            with self._lock:
                if alarm is not None:
                    alarm.done_by_answer = True
                    alarm.stop()
                self._answered[id(session)] = now
                if started < self._unblocked_at <= now <= self._unblocked_at + UNBLOCKED_S:
                    self._unblocked_at = 0.0  # one close, one piece of evidence
                    self._evidence += 1
                    self.narrowed = self._evidence >= 2

        with self._lock:
            alarm = Alarm(STALL_S, ring)
        alarm.__enter__()
        try:
            yield answered
        finally:
            with self._lock:
                if alarm is not None:
                    alarm.done_by_answer = True
                    alarm.stop()

    def _stalled(self) -> None:
        """An answer is late. Unless several connections were answered since the last close (a busy target),
        close the idle connections, or, with none idle and one connection being answered, the next one
        given back: the target may be holding it."""
        now = time.monotonic()
        with self._lock:
            since = max(now - 2 * STALL_S, self._last_close)  # two: answers just before the stall count too
            answering = sum(1 for at in self._answered.values() if at > since)
            if answering > 1:
                return
        if self._close_idle():
            with self._lock:
                self._unblocked_at = self._last_close = time.monotonic()
        elif answering == 1:
            with self._lock:
                self._close_next = True

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
            single = self._single if self.narrowed else None
            if single is not None:
                single.acquire()
            try:
                session = self._lend()
                try:
                    yield session
                finally:
                    self._give_back(session)
            finally:
                if single is not None:
                    single.release()

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

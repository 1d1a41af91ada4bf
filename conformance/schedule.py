"""Which checks may run at the same time, and running them over `--concurrency` threads in lanes.

Checks that share what one of them sent (`@check(lane=...)`, e.g. the create the CREATE checks examine)
form one lane and run one after another in catalogue order; every other check is a lane of its own.
A lane named in `last` starts only once every other lane has finished (the lifecycle checks list what the
target holds, which must not depend on what other checks are creating meanwhile); with concurrency 1 too:
taking the first check of such a lane first runs every later check of the other lanes, in catalogue order,
and hands their outcomes over when they are taken.
Lanes start in catalogue order on at most `concurrency` threads, and the caller takes each check's
outcome in catalogue order (`take`), so it decides the run (give-up rule, budget, reports) in the same
order whatever the concurrency. With concurrency 1 nothing runs ahead: `take` runs the check right then,
in the caller's thread, exactly as a plain loop would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Generic, TypeVar

T = TypeVar("T")


def lanes(keys: Sequence[str | None]) -> list[list[int]]:
    """Indices grouped into lanes: one per named key (in order), one per None; ordered by first index."""
    named: dict[str, list[int]] = {}
    out: list[list[int]] = []
    for index, key in enumerate(keys):
        if key is None:
            out.append([index])
        elif key in named:
            named[key].append(index)
        else:
            named[key] = [index]
            out.append(named[key])
    return out


class Schedule(Generic[T]):
    """Runs `work(index)` for each index, lane by lane, on up to `concurrency` threads."""

    def __init__(
        self,
        keys: Sequence[str | None],
        concurrency: int,
        work: Callable[[int], T],
        not_run: Callable[[], T],
        last: Collection[str] = (),
    ) -> None:
        self._work, self._not_run = work, not_run
        self._stop = threading.Event()
        self._futures: list[Future[T]] = [Future() for _ in keys]
        self._executor: ThreadPoolExecutor | None = None
        self._last = {i for i, key in enumerate(keys) if key is not None and key in last}
        self._early: dict[int, tuple[bool, T | Exception]] = {}  # concurrency 1: outcomes run ahead
        self._ran_ahead = False
        if concurrency > 1:
            self._executor = ThreadPoolExecutor(concurrency, thread_name_prefix="conformance-check")
            grouped = lanes(keys)
            final = [lane for lane in grouped if keys[lane[0]] in last]
            for lane in grouped:
                if lane not in final:
                    self._executor.submit(self._run_lane, lane)
            if final:  # one thread waits for the others, then runs the last lanes one after another
                others = [self._futures[i] for lane in grouped if lane not in final for i in lane]
                self._executor.submit(self._run_last, others, final)

    def _run_last(self, others: list[Future[T]], final: list[list[int]]) -> None:
        # lanes cancelled by `close` never finish: stopping ends the wait too (the last lanes are not run)
        while not self._stop.is_set() and wait(others, timeout=0.05).not_done:
            pass
        for lane in final:
            self._run_lane(lane)

    def _run_lane(self, lane: list[int]) -> None:
        for index in lane:
            future = self._futures[index]
            if self._stop.is_set():
                future.set_result(self._not_run())
                continue
            try:
                future.set_result(self._work(index))
            except BaseException as exc:  # handed to the caller's thread, which decides what it means
                future.set_exception(exc)

    def take(self, index: int) -> T:
        """The outcome of `work(index)`: computed now with concurrency 1, else waited for."""
        if self._executor is None:
            if index in self._early:
                ok, value = self._early.pop(index)
                if not ok:
                    assert isinstance(value, Exception)
                    raise value
                return value  # type: ignore[return-value]  # ok: a T
            if index in self._last and not self._ran_ahead:
                self._ran_ahead = True
                for later in range(index + 1, len(self._futures)):
                    if later not in self._last:
                        try:
                            self._early[later] = (True, self._work(later))
                        except Exception as exc:  # raised again when that check is taken
                            self._early[later] = (False, exc)
            return self._work(index)
        return self._futures[index].result()

    def stop(self) -> None:
        """Start no further check (those running finish; their outcomes are not taken)."""
        self._stop.set()

    def close(self) -> None:
        self.stop()
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


__all__ = ["Schedule", "lanes"]

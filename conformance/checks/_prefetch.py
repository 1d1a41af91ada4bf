"""Requests a check sends ahead over the run's connections, handed back in order as if sent just then.

A check that sends many independent requests (edge cases, robustness inputs, generated bodies) judges
them one by one and may stop at the first broken answer. With `--concurrency N` the requests go out
ahead, at most `ahead(N)` beyond the one being judged, each on a view of the client (its own records);
the check takes a request's records only when it judges that request. So a check that stops early
reports exactly what a sequential run reports: the requests sent ahead of it are not its evidence.
Once a request fails (a `TargetError`: a hung, refused or broken answer) nothing more is sent ahead,
and a later item sends its request only when the check asks for it, as a sequential run would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from conformance.errors import TargetError

if TYPE_CHECKING:
    from conformance.checks import CheckContext
    from conformance.target.client import Client, Reply


def ahead(concurrency: int) -> int:
    """How many requests may be out beyond the one being judged: enough to keep every connection busy,
    few enough that a check stopping at its first failure wastes little."""
    return 0 if concurrency <= 1 else 2 * concurrency


@dataclass(slots=True)
class _Item:
    call: Callable[[CheckContext], Reply]
    view: Client
    future: Future[Reply] | None = None
    taken: bool = False


class _Ahead:
    """The items of one `prefetch`, the window of requests out ahead, and the stop after a failure."""

    def __init__(self, ctx: CheckContext, calls: Sequence[Callable[[CheckContext], Reply]]) -> None:
        self.ctx = ctx
        self.items = [_Item(call, ctx.client.view()) for call in calls]
        self.window = ahead(ctx.client.concurrency)
        self.submitted = 0
        self.failed = threading.Event()  # a request failed: send nothing more ahead
        self.lock = threading.Lock()

    def fill(self, judged: int) -> None:
        """Submit items until `window` are out beyond item `judged` (none once a request failed)."""
        with self.lock:
            while (
                not self.failed.is_set()
                and self.submitted < len(self.items)
                and self.submitted < judged + 1 + self.window
            ):
                item = self.items[self.submitted]
                item.future = self.ctx.client.submit(self._sender(item))
                self.submitted += 1

    def _sender(self, item: _Item) -> Callable[[], Reply]:
        def send() -> Reply:
            if self.failed.is_set():
                raise _NotSent
            try:
                return item.call(replace(self.ctx, client=item.view))
            except TargetError:
                self.failed.set()
                raise

        return send

    def take(self, index: int) -> Reply:
        """Item `index`'s reply (or error), its records now the check's own."""
        item = self.items[index]
        if item.taken:
            raise RuntimeError("each prefetched request is taken once")
        item.taken = True
        self.fill(index)
        try:
            if item.future is not None:
                try:
                    return item.future.result()
                except _NotSent:
                    pass
            return item.call(replace(self.ctx, client=item.view))  # sent now, as a sequential run would
        finally:
            self.ctx.client.absorb(item.view)


class Stream:
    """Requests added one by one (as a generator draws them), sent ahead, judged in the order added.

    `judge(index, take)` runs in the caller's thread, in order; `take()` returns the request's reply (or
    raises its error) and makes it the check's own. Judging stops for good when `judge` returns True (a
    failure found, the target gone): later requests were sent ahead, and are not the check's.
    """

    def __init__(self, ctx: CheckContext, judge: Callable[[int, Callable[[], Reply]], bool]) -> None:
        self.ahead = _Ahead(ctx, ())
        self.judge = judge
        self.judged = 0
        self.stopped = False

    def add(self, call: Callable[[CheckContext], Reply]) -> bool:
        """Send `call`'s request ahead; judge what has come back. False once judging has stopped."""
        state = self.ahead
        with state.lock:
            state.items.append(_Item(call, state.ctx.client.view()))
        state.fill(self.judged)
        while not self.stopped and self.judged < len(state.items):
            item = state.items[self.judged]
            room = len(state.items) - self.judged <= state.window
            if item.future is not None and not item.future.done() and room:
                break  # keep drawing while the window has room
            self._judge_next()
        return not self.stopped

    def finish(self) -> None:
        """Judge every request not yet judged, in order, until judging stops."""
        while not self.stopped and self.judged < len(self.ahead.items):
            self._judge_next()

    def _judge_next(self) -> None:
        index = self.judged
        self.judged += 1
        self.stopped = self.judge(index, lambda: self.ahead.take(index))
        if not self.stopped:
            self.ahead.fill(self.judged)


class _NotSent(Exception):
    """An item whose request was not sent ahead because an earlier one failed."""


def prefetch(
    ctx: CheckContext, calls: Sequence[Callable[[CheckContext], Reply]]
) -> list[Callable[[], Reply]]:
    """See `CheckContext.prefetch`."""
    state = _Ahead(ctx, calls)
    if state.window:
        state.fill(-1)
    return [lambda index=index: state.take(index) for index in range(len(calls))]  # type: ignore[misc]


__all__ = ["Stream", "ahead", "prefetch"]

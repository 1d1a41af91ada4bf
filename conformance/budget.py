"""When a run stops early: its time budget (`--max-time`) and SIGTERM.

A run has a wall-clock budget from its first check. Without `--max-time` it is derived from the timeout and
the number of requests the planned checks may send:

    60 s + planned requests x timeout / 4

where a hand-written check plans `PROBE_REQUESTS` requests and a generated one `examples + SHRINK_BUDGET`
(what hypothesis may spend shrinking a failure). With the defaults (30 checks, timeout 10 s, 25 examples)
that is about 16 minutes, far above a healthy run (seconds) and far below what a target that answers
slowly, or asks to wait before every answer, could cost without it. `--max-time 0` turns the budget off.
The client enforces it (`Client(total_budget_s=...)`): every attempt's deadline and every Retry-After wait
ends with it, so it cuts a check in the middle; the runner reports every check not decided by then as ERROR.

SIGTERM (what CI systems send on a timeout) ends a run like Ctrl-C: `stop_on_sigterm` turns the first one
into `Terminated`, a `KeyboardInterrupt` the runner catches, so the remaining checks are ERROR and the reports
are written (a SIGTERM while they are written waits for them); the exit code is the verdict's (3 unless a
counted check already failed), as for Ctrl-C, so the exit code and report.json's `exit_code` agree.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Final

from conformance.checks.fuzz import SHRINK_BUDGET

if TYPE_CHECKING:
    from conformance.checks import BoundCheck
    from conformance.config import Config

HARNESS_S: Final = 60.0  # the harness's own work: startup, generation, shrinking, under a loaded machine
PROBE_REQUESTS: Final = 4  # a hand-written check sends 0 to 8 requests, 1.5 on average
TIMEOUT_SHARE: Final = 4  # a planned request may take a quarter of its timeout on average


@dataclass(frozen=True, slots=True, kw_only=True)
class RunBudget:
    """The run's time budget in seconds (None: no limit) and how it was chosen, for the reports."""

    seconds: float | None
    note: str


def planned_requests(checks: Sequence[BoundCheck], examples: int) -> int:
    """How many requests `checks` may send: what the default budget is derived from."""
    total = 0
    for bound in checks:
        if bound.skip_reason:
            continue
        total += examples + SHRINK_BUDGET if bound.check.kind == "generated" else PROBE_REQUESTS
    return total


def run_budget(config: Config, checks: Sequence[BoundCheck]) -> RunBudget:
    """The budget `config` asks for (`max_time`), or the default derived from the timeout and the plan."""
    if config.max_time == 0:
        return RunBudget(seconds=None, note="run time budget: none (--max-time 0)")
    if config.max_time is not None:
        return RunBudget(seconds=config.max_time, note=f"run time budget: {config.max_time:g} s (--max-time)")
    planned = planned_requests(checks, config.examples)
    seconds = round(HARNESS_S + planned * config.timeout / TIMEOUT_SHARE)
    return RunBudget(
        seconds=float(seconds),
        note=(
            f"run time budget: {seconds:g} s (the default: {HARNESS_S:g} s + {planned} planned requests "
            f"x {config.timeout:g} s timeout / {TIMEOUT_SHARE}; set another with --max-time)"
        ),
    )


def budget_spent_reason(budget: RunBudget) -> str:
    """Why the checks after the budget ran out were not decided."""
    return (
        f"the run's time budget of {budget.seconds or 0:g} s ran out; the remaining checks were not run "
        "(raise --max-time, or run fewer checks)"
    )


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: handled like Ctrl-C (keep what was seen, report the rest as not decided)."""


class SigtermStop:
    """While armed, the first SIGTERM raises `Terminated` in the main thread; disarmed (or repeated), a
    SIGTERM is only remembered, so bounded work such as writing the reports is not cut short."""

    def __init__(self) -> None:
        self.armed = True
        self.received = False

    def disarm(self) -> None:
        self.armed = False

    def handle(self, signum: int, frame: FrameType | None) -> None:
        first = not self.received
        self.received = True
        if first and self.armed:
            raise Terminated("the run was stopped by SIGTERM")


def hold_sigterm() -> Callable[[], None]:
    """Block SIGTERM in the main thread until the returned function is called (once is enough): a SIGTERM
    that arrives meanwhile is delivered then, where the caller is ready for it. Threads started while it is
    held keep it blocked, so the main thread gets it. Elsewhere (another thread, no `pthread_sigmask`), a
    no-op."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return lambda: None
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    held = [True]

    def release() -> None:
        if held[0]:
            held[0] = False
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})

    return release


@contextmanager
def stop_on_sigterm() -> Iterator[SigtermStop]:
    """A `SigtermStop` handling SIGTERM within the block (then the previous handler again). Outside the
    main thread, where no signal arrives, it handles nothing."""
    stop = SigtermStop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGTERM, stop.handle)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)

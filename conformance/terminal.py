"""What a run shows on a terminal: a progress line per check, generated-case progress, the verdict summary.

Every line goes through `console.guarded`, so text a target sent cannot drive the terminal.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from conformance.console import control, guarded
from conformance.results import RunResult, Status, WaiverState
from conformance.runner import Progress


def plural(count: int, noun: str) -> str:
    """'1 check', '2 checks': counts read as words, not as a template."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


MAX_LINE = 2000  # characters of one terminal line; the rest is in the reports

_MARK = {
    Status.PASS: "PASS ",
    Status.FAIL: "FAIL ",
    Status.ERROR: "ERROR",
    Status.SKIP: "skip ",
    Status.WAIVED: "WAIVED",
}


class Terminal:
    """Progress lines and the final summary; verbosity 0 prints only the verdict."""

    def __init__(self, out: TextIO, verbosity: int) -> None:
        self.out, self.verbosity = guarded(out), verbosity  # target text is escaped on its way out
        self.lock = threading.Lock()
        self.dirty = False  # an updating line is on screen and must be cleared
        self.gone = False  # the reader of `out` went away

    def case(self, text: str) -> None:
        """Generated-case progress: an updating line on a terminal, a line per update with -v."""
        if self.verbosity >= 2:
            self._line(f"      {text}")
        elif self.verbosity == 1 and self.out.isatty():
            with self.lock:
                control(self.out, "\r\x1b[K")
                print(f"      {text}", end="", file=self.out, flush=True)
                self.dirty = True

    def progress(self, event: Progress) -> None:
        if self.verbosity == 0 or event.result is None:
            if self.verbosity >= 2 and event.result is None:
                width = len(str(event.total))
                self._line(f"[{event.index:>{width}}/{event.total}] running {event.check.check.id} ...")
            return
        r = event.result
        width = len(str(event.total))
        tail = f" ({r.duration_s:.2f}s, {r.requests} req)" if r.status is not Status.SKIP else f" ({r.error})"
        self._line(
            f"[{event.index:>{width}}/{event.total}] {_MARK[r.status]} {r.check.id:<10} "
            f"{r.check.level.value:<6} {r.check.title}{tail}"
        )
        if self.verbosity >= 2 or r.status in (Status.FAIL, Status.ERROR):
            for f in r.findings[: (None if self.verbosity >= 2 else 3)]:
                self._line(f"      - {f.message}")
            if r.status is Status.ERROR and r.error:
                self._line(f"      - {r.error}")
            if self.verbosity >= 2:
                for note in r.notes:
                    self._line(f"      note: {note}")
        for w in r.waivers:  # the user's words, escaped like everything else on the way out
            if w.state is WaiverState.WAIVED or r.status is Status.FAIL:
                self._line(f"      - waiver ({w.state.value}): {w.reason} [{w.detail}]")

    def summary(self, run: RunResult, written: Sequence[Path]) -> None:
        counts = run.counts()
        totals = {s.value: sum(level[s.value] for level in counts.values()) for s in Status}
        waived = f"{'waived':>8}" if run.waivers else ""  # the column only where waivers were given
        if self.verbosity >= 1:
            self._line("")
            self._line(f"{'level':<7}{'pass':>6}{'fail':>6}{'error':>7}{'skip':>6}{waived}")
            for level, row in counts.items():
                extra = f"{row['waived']:>8}" if waived else ""
                self._line(
                    f"{level:<7}{row['pass']:>6}{row['fail']:>6}{row['error']:>7}{row['skip']:>6}{extra}"
                )
            for w in run.waivers:
                self._line(
                    f"waiver {w.check_id} ({w.where}): {w.state.value.upper()}: {w.detail}; {w.reason}"
                )
            self._line(f"seed {run.seed} (rerun with --seed {run.seed}); target {run.target}")
            for note in run.notes:
                self._line(f"note: {note}")
            if written:
                self._line("reports: " + ", ".join(str(p) for p in written))
        self._line(
            f"verdict: {run.verdict.text} ({totals['pass']} passed, {totals['fail']} failed, "
            + (f"{totals['waived']} waived, " if totals["waived"] else "")
            + f"{plural(totals['error'], 'error')}, {totals['skip']} skipped; exit {run.verdict.exit_code})"
        )

    def say(self, text: str) -> None:
        """One line of run information (hidden by --quiet)."""
        if self.verbosity:
            self._line(text)

    def _line(self, text: str) -> None:
        if len(text) > MAX_LINE:  # a target's 60 kB reason phrase must not flood a CI log; reports keep it
            text = f"{text[:MAX_LINE]}... ({len(text) - MAX_LINE} more characters; see the reports)"
        with self.lock:
            if self.gone:
                return
            try:
                if self.dirty:
                    control(self.out, "\r\x1b[K")
                    self.dirty = False
                print(text, file=self.out, flush=True)
            except BrokenPipeError:  # `conformance run | head`: keep running, keep the exit code
                self.gone = True

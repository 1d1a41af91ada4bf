"""The report formats: `REPORTERS` by name, and `write_reports()` that writes the chosen ones atomically.

Files on disk (no symlink followed, stale reports removed) are `reporters.files`' job.

Each reporter is a pure function of a `RunResult`. May import: `conformance.results` and
`conformance.contract.spec` only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from conformance.reporters import html, json, junit, markdown
from conformance.reporters.files import check_writable, remove_stale, write_atomically

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path
    from typing import TextIO

    from conformance.results import RunResult


class Reporter(Protocol):
    """One report format: the file name it writes and a pure `write(run, stream)`."""

    @property
    def filename(self) -> str: ...

    def write(self, run: RunResult, stream: TextIO) -> None: ...


REPORTERS: dict[str, Reporter] = {"json": json, "junit": junit, "md": markdown, "html": html}


def write_reports(run: RunResult, directory: Path, formats: Sequence[str]) -> list[Path]:
    """Write each format in `formats` to `directory` (created if missing); return the paths written.

    Each file appears whole or not at all: it is written to a fresh temporary file beside it (never through
    an existing path or symlink) and renamed. Reports of an earlier run in other formats are removed, so
    the folder never holds a stale verdict beside a fresh one; other files stay. Raises ValueError for an
    unknown format (before writing anything) and OSError if the directory cannot be written.
    """
    unknown = [f for f in formats if f not in REPORTERS]
    if unknown:
        known = ", ".join(REPORTERS)
        raise ValueError(f"unknown report format {unknown[0]!r}; choose from {known}")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in dict.fromkeys(formats):  # keep order, drop repeats
        reporter = REPORTERS[name]
        written.append(write_atomically(directory, reporter.filename, _writer(reporter, run)))
    remove_stale(directory, keep=[p.name for p in written])
    return written


def _writer(reporter: Reporter, run: RunResult) -> Callable[[TextIO], None]:
    return lambda stream: reporter.write(run, stream)


__all__ = ["REPORTERS", "Reporter", "check_writable", "write_reports"]

"""The report formats: `REPORTERS` by name, and `write_reports()` that writes the chosen ones atomically.

Each reporter is a pure function of a `RunResult`. May import: `conformance.results` and
`conformance.contract.spec` only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from conformance.reporters import html, json, junit, markdown

if TYPE_CHECKING:
    from collections.abc import Sequence
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

    Each file appears whole or not at all: it is written to a temporary file beside it and renamed.
    Raises ValueError for an unknown format (before writing anything) and OSError if the directory
    cannot be written.
    """
    unknown = [f for f in formats if f not in REPORTERS]
    if unknown:
        known = ", ".join(REPORTERS)
        raise ValueError(f"unknown report format {unknown[0]!r}; choose from {known}")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name in dict.fromkeys(formats):  # keep order, drop repeats
        reporter = REPORTERS[name]
        target = directory / reporter.filename
        fd, tmp = tempfile.mkstemp(prefix=f".{reporter.filename}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
                reporter.write(run, stream)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written


__all__ = ["REPORTERS", "Reporter", "write_reports"]

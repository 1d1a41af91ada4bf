"""Report files on disk: a writability probe, atomic writes, stale-report removal; no symlink followed.

The report directory may be shared (a CI workspace, a user's folder) and may hold a symlink someone planted at
any name the harness uses. So no existing path is ever opened for writing: the probe and every report are
created under a fresh random name with `O_CREAT | O_EXCL | O_NOFOLLOW` (which refuses an existing file or
link), written, then renamed over the target name (a rename replaces a link, it never writes through it).
Stale reports are unlinked, which removes a link and never touches what it points to.
"""

from __future__ import annotations

import os
import secrets
import stat
from contextlib import suppress
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import TextIO

# How each report file starts (within its first bytes): a file at a report's name without it is not one of
# ours, and a run leaves it alone.
SIGNATURES: dict[str, bytes] = {
    "report.json": b'"harness_version"',
    "junit.xml": b'<testsuites name="conformance"',
    "report.md": b"## Conformance: ",
    "report.html": b"<title>Conformance ",
}
_HEAD = 8192  # bytes read to look for a signature
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_TRIES = 100


def create_exclusive(directory: Path, prefix: str) -> tuple[int, Path]:
    """A new, empty file `directory/<prefix><random>.tmp`, opened for writing: (fd, path).

    `O_EXCL` makes the open fail rather than reuse anything at that name, a planted symlink included.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_TRIES):
        path = directory / f"{prefix}{secrets.token_hex(8)}.tmp"
        try:
            return os.open(path, flags, 0o600), path
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name in {directory}")


def check_writable(directory: Path) -> None:
    """Create `directory` if missing and prove a file can be made in it; raises OSError if not."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, path = create_exclusive(directory, ".conformance-probe-")
    os.close(fd)
    os.unlink(path)


def write_atomically(directory: Path, filename: str, write: Callable[[TextIO], None]) -> Path:
    """Write `directory/filename` whole or not at all, through a fresh temporary file renamed over it."""
    target = directory / filename
    fd, tmp = create_exclusive(directory, f".{filename}.")
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            write(stream)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    return target


def is_report(path: Path) -> bool:
    """True if `path` is a regular file (not a link) that a run of the harness wrote, judged by its start."""
    signature = SIGNATURES.get(path.name)
    if signature is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:  # missing, a symlink (ELOOP), unreadable
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        return signature in os.read(fd, _HEAD)
    finally:
        os.close(fd)


def remove_stale(directory: Path, keep: Iterable[str]) -> list[Path]:
    """Remove the reports of an earlier run that this one did not rewrite; return the paths removed.

    Only files at a report's name that start like that report go: a user's own files, folders and links
    stay.
    """
    kept = set(keep)
    removed: list[Path] = []
    for name in SIGNATURES:
        path = directory / name
        if name not in kept and is_report(path):
            with suppress(FileNotFoundError):
                os.unlink(path)
                removed.append(path)
    return removed


__all__ = [
    "SIGNATURES",
    "check_writable",
    "create_exclusive",
    "is_report",
    "remove_stale",
    "write_atomically",
]

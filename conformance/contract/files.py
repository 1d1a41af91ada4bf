"""Reading a file the user names (doc page, spec, pyproject): a regular file only, bounded, UTF-8.

A FIFO would block the run forever and a device such as /dev/zero never ends, so neither is opened for
reading: the path is opened without blocking, `fstat`ed, and refused unless it is a regular file (the
check is on the open descriptor, so a file swapped for a FIFO after a `stat` is still caught). At most
`limit` bytes are read. Each refusal is an `InputFileError` (one line; the caller turns it into its own
error class), never an exception from deep inside a parser.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_INPUT_BYTES = 10 * 1024 * 1024  # doc pages and specs: the largest Graph page is under 100 kB
_CHUNK = 1 << 16


class InputFileError(Exception):
    """A user-named file the harness will not read; the message (one line, no path) completes
    "cannot read FILE: ..."."""


def _describe(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "not a regular file"


def read_bytes(path: Path, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them; `InputFileError` otherwise."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise InputFileError(str(exc.strerror or exc)) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputFileError(f"it is {_describe(mode)}, not a regular file")
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputFileError(str(exc.strerror or exc)) from None
    finally:
        os.close(fd)
    if size > limit:
        raise InputFileError(f"it is larger than {_size(limit)}, the most the harness reads from one file")
    return b"".join(chunks)


def read_text(path: Path, *, limit: int = MAX_INPUT_BYTES) -> str:
    """`read_bytes` decoded as UTF-8 (a leading byte-order mark is dropped); `InputFileError` if it is not."""
    data = read_bytes(path, limit=limit)
    return decode_utf8(data)


def decode_utf8(data: bytes) -> str:
    """`data` as UTF-8 text without a byte-order mark; `InputFileError` naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(
            f"it is not UTF-8 text (byte {exc.start}, line {line}); save it as UTF-8"
        ) from None


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MB"
    if n % 1024 == 0:
        return f"{n // 1024} kB"
    return f"{n} bytes"


__all__ = ["MAX_INPUT_BYTES", "InputFileError", "decode_utf8", "read_bytes", "read_text"]

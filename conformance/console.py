"""The one door to a terminal: every character a terminal would act on is written as a visible escape.

A target chooses its reason phrases, headers and bodies, and a doc page or spec chooses its own text;
on a terminal, ESC, CSI (7-bit `ESC [` and 8-bit U+009B), OSC, BEL, CR, backspace or NUL in that text
could erase the harness's lines, draw a fake verdict or retitle the window. `Console` wraps a text
stream so that whatever is written through it, by whoever, reaches the stream with each such
character as `\\x1b`, `\\u009b`, ...; only newline passes. The command line wraps its stdout and stderr
in it once (and the process's `sys.stdout` / `sys.stderr`, so warnings and log records go through it
too), so no print can bypass it. The harness's own cursor control (the updating progress line) goes
through `control`, which accepts only the sequences the harness itself uses.
"""

from __future__ import annotations

import re
import sys
from typing import Final, TextIO, cast

# C0 and DEL, C1, and the other characters `str.isprintable` rejects (format characters such as the bidi
# overrides, line/paragraph separators, surrogates, private use, unassigned); newline is allowed.
_UNSAFE: Final = re.compile(r"[^\n\x20-\x7e]")
HARNESS_CONTROLS: Final = frozenset({"\r\x1b[K"})  # clear the updating progress line


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str, encoding: str | None = None) -> str:
    """`text` with every non-printable character but newline as a visible escape (`\\x1b`, `\\u009b`);
    with `encoding`, also every character that encoding cannot carry."""

    def one(m: re.Match[str]) -> str:
        ch = m.group()
        if ch.isprintable() and ch != "\xad" and _encodable(ch, encoding):  # soft hyphen: invisible
            return ch
        return _visible(ch)

    return _UNSAFE.sub(one, text)


def _encodable(ch: str, encoding: str | None) -> bool:
    if not encoding:
        return True
    try:
        ch.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Console:
    """A text stream wrapper that escapes everything written through `write` (see the module docstring)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        encoding = getattr(stream, "encoding", None)
        self.encoding = encoding if isinstance(encoding, str) and "utf" not in encoding.lower() else None

    def write(self, text: str) -> int:
        self.stream.write(escape(text, self.encoding))
        return len(text)

    def control(self, sequence: str) -> None:
        """Write one of the harness's own `HARNESS_CONTROLS` unescaped."""
        if sequence not in HARNESS_CONTROLS:
            raise ValueError(f"not a harness control sequence: {sequence!r}")
        self.stream.write(sequence)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return self.stream.isatty()

    def fileno(self) -> int:
        return self.stream.fileno()

    def writable(self) -> bool:
        return True

    def __getattr__(self, name: str) -> object:  # encoding, errors, buffer... as the wrapped stream has them
        return getattr(self.stream, name)


def guarded(stream: TextIO) -> TextIO:
    """`stream` behind a `Console` (once: a Console is returned as it is)."""
    seen: object = stream
    if isinstance(seen, Console):
        return stream
    return cast("TextIO", Console(stream))  # duck-typed: write, flush, isatty, fileno and the rest delegated


def control(stream: TextIO, sequence: str) -> None:
    """Write one of the harness's `HARNESS_CONTROLS` to a stream `guarded` returned."""
    console: object = stream
    if not isinstance(console, Console):
        raise TypeError("harness control sequences go only to a guarded stream")
    console.control(sequence)


def guard_process_streams() -> None:
    """Put `sys.stdout` and `sys.stderr` behind a `Console`, for everything the process prints."""
    sys.stdout = guarded(sys.stdout)
    sys.stderr = guarded(sys.stderr)


__all__ = ["HARNESS_CONTROLS", "Console", "control", "escape", "guard_process_streams", "guarded"]

"""Shell words for the reproduce command: any bytes, in printable ASCII that every POSIX shell reads back.

A report shows the command as text, and every report escapes or drops control characters and may break lines.
So the command itself holds only printable ASCII: a value that is already printable ASCII is single-quoted as
is; anything else (a control character, `\\u0080`, a newline, invalid UTF-8) is written as a `printf` format
with octal escapes, which `printf` turns back into the exact bytes in dash, bash, zsh and busybox alike.
"""

from __future__ import annotations

import re
import shlex
from typing import Final

# Bytes `printf` copies literally inside single quotes: printable ASCII except its own escape characters
# (`\\`, `%`) and the quote that would end the shell word.
_LITERAL: Final = frozenset(range(0x20, 0x7F)) - {ord("\\"), ord("%"), ord("'")}


_PLAIN: Final = re.compile(rb"[\x20-\x7e]*")


def is_plain(data: bytes) -> bool:
    """True if `data` is printable ASCII: shown as is, it survives any report and any shell quoting."""
    return _PLAIN.fullmatch(data) is not None


# each byte as the format writes it (read as Latin-1, one character per byte, for `str.translate`)
_ESCAPED: Final = {b: f"\\{b:03o}" for b in range(256) if b not in _LITERAL}


def printf_format(data: bytes) -> str:
    """A single-quoted `printf` format that prints exactly `data` (every byte, NUL included)."""
    return "'" + data.decode("latin-1").translate(_ESCAPED) + "'"


def word(data: bytes) -> str:
    """One shell word whose value is `data` (no NUL or final newline: a command substitution drops them)."""
    if is_plain(data):
        return shlex.quote(data.decode("ascii"))
    return f'"$(printf {printf_format(data)})"'


def body(data: bytes) -> tuple[str, str]:
    """(prefix, curl argument) that send exactly `data` as the request body.

    Printable ASCII not starting with `@` (curl would read a file) rides in the argument; anything else is
    piped in by `printf`, as `printf '...' | curl ... --data-binary @-`.
    """
    if is_plain(data) and not data.startswith(b"@"):
        return "", "--data-binary " + shlex.quote(data.decode("ascii"))
    return f"printf {printf_format(data)} | ", "--data-binary @-"


__all__ = ["body", "is_plain", "printf_format", "word"]

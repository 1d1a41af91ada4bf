"""The unicode table hypothesis would spend seconds building on a cold machine, written ahead of it.

Generated strings are drawn from every character UTF-8 can carry (schemathesis asks hypothesis for
`characters(codec="utf-8")`). Hypothesis finds that set by encoding each of the 1,114,112 code points
one by one, which on an empty cache (every CI job) costs about 4 s and 200 MB, then caches the answer in
its storage directory. The answer is known without asking: UTF-8 encodes every code point except the
surrogates U+D800..U+DFFF, and every one it encodes decodes back to itself (RFC 3629 §3). So the cache
file is written here, in hypothesis's own format, before anything is drawn: the same alphabet, nothing
non-ASCII lost, no table to build. If a later hypothesis changes the format it reads the file, fails,
and builds the table itself as before: slower, never different.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import tempfile
from typing import Final

# [encodable intervals, encodable-but-not-round-tripping intervals], as hypothesis's charmap stores them
UTF8_TABLE: Final = [[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]
_CODEC_FILE: Final = "codec-v2-utf-8"


def seed_utf8_table() -> None:
    """Write hypothesis's UTF-8 codec table into its current storage directory unless it is there."""
    try:
        from hypothesis.internal import charmap

        path = charmap.charmap_file(_CODEC_FILE)
    except (ImportError, AttributeError):  # another hypothesis version: it builds the table itself
        return
    if path.exists():
        return
    with contextlib.suppress(OSError):  # an unwritable cache only costs the time it costs today
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".utf8-")
        try:
            with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=1) as out:
                out.write(json.dumps(UTF8_TABLE).encode())
            os.replace(tmp, path)  # atomic: a concurrent run (pytest -n 4) never reads half a file
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

"""The unicode tables hypothesis would spend seconds building on a cold machine, written ahead of it.

Generated strings are drawn from every character UTF-8 can carry (schemathesis asks hypothesis for
`characters(codec="utf-8")`). Hypothesis finds that set by encoding each of the 1,114,112 code points
one by one, which on an empty cache (every CI job) costs about 4 s and 200 MB, then caches the answer in
its storage directory. The answer is known without asking: UTF-8 encodes every code point except the
surrogates U+D800..U+DFFF, and every one it encodes decodes back to itself (RFC 3629 §3). So the cache
file is written here, in hypothesis's own format, before anything is drawn: the same alphabet, nothing
non-ASCII lost, no table to build. If a later hypothesis changes the format it reads the file, fails,
and builds the table itself as before: slower, never different.

Hypothesis also maps every code point to its Unicode category (0.3 s). That table depends on the Unicode
version of the running Python, so the package ships it as hypothesis itself wrote it for the versions in
`data/unicode/` (`python -m conformance.checks._unicode` adds the running one); for another version
hypothesis builds it as before.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Callable

# [encodable intervals, encodable-but-not-round-tripping intervals], as hypothesis's charmap stores them
UTF8_TABLE: Final = [[[0, 0xD7FF], [0xE000, 0x10FFFF]], []]
_CODEC_FILE: Final = "codec-v2-utf-8"


_SHIPPED: Final = Path(__file__).resolve().parents[1] / "data" / "unicode"


def shipped_charmap(version: str = unicodedata.unidata_version) -> Path:
    """Where the package keeps hypothesis's category table for Unicode `version` (it may not exist)."""
    return _SHIPPED / f"charmap-{version}.json.gz"


def seed_unicode_tables() -> None:
    """Write hypothesis's UTF-8 table, and its category table when shipped for this Python's Unicode
    version, into its current storage directory, each unless it is there."""
    try:
        from hypothesis.internal import charmap

        codec_path = charmap.charmap_file(_CODEC_FILE)
        charmap_path = charmap.charmap_file()
    except (ImportError, AttributeError):  # another hypothesis version: it builds the tables itself
        return
    _write(codec_path, lambda: _gzip(json.dumps(UTF8_TABLE).encode()))
    shipped = shipped_charmap()
    if shipped.is_file():
        _write(charmap_path, shipped.read_bytes)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, mtime=1)


def _write(path: Path, content: Callable[[], bytes]) -> None:
    if path.exists():
        return
    with contextlib.suppress(OSError):  # an unwritable cache only costs the time it costs today
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".table-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content())
            os.replace(tmp, path)  # atomic: a concurrent run (pytest -n 4) never reads half a file
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _ship_this_version() -> int:
    """Build hypothesis's category table for the running Python's Unicode version into `data/unicode/`."""
    import shutil

    from hypothesis.configuration import set_hypothesis_home_dir
    from hypothesis.internal import charmap

    with tempfile.TemporaryDirectory() as home:
        set_hypothesis_home_dir(home)
        charmap.charmap()
        _SHIPPED.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(charmap.charmap_file(), shipped_charmap())
    print(shipped_charmap())
    return 0


if __name__ == "__main__":
    sys.exit(_ship_this_version())

"""The UTF-8 table written for hypothesis is the one it would build, and a cold generation uses it."""

from __future__ import annotations

import gzip
import json
import sys

from conformance.checks._unicode import UTF8_TABLE, seed_utf8_table


def test_the_table_is_exactly_what_utf8_encodes():
    encodable, lossy = [], []
    for i in range(sys.maxunicode + 1):
        char = chr(i)
        try:
            ok = char.encode("utf-8").decode("utf-8") == char
        except UnicodeEncodeError:
            continue
        if encodable and encodable[-1][1] == i - 1:
            encodable[-1][1] = i
        else:
            encodable.append([i, i])
        if not ok:
            lossy.append([i, i])
    assert [encodable, lossy] == UTF8_TABLE


def test_seeding_writes_hypothesis_format_and_hypothesis_reads_it(tmp_path):
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
    from hypothesis.internal import charmap

    before = storage_directory().path
    set_hypothesis_home_dir(tmp_path)
    try:
        seed_utf8_table()
        path = charmap.charmap_file("codec-v2-utf-8")
        assert path.is_relative_to(tmp_path)
        with gzip.open(path) as f:
            assert json.load(f) == UTF8_TABLE
        seed_utf8_table()  # already there: left alone
        charmap.intervals_from_codec.cache_clear()
        encodable, lossy = charmap.intervals_from_codec("utf-8")
        assert encodable.intervals == ((0, 0xD7FF), (0xE000, 0x10FFFF))
        assert lossy.intervals == ()
    finally:
        charmap.intervals_from_codec.cache_clear()
        set_hypothesis_home_dir(before)

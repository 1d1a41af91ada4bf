"""The unicode tables written for hypothesis are the ones it would build, and it reads them."""

from __future__ import annotations

import gzip
import json
import sys
import unicodedata

import pytest

from conformance.checks._unicode import UTF8_TABLE, seed_unicode_tables, shipped_charmap


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
        seed_unicode_tables()
        path = charmap.charmap_file("codec-v2-utf-8")
        assert path.is_relative_to(tmp_path)
        with gzip.open(path) as f:
            assert json.load(f) == UTF8_TABLE
        seed_unicode_tables()  # already there: left alone
        charmap.intervals_from_codec.cache_clear()
        encodable, lossy = charmap.intervals_from_codec("utf-8")
        assert encodable.intervals == ((0, 0xD7FF), (0xE000, 0x10FFFF))
        assert lossy.intervals == ()
        if shipped_charmap().is_file():
            assert charmap.charmap_file().read_bytes() == shipped_charmap().read_bytes()
    finally:
        charmap.intervals_from_codec.cache_clear()
        set_hypothesis_home_dir(before)


def test_the_shipped_category_table_is_what_hypothesis_builds(tmp_path):
    if not shipped_charmap().is_file():
        pytest.skip(f"no category table shipped for Unicode {unicodedata.unidata_version}")
    from hypothesis.configuration import set_hypothesis_home_dir, storage_directory
    from hypothesis.internal import charmap

    before, saved = storage_directory().path, charmap._charmap
    set_hypothesis_home_dir(tmp_path)
    charmap._charmap = None
    try:
        built = charmap.charmap()  # nothing in tmp_path: built from unicodedata, then written there
        # the gzip header names the temporary file hypothesis wrote: compare what it holds
        assert gzip.decompress(charmap.charmap_file().read_bytes()) == gzip.decompress(
            shipped_charmap().read_bytes()
        )
        assert set(built) >= {"Lu", "Ll", "Cs", "Co"}
    finally:
        charmap._charmap = saved
        set_hypothesis_home_dir(before)

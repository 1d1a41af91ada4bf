"""write_reports: the registry, file names, atomic replacement and unknown formats."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from conformance import reporters
from conformance.reporters import REPORTERS, write_reports
from tests.reporters.sample_runs import failing_run, passing_run


def test_registry():
    assert sorted(REPORTERS) == ["html", "json", "junit", "md"]
    assert {r.filename for r in REPORTERS.values()} == {
        "report.json",
        "junit.xml",
        "report.md",
        "report.html",
    }
    assert sorted(reporters.__all__) == reporters.__all__
    assert all(hasattr(reporters, name) for name in reporters.__all__)


def test_writes_every_format(tmp_path):
    out = tmp_path / "new" / "dir"
    paths = write_reports(failing_run(), out, ["json", "junit", "md", "html", "json"])
    assert [p.name for p in paths] == ["report.json", "junit.xml", "report.md", "report.html"]
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temp files left
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["verdict"] == "fail"
    ET.parse(out / "junit.xml")
    assert (out / "report.md").read_text(encoding="utf-8").startswith("## Conformance: ❌ FAIL")
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_unknown_format_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"unknown report format 'pdf'; choose from json, junit, md, html"):
        write_reports(passing_run(), tmp_path, ["json", "pdf"])
    assert list(tmp_path.iterdir()) == []


class Broken:
    filename = "report.json"

    @staticmethod
    def write(run, stream):
        stream.write('{"half": ')
        raise RuntimeError("reporter crashed")


def test_a_crash_leaves_the_previous_report_whole(tmp_path, monkeypatch):
    write_reports(passing_run(), tmp_path, ["json"])
    before = (tmp_path / "report.json").read_text(encoding="utf-8")
    monkeypatch.setitem(REPORTERS, "json", Broken())
    with pytest.raises(RuntimeError, match="reporter crashed"):
        write_reports(failing_run(), tmp_path, ["json"])
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]

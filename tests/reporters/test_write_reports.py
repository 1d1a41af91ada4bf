"""write_reports: the registry, file names, atomic replacement and unknown formats."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET

import pytest

from conformance import reporters
from conformance.reporters import REPORTERS, files, write_reports
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


ALL = ["json", "junit", "md", "html"]
NAMES = ["report.json", "junit.xml", "report.md", "report.html"]


def test_a_run_removes_the_reports_of_an_earlier_run_it_does_not_rewrite(tmp_path):
    write_reports(failing_run(), tmp_path, ALL)
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "report.md").write_text("## Conformance: nested, not ours to remove\n")
    paths = write_reports(passing_run(), tmp_path, ["json"])
    assert [p.name for p in paths] == ["report.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "report.json", "sub"]
    assert (tmp_path / "notes.txt").read_text() == "mine\n"
    assert (tmp_path / "sub" / "report.md").is_file()
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["verdict"] == "pass"


def test_a_users_own_file_at_a_report_name_survives(tmp_path):
    (tmp_path / "report.md").write_text("# my own notes, not a conformance report\n")
    (tmp_path / "junit.xml").mkdir()  # a folder at a report name: left alone too
    write_reports(passing_run(), tmp_path, ["json"])
    assert (tmp_path / "report.md").read_text() == "# my own notes, not a conformance report\n"
    assert (tmp_path / "junit.xml").is_dir()


@pytest.mark.parametrize("formats", [ALL, ["json"]])
def test_planted_symlinks_at_report_names_never_touch_their_targets(tmp_path, formats):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = tmp_path / "reports"
    out.mkdir()
    victims = {}
    for name in NAMES:
        victim = outside / f"victim-{name}"
        victim.write_text(f"## Conformance: {name} must survive\n")  # even a report-looking target
        victims[victim] = victim.read_bytes()
        (out / name).symlink_to(victim)
    write_reports(failing_run(), out, formats)
    assert all(v.read_bytes() == content for v, content in victims.items())
    for name in NAMES:
        p = out / name
        written = any(REPORTERS[f].filename == name for f in formats)
        # a written report replaced the link with a regular file; an unwritten name keeps the user's link
        assert p.is_symlink() is not written
        assert written is (p.is_file() and not p.is_symlink())


def test_the_probe_never_follows_a_planted_symlink(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    out = tmp_path / "reports"
    out.mkdir()
    for name in [".write-test", ".conformance-probe-", ".probe", ".report.json."]:
        (out / name).symlink_to(victim)
    # every random name the probe could pick is a link to the victim: the probe must refuse, never follow
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: "0" * (2 * n))
    (out / f".conformance-probe-{'0' * 16}.tmp").symlink_to(victim)
    with pytest.raises(FileExistsError):
        files.check_writable(out)
    assert victim.read_bytes() == b"precious\n"
    monkeypatch.undo()
    files.check_writable(out)
    assert victim.read_bytes() == b"precious\n"
    assert sorted(p.name for p in out.iterdir() if not p.is_symlink()) == []  # the probe leaves nothing


def test_a_report_temp_name_held_by_a_symlink_is_skipped_not_followed(tmp_path, monkeypatch):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious\n")
    out = tmp_path / "reports"
    out.mkdir()
    names = iter(["a" * 16, "b" * 16])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    (out / f".report.json.{'a' * 16}.tmp").symlink_to(victim)
    write_reports(passing_run(), out, ["json"])
    assert victim.read_bytes() == b"precious\n"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["verdict"] == "pass"


def test_an_unwritable_directory_is_an_oserror(tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o500)
    try:
        if os.access(out, os.W_OK):
            pytest.skip("running as a user who can write anywhere (root)")
        with pytest.raises(PermissionError):
            files.check_writable(out)
    finally:
        out.chmod(0o700)

"""The command line, called in-process as `main(argv)`: exit codes, one-line errors, reports."""

from __future__ import annotations

import io
import json
import socket
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
SEED_PAGE = ROOT / "specs" / "create-outboundshareduserprofile.md"


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def seed_spec():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


def test_run_against_embedded_reference_passes_and_writes_reports(tmp_path):
    code, out, err = call("run", "--report-dir", str(tmp_path), "--seed", "7", "--examples", "5")
    assert code == 0, out + err
    assert "verdict: CONFORMANT" in out
    assert {p.name for p in tmp_path.iterdir()} >= {"report.json", "junit.xml", "report.md", "report.html"}
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["verdict"] == "pass"
    assert report["seed"] == 7
    ET.parse(tmp_path / "junit.xml")


def test_a_200_server_fails_create_001_with_its_doc_line(tmp_path, seed_spec):
    with ReferenceServer(seed_spec, faults=["status-200"], token="t0k3n") as server:
        code, out, err = call(
            "run",
            "--target",
            server.url,
            "--token",
            "t0k3n",
            "--report-dir",
            str(tmp_path),
            "--examples",
            "3",
            "--seed",
            "1",
        )
    assert code == 1, out + err
    report = json.loads((tmp_path / "report.json").read_text())
    by_id = {c["id"]: c for c in report["checks"]}
    failed = by_id["CREATE-001"]
    assert failed["status"] == "fail"
    assert failed["level"] == "MUST"
    assert failed["doc"]["line"] == 56  # "If successful, this method returns a `201 Created` response code"
    assert "201" in failed["requirement"]
    md = (tmp_path / "report.md").read_text()
    assert "CREATE-001" in md
    assert "curl" in md


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_target_exits_3_with_one_line(tmp_path):
    code, out, err = call(
        "run", "--target", f"http://127.0.0.1:{_closed_port()}", "--token", "t", "--report-dir", str(tmp_path)
    )
    assert code == 3
    lines = [line for line in (out + err).splitlines() if "unreachable" in line.lower()]
    assert lines, out + err
    assert "Traceback" not in out + err
    assert (tmp_path / "report.json").exists()  # the report is never lost


def test_unknown_flag_exits_2_with_one_line():
    code, _out, err = call("run", "--no-such-flag")
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "--no-such-flag" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["run", "--timeout", "-1"], "timeout"),
        (["run", "--target", "ftp://x"], "http"),
        (["run", "--target", "not a url"], "base URL"),
        (["run", "--format", "pdf"], "pdf"),
        (["run", "--check", "NOPE-999"], "NOPE-999"),
        (["run", "--spec", "/nonexistent/page.md"], "nonexistent"),
        (["run", "--seed", "abc"], "seed"),
        (["lint", "/nonexistent/page.md"], "nonexistent"),
        (["derive", "/nonexistent/page.md"], "nonexistent"),
        (["serve", "--fault", "no-such-fault", "--port", "0"], "no-such-fault"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, needle, tmp_path):
    code, out, err = call(*argv, *(["--report-dir", str(tmp_path)] if argv[0] == "run" else []))
    assert code == 2, out + err
    assert needle in err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in out + err


def test_unwritable_report_dir_is_exit_2(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _out, err = call("run", "--report-dir", str(blocker / "sub"))
    assert code == 2
    assert "report directory" in err


def test_malformed_spec_file_is_exit_2(tmp_path):
    bad = tmp_path / "bad.openapi.yaml"
    bad.write_text("openapi: [unclosed")
    code, _out, err = call("run", "--spec", str(bad), "--report-dir", str(tmp_path))
    assert code == 2
    assert str(bad) in err


def test_lint_seed_exits_1_with_line_numbers():
    code, out, _err = call("lint", str(SEED_PAGE))
    assert code == 1
    assert "create-outboundshareduserprofile.md:4:" in out
    assert "create-outboundshareduserprofile.md:93:" in out
    assert "DOC-ODATA-NAMESPACE" in out


def test_lint_list_prints_every_rule_and_exits_0():
    from conformance.contract.lint import rules

    code, out, err = call("lint", "--list")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == len(rules())
    for r, line in zip(rules(), lines, strict=True):
        assert line.split(None, 2) == [r.code, r.severity.value, r.description]


@pytest.mark.parametrize("argv", [["lint"], ["lint", "--list", str(SEED_PAGE)]])
def test_lint_needs_a_page_or_list(argv):
    code, out, err = call(*argv)
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err


def test_lint_malformed_page_exits_2(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text("# Create thing\n\n## HTTP request\n\nno block here\n")
    code, _out, err = call("lint", str(page))
    assert code == 2
    assert "broken.md:" in err
    assert len(err.strip().splitlines()) == 1


def test_checks_lists_the_catalogue():
    code, out, _err = call("checks")
    assert code == 0
    assert "CREATE-001" in out
    assert "GEN-002" in out


def test_list_faults():
    code, out, _err = call("serve", "--list-faults")
    assert code == 0
    assert "status-200" in out
    assert "legal" in out


def test_token_never_printed(tmp_path):
    canary = "canary-secret-4f1c9a"
    code, out, err = call("run", "--token", canary, "--report-dir", str(tmp_path), "--examples", "2", "-v")
    assert code == 0, out + err
    assert canary not in out + err
    for path in tmp_path.iterdir():
        assert canary not in path.read_text(errors="replace"), path


def test_run_leaves_nothing_but_reports_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    code, out, err = call("run", "--examples", "3", "-q")
    assert code == 0, out + err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "reports"]


def test_ctrl_c_keeps_the_reports_and_exits_3(tmp_path):
    import signal
    import subprocess
    import sys
    import threading

    from tests.hostile import HOSTILE

    with HOSTILE["silent"]() as url:
        cmd = [sys.executable, "-m", "conformance", "run", "--target", url, "--token", "t0ken-value"]
        cmd += ["--timeout", "5", "-v"]
        proc = subprocess.Popen(
            [*cmd, "--report-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        assert proc.stderr is not None
        lines: list[str] = []
        started = threading.Event()

        def read(stream) -> None:
            for line in stream:
                lines.append(line)
                if "running AUTH-001" in line:
                    started.set()
            started.set()  # the output ended: stop waiting

        reader = threading.Thread(target=read, args=(proc.stdout,), daemon=True)
        reader.start()
        # wait for the run to be under way (the first check waits on the silent target), not for a time
        assert started.wait(timeout=60)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        out, err = "".join(lines), proc.stderr.read()
    assert proc.returncode == 3, out + err
    assert "Traceback" not in out + err
    report = json.loads((tmp_path / "report.json").read_text())
    assert any("interrupted" in note for note in report["notes"])
    # every check that applies is undecided; ALT-* do not apply (the seed page states no alternatives)
    assert {c["status"] for c in report["checks"] if not c["id"].startswith("ALT-")} == {"error"}
    assert {c["status"] for c in report["checks"] if c["id"].startswith("ALT-")} == {"skip"}

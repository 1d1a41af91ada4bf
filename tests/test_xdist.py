"""pytest-xdist: `pytest --pyargs conformance.suite -n 4` gives the per-check verdicts of `-n 0` and of the
CLI, against a real reference server with faults, and writes one junit report (the controller's)."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
# crash-null: 500 on any null, which only the generated checks send, so VALID-006 fails only if it sees
# the traffic of GEN-001 and GEN-003, wherever they ran; location-missing fails a SHOULD (an xfail).
FAULTS = ["crash-null", "location-missing"]


def outcomes(junit: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        name = case.get("name", "")
        check_id = name[name.index("[") + 1 : name.index("]")]
        assert check_id not in out, f"{check_id} reported twice"
        kind = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                kind = "failed"
            elif child.tag == "skipped":
                xfail = "xfail" in (child.get("type", "") + child.get("message", ""))
                kind = "xfailed" if xfail else "skipped"
        out[check_id] = kind
    return out


def expected_from_cli(report: dict) -> dict[str, str]:
    out = {}
    for c in report["checks"]:
        status = c["status"]
        if status == "fail":
            out[c["id"]] = "failed" if c["level"] == "MUST" else "xfailed"
        else:
            out[c["id"]] = {"pass": "passed", "skip": "skipped", "error": "failed"}[status]
    return out


@pytest.mark.slow
def test_n4_gives_the_verdicts_of_n0_and_of_the_cli(pytester, tmp_path):
    spec = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    common = ["--conformance-token", "tok", "--conformance-examples", "3", "--conformance-seed", "5"]
    with ReferenceServer(spec, faults=FAULTS, token="tok") as server:
        junits = {}
        for workers in ("0", "4"):
            junit = tmp_path / f"junit-{workers}.xml"
            result = pytester.runpytest_subprocess(
                "--pyargs", "conformance.suite", "--conformance-target", server.url, *common,
                "-p", "xdist", "-n", workers, f"--junitxml={junit}", "-p", "no:cacheprovider",
            )  # fmt: skip
            assert result.ret == 1, result.stdout.str()[-3000:]
            result.stdout.fnmatch_lines(["conformance: seed 5 (rerun with --conformance-seed 5)"])
            junits[workers] = outcomes(junit)
        code = main(
            ["run", "--target", server.url, "--token", "tok", "--examples", "3", "--seed", "5",
             "--format", "json", "--report-dir", str(tmp_path / "cli")],
            out=io.StringIO(), err=io.StringIO(),
        )  # fmt: skip
    assert code == 1
    cli = expected_from_cli(json.loads((tmp_path / "cli" / "report.json").read_text()))
    assert junits["0"] == cli
    assert junits["4"] == cli
    assert cli["VALID-006"] == "failed"
    assert cli["HDR-101"] == "xfailed"
    # the workers' own temporary folder is gone
    assert not list(Path(pytester.path).glob("conformance-xdist-*"))


def test_valid_006_runs_last_and_sees_every_check(pytester):
    """In one process too: VALID-006 is ordered last, so it judges what every other check sent."""
    result = pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "--conformance-examples", "0", "--collect-only", "-q",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    ids = [line.split("[", 1)[1].rstrip("]") for line in result.stdout.lines if "test_check[" in line]
    assert ids[-1] == "VALID-006"
    assert ids[:-1] == sorted(ids[:-1]) or "VALID-006" not in ids[:-1]


def readme_commands(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_readme_command_runs_as_written(tmp_path):
    import shlex
    import shutil
    import subprocess

    commands = readme_commands("Many cores, many machines: pytest-xdist")
    assert commands[0] == "pip install pytest-xdist"  # installed by the test extras
    exe = shutil.which("pytest")
    if exe is None:
        pytest.skip("no pytest script on PATH")
    argv = shlex.split(commands[1])
    assert argv[0] == "pytest"
    done = subprocess.run([exe, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "conformance: seed " in done.stdout
    # every check of the catalogue ran as one test: passed or skipped (checks that do not apply to the
    # seed, e.g. ALT-*), none failed
    items = re.search(r"\b(\d+) workers \[(\d+) items\]", done.stdout)
    counts = re.search(r"\b(\d+) passed, (\d+) skipped\b", done.stdout)
    assert items, done.stdout[-2000:]
    assert counts, done.stdout[-2000:]
    assert int(counts[1]) + int(counts[2]) == int(items[2]), done.stdout[-2000:]
    assert int(counts[1]) >= 25, done.stdout[-2000:]

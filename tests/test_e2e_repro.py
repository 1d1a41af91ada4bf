"""The Markdown report alone reproduces a failure: its first curl command, run by the real curl through
/bin/sh with only CONFORMANCE_TOKEN set, gets the same failing answer from the target."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "repro-token-5d0b9e"
CURL = shutil.which("curl")

pytestmark = pytest.mark.skipif(CURL is None, reason="the curl binary is not installed")


@pytest.fixture
def faulty_server() -> Iterator[ReferenceServer]:
    spec = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    with ReferenceServer(spec, faults=["status-200"], token=TOKEN) as server:
        yield server


def first_failure(markdown: str) -> tuple[str, int, str]:
    """(check id, the status the report says came back, the curl command) of the first finding."""
    start = markdown.index("**Finding 1:**")
    heading = re.findall(r"^#### (\S+)", markdown[:start], re.M)
    assert heading, "no check heading above the first finding"
    actual = re.search(r"^- Actual: (\d{3})\b", markdown[start:], re.M)
    assert actual, "the first finding has no Actual status"
    block = re.search(r"Reproduce:\s*```sh\n(.*?)\n```", markdown[start:], re.S)
    assert block, "the first finding has no sh block to reproduce it"
    return heading[-1], int(actual.group(1)), block.group(1)


def run_sh(command: str, env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(
        ["/bin/sh", "-c", command], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    status_line = done.stdout.splitlines()[0] if done.stdout else ""
    m = re.match(r"HTTP/[\d.]+ (\d{3})", status_line)
    assert m, f"curl printed no status line: {done.stdout[:300]!r} {done.stderr[:300]!r}"
    return int(m.group(1)), done.stdout


def test_markdown_curl_reproduces_the_first_failure(faulty_server: ReferenceServer, tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--target", faulty_server.url, "--token", TOKEN, "--report-dir", str(tmp_path)]
    code = main([*argv, "--examples", "3", "--seed", "1"], out=out, err=err)
    assert code == 1, out.getvalue() + err.getvalue()
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert TOKEN not in markdown
    check_id, reported, command = first_failure(markdown)
    assert check_id == "CREATE-001"
    assert reported == 200
    assert command.startswith("curl ")
    assert "$CONFORMANCE_TOKEN" in command

    env = {"PATH": "/usr/bin:/bin", "CONFORMANCE_TOKEN": TOKEN}  # no proxies, nothing else
    status, answer = run_sh(command, env)
    assert status == reported, answer[:500]

    # the token really comes from the environment: without it the same command is refused
    status_without, answer_without = run_sh(command, {"PATH": "/usr/bin:/bin"})
    assert status_without == 401, answer_without[:500]

"""The reproduce command in every report sends the exact bytes the harness sent (issue 9 item 7).

Each test runs the curl command as a report shows it, with `sh`, against a server on 127.0.0.1 that records
the bytes it gets, and compares them with what the harness sent: body, method, path and the headers that
matter. The token comes from `$CONFORMANCE_TOKEN` and never appears in the command.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from conformance.cli import main
from conformance.contract.spec import Level
from conformance.reporters import write_reports
from conformance.results import CheckResult, Evidence, Finding, Status
from conformance.target.client import Client
from tests.hostile import RawServer, Received, respond, serving
from tests.reporters.sample_runs import _run, info

if TYPE_CHECKING:
    import socket
    from collections.abc import Iterator

TOKEN = "repro-T0ken-5ecret-value"
CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed (.ci/run installs it)")
PACKAGED = Path(__file__).parents[1] / "conformance" / "data" / "outboundSharedUserProfile.openapi.yaml"
# What a target may reject a request for that curl would then reproduce: every kind of byte a shell or a
# report could lose (C0 and C1 controls, DEL, a newline, quotes, printf's and the shell's own specials).
NASTY = "a\u0080b\u009b\x01\x07\x1b[31m\x7f\n\t\r'\"%%s\\n$(id)`id`\\ !*?~ Ünï ✓"


def _ok(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 201, b"{}", [("Content-Type", "application/json")], "Created")


def _rejects_unusual_bytes(conn: socket.socket, req: Received, srv: RawServer) -> None:
    """A target that crashes on any byte outside printable ASCII: the curl must reproduce the crash."""
    if any(b < 0x20 or b >= 0x7F for b in req.body):
        respond(
            conn, 500, b'{"error":{"code":"Boom","message":"boom"}}', [("Content-Type", "application/json")]
        )
    else:
        _ok(conn, req, srv)


def run_curl(command: str) -> subprocess.CompletedProcess[bytes]:
    assert TOKEN not in command
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CONFORMANCE_TOKEN": TOKEN}
    return subprocess.run(["sh", "-c", command], env=env, capture_output=True, timeout=30, check=False)


def replay(srv: RawServer, command: str) -> Received:
    """Run `command` and return the one request it made to `srv`."""
    before = len(srv.received)
    done = run_curl(command)
    assert done.returncode == 0, (command, done.stderr)
    assert len(srv.received) == before + 1, command
    return srv.received[-1]


def assert_same(sent: Received, again: Received) -> None:
    assert again.method == sent.method
    assert again.target == sent.target
    assert again.body == sent.body, (sent.body, again.body)
    for name in ("Content-Type", "Authorization", "client-request-id", "X-Note", "User-Agent", "Accept"):
        assert again.header(name) == sent.header(name), name


# -- the command as the client builds it ------------------------------------------------------------------

CASES: dict[str, tuple[bytes | None, dict[str, str]]] = {
    "u0080": ('{"userId": "a\u0080b"}'.encode(), {"Content-Type": "application/json"}),
    "every-control-character": (
        json.dumps({"userId": "".join(map(chr, range(32))) + "\x7f"}, ensure_ascii=False).encode(),
        {"Content-Type": "application/json"},
    ),
    "nasty-text": (NASTY.encode(), {"Content-Type": "application/json"}),
    "raw-nul-and-invalid-utf8": (b'{"userId": "\x00\xff\xfe\xc3"}', {"Content-Type": "application/json"}),
    "all-bytes": (bytes(range(256)), {"Content-Type": "application/octet-stream"}),
    "starts-with-at": (b"@/etc/hostname", {"Content-Type": "application/json"}),
    "empty": (b"", {"Content-Type": "application/json"}),
    "no-content-type": (b'{"userId": "u"}', {}),
    "latin1-header": (b"{}", {"Content-Type": "application/json", "X-Note": "caf\xe9 \x80"}),
    "plain-json": (b'{"userId": "plain"}', {"Content-Type": "application/json"}),
}


@pytest.fixture
def recorder() -> Iterator[RawServer]:
    with serving(_ok) as srv:
        yield srv


def send(srv: RawServer, payload: bytes | None, headers: dict[str, str], path: str) -> tuple[Received, str]:
    with Client(srv.url, token=TOKEN, timeout=10) as client:
        client.request("POST", path, body=payload, headers=headers)
        exchange = client.last_exchange
    assert exchange is not None
    return srv.received[-1], exchange.curl


@needs_curl
@pytest.mark.parametrize("case", sorted(CASES))
def test_the_curl_sends_the_exact_bytes(recorder, case):
    payload, headers = CASES[case]
    sent, curl = send(recorder, payload, headers, f"/c/{case}")
    assert curl.isascii(), curl  # survives every report and every terminal
    assert curl.isprintable(), curl
    assert "$CONFORMANCE_TOKEN" in curl
    assert_same(sent, replay(recorder, curl))


# -- the command as each report shows it ------------------------------------------------------------------


def curls_in(directory: Path) -> dict[str, list[str]]:
    """Every reproduce command, read back from each report file the way a user would copy it."""
    out: dict[str, list[str]] = {}
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "curl" and isinstance(v, str) and v:
                    found.append(v)
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(json.loads((directory / "report.json").read_text(encoding="utf-8")))
    out["report.json"] = found
    md = (directory / "report.md").read_text(encoding="utf-8")
    out["report.md"] = re.findall(r"Reproduce:\n\n(`{3,})sh\n(.*?)\n\1\n", md, re.S)
    out["report.md"] = [block for _, block in out["report.md"]]
    page = (directory / "report.html").read_text(encoding="utf-8")
    out["report.html"] = [
        html.unescape(m) for m in re.findall(r"<h5>Reproduce</h5><pre>(.*?)</pre>", page, re.S)
    ]

    junit: list[str] = []
    for el in ET.parse(directory / "junit.xml").getroot().iter():
        lines = (el.text or "").split("\n") if el.tag in ("failure", "skipped") else []
        for i, line in enumerate(lines):
            if line == "  reproduce:":
                block = []
                for more in lines[i + 1 :]:
                    if not more.startswith("    "):
                        break
                    block.append(more[4:])
                junit.append("\n".join(block))
    out["junit.xml"] = junit
    return out


@needs_curl
def test_the_curl_in_every_report_sends_the_exact_bytes(recorder, tmp_path):
    results, sent = [], {}
    for i, case in enumerate(sorted(CASES)):
        payload, headers = CASES[case]
        with Client(recorder.url, token=TOKEN, timeout=10) as client:
            client.request("POST", f"/c/{case}", body=payload, headers=headers)
            exchange = client.last_exchange
        sent[f"/c/{case}"] = recorder.received[-1]
        finding = Finding(message=f"case {case}", evidence=Evidence(exchange=exchange))
        check = info(f"REPRO-{i:03}", Level.MUST, "Reproduce.", None)
        results.append(CheckResult(check=check, status=Status.FAIL, findings=(finding,)))
    write_reports(_run(tuple(results)), tmp_path, ["json", "junit", "md", "html"])
    for report, commands in curls_in(tmp_path).items():
        assert len(commands) == len(CASES), report
        for command in commands:
            again = replay(recorder, command)
            assert_same(sent[again.target], again)


# -- a whole run, from the command line --------------------------------------------------------------------


def _pin(node: object, name: str, value: str) -> int:
    """Give every property `name` in the contract the one allowed value `value`; return how many."""
    n = 0
    if isinstance(node, dict):
        if node.get("name") == name and isinstance(node.get("schema"), dict):
            node["schema"]["enum"] = [value]
            n += 1
        for v in node.values():
            n += _pin(v, name, value)
    elif isinstance(node, list):
        for v in node:
            n += _pin(v, name, value)
    return n


@needs_curl
def test_a_run_against_a_target_that_crashes_on_control_characters(tmp_path):
    """The issue's case: a crash on a `\\u0080` input; the report's curl must crash the target again."""
    spec = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["outboundSharedUserProfile.create"]["properties"]["userId"]["enum"] = [
        NASTY
    ]
    assert _pin(spec["x-conformance"], "userId", NASTY)  # the only userId the page allows is the nasty one
    spec_file = tmp_path / "nasty.openapi.yaml"
    spec_file.write_text(yaml.safe_dump(spec, allow_unicode=False), encoding="utf-8")
    reports = tmp_path / "reports"
    with serving(_rejects_unusual_bytes) as srv:
        argv = ["run", "--target", srv.url, "--token", TOKEN, "--spec", str(spec_file)]
        argv += ["--check", "CREATE-001", "--report-dir", str(reports), "--quiet"]
        assert main(argv) == 1
        by_id = {r.header("client-request-id"): r for r in srv.received}
        assert any(b"\xc2\x80" in r.body for r in srv.received)
        for report, commands in curls_in(reports).items():
            assert commands, report
            for command in commands:
                again = replay(srv, command)
                assert_same(by_id[again.header("client-request-id")], again)
                assert run_curl(command).stdout.startswith(b"HTTP/1.1 500"), report  # crashes it again

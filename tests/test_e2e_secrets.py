"""The canary test: secrets sent to an echoing target never come back out of the harness.

`tests.hostile.echo_server` writes every request header back into its JSON body, into X-Echo-*
response headers, Set-Cookie, WWW-Authenticate and the reason phrase, and the Authorization value
also JSON-escaped (\\uXXXX, \\/) and percent-encoded. Each canary has a long alphanumeric core that
none of those encodings (nor HTML or XML escaping) changes, so finding the core anywhere means some
form of the secret leaked; the full forms are checked too for a readable failure.
"""

from __future__ import annotations

import html
import io
import json
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.cli import main
from tests.hostile import RawServer, echo_forms, echo_server

ROOT = Path(__file__).resolve().parents[1]
# core (alphanumeric, survives every encoding) + characters that JSON, URLs and HTML escape
TOKEN_CORE, COOKIE_CORE, KEY_CORE, TENANT_CORE = (
    "TokCanary81f3",
    "CookCanary27b9",
    "KeyCanary44c0",
    "TenCanary90d5",
)
TOKEN = f"{TOKEN_CORE}+/x=~.-_"
COOKIE = f"{COOKIE_CORE}/a+b="
API_KEY = f"{KEY_CORE}+k/y="
TENANT = f"{TENANT_CORE}-z/w+"
CANARIES = {TOKEN_CORE: TOKEN, COOKIE_CORE: COOKIE, KEY_CORE: API_KEY, TENANT_CORE: TENANT}
HEADERS = {"Cookie": f"session={COOKIE}", "X-Api-Key": API_KEY, "X-Tenant-Secret": TENANT}


def forms(secret: str) -> set[str]:
    """Every spelling of `secret` a target or a reporter might produce."""
    found = {secret, json.dumps(secret)[1:-1], html.escape(secret), html.escape(secret, quote=False)}
    found |= {urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
    found |= set(echo_forms(secret).values()) | {f.lower() for f in echo_forms(secret).values()}
    return found


def leaks(text: str) -> list[str]:
    hits = [f"{core} (from {secret!r})" for core, secret in CANARIES.items() if core.lower() in text.lower()]
    hits += [f"form {f!r}" for secret in CANARIES.values() for f in forms(secret) if f in text]
    return hits


def context(text: str) -> str:
    lowered = text.lower()
    spots = [lowered.find(core.lower()) for core in CANARIES if core.lower() in lowered]
    return "\n".join(text[max(0, i - 150) : i + 60] for i in spots[:3])


def assert_sent(server: RawServer) -> None:
    """The canaries really reached the target, so their absence from the output means something."""
    assert server.received, "the echo target got no request"
    expected = {"Authorization": f"Bearer {TOKEN}", **HEADERS}
    for name, value in expected.items():
        assert any(r.header(name) == value for r in server.received), f"{name} was never sent"


def test_cli_run_leaks_no_secret(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--report-dir", str(tmp_path / "reports"), "--token", TOKEN, "-v"]
    argv += ["--timeout", "5", "--examples", "3", "--seed", "1"]
    for name, value in HEADERS.items():
        argv += ["--header", f"{name}: {value}"]
    argv += ["--secret-header", "X-Api-Key", "--secret-header", "X-Tenant-Secret"]
    with echo_server() as server:
        code = main(["run", "--target", server.url, *argv[1:]], out=out, err=err)
        assert_sent(server)
    said = out.getvalue() + err.getvalue()
    assert code in (1, 3), said[-3000:]
    assert "Traceback" not in said
    assert not leaks(said), f"{leaks(said)} in the terminal output:\n{context(said)}"
    files = sorted(p for p in (tmp_path / "reports").rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"report.json", "junit.xml", "report.md", "report.html"}
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not leaks(text), f"{leaks(text)} in {path.name}:\n{context(text)}"


class _Reflector(BaseHTTPRequestHandler):
    """Answers 201 with the request's secrets as the value of every property and in header values."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth, cookie = self.headers.get("Authorization", ""), self.headers.get("Cookie", "")
        doc = {"id": auth, "userId": cookie, "deletedDateTime": auth, "@odata.type": cookie, auth: cookie}
        body = json.dumps(doc).encode()
        self.send_response(201, "Created")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Location", f"/items/{urllib.parse.quote(auth, safe='')}")
        self.send_header("request-id", cookie)
        self.end_headers()
        self.wfile.write(body)

    do_PUT = do_DELETE = do_PATCH = do_GET = do_POST


@contextmanager
def reflector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Reflector)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_secrets_reflected_as_property_values_stay_hidden(tmp_path: Path) -> None:
    # Checks quote what came back ("id ... is not GUID shaped"): those quotes must be masked too.
    out, err = io.StringIO(), io.StringIO()
    argv = ["--report-dir", str(tmp_path), "--token", TOKEN, "-v", "--examples", "2", "--seed", "1"]
    argv += ["--header", f"Cookie: {HEADERS['Cookie']}"]
    with reflector() as url:
        code = main(["run", "--target", url, *argv], out=out, err=err)
    said = out.getvalue() + err.getvalue()
    assert code in (1, 3), said[-3000:]
    assert not leaks(said), f"{leaks(said)} in the terminal output:\n{context(said)}"
    for path in sorted(p for p in tmp_path.iterdir() if p.is_file()):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not leaks(text), f"{leaks(text)} in {path.name}:\n{context(text)}"


def test_pytest_plugin_run_leaks_no_secret(tmp_path: Path) -> None:
    # The extra headers go in through the environment, CONFORMANCE_ + the flag's name (CONFORMANCE_HEADER).
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["CONFORMANCE_HEADER"] = ",".join(f"{k}: {v}" for k, v in HEADERS.items())
    junit = tmp_path / "f.xml"
    with echo_server() as server:
        argv = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite"]
        argv += ["--conformance-target", server.url, "--conformance-token", TOKEN]
        argv += ["--conformance-secret-header", "X-Api-Key,X-Tenant-Secret"]
        argv += ["--conformance-timeout", "5", "--conformance-examples", "3", "--conformance-seed", "1"]
        argv += ["--junitxml", str(junit), "-p", "no:cacheprovider", "-rA", "-vv", "--tb=long"]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert_sent(server)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said[-3000:]  # the echo target fails MUST checks
    assert "CREATE-001" in said
    assert not leaks(said), f"{leaks(said)} in pytest's output:\n{context(said)}"
    text = junit.read_text(encoding="utf-8")
    assert "testcase" in text
    assert not leaks(text), f"{leaks(text)} in the junit file:\n{context(text)}"


@pytest.mark.parametrize("flag", ["--showlocals"])
def test_pytest_plugin_tracebacks_with_locals_leak_no_token(tmp_path: Path, flag: str) -> None:
    # Users add -l to see why a test failed; the locals of the suite's test functions hold the config.
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with echo_server() as server:
        argv = [sys.executable, "-m", "pytest", "--pyargs", "conformance.suite", flag, "--tb=long"]
        argv += [
            "--conformance-target",
            server.url,
            "--conformance-token",
            TOKEN,
            "--conformance-examples",
            "0",
        ]
        argv += ["-p", "no:cacheprovider", "-k", "CREATE-001 or AUTH-001"]
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    said = done.stdout + done.stderr
    assert done.returncode == 1, said[-3000:]
    assert not leaks(said), f"{leaks(said)} in pytest's output with {flag}:\n{context(said)}"

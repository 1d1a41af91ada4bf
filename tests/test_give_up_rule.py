"""The give-up rule stops a run only when the target costs time (hangs, stays throttled, refuses
connections): a target that answers quickly but breaks some answers is still judged on the rest."""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conformance.cli import main

TOKEN = "give-up-token-1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _send(self, status: int, body: dict[str, object], *, short_by: int = 0) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) + short_by))  # a lie when short_by > 0
        if short_by:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        if short_by:
            self.close_connection = True

    def _error(self, status: int, code: str) -> None:
        self._send(status, {"error": {"code": code, "message": code}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._error(401, "Unauthorized")
            return
        if not (self.headers.get("Content-Type") or "").startswith("application/json"):
            self._error(415, "UnsupportedMediaType")
            return
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # 5,000-deep JSON: refused, not a crash
            self._error(400, "BadRequest")
            return
        if not isinstance(body, dict) or not isinstance(body.get("userId"), str):
            self._error(400, "BadRequest")
            return
        created = {"@odata.type": "#Microsoft.DirectoryServices.outboundSharedUserProfile"}
        created.update(body, id=str(uuid.uuid4()))
        self._send(201, created, short_by=10)  # every create answer is broken: 10 bytes never come

    def do_PUT(self) -> None:
        self.send_response(405)
        self.send_header("Allow", "POST")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_PUT

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def serving() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_quick_broken_answers_do_not_stop_the_judging_of_the_rest(tmp_path: Path) -> None:
    with serving() as url:
        out = io.StringIO()
        argv = ["run", "--target", url, "--token", TOKEN, "--examples", "5", "--seed", "1", "--timeout", "3"]
        code = main([*argv, "--report-dir", str(tmp_path)], out=out, err=io.StringIO())
    checks = {c["id"]: c for c in json.loads((tmp_path / "report.json").read_text())["checks"]}
    assert code == 1, out.getvalue()
    assert checks["CREATE-001"]["status"] == "fail"  # the broken create answer is decided, with evidence
    for decided in ("AUTH-001", "VALID-001", "VALID-003", "VALID-004", "VALID-005"):
        assert checks[decided]["status"] == "pass", (decided, checks[decided])
    assert not any("in a row" in (c.get("error") or "") for c in checks.values()), out.getvalue()

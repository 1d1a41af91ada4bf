"""The hard per-attempt deadline comes from one long-lived watchdog thread, not a thread per request."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conformance.errors import TargetError
from conformance.target.client import Client


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path == "/drip":  # headers, then one byte a second for ever: only a deadline ends it
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                return
            return
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def test_many_requests_start_at_most_one_thread(server, monkeypatch):
    client = Client(server, token="deadline-test-token")
    client.request("GET", "/warm")  # the watchdog may start once, on first use
    started: list[str] = []
    original = threading.Thread.start

    def counting_start(self: threading.Thread) -> None:
        started.append(self.name)
        original(self)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    for _ in range(30):
        assert client.request("GET", "/ok").status == 200
    assert started == []  # it was one threading.Timer per request


def test_deadlines_still_cut_a_dripping_answer_on_every_thread(server):
    errors: list[BaseException | None] = []

    def one() -> None:
        client = Client(server, token="deadline-test-token", timeout=1.0)
        try:
            client.request("GET", "/drip")
        except TargetError as exc:
            errors.append(exc)
        else:
            errors.append(None)

    start = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    elapsed = time.monotonic() - start
    assert len(errors) == 3
    assert all(isinstance(e, TargetError) for e in errors), errors
    assert all("deadline" in str(e) for e in errors)
    assert elapsed < 8  # each had a 1 s deadline; the drip alone would take 12 s

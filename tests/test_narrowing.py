"""A target that serves one connection at a time, at the default concurrency: the pool narrows to one.

Python's plain `http.server.HTTPServer` speaking HTTP/1.1 (what many vendors' first mock is) keeps serving
one keep-alive connection until the client closes it; every other connection waits. At `--concurrency 8`
that used to cost timeouts and a wrong verdict. The harness must notice, go on over one connection, say so
in the report, and give the verdict `--concurrency 1` gives; a target that is merely slow on every
connection must not be narrowed (that would cost a remote service its speed for nothing).
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference import http as reference_http
from conformance.reference.service import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"
TOKEN = "narrowing-test-token-5f1c"
NOTE = "the target answered one connection at a time"


class _OneAtATime(reference_http._HTTPServer):
    """The reference application, served by one thread: each connection until the client closes it."""

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        socketserver.TCPServer.process_request(self, request, client_address)


class _Slow(reference_http._HTTPServer):
    """The reference application on a thread per connection, every answer `delay` seconds late."""

    delay = 1.3

    def finish_request(self, request: Any, client_address: Any) -> None:
        server = self

        class Late(reference_http._Handler):
            def _serve(self) -> None:
                time.sleep(server.delay)
                super()._serve()

        Late(request, client_address, self)


@contextmanager
def serving(kind: type[reference_http._HTTPServer]) -> Iterator[str]:
    app = ReferenceServer(load_spec(SPEC), token=TOKEN)
    server = kind(("127.0.0.1", 0), app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.close_connections()
        server.server_close()


def run(url: str, tmp: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["run", "-q", "--target", url, "--token", TOKEN, "--report-dir", str(tmp), *extra])
    return code, json.loads((tmp / "report.json").read_text(encoding="utf-8"))


def statuses(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["id"], c["status"]) for c in report["checks"]]


@pytest.mark.parametrize("seed", ["11", "12", "13"])
def test_a_one_connection_server_passes_at_the_default_concurrency_as_at_1(tmp_path, seed):
    with serving(_OneAtATime) as url:
        code, report = run(url, tmp_path / "default", "--seed", seed, "--timeout", "8")
        one_code, one = run(url, tmp_path / "one", "--seed", seed, "--concurrency", "1", "--timeout", "8")
    assert one_code == 0
    assert code == 0, [c for c in report["checks"] if c["status"] != "pass"]
    assert statuses(report) == statuses(one)
    assert any(NOTE in note for note in report["notes"]), report["notes"]
    assert not any(NOTE in note for note in one["notes"])
    md = (tmp_path / "default" / "report.md").read_text(encoding="utf-8")
    assert NOTE in md


def test_a_target_slow_on_every_connection_keeps_its_connections(tmp_path):
    with serving(_Slow) as url:
        started = time.monotonic()
        code, report = run(url, tmp_path, "--check", "GEN-001", "--examples", "24", "--seed", "3")
        took = time.monotonic() - started
    assert code == 0
    assert not any(NOTE in note for note in report["notes"]), report["notes"]
    # 25 bodies at 1.3 s each: one at a time would take over 30 s; over 8 connections about 5
    assert took < 20, took

"""A 501 to a method the page does not document is RFC 9110 §15.6.2's answer, not a server failure: the
run-wide "no 5xx" MUST (VALID-006) does not count it; METHOD-101 (a SHOULD) judges it (second blind trial)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.cli import main
from tests.test_give_up_rule import TOKEN, _Handler


class _Conformant(_Handler):
    def _send(self, status: int, body: dict[str, object], *, short_by: int = 0) -> None:
        super()._send(status, body)  # complete answers


def _answering(status: int) -> type[_Conformant]:
    class Handler(_Conformant):
        def do_PUT(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_DELETE = do_PUT

    return Handler


@contextmanager
def serving(handler: type[_Conformant]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(("status", "valid_006"), [(501, "pass"), (500, "fail")])
def test_501_for_an_undocumented_method_is_not_a_server_failure(tmp_path: Path, status: int, valid_006: str):
    with serving(_answering(status)) as url:
        out = io.StringIO()
        argv = ["run", "--target", url, "--token", TOKEN, "--examples", "3", "--seed", "1"]
        main([*argv, "--report-dir", str(tmp_path)], out=out, err=io.StringIO())
    checks = {c["id"]: c for c in json.loads((tmp_path / "report.json").read_text())["checks"]}
    assert checks["VALID-006"]["status"] == valid_006, out.getvalue()
    assert checks["METHOD-101"]["status"] == "fail"  # neither is the 405 with Allow that the SHOULD asks for

"""READ-201 follows a relative Location the way RFC 3986 §5.2 resolves it: against the URL of the create."""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.cli import main

COLLECTION = "/beta/directory/outboundSharedUserProfiles"


def _handler(location_of: str) -> type[BaseHTTPRequestHandler]:
    store: dict[str, dict[str, object]] = {}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: object = None, headers: dict[str, str] | None = None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ident = str(uuid.uuid4())
            store[ident] = {"@odata.type": "#Microsoft.DirectoryServices.outboundSharedUserProfile", **body}
            store[ident]["id"] = ident
            location = location_of.format(id=ident, host=self.headers["Host"])
            self._send(201, store[ident], {"Location": location})

        def do_GET(self) -> None:
            ident = self.path.rsplit("/", 1)[-1]
            if self.path.startswith(COLLECTION + "/") and ident in store:
                self._send(200, store[ident])
            else:
                self._send(404, {"error": {"code": "NotFound", "message": self.path}})

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serving(location_of: str) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(location_of))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/beta"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("location", "passes"),
    [
        ("outboundSharedUserProfiles/{id}", True),  # relative: resolves under /beta/directory/
        ("/beta/directory/outboundSharedUserProfiles/{id}", True),
        ("http://{host}/beta/directory/outboundSharedUserProfiles/{id}", True),
        (
            "profiles/{id}",
            False,
        ),  # resolves to /beta/directory/profiles/<id>, which the target does not serve
    ],
)
def test_read_back_resolves_a_relative_location(tmp_path: Path, location: str, passes: bool) -> None:
    with serving(location) as url:
        out = io.StringIO()
        argv = [
            "run",
            "--target",
            url,
            "--token",
            "read-back-token",
            "--check",
            "READ-201",
            "--examples",
            "0",
        ]
        main([*argv, "--report-dir", str(tmp_path)], out=out, err=io.StringIO())
    report = json.loads((tmp_path / "report.json").read_text())
    (check,) = report["checks"]
    assert check["status"] == ("pass" if passes else "fail"), out.getvalue()

"""An answer whose head is past the client's limits (a header line over 64 KiB, more than 100 header fields)
is said as what it is, not as a target that "closed, reset or stopped answering" (blind trial 6, finding 6).

The target did answer: no 5xx and no dropped connection, so VALID-006 (a MUST about crashes) is not failed
by it; the check that sent the request cannot judge the answer (ERROR), except VALID-006's own robustness
inputs, where it is a note. A real server on 127.0.0.1 sends each answer.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from conformance.errors import AnswerUnreadable
from conformance.results import Status
from conformance.target.client import Client
from tests.test_client_keys import failed, front, run_at, specs  # noqa: F401 (a fixture)

LONG = "a response header line longer than 64 KiB, which the harness, like most HTTP clients, does not read"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(201)
        if self.path.startswith("/long"):
            self.send_header("Location", "http://127.0.0.1/things('" + "x" * 300_000 + "')")
        else:
            for i in range(150):
                self.send_header(f"x-field-{i}", str(i))
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")


@contextmanager
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(
    ("path", "said"),
    [("/long", LONG), ("/many", "more than 100 response header fields, which the harness, like most HTTP")],
)
def test_the_client_says_what_the_answer_was(path, said):
    with server() as url, Client(url, token="t") as client:
        with pytest.raises(AnswerUnreadable) as caught:
            client.request("GET", path)
        assert said in str(caught.value)
        assert "closed" not in str(caught.value)
        assert client.stopped_after is None  # it answered: nothing says it stopped answering
        assert client.server_failures == []  # not a crash, not a dropped connection


def test_a_300_kb_location_is_not_a_crash(specs):  # noqa: F811 (the fixture)
    """VALID-006's 300 KB string is the seed's key (userId); the front echoes it in a key-style Location."""
    with front(specs["seed"], "seed", "echo-location") as (url, _keyed):
        result = run_at(specs["seed"], url)
    by_id = {r.check.id: r for r in result.results}
    valid006 = by_id["VALID-006"]
    assert valid006.status is Status.PASS, failed(result)
    assert any(LONG in note for note in valid006.notes), valid006.notes
    assert failed(result) == {}

"""An update page whose method is PUT replaces the object (OData 4.01 Protocol "Update an Entity"; RFC 9110
§9.3.4): the harness sends the whole object with its change and judges that what it sent comes back, and
a property it did not send may be reset. A PATCH keeps the merge rule (tests/test_lifecycle.py).

The pages are the blind trial's `thing` (tests/cases/blind6/thing: key property thingName, key-style URLs,
PUT answering 200 with the object, a page saying unsent properties are reset). The target is a small server
written here: PUT stores exactly the body it got (so anything not sent is gone)."""

from __future__ import annotations

import json
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from conformance.config import Config
from conformance.contract.derive import derive_page
from conformance.contract.pageset import combine
from conformance.results import Status
from conformance.runner import run

PAGES = sorted((Path(__file__).resolve().parent / "cases" / "blind6" / "thing").glob("*.md"))
TOKEN = "put-update-secret-token-1357924680"


@pytest.fixture(scope="module")
def thing():
    return combine([derive_page(p) for p in PAGES])


class Things(ThreadingHTTPServer):
    """`drop`: a PUT keeps only the first property it was sent besides the key (a broken replace)."""

    daemon_threads = True

    def __init__(self, drop: bool = False, location: str = "") -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.drop, self.location = drop, location
        self.items: dict[str, dict] = {}
        self.puts: list[dict] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Things

    def log_message(self, *args) -> None:
        pass

    def _send(self, status: int, body: dict | None = None, location: str = "") -> None:
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length)) if length else {}

    def _key(self) -> str | None:
        path = self.path.split("?")[0]
        if not (path.startswith("/things(") and path.endswith(")")):
            return None
        inner = unquote(path[len("/things(") : -1])
        return inner[1:-1].replace("''", "'") if inner[:1] == "'" else inner

    def _missing(self) -> None:
        self._send(404, {"error": {"code": "NotFound", "message": "no such thing"}})

    def do_POST(self) -> None:
        body = self._body()
        name = body.get("thingName")
        if not isinstance(name, str) or not isinstance(body.get("displayName"), str):
            return self._send(400, {"error": {"code": "BadRequest", "message": "thingName, displayName"}})
        self.server.items[name] = {**body, "id": str(uuid.uuid4())}
        where = {  # %27 for each quote of the key (doubled): OData ABNF SQUOTE = "'" / "%27"
            "pct-quotes": quote(name.replace("'", "''"), safe=""),
            "other-key": "someone-else",
        }.get(self.server.location)
        location = f"{self.server.url}/things('{where}')" if where else ""
        self._send(201, self.server.items[name], location)

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/things":
            return self._send(200, {"value": list(self.server.items.values())})
        key = self._key()
        if key not in self.server.items:
            return self._missing()
        self._send(200, self.server.items[key])

    def do_PUT(self) -> None:
        key, body = self._key(), self._body()
        if key not in self.server.items:
            return self._missing()
        self.server.puts.append(body)
        if not isinstance(body.get("displayName"), str):
            return self._send(400, {"error": {"code": "BadRequest", "message": "displayName is required"}})
        kept = {k: v for k, v in body.items() if k != "thingName"}
        if self.server.drop:
            kept = dict(list(kept.items())[:1])
        old = self.server.items[key]
        self.server.items[key] = {"thingName": key, "id": old["id"], **kept}  # the rest is reset
        self._send(200, self.server.items[key])

    def do_DELETE(self) -> None:
        key = self._key()
        if self.server.items.pop(key or "", None) is None:
            return self._missing()
        self._send(204)


@pytest.fixture
def things(http_server):
    return lambda **how: http_server(Things(**how))


def statuses(spec, server: Things, *select: str, values: tuple[str, ...] = ()):
    config = Config(seed=7, examples=2, formats=(), timeout=5.0, select=select, concurrency=1, values=values)
    result = run(spec, config, base_url=server.url, spec_file="thing", token=TOKEN)
    return {
        r.check.id: (r.status, r.error or (r.findings[0].message if r.findings else ""))
        for r in result.results
    }


def test_the_pages_document_a_put_update(thing):
    from conformance.checks._replace import replaces
    from conformance.checks._resource import operation

    update = operation(thing, "update")
    assert update is not None
    assert replaces(update)


def test_a_put_that_resets_what_was_not_sent_passes(thing, things):
    server = things()
    got = statuses(thing, server, "LIFE-003", "LIFE-004", "UPD-001")
    for check_id in ("LIFE-003", "LIFE-004", "UPD-001"):
        assert got[check_id][0] is Status.PASS, (check_id, got[check_id])
    # the whole object went out with each PUT: the change and what the object held besides
    assert server.puts
    for body in server.puts:
        assert {"displayName", "color", "size", "isActive"} <= set(body), body


def test_a_put_that_loses_what_was_sent_fails(thing, things):
    server = things(drop=True)
    got = statuses(thing, server, "LIFE-003", "LIFE-004")
    assert got["LIFE-003"][0] is Status.FAIL, got["LIFE-003"]
    assert got["LIFE-004"][0] is Status.FAIL, got["LIFE-004"]
    assert "was sent but is missing" in got["LIFE-004"][1]


# ---------------------------------------------------------------- HDR-101: the key in Location, quoted

QUOTED = ("thingName=it's a 'key'",)


def test_a_location_writing_the_keys_quotes_as_pct27_names_the_key(thing, things):
    got = statuses(thing, things(location="pct-quotes"), "HDR-101", values=QUOTED)
    assert got["HDR-101"][0] is Status.PASS, got["HDR-101"]


def test_a_location_naming_another_key_does_not(thing, things):
    got = statuses(thing, things(location="other-key"), "HDR-101", values=QUOTED)
    assert got["HDR-101"][0] is Status.FAIL, got["HDR-101"]
    assert "does not name the new thingName" in got["HDR-101"][1]


# ---------------------------------------------------------------- lint: where a required id comes from


def test_lint_says_where_the_required_id_comes_from_when_the_page_never_lists_it(tmp_path):
    import subprocess
    import sys

    page = next(p for p in PAGES if p.name == "thing-post.md")
    assert "`id`" not in page.read_text()
    assert "|id|" not in page.read_text()
    out = subprocess.run(
        [sys.executable, "-m", "conformance", "lint", str(page)], capture_output=True, text=True, cwd=tmp_path
    ).stdout
    line = next(x for x in out.splitlines() if "leaves out 'id'" in x)
    assert "which the page makes required" not in line
    assert "the page never lists but the harness requires" in line

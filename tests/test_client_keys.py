"""A key the client sends in the create body (issue 14, blind trial 6 finding 3).

Where a resource's key property is a property the create body carries (the seed's `userId` once its get
page is in the spec; the synthetic `ticketNumber`, a GUID, in tests/cases/clientkeys/), a store keyed by
it refuses a second create with a key it holds (`409 Conflict`). Every create the harness sends carries a
key value no other create of the run sent (a check varying the key itself aside), and a 409 is legal only
for a value pinned with `--value` or sent by another create of the run.

The targets are a real HTTP front on 127.0.0.1 before the reference implementation: `dup` answers 409 for
a key value it already holds (legal), `always` answers 409 to every create with a JSON object (broken).
"""

from __future__ import annotations

import http.client
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from conformance.cli import main
from conformance.config import Config
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from conformance.runner import run

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "seed": [ROOT / "specs" / f"{kind}-outboundshareduserprofile.md" for kind in ("create", "get")],
    "ticket": [ROOT / "tests" / "cases" / "clientkeys" / n for n in ("ticket-create.md", "ticket-get.md")],
}
KEYS = {"seed": "userId", "ticket": "ticketNumber"}
TOKEN = "keys6-token-Qx7"
_ERROR = {"error": {"code": "Request_Conflict", "message": "an object with that key exists"}}


@pytest.fixture(scope="module")
def specs(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for name, pages in PAGES.items():
        folder = tmp_path_factory.mktemp(name)
        assert main(["derive", *map(str, pages), "--out", str(folder)]) == 0
        (out[name],) = folder.glob("*.openapi.yaml")
    return out


class _Front(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, collection: str, key: str, mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "", parts.port or 80)
        self.base = parts.path.rstrip("/")
        self.collection, self.key, self.mode = collection, key, mode
        self.held: set[str] = set()
        self.sent: list[object] = []  # the key value of every create, in arrival order
        self.lock = threading.Lock()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Front

    def log_message(self, *args: object) -> None:
        pass

    def _each(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        front = self.server
        creating = (
            self.command == "POST"
            and self.path.split("?")[0] == front.base + front.collection
            and (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() == "application/json"
        )
        value = None
        if creating:
            try:
                doc = json.loads(body)
            except (ValueError, RecursionError):
                doc = None
            value = doc.get(front.key) if isinstance(doc, dict) else None
            with front.lock:
                front.sent.append(value)
                refuse = isinstance(doc, dict) and (
                    front.mode == "always" or (isinstance(value, str) and value.lower() in front.held)
                )
            if refuse:
                echo = [("client-request-id", c)] if (c := self.headers.get("client-request-id")) else []
                headers = [("Content-Type", "application/json"), ("request-id", "front-1"), *echo]
                self._answer(409, headers, json.dumps(_ERROR).encode())
                return
        upstream = http.client.HTTPConnection(*front.upstream, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            upstream.request(self.command, self.path, body=body, headers=headers)
            reply = upstream.getresponse()
            data = reply.read()
            kept = [(k, v) for k, v in reply.getheaders() if k.lower() not in _HOP]
        finally:
            upstream.close()
        if creating and 200 <= reply.status <= 299 and isinstance(value, str):
            with front.lock:
                front.held.add(value.lower())  # GUIDs in either case name one object
            if front.mode == "echo-location":  # the key as sent, in a key-style Location, however long
                escaped = quote(value.replace("'", "''"), safe="'")
                location = f"http://127.0.0.1:{front.server_address[1]}{self.path}('{escaped}')"
                kept = [(k, v) for k, v in kept if k.lower() != "location"] + [("Location", location)]
        self._answer(reply.status, kept, data)

    def _answer(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_QUERY = _each


_HOP = {"connection", "transfer-encoding", "content-length", "keep-alive"}


@contextmanager
def front(spec_file: Path, name: str, mode: str) -> Iterator[tuple[str, _Front]]:
    spec = load_spec(spec_file)
    with ReferenceServer(spec, token=TOKEN) as server:
        keyed = _Front(server.url, spec.operation.path, KEYS[name], mode)
        thread = threading.Thread(target=keyed.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{keyed.server_address[1]}{keyed.base}", keyed
        finally:
            keyed.shutdown()
            keyed.server_close()


def run_at(spec_file: Path, url: str, *, concurrency: int = 1, values: tuple[str, ...] = ()):
    config = Config(formats=(), seed=7, examples=10, concurrency=concurrency, values=values)
    return run(load_spec(spec_file), config, base_url=url, spec_file=str(spec_file), token=TOKEN)


def failed(result) -> dict[str, list[str]]:
    return {
        r.check.id: [f.message for f in r.findings] or [r.error or ""]
        for r in result.results
        if r.status in (Status.FAIL, Status.ERROR)
    }


def repeated(sent: list[object]) -> dict[str, int]:
    counts = Counter(json.dumps(v) for v in sent if isinstance(v, str) and v)
    return {v: n for v, n in counts.items() if n > 1}


@pytest.mark.parametrize("name", ["seed", "ticket"])
def test_a_store_refusing_a_held_key_with_409_passes(specs, name):
    with front(specs[name], name, "dup") as (url, keyed):
        result = run_at(specs[name], url)
    assert failed(result) == {}
    assert keyed.sent, "no create reached the front"
    # every create carried its own key value: an empty one (GEN-003's edge case of the key) aside
    assert repeated(keyed.sent) == {}


@pytest.mark.parametrize("name", ["seed", "ticket"])
def test_a_store_answering_409_to_every_create_fails(specs, name):
    with front(specs[name], name, "always") as (url, _keyed):
        result = run_at(specs[name], url)
    found = failed(result)
    assert "CREATE-001" in found, found
    assert "GEN-001" in found, found
    assert any("409" in m for m in found["CREATE-001"]), found["CREATE-001"]


def test_same_creates_at_concurrency_1_and_8(specs):
    sent = {}
    for concurrency in (1, 8):
        with front(specs["ticket"], "ticket", "dup") as (url, keyed):
            result = run_at(specs["ticket"], url, concurrency=concurrency)
        assert failed(result) == {}
        sent[concurrency] = sorted(json.dumps(v) for v in keyed.sent)
    assert sent[1] == sent[8]


def test_a_pinned_key_409_is_legal_and_says_what_to_do(specs):
    with front(specs["seed"], "seed", "dup") as (url, keyed):
        result = run_at(specs["seed"], url, values=("userId=3f0c9a5e-0000-4000-8000-00000000a11c",))
    assert failed(result) == {}
    by_id = {r.check.id: r for r in result.results}
    # the first create of the pinned userId made the object; a check whose create came later has none
    skipped = {r.check.id: r.error or "" for r in result.results if r.status is Status.SKIP}
    told = [i for i, why in skipped.items() if "409 Conflict" in why and "--value userId=" in why]
    assert "CREATE-006" in told, skipped
    assert any("409 Conflict" in n for n in by_id["GEN-001"].notes), by_id["GEN-001"].notes
    pinned = [v for v in keyed.sent if v == "3f0c9a5e-0000-4000-8000-00000000a11c"]
    assert len(pinned) > 10, keyed.sent  # every create not varying userId itself sends the pinned value

"""UPD-102 (blind trial 7, finding 7): an update naming a property the resource does not declare is refused,
or the property is ignored; a server that stores it fails (a SHOULD). The servers are variations of the
independent gadget server of tests/test_updates_queries.py, on 127.0.0.1, and the reference."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer

import pytest

from conformance.checks.update_unknown import UNDECLARED
from conformance.contract.derive import derive_page
from conformance.contract.pageset import combine
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from tests.test_updates_queries import GADGET, TOKEN, _Gadgets, outcome, run_on


@pytest.fixture(scope="module")
def gadget():
    return combine([derive_page(p) for p in GADGET])


class _Lenient(_Gadgets):
    """`ignore`: an update drops the names it does not know and stores the rest; otherwise it stores them."""

    ignore = True
    pending: object = None

    def _body(self) -> object:
        body, self.pending = (self.pending, None) if self.pending is not None else (super()._body(), None)
        return body

    @staticmethod
    def _valid(body: dict, *, create: bool) -> bool:
        return _Gadgets._valid({k: v for k, v in body.items() if k in ("color", "size")}, create=create)

    def do_PATCH(self):
        body = self._body()
        if self.ignore and isinstance(body, dict):
            body = {k: v for k, v in body.items() if k in ("color", "size", "id")}
        self.pending = body
        try:
            super().do_PATCH()
        finally:
            self.pending = None  # the base handler may answer without reading it (no auth, no such path)


@pytest.fixture
def serve():
    servers: list[ThreadingHTTPServer] = []

    def start(base: type, **attrs: object) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (base,), {"store": {}, **attrs}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_refusing_or_ignoring_the_property_passes(gadget, serve):
    refuses = outcome(run_on(gadget, serve(_Gadgets)))  # 422 for a name it does not know
    ignores = outcome(run_on(gadget, serve(_Lenient, ignore=True)))
    assert refuses["UPD-102"][0] is Status.PASS, refuses["UPD-102"]
    assert ignores["UPD-102"][0] is Status.PASS, ignores["UPD-102"]
    with ReferenceServer(gadget, token=TOKEN) as reference:
        assert outcome(run_on(gadget, reference.url))["UPD-102"][0] is Status.PASS


def test_storing_the_property_fails(gadget, serve):
    stores = outcome(run_on(gadget, serve(_Lenient, ignore=False)))
    status, message = stores["UPD-102"]
    assert status is Status.FAIL
    assert UNDECLARED in message
    assert "shows it stored" in message

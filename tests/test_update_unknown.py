"""UPD-102 (blind trial 7, finding 7): an update naming a property the resource does not declare is refused,
or the property is ignored; a server that stores it fails (a SHOULD). The servers are variations of the
independent gadget server of tests/test_updates_queries.py, on 127.0.0.1, and the reference."""

from __future__ import annotations

import pytest

from conformance.checks.update_unknown import UNDECLARED
from conformance.contract.derive import derive_page
from conformance.contract.pageset import combine
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from tests.test_updates_queries import GADGET, TOKEN, _Gadgets, gadget_url, outcome, run_on


@pytest.fixture(scope="module")
def gadget():
    return combine([derive_page(p) for p in GADGET])


class _Lenient(_Gadgets):
    """`ignore`: an update drops the names it does not know and stores the rest; otherwise it stores them."""

    ignore = True

    @staticmethod
    def _valid(body: dict, *, create: bool) -> bool:
        return _Gadgets._valid({k: v for k, v in body.items() if k in ("color", "size")}, create=create)

    def do_PATCH(self):
        body = self._body()
        if self.ignore and isinstance(body, dict):
            self.parsed = {k: v for k, v in body.items() if k in ("color", "size", "id")}
        super().do_PATCH()


@pytest.fixture
def serve(http_server):
    return lambda base, **attrs: gadget_url(http_server, base, **attrs)


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

"""Any page, end to end: each corpus page's derived contract passes against its own reference implementation.

This is what makes the harness page-agnostic: spec, checks and reference implementation are all driven by
the derived `Spec`, so a page nobody here wrote must give a conformant verdict on its own reference.
"""

from __future__ import annotations

import pytest

from conformance.config import Config
from conformance.contract.derive import derive_page
from conformance.reference.server import ReferenceServer
from conformance.results import Status
from conformance.runner import run
from tests.corpus import PAGES, needs_corpus, page_id

pytestmark = needs_corpus


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_page_passes_against_its_own_reference(page):
    spec = derive_page(page)
    config = Config(formats=(), examples=6, seed=3, strict=True)
    with ReferenceServer(spec, token="tok") as server:
        result = run(spec, config, base_url=server.url, spec_file=str(page), token="tok")
    bad = {
        r.check.id: r.error or [f.message for f in r.findings][:2]
        for r in result.results
        if r.status in (Status.FAIL, Status.ERROR)
    }
    assert not bad, bad
    assert result.exit_code == 0

"""The catalogue: every check is well declared, binds to the seed, and the README shows it exactly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.checks import DocRef, bind, catalogue, check
from conformance.cli import catalogue_markdown
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Level
from conformance.errors import CheckDefinitionError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


def test_readme_table_matches_the_registry(seed):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- checks:start -->\n(.*?)<!-- checks:end -->", readme, re.S)
    assert m, "README lost its checks markers"
    assert m.group(1) == catalogue_markdown(seed), (
        "README check table is stale: paste `conformance checks --markdown`"
    )


def test_every_check_binds_to_the_seed_and_cites_a_source(seed):
    for b in bind(seed):
        assert b.info.requirement
        assert b.info.title
        if b.check.source == "doc":
            assert b.info.doc is not None, f"{b.check.id} cites no doc line on the seed"
            assert b.info.doc.line > 0
        assert b.skip_reason is None, f"{b.check.id} does not apply to the seed: {b.skip_reason}"


def test_levels_follow_the_sources():
    for c in catalogue():
        if c.level is Level.MUST:
            assert c.source == "doc", f"{c.id}: a MUST must come from the page"
        else:
            assert c.source != "doc", f"{c.id}: SHOULD/MAY checks cite the standard they come from"


def test_duplicate_and_malformed_ids_are_refused():
    with pytest.raises(CheckDefinitionError, match="declared twice"):
        check("CREATE-001", Level.MUST, "x", title="x", doc=DocRef(section="Response"))(lambda ctx: iter(()))
    with pytest.raises(CheckDefinitionError, match="AREA-123"):
        check("bad id", Level.MUST, "x", title="x", doc=DocRef(section="Response"))(lambda ctx: iter(()))
    with pytest.raises(CheckDefinitionError, match="not an Operation field"):
        check("ZZZ-999", Level.MUST, "x", title="x", doc=DocRef(fact="succes_status"))(lambda ctx: iter(()))

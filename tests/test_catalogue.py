"""The catalogue: every check is well declared, binds to the seed, and the README shows it exactly."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from conformance.checks import REGISTRY, DocRef, bind, catalogue, check
from conformance.checks.docref import DOC_SECTIONS, FIELDS, resolve
from conformance.cli import catalogue_markdown
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Level, Operation
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
        if b.check.source == "doc" and b.check.id not in NOT_ON_THE_SEED_PAGE:
            assert b.info.doc is not None, f"{b.check.id} cites no doc line on the seed"
            assert b.info.doc.line > 0
        if b.check.id in NOT_ON_THE_SEED:
            assert b.skip_reason, f"{b.check.id} applies to the seed, which states no such thing"
        else:
            assert b.skip_reason is None, f"{b.check.id} does not apply to the seed: {b.skip_reason}"


# Checks of what the seed page does not state (alternatives: "Either A or B is required"); the kill matrix
# proves them on tests/cases/alternatives/create-scopedgrant.md.
# The lifecycle checks (LIFE-*) judge get, list, update and delete pages, which the seed does not hold: they
# are skipped and cite no line of it; tests/test_lifecycle.py and the kill matrix prove them on
# tests/cases/resource/.
# So do the generated update bodies (UPD-*) and the query options (QRY-*): tests/test_updates_queries.py.
LIFE = (
    {f"LIFE-00{i}" for i in range(1, 9)}
    | {"LIFE-101", "UPD-001", "UPD-002", "UPD-101", "UPD-102", "QRY-101"}
    | {f"QRY-00{i}" for i in range(1, 8)}
)
NOT_ON_THE_SEED_PAGE = LIFE
NOT_ON_THE_SEED = {"ALT-001", "ALT-002"} | LIFE


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
        check("ZZZ-999", Level.MUST, "x", title="x", doc=DocRef(field="succes_status"))(lambda ctx: iter(()))


# Where each check's DocRef lands on the seed page; the typed DocRef fields bind exactly where the
# old "property:x" string language did.
SEED_DOC_LINES = {
    "ALT-001": "create-outboundshareduserprofile.md:42 (Request body)",
    "ALT-002": "create-outboundshareduserprofile.md:42 (Request body)",
    "AUTH-001": "create-outboundshareduserprofile.md:39 (Request headers, Authorization)",
    "CREATE-001": "create-outboundshareduserprofile.md:56 (Response)",
    "CREATE-002": "create-outboundshareduserprofile.md:66 (Request)",
    "CREATE-003": "create-outboundshareduserprofile.md:56 (Response)",
    "CREATE-004": "create-outboundshareduserprofile.md:93 (Response)",
    "CREATE-005": "create-outboundshareduserprofile.md:92 (Response)",
    "CREATE-006": "create-outboundshareduserprofile.md:42 (Request body)",
    "CREATE-007": "create-outboundshareduserprofile.md:54 (Response)",
    "CREATE-008": "create-outboundshareduserprofile.md:93 (Response)",
    "CREATE-009": "create-outboundshareduserprofile.md:93 (Response)",
    "GEN-001": "create-outboundshareduserprofile.md:56 (Response)",
    "GEN-002": "create-outboundshareduserprofile.md:50 (Request body, userId)",
    "GEN-003": "create-outboundshareduserprofile.md:42 (Request body)",
    "VALID-001": "create-outboundshareduserprofile.md:50 (Request body, userId)",
    "VALID-002": "create-outboundshareduserprofile.md:50 (Request body, userId)",
    "VALID-003": "create-outboundshareduserprofile.md:40 (Request headers, Content-Type)",
    "VALID-004": "create-outboundshareduserprofile.md:42 (Request body)",
    "VALID-005": "create-outboundshareduserprofile.md:40 (Request headers, Content-Type)",
    "VALID-006": "create-outboundshareduserprofile.md:42 (Request body)",
}


def test_every_check_binds_to_the_same_seed_lines(seed):
    got = {b.check.id: b.info.doc.cite() for b in bind(seed) if b.info.doc is not None}
    assert got == SEED_DOC_LINES


def _declare(doc):
    check("ZZZ-998", Level.MUST, "x", title="x", doc=doc)(lambda ctx: iter(()))


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            DocRef(field="sucess_status"),
            "'sucess_status' is not an Operation field (did you mean 'success_status'",
        ),
        (DocRef(field="title"), "'title' has no place on the page"),
        (DocRef(section="Request bodies"), "not a Graph doc section (did you mean 'Request body'"),
        (DocRef(section="Respones", anchor="id"), "(did you mean 'Response'"),
        (DocRef(property="userId", header="Content-Type"), "names one fact, not 2"),
        (DocRef(property=""), "use required_property=True"),
        (DocRef(anchor="userId"), "needs a section"),
        (DocRef(), "neither a fact nor a section"),
    ],
)
def test_a_docref_no_page_can_satisfy_is_refused_with_close_matches(doc, message):
    with pytest.raises(CheckDefinitionError, match=re.escape(message)):
        _declare(doc)
    assert "ZZZ-998" not in REGISTRY


def test_docref_fields_and_sections_are_real():
    names = {f.name for f in dataclasses.fields(Operation)}
    assert set(FIELDS) <= names
    assert {"Request body", "Request headers", "Response", "Examples"} <= set(DOC_SECTIONS)


def test_a_ref_this_page_lacks_leaves_the_doc_line_empty(seed):
    assert resolve(DocRef(property="noSuchProperty"), seed) == (None, None)
    assert resolve(DocRef(header="X-Not-Documented"), seed) == (None, None)
    assert resolve(DocRef(section="Optional query parameters"), seed) == (None, None)
    # a page with no required property and no landmarks: VALID-001 binds, with no doc line
    op = dataclasses.replace(
        seed.operation,
        properties=tuple(
            dataclasses.replace(p, required=dataclasses.replace(p.required, value=False))
            for p in seed.operation.properties
        ),
    )
    bare = dataclasses.replace(seed, operation=op, landmarks=())
    valid_001 = next(b for b in bind(bare) if b.check.id == "VALID-001")
    assert valid_001.info.doc is None
    assert valid_001.skip_reason == "the page marks no property as required"

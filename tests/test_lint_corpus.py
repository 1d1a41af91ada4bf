"""Doc lint on the real Graph pages: no error-level finding that a careful reader would call false.

Skipped when the corpus is absent. The principles, checked on every page:
- a page whose example bodies carry no @odata.type is not told its examples leave one out;
- an optional property shown as null is not a type error (OData properties are nullable unless declared not);
- a polymorphic page's second example type is not an error against its first.
"""

from __future__ import annotations

import pytest

from conformance.contract.derive import derive_page
from conformance.contract.lint import lint_page
from tests.corpus import OPS_CORPUS, PAGES, needs_corpus, page_id


@needs_corpus
@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_no_false_errors(page):
    spec = derive_page(page)
    op = spec.operation
    errors = [n for n in lint_page(page) if n.severity == "error"]
    bodies = [e.response_body for e in op.examples if isinstance(e.response_body, dict)]
    if not any("@odata.type" in b for b in bodies):
        assert not [n for n in errors if "@odata.type" in n.message and "leaves out" in n.message]
    optional = {p.name for p in op.properties if not p.required.value}
    for note in errors:
        for name in optional:
            assert f"{name} = null does not match" not in note.message, note
    example_types = {b["@odata.type"] for b in bodies if isinstance(b.get("@odata.type"), str)}
    for note in errors:
        for t in example_types:
            assert f"'{t}' is not one of" not in note.message, note


OPS_PAGES = sorted(OPS_CORPUS.glob("*/api/*.md")) if OPS_CORPUS.is_dir() else []


@pytest.mark.skipif(not OPS_PAGES, reason=f"ops corpus not at {OPS_CORPUS} (set CONFORMANCE_OPS_CORPUS)")
@pytest.mark.parametrize("page", OPS_PAGES, ids=page_id)
def test_ops_pages_lint_without_false_errors(page):
    """A get, list, update or delete page lints (no crash); its example responses, partial representations
    of the entity (a list's under `value`), are not told they leave out a property."""
    spec = derive_page(page)
    notes = lint_page(page, spec)
    assert spec.operation.kind_name in ("get", "list", "update", "delete")
    errors = [n for n in notes if n.severity == "error"]
    assert not [n for n in errors if "example response body leaves out" in n.message], errors
    assert all(n.where.line > 0 for n in notes)

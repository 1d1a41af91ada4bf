"""Where the Graph corpus is, its api pages, and the skip every test that reads it shares."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("CONFORMANCE_CORPUS", ROOT.parent / "shared" / "corpus" / "graph-docs"))
PAGES = sorted(CORPUS.glob("*/api/*.md")) if CORPUS.is_dir() else []
# The get/list/update/delete pages of the same resources (issue 14), beside the create corpus.
OPS_CORPUS = Path(os.environ.get("CONFORMANCE_OPS_CORPUS", CORPUS.parent / "graph-docs-ops"))

needs_corpus = pytest.mark.skipif(
    not PAGES, reason=f"Graph corpus not found at {CORPUS} (set CONFORMANCE_CORPUS)"
)


def page_id(page: Path) -> str:
    return f"{page.parent.parent.name}/{page.name}"

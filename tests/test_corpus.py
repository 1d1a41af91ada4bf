"""Derivation against the hand-labelled Graph corpus (skipped when the corpus is absent)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("derive_accuracy", ROOT / "benchmarks" / "derive_accuracy.py")
assert _spec is not None
assert _spec.loader is not None
bench = importlib.util.module_from_spec(_spec)
sys.modules["derive_accuracy"] = bench  # dataclasses look their module up while the class is built
_spec.loader.exec_module(bench)

CORPUS = bench.corpus_dir()
pytestmark = pytest.mark.skipif(
    not (CORPUS / "labels.yaml").is_file(),
    reason=f"Graph corpus not found at {CORPUS} (set CONFORMANCE_CORPUS)",
)


@pytest.fixture(scope="module")
def outcome():
    return bench.compare(CORPUS)


def test_no_page_crashes(outcome):
    assert outcome.crashes == []


@pytest.mark.parametrize("field", list(bench.FIELDS))
def test_field_accuracy_at_least_95_percent(outcome, field):
    misses = [d for d in outcome.diffs if d[1] == field]
    assert outcome.accuracy(field) >= 0.95, misses


OPS_CORPUS = bench.ops_corpus_dir()
needs_ops_corpus = pytest.mark.skipif(
    not (OPS_CORPUS / "labels.yaml").is_file(),
    reason=f"ops corpus not found at {OPS_CORPUS} (set CONFORMANCE_OPS_CORPUS)",
)


@pytest.fixture(scope="module")
def ops_outcome():
    return bench.compare_ops(OPS_CORPUS)


@needs_ops_corpus
def test_no_ops_page_crashes(ops_outcome):
    assert ops_outcome.crashes == []
    assert ops_outcome.pages > 0


@needs_ops_corpus
@pytest.mark.parametrize("field", list(bench.OPS_FIELDS))
def test_ops_field_accuracy_at_least_95_percent(ops_outcome, field):
    misses = [d for d in ops_outcome.diffs if d[1] == field]
    assert ops_outcome.applicable[field] > 0
    assert ops_outcome.accuracy(field) >= 0.95, misses

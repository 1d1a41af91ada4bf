"""Self-check on the whole corpus: no derived contract rejects its own page's reference implementation.

Each page goes the way a user takes it: `conformance derive PAGE --out DIR`, then `conformance run --spec
DIR/<name>.openapi.yaml` (the embedded reference implementation of that spec, a fixed seed, five generated
bodies per mode). Every run must exit 0. `benchmarks/derive_accuracy.py` prints the same as a column.
"""

from __future__ import annotations

import json

import pytest

from conformance.cli import main
from tests.corpus import PAGES, needs_corpus, page_id

pytestmark = [needs_corpus, pytest.mark.slow]


def _failures(report_dir) -> dict[str, object]:
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    return {
        r["id"]: r.get("error") or [f["message"][:300] for f in r.get("findings", [])][:2]
        for r in report["checks"]
        if r["status"] in ("fail", "error")
    }


@pytest.mark.parametrize("page", PAGES, ids=page_id)
def test_derived_spec_passes_against_its_own_reference(page, tmp_path, capsys):
    out = tmp_path / "spec"
    assert main(["derive", str(page), "--out", str(out)]) == 0
    derived = sorted(out.glob("*.openapi.yaml"))
    assert len(derived) == 1, derived
    reports = tmp_path / "reports"
    argv = ["run", "--spec", str(derived[0]), "--examples", "5", "--seed", "1"]
    code = main([*argv, "--report-dir", str(reports), "--format", "json", "-q"])
    printed = capsys.readouterr()
    assert code == 0, (_failures(reports), printed.err[-500:])

"""Rewrite tests/cases/kill_matrix.yaml from a fresh observation, printing every change for review.

    python tools/update_kill_matrix.py

Use it after adding a fault or a check; then read the printed changes: a check that starts or stops
failing for a fault must be what the fault should do. Generated checks (GEN-*) depend on the seed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fault_matrix as fm

CASES = fm.ROOT / "tests" / "cases" / "kill_matrix.yaml"
HEADER = (
    "# fault name -> the checks it must fail (FAIL or ERROR) in a --strict run;\n"
    "# [] for the reference and the legal variations. Reviewed by hand: each entry is what\n"
    "# the fault should break, not merely what was observed.\n"
    "# GEN-* entries depend on the fixed seed of tools/fault_matrix.py.\n"
)


def main() -> int:
    spec = fm.load_spec(fm.SPEC)
    observed = fm.observe(spec)
    new = {name: fm.failing(result) for name, result in observed.items()}
    old = yaml.safe_load(CASES.read_text()) if CASES.exists() else {}
    for name in sorted(set(old) | set(new)):
        before, after = set(old.get(name, [])), set(new.get(name, []))
        if before != after:
            print(f"{name}: +{sorted(after - before)} -{sorted(before - after)}")
    CASES.write_text(HEADER + yaml.safe_dump(new, sort_keys=False, default_flow_style=None, width=120))
    fm.DOC.write_text(fm.render(spec, observed), encoding="utf-8")
    print(f"wrote {CASES} and {fm.DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

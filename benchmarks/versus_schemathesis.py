"""The harness against plain schemathesis on the same faults: catches, false alarms and time, in one run.

    python benchmarks/versus_schemathesis.py [--examples 25] [--seed 1]

For every named fault and legal variation of the reference implementation, both tools run against the
same server on 127.0.0.1 with the same derived OpenAPI file: `st run` with its default checks, and
`conformance run` with its defaults (MUSTs decide). A fault counts as caught when the tool exits non-zero;
a legal variation that makes a tool exit non-zero is a false alarm. Times are wall-clock totals of the
subprocesses, reported as a ratio because this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.contract.openapi import load_spec  # noqa: E402
from conformance.reference.faults import list_faults  # noqa: E402
from conformance.reference.server import ReferenceServer  # noqa: E402

SPEC = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"
TOKEN = "benchmark-token"


def timed(argv: list[str], cwd: str) -> tuple[int, float]:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=600, cwd=cwd)
    return done.returncode, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    conformance = shutil.which("conformance") or str(Path(sys.executable).parent / "conformance")
    spec = load_spec(SPEC)
    rows = []
    totals = {"st": 0.0, "conformance": 0.0}
    with tempfile.TemporaryDirectory() as reports:
        for fault in [None, *list_faults()]:
            name = "reference" if fault is None else fault.name
            legal = fault is None or fault.legal
            st_argv = [st, "run", str(SPEC), "-H", f"Authorization: Bearer {TOKEN}", "--no-color"]
            st_argv += ["-n", str(args.examples), "--seed", str(args.seed), "--generation-database", "none"]
            co_argv = [conformance, "run", "--token", TOKEN, "-q", "--report-dir", reports]
            co_argv += ["--examples", str(args.examples), "--seed", str(args.seed)]
            with ReferenceServer(spec, faults=[] if fault is None else [fault.name], token=TOKEN) as server:
                st_code, st_s = timed([*st_argv, "--url", server.url], reports)
                co_code, co_s = timed([*co_argv, "--target", server.url], reports)
                strict_code, _ = timed([*co_argv, "--target", server.url, "--strict"], reports)
            totals["st"] += st_s
            totals["conformance"] += co_s
            rows.append((name, legal, st_code != 0, co_code != 0, strict_code != 0))
    faults = [r for r in rows if not r[1]]
    legal = [r for r in rows if r[1]]
    mark = {True: "flags it", False: "passes"}
    print(f"{'target':<32} {'kind':<6} {'schemathesis':>12} {'conformance':>12} {'--strict':>10}")
    for name, is_legal, st_flag, co_flag, strict_flag in rows:
        kind = "legal" if is_legal else "fault"
        print(f"{name:<32} {kind:<6} {mark[st_flag]:>12} {mark[co_flag]:>12} {mark[strict_flag]:>10}")
    print()
    for label, group in (("faults caught", faults), ("false alarms on legal variations", legal)):
        counts = [sum(r[i] for r in group) for i in (2, 3, 4)]
        print(
            f"{label}: schemathesis {counts[0]}/{len(group)}, conformance {counts[1]}/{len(group)} "
            f"(MUSTs decide), conformance --strict {counts[2]}/{len(group)}"
        )
    ratio = totals["conformance"] / totals["st"] if totals["st"] else float("nan")
    print(
        f"wall time of default runs: conformance / schemathesis = {ratio:.2f} "
        f"({totals['conformance']:.1f} s vs {totals['st']:.1f} s over {len(rows)} targets)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

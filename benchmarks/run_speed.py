"""Wall time and request count of the default run, median of N, against the embedded reference.

    python benchmarks/run_speed.py [--runs 5] [--examples 25]

Each run is the full default `conformance run` (every check, generated tests included) in-process
against a fresh reference implementation on 127.0.0.1. Also checks that a fixed seed gives the
same requests every time (determinism). Prints a table; numbers are for this machine, today.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from conformance.config import Config  # noqa: E402
from conformance.contract.openapi import load_spec  # noqa: E402
from conformance.reference.server import ReferenceServer  # noqa: E402
from conformance.runner import run  # noqa: E402

SPEC = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"


def one_run(examples: int, seed: int) -> tuple[float, int, list[tuple[str, int]]]:
    spec = load_spec(SPEC)
    token = secrets.token_urlsafe(16)
    config = Config(seed=seed, examples=examples, formats=())
    with ReferenceServer(spec, token=token) as server:
        start = time.perf_counter()
        result = run(spec, config, base_url=server.url, spec_file=str(SPEC), token=token)
        elapsed = time.perf_counter() - start
    per_check = [(r.check.id, r.requests) for r in result.results]
    assert result.exit_code == 0, f"the reference run did not pass: {result.verdict}"
    return elapsed, sum(n for _, n in per_check), per_check


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    times, counts, shapes = [], [], []
    for i in range(args.runs):
        elapsed, requests, per_check = one_run(args.examples, args.seed)
        times.append(elapsed)
        counts.append(requests)
        shapes.append(per_check)
        print(f"run {i + 1}: {elapsed:6.2f} s, {requests} requests", flush=True)
    print(f"median wall time: {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})")
    print(f"median requests:  {statistics.median(counts):.0f}")
    print(f"requests per second (median run): {statistics.median(counts) / statistics.median(times):.0f}")
    same = all(s == shapes[0] for s in shapes)
    print(f"same seed, same requests per check in every run: {'yes' if same else 'NO'}")
    slowest = sorted(shapes[0], key=lambda x: -x[1])[:5]
    print("most requests: " + ", ".join(f"{i} {n}" for i, n in slowest))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())

"""Where the time goes, as ratios measured in one run: the harness against the floor it could reach.

    python benchmarks/perf.py [--repeats 5] [--quick]

Rows (each the median of interleaved repeats, so a busy machine slows both sides alike). Beside wall time
the rows give CPU time (user+sys of the harness process: its threads in-process, the child's rusage for a
whole process), which a loaded machine inflates much less than wall time:
- per request: the deterministic checks (`--examples 0`) run in-process against the reference (served by
  another process), against a raw `requests.Session` loop sending the same requests to the same server;
  and the harness's `Client` alone sending those requests one at a time (its mechanics without the checks);
  and what one generated case costs beyond a raw request (from the 25-example run minus the 0 one); and
  the harness CPU per generated case of a whole `--examples 1000` process (minus `--examples 0`).
- whole process: `conformance run -q` against the embedded reference, warm cache and cold (a fresh HOME
  and XDG_CACHE_HOME, as on a CI machine): wall time and peak memory (the child's ru_maxrss). The package's
  bytecode is compiled first, as `pip install` does.
- latency: concurrency 1 against the default behind a proxy adding 50 ms / 200 ms per request
  (benchmarks/latency_proxy.py), with the per-check verdicts compared; "n/a" when this build has no
  `--concurrency` flag.
- scaling: the whole process with `--examples` 0, 25, 100 and 1000.
Also checks that one seed repeats the same requests per check. `--quick` runs each row once and small
(seconds, for the test that keeps this script working); its numbers are not worth quoting.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import requests  # noqa: E402
from latency_proxy import LatencyProxy  # noqa: E402

from conformance.config import Config  # noqa: E402
from conformance.contract.openapi import load_spec  # noqa: E402
from conformance.reference.http import Reply, Request  # noqa: E402
from conformance.reference.service import ReferenceServer  # noqa: E402
from conformance.runner import run  # noqa: E402
from conformance.target.client import Client  # noqa: E402

SPEC = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"
SEED = 12345
ENV = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
WARM_CACHE = Path(tempfile.gettempdir()) / "graph-conformance-perf-warm"


class Recorder(ReferenceServer):
    """The reference implementation, keeping each request it answered (to replay them raw)."""

    seen: list[tuple[str, str, dict[str, str], bytes]]

    def handle(self, req: Request) -> Reply:
        self.seen.append((req.method, req.path, dict(req.headers), req.body))
        return super().handle(req)


def record(examples: int) -> list[tuple[str, str, dict[str, str], bytes]]:
    token = secrets.token_hex(16)
    server = Recorder(load_spec(SPEC), token=token)
    server.seen = []
    with server:
        run(
            load_spec(SPEC),
            Config(seed=SEED, examples=examples, formats=()),
            base_url=server.url,
            token=token,
            spec_file=str(SPEC),
        )
    return server.seen


def in_process(url: str, token: str, examples: int) -> tuple[float, int, float, list[tuple[str, int]]]:
    """Wall seconds, requests sent, CPU seconds (this process, every thread) and requests per check."""
    spec = load_spec(SPEC)
    start, cpu = time.perf_counter(), time.process_time()
    result = run(
        spec, Config(seed=SEED, examples=examples, formats=()), base_url=url, token=token, spec_file=str(SPEC)
    )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert result.exit_code == 0, f"the reference run did not pass: {result.verdict}"
    shape = [(r.check.id, r.requests) for r in result.results]
    return elapsed, sum(n for _, n in shape), cpu, shape


def raw_loop(url: str, sent: list[tuple[str, str, dict[str, str], bytes]]) -> tuple[float, int, float]:
    """Wall seconds, requests sent and CPU seconds of a plain `requests.Session` loop."""
    skip = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding"}
    start, cpu = time.perf_counter(), time.process_time()
    with requests.Session() as session:
        for method, path, headers, body in sent:
            resp = session.request(
                method,
                url + path,
                headers={k: v for k, v in headers.items() if k not in skip},
                data=body or None,
                timeout=10,
                allow_redirects=False,
            )
            _ = resp.content
    return time.perf_counter() - start, len(sent), time.process_time() - cpu


Sent = list[tuple[str, str, dict[str, str], bytes]]


def client_loop(url: str, token: str, sent: Sent) -> tuple[float, int, float]:
    """Wall seconds, requests sent and CPU seconds of the harness's `Client` sending the same requests (its
    deadline and masking included; no check logic). The masked record and reproduce command of an exchange
    are built when something reads them, as in a run, where only findings do; nothing reads them here."""
    client = Client(url, token=token, concurrency=1)
    start, cpu = time.perf_counter(), time.process_time()
    try:
        for method, path, headers, body in sent:
            shown = {k: v for k, v in headers.items() if k.lower() == "content-type"}
            client.request(method, path, body=body or None, headers=shown)
    finally:
        client.close()
    return time.perf_counter() - start, len(sent), time.process_time() - cpu


def child(argv: list[str], cold: bool, timeout: float = 900) -> tuple[float, float, int, float, str]:
    """Wall seconds, peak MB, exit code, CPU seconds (user+sys) and stdout of one `python -m conformance`."""
    env = dict(ENV)
    with tempfile.TemporaryDirectory() as home:
        if cold:
            env["HOME"] = home
            env["XDG_CACHE_HOME"] = str(Path(home) / "cache")
        else:
            env["XDG_CACHE_HOME"] = str(WARM_CACHE)
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "conformance", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=home,
        )
        assert proc.stdout is not None
        out = proc.stdout.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime, out


def embedded(examples: int, reports: str) -> list[str]:
    return ["run", "-q", "--seed", str(SEED), "--examples", str(examples), "--report-dir", reports]


def interleaved(repeats: int, **runs: Callable[[], tuple[float, ...]]) -> dict[str, list[tuple[float, ...]]]:
    """Each callable `repeats` times, taking turns, so machine load falls on all of them alike."""
    out: dict[str, list[tuple[float, ...]]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, fn in runs.items():
            out[name].append(fn())
    return out


def med(samples: list[tuple[float, ...]], i: int = 0) -> float:
    return statistics.median(s[i] for s in samples)


def has_concurrency() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--help"],
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    return "--concurrency" in done.stdout


def verdicts(report_dir: str) -> list[tuple[str, str]]:
    report = json.loads((Path(report_dir) / "report.json").read_text(encoding="utf-8"))
    return [(c["id"], c["status"]) for c in report["checks"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved repeats per row (default 5)")
    parser.add_argument(
        "--quick", action="store_true", help="one small repeat per row: checks the script runs"
    )
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    rows: list[tuple[str, str, str]] = []

    def row(what: str, value: str, ratio: str) -> None:
        rows.append((what, value, ratio))
        print(f"  {what}: {value} [{ratio}]", file=sys.stderr, flush=True)

    # Bytecode as `pip install` leaves it: without it (PYTHONDONTWRITEBYTECODE set, an editable install never
    # imported) every process would compile the package first, which no installed copy does.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "conformance")], env=ENV, check=True)
    scratch = tempfile.TemporaryDirectory(
        prefix="perf-"
    )  # every report folder of the run, removed at the end
    reports = tempfile.mkdtemp(dir=scratch.name)
    token = secrets.token_hex(16)
    # the target in a process of its own, so the harness and the raw loop each have this one to themselves
    server = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", "0", "--token", token],
        env=ENV,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        url = line.split(" ")[2].split("/", 3)
        base = "/".join(url[:3])
        port = int(base.rsplit(":", 1)[1])

        # ---- per request: harness vs a raw requests loop sending the same requests
        sent = record(0)
        generated = 5 if args.quick else 25
        in_process(base, token, 0)  # imports and first-use caches are not per-request costs
        samples = interleaved(
            max(repeats, 3),
            harness=lambda: in_process(base, token, 0)[:3],
            raw=lambda: raw_loop(base, sent),
            generated=lambda: in_process(base, token, generated)[:3],
        )
        shapes = {tuple(in_process(base, token, generated)[3]) for _ in range(2)}
        n = med(samples["harness"], 1)
        per_harness, per_raw = med(samples["harness"]) / n, med(samples["raw"]) / len(sent)
        cpu_harness, cpu_raw = med(samples["harness"], 2) / n, med(samples["raw"], 2) / len(sent)
        row(
            f"hand-written checks, per request ({n:.0f} requests)",
            f"{per_harness * 1000:.2f} ms vs raw requests.Session {per_raw * 1000:.2f} ms",
            f"{per_harness / per_raw:.2f}x raw",
        )
        row(
            "hand-written checks, CPU time per request",
            f"{cpu_harness * 1000:.2f} ms vs raw requests.Session {cpu_raw * 1000:.2f} ms",
            f"{cpu_harness / cpu_raw:.2f}x raw",
        )
        extra = med(samples["generated"], 1) - n
        per_case = (med(samples["generated"]) - med(samples["harness"])) / extra
        cpu_case = (med(samples["generated"], 2) - med(samples["harness"], 2)) / extra
        row(
            f"generated case ({extra:.0f} cases)",
            f"{per_case * 1000:.2f} ms each, {cpu_case * 1000:.2f} ms CPU",
            f"{(per_case - per_raw) * 1000:.2f} ms harness time beyond a raw request "
            f"({(cpu_case - cpu_raw) * 1000:.2f} ms CPU)",
        )
        row("same seed, same requests per check", "yes" if len(shapes) == 1 else "NO", "-")
        one = interleaved(
            max(repeats, 3),
            client=lambda: client_loop(base, token, sent),
            raw=lambda: raw_loop(base, sent),
        )
        row(
            f"the client alone, per request ({len(sent)} requests, one at a time)",
            f"{med(one['client'], 2) / len(sent) * 1000:.2f} ms CPU vs raw requests.Session "
            f"{med(one['raw'], 2) / len(sent) * 1000:.2f} ms",
            f"{med(one['client'], 2) / med(one['raw'], 2):.2f}x raw CPU, "
            f"{med(one['client']) / med(one['raw']):.2f}x wall",
        )

        # ---- whole process, warm vs cold cache
        child(embedded(25, reports), cold=False)  # fills the warm cache
        runs = interleaved(
            repeats,
            warm=lambda: child(embedded(25, reports), cold=False)[:4],
            cold=lambda: child(embedded(25, reports), cold=True)[:4],
        )
        assert all(r[2] == 0 for rs in runs.values() for r in rs), "a default run did not pass"
        warm_s, cold_s = med(runs["warm"]), med(runs["cold"])
        warm_mb, cold_mb = med(runs["warm"], 1), med(runs["cold"], 1)
        warm_cpu, cold_cpu = med(runs["warm"], 3), med(runs["cold"], 3)
        row(
            "default run, whole process, warm cache",
            f"{warm_s:.2f} s ({warm_cpu:.2f} s CPU), {warm_mb:.0f} MB peak",
            "1.00x",
        )
        row(
            "default run, whole process, cold cache",
            f"{cold_s:.2f} s ({cold_cpu:.2f} s CPU), {cold_mb:.0f} MB peak",
            f"{cold_s / warm_s:.2f}x wall, {cold_cpu / warm_cpu:.2f}x CPU, {cold_mb / warm_mb:.2f}x memory",
        )

        # ---- latency: concurrency 1 vs the default behind a slow link
        concurrency = has_concurrency()
        for latency_ms in (50,) if args.quick else (50, 200):
            with LatencyProxy(f"http://127.0.0.1:{port}", latency_ms / 1000) as proxy:
                target = ["run", "-q", "--target", proxy.url, "--token", token, "--seed", str(SEED)]
                target += ["--format", "json", "--examples", "0" if args.quick else "25"]
                one_dir, dflt_dir = tempfile.mkdtemp(dir=scratch.name), tempfile.mkdtemp(dir=scratch.name)
                default = [*target, "--report-dir", dflt_dir]
                one = [*target, "--report-dir", one_dir, "--concurrency", "1"]
                calls = {"default": lambda argv=default: child(argv, cold=False)[:3]}
                if concurrency:
                    calls["one"] = lambda argv=one: child(argv, cold=False)[:3]
                lat = interleaved(1 if args.quick else min(repeats, 3), **calls)
            default_s = med(lat["default"])
            if concurrency:
                same = verdicts(one_dir) == verdicts(dflt_dir)
                row(
                    f"{latency_ms} ms latency target, default run",
                    f"{default_s:.2f} s vs --concurrency 1 {med(lat['one']):.2f} s",
                    f"{med(lat['one']) / default_s:.2f}x faster, verdicts "
                    f"{'identical' if same else 'DIFFER'}",
                )
            else:
                row(
                    f"{latency_ms} ms latency target, default run",
                    f"{default_s:.2f} s",
                    "n/a (no --concurrency)",
                )

        # ---- scaling with --examples
        counts = (0, 25) if args.quick else (0, 25, 100, 1000)
        scale = interleaved(
            1 if args.quick else min(repeats, 3),
            **{str(k): (lambda k=k: child(embedded(k, reports), cold=False)[:4]) for k in counts},
        )
        default = med(scale["25"])  # the same interleaved set: load drifts between rows
        for k in counts:
            s, cpu = med(scale[str(k)]), med(scale[str(k)], 3)
            row(
                f"--examples {k}, whole process",
                f"{s:.2f} s ({cpu:.2f} s CPU)",
                f"{s / default:.2f}x --examples 25",
            )
        top = counts[-1]  # two generation modes draw `top` bodies each
        per = (med(scale[str(top)], 3) - med(scale["0"], 3)) / (2 * top)
        row(
            f"CPU per generated case, whole process (--examples {top} minus 0)",
            f"{per * 1000:.2f} ms",
            "includes drawing the body and sending it",
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        scratch.cleanup()

    width = max(len(r[0]) for r in rows)
    mid = max(len(r[1]) for r in rows)
    print(f"{'measurement':<{width}}  {'median':<{mid}}  ratio")
    for what, value, ratio in rows:
        print(f"{what:<{width}}  {value:<{mid}}  {ratio}")
    return 0 if len(shapes) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())

"""Issue 10 item 7, attacked: a time budget per run, 429/503 never a rejection, SIGTERM writes the reports.

The servers, `run_harness` and the first two tests are the blind tester's (/work/blind/test_attacks.py,
item 7), written without reading the harness: stdlib raw-socket servers on 127.0.0.1 (port 0) and the
harness as a subprocess. Both failed before the budget existed (`--max-time` unknown: exit 2; SIGTERM:
rc -15 and no reports). The tests after them add the default budget, the budget cutting a check in the
middle, a LEGAL target for each rule (throttles then answers; slow but within the budget: must pass) and a
BROKEN one (rate limits exactly what it should reject; slower than the budget: must not pass).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.attack_servers import COLLECTION, graph_app, response

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
BASE_ARGS = ["--examples", "5", "--seed", "424242", "--timeout", "3"]
REPORT_FILES = ("report.json", "junit.xml", "report.md", "report.html")


def canary(tag: str = "") -> str:
    """A distinctive secret."""
    return f"CANARY{uuid.uuid4().hex[:16]}{tag}"


# ---------------------------------------------------------------- the blind tester's servers and runner


class Run:
    def __init__(self, rc, out: bytes, err: bytes, elapsed: float, report_dir: Path, timed_out=False):
        self.rc = rc
        self.out_b = out
        self.err_b = err
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.report_dir = report_dir
        self.timed_out = timed_out

    @property
    def terminal(self) -> str:
        return self.out + "\n" + self.err

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text("utf-8"))

    def statuses(self) -> dict:
        return {c["id"]: c["status"] for c in self.report()["checks"]}

    def __repr__(self):
        return (
            f"Run(rc={self.rc}, elapsed={self.elapsed:.1f}s, timed_out={self.timed_out}, "
            f"stderr={self.err[-600:]!r}, stdout_tail={self.out[-600:]!r})"
        )


def _clean_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.pop("NO_COLOR", None)
    if extra:
        env.update(extra)
    return env


def run_harness(
    tmp_path: Path,
    args: list[str],
    *,
    env: dict | None = None,
    timeout: float = 90,
    report_dir: Path | None = None,
    base=True,
) -> Run:
    report_dir = report_dir or (tmp_path / "reports")
    cmd = [sys.executable, "-m", "conformance", "run", *args, "--report-dir", str(report_dir)]
    if base:
        cmd += BASE_ARGS
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_clean_env(env),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return Run(proc.returncode, out, err, time.monotonic() - t0, report_dir, timed_out)


def assert_all_reports(run: Run):
    for name in REPORT_FILES:
        p = run.report_dir / name
        assert p.is_file(), f"{name} not written: {run!r}"
        assert p.stat().st_size > 0, f"{name} is empty: {run!r}"
    run.report()  # parses


# ---------------------------------------------------------------- the blind tests of item 7


def too_many_app(req):
    return response(
        429,
        "Too Many Requests",
        [("Retry-After", "5"), ("OData-Version", "4.0")],
        {"error": {"code": "TooManyRequests", "message": "slow down"}},
    )


def test_item07_429_everywhere_is_bounded_by_max_time(tmp_path, serve):
    srv = serve(too_many_app)
    run = run_harness(
        tmp_path, ["--target", srv.url, "--token", canary("tok7"), "--max-time", "20"], timeout=75
    )
    assert not run.timed_out, run
    assert run.elapsed < 45, f"--max-time 20 not honoured: {run!r}"
    assert run.rc == 3, run
    assert_all_reports(run)
    passed_on_429 = [cid for cid, st in run.statuses().items() if cid.startswith("VALID") and st == "pass"]
    assert not passed_on_429, f"VALID checks passed on 429 answers: {passed_on_429}"


def test_item07_sigterm_still_writes_reports(tmp_path, serve):
    srv = serve(graph_app(delay=0.7))
    report_dir = tmp_path / "reports"
    cmd = [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--target",
        srv.url,
        "--token",
        canary("tok7b"),
        "--report-dir",
        str(report_dir),
        *BASE_ARGS,
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_clean_env(),
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(srv.requests) < 3:  # the run is under way
        time.sleep(0.1)
    assert len(srv.requests) >= 3, "the run did not get under way"
    assert proc.poll() is None, "the run ended before it could be stopped"
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail("harness did not stop within 30 s of SIGTERM")
    run = Run(proc.returncode, out, err, 0, report_dir)
    assert run.rc != 0, run
    assert_all_reports(run)


# ---------------------------------------------------------------- 429/503: never a rejection, bounded


def _statuses_and_errors(run: Run) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["status"], c.get("error") or "") for c in run.report()["checks"]}


@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, "5"), (503, "5")], ids=["429-retry-after-5", "503-retry-after-5"]
)
def test_throttling_everywhere_with_the_default_budget_is_bounded(tmp_path, serve, status, retry_after):
    def app(req):
        headers = [("OData-Version", "4.0")] + ([("Retry-After", retry_after)] if retry_after else [])
        return response(status, "Slow Down", headers, {"error": {"code": "Throttled", "message": "later"}})

    srv = serve(app)
    run = run_harness(tmp_path, ["--target", srv.url, "--token", canary("tok7c")], timeout=120)
    assert not run.timed_out, run
    assert run.elapsed < 75, run  # it was 763 s: each request waited out its retry budget, every check ran
    assert run.rc == 3, run
    assert_all_reports(run)
    checks = _statuses_and_errors(run)
    statuses = {st for st, _ in checks.values()}
    assert statuses - {"skip"} == {"error"}, checks  # nothing passes, nothing fails on a 429 (AUTH-102 skips)
    what = "rate limiting" if status == 429 else "unavailable"
    first = checks["AUTH-001"][1]
    assert f"the target was {what} ({status} after" in first
    assert "not a rejection" in first
    notes = run.report()["notes"]
    assert any(n.startswith("run time budget: ") and "(the default: " in n for n in notes), notes
    assert any("failed to answer 3 checks in a row" in n for n in notes), notes  # the give-up rule


def test_a_503_without_retry_after_is_a_server_failure(tmp_path, serve):
    """No Retry-After: no sign of overload or maintenance, so a 503 is a 5xx like any other (issue 9.1)."""

    def app(req):
        return response(
            503, "Unavailable", [("OData-Version", "4.0")], {"error": {"code": "x", "message": "y"}}
        )

    srv = serve(app)
    run = run_harness(tmp_path, ["--target", srv.url, "--token", canary("tok7d")], timeout=120)
    assert not run.timed_out, run
    assert run.rc == 1, run
    checks = _statuses_and_errors(run)
    assert checks["VALID-006"][0] == "fail", checks


def _graph_with(every: int, throttle, delay: float = 0.0):
    """graph_app, but every `every`-th request (and every request `throttle(req)` picks) gets a 429."""
    inner = graph_app(delay=delay)
    count = [0]
    lock = threading.Lock()

    def app(req):
        with lock:
            count[0] += 1
            n = count[0]
        if (every and n % every == 0) or throttle(req):
            app.throttled += 1  # type: ignore[attr-defined]
            return response(
                429,
                "Too Many Requests",
                [("Retry-After", "1"), ("OData-Version", "4.0")],
                {"error": {"code": "TooManyRequests", "message": "slow down"}},
            )
        return inner(req)

    app.throttled = 0  # type: ignore[attr-defined]
    return app


def test_legal_a_target_that_throttles_now_and_then_is_judged_on_its_answers(tmp_path, serve):
    # LEGAL: every 10th request is told to come back in 1 s, and each answer takes 0.1 s: the retries and
    # the default budget absorb both, so the verdict is the one graph_app earns without throttling
    app = _graph_with(10, lambda req: False, delay=0.1)
    srv = serve(app)
    run = run_harness(tmp_path, ["--target", srv.url, "--token", canary("tok7d")], timeout=150)
    assert run.rc == 0, run
    checks = _statuses_and_errors(run)
    assert not [c for c, (st, _) in checks.items() if st == "error"], checks
    assert app.throttled >= 3  # throttling did happen, and was waited out


def _should_reject(req) -> bool:
    """What graph_app answers with a 4xx: no/other content type, not JSON, not an object, no userId."""
    if not req.path.rstrip("/").endswith(COLLECTION) or req.method != "POST":
        return False
    if (req.header("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
        return True
    try:
        data = json.loads(req.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return True
    return not isinstance(data, dict) or not isinstance(data.get("userId"), str)


def test_broken_a_target_that_rate_limits_what_it_should_reject_never_passes_a_validation_check(
    tmp_path, serve
):
    # BROKEN: a 429 (with a Retry-After the retry budget cannot wait out) exactly where a 400 belongs;
    # on the old rule it was "rejected with a 4xx" and VALID-001..005 passed
    def app(req):
        if _should_reject(req):
            return response(
                429,
                "Too Many Requests",
                [("Retry-After", "30"), ("OData-Version", "4.0")],
                {"error": {"code": "TooManyRequests", "message": "slow down"}},
            )
        return graph_app()(req)

    srv = serve(app)
    run = run_harness(tmp_path, ["--target", srv.url, "--token", canary("tok7e"), "--check", "VALID-*"])
    assert run.rc == 3, run
    assert_all_reports(run)
    checks = _statuses_and_errors(run)
    passed = [c for c, (st, _) in checks.items() if st == "pass"]
    assert not passed, f"validation checks passed on 429 answers: {passed}"
    assert checks["VALID-001"][0] == "error"
    assert "the target was rate limiting (429 after 1 attempt" in checks["VALID-001"][1]


# ---------------------------------------------------------------- SIGTERM, waiting on the output


class Lines:
    """The lines a process prints, read as they come (so a test waits for an event, not for a time)."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            with self.changed:
                self.lines.append(raw.decode("utf-8", "replace"))
                self.changed.notify_all()
        with self.changed:
            self.lines.append("")  # end of output
            self.changed.notify_all()

    def wait_for(self, pattern: str, timeout: float) -> bool:
        """True once a line matches `pattern` (a regex), False if the output ends or time runs out first."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                if any(re.search(pattern, line) for line in self.lines if line):
                    return True
                if self.lines and self.lines[-1] == "":
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)

    def text(self) -> str:
        self.thread.join(timeout=10)
        return "".join(self.lines)


def start_harness(tmp_path: Path, args: list[str]) -> tuple[subprocess.Popen[bytes], Lines]:
    cmd = [sys.executable, "-m", "conformance", "run", *args, "--report-dir", str(tmp_path / "reports")]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_clean_env(),
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdout is not None
    return proc, Lines(proc.stdout)


def test_sigterm_mid_run_keeps_the_decided_checks_and_exits_3(tmp_path, serve):
    srv = serve(graph_app(delay=0.3))
    # one check at a time, so "the checks after the signal" are well defined (at a higher concurrency more
    # of them are already decided when it comes, and those are kept too)
    argv = ["--target", srv.url, "--token", canary("tok7f"), *BASE_ARGS, "-v", "--concurrency", "1"]
    proc, lines = start_harness(tmp_path, argv)
    try:
        # two checks decided and the third under way: the run is past its start, wherever that is
        assert lines.wait_for(r"running AUTH-102", timeout=60), lines.text()
        signalled = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)  # stdout is the reader's: no communicate()
        stopped_in = time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.stderr is not None
    err_b = proc.stderr.read()
    out, err = lines.text(), err_b.decode("utf-8", "replace")
    assert proc.returncode == 3, out + err  # the verdict's code, the same as report.json says
    assert stopped_in < 10, stopped_in  # at once, not after the remaining checks
    assert "Traceback" not in out + err
    run = Run(proc.returncode, out.encode(), err_b, 0, tmp_path / "reports")
    assert_all_reports(run)
    report = run.report()
    assert report["exit_code"] == 3
    checks = _statuses_and_errors(run)
    assert checks["AUTH-001"][0] == "pass"  # what was decided before the signal is kept
    stopped = [c for c, (st, e) in checks.items() if st == "error" and "stopped by SIGTERM" in e]
    assert "VALID-103" in stopped  # the last check was never run
    decided = [c for c, (st, _) in checks.items() if c not in stopped and st != "skip"]  # skips are instant
    assert len(decided) <= 3, decided
    assert any("stopped by SIGTERM; the remaining checks were not run" in n for n in report["notes"])

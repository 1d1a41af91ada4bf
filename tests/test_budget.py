"""The run's time budget: where it comes from, its default, and how a run ends when it runs out."""

from __future__ import annotations

import contextlib
import io
import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.budget import (
    HARNESS_S,
    PROBE_REQUESTS,
    TIMEOUT_SHARE,
    Terminated,
    planned_requests,
    run_budget,
    stop_on_sigterm,
)
from conformance.checks.fuzz import SHRINK_BUDGET
from conformance.cli import main
from conformance.config import Config, load_options
from conformance.errors import ConfigError
from conformance.runner import plan
from conformance.session import load_run_spec


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- the setting


def test_max_time_comes_from_the_flag_the_environment_or_pyproject(tmp_path):
    assert load_options({"max-time": "30"}, env={}, cwd=tmp_path).max_time == 30.0
    assert load_options({}, env={"CONFORMANCE_MAX_TIME": "45.5"}, cwd=tmp_path).max_time == 45.5
    (tmp_path / "pyproject.toml").write_text("[tool.conformance]\nmax-time = 120\n")
    assert load_options({}, env={}, cwd=tmp_path).max_time == 120.0
    assert load_options({"max-time": "0"}, env={}, cwd=tmp_path).max_time == 0.0  # no limit
    assert load_options({}, env={}, cwd=tmp_path / "none").max_time is None  # derived


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "soon", "true"])
def test_a_bad_max_time_is_one_line_and_exit_2(value, tmp_path):
    with pytest.raises(ConfigError, match=r"^--conformance-max-time: "):
        load_options({"max-time": value}, prefix="--conformance-", env={}, cwd=tmp_path)
    code, out, err = call("run", "--max-time", value, "--report-dir", str(tmp_path))
    assert code == 2, out + err
    assert len(err.strip().splitlines()) == 1, err
    assert "--max-time" in err
    assert "Traceback" not in out + err


def test_the_default_is_derived_from_the_timeout_and_the_planned_requests():
    spec, _ = load_run_spec(None)
    config = Config(timeout=8.0, examples=10)
    checks = plan(spec, config)
    generated = [b for b in checks if b.check.kind == "generated" and not b.skip_reason]
    probes = [b for b in checks if b.check.kind != "generated" and not b.skip_reason]  # skipped: none sent
    assert generated
    assert probes
    planned = planned_requests(checks, config.examples)
    assert planned == len(probes) * PROBE_REQUESTS + len(generated) * (10 + SHRINK_BUDGET)
    budget = run_budget(config, checks)
    assert budget.seconds == round(HARNESS_S + planned * 8.0 / TIMEOUT_SHARE)
    assert f"{planned} planned requests x 8 s timeout / {TIMEOUT_SHARE}" in budget.note
    # it grows with the timeout and with the examples, and the flag replaces it
    assert (run_budget(Config(timeout=16.0, examples=10), checks).seconds or 0) > budget.seconds
    assert (run_budget(Config(timeout=8.0, examples=50), checks).seconds or 0) > budget.seconds
    assert run_budget(Config(max_time=12.5), checks).seconds == 12.5
    assert run_budget(Config(max_time=0), checks).seconds is None


def test_the_default_with_the_default_settings_is_reported_in_every_report(tmp_path):
    code, out, err = call("run", "--report-dir", str(tmp_path), "--seed", "3", "--examples", "3")
    assert code == 0, out + err
    report = json.loads((tmp_path / "report.json").read_text())
    spec, _ = load_run_spec(None)
    expected = run_budget(Config(examples=3), plan(spec, Config(examples=3)))
    assert report["config"]["max_time"] == expected.seconds
    assert expected.note in report["notes"]
    assert expected.note in out
    assert expected.note in (tmp_path / "report.md").read_text()


def test_the_default_with_the_published_defaults_is_about_sixteen_minutes():
    spec, _ = load_run_spec(None)
    seconds = run_budget(Config(), plan(spec, Config())).seconds
    assert seconds is not None
    assert 14 * 60 < seconds < 18 * 60  # what README and --help say


# ---------------------------------------------------------------- a slow target and a small budget


class _Slow(BaseHTTPRequestHandler):
    """Every request waits `delay` seconds, then a 400 with a Graph error body (enough for the probes)."""

    delay = 0.4

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        time.sleep(self.delay)
        body = b'{"error": {"code": "BadRequest", "message": "no"}}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the harness may have hung up: the budget cut the request
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a connection the harness cut at its deadline is expected here, not a bug to print


@contextmanager
def slow_target() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Slow)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_budget_cuts_a_generated_check_in_the_middle_and_ends_the_run(tmp_path: Path):
    with slow_target() as url:
        started = time.monotonic()
        code, out, err = call(
            "run", "--target", url, "--token", "budget-token", "--report-dir", str(tmp_path),
            "--check", "GEN-002", "--check", "VALID-001", "--examples", "200", "--seed", "5",
            "--max-time", "5", "--concurrency", "1",  # one at a time: VALID-001 waits for GEN-002
        )  # fmt: skip
        elapsed = time.monotonic() - started
    assert code == 3, out + err
    # without the budget: 200 examples x 0.4 s = 80 s at least; the slack is startup and reports under load
    assert elapsed < 5 + 20, f"the run took {elapsed:.1f} s with --max-time 5"
    report = json.loads((tmp_path / "report.json").read_text())
    checks = {c["id"]: c for c in report["checks"]}
    gen = checks["GEN-002"]
    assert gen["status"] == "error"
    assert "time budget of 5 s ran out" in gen["error"]
    assert gen["duration_s"] < 5 + 1.5  # cut at the budget's end (it started just before this check)
    assert 0 < gen["requests"] < 200 / 2  # cut in the middle: far fewer than the examples asked for
    assert checks["VALID-001"]["status"] == "error"  # not run: the budget was spent
    assert checks["VALID-001"]["requests"] == 0
    assert "time budget of 5 s ran out; the remaining checks were not run" in checks["VALID-001"]["error"]
    assert report["config"]["max_time"] == 5
    assert "run time budget: 5 s (--max-time)" in report["notes"]
    for name in ("junit.xml", "report.md", "report.html"):
        assert (tmp_path / name).stat().st_size > 0


def test_a_slow_target_within_the_budget_is_not_cut(tmp_path: Path):
    # LEGAL: the same slow target, a budget it fits in: every check is decided (none is an error)
    with slow_target() as url:
        code, out, err = call(
            "run", "--target", url, "--token", "budget-token", "--report-dir", str(tmp_path),
            "--check", "VALID-001", "--check", "VALID-003", "--max-time", "30",
        )  # fmt: skip
    assert code == 0, out + err
    statuses = {c["id"]: c["status"] for c in json.loads((tmp_path / "report.json").read_text())["checks"]}
    assert statuses == {"VALID-001": "pass", "VALID-003": "pass"}


# ---------------------------------------------------------------- SIGTERM, in-process


def test_sigterm_is_handled_only_within_the_block_and_only_once():
    before = signal.getsignal(signal.SIGTERM)
    with stop_on_sigterm() as stop:
        assert signal.getsignal(signal.SIGTERM) is not before
        with pytest.raises(Terminated, match="stopped by SIGTERM"):
            signal.raise_signal(signal.SIGTERM)  # the handler runs before this returns
        signal.raise_signal(signal.SIGTERM)  # a second one is only remembered
        stop.disarm()
        assert stop.received
    assert signal.getsignal(signal.SIGTERM) is before
    with stop_on_sigterm() as stop:
        stop.disarm()  # disarmed (while the reports are written): remembered, not raised
        signal.raise_signal(signal.SIGTERM)
        assert stop.received
    assert issubclass(Terminated, KeyboardInterrupt)  # the runner handles it like Ctrl-C


# ---------------------------------------------------------------- the pytest plugin


@pytest.mark.slow
def test_the_plugin_takes_the_same_budget(pytester):
    with slow_target() as url:
        result = pytester.runpytest_subprocess(
            "--pyargs", "conformance.suite", "-k", "GEN-002 or VALID-001",
            "--conformance-target", url, "--conformance-token", "budget-token",
            "--conformance-examples", "200", "--conformance-max-time", "2", "-p", "no:cacheprovider",
        )  # fmt: skip
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["*harness could not decide*", "*time budget of 2 s ran out*"])
    bad = pytester.runpytest_subprocess("--pyargs", "conformance.suite", "--conformance-max-time", "-1")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--conformance-max-time: max-time must be 0 (no limit) or a positive*"])

"""--concurrency: checks and requests over a bounded pool, the same report as one at a time (issue 12 item 1).

The kill matrix compares full reports at concurrency 1 and 8 for every fault (tests/test_kill_matrix.py);
this module shows the speed-up behind a latency-adding proxy, the pool-wide Retry-After pause, the
terminal staying in catalogue order, the lane rule for shared creates, and the usage errors.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import ClassVar

import pytest

from conformance.checks import CheckContext, CheckOptions
from conformance.cli import main
from conformance.config import DEFAULT_CONCURRENCY, Config
from conformance.contract.openapi import load_spec
from conformance.errors import CheckDefinitionError
from conformance.reference.server import ReferenceServer
from conformance.runner import run
from conformance.target.client import Client
from tests.latency_proxy import LatencyProxy
from tests.report_compare import comparable

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"


@pytest.fixture(scope="module")
def spec():
    return load_spec(SPEC)


def timed_run(spec, url: str, concurrency: int, **settings):
    config = Config(formats=(), seed=1234, concurrency=concurrency, **settings)
    start = time.perf_counter()
    result = run(spec, config, base_url=url, spec_file=str(SPEC), token="tok")
    return result, time.perf_counter() - start


# ---------------------------------------------------------------- faster behind latency, same report


SENDERS = ("GEN-003", "VALID-004", "VALID-006", "CREATE-001", "CREATE-003", "CREATE-009", "METHOD-101")


def test_behind_50ms_the_default_concurrency_is_faster_with_the_same_report(spec):
    """A handful of checks that send many requests: the sequential run pays 50 ms per request."""
    with ReferenceServer(spec, token="tok") as server, LatencyProxy(server.url, 0.05) as proxy:
        one, t_one = timed_run(spec, proxy.url, 1, select=SENDERS)
        many, t_many = timed_run(spec, proxy.url, DEFAULT_CONCURRENCY, select=SENDERS)
    assert sum(r.requests for r in one.results) >= 30
    assert comparable(one) == comparable(many)
    assert t_one / t_many >= 2.0, f"concurrency 1: {t_one:.2f} s, {DEFAULT_CONCURRENCY}: {t_many:.2f} s"


@pytest.mark.slow
def test_behind_200ms_a_default_run_is_much_faster_with_the_same_report(spec):
    """The whole catalogue with generated tests, behind a 200 ms target (issue 12: a remote service)."""
    with ReferenceServer(spec, token="tok") as server, LatencyProxy(server.url, 0.2) as proxy:
        one, t_one = timed_run(spec, proxy.url, 1, examples=10)
        many, t_many = timed_run(spec, proxy.url, DEFAULT_CONCURRENCY, examples=10)
    assert comparable(one) == comparable(many)
    assert one.exit_code == many.exit_code == 0
    assert t_one / t_many >= 3.0, f"concurrency 1: {t_one:.2f} s, {DEFAULT_CONCURRENCY}: {t_many:.2f} s"


def test_failures_and_their_shrinking_are_the_same_at_any_concurrency(spec):
    """A fault that generated tests find: the bodies sent ahead are judged in the order drawn, and the
    failure is shrunk to the same body with the same number of requests."""
    with ReferenceServer(spec, faults=["crash-empty-string"], token="tok") as server:
        picked = ("GEN-001", "GEN-003", "VALID-006")  # GEN-002's shrinking takes half a minute here
        one, _ = timed_run(spec, server.url, 1, examples=15, select=picked)
        many, _ = timed_run(spec, server.url, 8, examples=15, select=picked)
    gen = {r.check.id: r for r in many.results if r.check.id.startswith("GEN")}
    assert gen["GEN-001"].findings
    assert "shrunk body" in gen["GEN-001"].findings[0].message
    assert comparable(one) == comparable(many)


# ---------------------------------------------------------------- one pause for the whole pool


class _Throttling(http.server.BaseHTTPRequestHandler):
    """The first request gets 429 with Retry-After: 1; every request's arrival time is recorded."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        server = self.server
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with server.lock:  # type: ignore[attr-defined]
            first = not server.arrivals  # type: ignore[attr-defined]
            server.arrivals.append(time.monotonic())  # type: ignore[attr-defined]
        status, extra = (429, {"Retry-After": "1"}) if first else (201, {})
        body = b'{"id": "x"}'
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        if first:
            server.throttled.set()  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def throttling_server() -> Iterator[http.server.ThreadingHTTPServer]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Throttling)
    server.arrivals, server.lock, server.throttled = [], threading.Lock(), threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_retry_after_pauses_every_connection_of_the_pool():
    with (
        throttling_server() as server,
        Client(f"http://127.0.0.1:{server.server_address[1]}", token="t", concurrency=4) as client,
    ):
        statuses: list[int] = []

        def post() -> None:
            statuses.append(client.view().request("POST", "/x", json={}).status)

        first = threading.Thread(target=post)
        first.start()
        assert server.throttled.wait(5)
        time.sleep(0.1)  # the 429 has reached the client, which paused the pool
        others = [threading.Thread(target=post) for _ in range(3)]
        for t in others:
            t.start()
        for t in [first, *others]:
            t.join(10)
    throttled_at, *later = server.arrivals
    assert statuses == [201] * 4
    assert len(later) == 4  # the retry and the three others
    assert min(later) - throttled_at >= 0.9, "a request went out while the target had asked for a pause"


# ---------------------------------------------------------------- the terminal and the lanes


def test_progress_lines_come_in_catalogue_order_one_whole_line_each(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(
            [
                "run",
                "--concurrency",
                "8",
                "--seed",
                "5",
                "--examples",
                "5",
                "--report-dir",
                str(tmp_path),
                "--format",
                "json",
            ]
        )
    assert code == 0, err.getvalue()
    lines = [line for line in out.getvalue().splitlines() if line.startswith("[")]
    numbers = [int(re.match(r"\[\s*(\d+)/", line).group(1)) for line in lines]  # type: ignore[union-attr]
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) >= 25
    assert all(re.match(r"\[\s*\d+/\d+\] (PASS |skip ) [A-Z]+-\d{3} ", line) for line in lines), lines
    report = json.loads((tmp_path / "report.json").read_text())
    assert [c["id"] for c in report["checks"]] == sorted(c["id"] for c in report["checks"])


@pytest.mark.parametrize("concurrency", [1, 3])
def test_the_markdown_report_names_the_concurrency_it_ran_at(tmp_path, concurrency):
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        code = main(
            ["run", "-q", "--concurrency", str(concurrency), "--examples", "0", "--report-dir", str(tmp_path)]
        )
    assert code == 0
    header = (tmp_path / "report.md").read_text(encoding="utf-8").splitlines()[2]
    assert f"· concurrency `{concurrency}` ·" in header, header
    assert json.loads((tmp_path / "report.json").read_text())["config"]["concurrency"] == concurrency


def context(spec, lane: str | None, check_id: str = "X-001", memo: dict | None = None) -> CheckContext:
    client = Client("http://127.0.0.1:9", token=None)
    return CheckContext(
        client=client,
        spec=spec,
        options=CheckOptions(),
        memo=memo if memo is not None else {},
        lane=lane,
        check_id=check_id,
    )


def test_checks_of_one_lane_share_a_value_others_may_not(spec):
    memo: dict = {}
    first = context(spec, "create", "CREATE-001", memo)
    assert first.once("create:minimal", lambda: 1) == 1
    assert context(spec, "create", "CREATE-004", memo).once("create:minimal", lambda: 2) == 1  # legal
    with pytest.raises(CheckDefinitionError, match="HDR-999 shares 'create:minimal'"):
        context(spec, None, "HDR-999", memo).once("create:minimal", lambda: 3)  # broken: no lane
    with pytest.raises(CheckDefinitionError, match="lane 'auth'"):
        context(spec, "auth", "AUTH-999", memo).once("create:minimal", lambda: 3)  # broken: another lane


def test_unique_values_name_their_check_so_order_does_not_change_them(spec):
    a, b = context(spec, None, "VALID-001"), context(spec, None, "GEN-003")
    first = [a.unique("userId"), b.unique("userId"), a.unique("userId")]
    a2, b2 = context(spec, None, "VALID-001"), context(spec, None, "GEN-003")
    second = [b2.unique("userId"), a2.unique("userId"), a2.unique("userId")]
    assert sorted(first) == sorted(second)
    assert len(set(first)) == 3
    assert first[0] == "userId-0-valid-001-1"


# ---------------------------------------------------------------- usage errors


@pytest.mark.parametrize("value", ["0", "-2", "65", "many", "1.5", "", "\u0663", "\uff14"])
def test_a_bad_concurrency_is_one_line_and_exit_2(value, tmp_path):
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(["run", "--concurrency", value, "--report-dir", str(tmp_path)])
    lines = err.getvalue().strip().splitlines()
    assert code == 2
    assert len(lines) == 1
    assert "concurrency" in lines[0]
    assert "Traceback" not in err.getvalue()


def test_concurrency_from_the_environment_and_pyproject(tmp_path):
    from conformance.config import load_options

    (tmp_path / "pyproject.toml").write_text("[tool.conformance]\nconcurrency = 3\n")
    assert load_options({}, env={}, cwd=tmp_path).concurrency == 3
    assert load_options({}, env={"CONFORMANCE_CONCURRENCY": "1"}, cwd=tmp_path).concurrency == 1
    assert (
        load_options({"concurrency": "5"}, env={"CONFORMANCE_CONCURRENCY": "1"}, cwd=tmp_path).concurrency
        == 5
    )
    for bad in ("0", "4.5", "0.5"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.conformance]\nconcurrency = {bad}\n")
        with pytest.raises(Exception, match=r"concurrency must be a whole number from 1"):
            load_options({}, env={}, cwd=tmp_path)


def test_views_keep_their_own_records_and_share_the_connections(spec):
    with ReferenceServer(spec, token="tok") as server, Client(server.url, token="tok", concurrency=4) as root:
        views = [root.view() for _ in range(4)]
        path = "/directory/outboundSharedUserProfiles"
        threads = [
            threading.Thread(target=lambda v=v, n=n: [v.request("PUT", path, json={}) for _ in range(n + 1)])
            for n, v in enumerate(views)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert [v.requests_sent for v in views] == [1, 2, 3, 4]
        assert all(v.last_exchange is not None and v.last_exchange.request.method == "PUT" for v in views)
        views[0].close()  # a view's close leaves the shared connections open
        for v in views:
            root.absorb(v)
        assert root.requests_sent == 10
        assert root.request("PUT", path, json={}).status == 405


# ---------------------------------------------------------------- connections: at most N, one at 1


class _Forward(http.server.BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1 front of the reference that counts the client connections open at once."""

    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)
    lock = threading.Lock()
    open_now = 0
    most = 0

    def setup(self) -> None:
        super().setup()
        with _Forward.lock:
            _Forward.open_now += 1
            _Forward.most = max(_Forward.most, _Forward.open_now)

    def finish(self) -> None:
        with _Forward.lock:
            _Forward.open_now -= 1
        super().finish()

    def _forward(self) -> None:
        import http.client

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        conn = http.client.HTTPConnection(*self.upstream, timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "host")}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            content = resp.read()
        finally:
            conn.close()
        self.send_response(resp.status, resp.reason)
        for name, value in resp.getheaders():
            if name.lower() not in ("connection", "content-length", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def counting_front(upstream_url: str, threaded: bool) -> Iterator[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(upstream_url)
    _Forward.upstream = ("127.0.0.1", parts.port or 80)
    _Forward.open_now = _Forward.most = 0
    cls = http.server.ThreadingHTTPServer if threaded else http.server.HTTPServer
    server = cls(("127.0.0.1", 0), _Forward)
    server.daemon_threads = True  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{parts.path}"
    finally:
        server.shutdown()
        server.server_close()


def test_one_connection_at_concurrency_1_so_a_single_threaded_keep_alive_server_passes(spec):
    """A stdlib `HTTPServer` (one connection served at a time, kept alive until the client closes it):
    a second connection from the harness would wait behind the idle first one until the deadline."""
    with ReferenceServer(spec, token="tok") as server, counting_front(server.url, threaded=False) as url:
        result, _ = timed_run(spec, url, 1, timeout=3.0)
    assert result.exit_code == 0, [(r.check.id, r.status, r.message) for r in result.results if r.message][:5]
    assert _Forward.most == 1


def test_never_more_connections_than_the_concurrency(spec):
    with ReferenceServer(spec, token="tok") as server, counting_front(server.url, threaded=True) as url:
        result, _ = timed_run(spec, url, DEFAULT_CONCURRENCY)
        most_default = _Forward.most
    with ReferenceServer(spec, token="tok") as server, counting_front(server.url, threaded=True) as url:
        one, _ = timed_run(spec, url, 1)
    assert result.exit_code == one.exit_code == 0
    assert comparable(one) == comparable(result)
    assert 1 < most_default <= DEFAULT_CONCURRENCY
    assert _Forward.most == 1


# ---------------------------------------------------------------- a target that dies mid-run


class _DiesOnArray(_Forward):
    """Forwards until a POST body is a JSON array (ERR-101's `[]`): then it resets every connection and
    stops listening, as a service that crashes on a request it cannot parse."""

    dead = threading.Event()
    conns: ClassVar[set[object]] = set()

    def setup(self) -> None:
        super().setup()
        with _Forward.lock:
            _DiesOnArray.conns.add(self.connection)

    def _forward(self) -> None:
        import socket
        import struct

        length = int(self.headers.get("Content-Length") or 0)
        if not _DiesOnArray.dead.is_set() and self.command == "POST" and length:
            body = self.rfile.read(length)
            if not body.strip().startswith(b"["):
                self.rfile = io.BufferedReader(io.BytesIO(body))  # type: ignore[assignment]
                return super()._forward()
            _DiesOnArray.dead.set()
            threading.Thread(target=self._kill, daemon=True).start()
        with _Forward.lock:
            conns = list(_DiesOnArray.conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _kill(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward


@contextmanager
def dying_front(upstream_url: str) -> Iterator[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(upstream_url)
    _Forward.upstream = ("127.0.0.1", parts.port or 80)
    _DiesOnArray.dead.clear()
    _DiesOnArray.conns = set()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _DiesOnArray)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{parts.path}"
    finally:
        if not _DiesOnArray.dead.is_set():
            server.shutdown()
            server.server_close()


def test_a_target_that_dies_mid_run_gets_the_same_verdict_at_any_concurrency(spec):
    """ERR-101 sends `[]` and the target dies: at 1 the run stops there with ERR-101 failing. At 8 other
    checks ran ahead and met a refused connection first; ERR-101's failure must still stand."""
    verdicts = []
    for concurrency in (1, 8, 8, 8):
        with ReferenceServer(spec, token="tok") as server, dying_front(server.url) as url:
            result, _ = timed_run(spec, url, concurrency, timeout=3.0)
        failing = [r.check.id for r in result.results if r.status.value == "fail"]
        verdicts.append((concurrency, result.exit_code, "ERR-101" in failing))
    assert all(v[1:] == (1, True) for v in verdicts), verdicts

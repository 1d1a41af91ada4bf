"""A legal server may close an idle keep-alive connection between requests; that is not a broken answer.

Each target here is a raw-socket proxy on 127.0.0.1 in front of the conformant reference. It frames every
answer with Content-Length, never sends `Connection: close`, and has one connection habit:

- `close-after-answer`: closes (FIN) after each answer;
- `idle-50ms`: closes an idle connection after 50 ms;
- `rst-when-idle`: resets (SO_LINGER 0) an idle connection after 50 ms;
- `one-per-connection` / `one-per-connection-rst`: answers one request per connection and closes (FIN or
  RST) when a second request arrives on it, unanswered: the race of an idle timeout that fires just as the
  client reuses the connection, made deterministic.

All are legal (RFC 9112 §9.3, §9.6: either side may close an idle connection at any time) and must be
CONFORMANT. A target that closes without answering one input on a fresh connection too is broken, and the
check that sent it must FAIL, whatever its connection habit.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import socket
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.contract.spec import Spec
from conformance.errors import TargetError
from conformance.reference.server import ReferenceServer
from conformance.target.client import Client

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "t0ken-value"
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade"}
HABITS = ("close-after-answer", "idle-50ms", "rst-when-idle", "one-per-connection", "one-per-connection-rst")
BROKEN_MARKER = b"not JSON"  # the marker is "a body that is not JSON": every run sends one


def _drop(conn: socket.socket, f: io.BufferedReader, *, rst: bool = False) -> None:
    """Close for real (the reader holds the descriptor too): FIN, or RST when `rst` (SO_LINGER 0)."""
    with contextlib.suppress(OSError):
        if rst:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            conn.shutdown(socket.SHUT_RDWR)
    f.close()
    conn.close()


def _read_request(f: io.BufferedReader) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    line = f.readline(65537)
    if not line:
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        raw = f.readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    return method, target, headers, f.read(length) if length else b""


class HabitProxy:
    """Forwards each request to `upstream` on a fresh connection; answers with Content-Length framing."""

    def __init__(self, upstream: str, habit: str, broken: Callable[[bytes], bool] | None = None) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.habit = habit
        self.broken = broken
        self.dropped = 0  # requests closed without an answer
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HabitProxy:
        self._listener.settimeout(0.1)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._listener.close()

    def die(self) -> bool:
        """Stop listening: every later connection is refused."""
        self._listener.close()
        return True

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        f = conn.makefile("rb")
        answered = 0
        try:
            while True:
                if answered and self.habit in ("idle-50ms", "rst-when-idle"):
                    conn.settimeout(0.05)
                    try:
                        if not f.peek(1):
                            break
                    except TimeoutError:
                        _drop(conn, f, rst=self.habit == "rst-when-idle")
                        return
                    conn.settimeout(10)
                request = _read_request(f)
                if request is None:
                    break
                if answered and self.habit.startswith("one-per-connection"):
                    self.dropped += 1
                    _drop(conn, f, rst=self.habit.endswith("-rst"))
                    return
                if self.broken is not None and self.broken(request[3]):
                    self.dropped += 1
                    _drop(conn, f)
                    return
                conn.sendall(self._forward(*request))
                answered += 1
                if self.habit == "close-after-answer":
                    break
        except OSError:
            pass
        _drop(conn, f)

    def _forward(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
        up = http.client.HTTPConnection(self.upstream, timeout=10)
        try:
            up.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in HOP:
                    up.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                up.putheader("Content-Length", str(len(body)))
            up.endheaders(body)
            resp = up.getresponse()
            content = resp.read()
            no_body = method == "HEAD" or resp.status in (204, 304) or resp.status < 200
            lines = [f"HTTP/1.1 {resp.status} {resp.reason}"]
            for name, value in resp.getheaders():
                if name.lower() not in HOP or (no_body and name.lower() == "content-length"):
                    lines.append(f"{name}: {value}")
            if not no_body:
                lines.append(f"Content-Length: {len(content)}")
            return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (b"" if no_body else content)
        finally:
            up.close()


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


def run(url: str, report_dir: Path) -> tuple[int, str, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--target", url, "--token", TOKEN, "--examples", "10", "--seed", "1"]
    code = main([*argv, "--report-dir", str(report_dir)], out=out, err=err)
    report = json.loads((report_dir / "report.json").read_text())
    return code, out.getvalue() + err.getvalue(), report


def _broken_answers(report: dict[str, Any]) -> list[str]:
    words = ("no complete answer", "connection", "closed", "reset", "stopped answering")
    found = []
    for c in report["checks"]:
        for f in c.get("findings") or []:
            if any(w in f["message"] for w in words):
                found.append(f"{c['id']}: {f['message']}")
        if c["status"] == "error":
            found.append(f"{c['id']} ERROR: {c['error']}")
    return found


@pytest.mark.parametrize("habit", HABITS)
def test_a_server_that_closes_idle_connections_is_conformant(habit: str, spec: Spec, tmp_path: Path) -> None:
    with ReferenceServer(spec, token=TOKEN) as ref, HabitProxy(ref.url, habit) as proxy:
        code, output, report = run(proxy.url, tmp_path)
    assert _broken_answers(report) == []
    assert code == 0, output


def _not_json(body: bytes) -> bool:
    if not body:
        return False
    try:
        json.loads(body)
    except RecursionError:  # deep, but JSON
        return False
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("habit", ["keep-alive", "one-per-connection"])
def test_a_server_that_drops_one_input_even_on_a_fresh_connection_fails(
    habit: str, spec: Spec, tmp_path: Path
) -> None:
    with ReferenceServer(spec, token=TOKEN) as ref, HabitProxy(ref.url, habit, broken=_not_json) as proxy:
        code, output, report = run(proxy.url, tmp_path)
    assert code == 1, output
    failed = [c for c in report["checks"] if c["status"] == "fail"]
    assert any("no complete answer" in f["message"] for c in failed for f in c["findings"]), output


# ---------------------------------------------------------------- the client alone


def test_a_reused_connection_closed_unanswered_is_retried_once_and_recorded_once(spec: Spec) -> None:
    with (
        ReferenceServer(spec, token=TOKEN) as ref,
        HabitProxy(ref.url, "one-per-connection") as proxy,
        Client(proxy.url, token=TOKEN, timeout=5) as client,
    ):
        first = client.request("GET", "/nowhere")
        second = client.request("POST", "/nowhere", body=b"x")
    assert proxy.dropped == 1  # the second request reached a reused connection and was dropped
    assert second.status == first.status
    assert second.exchange.error is None
    assert second.exchange.request.method == "POST"
    assert client.requests_sent == 2
    assert client.server_failures == []


def test_a_fresh_connection_closed_unanswered_is_not_retried(spec: Spec) -> None:
    with (
        ReferenceServer(spec, token=TOKEN) as ref,
        HabitProxy(ref.url, "keep-alive", broken=lambda body: body == b"boom") as proxy,
        Client(proxy.url, token=TOKEN, timeout=5) as client,
    ):
        with pytest.raises(TargetError):
            client.request("POST", "/nowhere", body=b"boom")  # fresh connection: the target's fault
        assert proxy.dropped == 1
        client.request("GET", "/nowhere")
        with pytest.raises(TargetError):  # reused connection: retried once, dropped again
            client.request("POST", "/nowhere", body=b"boom")
    assert proxy.dropped == 3
    assert len(client.server_failures) == 2


def test_a_target_that_dies_on_a_request_sent_on_a_reused_connection_is_still_blamed(spec: Spec) -> None:
    with ReferenceServer(spec, token=TOKEN) as ref:
        proxy = HabitProxy(ref.url, "keep-alive", broken=lambda body: body == b"boom")
        with proxy, Client(proxy.url, token=TOKEN, timeout=5) as client:
            client.request("GET", "/nowhere")
            proxy.broken = lambda body: body == b"boom" and proxy.die()
            with pytest.raises(TargetError) as caught:
                client.request("POST", "/nowhere", body=b"boom")
    assert type(caught.value) is TargetError  # not TargetUnreachable: this request's answer broke
    assert client.server_failures
    assert client.server_failures[-1].request.body == "boom"

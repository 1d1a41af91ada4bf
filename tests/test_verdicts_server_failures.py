"""Issue 9 items 1-3 in the engine: a 5xx or broken answer fails a MUST, a counted FAIL outranks ERROR,
repeated JSON names are named, and every regex matches the whole value.

Targets are real HTTP servers on 127.0.0.1: the reference implementation behind a small stdlib proxy that
drops, or answers and then dies, on one chosen body.
"""

from __future__ import annotations

import ast
import http.client
import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from conformance.config import Config
from conformance.contract.openapi import load_spec
from conformance.contract.schemas import ecma_regex, parse_datetime, validation_errors
from conformance.contract.spec import GUID_PATTERN, GUID_RE, Level
from conformance.reference.server import ReferenceServer
from conformance.results import CheckInfo, CheckResult, Status, Verdict
from conformance.runner import run
from conformance.target._jsonbody import parse_json

ROOT = Path(__file__).resolve().parents[1]
GUID = "5a1f2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


# ---------------------------------------------------------------- the verdict


def _result(check_id: str, level: Level, status: Status) -> CheckResult:
    info = CheckInfo(id=check_id, level=level, requirement="r", source="s", doc=None)
    return CheckResult(check=info, status=status)


@pytest.mark.parametrize(
    ("statuses", "verdict"),
    [
        ([(Level.MUST, Status.FAIL), (Level.MUST, Status.ERROR)], Verdict.NOT_CONFORMANT),  # 1 outranks 3
        ([(Level.MUST, Status.PASS), (Level.MUST, Status.ERROR)], Verdict.UNDECIDED),
        ([(Level.SHOULD, Status.FAIL), (Level.MUST, Status.ERROR)], Verdict.UNDECIDED),  # nothing counted
        ([(Level.SHOULD, Status.FAIL), (Level.MUST, Status.PASS)], Verdict.CONFORMANT),
    ],
)
def test_a_counted_failure_decides_even_when_others_errored(statuses, verdict):
    results = [_result(f"X-{i:03d}", level, status) for i, (level, status) in enumerate(statuses)]
    assert Verdict.of(results, (Level.MUST,)) is verdict


# ---------------------------------------------------------------- repeated names


def test_duplicate_names_are_named_by_pointer_and_the_value_is_unchanged():
    body = b'{"id": "wrong", "a/b": {"x~": 1, "x~": 2}, "list": [{"k": 1, "k": 1}], "id": "right"}'
    found: list[str] = []
    value = parse_json(body, duplicates=found)
    assert value == json.loads(body)  # the last value wins, as before
    assert found == ["/id", "/a~1b/x~0", "/list/0/k"]


def test_keys_in_any_order_are_not_duplicates():
    found: list[str] = []
    parse_json(b'{"b": {"id": 1}, "id": 2, "a": [{"id": 3}, {"id": 4}]}', duplicates=found)
    assert found == []


# ---------------------------------------------------------------- whole-value regexes


def test_guid_shapes_match_the_whole_value():
    assert GUID_RE.match(GUID.upper())  # upper case is legal
    for bad in (GUID + "\n", "\n" + GUID, GUID + "0", " " + GUID):
        assert not GUID_RE.match(bad), repr(bad)
        assert not GUID_RE.search(bad), repr(bad)


def test_derived_pattern_stays_ecma_and_is_evaluated_to_the_end():
    assert GUID_PATTERN.endswith("$")  # the OpenAPI file keeps a valid ECMA-262 regex for other tools
    schema = {"type": "string", "pattern": GUID_PATTERN}
    assert validation_errors(GUID.upper(), schema) == []
    assert validation_errors(GUID + "\n", schema)
    assert ecma_regex(r"^a[$]\$$").search("a$$")  # `$` in a class or escaped stays a literal dollar
    assert not ecma_regex(r"^a[$]\$$").search("a$$\n")


def test_datetime_with_a_trailing_newline_is_not_a_datetime():
    assert parse_datetime("2024-05-17T09:30:00Z") is not None
    assert parse_datetime("2024-05-17T09:30:00Z\n") is None


_RE_FUNCS = {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall", "finditer"}


def _dollar_anchor(pattern: str) -> bool:
    """True when `pattern` uses `$` as an anchor (outside a character class, not escaped)."""
    in_class, i = False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "$" and not in_class:
            return True
        i += 1
    return False


def test_no_regex_in_the_package_anchors_with_dollar():
    """Python's `$` matches before a final newline; every regex the harness applies uses `\\Z`."""
    offenders = []
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if not (isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
                continue
            if node.func.attr not in _RE_FUNCS or not node.args:
                continue
            first = node.args[0]
            parts = [first] if isinstance(first, ast.Constant) else getattr(first, "values", [])
            text = "".join(p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str))
            if _dollar_anchor(text):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# ---------------------------------------------------------------- targets that break on one body


class _Proxy(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, trigger: Callable[[bytes], bool], mode: str) -> None:
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream, self.trigger, self.mode = upstream, trigger, mode
        self.dead = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def die(self) -> None:
        """Stop accepting connections at once (as a crashed process does), then stop the loop."""
        self.dead = True
        self.socket.shutdown(socket.SHUT_RDWR)  # Linux: connects are refused from now on
        self.socket.close()
        threading.Thread(target=self.shutdown, daemon=True).start()


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    server: _Proxy
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        hit = self.command == "POST" and self.server.trigger(body)
        if hit and self.server.mode == "drop-and-die":
            self.server.die()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        host = self.server.upstream.split("//", 1)[1]
        conn = http.client.HTTPConnection(host, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn.request(self.command, self.path, body=body or None, headers=headers)
        answer = conn.getresponse()
        data = answer.read()
        if hit:  # answer completely, then die
            self.server.die()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        if hit:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_POST = do_GET = do_PUT = do_DELETE = _forward


@contextmanager
def breaking_target(spec: Any, trigger: Callable[[bytes], bool], mode: str) -> Iterator[str]:
    with ReferenceServer(spec, token="tok") as upstream:
        proxy = _Proxy(upstream.url, trigger, mode)
        thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            yield proxy.url
        finally:
            if not proxy.dead:
                proxy.shutdown()
                proxy.server_close()


def _empty_user(body: bytes) -> bool:
    try:
        value = json.loads(body)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("userId") == ""


def _by_id(result: Any) -> dict[str, CheckResult]:
    return {r.check.id: r for r in result.results}


def test_a_target_dying_inside_a_generated_test_fails_that_test(spec):
    """The request that killed it is GEN-001's evidence; later checks cannot connect and are ERROR."""
    # one at a time: with requests in flight together, which of them meets the target's death is timing
    cfg = Config(formats=(), examples=10, seed=4242, timeout=3, concurrency=1)
    with breaking_target(spec, _empty_user, "drop-and-die") as url:
        result = run(spec, cfg, base_url=url, spec_file="seed", token="tok", checks=None)
    checks = _by_id(result)
    gen = checks["GEN-001"]
    assert gen.status is Status.FAIL, gen
    exchange = gen.findings[0].evidence.exchange if gen.findings[0].evidence else None
    assert exchange is not None
    assert exchange.response is None
    assert exchange.curl
    assert json.loads(exchange.request.body or "null")["userId"] == ""
    later = [r for r in result.results if r.check.id > "GEN-001" and r.check.id != "VALID-006"]
    assert later
    assert all(r.status is Status.ERROR for r in later)
    assert "cannot connect" in (later[0].error or "")
    assert checks["VALID-006"].status is Status.FAIL  # the run-wide MUST names GEN-001's request
    assert any("sent by GEN-001" in f.message for f in checks["VALID-006"].findings)
    assert result.exit_code == 1


def test_a_target_that_answers_and_then_dies_fails_the_run_wide_must(spec):
    cfg = Config(formats=(), examples=10, seed=4242, timeout=3, concurrency=1)  # as above
    with breaking_target(spec, _empty_user, "answer-and-die") as url:
        result = run(spec, cfg, base_url=url, spec_file="seed", token="tok")
    valid_006 = _by_id(result)["VALID-006"]
    assert valid_006.status is Status.FAIL, valid_006
    stopped = [f for f in valid_006.findings if "accepted no further connection" in f.message]
    assert stopped
    assert stopped[0].evidence
    assert stopped[0].evidence.exchange
    assert stopped[0].evidence.exchange.response is not None  # it did answer that request
    assert result.exit_code == 1


def test_a_5xx_seen_by_a_should_check_fails_the_run_wide_must(spec):
    """crash-non-ascii answers 500 only to generated bodies: VALID-006 fails with the sending check named."""
    cfg = Config(formats=(), examples=4, seed=1)
    with ReferenceServer(spec, faults=["crash-non-ascii"], token="tok") as server:
        result = run(spec, cfg, base_url=server.url, spec_file="seed", token="tok")
    valid_006 = _by_id(result)["VALID-006"]
    assert valid_006.status is Status.FAIL
    senders = {
        f.message.split(" sent by ", 1)[1].split(":", 1)[0]
        for f in valid_006.findings
        if " sent by " in f.message
    }
    assert senders, valid_006
    assert senders <= {"GEN-001", "GEN-002", "GEN-003", "CREATE-002"}, senders
    assert [r.check.id for r in result.results] == sorted(
        r.check.id for r in result.results
    )  # catalogue order

"""The client against hostile loopback targets: budgets, bounded reads, redirects, retries, redaction."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from conformance.errors import BudgetSpent, ConfigError, TargetError, TargetUnreachable
from conformance.target.client import MASK, Client, parse_json, retry_after_seconds
from tests.hostile import (
    HOSTILE,
    OUTCOME,
    Received,
    echo_forms,
    echo_server,
    redirect_server,
    respond,
    serving,
)

CANARY = "canary-7f3a9c1e-token/with+odd=chars"
TIMEOUT = 2.0
RETRY_BUDGET = 4.0
MAX_READ = 1024 * 1024


def _client(url: str, **kw: Any) -> Client:
    kw.setdefault("timeout", TIMEOUT)
    kw.setdefault("retry_budget_s", RETRY_BUDGET)
    kw.setdefault("max_read", MAX_READ)
    return Client(url, token=CANARY, **kw)


def _assert_clean(text: str) -> None:
    assert CANARY not in text
    assert "canary-7f3a9c1e" not in text  # nor an escaped or cut form of it


# ---------------------------------------------------------------- every hostile target


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_target_gives_the_expected_outcome_within_budget(name):
    with HOSTILE[name]() as url, _client(url) as client:
        started = time.monotonic()
        try:
            reply = client.request("POST", "/directory/outboundSharedUserProfiles", json={"userId": "u"})
        except TargetUnreachable as e:
            outcome, message = "unreachable", str(e)
        except TargetError as e:
            outcome, message = "error", str(e)
        else:
            outcome, message = "reply", ""
            assert len(reply.content) <= MAX_READ
            _assert_clean(repr(reply) + repr(reply.exchange) + repr(reply.headers))
        elapsed = time.monotonic() - started
    assert outcome == OUTCOME[name], message
    # a retried request may wait out its retry budget on top of its attempts' time
    assert elapsed < TIMEOUT + RETRY_BUDGET + 3
    if outcome != "reply":
        assert "\n" not in message
        assert url.split("//")[1] in message  # names the target
        _assert_clean(message)
        assert client.last_exchange is not None
        assert client.last_exchange.error == message
        _assert_clean(repr(client.last_exchange))


@pytest.mark.parametrize("name", ["drip_body", "drip_headers", "silent"])
def test_slow_targets_are_cut_at_the_deadline(name):
    with HOSTILE[name]() as url, _client(url, timeout=1.5) as client:
        started = time.monotonic()
        with pytest.raises(TargetError, match="deadline") as info:
            client.request("GET", "/x")
        elapsed = time.monotonic() - started
    assert not isinstance(info.value, TargetUnreachable)
    assert 1.4 < elapsed < 1.5 + 3.0  # cut at the deadline; the margin absorbs a loaded machine


def test_refused_names_the_url_and_what_to_do():
    with (
        HOSTILE["refused"]() as url,
        _client(url + "/v1.0") as client,
        pytest.raises(TargetUnreachable) as info,
    ):
        client.request("GET", "/users")
    message = str(info.value)
    assert message.startswith(f"cannot connect to {url}/v1.0/users: connection refused;")
    assert "check the base URL" in message


@pytest.mark.parametrize("name", ["huge_body", "endless_chunked", "gzip_bomb"])
def test_big_bodies_stop_at_max_read_with_bounded_memory(name):
    limit = 512 * 1024
    with HOSTILE[name]() as url, _client(url, max_read=limit) as client:
        tracemalloc.start()
        try:
            reply = client.request("GET", "/big")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert reply.truncated
    assert len(reply.content) == limit
    assert peak < 8 * limit, f"peak {peak} bytes for a {limit}-byte read limit"
    assert reply.exchange.response is not None
    assert reply.exchange.response.body_truncated
    assert len(reply.exchange.response.body) <= client.record_limit
    with pytest.raises(ValueError, match="cut at the read limit"):
        reply.json()


def test_gzip_is_decoded_when_small():
    doc = {"id": "x" * 1000, "n": [1, 2, 3]}

    def behave(conn, req, srv):
        body = gzip.compress(json.dumps(doc).encode())
        respond(conn, 200, body, [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])

    with serving(behave) as srv, _client(srv.url) as client:
        reply = client.request("GET", "/")
    assert not reply.truncated
    assert reply.json() == doc


# ---------------------------------------------------------------- JSON


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("invalid_json", "not JSON: Expecting value at line 1 column 30"),
        ("invalid_utf8", "not valid UTF-8"),
        ("deep_json", "nests deeper than"),
        ("html_page", "not JSON"),
        ("redirect_307", "empty"),
    ],
)
def test_bad_json_bodies_raise_value_error(name, message):
    with HOSTILE[name]() as url, _client(url) as client:
        reply = client.request("GET", "/")
    with pytest.raises(ValueError, match=message):
        reply.json()


def test_parse_json_edges():
    assert parse_json(b'{"a": "[[[[{{{{"}', max_depth=2) == {"a": "[[[[{{{{"}
    assert parse_json(b'{"a": "\\"[[["}', max_depth=1) == {"a": '"[[['}
    assert parse_json(b"[[[]]]", max_depth=3) == [[[]]]
    with pytest.raises(ValueError, match="deeper than 2"):
        parse_json(b"[[[]]]", max_depth=2)
    with pytest.raises(ValueError, match="NaN is not a JSON value"):
        parse_json(b'{"a": NaN}')
    with pytest.raises(ValueError, match="empty"):
        parse_json(b"  ")
    deep = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
    with pytest.raises(ValueError, match="deeper"):
        parse_json(deep)


# ---------------------------------------------------------------- redirects


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_returned_and_the_token_never_reaches_the_other_host(status):
    with redirect_server(status) as redirect, _client(redirect.url) as client:
        reply = client.request("POST", "/directory/x", json={"a": 1})
        assert reply.status == status
        location = reply.header("location")
        assert location is not None
        assert location.startswith(redirect.trap.url)
        # the trap works: a request sent to it directly does arrive, with the header
        with _client(redirect.trap.url) as direct:
            direct.request("GET", "/probe")
        assert redirect.trap_saw_authorization
        assert [r.target for r in redirect.trap.received] == ["/probe"]
        assert client.requests_sent == 1


# ---------------------------------------------------------------- retries


def test_429_with_retry_after_seconds_is_retried_then_succeeds():
    with HOSTILE["throttled_429"]() as url, _client(url) as client:
        started = time.monotonic()
        reply = client.request("POST", "/x", json={})
        elapsed = time.monotonic() - started
    assert reply.status == 201
    assert reply.exchange.attempts == 3
    assert reply.exchange.retry_wait_s == pytest.approx(2.0)
    assert client.requests_sent == 3
    assert 1.9 < elapsed < 2 + 3


def test_503_with_retry_after_date_is_retried():
    with HOSTILE["unavailable_503"]() as url, _client(url) as client:
        reply = client.request("GET", "/x")
    assert reply.status == 201
    assert reply.exchange.attempts == 3


def test_retries_stop_when_the_wait_budget_is_spent():
    expected = r"was rate limiting \(429 after 2 attempts and 1 s of wait"
    with (
        HOSTILE["throttled_429"]() as url,
        _client(url, retry_budget_s=1.5) as client,
        pytest.raises(TargetError, match=expected) as e,
    ):
        client.request("GET", "/x")  # a 429 after the retries is never a reply a check could judge
    assert "beyond the retry budget of 1.5 s" in str(e.value)
    assert "not a rejection" in str(e.value)
    exchange = client.last_exchange  # the evidence is still recorded
    assert exchange is not None
    assert exchange.response is not None
    assert exchange.response.status == 429
    assert exchange.attempts == 2
    assert exchange.retry_wait_s == pytest.approx(1.0)


def test_a_wait_beyond_the_budget_is_not_waited():
    with HOSTILE["always_429"]() as url, _client(url) as client:
        started = time.monotonic()
        with pytest.raises(TargetError, match="rate limiting"):
            client.request("GET", "/x")
    assert client.last_exchange is not None
    assert client.last_exchange.attempts == 1
    assert time.monotonic() - started < 3  # far below the Retry-After it did not wait out


def test_retry_after_values():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds("-1") is None
    past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert retry_after_seconds(past) == 0.0
    future = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28 < (retry_after_seconds(future) or 0) <= 30


def test_total_budget_bounds_the_whole_run():
    with HOSTILE["silent"]() as url, _client(url, total_budget_s=0.8) as client:
        started = time.monotonic()
        # cut in the middle of the request, and blamed on the budget, not on the target (no "deadline")
        with pytest.raises(BudgetSpent, match=r"time budget of 0\.8 s ran out"):
            client.request("GET", "/x")
        assert client.budget_spent()
        with pytest.raises(BudgetSpent, match=r"time budget of 0\.8 s ran out"):
            client.request("GET", "/x")
    assert time.monotonic() - started < 0.8 + 1.5
    assert client.requests_sent == 1  # nothing is sent once the budget is spent


def test_total_budget_cuts_a_retry_after_wait():
    # 429 with Retry-After 1, twice, then 201: the retry budget allows both waits, the run's budget only one
    with HOSTILE["throttled_429"]() as url, _client(url, total_budget_s=1.6) as client:
        started = time.monotonic()
        with pytest.raises(TargetError, match="beyond what is left of the run's time budget") as e:
            client.request("GET", "/x")
        elapsed = time.monotonic() - started
    assert "rate limiting (429 after 2 attempts and 1 s of waiting" in str(e.value)
    assert 0.9 < elapsed < 1.6  # one wait, not two


def test_503_after_the_retries_is_an_error_too():
    with (
        HOSTILE["unavailable_503"]() as url,
        _client(url, retry_budget_s=0.5) as client,
        pytest.raises(TargetError, match=r"was unavailable \(503 after 1 attempt, asking to wait"),
    ):
        client.request("GET", "/x")


# ---------------------------------------------------------------- what is sent


def test_paths_join_the_base_path_and_headers_are_set():
    with echo_server() as srv, _client(srv.url + "/api/") as client:
        reply = client.request("POST", "/directory/x?$select=id", json={"name": "Zoë"})
        again = client.request("GET", "directory/y", auth=False)
        fixed = client.request("GET", "", headers={"client-request-id": "mine", "Content-Type": "text/x"})
    first, second, third = srv.received
    assert first.target == "/api/directory/x?$select=id"
    assert second.target == "/api/directory/y"
    assert third.target == "/api/"
    assert first.header("Authorization") == f"Bearer {CANARY}"
    assert second.header("Authorization") is None
    assert first.header("Content-Type") == "application/json"
    assert json.loads(first.body) == {"name": "Zoë"}
    assert first.body == '{"name": "Zoë"}'.encode()
    ids = [first.header("client-request-id"), second.header("client-request-id")]
    assert ids[0] != ids[1]
    assert all(uuid.UUID(i or "") for i in ids)
    assert third.header("client-request-id") == "mine"
    assert third.header("Content-Type") == "text/x"
    assert reply.status == again.status == fixed.status == 200
    assert reply.header("CONTENT-TYPE") == reply.headers["content-type"] == "application/json"


def test_no_token_means_no_authorization_header():
    with echo_server() as srv, Client(srv.url, token=None, timeout=TIMEOUT) as client:
        client.request("GET", "/x")
    assert srv.received[0].header("Authorization") is None


def test_environment_proxies_and_cookies_are_ignored(monkeypatch):
    with echo_server() as trap, echo_server() as srv:
        for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
            monkeypatch.setenv(var, trap.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        with _client(srv.url) as client:
            client.request("GET", "/one")  # the echo answers with Set-Cookie
            client.request("GET", "/two")
    assert trap.received == []
    assert [r.target for r in srv.received] == ["/one", "/two"]
    assert srv.received[1].header("Cookie") is None


@pytest.mark.parametrize(
    "base",
    ["127.0.0.1:8080", "ftp://127.0.0.1/", "http://", "http://127.0.0.1:99999/"],
)
def test_bad_base_urls_are_config_errors(base):
    with pytest.raises(ConfigError, match="base URL"):
        Client(base, token=CANARY)


def test_credentials_in_the_base_url_are_refused_without_echoing_them():
    with pytest.raises(ConfigError) as info:
        Client("http://user:hunter2secret@127.0.0.1:1/", token=CANARY)
    assert "hunter2secret" not in str(info.value)


# ---------------------------------------------------------------- redaction


def test_echoed_canary_never_appears_in_any_record():
    secret_value = "custom-secret-value-42"
    with echo_server() as srv, _client(srv.url, secret_headers=["X-Custom-Secret"]) as client:
        reply = client.request(
            "POST",
            f"/directory/x?echo={CANARY}",
            json={"note": CANARY},
            headers={"X-Custom-Secret": secret_value, "Cookie": "sid=cookie-value-1234"},
        )
        client_repr = repr(client)
    # the server really did echo the secrets back, in the body and in headers
    assert CANARY.encode() in reply.content
    assert any(CANARY in v for v in reply.headers.values())
    assert secret_value.encode() in reply.content
    forms = echo_forms(f"Bearer {CANARY}")
    assert all(form.encode() in reply.content for form in forms.values())
    assert reply.json()["escaped"] == f"Bearer {CANARY}"  # the escapes are real JSON escapes
    exchange = reply.exchange
    shown = "\n".join(
        [repr(reply), str(reply), repr(reply.headers), repr(exchange), exchange.curl, client_repr]
    )
    for secret in (CANARY, secret_value, "cookie-value-1234"):
        assert secret not in shown
    for form in forms.values():
        assert form not in shown
        assert form[-20:] not in shown
    assert exchange.response is not None
    assert MASK in exchange.response.body
    assert ("Authorization", MASK) in exchange.request.headers
    assert ("X-Custom-Secret", MASK) in exchange.request.headers
    assert dict(exchange.response.headers)["Set-Cookie"] == MASK
    assert client.redact_text(f"token={CANARY}.") == f"token={MASK}."


def test_a_token_split_by_the_read_limit_is_masked_too():
    headers = {"client-request-id": "fixed"}
    with echo_server() as srv:
        with _client(srv.url) as client:
            full = client.request("GET", "/x", headers=headers).content
        cut_at = full.index(CANARY.encode()) + 12
        with _client(srv.url, max_read=cut_at) as client:
            reply = client.request("GET", "/x", headers=headers)
    assert reply.truncated
    assert reply.content.endswith(CANARY[:12].encode())
    assert reply.exchange.response is not None
    assert not reply.exchange.response.body.endswith(CANARY[:4])
    _assert_clean(reply.exchange.response.body)


def test_recorded_bodies_are_cut_at_the_record_limit():
    with echo_server() as srv, _client(srv.url, record_limit=100) as client:
        reply = client.request("POST", "/x", body="é" * 500)
    req = reply.exchange.request
    assert req.body is not None
    assert len(req.body) == 100
    assert req.body_truncated
    assert req.body_size == 1000
    assert reply.exchange.response is not None
    assert reply.exchange.response.body_size == len(reply.content) > 100


# ---------------------------------------------------------------- curl round trip

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")


def _replay(curl: str) -> None:
    env = {**os.environ, "CONFORMANCE_TOKEN": CANARY}
    for var in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(var, None)
    done = subprocess.run(["/bin/sh", "-c", curl], env=env, capture_output=True, timeout=20, check=False)
    assert done.returncode == 0, done.stderr.decode()


def _same_request(a: Received, b: Received) -> None:
    assert (a.method, a.target, a.body) == (b.method, b.target, b.body)

    def norm(r: Received) -> list[tuple[str, str]]:
        return sorted((k.lower(), v) for k, v in r.headers)

    assert norm(a) == norm(b)


@needs_curl
@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("POST", {"json": {"q": 'it\'s "quoted" $HOME `id` \\ \n ünïcödé', "n": [1, None]}}),
        (
            "PATCH",
            {"body": b"\x00\x01binary\xff\xfe'\n", "headers": {"Content-Type": "application/octet-stream"}},
        ),
        ("GET", {"headers": {"X-Odd": "a 'b' \"c\" $d", "Empty": ""}}),
        ("DELETE", {"auth": False}),
    ],
)
def test_curl_reproduces_the_request(method, kwargs):
    with echo_server() as srv, _client(srv.url + "/api") as client:
        reply = client.request(method, "/directory/x?$filter=a eq 'b'&x=[1]", **kwargs)
        _assert_clean(reply.exchange.curl)
        if kwargs.get("auth", True):
            assert '"Authorization: Bearer $CONFORMANCE_TOKEN"' in reply.exchange.curl
        _replay(reply.exchange.curl)
    sent, replayed = srv.received
    _same_request(sent, replayed)


@needs_curl
def test_curl_leaves_out_other_secret_headers_and_says_so():
    with echo_server() as srv, _client(srv.url) as client:
        reply = client.request("GET", "/x", headers={"Cookie": "sid=abcdef123"})
    assert "abcdef123" not in reply.exchange.curl
    assert re.search(r"# secret headers left out: Cookie$", reply.exchange.curl)

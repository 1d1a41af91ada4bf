"""The judgement rules of issue 9 item 4 and the known-good values of item 5, rule by rule.

End-to-end proof against independently written targets is in tests/test_independent_targets_judgements.py.
"""

from __future__ import annotations

import contextlib
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.checks.judgement import degenerate, degenerate_values, same_datetime
from conformance.checks.known import known_values, parse_value
from conformance.cli import main
from conformance.config import load_config, load_options
from conformance.errors import ConfigError
from conformance.session import load_run_spec

ROOT = Path(__file__).resolve().parent
DATETIMES: list[dict[str, Any]] = yaml.safe_load(
    (ROOT / "cases" / "judgement" / "datetimes.yaml").read_text()
)


@pytest.mark.parametrize("case", DATETIMES, ids=[c["description"] for c in DATETIMES])
def test_datetime_is_the_sent_value_at_the_precision_returned(case: dict[str, Any]) -> None:
    assert same_datetime(case["input"]["sent"], case["input"]["got"]) is case["expected"]


@pytest.mark.parametrize("value", ["", " ", "\t\n", "\u3000", "a\x00b", "tab\there", "x\x7f", "\x85"])
def test_degenerate_values(value: str) -> None:
    assert degenerate(value)


@pytest.mark.parametrize("value", ["a", "  padded value  ", "Zoë 東京 \U0001f680", "<b>"])
def test_ordinary_values_are_not_degenerate(value: str) -> None:
    assert not degenerate(value)


def test_degenerate_values_are_found_with_their_pointer() -> None:
    body = {"userId": "ok", "tags": ["fine", ""], "nested": {"note": "a\x01"}}
    assert sorted(degenerate_values(body)) == [("/nested/note", "a\x01"), ("/tags/1", "")]
    assert list(degenerate_values({"userId": "fine"})) == []


@pytest.fixture(scope="module")
def op():
    spec, _ = load_run_spec(None)
    return spec.operation


def test_value_text_that_is_not_json_is_a_string() -> None:
    assert parse_value("3f0c1a52-5d61-4c4e-9a53-1c2f6e0d9b11") == "3f0c1a52-5d61-4c4e-9a53-1c2f6e0d9b11"
    assert parse_value('"3f0c"') == "3f0c"
    assert parse_value("5") == 5
    assert parse_value("null") is None
    assert parse_value("NaN") == "NaN"  # not JSON (RFC 8259), so the text
    assert parse_value('{"a": [1, 2]}') == {"a": [1, 2]}


def test_known_values_are_checked_against_the_operation(op) -> None:
    got = known_values(op, (("userId", "u-1"), ("deletedDateTime", "2024-01-02T03:04:05Z")))
    assert got == {"userId": "u-1", "deletedDateTime": "2024-01-02T03:04:05Z"}
    assert known_values(op, (("deletedDateTime", "null"),)) == {"deletedDateTime": None}  # nullable
    with pytest.raises(
        ConfigError, match=r"'userid' is not a property the page declares \(did you mean 'userId'"
    ):
        known_values(op, (("userid", "x"),))
    with pytest.raises(ConfigError, match=r"not a valid String.*quote it as JSON"):
        known_values(op, (("userId", "12345"),))
    with pytest.raises(ConfigError, match="not a valid DateTimeOffset"):
        known_values(op, (("deletedDateTime", "yesterday"),))
    with pytest.raises(ConfigError, match="not a valid String"):
        known_values(op, (("userId", "null"),))  # userId is not nullable


def test_options_reach_config_from_every_layer(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.conformance]\nvalidates-tokens = true\nvalue = ["userId=u-1", \'x={"a": 1, "b": 2}\']\n'
    )
    cfg = load_config(env={}, cwd=tmp_path)
    assert cfg.validates_tokens is True
    assert cfg.value_pairs() == (("userId", "u-1"), ("x", '{"a": 1, "b": 2}'))  # commas stay in the value
    env = {"CONFORMANCE_VALIDATES_TOKENS": "false", "CONFORMANCE_VALUE": "userId=u-2\ndeletedDateTime=null"}
    cfg = load_config(env=env, cwd=tmp_path)
    assert cfg.validates_tokens is False
    assert cfg.value_pairs() == (("userId", "u-2"), ("deletedDateTime", "null"))
    cfg = load_options({"validates-tokens": True, "value": ["userId=u-3"]}, env=env, cwd=tmp_path)
    assert cfg.validates_tokens is True
    assert cfg.value_pairs() == (("userId", "u-3"),)
    with pytest.raises(ConfigError, match="expected NAME=JSON_OR_TEXT"):
        load_options({"value": ["userId"]}, env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="CONFORMANCE_VALIDATES_TOKENS: expected true or false"):
        load_config(env={"CONFORMANCE_VALIDATES_TOKENS": "maybe"}, cwd=tmp_path)


class _Counting(http.server.ThreadingHTTPServer):
    requests = 0


@pytest.fixture
def counting_target() -> Iterator[_Counting]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.server.requests += 1  # type: ignore[attr-defined]
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = _Counting(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("nope=1", "'nope' is not a property the page declares"),
        ("userId=7", "quote it as JSON"),
        ("deletedDateTime=2024-13-01T00:00:00Z", "not a valid DateTimeOffset"),
    ],
)
def test_a_bad_value_is_a_usage_error_before_any_request(counting_target, tmp_path, value, says) -> None:
    out, err = io.StringIO(), io.StringIO()
    url = f"http://127.0.0.1:{counting_target.server_address[1]}"
    argv = ["run", "--target", url, "--token", "t", "--value", value, "--report-dir", str(tmp_path)]
    code = main(argv, out=out, err=err)
    lines = err.getvalue().splitlines()
    assert code == 2, err.getvalue()
    assert len(lines) == 1, err.getvalue()
    assert says in lines[0]
    assert counting_target.requests == 0


def test_help_lists_the_new_flags() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["run", "--help"]) == 0
    assert "--validates-tokens" in out.getvalue()
    assert "--value NAME=JSON_OR_TEXT" in out.getvalue()


def test_plugin_refuses_a_bad_value(pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "--conformance-value", "nope=1", "-p", "no:cacheprovider"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--conformance-value nope=...: 'nope' is not a property the page declares*"]
    )


def test_plugin_skips_auth_102_without_validates_tokens(pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "-k", "AUTH-102", "-rs", "--conformance-examples", "0",
        "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*needs --validates-tokens (pytest: --conformance-validates-tokens)*"])

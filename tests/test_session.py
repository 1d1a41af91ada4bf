"""What both edges share: option names to `Config`, the levels that count, the spec and target of a run,
and the verdict with its exit code."""

from __future__ import annotations

import json

import pytest
import requests

from conformance.config import OPTIONS, Config, load_options
from conformance.contract.spec import Level
from conformance.errors import ConfigError
from conformance.reporters.json import load_schema
from conformance.results import Verdict
from conformance.session import PACKAGED_SPEC, load_run_spec, open_target


def test_every_option_names_a_config_field():
    assert set(OPTIONS.values()) <= set(Config.__dataclass_fields__)


def test_options_map_to_fields_and_messages_name_the_option(tmp_path):
    config = load_options(
        {"accept-odata-type": "#a,#b", "check": "CREATE-*", "skip-check": ["X-1"], "format": "json"},
        env={},
        cwd=tmp_path,
    )
    assert config.accept_odata_types == ("#a", "#b")
    assert config.select == ("CREATE-*",)
    assert config.skip == ("X-1",)
    assert config.formats == ("json",)
    with pytest.raises(ConfigError, match=r"^--conformance-timeout: "):
        load_options({"timeout": "-1"}, prefix="--conformance-", env={}, cwd=tmp_path)
    with pytest.raises(ConfigError, match=r"unknown option 'chek'.*check"):
        load_options({"chek": "X"}, env={}, cwd=tmp_path)


def test_options_not_given_leave_the_lower_layers(tmp_path):
    config = load_options({"timeout": None, "strict": None}, env={"CONFORMANCE_TIMEOUT": "3"}, cwd=tmp_path)
    assert config.timeout == 3.0
    assert config.strict is False


def test_strict_makes_should_count():
    assert Config().failing_levels == (Level.MUST,)
    assert Config(strict=True).failing_levels == (Level.MUST, Level.SHOULD)


def test_the_packaged_spec_is_the_default():
    spec, name = load_run_spec(None)
    assert name == f"(packaged) {PACKAGED_SPEC}"
    assert spec.operation.path


def test_an_outside_target_is_passed_through_and_starts_nothing():
    def no_spec():
        raise AssertionError("the spec is needed only to start the embedded implementation")

    config = Config(target="http://127.0.0.1:9", token=None)
    with open_target(config, no_spec) as target:
        assert (target.url, target.token, target.embedded) == ("http://127.0.0.1:9", None, False)
    with (
        pytest.raises(ConfigError, match="--fault applies to the embedded"),
        open_target(config, no_spec, faults=["status-200"]),
    ):
        pass


def test_the_embedded_target_runs_for_the_block_with_a_fresh_token():
    spec, _ = load_run_spec(None)
    with open_target(Config(), lambda: spec) as target:
        assert target.embedded
        assert target.token
        assert target.url.startswith("http://127.0.0.1:")
        reply = requests.post(target.url + spec.operation.path, json={}, timeout=5)
        assert reply.status_code == 401  # the reference asks for the token it was given
    with pytest.raises(requests.ConnectionError):
        requests.post(target.url + spec.operation.path, json={}, timeout=5)


def test_the_verdict_carries_the_report_word_exit_code_and_terminal_text():
    assert [(v.value, v.exit_code, v.text) for v in Verdict] == [
        ("pass", 0, "CONFORMANT"),
        ("fail", 1, "NOT CONFORMANT"),
        ("error", 3, "UNDECIDED"),
    ]
    properties = load_schema()["properties"]
    assert [v.value for v in Verdict] == properties["verdict"]["enum"]
    assert [v.exit_code for v in Verdict] == properties["exit_code"]["enum"]
    assert json.dumps(Verdict.NOT_CONFORMANT) == '"fail"'

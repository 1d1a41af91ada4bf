"""Settings that work as documented (issue 9 items 6 and 8, issue 10 item 10): --no-auth, option names
shared by flags, `[tool.conformance]` and `CONFORMANCE_*`, no object printing a secret, and the first-use
wording of the terminal and findings."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.config import OPTIONS, Config, env_name, load_config, load_options
from conformance.contract.openapi import load_spec
from conformance.errors import ConfigError
from conformance.reference.server import ReferenceServer
from conformance.terminal import plural

ROOT = Path(__file__).resolve().parents[1]
QUICK = ["--examples", "0", "--seed", "1", "--timeout", "5"]


@pytest.fixture(scope="module")
def spec():
    return load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in [v for v in os.environ if v.startswith("CONFORMANCE_") and v != "CONFORMANCE_CORPUS"]:
        monkeypatch.delenv(var)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def statuses(report_dir: Path) -> dict[str, tuple[str, str | None]]:
    report = json.loads((report_dir / "report.json").read_text())
    return {c["id"]: (c["status"], c.get("error")) for c in report["checks"]}


# -- --no-auth -----------------------------------------------------------------------------------------


def test_no_auth_against_a_target_without_auth_passes_with_auth_checks_skipped(spec, clean_env, tmp_path):
    # LEGAL: a target that asks for no credentials, run with --no-auth on purpose
    with ReferenceServer(spec, faults=["auth-not-required"]) as server:
        code, out, err = call(
            "run", "--target", server.url, "--no-auth", "--report-dir", str(tmp_path), *QUICK
        )
    assert code == 0, out + err
    got = statuses(tmp_path)
    auth = {i: s for i, s in got.items() if i.startswith("AUTH-")}
    assert auth
    assert all(s == "skip" and "--no-auth" in (e or "") for s, e in auth.values()), auth
    assert got["CREATE-001"][0] == "pass"
    assert "without credentials" in out


def test_no_auth_against_a_target_that_needs_auth_fails(spec, clean_env, tmp_path):
    # BROKEN for a no-auth run: the target wants a token after all, so the create itself fails
    with ReferenceServer(spec, token="needed") as server:
        code, out, err = call(
            "run", "--target", server.url, "--no-auth", "--report-dir", str(tmp_path), *QUICK
        )
    assert code == 1, out + err
    assert statuses(tmp_path)["CREATE-001"][0] == "fail"


def test_no_auth_with_a_token_set_sends_none(spec, clean_env, tmp_path):
    clean_env.setenv("CONFORMANCE_TOKEN", "set-in-ci-0123456789")
    with ReferenceServer(spec, faults=["auth-not-required"]) as server:
        code, out, err = call(
            "run", "--target", server.url, "--no-auth", "--report-dir", str(tmp_path), *QUICK
        )
    assert code == 0, out + err
    report = json.loads((tmp_path / "report.json").read_text())
    assert any("not sent" in n for n in report["notes"])
    assert "set-in-ci-0123456789" not in (tmp_path / "report.json").read_text()


def test_no_auth_on_the_embedded_target(clean_env, tmp_path):
    code, out, err = call("run", "--no-auth", "--report-dir", str(tmp_path), *QUICK)
    assert code == 0, out + err
    assert all(s == "skip" for i, (s, _) in statuses(tmp_path).items() if i.startswith("AUTH-"))


def test_no_auth_is_a_setting_in_every_layer(clean_env, tmp_path):
    assert load_options({"no-auth": True}, env={}, cwd=tmp_path).no_auth
    assert load_options({}, env={"CONFORMANCE_NO_AUTH": "1"}, cwd=tmp_path).no_auth
    (tmp_path / "pyproject.toml").write_text("[tool.conformance]\nno-auth = true\n")
    assert load_options({}, env={}, cwd=tmp_path).no_auth


def test_pytest_plugin_has_no_auth(pytester, spec):
    with ReferenceServer(spec, faults=["auth-not-required"]) as server:
        result = pytester.runpytest_subprocess(
            "--pyargs",
            "conformance.suite",
            "--conformance-target",
            server.url,
            "--conformance-no-auth",
            "--conformance-examples",
            "0",
            "-k",
            "CREATE-001 or AUTH-001",
            "-p",
            "no:cacheprovider",
        )
    result.assert_outcomes(passed=1, skipped=1)


def test_pytest_plugin_names_its_own_options_when_the_token_is_missing(pytester):
    result = pytester.runpytest_subprocess(
        "--pyargs",
        "conformance.suite",
        "--conformance-target",
        "http://127.0.0.1:9",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--conformance-token*--conformance-no-auth*"])


# -- item 8: one name per option, in every layer ---------------------------------------------------------

LAYER_CASES = [
    ("format", "json", "formats", ("json",)),
    ("check", "CREATE-001,CREATE-002", "select", ("CREATE-001", "CREATE-002")),
    ("skip-check", "GEN-*", "skip", ("GEN-*",)),
    ("header", "X-Tenant: contoso", "headers", ("X-Tenant: contoso",)),
    ("report-dir", "out", "report_dir", "out"),
    ("accept-odata-type", "#a.b", "accept_odata_types", ("#a.b",)),
]


@pytest.mark.parametrize(("option", "text", "field", "value"), LAYER_CASES)
def test_env_variables_are_the_flag_names(option, text, field, value, tmp_path):
    config = load_options({}, env={env_name(option): text}, cwd=tmp_path)
    assert getattr(config, field) == value


@pytest.mark.parametrize(("option", "text", "field", "value"), LAYER_CASES)
def test_pyproject_keys_are_the_flag_names(option, text, field, value, tmp_path):
    (tmp_path / "pyproject.toml").write_text(f"[tool.conformance]\n{option} = {json.dumps(text)}\n")
    config = load_options({}, env={}, cwd=tmp_path)
    assert getattr(config, field) == value


def test_every_option_has_a_variable_and_the_suite_variables_are_allowed(tmp_path):
    for option in OPTIONS:
        if option != "token":  # a value that parses for every option is not needed: the name is known
            with pytest.raises(ConfigError) as info:
                load_options({}, env={env_name(option) + "X": "1"}, cwd=tmp_path)
            assert env_name(option) in str(info.value)
    load_options({}, env={"CONFORMANCE_CORPUS": "/x", "CONFORMANCE_UPDATE_GOLDEN": "1"}, cwd=tmp_path)


def test_conformance_format_env_writes_only_that_report(clean_env, tmp_path):
    clean_env.setenv("CONFORMANCE_FORMAT", "json")
    code, out, err = call("run", "--report-dir", str(tmp_path / "r"), "--check", "CREATE-001", *QUICK)
    assert code == 0, out + err
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["report.json"]


def test_the_token_is_refused_in_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.conformance]\ntoken = "abc"\n')
    with pytest.raises(ConfigError, match="CONFORMANCE_TOKEN") as info:
        load_options({}, env={}, cwd=tmp_path)
    assert "abc" not in str(info.value)


def test_path_param_typo_gets_a_did_you_mean(tmp_path):
    from dataclasses import replace

    from conformance.contract.spec import Fact
    from conformance.runner import plan

    base = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    op = base.operation
    paths = (replace(op.paths[0], value="/users/{user-id}/profiles"), *tuple(op.paths[1:]))
    assert isinstance(paths[0], Fact)
    spec = replace(base, operation=replace(op, paths=paths))
    with pytest.raises(ConfigError, match=r"did you mean 'user-id'"):
        plan(spec, Config(path_params=("userid=1",)))
    assert plan(spec, Config(path_params=("user-id=1",)))  # LEGAL: the right name runs


# -- issue 10 item 10: no object that holds a secret prints it ------------------------------------------

V = "CANARY0a1b2c3d4e5f6789cfg+/0badf00d=="
TOK = "CANARY99887766554433cfgtok+/12345678=="


@pytest.mark.parametrize("header", ["X-Api-Key", "X-Tenant-Key", "Cookie", "Authorization"])
def test_config_repr_hides_secrets(header, tmp_path):
    value = {"Cookie": f"session={V}", "Authorization": f"Bearer {V}"}.get(header, V)
    configs = [
        Config(headers=(f"{header}: {value}",), secret_headers=(header,)),
        Config(headers=(f"{header}: {value}",)),  # unnamed: header values are masked all the same
        Config(headers=(f"{header}={value}",)),  # not validated yet (no ':'): still masked whole
        load_config(
            {"headers": [f"{header}: {value}"], "secret_headers": [header], "token": TOK},
            env={},
            cwd=tmp_path,
        ),
    ]
    for config in configs:
        for shown in (
            repr(config),
            str(config),
            f"{config}",
            f"{config!r}",
            repr([config]),
            f"{config}",
        ):
            assert V not in shown, shown
            assert TOK not in shown, shown
    # LEGAL: what is not secret still shows, so the repr stays useful
    assert header in repr(configs[0])
    assert "reports" in repr(configs[0])


def test_the_repr_test_can_fail():
    # BROKEN: the dataclass repr the class had before shows the values
    from dataclasses import fields

    config = Config(headers=(f"X-Api-Key: {V}",))
    plain = ", ".join(f"{f.name}={getattr(config, f.name)!r}" for f in fields(config))
    assert V in plain


def test_target_repr_hides_the_token():
    from conformance.session import Target

    target = Target(url="http://127.0.0.1:1", token=TOK)
    assert TOK not in repr(target)
    assert TOK not in str(target)
    assert TOK not in repr([target])
    assert "127.0.0.1" in repr(target)


# -- first-use wording --------------------------------------------------------------------------------


def test_counts_are_singular_for_one():
    assert plural(1, "check") == "1 check"
    assert plural(0, "check") == "0 checks"
    assert plural(2, "finding") == "2 findings"


def test_one_selected_check_reads_singular(clean_env, tmp_path):
    code, out, err = call("run", "--report-dir", str(tmp_path), "--check", "CREATE-001", *QUICK)
    assert code == 0, out + err
    assert "; 1 check\n" in out
    assert "1 checks" not in out


def test_a_missing_odata_type_is_reported_as_missing(spec, clean_env, tmp_path):
    with ReferenceServer(spec, faults=["odata-type-missing"], token="tok-0123456789") as server:
        code, out, err = call(
            "run",
            "--target",
            server.url,
            "--token",
            "tok-0123456789",
            "--check",
            "CREATE-005",
            "--report-dir",
            str(tmp_path),
        )
    assert code == 1, out + err
    assert "@odata.type is missing" in out
    assert "null" not in out


def test_a_wrong_odata_type_is_quoted(spec, clean_env, tmp_path):
    # the other side: a present but wrong value is shown as it came, not as "missing"
    with ReferenceServer(spec, faults=["odata-type-other"], token="tok-0123456789") as server:
        code, out, err = call(
            "run",
            "--target",
            server.url,
            "--token",
            "tok-0123456789",
            "--check",
            "CREATE-005",
            "--report-dir",
            str(tmp_path),
        )
    assert code == 1, out + err
    assert '@odata.type is "#' in out
    assert "missing" not in out


def test_a_generated_failure_line_shows_the_shrunk_body(spec, clean_env, tmp_path):
    with ReferenceServer(spec, faults=["crash-empty-string"], token="tok-0123456789") as server:
        code, out, err = call(
            "run",
            "--target",
            server.url,
            "--token",
            "tok-0123456789",
            "--check",
            "GEN-001",
            "--examples",
            "10",
            "--seed",
            "1",
            "--report-dir",
            str(tmp_path),
        )
    assert code == 1, out + err
    line = next(ln for ln in out.splitlines() if ln.strip().startswith("- ") and "500" in ln)
    assert 'shrunk body: {"userId": ""}' in line, out


def test_the_plugin_target_pair_hides_the_token():
    from conformance.session import TargetPair

    pair = TargetPair("http://127.0.0.1:1", TOK)
    _url, token = pair  # still the documented (base URL, token) tuple
    assert token == TOK
    assert TOK not in repr(pair)
    assert TOK not in str(pair)
    assert TOK not in repr({"target": pair})

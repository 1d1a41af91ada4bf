"""pytest plugin: the same checks and verdicts as `conformance run`, one test per check id.

    pytest --pyargs conformance.suite --conformance-target http://127.0.0.1:8080

Options live in one `conformance` group, each prefixed `--conformance-`. Without a target the
embedded reference implementation is started for the session. A SHOULD/MAY failure that does
not count (no `--conformance-strict`) is reported as xfail, so pytest's exit code matches the CLI's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conformance.checks import BoundCheck, CheckContext
from conformance.config import Config, load_config
from conformance.contract.spec import Level, Spec
from conformance.errors import HarnessError
from conformance.results import CheckResult, Status

_OPTIONS = {
    "target": "base URL of the implementation (default: the embedded reference implementation)",
    "spec": "doc page (.md) or derived .openapi.yaml (default: the packaged seed)",
    "token": "bearer token (prefer the CONFORMANCE_TOKEN environment variable)",
    "timeout": "seconds per request",
    "seed": "seed for generated tests",
    "examples": "generated bodies per mode",
    "accept-odata-type": "also accept this @odata.type (comma-separated)",
    "secret-header": "mask this header in all output (comma-separated)",
    "header": "send 'Name: value' with every request (comma-separated; see --conformance-secret-header)",
    "path-param": "NAME=VALUE for a {placeholder} in the documented paths (comma-separated)",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Graph API conformance checks")
    for name, text in _OPTIONS.items():
        group.addoption(f"--conformance-{name}", dest=f"conformance_{name.replace('-', '_')}", help=text)
    group.addoption(
        "--conformance-strict",
        action="store_true",
        dest="conformance_strict",
        help="SHOULD failures fail their tests too",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(check_id): a conformance check of the given id")
    for level in Level:
        config.addinivalue_line("markers", f"{level.value.lower()}: a {level.value} requirement")
    if any(config.getoption(f"conformance_{n.replace('-', '_')}") is not None for n in _OPTIONS):
        _config(config)  # bad option values stop the session at once, as one usage error


def _config(pyconfig: pytest.Config) -> Config:
    flags: dict[str, Any] = {}
    for name in _OPTIONS:
        value = pyconfig.getoption(f"conformance_{name.replace('-', '_')}")
        key = {
            "accept-odata-type": "accept_odata_types",
            "secret-header": "secret_headers",
            "header": "headers",
            "path-param": "path_params",
        }.get(name, name)
        flags[key] = value
    flags["strict"] = True if pyconfig.getoption("conformance_strict") else None
    try:
        return load_config(flags, flag_prefix="--conformance-")
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None


def _spec(pyconfig: pytest.Config, config: Config) -> Spec:
    cached: Spec | None = getattr(pyconfig, "_conformance_spec", None)
    if cached is None:
        from conformance.cli import _load

        try:
            cached, _ = _load(config.spec)
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
        pyconfig._conformance_spec = cached  # type: ignore[attr-defined]
    return cached


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conformance_check" not in metafunc.fixturenames:
        return
    from conformance.runner import plan

    config = _config(metafunc.config)
    spec = _spec(metafunc.config, config)
    try:
        checks = plan(spec, config)
    except HarnessError as exc:
        raise pytest.UsageError(str(exc)) from None
    metafunc.parametrize(
        "conformance_check",
        [
            pytest.param(
                b,
                id=b.check.id,
                marks=[
                    getattr(pytest.mark, b.check.level.value.lower()),
                    pytest.mark.conformance(b.check.id),
                ],
            )
            for b in checks
        ],
    )


@pytest.fixture(scope="session")
def conformance_config(request: pytest.FixtureRequest) -> Config:
    """The run's `Config` from the --conformance-* options (override in conftest.py to fix it)."""
    return _config(request.config)


@pytest.fixture(scope="session")
def conformance_target(
    conformance_config: Config, request: pytest.FixtureRequest
) -> Iterator[tuple[str, str | None]]:
    """(base URL, token): the --conformance-target, or the embedded reference implementation."""
    token = conformance_config.token_value()
    if conformance_config.target:
        yield conformance_config.target, token
        return
    from conformance.reference.server import ReferenceServer

    token = token or secrets.token_urlsafe(24)
    server = ReferenceServer(_spec(request.config, conformance_config), token=token)
    server.start()
    try:
        yield server.url, token
    finally:
        server.stop()


@pytest.fixture(scope="session")
def conformance_context(
    conformance_config: Config, conformance_target: tuple[str, str | None], request: pytest.FixtureRequest
) -> Iterator[CheckContext]:
    """One client and memo for the session, as `conformance run` shares them between checks."""
    from conformance.runner import choose_seed, open_context

    base_url, token = conformance_target
    config = conformance_config
    spec = _spec(request.config, config)
    ctx = open_context(spec, config, base_url=base_url, token=token, seed=choose_seed(config))
    with ctx.client:
        yield ctx


def _explain(result: CheckResult) -> str:
    info = result.check
    lines = [f"{info.id} [{info.level.value}] {info.requirement}"]
    lines.append(f"  source: {info.doc.cite() if info.doc else info.source}")
    if result.error:
        lines.append(f"  error: {result.error}")
    for f in result.findings:
        lines.append(f"  - {f.message} (at {f.location})")
        if f.evidence and f.evidence.exchange and f.evidence.exchange.curl:
            lines.append(f"    reproduce: {f.evidence.exchange.curl}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    return "\n".join(lines)


@pytest.fixture
def conformance_verdict(
    conformance_context: CheckContext, conformance_config: Config
) -> Callable[[BoundCheck], CheckResult]:
    """Run a bound check and turn its result into the pytest outcome."""
    from conformance.errors import TargetUnreachable
    from conformance.runner import run_check

    counting = {Level.MUST, Level.SHOULD} if conformance_config.strict else {Level.MUST}

    def verdict(bound: BoundCheck) -> CheckResult:
        try:
            result = run_check(bound, conformance_context)
        except TargetUnreachable as exc:
            pytest.fail(f"{bound.check.id}: {exc}", pytrace=False)
        if result.status is Status.SKIP:
            pytest.skip(result.error or "not applicable")
        if result.status is Status.ERROR:
            pytest.fail("harness could not decide:\n" + _explain(result), pytrace=False)
        if result.status is Status.FAIL:
            if result.check.level not in counting:
                pytest.xfail(
                    f"{result.check.level.value} not met (counts with --conformance-strict):\n"
                    + _explain(result)
                )
            pytest.fail(_explain(result), pytrace=False)
        return result

    return verdict

"""pytest plugin: the same checks and verdicts as `conformance run`, one test per check id.

    pytest --pyargs conformance.suite --conformance-target http://127.0.0.1:8080

Options live in one `conformance` group, each prefixed `--conformance-`. Without a target the
embedded reference implementation is started for the session. A SHOULD/MAY failure that does
not count (no `--conformance-strict`) is reported as xfail, so pytest's exit code matches the CLI's.
"""

from __future__ import annotations

import dataclasses
import datetime
import warnings
from collections.abc import Callable, Iterator

import pytest

from conformance.checks import BoundCheck, CheckContext
from conformance.config import Config, load_options
from conformance.console import escape
from conformance.contract.spec import Level, Spec
from conformance.errors import HarnessError
from conformance.pytest_workers import Controller, after_check, before_check, session_seed
from conformance.results import CheckResult, Status, Verdict, WaiverState
from conformance.session import TargetPair, load_run_spec, open_target
from conformance.waivers import Waiver

# The plugin's state for a session, kept on the pytest config (one per session, also under pytester).
_CONFIG = pytest.StashKey[Config]()  # from the --conformance-* options, loaded once
_SPEC = pytest.StashKey[Spec]()  # loaded once, on first use
_WAIVERS = pytest.StashKey[tuple[Waiver, ...]]()  # the --conformance-waivers file, loaded once

_OPTIONS = {
    "target": "base URL of the implementation (default: the embedded reference implementation)",
    "spec": "doc page (.md) or derived .openapi.yaml (default: the packaged seed)",
    "token": "bearer token (prefer the CONFORMANCE_TOKEN environment variable)",
    "timeout": "seconds per request",
    "max-time": "time budget of the checks in seconds (default: derived from the timeout; 0 = none)",
    "seed": "seed for generated tests",
    "examples": "generated bodies per mode",
    "concurrency": "checks and requests in flight at once (default: 8; 1 = one at a time)",
    "accept-odata-type": "also accept this @odata.type (comma-separated)",
    "secret-header": "mask this header in all output (comma-separated)",
    "header": "send 'Name: value' with every request (comma-separated; see --conformance-secret-header)",
    "path-param": "NAME=VALUE for a {placeholder} in the documented paths (comma-separated)",
    "value": "NAME=JSON_OR_TEXT: a known-good value for requests that must succeed (repeatable)",
    "app": "MODULE:ATTRIBUTE: a WSGI or ASGI application to serve on 127.0.0.1 for the session",
    "waivers": "YAML file of known failures (check, reason, expires, contains): waived ones are xfail",
}
_REPEATABLE = {"value"}  # a JSON value may hold commas, so it is given once per option


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Graph API conformance checks")
    for name, text in _OPTIONS.items():
        action = "append" if name in _REPEATABLE else "store"
        group.addoption(f"--conformance-{name}", dest=_dest(name), action=action, help=text)
    group.addoption(
        "--conformance-strict",
        action="store_true",
        dest="conformance_strict",
        help="SHOULD failures fail their tests too",
    )
    group.addoption(
        "--conformance-no-auth",
        action="store_true",
        dest="conformance_no_auth",
        help="run without credentials on purpose; the checks about authentication are skipped",
    )
    group.addoption(
        "--conformance-validates-tokens",
        action="store_true",
        dest="conformance_validates_tokens",
        help="the target rejects unknown or malformed credentials: run AUTH-102 (skipped without it)",
    )


class WaiverWarning(UserWarning):
    """A waiver that did not apply: stale (its check passed), expired or unused."""


def _dest(name: str) -> str:
    return f"conformance_{name.replace('-', '_')}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance(check_id): a conformance check of the given id")
    for level in Level:
        config.addinivalue_line("markers", f"{level.value.lower()}: a {level.value} requirement")
    if not hasattr(config, "workerinput"):  # the xdist controller (or one process): one seed for all
        config.pluginmanager.register(Controller(config, lambda: _config(config)), "conformance-controller")
    if any(config.getoption(_dest(n)) is not None for n in _OPTIONS):
        settings = _config(config)  # bad option values stop the session at once, as one usage error
        if settings.app:  # a bad MODULE:ATTRIBUTE (or an ASGI app without uvicorn) too
            from conformance.apphost import IMPORT_S, load_app
            from conformance.waivers import secret_mask

            try:
                load_app(settings.app, flag="--conformance-app", within=settings.max_time or IMPORT_S)
            except HarnessError as exc:  # the app's own words: the run's secrets masked
                raise pytest.UsageError(secret_mask(settings)(str(exc))) from None
        if settings.waivers:  # so does a malformed waivers file
            _waivers(config, settings)
        if settings.values:  # known-good values are checked against the spec, also at once
            from conformance.checks.known import known_values

            try:
                known_values(_spec(config, settings).operation, settings.value_pairs(), "--conformance-value")
            except HarnessError as exc:
                raise pytest.UsageError(str(exc)) from None


def _config(pyconfig: pytest.Config) -> Config:
    if _CONFIG not in pyconfig.stash:
        options = {name: pyconfig.getoption(_dest(name)) for name in _OPTIONS}
        options["strict"] = True if pyconfig.getoption("conformance_strict") else None
        options["no-auth"] = True if pyconfig.getoption("conformance_no_auth") else None
        options["validates-tokens"] = True if pyconfig.getoption("conformance_validates_tokens") else None
        try:
            pyconfig.stash[_CONFIG] = load_options(options, prefix="--conformance-")
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
    return pyconfig.stash[_CONFIG]


def _spec(pyconfig: pytest.Config, config: Config) -> Spec:
    if _SPEC not in pyconfig.stash:
        try:
            pyconfig.stash[_SPEC], _ = load_run_spec(config.spec)
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
    return pyconfig.stash[_SPEC]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    from conformance.pytest_workers import last_rule_last

    last_rule_last(items)


def pytest_collection_finish(session: pytest.Session) -> None:
    from conformance.pytest_workers import remember_selection

    remember_selection(session)


def _waivers(pyconfig: pytest.Config, config: Config) -> tuple[Waiver, ...]:
    if _WAIVERS not in pyconfig.stash:
        from conformance.waivers import for_config

        try:
            pyconfig.stash[_WAIVERS] = for_config(config)
        except HarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
    return pyconfig.stash[_WAIVERS]


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
    _waivers(metafunc.config, config)  # a malformed waivers file stops the session before any request
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
    with open_target(conformance_config, lambda: _spec(request.config, conformance_config)) as target:
        yield TargetPair(target.url, target.token)  # a tuple whose repr masks the token


@pytest.fixture(scope="session")
def conformance_context(
    conformance_config: Config, conformance_target: tuple[str, str | None], request: pytest.FixtureRequest
) -> Iterator[CheckContext]:
    """One client and memo for the session, as `conformance run` shares them between checks."""
    from conformance.runner import open_context

    base_url, token = conformance_target
    config = conformance_config
    spec = _spec(request.config, config)
    ctx = open_context(
        spec, config, base_url=base_url, token=token, seed=session_seed(request.config, config)
    )
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
    for w in result.waivers:
        lines.append(f"  waiver {w.state.value} (expires {w.expires}, {w.where}): {w.reason} [{w.detail}]")
    return escape("\n".join(lines))  # pytest prints it to the terminal: target text must not drive it


@pytest.fixture
def conformance_verdict(
    conformance_context: CheckContext, conformance_config: Config, request: pytest.FixtureRequest
) -> Callable[[BoundCheck], CheckResult]:
    """Run a bound check and turn its result into the pytest outcome."""
    from conformance.errors import TargetUnreachable
    from conformance.runner import run_check
    from conformance.waivers import judge

    waivers = _waivers(request.config, conformance_config)
    today = datetime.date.today()

    def verdict(bound: BoundCheck) -> CheckResult:
        from conformance.checks.server_failures import seen

        notes = before_check(request.config, bound, conformance_context)  # VALID-006: every worker's
        seen_before = len(seen(conformance_context))
        try:
            result = judge(run_check(bound, conformance_context), waivers, today)
        except TargetUnreachable as exc:
            pytest.fail(escape(f"{bound.check.id}: {exc}"), pytrace=False)
        finally:
            after_check(request.config, bound, conformance_context, seen_before)
        if notes:
            result = dataclasses.replace(result, notes=(*result.notes, *notes))
        for w in result.waivers:  # stale, expired or unused: visible in the warnings summary
            if w.state is not WaiverState.WAIVED:
                warnings.warn(
                    WaiverWarning(escape(f"{w.where}: waiver of {w.check_id} {w.state.value}: {w.detail}")),
                    stacklevel=1,
                )
        if result.status is Status.WAIVED:  # a known failure: xfail with the reason, never red
            pytest.xfail("waived (known failure):\n" + _explain(result))
        if result.status is Status.SKIP:
            pytest.skip(escape(result.error or "not applicable"))
        decided = Verdict.of((result,), conformance_config.failing_levels)
        if decided is Verdict.UNDECIDED:
            pytest.fail("harness could not decide:\n" + _explain(result), pytrace=False)
        if decided is Verdict.NOT_CONFORMANT:
            pytest.fail(_explain(result), pytrace=False)
        if result.status is Status.FAIL:  # at a level that does not count
            pytest.xfail(
                f"{result.check.level.value} not met (counts with --conformance-strict):\n" + _explain(result)
            )
        return result

    return verdict

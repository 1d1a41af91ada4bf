"""Binds the catalogue to a spec, runs each check against a target, returns a `RunResult`.

The only room that catches broad exceptions: a check that crashes is recorded as ERROR,
never as FAIL. An unreachable target ends the run early, and so do Ctrl-C and a target that stops answering
(`GIVE_UP_AFTER` checks in a row end on a timeout or broken answer): every check not yet run is
recorded as ERROR with the same one-line reason, so reports stay complete and a hung target costs
a few timeouts, not one per check.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import metadata

from conformance.checks import BoundCheck, CheckContext, CheckOptions, Skip, bind, select
from conformance.checks.known import known_values
from conformance.config import Config
from conformance.contract.spec import Spec
from conformance.errors import HarnessError, TargetError, TargetUnreachable
from conformance.results import CheckResult, Finding, RunResult, Status
from conformance.target.client import Client


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """What a progress callback hears: before a check (result None) and after it."""

    index: int
    total: int
    check: BoundCheck
    result: CheckResult | None


ProgressFn = Callable[[Progress], None]

GIVE_UP_AFTER = 3  # consecutive checks ended by the target's failure to answer usably


def harness_version() -> str:
    try:
        return metadata.version("graph-conformance")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def choose_seed(config: Config) -> int:
    return config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)


def plan(spec: Spec, config: Config) -> list[BoundCheck]:
    """The checks this run will report on, in catalogue order (bad --value settings raise here too)."""
    known_values(spec.operation, config.value_pairs())
    return select(bind(spec), config.select, config.skip)


def run_check(bound: BoundCheck, ctx: CheckContext) -> CheckResult:
    """Run one check; never raises except `TargetUnreachable`, which ends the run."""
    info = bound.info
    notes = [bound.weak_fact] if bound.weak_fact else []
    if bound.skip_reason:
        return CheckResult(check=info, status=Status.SKIP, error=bound.skip_reason, notes=tuple(notes))
    ctx.notes = []
    before = ctx.client.requests_sent
    start = time.perf_counter()
    findings = []
    status, error = Status.PASS, None
    try:
        for found in bound.check.func(ctx):
            findings.append(found)
        status = Status.FAIL if findings else Status.PASS
    except Skip as skip:
        status, error = (Status.FAIL, None) if findings else (Status.SKIP, str(skip))
    except TargetUnreachable:
        raise
    except TargetError as exc:
        status, error = Status.ERROR, str(exc)
        ctx.memo["target-errors"] = ctx.memo.get("target-errors", 0) + 1
    except HarnessError as exc:
        status, error = Status.ERROR, str(exc)
    except Exception as exc:  # a check crashed: the harness could not decide
        status, error = Status.ERROR, f"check crashed: {type(exc).__name__}: {exc}"
    mask = ctx.client.redact_text  # messages quote what the target sent, which may echo a secret
    return CheckResult(
        check=info,
        status=status,
        findings=tuple(_redacted(f, mask) for f in findings),
        error=None if error is None else mask(error),
        duration_s=round(time.perf_counter() - start, 4),
        requests=ctx.client.requests_sent - before,
        notes=tuple(mask(n) for n in notes + ctx.notes),
    )


def _redacted(found: Finding, mask: Callable[[str], str]) -> Finding:
    evidence = found.evidence
    if evidence is not None:
        evidence = replace(evidence, expected=mask(evidence.expected), actual=mask(evidence.actual))
    return replace(found, message=mask(found.message), location=mask(found.location), evidence=evidence)


def open_context(
    spec: Spec,
    config: Config,
    *,
    base_url: str,
    token: str | None,
    seed: int,
    on_case: Callable[[str], None] | None = None,
) -> CheckContext:
    """A fresh `CheckContext` (its client open) for a run; the caller closes `ctx.client`."""
    options = CheckOptions(
        seed=seed,
        examples=config.examples,
        accept_odata_types=config.accept_odata_types,
        fuzz=config.fuzz,
        path_params=config.path_param_pairs(),
        validates_tokens=config.validates_tokens,
        values=tuple(known_values(spec.operation, config.value_pairs()).items()),
    )
    client = Client(
        base_url,
        token=token if token is not None else config.token_value(),
        timeout=config.timeout,
        secret_headers=config.secret_headers,
        default_headers=config.header_map(),
    )
    return CheckContext(client=client, spec=spec, options=options, on_progress=on_case)


def run(
    spec: Spec,
    config: Config,
    *,
    base_url: str,
    spec_file: str,
    token: str | None = None,
    seed: int | None = None,
    progress: ProgressFn | None = None,
    checks: list[BoundCheck] | None = None,
    on_case: Callable[[str], None] | None = None,
) -> RunResult:
    """Run every selected check of `spec` against `base_url` and collect the results."""
    seed = choose_seed(config) if seed is None else seed
    checks = plan(spec, config) if checks is None else checks
    started = now_iso()
    results: list[CheckResult] = []
    ctx = open_context(spec, config, base_url=base_url, token=token, seed=seed, on_case=on_case)
    with ctx.client:
        stopped: str | None = None
        streak = 0
        for index, bound in enumerate(checks, 1):
            if progress:
                progress(Progress(index=index, total=len(checks), check=bound, result=None))
            if stopped is not None:
                result = CheckResult(check=bound.info, status=Status.ERROR, error=stopped)
            else:
                failures_before = ctx.memo.get("target-errors", 0)
                try:
                    result = run_check(bound, ctx)
                except TargetUnreachable as exc:
                    stopped = str(exc)
                    result = CheckResult(check=bound.info, status=Status.ERROR, error=stopped)
                except KeyboardInterrupt:  # Ctrl-C: keep what was seen, report the rest as not decided
                    stopped = "the run was interrupted (Ctrl-C); the remaining checks were not run"
                    result = CheckResult(check=bound.info, status=Status.ERROR, error=stopped)
                if ctx.memo.get("target-errors", 0) > failures_before:
                    streak += 1
                elif result.status is not Status.SKIP:
                    streak = 0
                if streak >= GIVE_UP_AFTER and stopped is None:
                    stopped = (
                        f"the target failed to answer {streak} checks in a row (last: {result.error}); "
                        "the remaining checks were not run"
                    )
            results.append(result)
            if progress:
                progress(Progress(index=index, total=len(checks), check=bound, result=result))
    run_notes = []
    if config.accept_odata_types:
        run_notes.append("accepted @odata.type aliases: " + ", ".join(config.accept_odata_types))
    if stopped:
        run_notes.append(stopped)
    return RunResult(
        harness_version=harness_version(),
        config=config.redacted(),
        target=base_url,
        spec_file=spec_file,
        doc_file=spec.doc_file,
        doc_sha256=spec.doc_sha256,
        seed=seed,
        started_at=started,
        finished_at=now_iso(),
        results=tuple(results),
        failing_levels=config.failing_levels,
        contract=spec.notes,
        notes=tuple(run_notes),
    )

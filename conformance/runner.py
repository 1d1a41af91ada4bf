"""Binds the catalogue to a spec, runs each check against a target, returns a `RunResult`.

The only room that catches broad exceptions: a check that crashes is recorded as ERROR,
never as FAIL. An unreachable target ends the run early, and so do Ctrl-C, SIGTERM, the run's time budget
(`conformance.budget`) and a target that stops answering (`GIVE_UP_AFTER` checks in a row in which it
hung, stayed throttled or refused connections): every check not yet run is recorded as ERROR with the
same one-line reason, so reports stay complete and a hung target costs a few timeouts, not one per check.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from importlib import metadata

from conformance import waivers as waiving
from conformance.budget import RunBudget, budget_spent_reason, hold_sigterm, run_budget
from conformance.checks import (
    BoundCheck,
    CheckContext,
    CheckOptions,
    Skip,
    about_auth,
    bind,
    check_path_params,
    select,
    server_failures,
)
from conformance.checks._support import broken_answer
from conformance.checks.known import known_values
from conformance.config import Config
from conformance.contract.spec import Spec
from conformance.errors import ConfigError, HarnessError, TargetError, TargetUnreachable
from conformance.results import CheckResult, Evidence, Finding, RunResult, Status
from conformance.schedule import Schedule
from conformance.target.client import Client
from conformance.target.redaction import Redactor, masking
from conformance.waivers import Waiver


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress:
    """What a progress callback hears: before a check (result None) and after it."""

    index: int
    total: int
    check: BoundCheck
    result: CheckResult | None


ProgressFn = Callable[[Progress], None]

NO_AUTH = "run without credentials (--no-auth): nothing to tell a valid credential from a bad one"
GIVE_UP_AFTER = 3  # consecutive checks in which the target hung, stayed throttled or refused connections


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
    """The checks this run will report on, in catalogue order; `ConfigError` for a selection of none or a
    --path-param the documented paths have no placeholder for, or a bad --value (mistakes, not verdicts)."""
    check_path_params(spec.operation, config.path_param_pairs())
    known_values(spec.operation, config.value_pairs())
    checks = select(bind(spec), config.select, config.skip)
    if not checks:
        raise ConfigError(
            "the --check and --skip-check given select no check at all; `conformance checks` lists them"
        )
    if config.no_auth:
        checks = [
            replace(b, skip_reason=NO_AUTH) if about_auth(b.check) and not b.skip_reason else b
            for b in checks
        ]
    return checks


def run_check(bound: BoundCheck, ctx: CheckContext) -> CheckResult:
    """Run one check; never raises except `TargetUnreachable` when nothing was decided, which ends the run.

    A request after which the target closed, reset or stopped answering fails the check that sent it,
    with that request as evidence; a check that decided something before the target became unreachable
    is recorded as decided, and `ctx.memo["unreachable"]` tells the runner to stop.
    The check runs on its own copy of `ctx` (`CheckContext.for_check`: its own client view, notes and
    counter); what it sent is then added to `ctx.client`'s records.
    """
    local = ctx.for_check(bound.info.id, bound.check.lane)
    try:
        return _run_check(bound, local)
    finally:
        ctx.client.absorb(local.client)


def _run_check(bound: BoundCheck, ctx: CheckContext) -> CheckResult:
    info = bound.info
    notes = [bound.weak_fact] if bound.weak_fact else []
    if bound.skip_reason:
        return CheckResult(check=info, status=Status.SKIP, error=bound.skip_reason, notes=tuple(notes))
    before = ctx.client.requests_sent
    failures_before = len(ctx.client.server_failures)
    start = time.perf_counter()
    findings = []
    status, error = Status.PASS, None
    redactor = ctx.client.redactor
    try:
        with masking(redactor):  # values a check quotes are masked before they are cut
            try:
                for found in bound.check.func(ctx):
                    findings.append(found)
                status = Status.FAIL if findings else Status.PASS
            finally:
                server_failures.record(ctx, info.id, ctx.client.server_failures[failures_before:])
    except Skip as skip:
        status, error = (Status.FAIL, None) if findings else (Status.SKIP, str(skip))
    except TargetUnreachable as exc:
        findings.extend(_stopped_after(ctx, info.id, ctx.client.requests_sent - before))
        if not findings:
            raise
        status = Status.FAIL
        ctx.memo["unreachable"] = str(exc)
        ctx.notes.append(f"then the target became unreachable: {exc}")
    except TargetError as exc:
        broken = _broken(ctx, exc, failures_before)
        status, error = (Status.FAIL, None) if broken or findings else (Status.ERROR, str(exc))
        if findings and not broken:  # decided on what it saw before; say why it saw no more
            ctx.notes.append(f"stopped early: {exc}")
        findings.extend(broken)
    except HarnessError as exc:
        status, error = Status.ERROR, str(exc)
    except Exception as exc:  # a check crashed: the harness could not decide
        status, error = Status.ERROR, f"check crashed: {redactor.exception(exc)}"
    if ctx.client.requests_sent > before:
        ctx.memo["last-sender"] = info.id
    # The harness's words may quote what the target sent: long secrets are masked anywhere, short ones as
    # whole quoted values only, so a one-letter token cannot garble them (see target.redaction).
    mask = redactor.words
    return CheckResult(
        check=info,
        status=status,
        findings=tuple(_redacted(f, redactor) for f in findings),
        error=None if error is None else mask(error),
        duration_s=round(time.perf_counter() - start, 4),
        requests=ctx.client.requests_sent - before,
        notes=tuple(mask(n) for n in notes + ctx.notes),
    )


@dataclass(slots=True, kw_only=True)
class _Outcome:
    """What running one check gave: its result (None: not started, the run's time budget was spent), the
    reason the target was unreachable when nothing was decided, and the client view holding its records."""

    result: CheckResult | None
    client: Client
    unreachable: str | None = None


def _attempt(bound: BoundCheck, ctx: CheckContext) -> _Outcome:
    """Run one check on a view of the run's client (on whatever thread the schedule chose)."""
    holder = ctx.client.view()
    if holder.budget_spent():
        return _Outcome(result=None, client=holder)
    try:
        result = run_check(bound, replace(ctx, client=holder))
    except TargetUnreachable as exc:
        error = str(exc)
        result = CheckResult(check=bound.info, status=Status.ERROR, error=error)
        return _Outcome(result=result, client=holder, unreachable=error)
    return _Outcome(result=result, client=holder)


def _stop(schedule: Schedule[_Outcome], client: Client) -> None:
    """Start no further check, and end the requests of those still running (their results are not used)."""
    schedule.stop()
    if client.concurrency > 1:
        client.cancel()


def _target_failed(outcome: _Outcome) -> CheckResult | None:
    """The result of a check that ran ahead of a stop, if it was decided FAIL on what the target answered
    (a wrong answer, or its own request's connection dropped or reset); not if it met a refused connection."""
    result = outcome.result
    if result is None or result.status is not Status.FAIL:
        return None
    if outcome.unreachable is not None or outcome.client.stopped_after is not None:
        return None
    return result


def _last(result: CheckResult) -> str:
    """The last check of a give-up streak and what happened to it, e.g. `CREATE-003 fail: the POST request
    got no answer within 2 s`: its error or its first finding (both masked already), cut."""
    findings = result.findings
    what = result.error or (findings[0].message if findings else "no answer")
    what = " ".join(what.split())
    what = what if len(what) <= 160 else what[:159] + "\u2026"
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 and not result.error else ""
    return f"{result.check.id} {result.status.value}: {what}{more}"


def _interrupted(exc: KeyboardInterrupt) -> str:
    """Why the rest of the run was not decided: Ctrl-C, or what a `budget.Terminated` says."""
    return f"{str(exc) or 'the run was interrupted (Ctrl-C)'}; the remaining checks were not run"


def _broken(ctx: CheckContext, exc: TargetError, failures_before: int) -> list[Finding]:
    """The finding for the request of this check whose answer broke with `exc`, if one did."""
    new = ctx.client.server_failures[failures_before:]
    last = ctx.client.last_exchange
    if not new or new[-1] is not last or last is None or last.error != str(exc):
        return []  # e.g. an error shared through the memo, or nothing was sent
    return [broken_answer(ctx, f"{last.request.method} request", exc)]


def _stopped_after(ctx: CheckContext, check_id: str, sent_here: int) -> list[Finding]:
    """When the target answered a request and then accepted no connection: record that request once
    (for VALID-006), and return its finding if this check sent it."""
    answered = ctx.client.stopped_after
    if answered is None or ctx.memo.get("stopped-after-recorded"):
        return []
    ctx.memo["stopped-after-recorded"] = True
    sender = check_id if sent_here >= 2 else ctx.memo.get("last-sender")
    if sender is None:
        return []
    entry = server_failures.Seen(sender, answered, stopped=True)
    server_failures.seen(ctx).append(entry)
    if sender != check_id:
        return []
    what = server_failures.describe(entry)
    evidence = Evidence(expected="the target keeps answering", actual=what, exchange=answered)
    return [
        Finding(message=f"{what} (this request was its last answer)", location="response", evidence=evidence)
    ]


def _redacted(found: Finding, redactor: Redactor) -> Finding:
    evidence = found.evidence
    if evidence is not None:
        evidence = replace(
            evidence, expected=redactor.field(evidence.expected), actual=redactor.field(evidence.actual)
        )
    words = redactor.words
    return replace(found, message=words(found.message), location=words(found.location), evidence=evidence)


def open_context(
    spec: Spec,
    config: Config,
    *,
    base_url: str,
    token: str | None,
    seed: int,
    on_case: Callable[[str], None] | None = None,
    budget: RunBudget | None = None,
) -> CheckContext:
    """A fresh `CheckContext` (its client open) for a run; the caller closes `ctx.client`. The run's time
    budget (default: `run_budget` of the planned checks) starts now."""
    budget = budget or run_budget(config, plan(spec, config))
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
        total_budget_s=budget.seconds,
        concurrency=config.concurrency,
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
    waivers: Sequence[Waiver] | None = None,
) -> RunResult:
    """Run every selected check of `spec` against `base_url` and collect the results. `waivers` (default:
    those of `config.waivers`) turn the failures they cover into WAIVED."""
    seed = choose_seed(config) if seed is None else seed
    waivers = waiving.for_config(config) if waivers is None else waivers
    today = date.today()  # one day for the whole run, even one that passes midnight
    checks = plan(spec, config) if checks is None else checks
    started = now_iso()
    results: list[CheckResult] = []
    budget = run_budget(config, checks)
    ctx = open_context(
        spec, config, base_url=base_url, token=token, seed=seed, on_case=on_case, budget=budget
    )
    # Until the loop below is ready for a SIGTERM, it waits: the lanes start sending as soon as the schedule
    # exists, and a SIGTERM landing before the first `try` would end the run without its reports.
    release_sigterm = hold_sigterm()
    try:
        schedule = Schedule(
            [b.check.lane for b in checks],
            config.concurrency,
            lambda i: _attempt(checks[i], ctx),
            lambda: _Outcome(result=None, client=ctx.client),
            last={b.check.lane for b in checks if b.check.last and b.check.lane and not b.skip_reason},
        )
    except BaseException:  # no run loop to take a held SIGTERM: let it through now
        release_sigterm()
        raise
    kept: list[str] = []  # the checks whose results stand (in order), for VALID-006's run-wide rule
    with ctx.client, closing(schedule):
        stopped: str | None = None
        streak = 0
        # once the run stops, checks that ran ahead and failed on the target's answer still count, so a
        # target that dies mid-run gets the verdict it gets one check at a time (see `_target_failed`)
        salvage = config.concurrency > 1
        for index, bound in enumerate(checks, 1):
            try:  # Ctrl-C and SIGTERM (`budget.Terminated`) may land anywhere in here
                release_sigterm()
                if progress:
                    progress(Progress(index=index, total=len(checks), check=bound, result=None))
                outcome = schedule.take(index - 1) if stopped is None else None
                if outcome is not None and outcome.result is None:  # not started: the budget was spent
                    stopped = budget_spent_reason(budget)
                late = schedule.take(index - 1) if stopped is not None and salvage else None
                if late is not None and (failed := _target_failed(late)) is not None:
                    result = failed  # decided before the stop, on the target's own answer
                    ctx.client.absorb(late.client)
                    kept.append(bound.info.id)
                elif stopped is not None or outcome is None or outcome.result is None:
                    result = CheckResult(check=bound.info, status=Status.ERROR, error=stopped)
                else:
                    result = outcome.result
                    ctx.client.absorb(outcome.client)  # the records of the run, in catalogue order
                    kept.append(bound.info.id)
                    if outcome.unreachable is not None:
                        stopped = outcome.unreachable
                    if "unreachable" in ctx.memo and stopped is None:  # decided, then the target went away
                        stopped = ctx.memo.pop("unreachable")
                    if outcome.client.stalls:  # a broken but quick answer costs nothing
                        streak += 1
                    elif result.status is not Status.SKIP:
                        streak = 0
                    if streak >= GIVE_UP_AFTER and stopped is None:
                        stopped = (
                            f"the target failed to answer {streak} checks in a row (last: {_last(result)}); "
                            "the remaining checks were not run"
                        )
            except KeyboardInterrupt as exc:  # keep what was seen, report the rest as not decided
                stopped = _interrupted(exc)
                salvage = False
                result = CheckResult(check=bound.info, status=Status.ERROR, error=stopped)
            result = waiving.judge(result, waivers, today)  # before the terminal shows it
            if stopped is not None:
                _stop(schedule, ctx.client)
            results.append(result)
            try:
                if progress:
                    progress(Progress(index=index, total=len(checks), check=bound, result=result))
            except KeyboardInterrupt as exc:
                stopped = _interrupted(exc)
                salvage = False
                _stop(schedule, ctx.client)
    release_sigterm()  # no check at all: nothing held it up
    results = server_failures.finalise(results, ctx, ctx.client.redactor.words, order=kept)
    results = [waiving.judge(r, waivers, today) for r in results]  # VALID-006 may have failed since
    run_notes = [budget.note, *config.notes, *ctx.client.redactor.notes()]
    if config.accept_odata_types:
        run_notes.append("accepted @odata.type aliases: " + ", ".join(config.accept_odata_types))
    if stopped:
        run_notes.append(stopped)
    if ctx.client.narrowed:
        run_notes.append(
            "the target answered one connection at a time (an idle keep-alive connection held it while the "
            "others waited), so the run went on over one connection; --concurrency 1 starts that way"
        )
    return RunResult(
        harness_version=harness_version(),
        config={**config.redacted(), "max_time": budget.seconds or 0},  # the budget used (0: none)
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
        waivers=waiving.outcomes(results, waivers, today),
    )

"""The run-wide "no 5xx" rule: every 5xx or broken answer that any check saw becomes a finding of VALID-006.

RFC 9110 §15.6: a 5xx says the server failed; so does a connection it closes, resets or stops answering
while a request is out. Whatever check sent the request (a SHOULD, a generated test), that is a MUST
failure. The runner calls `record` after every check with the exchanges the client flagged during it,
and `finalise` once all checks have run; VALID-006 itself reports what was recorded before it runs, so
the pytest plugin, which runs checks one by one, still sees the rule applied to the checks before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from conformance.results import CheckResult, Evidence, Exchange, Finding, Status

if TYPE_CHECKING:
    from collections.abc import Callable

    from conformance.checks import CheckContext

RULE = "VALID-006"
_SEEN = "server-failures"  # memo: list[Seen], in the order the run saw them
_REPORTED = "server-failures-reported"  # memo: how many of them VALID-006's own run already reported
_REPORTED_FINDINGS = "server-failures-reported-findings"  # memo: how many findings that gave


@dataclass(frozen=True, slots=True)
class Seen:
    sender: str  # the id of the check that sent the request
    exchange: Exchange
    stopped: bool = False  # answered, but the target accepted no connection afterwards


def seen(ctx: CheckContext) -> list[Seen]:
    found: list[Seen] = ctx.memo.setdefault(_SEEN, [])
    return found


def record(ctx: CheckContext, sender: str, exchanges: Iterable[Exchange], *, stopped: bool = False) -> None:
    """Remember exchanges that show a server failure, sent by check `sender`."""
    method = str(ctx.op.method.value).upper()
    seen(ctx).extend(
        Seen(sender, exchange, stopped) for exchange in exchanges if not _unsupported_method(exchange, method)
    )


def _unsupported_method(exchange: Exchange, documented: str) -> bool:
    """501 to a method the page does not document: RFC 9110 §15.6.2 names it the answer for a method the
    server does not implement, so it is not a server failure (METHOD-101 judges such answers)."""
    response = exchange.response
    return response is not None and response.status == 501 and exchange.request.method.upper() != documented


def describe(entry: Seen) -> str:
    """One line saying what went wrong with the exchange."""
    response = entry.exchange.response
    if entry.stopped:
        return "after answering it, the target accepted no further connection"
    if entry.exchange.error is not None:
        return (
            f"the target gave no complete answer (closed, reset or stopped answering): {entry.exchange.error}"
        )
    assert response is not None
    return f"the service answered {response.status} {response.reason}".rstrip()


def findings(entries: Sequence[Seen], *, exclude: str = RULE) -> list[Finding]:
    """One finding per sending check and kind of failure (its first exchange as evidence)."""
    groups: dict[tuple[str, str], list[Seen]] = {}
    for entry in entries:
        if entry.sender == exclude:
            continue
        kind = "stopped" if entry.stopped else ("broken" if entry.exchange.error is not None else "5xx")
        groups.setdefault((entry.sender, kind), []).append(entry)
    out = []
    for (sender, _kind), group in groups.items():
        first = group[0]
        more = f" ({len(group)} such requests)" if len(group) > 1 else ""
        method = first.exchange.request.method
        response = first.exchange.response
        out.append(
            Finding(
                message=f"a {method} request sent by {sender}: {describe(first)}{more}",
                location="response.status" if response is not None and not first.stopped else "response",
                evidence=Evidence(
                    expected="no 5xx, and a complete answer",
                    actual=describe(first),
                    exchange=first.exchange,
                ),
            )
        )
    return out


def reported_so_far(ctx: CheckContext) -> list[Finding]:
    """For VALID-006's own run: what the checks run before it saw; the runner adds the rest later."""
    entries = seen(ctx)
    ctx.memo[_REPORTED] = len(entries)
    out = findings(entries)
    ctx.memo[_REPORTED_FINDINGS] = len(out)
    return out


def finalise(
    results: list[CheckResult],
    ctx: CheckContext,
    mask: Callable[[str], str],
    *,
    order: Sequence[str] | None = None,
) -> list[CheckResult]:
    """`results` with VALID-006 (where it ran) also failed by what checks after it saw.

    With `order` (the ids of the checks whose results stand, in catalogue order), what every check saw is
    put in that order and VALID-006 reports all of it after its own findings, dropping what it reported
    while it ran: what checks running at the same time had seen by then depends on timing, this does not.
    """
    out = list(results)
    if order is not None:
        out = _in_order(out, ctx, order)
    for index, result in enumerate(out):
        if result.check.id != RULE or result.status is Status.SKIP:
            continue
        extra = findings(seen(ctx)[ctx.memo.get(_REPORTED, 0) :])
        if not extra:
            continue
        notes = result.notes
        if result.error:  # its own inputs were not (all) sent; what other checks saw still decides
            notes = (*notes, f"its own inputs could not all be judged: {result.error}")
        out[index] = replace(
            result,
            status=Status.FAIL,
            error=None,
            notes=notes,
            findings=(*result.findings, *(replace(f, message=mask(f.message)) for f in extra)),
        )
    return out


def _in_order(results: list[CheckResult], ctx: CheckContext, order: Sequence[str]) -> list[CheckResult]:
    position = {check_id: i for i, check_id in enumerate(order)}
    entries = [e for e in seen(ctx) if e.sender in position]
    entries.sort(key=lambda e: position[e.sender])  # stable: each check's own exchanges keep their order
    ctx.memo[_SEEN] = entries
    ctx.memo[_REPORTED] = 0
    told = ctx.memo.pop(_REPORTED_FINDINGS, 0)
    out = []
    for result in results:
        if result.check.id == RULE and told and result.check.id in position:
            own = result.findings[: len(result.findings) - told]
            status = result.status if own or result.status is not Status.FAIL else Status.PASS
            result = replace(result, findings=own, status=status)
        out.append(result)
    return out


__all__ = ["RULE", "Seen", "describe", "finalise", "findings", "record", "reported_so_far", "seen"]

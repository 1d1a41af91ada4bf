"""Checks of the page's alternatives ("Either A or B is required"): neither is rejected, each alone passes.

A body that omits every member of a group breaks the sentence, so it must get a 4xx; a body with just
one member (and the other required properties) keeps it, so it must succeed. Whether a body with two
members of an exclusive group ("A or B, but not both") is refused is the client's side of the sentence
and is not judged: a server may be lenient there.
"""

from __future__ import annotations

from collections.abc import Iterator

from conformance.checks import CheckContext, DocRef, _keys, check
from conformance.checks._support import excerpt, minimal_body, rejection_problem, status_problem, value_for
from conformance.contract.spec import JSON, Alternatives, Level, Operation
from conformance.results import Finding

__all__ = ["each_alternative_accepted", "group_body", "neither_rejected"]


def _has_alternatives(op: Operation) -> str | None:
    if op.alternatives:
        return None
    return 'the page states no alternatives ("Either A or B is required", "one of A, B or C")'


def group_body(ctx: CheckContext, group: Alternatives, member: str | None) -> dict[str, JSON]:
    """The minimal valid body without any member of `group`, plus `member` when given."""
    body = minimal_body(ctx)
    for name in group.names:
        body.pop(name, None)
    if member is not None:
        body[member] = value_for(ctx, member)
    return body


def _named(group: Alternatives) -> str:
    return " / ".join(group.names)


@check(
    "ALT-001",
    Level.MUST,
    "A body with none of the properties of an alternatives group ({alternatives}) is rejected with a 4xx.",
    title="Neither alternative rejected",
    doc=DocRef(field="alternatives", section="Request body"),
    applies=_has_alternatives,
)
def neither_rejected(ctx: CheckContext) -> Iterator[Finding]:
    for group in ctx.op.alternatives:
        ctx.notes.append(f"the page: {group.cite()}")
        body = group_body(ctx, group, None)
        what = f"a body with none of {_named(group)} ({excerpt(body)}; the page: {group.cite()})"
        problem = rejection_problem(ctx.post(body), what, input=body)
        if problem:
            yield problem


@check(
    "ALT-002",
    Level.MUST,
    "Each property of an alternatives group ({alternatives}), sent as the only one of its group with the "
    "required properties, is accepted with {status}.",
    title="Each alternative accepted",
    doc=DocRef(field="alternatives", section="Request body"),
    applies=_has_alternatives,
)
def each_alternative_accepted(ctx: CheckContext) -> Iterator[Finding]:
    for group in ctx.op.alternatives:
        ctx.notes.append(f"the page: {group.cite()}")
        for member in group.names:
            body = group_body(ctx, group, member)
            what = (
                f"a create with {member} alone of {_named(group)} ({excerpt(body)}; the page: {group.cite()})"
            )
            reply = ctx.post(body)
            conflict = _keys.conflict(ctx, body, reply)
            if conflict is not None:  # a legal 409 for a pinned or repeated key: this member is not judged
                ctx.notes.append(f"{member}: not judged: {conflict}")
                continue
            problem = status_problem(reply, ctx.op.success_status.value, what)
            if problem:
                yield problem

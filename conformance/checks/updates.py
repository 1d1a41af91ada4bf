"""Generated update bodies: valid ones drawn from the update page's table, others mistyped in one place.

Each check updates an object it created itself (one create per check), with the method and URL the update
page documents. Positive bodies are drawn like GEN-001's, from the seed alone (`fuzz`'s drawing over
`_bodies`), from the properties the update page lists that a client may change: never a read-only one, the
entity's `id` or its key property. A negative body sends one listed property with a value of the wrong type
or format (chosen from the seed). With a get page, each update is read back: a positive one must show
exactly what was sent (judged like LIFE-004), a refused one must leave the object as it was. Requests are
capped: `POSITIVE` and `NEGATIVE` bodies, each followed by a GET, plus the create and its read (at most
`REQUESTS` in all) and a shrink of the first failure within `SHRINK_BUDGET`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, DocRef, Skip, check
from conformance.checks._replace import replaces, sent_findings, update_sent
from conformance.checks._resource import item_path, key_value, needing, operation, unchanged_findings
from conformance.checks._shrink import shrink
from conformance.checks._support import (
    duplicate_problem,
    excerpt,
    finding,
    full_body,
    is_4xx,
    json_object,
    non_null,
    status_problem,
)
from conformance.checks.judgement import (
    degenerate_values,
    excused_rejection,
    proper_error_body,
    undocumented_values,
    with_documented_values,
)
from conformance.contract.keys import key_name
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, Level, Operation, Spec, request_schema
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

LANE = "updates"
POSITIVE = 4  # generated valid update bodies sent per run (at most)
NEGATIVE = 4  # mistyped update bodies sent per run (at most)
SHRINK_BUDGET = 20  # extra updates a failure may spend becoming smaller
REQUESTS = 2 * (2 + 2 * POSITIVE) + 2 * NEGATIVE  # both checks, without a shrink: 28
Body = dict[str, JSON]


def updatable(spec: Spec) -> Operation | None:
    """The update operation with only the properties a generated body may send, or None (no update page)."""
    update = operation(spec, "update")
    if update is None:
        return None
    key = key_name_of(spec)
    # a property the create requires is not set to null by an update a test calls valid: a server may refuse
    # to clear it (the update page's "optional" means it may be left out, not emptied)
    required = {p.name for p in spec.operation.required}
    kept = tuple(
        replace(p, nullable=False) if p.name in required else p
        for p in update.properties
        if not p.read_only and p.name not in ("id", key)
    )
    return replace(update, properties=kept)


def key_name_of(spec: Spec) -> str:
    from conformance.checks._resource import resource

    return key_name(resource(spec))


def _needs(spec: Spec) -> str | None:
    reason = needing("update")(spec)
    if reason:
        return reason
    update = updatable(spec)
    if update is None or not update.properties:
        return (
            "the update page lists no property a client may change (read-only ones and the key are not sent)"
        )
    return None


def _generation_on(ctx: CheckContext) -> None:
    if not ctx.options.fuzz or ctx.options.examples == 0:
        raise Skip("generated tests are off (--examples 0 or --no-fuzz)")


@dataclass(slots=True)
class _Target:
    """The object a check updates: its key value and what it holds now (as last read or sent)."""

    value: str
    state: Body
    readable: bool  # the pages document a get, so each update is read back
    notes: list[str] = field(default_factory=list)


def _create(ctx: CheckContext) -> _Target:
    reply = ctx.post(full_body(ctx))
    if not 200 <= reply.status <= 299:
        raise Skip(f"the create for the update tests answered {reply.status}; see CREATE-001")
    body, _problem = json_object(reply)
    if body is None:
        raise Skip("the create for the update tests answered no JSON object; see CREATE-003")
    _name, value = key_value(ctx.spec, body)
    if value is None:
        raise Skip("the created object has no key value to update it by; see CREATE-004")
    target = _Target(value, body, operation(ctx.spec, "get") is not None)
    if target.readable:
        got = _read(ctx, target)
        if got is None:
            raise Skip("the created object could not be read back; see LIFE-001")
        target.state = got
    return target


def _read(ctx: CheckContext, target: _Target) -> Body | None:
    get = operation(ctx.spec, "get")
    assert get is not None
    reply = ctx.client.request("GET", item_path(get, ctx.path, target.value))
    body, _problem = json_object(reply)
    return body if reply.status == 200 else None


def _patch(ctx: CheckContext, update: Operation, target: _Target, body: JSON) -> Reply:
    path = item_path(update, ctx.path, target.value)
    return ctx.client.request(update.method.value.upper(), path, json=body)


def _positive_problem(ctx: CheckContext, update: Operation, target: _Target, body: Body) -> Finding | None:
    """The first way the update with the valid `body` went wrong (its answer, then its read-back)."""
    seed = ctx.options.seed
    body = update_sent(ctx.op, update, target.state, body)  # a PUT sends the whole object
    reply = _patch(ctx, update, target, body)
    listed = (*update.properties, *ctx.op.properties)  # the update page's rows first, then the create's
    excused = excused_rejection(body, reply, ctx.options.known, listed)
    if excused is not None:
        if next(degenerate_values(body), None) is None and next(undocumented_values(listed, body), None):
            # refused for a value its description does not list: excused only if the twin with a listed
            # value is taken (a refusal of a date beside it is not excused by the value)
            problem = _positive_problem(ctx, update, target, with_documented_values(listed, body))
            if problem is not None:
                twin_of = (
                    "the twin, with the values outside the documented ones of a refused body made documented"
                )
                return replace(problem, message=f"{problem.message} ({twin_of})")
        if excused not in target.notes:
            target.notes.append(excused)
        return None
    allowed = (update.success_status.value, *(f.value for f in update.also_status))
    problem = status_problem(reply, allowed, f"an update with the valid body {excerpt(body)}")
    if problem is not None:
        return _with_input(problem, body, seed)
    if reply.status == 200:
        repeated = duplicate_problem(reply, input=body, seed=seed)
        if repeated is not None:
            return repeated
        got, problem = json_object(reply)
        if got is None:
            assert problem is not None
            return finding(problem.message, problem.location, reply, input=body, seed=seed)
        echoed = next(sent_findings(ctx.op, update, body, got, reply, seed=seed), None)
        if echoed is not None:
            return echoed
    if not target.readable:
        target.state = {**target.state, **body}
        return None
    get = operation(ctx.spec, "get")
    assert get is not None
    after = ctx.client.request("GET", item_path(get, ctx.path, target.value))
    problem = status_problem(after, 200, "GET after a generated update") or duplicate_problem(
        after, input=body
    )
    if problem is not None:
        return problem
    got, problem = json_object(after)
    if got is None:
        return problem
    unchanged = () if replaces(update) else unchanged_findings(ctx.op, target.state, body, got, after)
    wrong = next(sent_findings(ctx.op, update, body, got, after, seed=seed), None) or next(
        iter(unchanged), None
    )
    target.state = got
    return None if wrong is None else _with_input(wrong, body, seed)


def _drawn(ctx: CheckContext, update: Operation) -> list[Body]:
    """Up to `POSITIVE` non-empty valid update bodies, each a function of the seed and its index alone."""
    from conformance.checks import fuzz

    strategy = fuzz._strategy(update, "positive", {})
    bodies = fuzz._bodies_of(strategy, ctx.options.seed, "update", POSITIVE + 2)
    return [b for b in bodies if isinstance(b, dict) and b][:POSITIVE]


def _valid(update: Operation, body: JSON) -> bool:
    return isinstance(body, dict) and bool(body) and not validation_errors(body, request_schema(update))


@check(
    "UPD-001",
    Level.MUST,
    "Generated valid update bodies (the update page's changeable properties, drawn from the seed) are "
    "answered as the update page says, and a later GET shows exactly the change.",
    title="Generated valid updates",
    doc=DocRef(kind="update", field="success_status"),
    needs=_needs,
    lane=LANE,
    kind="generated",
)
def generated_updates(ctx: CheckContext) -> Iterator[Finding]:
    _generation_on(ctx)
    update = updatable(ctx.spec)
    assert update is not None
    target = _create(ctx)
    sent = 0
    for body in _drawn(ctx, update):
        sent += 1
        problem = _positive_problem(ctx, update, target, body)
        if problem is None:
            continue

        def still_fails(candidate: JSON) -> bool:
            nonlocal problem
            if not _valid(update, candidate):
                return False  # a shrink keeps a valid, non-empty body; nothing is sent
            assert isinstance(candidate, dict)
            again = _positive_problem(ctx, update, target, candidate)
            if again is not None:
                problem = again
            return again is not None

        shrink(body, still_fails, SHRINK_BUDGET)
        assert problem is not None
        shrunk = excerpt(problem.evidence.input if problem.evidence else body)
        ctx.notes.extend(target.notes)
        yield replace(problem, message=f"{problem.message} (shrunk body: {shrunk})")
        return
    ctx.notes.extend(target.notes)
    ctx.notes.append(f"update: {sent} generated bodies, seed {ctx.options.seed}")


# -- negative bodies -----------------------------------------------------------------------------------


def wrong_values(schema: dict[str, JSON]) -> list[tuple[str, JSON]]:
    """(what it is, value) pairs of the wrong type or format for a property of `schema`."""
    schema = non_null(schema)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return [("a value outside its enumeration", "conformance-not-a-member"), ("a number", 7)]
    if kind == "string" and fmt == "date-time":
        return [("a badly formatted date-time", "2024-13-45T25:61:00Z"), ("free text", "yesterday")]
    if kind == "string" and fmt in ("uuid", "date"):
        return [(f"a malformed {fmt}", "not-a-guid" if fmt == "uuid" else "2024-02-30x"), ("a number", 12345)]
    wrong: dict[str, list[tuple[str, JSON]]] = {
        "string": [("a number", 12345), ("an object", {"nested": "value"})],
        "boolean": [("a string", "true"), ("a number", 1)],
        "integer": [("a string", "12"), ("a fraction", 1.5)],
        "number": [("a string", "1.5"), ("a boolean", True)],
        "array": [("an object", {"item": 1}), ("a string", "item")],
        "object": [("a string", "text"), ("an array", [1])],
    }
    return wrong.get(str(kind), [])


def negative_bodies(update: Operation, seed: int) -> list[tuple[str, Body]]:
    """Up to `NEGATIVE` bodies, each one listed property with a value its schema refuses, chosen by the
    seed (at most one per property while there are enough properties)."""
    schema = request_schema(update)
    cases: list[tuple[str, Body]] = []
    for prop in update.properties:
        for label, value in wrong_values(prop.schema):
            body: Body = {prop.name: value}
            if validation_errors(body, schema):
                cases.append((f"{prop.name} = {label}", body))
    rng = random.Random(f"{seed}:update-negative")
    rng.shuffle(cases)
    chosen: list[tuple[str, Body]] = []
    for label, body in cases:  # one case per property first, so the few bodies reach several properties
        if len(chosen) < NEGATIVE and not any(set(body) == set(b) for _l, b in chosen):
            chosen.append((label, body))
    chosen += [c for c in cases if c not in chosen][: NEGATIVE - len(chosen)]
    return chosen


@dataclass(slots=True)
class _Refusal:
    label: str
    body: Body
    reply: Reply
    after: Reply | None  # the GET that follows (None: no get page)
    problem: Finding | None  # why UPD-002 fails on it


def _refusal(ctx: CheckContext, update: Operation, target: _Target, label: str, body: Body) -> _Refusal:
    seed = ctx.options.seed
    body = update_sent(ctx.op, update, target.state, body)  # a PUT sends the whole object
    reply = _patch(ctx, update, target, body)
    what = f"an update with {label}"
    problem: Finding | None = None
    if not is_4xx(reply.status):
        problem = finding(
            f"{what} answered {reply.status} {reply.reason}; a value of the wrong type or format must be "
            "refused with a 4xx",
            "response.status",
            reply,
            expected="4xx",
            actual=f"{reply.status} {reply.reason}",
            input=body,
            seed=seed,
        )
    after = None
    if target.readable:
        get = operation(ctx.spec, "get")
        assert get is not None
        after = ctx.client.request("GET", item_path(get, ctx.path, target.value))
        got, _ = json_object(after)
        if after.status != 200 or got is None:
            problem = problem or status_problem(after, 200, f"GET after {what}")
        else:
            if problem is None:
                problem = _changed(target.state, body, got, after, what, seed, ctx.op)
            target.state = got
    return _Refusal(label, body, reply, after, problem)


def _changed(
    before: Body, body: Body, got: Body, after: Reply, what: str, seed: int, create: Operation
) -> Finding | None:
    """Why the object read back after a refused update is not the object it was, or None."""
    names = [n for n in body if n in got and (n in before or got[n] is not None)]
    name = next((n for n in names if got[n] != before.get(n)), None)
    if name is None:
        other = next(unchanged_findings(create, before, {}, got, after), None)
        return None if other is None else _with_input(other, body, seed)
    return finding(
        f"the object changed after {what} ({name} reads back as {excerpt(got.get(name))}); a refused "
        "update must leave it as it was",
        f"response.body/{name}",
        after,
        expected=excerpt(before.get(name)),
        actual=excerpt(got.get(name)),
        input=body,
        seed=seed,
    )


def _with_input(problem: Finding, body: JSON, seed: int) -> Finding:
    if problem.evidence is None:
        return problem
    return replace(problem, evidence=replace(problem.evidence, input=body, seed=seed))


def _refusals(ctx: CheckContext) -> list[_Refusal]:
    """The negative update bodies' outcomes, sent once and shared by UPD-002 and UPD-101."""

    def send() -> list[_Refusal]:
        update = updatable(ctx.spec)
        assert update is not None
        target = _create(ctx)
        cases = negative_bodies(update, ctx.options.seed)
        return [_refusal(ctx, update, target, label, body) for label, body in cases]

    found: list[_Refusal] = ctx.once("upd:negative", send)
    if not found:
        raise Skip("no listed property has a type or format a value can break")
    return found


@check(
    "UPD-002",
    Level.MUST,
    "An update body with a listed property of the wrong type or format is refused with a 4xx, and the "
    "object is unchanged afterwards.",
    title="Mistyped updates are refused",
    doc=DocRef(kind="update", first_property=True),
    needs=_needs,
    lane=LANE,
    kind="generated",
)
def mistyped_updates(ctx: CheckContext) -> Iterator[Finding]:
    _generation_on(ctx)
    update = updatable(ctx.spec)
    assert update is not None
    outcomes = _refusals(ctx)
    failed = next((o for o in outcomes if o.problem is not None), None)
    ctx.notes.append(f"update: {len(outcomes)} mistyped bodies, seed {ctx.options.seed}")
    if failed is None:
        return
    assert failed.problem is not None
    problem = failed.problem
    target = _create(ctx)  # a fresh object: the failure may have changed the first one

    def still_fails(candidate: JSON) -> bool:
        nonlocal problem
        if not isinstance(candidate, dict) or not candidate or _valid(update, candidate):
            return False
        again = _refusal(ctx, update, target, excerpt(candidate), candidate).problem
        if again is not None:
            problem = again
        return again is not None

    shrink(failed.body, still_fails, SHRINK_BUDGET // 4)
    shrunk = excerpt(problem.evidence.input if problem.evidence else failed.body)
    yield replace(problem, message=f"{problem.message} (shrunk body: {shrunk})")


@check(
    "UPD-101",
    Level.SHOULD,
    "The 4xx refusing an update body with a mistyped property carries a JSON error body with string "
    "error.code and error.message.",
    title="Refused updates say why",
    source="OData 4.01 JSON Format §21.1; Microsoft Graph REST guidelines (errors)",
    needs=_needs,
    lane=LANE,
    kind="generated",
)
def refused_update_error_body(ctx: CheckContext) -> Iterator[Finding]:
    _generation_on(ctx)
    refused = [o for o in _refusals(ctx) if is_4xx(o.reply.status)]
    if not refused:
        raise Skip("no mistyped update was refused with a 4xx; see UPD-002")
    bare = next((o for o in refused if not proper_error_body(o.reply)), None)
    if bare is not None:
        yield finding(
            f"the {bare.reply.status} refusing an update with {bare.label} has no JSON error body with "
            "string error.code and error.message",
            "response.body/error",
            bare.reply,
            expected='{"error": {"code": "...", "message": "..."}}',
            actual=excerpt(bare.reply.content.decode("utf-8", "replace"), 200),
            input=bare.body,
        )


__all__ = ["NEGATIVE", "POSITIVE", "REQUESTS", "negative_bodies", "updatable", "wrong_values"]

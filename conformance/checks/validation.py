"""Checks that invalid input is rejected: missing or mistyped properties, bad JSON, bad media types."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, DocRef, Skip, check, server_failures
from conformance.checks._support import (
    answered,
    excerpt,
    finding,
    is_4xx,
    minimal_body,
    non_null,
    rejection_problem,
    status_problem,
)
from conformance.contract.spec import JSON, Level, Operation
from conformance.errors import AnswerUnreadable
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

ODATA_CREATE = "OData 4.01 Part 1 §11.4.2 (create an entity)"


def _has_required(op: Operation) -> str | None:
    return None if any(not p.read_only for p in op.required) else "the page marks no property as required"


@check(
    "VALID-001",
    Level.MUST,
    "A body without a required property ({required}) is rejected with a 4xx.",
    title="Missing required property rejected",
    doc=DocRef(required_property=True),
    applies=_has_required,
)
def missing_required(ctx: CheckContext) -> Iterator[Finding]:
    for prop in ctx.op.required:
        if prop.read_only:
            continue
        body = minimal_body(ctx)
        body.pop(prop.name, None)
        reply = ctx.post(body)
        problem = rejection_problem(reply, f"a body without {prop.name} ({excerpt(body)})", input=body)
        if problem:
            yield problem


def wrong_type_value(schema: dict[str, JSON]) -> JSON:
    """A value of another JSON type than `schema` allows, or None when any type is allowed."""
    kind = non_null(schema).get("type")
    return (
        {
            "string": 12345,
            "integer": "not-a-number",
            "number": "not-a-number",
            "boolean": "not-a-boolean",
            "array": {"not": "an array"},
            "object": 12345,
        }.get(kind)
        if isinstance(kind, str)
        else None
    )


def _has_typed(op: Operation) -> str | None:
    if any(wrong_type_value(p.schema) is not None for p in op.properties if not p.read_only):
        return None
    return "the page gives no property a JSON type the harness can contradict"


@check(
    "VALID-002",
    Level.MUST,
    "A property with a value of the wrong JSON type (e.g. a number for a String) is rejected with a 4xx.",
    title="Mistyped property rejected",
    doc=DocRef(required_property=True, section="Request body"),
    applies=_has_typed,
)
def wrong_type(ctx: CheckContext) -> Iterator[Finding]:
    for prop in ctx.op.properties:
        bad = wrong_type_value(prop.schema)
        if prop.read_only or bad is None:
            continue
        body = minimal_body(ctx)
        body[prop.name] = bad
        reply = ctx.post(body)
        problem = rejection_problem(
            reply, f"{prop.name}={excerpt(bad)} (a {prop.doc_type} property)", input=body
        )
        if problem:
            yield problem


def _malformed(ctx: CheckContext) -> bytes:
    body = json.dumps(minimal_body(ctx), ensure_ascii=False)
    return (body[:-1] + ",,}").encode() if body.endswith("}") and len(body) > 2 else b'{"a": 1,,}'


@check(
    "VALID-003",
    Level.MUST,
    "A body that is not well-formed JSON is rejected with a 4xx.",
    title="Malformed JSON rejected",
    doc=DocRef(header="Content-Type", section="Request headers"),
)
def malformed_json(ctx: CheckContext) -> Iterator[Finding]:
    raw = _malformed(ctx)
    reply = ctx.post(raw=raw, headers={"Content-Type": "application/json"})
    problem = rejection_problem(reply, "malformed JSON", input=raw.decode())
    if problem:
        yield problem


NON_OBJECTS: tuple[JSON, ...] = ([], "a string", 42, None)


@check(
    "VALID-004",
    Level.MUST,
    "A JSON body that is not an object (array, string, number, null) is rejected with a 4xx.",
    title="Non-object body rejected",
    doc=DocRef(section="Request body"),
)
def non_object(ctx: CheckContext) -> Iterator[Finding]:
    values = ([minimal_body(ctx)], *NON_OBJECTS)
    sent = ctx.prefetch([partial(_post_json, raw=json.dumps(value)) for value in values])
    for value, take in zip(values, sent, strict=True):
        reply = take()
        problem = rejection_problem(reply, f"the body {excerpt(value)}", input=value)
        if problem:
            yield problem


@check(
    "VALID-005",
    Level.MUST,
    "A body sent with a Content-Type other than application/json is rejected with a 4xx.",
    title="Non-JSON media type rejected",
    doc=DocRef(header="Content-Type", section="Request headers"),
)
def wrong_media_type(ctx: CheckContext) -> Iterator[Finding]:
    for ctype in ("text/plain", "application/x-www-form-urlencoded"):
        payload = json.dumps(minimal_body(ctx))  # each its own: a key the client sends, sent once
        reply = ctx.post(raw=payload, headers={"Content-Type": ctype})
        problem = rejection_problem(reply, f"a JSON body labelled {ctype}", input=payload)
        if problem:
            yield problem


def _post_json(ctx: CheckContext, *, raw: bytes | str) -> Reply:
    return ctx.post(raw=raw, headers={"Content-Type": "application/json"})


def robustness_inputs(ctx: CheckContext) -> list[tuple[str, bytes]]:
    """Bodies a server must survive without a 5xx: structure, size and encoding extremes."""
    base, other = minimal_body(ctx), minimal_body(ctx)  # one each: a key the client sends, sent once
    name = next((p.name for p in ctx.op.required if not p.read_only), "value")
    deep = "[" * 5000 + "]" * 5000
    return [
        ("an empty body", b""),
        ("invalid UTF-8", b'{"' + name.encode() + b'": "\xff\xfe"}'),
        ("JSON nested 5,000 deep", ('{"' + name + '": ' + deep + "}").encode()),
        ("a 300 KB string", json.dumps({**base, name: "x" * 300_000}).encode()),
        ("a NUL character", json.dumps({**other, name: "a\u0000b"}).encode()),
        ("a lone surrogate escape", ('{"' + name + '": "\\ud800"}').encode()),
        ("duplicate keys", ('{"' + name + '": "a", "' + name + '": "b"}').encode()),
        ("a huge number", ('{"' + name + '": 1e999999}').encode()),
    ]


@check(
    "VALID-006",
    Level.MUST,
    "No request, however malformed or extreme, makes the service answer with a 5xx or drop the "
    "connection; this covers every request any check sends.",
    title="No 5xx on any input",
    doc=DocRef(section="Request body"),
)
def no_server_error(ctx: CheckContext) -> Iterator[Finding]:
    broken_in_a_row = 0
    inputs = robustness_inputs(ctx)
    sent = ctx.prefetch([partial(_post_json, raw=raw) for _, raw in inputs])
    for (what, raw), send in zip(inputs, sent, strict=True):
        if broken_in_a_row >= 2:  # a target that stopped answering would cost a timeout per input
            ctx.notes.append("the remaining robustness inputs were not sent: two answers in a row broke")
            break
        shown = raw[:200].decode("utf-8", "replace")
        try:
            reply, broken = answered(ctx, send, what, input=shown)
        except AnswerUnreadable as exc:  # it answered (no 5xx, no drop seen), in a form no client reads
            ctx.notes.append(f"{what}: not judged, {exc}")
            broken_in_a_row = 0
            continue
        if broken is not None:
            broken_in_a_row += 1
            yield broken
            continue  # a target that only dropped this one still gets the other inputs
        broken_in_a_row = 0
        assert reply is not None
        if reply.status >= 500:
            yield finding(
                f"{what} crashed the server: {reply.status} {reply.reason}",
                "response.status",
                reply,
                expected="not 5xx",
                actual=f"{reply.status} {reply.reason}",
                input=shown,
            )
    yield from server_failures.reported_so_far(
        ctx
    )  # what the checks before this one saw; the runner adds the rest


@check(
    "VALID-101",
    Level.SHOULD,
    "Malformed JSON gets 400 Bad Request; a well-formed body that is not an object "
    "gets 400 (or 422, a validation error).",
    title="Syntax errors get 400",
    source="RFC 9110 §15.5.1; Microsoft Graph error responses",
)
def bad_request_status(ctx: CheckContext) -> Iterator[Finding]:
    for what, raw, allowed in (
        ("malformed JSON", _malformed(ctx), (400,)),
        ("a JSON array body", b"[]", (400, 422)),
    ):
        reply = ctx.post(raw=raw, headers={"Content-Type": "application/json"})
        problem = status_problem(reply, allowed, what)
        if problem:
            yield problem


@check(
    "VALID-102",
    Level.SHOULD,
    "A body with an unsupported media type gets 415 Unsupported Media Type.",
    title="Wrong media type gets 415",
    source="RFC 9110 §15.5.16; Microsoft Graph REST guidelines",
)
def unsupported_media_type(ctx: CheckContext) -> Iterator[Finding]:
    reply = ctx.post(raw=json.dumps(minimal_body(ctx)), headers={"Content-Type": "text/plain"})
    problem = status_problem(reply, 415, "a JSON body labelled text/plain")
    if problem:
        yield problem


@check(
    "VALID-103",
    Level.SHOULD,
    "A property the resource does not declare is rejected with a 4xx.",
    title="Unknown property rejected",
    source=ODATA_CREATE,
)
def unknown_property(ctx: CheckContext) -> Iterator[Finding]:
    if ctx.op.additional_properties:
        raise Skip("the page does not list the resource's properties, so none can be called unknown")
    body = minimal_body(ctx)
    body["conformanceUndeclaredProperty"] = "x"
    reply = ctx.post(body)
    if not is_4xx(reply.status):
        yield finding(
            f"an undeclared property was not rejected: {reply.status} {reply.reason}",
            "response.status",
            reply,
            expected="4xx",
            actual=str(reply.status),
            input=body,
        )

"""Helpers the check modules share: sample bodies from the spec, and judgements of replies."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from conformance.checks import _keys
from conformance.checks.judgement import omitted_null_is_legal, same_datetime
from conformance.contract.spec import JSON, Operation, Property, Spec
from conformance.errors import UNDECIDED_ERRORS, TargetError, TargetUnreachable
from conformance.results import Evidence, Finding
from conformance.target.redaction import quote

if TYPE_CHECKING:
    from conformance.checks import CheckContext
    from conformance.target.client import Reply


SAMPLE_DATETIME = "2024-05-17T09:30:00Z"
SAMPLE_GUID = "5a1f2b3c-4d5e-4f60-8a9b-0c1d2e3f4a5b"


def finding(
    message: str,
    location: str,
    reply: Reply | None = None,
    *,
    expected: str = "",
    actual: str = "",
    input: JSON = None,
    seed: int | None = None,
) -> Finding:
    """A Finding with the reply's recorded exchange as evidence."""
    return Finding(
        message=message,
        location=location,
        evidence=Evidence(
            expected=expected,
            actual=actual,
            exchange=reply.exchange if reply is not None else None,
            input=input,
            seed=seed,
        ),
    )


def non_null(schema: dict[str, JSON]) -> dict[str, JSON]:
    """The non-null branch of a nullable schema (or the schema itself)."""
    for branch in schema.get("anyOf", ()):
        if branch.get("type") != "null":
            return dict(branch)
    return schema


def sample(schema: dict[str, JSON], ctx: CheckContext, name: str) -> JSON:
    """A value valid for `schema`, unique for strings without a format."""
    schema = non_null(schema)
    if schema.get("enum"):
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "string" or kind is None:
        if fmt == "date-time":
            return SAMPLE_DATETIME
        if fmt == "date":
            return SAMPLE_DATETIME[:10]
        if fmt == "uuid":
            return SAMPLE_GUID
        return ctx.unique(name)
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items") or {}
        return [sample(items, ctx, name)] if schema.get("minItems") else []
    if kind == "object":
        props = schema.get("properties", {})
        return {k: sample(props.get(k, {}), ctx, k) for k in schema.get("required", ())}
    return ctx.unique(name)


def writable(op: Operation) -> list[Property]:
    return [p for p in op.properties if not p.read_only]


def minimal_body(ctx: CheckContext) -> dict[str, JSON]:
    """Only the required properties, each with its known-good value (--value) or a valid sample (a key
    the client sends: a value no other create of the run sends, see `_keys`)."""
    known = ctx.options.known
    body = {p.name: value_for(ctx, p.name) for p in ctx.op.required if not p.read_only}
    for group in ctx.op.alternatives:  # one member of each "either A or B" group, a known-good one first
        if not any(name in body for name in group.names):
            name = next((n for n in group.names if n in known), group.names[0])
            body[name] = value_for(ctx, name)
    return body


def listed_values(spec: Spec, name: str) -> tuple[str, ...]:
    """The values a description of property `name` lists ("Possible values are ..."), on whichever of the
    resource's pages lists them (the create page first); () when none does."""
    for op in (spec.operation, *spec.others):
        prop = op.property(name)
        if prop is not None and prop.values:
            return prop.values
    return ()


def value_for(ctx: CheckContext, name: str) -> JSON:
    """The known-good value of a property, else a valid sample of its schema (a fresh one for the key)."""
    known = ctx.options.known
    prop = ctx.op.property(name)
    if name in known:
        return known[name]
    if prop is not None and name == _keys.client_key(ctx):
        return _keys.fresh(ctx, non_null(prop.schema))
    listed = listed_values(ctx.spec, name) if prop is not None else ()
    if listed:  # a value its description lists: one a server may not refuse
        return listed[0]
    return sample(prop.schema if prop else {}, ctx, name)


def full_body(ctx: CheckContext) -> dict[str, JSON]:
    """Every writable property the page lists, each with its known-good value or a valid non-null value."""
    known = ctx.options.known
    body = {p.name: value_for(ctx, p.name) for p in writable(ctx.op)}
    for group in ctx.op.alternatives:  # "A or B, but not both": only one member of an exclusive group
        if group.exclusive:
            keep = next((n for n in group.names if n in known), group.names[0])
            for name in group.names:
                if name != keep:
                    body.pop(name, None)
    return body


def media_type(reply: Reply) -> str:
    value = reply.header("content-type") or ""
    return value.split(";", 1)[0].strip().lower()


def status_problem(reply: Reply, expected: int | tuple[int, ...], what: str) -> Finding | None:
    """None if the reply's status is `expected` (or one of them); else a Finding naming both."""
    allowed = (expected,) if isinstance(expected, int) else expected
    if reply.status in allowed:
        return None
    wanted = " or ".join(map(str, allowed))
    return finding(
        f"{what} answered {reply.status} {reply.reason}, expected {wanted}",
        "response.status",
        reply,
        expected=wanted,
        actual=f"{reply.status} {reply.reason}",
    )


def json_object(reply: Reply) -> tuple[dict[str, JSON] | None, Finding | None]:
    """The reply body as a JSON object, or a Finding saying why it is not one."""
    try:
        body = reply.json()
    except ValueError as exc:
        why = str(exc)  # parse_json's reasons already say what the body is not
        return None, finding(
            why if why.startswith("response body") else f"response body is not JSON: {why}",
            "response.body",
            reply,
            expected="a JSON object",
            actual=_excerpt(reply),
        )
    if not isinstance(body, dict):
        return None, finding(
            f"response body is a JSON {type(body).__name__}, not an object",
            "response.body",
            reply,
            expected="a JSON object",
            actual=_excerpt(reply),
        )
    return body, None


def duplicate_problem(reply: Reply, *, input: JSON = None, seed: int | None = None) -> Finding | None:
    """A Finding naming the first repeated member name of the reply's JSON body, or None.

    RFC 8259 §4: names within an object SHOULD be unique; I-JSON (RFC 7493 §2.3) MUST. A reader that keeps
    the last value (as the checks do) and one that keeps the first see different objects.
    """
    repeated = reply.duplicate_names()
    if not repeated:
        return None
    pointer = repeated[0]
    name = pointer.rsplit("/", 1)[1].replace("~1", "/").replace("~0", "~")
    more = f" ({len(repeated) - 1} more repeated names)" if len(repeated) > 1 else ""
    values = _repeated_values(reply.content, pointer)
    shown = ", then ".join(excerpt(v, 60) for v in values[:3])
    said = (
        f" (first {shown}: a reader keeping the first value and one keeping the last see different objects)"
    )
    return finding(
        f"the response body has a duplicate name {excerpt(name)} at {excerpt(pointer)[1:-1]}{more}"
        f"{said}; names in a JSON object must be unique (RFC 8259 §4, RFC 7493 §2.3)",
        f"response.body{pointer}",
        reply,
        expected="unique names in every object",
        actual=f"{excerpt(name)} repeated at {excerpt(pointer)[1:-1]}" + (f": {shown}" if values else ""),
        input=input,
        seed=seed,
    )


class _Pairs(dict[str, JSON]):
    """A JSON object as parsed (last value wins) that keeps every (name, value) pair in body order."""

    pairs: list[tuple[str, JSON]]


def _keep_pairs(pairs: list[tuple[str, JSON]]) -> _Pairs:
    obj = _Pairs(pairs)
    obj.pairs = pairs
    return obj


def _repeated_values(content: bytes, pointer: str) -> list[JSON]:
    """Every value the member at JSON `pointer` has in its object, in body order ([] when unreadable)."""
    try:
        node: JSON = json.loads(content.decode("utf-8"), object_pairs_hook=_keep_pairs)
    except ValueError:
        return []
    *steps, last = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
    for step in steps:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return []
    if not isinstance(node, _Pairs):
        return []
    return [value for name, value in node.pairs if name == last]


def answered(
    ctx: CheckContext, send: Callable[[], Reply], what: str, *, input: JSON = None, seed: int | None = None
) -> tuple[Reply | None, Finding | None]:
    """`send()`'s reply; or, when the target closed, reset or stopped answering after the request went
    out, a Finding with that request as evidence (RFC 9110 §15.6: the server failed). A target that
    accepts no connection at all (`TargetUnreachable`) and errors before sending propagate."""
    try:
        return send(), None
    except TargetUnreachable:
        raise
    except TargetError as exc:
        return None, broken_answer(ctx, what, exc, input=input, seed=seed)


def broken_answer(
    ctx: CheckContext, what: str, exc: TargetError, *, input: JSON = None, seed: int | None = None
) -> Finding:
    """The Finding for a request whose answer broke; re-raises `exc` if no request went out for it."""
    exchange = ctx.client.last_exchange
    if isinstance(exc, UNDECIDED_ERRORS) or exchange is None or exchange.error != str(exc):
        raise exc  # nothing went out for it, or the error says nothing about the target's answer
    return Finding(
        message=f"{what}: the target gave no complete answer (closed, reset or stopped answering): {exc}",
        location="response",
        evidence=Evidence(
            expected="a complete HTTP answer",
            actual=exchange.error or "",
            exchange=exchange,
            input=input,
            seed=seed,
        ),
    )


def is_4xx(status: int) -> bool:
    return 400 <= status <= 499


def rejection_problem(
    reply: Reply, what: str, *, input: JSON = None, seed: int | None = None
) -> Finding | None:
    """None if `reply` is a 4xx rejection; else a Finding (a 2xx accepted it, a 5xx crashed)."""
    if is_4xx(reply.status):
        return None
    if reply.status >= 500:
        verb = "crashed the server"
    elif 200 <= reply.status <= 299:
        verb = "was accepted"
    else:
        verb = "was not rejected"
    return finding(
        f"{what} {verb}: {reply.status} {reply.reason}, expected a 4xx rejection",
        "response.status",
        reply,
        expected="4xx",
        actual=f"{reply.status} {reply.reason}",
        input=input,
        seed=seed,
    )


def same_value(sent: JSON, got: JSON, schema: dict[str, JSON]) -> bool:
    """Strict JSON equality (1 != true, 1 == 1.0); date-times by `judgement.same_datetime` (the instant
    sent, possibly truncated or rounded to fewer fraction digits)."""
    fmt = non_null(schema).get("format")
    if fmt == "date-time" and isinstance(sent, str) and isinstance(got, str):
        return same_datetime(sent, got)
    return _canon(sent) == _canon(got)


def echo_findings(
    op: Operation, sent: dict[str, JSON], got: dict[str, JSON], reply: Reply, *, seed: int | None = None
) -> Iterator[Finding]:
    """One Finding per declared, writable property that was sent and did not come back as sent."""
    for name, value in sent.items():
        prop = op.property(name)
        if prop is None or prop.read_only:
            continue
        if name not in got:
            if omitted_null_is_legal(prop, value):
                continue
            message, actual = f"{name} was sent but is missing from the response", "(absent)"
        elif not same_value(value, got[name], prop.schema):
            message, actual = (
                f"{name} came back as {excerpt(got[name])}, sent {excerpt(value)}",
                excerpt(got[name]),
            )
        else:
            continue
        yield finding(
            message,
            f"response.body/{name}",
            reply,
            expected=excerpt(value),
            actual=actual,
            input=sent,
            seed=seed,
        )


def _canon(value: JSON) -> str:
    def norm(v: JSON) -> JSON:
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, int | float):
            return float(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v

    return json.dumps(norm(value), sort_keys=True, ensure_ascii=False)


def _excerpt(reply: Reply, limit: int = 200) -> str:
    """The start of a reply's body, masked before it is cut (the target may echo a secret in it)."""
    return quote(reply.content.decode("utf-8", "replace"), limit)


def excerpt(value: JSON, limit: int = 120) -> str:
    """`value` as JSON for a message: readable non-ASCII, but invisible characters escaped so they show;
    secrets in it are masked before it is cut to `limit` characters."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "backslashreplace")
    text = "".join(
        c if c.isprintable() else json.dumps(c)[1:-1] for c in json.dumps(value, ensure_ascii=False)
    )
    return quote(text, limit)

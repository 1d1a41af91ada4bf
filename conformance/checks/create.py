"""Checks of a successful create: status, media type, id, @odata.type, echo and schema (page MUSTs)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, DocRef, Skip, _keys, check
from conformance.checks._support import (
    duplicate_problem,
    echo_findings,
    excerpt,
    finding,
    full_body,
    json_object,
    media_type,
    minimal_body,
    sample,
    status_problem,
)
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import (
    GUID_RE,
    JSON,
    How,
    Level,
    Operation,
    documented_odata_types,
    response_schema,
)
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply


def created(ctx: CheckContext, key: str) -> tuple[dict[str, JSON], Reply]:
    """The body sent and the reply of a create shared by several checks (sent once per run)."""
    make = {"minimal": minimal_body, "full": full_body}[key]

    def send() -> tuple[dict[str, JSON], Reply]:
        body = make(ctx)
        return body, ctx.post(body)

    memo_key = "create:" + key
    if memo_key in ctx.memo:
        ctx.notes.append(f"examines the {key} create already sent in this run (its exchange is the evidence)")
    result: tuple[dict[str, JSON], Reply] = ctx.once(memo_key, send)
    return result


def succeeded(ctx: CheckContext, key: str) -> tuple[dict[str, JSON], Reply]:
    """Like `created`, for checks that examine a success: Skip unless the create got a 2xx.

    The one place that says "there is a 2xx to examine"; CREATE-001 judges the status itself.
    """
    sent, reply = created(ctx, key)
    conflict = _keys.conflict(ctx, sent, reply)
    if conflict is not None:  # a legal 409 (a pinned or repeated key): no object, and what to do
        raise Skip(f"no created object to examine: {conflict}")
    if not 200 <= reply.status <= 299:
        raise Skip(f"no 2xx response to examine (got {reply.status}); see CREATE-001")
    return sent, reply


def success_body(ctx: CheckContext, key: str) -> tuple[dict[str, JSON], Reply, dict[str, JSON]]:
    """Like `succeeded`, plus the response object; Skip when it is not a JSON object."""
    sent, reply = succeeded(ctx, key)
    body, _problem = json_object(reply)
    if body is None:
        raise Skip("the response body is not a JSON object; see CREATE-003")
    return sent, reply, body


@check(
    "CREATE-001",
    Level.MUST,
    "A valid create with only the required properties ({required}) answers {status}.",
    title="Minimal create succeeds",
    doc=DocRef(field="success_status"),
    lane="create",
)
def minimal_create(ctx: CheckContext) -> Iterator[Finding]:
    sent, reply = created(ctx, "minimal")
    conflict = _keys.conflict(ctx, sent, reply)
    if conflict is not None:
        raise Skip(f"the create cannot be judged: {conflict}")
    problem = status_problem(reply, ctx.op.success_status.value, f"a create with {excerpt(sent)}")
    if problem:
        yield problem


def repaired_example(ctx: CheckContext) -> tuple[dict[str, JSON], list[str]]:
    """The page's first example request body, with values that break the derived schema replaced."""
    op = ctx.op
    for example in op.examples:
        if isinstance(example.request_body, dict):
            body = dict(example.request_body)
            notes = []
            for name, value in example.request_body.items():
                prop = op.property(name)
                if prop is not None and prop.read_only and name != "id":
                    del body[name]
                    notes.append(
                        f"the example sends {name}, which the page marks read-only ({prop.where.cite()}); "
                        "left out, since a service may refuse non-insertable properties"
                    )
                    continue
                if prop is None or prop.read_only:
                    continue
                schema = prop.schema if not prop.nullable else {"anyOf": [prop.schema, {"type": "null"}]}
                if name in ctx.options.known:
                    body[name] = ctx.options.known[name]
                    notes.append(f"the example's {name} replaced by its known-good value (--value)")
                elif validation_errors(value, schema):
                    body[name] = sample(prop.schema, ctx, name)
                    notes.append(
                        f"the example's {name}={excerpt(value, 40)} is not a valid {prop.doc_type}; "
                        f"sent {excerpt(body[name], 40)} instead (see the Contract section)"
                    )
            return body, notes
    raise Skip("the page has no example request with a JSON object body")


def _has_example(op: Operation) -> str | None:
    if any(isinstance(e.request_body, dict) for e in op.examples):
        return None
    return "the page has no example request with a JSON object body"


@check(
    "CREATE-002",
    Level.MUST,
    "The page's own example request is accepted with {status}.",
    title="Example request succeeds",
    doc=DocRef(field="examples", section="Examples"),
    applies=_has_example,
)
def example_create(ctx: CheckContext) -> Iterator[Finding]:
    body, notes = repaired_example(ctx)
    ctx.notes.extend(notes)
    reply = ctx.post(body)
    conflict = _keys.conflict(ctx, body, reply)
    if conflict is not None:
        raise Skip(f"the example request cannot be judged: {conflict}")
    problem = status_problem(reply, ctx.op.success_status.value, "the page's example request")
    if problem:
        yield problem


@check(
    "CREATE-003",
    Level.MUST,
    "The success response is a JSON object, its names unique in every object, with an application/json "
    "media type.",
    title="Response is a JSON object",
    doc=DocRef(field="success_status", section="Response"),
    lane="create",
)
def json_response(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply = succeeded(ctx, "minimal")
    mt = media_type(reply)
    if mt != "application/json":
        given = reply.header("content-type")
        shown = "missing" if given is None else f"{excerpt(given)}"
        empty = " (and the body is empty)" if not reply.content else ""
        yield finding(
            f"Content-Type is {shown}{empty}, expected application/json (parameters allowed)",
            "response.headers.content-type",
            reply,
            expected="application/json",
            actual="(absent)" if given is None else given,
        )
    _body, problem = json_object(reply)
    if problem:
        yield problem
    # RFC 8259 §4, RFC 7493 §2.3: readers differ on which of a repeated name's values counts
    for sent, examined in ((_sent, reply), created(ctx, "full")):
        repeated = duplicate_problem(examined, input=sent) if 200 <= examined.status <= 299 else None
        if repeated is not None:
            yield repeated


@check(
    "CREATE-004",
    Level.MUST,
    "The created object has an id that is {id_shape}.",
    title="id present and well formed",
    doc=DocRef(field="id_format"),
    lane="create",
)
def id_shape(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply, body = success_body(ctx, "minimal")
    value = body.get("id")
    if not isinstance(value, str) or not value:
        shown = excerpt(value) if "id" in body else "missing"  # absent is not the same as null
        yield finding(
            f"the response has no string id (id is {shown})",
            "response.body/id",
            reply,
            expected="a non-empty string id",
            actual=shown,
        )
    elif ctx.op.id_format.value == "guid" and not GUID_RE.match(value):
        yield finding(
            f"id {value!r} is not GUID shaped",
            "response.body/id",
            reply,
            expected="8-4-4-4-12 hex digits, any case",
            actual=value,
        )


def _odata_documented(op: Operation) -> str | None:
    if op.odata_type is None:
        return "the page documents no @odata.type for the response"
    if op.odata_type.how is not How.EXAMPLE:
        return "the page's example response body carries no @odata.type (only its annotation names the type)"
    return None


@check(
    "CREATE-005",
    Level.MUST,
    "The response's @odata.type is {odata_type}.",
    title="@odata.type as documented",
    doc=DocRef(field="odata_type"),
    applies=_odata_documented,
    lane="create",
)
def odata_type(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply, body = success_body(ctx, "minimal")
    assert ctx.op.odata_type is not None
    documented = ctx.op.odata_type.value
    got = body.get("@odata.type")
    if got in documented_odata_types(ctx.op):  # the documented type, or another example's (polymorphic pages)
        return
    if got in ctx.options.accept_odata_types:
        ctx.notes.append(f"accepted @odata.type alias {got!r} (--accept-odata-type) for {documented!r}")
        return
    shown = excerpt(got) if "@odata.type" in body else "missing"  # absent is not the same as null
    yield finding(
        f"@odata.type is {shown}, expected {documented!r}",
        "response.body/@odata.type",
        reply,
        expected=documented,
        actual=shown,
    )


@check(
    "CREATE-006",
    Level.MUST,
    "Every property sent comes back with the value sent (date-times as the same instant).",
    title="Sent properties echoed",
    doc=DocRef(section="Request body"),
    lane="create",
)
def echo(ctx: CheckContext) -> Iterator[Finding]:
    for key in ("minimal", "full"):
        sent, reply, body = success_body(ctx, key)
        yield from echo_findings(ctx.op, sent, body, reply)


@check(
    "CREATE-007",
    Level.MUST,
    "The response body validates against the derived response schema, formats included.",
    title="Response matches schema",
    doc=DocRef(section="Response"),
    lane="create",
)
def response_matches_schema(ctx: CheckContext) -> Iterator[Finding]:
    schema = response_schema(ctx.op, ctx.options.accept_odata_types)
    for key in ("minimal", "full"):
        sent, reply, body = success_body(ctx, key)
        for pointer, message in validation_errors(body, schema):
            yield finding(
                f"response{pointer or ' body'}: {message}",
                f"response.body{pointer}",
                reply,
                expected="valid per the derived schema",
                actual=message,
                input=sent,
            )


def _id_not_writable(op: Operation) -> str | None:
    prop = op.property("id")
    if prop is not None and not prop.read_only:
        return "the page lets the client choose the id"
    return None


@check(
    "CREATE-008",
    Level.MUST,
    "An id supplied by the client is never adopted as the new object's id.",
    title="Client id not adopted",
    doc=DocRef(field="id_format"),
    applies=_id_not_writable,
)
def client_id_ignored(ctx: CheckContext) -> Iterator[Finding]:
    body = minimal_body(ctx)
    chosen = "0badc0de-0000-4000-8000-00000000c11e" if ctx.op.id_format.value == "guid" else ctx.unique("id")
    body["id"] = chosen
    reply = ctx.post(body)
    if not 200 <= reply.status <= 299:
        return  # rejecting a read-only property is fine
    got, _problem = json_object(reply)
    if got is not None and got.get("id") == chosen:
        yield finding(
            "the server adopted the id the client sent",
            "response.body/id",
            reply,
            expected="a server-assigned id",
            actual=chosen,
            input=body,
        )


@check(
    "CREATE-009",
    Level.MUST,
    "Each create gets an id no other create got.",
    title="ids are unique",
    doc=DocRef(field="id_format"),
    lane="create",
)
def unique_ids(ctx: CheckContext) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    replies = []
    for key in ("minimal", "full"):
        _sent, reply, body = success_body(ctx, key)
        replies.append((key, reply, body))
    extra = minimal_body(ctx)
    reply = ctx.post(extra)
    if 200 <= reply.status <= 299:
        body3, _ = json_object(reply)
        if body3 is not None:
            replies.append(("second minimal", reply, body3))
    for key, reply, body in replies:
        value = body.get("id")
        if not isinstance(value, str):
            continue
        if value in seen:
            yield finding(
                f"the {key} create got id {value!r}, already given to the {seen[value]} create",
                "response.body/id",
                reply,
                expected="a new id",
                actual=value,
            )
        seen[value] = key

"""Lifecycle checks: one object created, read, listed, updated, read, deleted and read again, in that order.

Every step is sent once per run and shared by the checks of the `lifecycle` lane (`ctx.once`), which run
one after another in catalogue order and only once every other check has finished (`last=True`): a list
then holds the same objects at any `--concurrency`. Each check cites the page of the operation it judges
(`DocRef(kind=...)`) and is skipped, with the reason, when the resource's pages document no such
operation; a run over a create page alone therefore only adds skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, DocRef, Skip, check
from conformance.checks._replace import replaces, sent_findings, update_sent
from conformance.checks._resource import (
    item_path,
    key_value,
    needing,
    operation,
    unchanged_findings,
    update_body,
    walk_list,
)
from conformance.checks._support import (
    duplicate_problem,
    echo_findings,
    excerpt,
    finding,
    full_body,
    json_object,
    minimal_body,
    same_value,
    status_problem,
)
from conformance.checks.judgement import proper_error_body, same_key
from conformance.contract.spec import JSON, Level, Operation, Spec
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

LANE = "lifecycle"
Body = dict[str, JSON]


def _op(ctx: CheckContext, kind: str) -> Operation:
    found = operation(ctx.spec, kind)
    if found is None:  # `needs` skipped the check already; a check run by hand gets the same reason
        raise Skip(f"the pages document no {kind} operation")
    return found


def _created(ctx: CheckContext) -> tuple[Body, Reply, Body, str]:
    """(body sent, reply, object created, its key value) of the lifecycle's own create, sent once."""

    def send() -> tuple[Body, Reply]:
        body = full_body(ctx)
        return body, ctx.post(body)

    sent, reply = ctx.once("life:create", send)
    if not 200 <= reply.status <= 299:
        raise Skip(f"the lifecycle's create answered {reply.status}, so there is no object to follow")
    body, _problem = json_object(reply)
    if body is None:
        raise Skip("the lifecycle's create answered no JSON object; see CREATE-003")
    name, value = key_value(ctx.spec, body)
    if value is None:
        raise Skip(f"the created object has no string {name} to name it by; see CREATE-004")
    return sent, reply, body, value


def _get(ctx: CheckContext, memo: str, value: str) -> Reply:
    path = item_path(_op(ctx, "get"), ctx.path, value)
    reply: Reply = ctx.once(memo, lambda: ctx.client.request("GET", path))
    return reply


def _read(ctx: CheckContext) -> tuple[Reply, Body]:
    """The GET of the created object (sent once), as a JSON object; Skip when it is not one."""
    _sent, _reply, _body, value = _created(ctx)
    reply = _get(ctx, "life:get", value)
    body, _problem = json_object(reply)
    if reply.status != 200 or body is None:
        raise Skip(f"the created object could not be read (GET answered {reply.status}); see LIFE-001")
    return reply, body


def _updated(ctx: CheckContext) -> tuple[Body, Reply, Body]:
    """(update body sent, reply, the object before it) of the lifecycle's PATCH, sent once."""
    update = _op(ctx, "update")
    _sent, _reply, created, value = _created(ctx)
    before = _read(ctx)[1] if operation(ctx.spec, "get") is not None else created

    def send() -> tuple[Body, Reply]:
        body = update_sent(ctx.op, update, before, update_body(ctx, update, ctx.op, before))
        return body, ctx.client.request(
            update.method.value.upper(), item_path(update, ctx.path, value), json=body
        )

    sent, reply = ctx.once("life:update", send)
    return sent, reply, before


def _deleted(ctx: CheckContext) -> Reply:
    delete = _op(ctx, "delete")
    _sent, _reply, _body, value = _created(ctx)
    path = item_path(delete, ctx.path, value)
    reply: Reply = ctx.once("life:delete", lambda: ctx.client.request("DELETE", path))
    return reply


def _missing_value(ctx: CheckContext) -> str:
    """A key no object ever had: GUID shaped where the create documents GUID ids."""
    if ctx.op.id_format.value == "guid":
        return f"00000000-0000-4000-8000-{ctx.options.seed % (1 << 48):012x}"
    return f"conformance-never-created-{ctx.options.seed:x}"


def _unknown(ctx: CheckContext) -> Reply:
    return _get(ctx, "life:unknown", _missing_value(ctx))


def _server_owned(op: Operation, name: str) -> bool:
    prop = op.property(name)
    return name == "id" or (prop is not None and prop.read_only)


def _same_as_created(op: Operation, created: Body, got: Body, reply: Reply) -> Iterator[Finding]:
    """Server-owned properties the create returned (the id, read-only ones the page declares) read back
    equal (date-times as the same instant, GUIDs in any case)."""
    for name, value in created.items():
        if name.startswith("@") or not _server_owned(op, name) or value is None:
            continue
        prop = op.property(name)
        schema = prop.schema if prop is not None else {}
        if name not in got:
            yield finding(
                f"{name} was {excerpt(value)} in the create's answer but is missing when read back",
                f"response.body/{name}",
                reply,
                expected=excerpt(value),
                actual="(absent)",
            )
        elif not (same_key(value, got[name]) or same_value(value, got[name], schema)):
            yield finding(
                f"{name} was {excerpt(value)} in the create's answer but reads back as {excerpt(got[name])}",
                f"response.body/{name}",
                reply,
                expected=excerpt(value),
                actual=excerpt(got[name]),
            )


@check(
    "LIFE-001",
    Level.MUST,
    "GET of a created object answers 200 with what the create returned: every property sent, as sent, and "
    "the server's id and other server-owned values unchanged.",
    title="Created object reads back",
    doc=DocRef(kind="get", field="success_status"),
    needs=needing("get"),
    lane=LANE,
    last=True,
)
def reads_back(ctx: CheckContext) -> Iterator[Finding]:
    sent, _reply, created, value = _created(ctx)
    reply = _get(ctx, "life:get", value)
    problem = status_problem(reply, 200, "GET of the object just created") or duplicate_problem(reply)
    if problem:
        yield problem
        return
    got, problem = json_object(reply)
    if got is None:
        yield problem  # type: ignore[misc]  # json_object gives a problem whenever no object
        return
    yield from echo_findings(ctx.op, sent, got, reply)
    yield from _same_as_created(ctx.op, created, got, reply)


@check(
    "LIFE-002",
    Level.MUST,
    "The list holds a created object, found by following @odata.nextLink pages on the target's origin (at "
    "most 50; a link or a page of members read before is a loop), once on a page; every page answers 200 "
    "with its members in 'value'.",
    title="Created object is listed",
    doc=DocRef(kind="list", field="success_status"),
    needs=needing("list"),
    lane=LANE,
    last=True,
)
def listed(ctx: CheckContext) -> Iterator[Finding]:
    listing = _op(ctx, "list")
    _sent, _reply, created, value = _created(ctx)
    name, _value = key_value(ctx.spec, created)
    walk = ctx.once("life:list", lambda: walk_list(ctx, listing, ctx.path, name, value))
    if walk.problem is not None:
        yield walk.problem
    elif walk.found is None and walk.capped:
        raise Skip(walk.undecided(f"the object created with {name} {excerpt(value)}"))
    elif walk.found is None:
        pages = "its only page" if walk.pages == 1 else f"all {walk.pages} of its pages"
        yield finding(
            f"the object created with {name} {excerpt(value)} is not in the list ({pages} read)",
            "response.body/value",
            walk.last,
            expected=f"a member with {name} {excerpt(value)}",
            actual="(not listed)",
        )


@check(
    "LIFE-003",
    Level.MUST,
    "An update answers as the update page says (204 No Content, or 200 with the updated object showing "
    "what was sent).",
    title="Update answers as documented",
    doc=DocRef(kind="update", field="success_status"),
    needs=needing("update"),
    lane=LANE,
    last=True,
)
def update_answer(ctx: CheckContext) -> Iterator[Finding]:
    update = _op(ctx, "update")
    sent, reply, before = _updated(ctx)
    allowed = (update.success_status.value, *(f.value for f in update.also_status))
    problem = status_problem(reply, allowed, f"an update with {excerpt(sent)}")
    if problem:
        yield problem
        return
    if reply.status != 200:
        return
    problem = duplicate_problem(reply, input=sent)
    if problem:
        yield problem
        return
    got, problem = json_object(reply)
    if got is None:
        yield problem  # type: ignore[misc]
        return
    yield from sent_findings(ctx.op, update, sent, got, reply)
    yield from _same_as_created(ctx.op, before, got, reply)


@check(
    "LIFE-004",
    Level.MUST,
    "After an update, GET shows exactly the change: every property sent has its new value and, for a "
    "PATCH, every other property the object had is unchanged (a PUT sends the whole object and replaces it).",
    title="Update is read back",
    doc=DocRef(kind="update", field="success_status"),
    needs=needing("update", "get"),
    lane=LANE,
    last=True,
)
def update_read_back(ctx: CheckContext) -> Iterator[Finding]:
    update = _op(ctx, "update")
    sent, reply, before = _updated(ctx)
    if not 200 <= reply.status <= 299:
        raise Skip(f"the update answered {reply.status}; see LIFE-003")
    _sent, _created_reply, _created_body, value = _created(ctx)
    after = _get(ctx, "life:get-after-update", value)
    problem = status_problem(after, 200, "GET after the update") or duplicate_problem(after)
    if problem:
        yield problem
        return
    got, problem = json_object(after)
    if got is None:
        yield problem  # type: ignore[misc]
        return
    yield from sent_findings(ctx.op, update, sent, got, after)
    if not replaces(update):  # a PUT replaces: what it did not send may be reset (see _replace)
        yield from unchanged_findings(ctx.op, before, sent, got, after)
    yield from _same_as_created(ctx.op, before, got, after)


@check(
    "LIFE-005",
    Level.MUST,
    "A delete answers as the delete page says (204 No Content).",
    title="Delete answers as documented",
    doc=DocRef(kind="delete", field="success_status"),
    needs=needing("delete"),
    lane=LANE,
    last=True,
)
def delete_answer(ctx: CheckContext) -> Iterator[Finding]:
    delete = _op(ctx, "delete")
    reply = _deleted(ctx)
    allowed = (delete.success_status.value, *(f.value for f in delete.also_status))
    problem = status_problem(reply, allowed, "DELETE of the object created")
    if problem:
        yield problem


@check(
    "LIFE-006",
    Level.MUST,
    "After a delete, GET of the deleted object answers 404 Not Found, and the list (where a page documents "
    "one) no longer holds it.",
    title="Deleted object is gone",
    doc=DocRef(kind="delete", field="success_status"),
    needs=needing("delete", "get"),
    lane=LANE,
    last=True,
)
def deleted_is_gone(ctx: CheckContext) -> Iterator[Finding]:
    reply = _deleted(ctx)
    if not 200 <= reply.status <= 299:
        raise Skip(f"the delete answered {reply.status}; see LIFE-005")
    _sent, _reply, _body, value = _created(ctx)
    after = _get(ctx, "life:get-after-delete", value)
    problem = status_problem(after, 404, "GET of the object after its delete")
    if problem:
        yield problem
        return
    listing = operation(ctx.spec, "list")
    if listing is None:
        return
    name, _value = key_value(ctx.spec, _created(ctx)[2])
    walk = ctx.once("life:list-after-delete", lambda: walk_list(ctx, listing, ctx.path, name, value))
    if walk.problem is not None and walk.found is None:
        # the list itself is LIFE-002's to judge; its pages after the delete hold other checks' objects
        raise Skip(
            f"the list could not be read to its end after the delete ({walk.problem.message}); see LIFE-002"
        )
    if walk.found is None and walk.capped:
        raise Skip(
            "its GET answers 404 as it must, but "
            + walk.undecided(f"the object deleted ({name} {excerpt(value)})")
        )
    if walk.found is not None:
        yield finding(
            f"the object deleted (its GET answers 404) is still listed: {name} {excerpt(value)} is on page "
            f"{walk.found_on[0]} of the list",
            "response.body/value",
            walk.found,
            expected=f"no member with {name} {excerpt(value)}",
            actual=f"listed on page {walk.found_on[0]}",
        )


@check(
    "LIFE-007",
    Level.MUST,
    "GET of an id that never existed answers 404 Not Found.",
    title="Unknown id is 404",
    doc=DocRef(kind="get", field="paths"),
    needs=needing("get"),
    lane=LANE,
    last=True,
)
def unknown_is_404(ctx: CheckContext) -> Iterator[Finding]:
    reply = _unknown(ctx)
    problem = status_problem(reply, 404, f"GET of {excerpt(_missing_value(ctx))}, which was never created")
    if problem:
        yield problem


def _top_documented(spec: Spec) -> str | None:
    reason = needing("list")(spec)
    if reason:
        return reason
    listing = operation(spec, "list")
    assert listing is not None
    if not any(o.value.casefold() == "$top" for o in listing.query_options):
        return "the list page does not name $top among its query options"
    return None


@check(
    "LIFE-008",
    Level.MUST,
    "A list asked for $top=1 answers at most one member.",
    title="$top is honoured",
    doc=DocRef(kind="list", option="$top"),
    needs=_top_documented,
    lane=LANE,
    last=True,
)
def top_honoured(ctx: CheckContext) -> Iterator[Finding]:
    listing = _op(ctx, "list")
    for _ in range(2):  # two objects at least, whatever else the target holds
        reply = ctx.post(minimal_body(ctx))
        if not 200 <= reply.status <= 299:
            raise Skip(f"a create for the $top list answered {reply.status}; see CREATE-001")
    reply = ctx.client.request("GET", f"{ctx.path}?$top=1")
    problem = status_problem(reply, listing.success_status.value, "GET with $top=1") or duplicate_problem(
        reply
    )
    if problem:
        yield problem
        return
    body, problem = json_object(reply)
    if body is None:
        yield problem  # type: ignore[misc]
        return
    members = body.get("value")
    if isinstance(members, list) and len(members) > 1:
        yield finding(
            f"GET with $top=1 answered {len(members)} members in 'value'",
            "response.body/value",
            reply,
            expected="at most 1 member",
            actual=f"{len(members)} members",
        )


@check(
    "LIFE-101",
    Level.SHOULD,
    "The 404 for an id that never existed carries a JSON error body with string error.code and "
    "error.message.",
    title="Unknown id has an error body",
    source="OData 4.01 JSON Format §21.1; Microsoft Graph REST guidelines (errors)",
    needs=needing("get"),
    lane=LANE,
    last=True,
)
def unknown_error_body(ctx: CheckContext) -> Iterator[Finding]:
    reply = _unknown(ctx)
    if reply.status != 404:
        raise Skip(f"GET of an unknown id answered {reply.status}; see LIFE-007")
    if not proper_error_body(reply):
        yield finding(
            "the 404 for an unknown id has no JSON error body with string error.code and error.message",
            "response.body/error",
            reply,
            expected='{"error": {"code": "...", "message": "..."}}',
            actual=excerpt(reply.content.decode("utf-8", "replace"), 200),
        )

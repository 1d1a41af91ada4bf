"""Query options the get and list pages document: `$top`, `$select`, `$filter`, and invalid values of them.

A check runs only where the page names the option (its *Optional query parameters* section, or a query
string on its request line) and cites that line; elsewhere it is skipped with the reason. The checks share
two objects created for them (`qry:objects`), each holding a value of its own in the property `$filter` is
tried on, and run in the `queries` lane after every other check (`last=True`), so the list they read holds
the same objects at any `--concurrency`. What a legal server may answer, and why:

- `$top=n` (n from the seed, 1 to `TOP_BOUND`): a page of at most n members (OData 4.01 URL Conventions,
  $top: "the number of available items up to but not greater than" n).
- `$top=-1` and `$top=abc` are not a non-negative integer, so not a `$top` the URL Conventions define: a
  4xx (Graph answers 400 with an OData error). A 2xx ignored the option (a client asked for something the
  server did not do) and a 5xx is a crash: both fail.
- `$select=p1,p2` (a subset of the documented properties, from the seed): no other documented property in
  any entity answered; `@odata.*` annotations, the key and properties the pages never name are legal extras.
- `$select` of a property no page names: a 4xx (a closed type has no such property), or a 2xx whose
  entities carry no documented property but the key (an open type may select a dynamic property that
  this entity lacks). A 2xx carrying other documented properties ignored the option; a 5xx fails.
- `$filter=p eq 'v'` with the value one created object holds: a 2xx lists only members whose `p` is `v`,
  the object among them; a 4xx (400 with an error body is what Graph answers for a property it cannot
  filter on) is legal; a 5xx fails. A member whose `p` equals `v` ignoring case is legal (OData 4.01 makes
  `eq` case-sensitive, but Graph compares many strings case-insensitively). The other shared object holds
  `v` plus a suffix (a decoy: a prefix or substring match lists it), and every page of the filtered list
  is read to its end (at most the walk's page bound), so a filter dropped after the first page is seen.

Every such 4xx should carry an OData error body (QRY-101). Requests per run, at most (`REQUESTS`, 16):
2 + TOP_BOUND - 1 creates, 2 lists for `$top`, 2 for invalid `$top`, 2 per documented `$select`, 1 per
unknown-`$select` check, 1 (and the pages it links) for `$filter`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, DocRef, Skip, check
from conformance.checks._queries import (
    REQUESTS,
    TOP_BOUND,
    UNKNOWN,
    Body,
    any_documented,
    crash,
    create,
    documented_names,
    documents,
    extras,
    filter_property,
    filter_walk,
    list_query,
    members,
    objects,
    refused_filter,
    select_on,
    select_sets,
    top_values,
)
from conformance.checks._resource import operation
from conformance.checks._support import excerpt, finding, full_body, is_4xx, status_problem
from conformance.checks.judgement import proper_error_body
from conformance.contract.spec import Level, Spec
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

LANE = "queries"


# -- $top -----------------------------------------------------------------------------------------------


@check(
    "QRY-001",
    Level.MUST,
    f"A list asked for $top=n (n from the seed, 1 to {TOP_BOUND}) answers at most n members.",
    title="$top=n is honoured",
    doc=DocRef(kind="list", option="$top"),
    needs=documents("list", "$top"),
    lane=LANE,
    last=True,
)
def top_n(ctx: CheckContext) -> Iterator[Finding]:
    listing = operation(ctx.spec, "list")
    assert listing is not None
    values = top_values(ctx.options.seed)
    shared = objects(ctx)
    for _ in range(max(values) + 1 - len(shared)):  # more objects than any n, whatever else it holds
        create(ctx, full_body(ctx))
    for n in values:
        reply = list_query(ctx, f"$top={n}")
        problem = status_problem(reply, listing.success_status.value, f"GET with $top={n}")
        if problem is None:
            found, problem = members(reply, f"GET with $top={n}")
            if problem is None and len(found) > n:
                problem = finding(
                    f"GET with $top={n} answered {len(found)} members in 'value'",
                    "response.body/value",
                    reply,
                    expected=f"at most {n} members",
                    actual=f"{len(found)} members",
                )
        if problem is not None:
            yield problem
            return


def _invalid_top(ctx: CheckContext) -> list[tuple[str, Reply]]:
    return list(
        ctx.once("qry:top-invalid", lambda: [(v, list_query(ctx, f"$top={v}")) for v in ("-1", "abc")])
    )


@check(
    "QRY-005",
    Level.MUST,
    "A list asked for $top=-1 or $top=abc (not a non-negative integer) answers a 4xx: neither a 2xx that "
    "ignored the option nor a 5xx.",
    title="Invalid $top is refused",
    doc=DocRef(kind="list", option="$top"),
    needs=documents("list", "$top"),
    lane=LANE,
    last=True,
)
def invalid_top(ctx: CheckContext) -> Iterator[Finding]:
    for value, reply in _invalid_top(ctx):
        if not is_4xx(reply.status):
            yield finding(
                f"GET with $top={value} answered {reply.status} {reply.reason}; a $top that is not a "
                "non-negative integer must be refused with a 4xx",
                "response.status",
                reply,
                expected="4xx",
                actual=f"{reply.status} {reply.reason}",
            )


# -- $select --------------------------------------------------------------------------------------------


def _selected(ctx: CheckContext, kind: str) -> Iterator[Finding]:
    op = operation(ctx.spec, kind)
    assert op is not None
    sets = select_sets(ctx.spec, kind, ctx.options.seed)
    if not sets:
        raise Skip(f"the {kind} page documents no property to select")
    for selected in sets:
        reply, entities, problem = select_on(ctx, kind, selected)
        what = f"GET with $select={','.join(selected)}"
        problem = status_problem(reply, op.success_status.value, what) or problem
        if problem is not None:
            yield problem
            return
        # every entity's extras together, sorted: the same words whatever order the target lists them in
        extra = sorted({n for entity in entities for n in extras(ctx.spec, entity, selected)})
        if extra:
            yield finding(
                f"{what} answered {', '.join(extra[:5])} as well, which it did not select",
                f"response.body/{extra[0]}",
                reply,
                expected=f"only {', '.join(selected)} (the key and @odata annotations may come too)",
                actual=", ".join(extra)[:200],
            )
            return


@check(
    "QRY-002",
    Level.MUST,
    "A get with $select=p1,p2 (documented properties from the seed) answers the entity with no other "
    "documented property (the key and @odata annotations may come too).",
    title="$select on a get",
    doc=DocRef(kind="get", option="$select"),
    needs=documents("get", "$select"),
    lane=LANE,
    last=True,
)
def select_get(ctx: CheckContext) -> Iterator[Finding]:
    yield from _selected(ctx, "get")


@check(
    "QRY-003",
    Level.MUST,
    "A list with $select=p1,p2 (documented properties from the seed) answers members with no other "
    "documented property (the key and @odata annotations may come too).",
    title="$select on a list",
    doc=DocRef(kind="list", option="$select"),
    needs=documents("list", "$select"),
    lane=LANE,
    last=True,
)
def select_list(ctx: CheckContext) -> Iterator[Finding]:
    yield from _selected(ctx, "list")


def _unknown(ctx: CheckContext, kind: str) -> tuple[Reply, list[Body], Finding | None]:
    if UNKNOWN in documented_names(ctx.spec):
        raise Skip(f"the pages document a property named {UNKNOWN}")
    found: tuple[Reply, list[Body], Finding | None] = ctx.once(
        f"qry:unknown-{kind}", lambda: select_on(ctx, kind, [UNKNOWN])
    )
    return found


def _unknown_selected(ctx: CheckContext, kind: str) -> Iterator[Finding]:
    reply, entities, problem = _unknown(ctx, kind)
    what = f"GET with $select={UNKNOWN} (a property no page documents)"
    crashed = crash(reply, what)
    if crashed is not None:
        yield crashed
        return
    if is_4xx(reply.status):
        return
    if not 200 <= reply.status <= 299:
        yield finding(f"{what} answered {reply.status}", "response.status", reply, expected="4xx or 2xx")
        return
    if problem is not None:
        yield problem
        return
    extra = sorted({n for entity in entities for n in extras(ctx.spec, entity, [])})
    if extra:
        yield finding(
            f"{what} answered {reply.status} with {', '.join(extra[:5])}: the option was ignored",
            f"response.body/{extra[0]}",
            reply,
            expected="a 4xx, or entities with no documented property but the key",
            actual=", ".join(extra)[:200],
        )


@check(
    "QRY-006",
    Level.MUST,
    "A get with $select of a property no page documents answers a 4xx, or a 2xx with no documented "
    "property but the key; never a 5xx or the whole entity.",
    title="Unknown $select on a get",
    doc=DocRef(kind="get", option="$select"),
    needs=documents("get", "$select"),
    lane=LANE,
    last=True,
)
def unknown_select_get(ctx: CheckContext) -> Iterator[Finding]:
    yield from _unknown_selected(ctx, "get")


@check(
    "QRY-007",
    Level.MUST,
    "A list with $select of a property no page documents answers a 4xx, or a 2xx whose members carry no "
    "documented property but the key; never a 5xx or whole entities.",
    title="Unknown $select on a list",
    doc=DocRef(kind="list", option="$select"),
    needs=documents("list", "$select"),
    lane=LANE,
    last=True,
)
def unknown_select_list(ctx: CheckContext) -> Iterator[Finding]:
    yield from _unknown_selected(ctx, "list")


# -- $filter --------------------------------------------------------------------------------------------


@check(
    "QRY-004",
    Level.MUST,
    "A list with $filter=p eq 'v' (v a value a created object holds) answers, on every page, only members "
    "whose p is v (in any case), the object among them, or refuses the filter with a 4xx; never a 5xx.",
    title="$filter is honoured",
    doc=DocRef(kind="list", option="$filter"),
    needs=documents("list", "$filter"),
    lane=LANE,
    last=True,
)
def filter_eq(ctx: CheckContext) -> Iterator[Finding]:
    expression, walk = filter_walk(ctx)
    assert walk.last is not None
    refused = refused_filter(walk)
    if refused is not None:
        ctx.notes.append(f"$filter={expression} was refused with {refused.status} (allowed)")
        return
    if walk.problem is not None:
        yield walk.problem
    elif walk.found is None and walk.capped:
        raise Skip(walk.undecided(f"the object that holds {expression}"))
    elif walk.found is None:
        yield finding(
            f"GET with $filter={expression} did not list the object that holds that value",
            "response.body/value",
            walk.last,
            expected="the created object among the members",
            actual="(not listed)",
        )


# -- error bodies ---------------------------------------------------------------------------------------


def _refusals(ctx: CheckContext, spec: Spec) -> Iterator[tuple[str, Reply]]:
    if documents("list", "$top")(spec) is None:
        yield from ((f"$top={v}", r) for v, r in _invalid_top(ctx))
    for kind in ("get", "list"):
        if documents(kind, "$select")(spec) is None and UNKNOWN not in documented_names(spec):
            yield f"$select={UNKNOWN} on the {kind}", _unknown(ctx, kind)[0]
    if documents("list", "$filter")(spec) is None and filter_property(spec) is not None:
        expression, walk = filter_walk(ctx)
        refused = refused_filter(walk)
        if refused is not None:
            yield f"$filter={expression}", refused


@check(
    "QRY-101",
    Level.SHOULD,
    "A 4xx refusing a query option (an invalid $top, an unknown $select property, a $filter the server "
    "cannot apply) carries a JSON error body with string error.code and error.message.",
    title="Refused query options say why",
    source="OData 4.01 JSON Format §21.1; Microsoft Graph REST guidelines (errors)",
    needs=any_documented,
    lane=LANE,
    last=True,
)
def query_error_bodies(ctx: CheckContext) -> Iterator[Finding]:
    refused = [(what, r) for what, r in _refusals(ctx, ctx.spec) if is_4xx(r.status)]
    if not refused:
        raise Skip("no query option was refused with a 4xx")
    for what, reply in refused:
        if not proper_error_body(reply):
            yield finding(
                f"the {reply.status} refusing {what} has no JSON error body with string error.code and "
                "error.message",
                "response.body/error",
                reply,
                expected='{"error": {"code": "...", "message": "..."}}',
                actual=excerpt(reply.content.decode("utf-8", "replace"), 200),
            )
            return


__all__ = [
    "REQUESTS",
    "TOP_BOUND",
    "UNKNOWN",
    "documented_names",
    "documents",
    "filter_property",
    "select_sets",
    "top_values",
]

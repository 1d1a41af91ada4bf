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
  filter on) is legal; a 5xx fails.

Every such 4xx should carry an OData error body (QRY-101). Requests per run, at most: 2 + TOP_BOUND - 1
creates, 2 lists for `$top`, 2 for invalid `$top`, 2 per documented `$select`, 1 (and the pages it links)
for `$filter`, 1 per unknown-`$select` check.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote

from conformance.checks import CheckContext, DocRef, Skip, check
from conformance.checks._resource import (
    Walk,
    item_path,
    key_value,
    needing,
    operation,
    resource,
    walk_list,
)
from conformance.checks._support import (
    excerpt,
    finding,
    full_body,
    is_4xx,
    json_object,
    non_null,
    status_problem,
)
from conformance.checks.judgement import proper_error_body
from conformance.contract.keys import key_name
from conformance.contract.spec import JSON, Level, Operation, Spec
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

LANE = "queries"
TOP_BOUND = 4  # $top values are drawn from 1..TOP_BOUND
UNKNOWN = "conformanceUndeclaredProperty"  # a $select name no page documents
Body = dict[str, JSON]


def documents(kind: str, option: str) -> Callable[[Spec], str | None]:
    """A `needs` rule: the skip reason unless the resource's `kind` page names the query option `option`."""

    def reason(spec: Spec) -> str | None:
        missing = needing(kind)(spec)
        if missing:
            return missing
        op = operation(spec, kind)
        assert op is not None
        if not any(o.value.casefold() == option.casefold() for o in op.query_options):
            return f"the {kind} page does not name {option} among its query options"
        return None

    return reason


def _any_documented(spec: Spec) -> str | None:
    rules = (documents("list", "$top"), documents("get", "$select"), documents("list", "$select"))
    reasons = [rule(spec) for rule in (*rules, documents("list", "$filter"))]
    return (
        None if any(r is None for r in reasons) else "the get and list pages name no $top, $select or $filter"
    )


def documented_names(spec: Spec) -> set[str]:
    """Every property name the resource's pages document (case kept)."""
    return {p.name for op in (spec.operation, *spec.others) for p in op.properties}


def filter_property(spec: Spec) -> str | None:
    """The plain string property `$filter` is tried on: one the create sends and the list documents."""
    listing = operation(spec, "list")
    listed = {p.name for p in listing.properties} if listing is not None else set()
    for prop in spec.operation.properties:
        schema = non_null(prop.schema)
        plain = schema.get("type") == "string" and "format" not in schema and "enum" not in schema
        if plain and not prop.read_only and prop.name != "id" and (not listed or prop.name in listed):
            return prop.name
    return None


def _objects(ctx: CheckContext) -> list[tuple[Body, str]]:
    """The two objects the query checks share (body created, key value), created once."""

    def create() -> list[tuple[Body, str]]:
        name = filter_property(ctx.spec)
        made = []
        for _ in range(2):
            body = full_body(ctx)
            if name is not None and name not in ctx.options.known:
                body[name] = ctx.unique("filter")
            made.append(_create(ctx, body))
        return made

    objects: list[tuple[Body, str]] = ctx.once("qry:objects", create)
    return objects


def _create(ctx: CheckContext, body: Body) -> tuple[Body, str]:
    reply = ctx.post(body)
    if not 200 <= reply.status <= 299:
        raise Skip(f"a create for the query tests answered {reply.status}; see CREATE-001")
    got, _problem = json_object(reply)
    _name, value = key_value(ctx.spec, got or {})
    if value is None:
        raise Skip("a created object has no key value; see CREATE-004")
    return body, value


def _list(ctx: CheckContext, query: str) -> Reply:
    reply: Reply = ctx.client.request("GET", f"{ctx.path}?{query}")
    return reply


def _members(reply: Reply, what: str) -> tuple[list[Body], Finding | None]:
    body, problem = json_object(reply)
    if body is None:
        return [], problem
    value = body.get("value")
    if not isinstance(value, list):
        return [], finding(
            f"{what}: the body has no 'value' array",
            "response.body/value",
            reply,
            expected="a JSON array in 'value'",
            actual=excerpt(value) if "value" in body else "(absent)",
        )
    return [m for m in value if isinstance(m, dict)], None


def _crash(reply: Reply, what: str) -> Finding | None:
    if reply.status < 500:
        return None
    return finding(
        f"{what} answered {reply.status} {reply.reason}",
        "response.status",
        reply,
        expected="not 5xx",
        actual=f"{reply.status} {reply.reason}",
    )


# -- $top -----------------------------------------------------------------------------------------------


def top_values(seed: int) -> list[int]:
    """The two `$top` values of a run: distinct, from 1 to `TOP_BOUND`, chosen by the seed."""
    return sorted(random.Random(f"{seed}:top").sample(range(1, TOP_BOUND + 1), 2))


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
    objects = _objects(ctx)
    for _ in range(max(values) + 1 - len(objects)):  # more objects than any n, whatever else it holds
        _create(ctx, full_body(ctx))
    for n in values:
        reply = _list(ctx, f"$top={n}")
        problem = status_problem(reply, listing.success_status.value, f"GET with $top={n}")
        if problem is None:
            members, problem = _members(reply, f"GET with $top={n}")
            if problem is None and len(members) > n:
                problem = finding(
                    f"GET with $top={n} answered {len(members)} members in 'value'",
                    "response.body/value",
                    reply,
                    expected=f"at most {n} members",
                    actual=f"{len(members)} members",
                )
        if problem is not None:
            yield problem
            return


def _invalid_top(ctx: CheckContext) -> list[tuple[str, Reply]]:
    return list(ctx.once("qry:top-invalid", lambda: [(v, _list(ctx, f"$top={v}")) for v in ("-1", "abc")]))


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


def select_sets(spec: Spec, kind: str, seed: int) -> list[list[str]]:
    """Two subsets (one name, then 1 to 3) of the properties the `kind` page documents, chosen by the seed."""
    op = operation(spec, kind)
    assert op is not None
    key = key_name(resource(spec))
    names = sorted({p.name for p in (op.properties or spec.operation.properties)} - {key, "id"})
    if not names:
        return []
    rng = random.Random(f"{seed}:select:{kind}")
    # one name first (the selection that leaves most out), then up to 3, fewer than all where there are more
    sizes = (1, rng.randint(1, max(1, min(3, len(names) - 1))))
    sets = [sorted(rng.sample(names, size)) for size in sizes]
    return [s for i, s in enumerate(sets) if s not in sets[:i]]


def _extras(spec: Spec, entity: Body, selected: list[str]) -> list[str]:
    """Documented properties in `entity` that `selected` did not ask for (not the key, not annotations)."""
    legal = {*selected, key_name(resource(spec)), "id"}
    documented = documented_names(spec)
    return [n for n in entity if not n.startswith("@") and n in documented and n not in legal]


def _select_on(ctx: CheckContext, kind: str, selected: list[str]) -> tuple[Reply, list[Body], Finding | None]:
    """GET the `kind` page's URL with `$select`: the reply, its entities, and a problem with the answer."""
    op = operation(ctx.spec, kind)
    assert op is not None
    query = "$select=" + ",".join(selected)
    if kind == "get":
        value = _objects(ctx)[0][1]
        reply = ctx.client.request("GET", f"{item_path(op, ctx.path, value)}?{query}")
        body, problem = json_object(reply)
        return reply, [body] if body is not None else [], problem
    reply = _list(ctx, query)
    members, problem = _members(reply, f"GET with {query}")
    return reply, members, problem


def _selected(ctx: CheckContext, kind: str) -> Iterator[Finding]:
    op = operation(ctx.spec, kind)
    assert op is not None
    sets = select_sets(ctx.spec, kind, ctx.options.seed)
    if not sets:
        raise Skip(f"the {kind} page documents no property to select")
    for selected in sets:
        reply, entities, problem = _select_on(ctx, kind, selected)
        what = f"GET with $select={','.join(selected)}"
        problem = status_problem(reply, op.success_status.value, what) or problem
        if problem is not None:
            yield problem
            return
        for entity in entities:
            extra = _extras(ctx.spec, entity, selected)
            if extra:
                yield finding(
                    f"{what} answered an entity with {', '.join(extra[:5])} as well, which it did not select",
                    f"response.body/{extra[0]}",
                    reply,
                    expected=f"only {', '.join(selected)} (the key and @odata annotations may come too)",
                    actual=", ".join(n for n in entity if not n.startswith("@"))[:200],
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
        f"qry:unknown-{kind}", lambda: _select_on(ctx, kind, [UNKNOWN])
    )
    return found


def _unknown_selected(ctx: CheckContext, kind: str) -> Iterator[Finding]:
    reply, entities, problem = _unknown(ctx, kind)
    what = f"GET with $select={UNKNOWN} (a property no page documents)"
    crash = _crash(reply, what)
    if crash is not None:
        yield crash
        return
    if is_4xx(reply.status):
        return
    if not 200 <= reply.status <= 299:
        yield finding(f"{what} answered {reply.status}", "response.status", reply, expected="4xx or 2xx")
        return
    if problem is not None:
        yield problem
        return
    for entity in entities:
        extra = _extras(ctx.spec, entity, [])
        if extra:
            yield finding(
                f"{what} answered {reply.status} with {', '.join(extra[:5])}: the option was ignored",
                f"response.body/{extra[0]}",
                reply,
                expected="a 4xx, or entities with no documented property but the key",
                actual=", ".join(n for n in entity if not n.startswith("@"))[:200],
            )
            return


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


def _filtered(ctx: CheckContext) -> tuple[str, str, Operation]:
    """(the property, the value one created object holds in it, the list operation)."""
    name = filter_property(ctx.spec)
    if name is None:
        raise Skip("the create page lists no plain string property the list documents, to filter on")
    if name in ctx.options.known:
        raise Skip(f"{name} has a known-good value (--value), so the created objects share it")
    listing = operation(ctx.spec, "list")
    assert listing is not None
    body, _value = _objects(ctx)[0]
    value = body[name]
    assert isinstance(value, str)
    return name, value, listing


def _filter_walk(ctx: CheckContext) -> tuple[str, Walk]:
    """(the filter expression, the walk of the filtered list: judged page by page, sent once)."""
    name, value, listing = _filtered(ctx)
    expression = f"{name} eq '{value.replace(chr(39), chr(39) * 2)}'"
    query = "$filter=" + quote(expression, safe="'")
    key, wanted = key_name(resource(ctx.spec)), _objects(ctx)[0][1]

    def judge(reply: Reply, members: list[JSON]) -> Finding | None:
        wrong = next((m for m in members if not isinstance(m, dict) or m.get(name) != value), None)
        if wrong is None:
            return None
        shown = excerpt(wrong.get(name)) if isinstance(wrong, dict) and name in wrong else "(absent)"
        return finding(
            f"GET with $filter={expression} answered a member whose {name} is {shown}: the filter was "
            "ignored",
            "response.body/value",
            reply,
            expected=f"only members whose {name} is {excerpt(value)}",
            actual=shown,
        )

    walk: Walk = ctx.once(
        "qry:filter", lambda: walk_list(ctx, listing, f"{ctx.path}?{query}", key, wanted, on_page=judge)
    )
    return expression, walk


def _refused_filter(walk: Walk) -> Reply | None:
    """The first answer, when it refused the filter with a 4xx."""
    if walk.pages == 1 and walk.last is not None and is_4xx(walk.last.status):
        return walk.last
    return None


@check(
    "QRY-004",
    Level.MUST,
    "A list with $filter=p eq 'v' (v a value a created object holds) answers only members whose p is v, "
    "the object among them, or refuses the filter with a 4xx; never a 5xx or a list that ignores it.",
    title="$filter is honoured",
    doc=DocRef(kind="list", option="$filter"),
    needs=documents("list", "$filter"),
    lane=LANE,
    last=True,
)
def filter_eq(ctx: CheckContext) -> Iterator[Finding]:
    expression, walk = _filter_walk(ctx)
    assert walk.last is not None
    refused = _refused_filter(walk)
    if refused is not None:
        ctx.notes.append(f"$filter={expression} was refused with {refused.status} (allowed)")
        return
    if walk.problem is not None:
        yield walk.problem
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
        expression, walk = _filter_walk(ctx)
        refused = _refused_filter(walk)
        if refused is not None:
            yield f"$filter={expression}", refused


@check(
    "QRY-101",
    Level.SHOULD,
    "A 4xx refusing a query option (an invalid $top, an unknown $select property, a $filter the server "
    "cannot apply) carries a JSON error body with string error.code and error.message.",
    title="Refused query options say why",
    source="OData 4.01 JSON Format §21.1; Microsoft Graph REST guidelines (errors)",
    needs=_any_documented,
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
    "TOP_BOUND",
    "UNKNOWN",
    "documented_names",
    "documents",
    "filter_property",
    "select_sets",
    "top_values",
]

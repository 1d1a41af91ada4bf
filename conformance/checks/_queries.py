"""What the query-option checks share: which options the pages document, the objects they create, the
requests and how an answer's entities are read. The rules themselves, and why, are in `checks/queries.py`.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from conformance.checks import CheckContext, Skip
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
    duplicate_problem,
    excerpt,
    finding,
    full_body,
    is_4xx,
    json_object,
    listed_values,
    non_null,
)
from conformance.contract.keys import key_name
from conformance.contract.spec import JSON, Operation, Spec
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

TOP_BOUND = 4  # $top values are drawn from 1..TOP_BOUND
UNKNOWN = "conformanceUndeclaredProperty"  # a $select name no page documents
# requests per run at most, every option documented: 2 + (TOP_BOUND - 1) creates, 2 + 2 + 2 + 2 + 1 + 1
# GETs, and 1 for the filtered list (plus the further pages its @odata.nextLink names, if any)
REQUESTS = 2 + (TOP_BOUND - 1) + 10 + 1
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


def any_documented(spec: Spec) -> str | None:
    rules = (documents("list", "$top"), documents("get", "$select"), documents("list", "$select"))
    reasons = [rule(spec) for rule in (*rules, documents("list", "$filter"))]
    if any(r is None for r in reasons):
        return None
    return (
        needing("get")(spec) and needing("list")(spec)
    ) or "the get and list pages name no $top, $select or $filter"


def documented_names(spec: Spec) -> set[str]:
    """Every property name the resource's pages document (case kept)."""
    return {p.name for op in (spec.operation, *spec.others) for p in op.properties}


def filter_property(spec: Spec) -> str | None:
    """The plain string property `$filter` is tried on: one the create sends and the list documents, free
    text (no listed values: its value and the decoy's are made up, and a server may refuse unlisted ones).
    One the list page's sentences about `$filter` name ("`$filter` works with `eq` on **label**") comes
    first, then the create page's order."""
    listing = operation(spec, "list")
    listed = {p.name for p in listing.properties} if listing is not None else set()
    candidates: list[str] = []
    for prop in spec.operation.properties:
        schema = non_null(prop.schema)
        plain = schema.get("type") == "string" and not ({"format", "enum"} & set(schema))
        plain = plain and not listed_values(spec, prop.name)
        if plain and not prop.read_only and prop.name != "id" and (not listed or prop.name in listed):
            candidates.append(prop.name)
    said = " ".join(o.quote for o in (listing.query_options if listing else ()) if o.value == "$filter")
    named = [n for n in candidates if re.search(rf"(?<![\w$@.]){re.escape(n)}(?![\w])", said)]
    chosen = named or candidates
    return chosen[0] if chosen else None


def objects(ctx: CheckContext) -> list[tuple[Body, str]]:
    """The two objects the query checks share (body created, key value), created once."""

    def make() -> list[tuple[Body, str]]:
        name = filter_property(ctx.spec)
        out: list[tuple[Body, str]] = []
        for _ in range(2):
            body = full_body(ctx)
            if name is not None and name not in ctx.options.known:
                # the second is a decoy for `$filter`: its value has the first's as a proper prefix, so a
                # server that matches by prefix or substring instead of `eq` lists it too
                body[name] = f"{out[0][0][name]}-decoy" if out else ctx.unique("filter")
            out.append(create(ctx, body))
        return out

    made: list[tuple[Body, str]] = ctx.once("qry:objects", make)
    return made


def create(ctx: CheckContext, body: Body) -> tuple[Body, str]:
    reply = ctx.post(body)
    if not 200 <= reply.status <= 299:
        raise Skip(f"a create for the query tests answered {reply.status}; see CREATE-001")
    got, _problem = json_object(reply)
    _name, value = key_value(ctx.spec, got or {})
    if value is None:
        raise Skip("a created object has no key value; see CREATE-004")
    return body, value


def list_query(ctx: CheckContext, query: str) -> Reply:
    reply: Reply = ctx.client.request("GET", f"{ctx.path}?{query}")
    return reply


def _entity(reply: Reply) -> tuple[Body | None, Finding | None]:
    """`json_object`, a success's repeated member name first (RFC 8259 §4; `duplicate_problem`)."""
    repeated = duplicate_problem(reply) if 200 <= reply.status <= 299 else None
    if repeated is not None:
        return None, repeated
    return json_object(reply)


def members(reply: Reply, what: str) -> tuple[list[Body], Finding | None]:
    body, problem = _entity(reply)
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


def crash(reply: Reply, what: str) -> Finding | None:
    if reply.status < 500:
        return None
    return finding(
        f"{what} answered {reply.status} {reply.reason}",
        "response.status",
        reply,
        expected="not 5xx",
        actual=f"{reply.status} {reply.reason}",
    )


def top_values(seed: int) -> list[int]:
    """The two `$top` values of a run: distinct, from 1 to `TOP_BOUND`, chosen by the seed."""
    return sorted(random.Random(f"{seed}:top").sample(range(1, TOP_BOUND + 1), 2))


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


def extras(spec: Spec, entity: Body, selected: list[str]) -> list[str]:
    """Documented properties in `entity` that `selected` did not ask for (not the key, not annotations)."""
    legal = {*selected, key_name(resource(spec)), "id"}
    documented = documented_names(spec)
    return [n for n in entity if not n.startswith("@") and n in documented and n not in legal]


def select_on(ctx: CheckContext, kind: str, selected: list[str]) -> tuple[Reply, list[Body], Finding | None]:
    """GET the `kind` page's URL with `$select`: the reply, its entities, and a problem with the answer."""
    op = operation(ctx.spec, kind)
    assert op is not None
    query = "$select=" + ",".join(selected)
    if kind == "get":
        value = objects(ctx)[0][1]
        reply = ctx.client.request("GET", f"{item_path(op, ctx.path, value)}?{query}")
        body, problem = _entity(reply)
        return reply, [body] if body is not None else [], problem
    reply = list_query(ctx, query)
    found, problem = members(reply, f"GET with {query}")
    return reply, found, problem


def filtered(ctx: CheckContext) -> tuple[str, str, Operation]:
    """(the property, the value one created object holds in it, the list operation)."""
    name = filter_property(ctx.spec)
    if name is None:
        raise Skip("the create page lists no plain string property the list documents, to filter on")
    if name in ctx.options.known:
        raise Skip(f"{name} has a known-good value (--value), so the created objects share it")
    listing = operation(ctx.spec, "list")
    assert listing is not None
    body, _value = objects(ctx)[0]
    value = body[name]
    assert isinstance(value, str)
    return name, value, listing


def filter_walk(ctx: CheckContext) -> tuple[str, Walk]:
    """(the filter expression, the walk of the filtered list: judged page by page, sent once)."""
    name, value, listing = filtered(ctx)
    expression = f"{name} eq '{value.replace(chr(39), chr(39) * 2)}'"
    query = "$filter=" + quote(expression, safe="'")
    key, wanted = key_name(resource(ctx.spec)), objects(ctx)[0][1]

    def judge(reply: Reply, members: list[JSON]) -> Finding | None:
        bad = [m for m in members if not isinstance(m, dict) or not _equal_ignoring_case(m.get(name), value)]
        if not bad:
            return None
        # the first in a fixed order, so the words are the same whatever order the target lists them in
        wrong = min(bad, key=lambda m: json.dumps(m, sort_keys=True, default=str))
        got = wrong.get(name) if isinstance(wrong, dict) else None
        shown = excerpt(got) if isinstance(wrong, dict) and name in wrong else "(absent)"
        how = ""
        if isinstance(got, str) and value.casefold() in got.casefold():
            how = f"; it contains {excerpt(value)}, so the server matched a prefix or substring, not eq"
        return finding(
            f"GET with $filter={expression} answered a member whose {name} is {shown}, which does not equal "
            f"{excerpt(value)} even ignoring case{how}",
            "response.body/value",
            reply,
            expected=f"only members whose {name} is {excerpt(value)} (in any case)",
            actual=shown,
        )

    # every page is judged: a filter dropped on the pages after the one that holds the object is a fault too
    walk: Walk = ctx.once(
        "qry:filter",
        lambda: walk_list(
            ctx, listing, f"{ctx.path}?{query}", key, wanted, stop_when_found=False, on_page=judge
        ),
    )
    return expression, walk


def _equal_ignoring_case(got: JSON, value: str) -> bool:
    """`got` is `value`, or equals it ignoring case: Graph compares many strings case-insensitively, and a
    member differing from `value` only in case shows the filter applied, not ignored."""
    return isinstance(got, str) and got.casefold() == value.casefold()


def refused_filter(walk: Walk) -> Reply | None:
    """The first answer, when it refused the filter with a 4xx."""
    if walk.pages == 1 and walk.last is not None and is_4xx(walk.last.status):
        return walk.last
    return None

"""What the lifecycle checks share: the resource and its URLs, an update body, and walking a list's pages.

URLs are written as the pages write them: an item path takes the create's collection path (as the run
calls it) and the key as the get, update or delete page's own path ends, segment style (`/things/{id}`)
or key style (`/things('{id}')`, a quote inside the key doubled as OData's key syntax asks). A list's
`@odata.nextLink` is hostile input: it is followed only while it stays on the target's origin and under
its base path, at most `MAX_PAGES` pages, and never twice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import quote

from conformance.checks._links import judge_link
from conformance.checks._support import (
    duplicate_problem,
    excerpt,
    finding,
    json_object,
    listed_values,
    non_null,
    same_value,
    status_problem,
)
from conformance.checks.judgement import omitted_null_is_legal, same_key
from conformance.contract.grouping import Resource, resource_of
from conformance.contract.keys import key_name
from conformance.contract.spec import JSON, Operation, Property, Spec

if TYPE_CHECKING:
    from conformance.checks import CheckContext
    from conformance.results import Finding
    from conformance.target.client import Reply

MAX_PAGES = 50  # a list walk follows at most this many pages (the first included)

_SEGMENT_RE = re.compile(r"^\{[^{}]+\}\Z")
_PLACEHOLDER_RE = re.compile(r"\{[^{}]*\}")


def resource(spec: Spec) -> Resource:
    return resource_of(spec)


def operation(spec: Spec, kind: str) -> Operation | None:
    """The resource's first operation of `kind`, or None when its pages document none."""
    found = resource(spec).of_kind(kind)
    return found[0] if found else None


def needing(*kinds: str) -> Callable[[Spec], str | None]:
    """A `needs` rule: the skip reason when the resource documents no operation of one of `kinds`."""

    def reason(spec: Spec) -> str | None:
        res = resource(spec)
        for kind in kinds:
            if not res.of_kind(kind):
                return f"the pages document no {kind} operation for {res.name} ({res.collection})"
            if kind in ("get", "update", "delete") and res.of_kind(kind)[0].key is None:
                return f"the {kind} page's path ends in no key, so it names no single {res.name}"
        return None

    return reason


def item_path(op: Operation, collection: str, value: str) -> str:
    """The path of the entity keyed `value` as `op`'s page writes its key, below the concrete `collection`."""
    last = op.path.split("?")[0].rstrip("/").rsplit("/", 1)[-1].strip()
    if _SEGMENT_RE.match(last) or "(" not in last:
        return f"{collection.rstrip('/')}/{quote(value, safe='')}"
    inner = last[last.index("(") + 1 : last.rindex(")")]
    quoted = "'" in inner
    text = quote(value.replace("'", "''") if quoted else value, safe="'")
    if "{" in inner:
        filled = _PLACEHOLDER_RE.sub(lambda _m: text, inner, count=1)
    elif "=" in inner:
        filled = inner.split("=", 1)[0] + "=" + (f"'{text}'" if quoted else text)
    else:
        filled = f"'{text}'" if quoted else text
    return f"{collection.rstrip('/')}({filled})"


def key_value(spec: Spec, body: dict[str, JSON]) -> tuple[str, str | None]:
    """(the key property, its value in a created object's body, or None when it has no string one)."""
    name = key_name(resource(spec))
    value = body.get(name)
    return name, value if isinstance(value, str) and value else None


# -- an update body -------------------------------------------------------------------------------


def _changeable(spec: Spec, prop: Property) -> bool:
    schema = non_null(prop.schema)
    kind = schema.get("type")
    if prop.read_only or prop.name == "id":
        return False
    if "enum" in schema:
        return len(schema["enum"]) > 1
    if len(listed_values(spec, prop.name)) == 1:  # one value listed: any other a server may refuse
        return False
    if kind == "string":
        return schema.get("format") in (None, "date-time", "uuid")
    return kind in ("boolean", "integer", "number")


def changed_value(ctx: CheckContext, prop: Property, current: JSON) -> JSON:
    """A valid value for `prop` that differs from `current` (the value the entity holds now)."""
    schema = non_null(prop.schema)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v != current)
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "boolean":
        return not current if isinstance(current, bool) else True
    if kind == "integer":
        return current + 1 if isinstance(current, int) and not isinstance(current, bool) else 2
    if kind == "number":
        return current + 1.5 if isinstance(current, int | float) and not isinstance(current, bool) else 2.5
    if fmt == "date-time":
        return "2025-06-18T10:45:00Z" if current != "2025-06-18T10:45:00Z" else "2025-06-19T11:15:00Z"
    if fmt == "uuid":
        other = "0f1e2d3c-4b5a-4697-8877-665544332211"
        return (
            other
            if not (isinstance(current, str) and same_key(current, other))
            else "1f1e2d3c-4b5a-4697-8877-665544332211"
        )
    listed = next((v for v in listed_values(ctx.spec, prop.name) if v != current), None)
    if listed is not None:  # a value its description lists, not a made-up one a server may refuse
        return listed
    return ctx.unique(f"{prop.name}-updated")


def update_body(
    ctx: CheckContext, update: Operation, create: Operation, before: dict[str, JSON]
) -> dict[str, JSON]:
    """One property the update page lists (one the create page declares too, a string first), changed, and
    the properties the update page requires; `Skip` when the page lists none the harness can change."""
    from conformance.checks import Skip

    usable = [p for p in update.properties if _changeable(ctx.spec, p)]
    both = [p for p in usable if create.property(p.name) is not None]
    order = sorted(both or usable, key=lambda p: non_null(p.schema).get("type") != "string")
    if not order:
        raise Skip(f"the update page lists no property the harness can change ({update.path})")
    required = [p for p in update.required if p.name != order[0].name and not p.read_only]
    body = {order[0].name: changed_value(ctx, order[0], before.get(order[0].name))}
    for p in required:  # a required one the harness cannot change keeps the value the object holds
        keep = not _changeable(ctx.spec, p) and p.name in before
        body[p.name] = before[p.name] if keep else changed_value(ctx, p, before.get(p.name))
    return body


def unchanged_findings(
    create: Operation, before: dict[str, JSON], sent: dict[str, JSON], got: dict[str, JSON], reply: Reply
) -> Iterator[Finding]:
    """One Finding per property the object had (`before`) that an update did not send and `got` no longer
    shows as it was; server-owned (read-only) and undeclared properties may change, a null may be omitted."""
    for name, old in before.items():
        prop = create.property(name)
        if name in sent or name.startswith("@") or prop is None or prop.read_only:
            continue
        if name not in got:
            if old is None or omitted_null_is_legal(prop, old):
                continue
            message, actual = (
                f"{name} was {excerpt(old)} and is missing after an update that did not send it",
                "(absent)",
            )
        elif not same_value(old, got[name], prop.schema):
            message = (
                f"{name} changed from {excerpt(old)} to {excerpt(got[name])} though the update did not "
                "send it"
            )
            actual = excerpt(got[name])
        else:
            continue
        yield finding(
            message, f"response.body/{name}", reply, expected=excerpt(old), actual=actual, input=sent
        )


# -- a list, page by page ---------------------------------------------------------------------------


@dataclass(slots=True)
class Walk:
    """What walking a list found: whether it holds the key, the page that did, and what broke the walk.

    `capped`: the walk stopped at the harness's own bound (`MAX_PAGES`) on a chain of distinct pages, with
    no sign of a fault; whether the object is listed is then undecided, never a failure."""

    found: Reply | None = None
    last: Reply | None = None
    pages: int = 0
    members: int = 0
    capped: bool = False
    found_on: list[int] = field(default_factory=list)  # the pages that held the key, in reading order
    problem: Finding | None = None  # the walk could not go on: an answer or a link it must not follow

    def undecided(self, what: str) -> str:
        """The skip reason of a capped walk that did not find `what`."""
        return (
            f"{what} was not among the {self.members} members of the first {self.pages} pages, and the "
            f"list goes on (each page a new link, none repeating an earlier page's members): the harness "
            f"reads at most {MAX_PAGES} pages, so it cannot tell whether the list holds it; run against a "
            "collection with fewer members (or a larger page size) to decide"
        )


def _member_keys(members: list[JSON], name: str) -> tuple[str, ...]:
    """The page's members by key (a member with no string key by its whole JSON), in a fixed order."""
    keys = []
    for m in members:
        value = m.get(name) if isinstance(m, dict) else None
        keys.append(
            f"k:{value}" if isinstance(value, str) else "j:" + json.dumps(m, sort_keys=True, default=str)
        )
    return tuple(sorted(keys))


def walk_list(
    ctx: CheckContext,
    op: Operation,
    path: str,
    name: str,
    value: str,
    *,
    stop_when_found: bool = True,
    on_page: Callable[[Reply, list[JSON]], Finding | None] | None = None,
) -> Walk:
    """GET `path` and the pages its `@odata.nextLink`s name, looking for the member whose `name` is
    `value` (stopping at the page that holds it unless told not to). `on_page` judges each page's
    members; the first problem it names ends the walk. A loop (a link read before, or a non-empty page
    whose members equal an earlier page's) is a problem; the bound `MAX_PAGES` is not (`capped`)."""
    walk = Walk()
    seen: dict[str, int] = {}
    contents: dict[tuple[str, ...], int] = {}
    current = path
    while True:
        reply = ctx.client.request("GET", current)
        walk.pages += 1
        walk.last = reply
        seen[_absolute(ctx, current)] = walk.pages
        what = f"GET {excerpt(current, 200)[1:-1]} (page {walk.pages})"
        walk.problem = status_problem(reply, op.success_status.value, what)
        if walk.problem is not None:
            return walk
        walk.problem = duplicate_problem(reply)
        if walk.problem is not None:
            return walk
        body, walk.problem = json_object(reply)
        if body is None:
            return walk
        members = body.get("value")
        if not isinstance(members, list):
            walk.problem = finding(
                f"{what}: the body has no 'value' array (a collection answer holds its members in 'value')",
                "response.body/value",
                reply,
                expected="a JSON array in 'value'",
                actual=excerpt(members) if "value" in body else "(absent)",
            )
            return walk
        walk.members += len(members)
        if on_page is not None:
            walk.problem = on_page(reply, members)
            if walk.problem is not None:
                return walk
        walk.problem = _page_problem(walk, reply, members, name, value, contents)
        if walk.problem is not None:
            return walk
        link = body.get("@odata.nextLink")
        if link is None:
            return walk
        # the link is judged even on the page that ends the search (a loop, another host), never followed then
        judged, walk.problem = _link_problem(ctx, reply, link, seen, walk.pages)
        if walk.problem is not None or (walk.found is not None and stop_when_found):
            return walk
        if walk.pages >= MAX_PAGES:
            walk.capped = True
            return walk
        current = judged


def _page_problem(
    walk: Walk, reply: Reply, members: list[JSON], name: str, value: str, contents: dict[tuple[str, ...], int]
) -> Finding | None:
    """The object listed twice on this page, or this page repeating an earlier one (a loop); else None.

    Twice on one page is a fault: a page is one answer, and a collection holds an entity once. Twice on
    two pages is not judged: offset paging on a shared service legally shows a member again when another
    client inserts before it between two pages (OData 4.01 Protocol §11.2.6.7 lets a service page as it
    likes, and names no snapshot)."""
    hits = sum(1 for m in members if isinstance(m, dict) and same_key(m.get(name), value))
    if hits:
        walk.found_on.append(walk.pages)
        walk.found = walk.found or reply
    if hits > 1:
        return finding(
            f"the object with {name} {excerpt(value)} is listed "
            + ("twice" if hits == 2 else f"{hits} times")
            + f" on page {walk.pages}; a page lists an entity once",
            "response.body/value",
            reply,
            expected=f"one member with {name} {excerpt(value)}",
            actual=f"{hits} members with {name} {excerpt(value)}",
        )
    if not members:
        return None
    keys = _member_keys(members, name)
    earlier = contents.setdefault(keys, walk.pages)
    if earlier != walk.pages:
        return finding(
            f"page {walk.pages} lists exactly the members of page {earlier} again ({len(members)}): the "
            "@odata.nextLinks loop, so the list would never end",
            "response.body/@odata.nextLink",
            reply,
            expected="each page new members, and the chain ending",
            actual=f"page {walk.pages} = page {earlier}",
        )
    return None


def _absolute(ctx: CheckContext, path: str) -> str:
    return ctx.client.url_for(path)


def _link_problem(
    ctx: CheckContext, reply: Reply, link: JSON, seen: dict[str, int], page: int
) -> tuple[str, Finding | None]:
    """(the path to request next, as judged, or why the walk must not follow `link`)."""
    shown = excerpt(link, 200)

    def problem(why: str, expected: str) -> tuple[str, Finding]:
        return "", finding(
            f"@odata.nextLink of page {page} {why}",
            "response.body/@odata.nextLink",
            reply,
            expected=expected,
            actual=shown,
        )

    if not isinstance(link, str) or not link.strip():
        return problem(f"is {shown}, not a URL", "a URL of the next page, or no @odata.nextLink")
    judged = judge_link(link, reply.exchange.request.url, ctx.client.url_for(""))
    if judged.why is not None:
        return problem(f"({shown}) {judged.why}", judged.expected)
    absolute = ctx.client.url_for(judged.path)
    if absolute in seen:
        return problem(
            f"repeats the link of page {seen[absolute]}: following it would loop for ever",
            "a link to a page not yet read",
        )
    return judged.path, None


__all__ = [
    "MAX_PAGES",
    "Walk",
    "changed_value",
    "item_path",
    "key_value",
    "needing",
    "operation",
    "resource",
    "unchanged_findings",
    "update_body",
    "walk_list",
]

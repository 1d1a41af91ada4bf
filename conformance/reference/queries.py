"""The reference's query options beyond `$top`: `$select` on a get or list and `$filter` on a list.

Each applies only where the page documents it (an undocumented option is ignored, as before). `$select`
keeps the named properties and the `@odata` annotations; a name no page documents is a 400 with an OData
error (the type is closed). `$filter` takes one comparison, `name eq 'text'` on a documented property; any
other expression is a 400 with an OData error ("not supported"), the answer Graph gives for a filter it
cannot apply. Faults change each of these (`select-ignored`, `filter-ignored`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from conformance.contract.spec import JSON, Operation
from conformance.reference.http import Reply, Request

if TYPE_CHECKING:
    from conformance.reference.service import ReferenceServer, _Mode

_EQ_RE = re.compile(r"\A\s*([A-Za-z_][\w]*)\s+eq\s+'((?:[^']|'')*)'\s*\Z")
Entity = dict[str, JSON]


def documents(op: Operation | None, option: str) -> bool:
    return op is not None and any(o.value.casefold() == option.casefold() for o in op.query_options)


def documented_names(server: ReferenceServer) -> set[str]:
    return {p.name for op in server.routes.resource.operations for p in op.properties}


def refusal(server: ReferenceServer, mode: _Mode, req: Request, message: str) -> Reply:
    """The 400 refusing a query option: an OData error (the `query-error-bare` fault leaves it out)."""
    if mode.on("query-error-bare"):
        return server.bare_reply(mode, req, 400)
    return server.error(mode, req, 400, "BadRequest", message)


def _option(req: Request, name: str) -> str | None:
    query = parse_qs(req.query, keep_blank_values=True)
    values = query.get(name)
    return values[0] if values else None


def selection(
    server: ReferenceServer, mode: _Mode, req: Request, op: Operation | None
) -> Callable[[Entity], Entity] | Reply | None:
    """What `$select` makes of each entity (None: no `$select`, or the page does not document it), or the
    400 for a name no page documents."""
    raw = _option(req, "$select")
    if raw is None or not documents(op, "$select") or mode.on("select-ignored"):
        return None
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if "*" in names:
        return None
    known = documented_names(server) | {"id", server.routes.key_name}
    unknown = next((n for n in names if n not in known), None)
    if unknown is not None:
        if mode.on("select-unknown-500"):
            return Reply(500, [("Content-Type", "text/plain")], b"KeyError: " + unknown.encode()[:100])
        if not mode.on("select-unknown-ignored"):
            message = f"Could not find a property named '{unknown[:100]}' on the type."
            return refusal(server, mode, req, message)
    keep = set(names)
    if mode.on("select-keeps-key") or mode.on("select-unknown-ignored"):
        keep |= {"id", server.routes.key_name}
    return lambda entity: {k: v for k, v in entity.items() if k.startswith("@") or k in keep}


def filtering(
    server: ReferenceServer, mode: _Mode, req: Request, op: Operation | None
) -> Callable[[Entity], bool] | Reply | None:
    """Which entities `$filter` keeps (None: no `$filter`, or the page does not document it), or the 400
    for an expression the reference does not apply."""
    raw = _option(req, "$filter")
    if raw is None or not documents(op, "$filter") or mode.on("filter-ignored"):
        return None
    m = _EQ_RE.match(raw)
    if mode.on("filter-400") or m is None or m.group(1) not in documented_names(server):
        return refusal(server, mode, req, "The filter is not supported: only 'property eq 'text'' is.")
    name, value = m.group(1), m.group(2).replace("''", "'")
    if mode.on("filter-substring"):
        return lambda entity: isinstance(got := entity.get(name), str) and value in got
    return lambda entity: entity.get(name) == value


__all__ = ["documented_names", "documents", "filtering", "refusal", "selection"]

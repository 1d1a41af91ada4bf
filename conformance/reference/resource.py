"""The rest of a resource in the reference: its paths, its store, and the get, list, update and delete.

`Routes` matches a request path to a collection (the create's and the list's paths, and the item pages'
paths without their key) or to one entity below it, written segment style (`/things/k`) or key style
(`/things('k')`, `/things(k)`, `/things(id='k')`): a server that accepts both serves whichever the pages
write. `Store` keeps the entities keyed by (collection path, key) where the key is the value of the
resource's key property (`keys.key_name`: `id` unless the pages' key names another property),
with the order they were created in. A list is served newest first in pages of `PAGE_SIZE` with an
`@odata.nextLink` carrying a `$skiptoken` (the key the page ended at), and `$top` where the list page
documents it. The handlers (`list_reply`, `update_reply`, `delete_reply`) answer for `ReferenceServer`.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote, unquote

from conformance.contract.grouping import resource_of
from conformance.contract.keys import key_name
from conformance.contract.kinds import strip_key
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, Operation, Spec, request_schema
from conformance.reference import queries
from conformance.reference.http import Reply, Request, loads_json

if TYPE_CHECKING:
    from conformance.reference.service import ReferenceServer, _Mode

PAGE_SIZE = 100  # members per list page (Graph's usual default)
LAG_S = 600.0  # `list-missing-new`: how long a new object stays out of lists
_KEY_NAME_RE = re.compile(r"^\s*[A-Za-z_][\w-]*\s*=")


def _template(path: str) -> str:
    path = path.split("?")[0].rstrip("/") or "/"
    parts = re.split(r"(\{[^}]*\})", path)
    return "".join("[^/()]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)


def parse_key(raw: str, key_style: bool) -> str:
    """The key value in an item path's last part: `k` of `/things/k`, `('k')`, `(k)` or `(id='k')`."""
    if not key_style:
        return unquote(raw)
    inner = _KEY_NAME_RE.sub("", raw, count=1).strip()
    if len(inner) >= 2 and inner[0] == inner[-1] == "'":
        inner = inner[1:-1].replace("''", "'")
    return unquote(inner)


class Routes:
    """The collection paths of the spec's resource, and the item paths below them in either key style."""

    def __init__(self, spec: Spec) -> None:
        self.resource = resource_of(spec)
        self.key_name = key_name(self.resource)
        self.ops: dict[str, Operation] = {}
        for op in self.resource.operations:
            self.ops.setdefault(op.kind_name, op)
        templates: list[str] = []
        for op in self.resource.operations:
            for fact in op.paths:
                path = fact.value if op.kind_name in ("create", "list") else strip_key(fact.value)
                if _template(path) not in templates:
                    templates.append(_template(path))
        self._patterns = [
            (
                re.compile(f"^{t}/?\\Z", re.IGNORECASE),
                re.compile(f"^({t})/([^/]+)\\Z", re.IGNORECASE),
                re.compile(f"^({t})\\(([^()]*)\\)\\Z", re.IGNORECASE),
            )
            for t in templates
        ]

    def match(self, path: str) -> tuple[str, str | None] | None:
        """(collection path, key) of an item path, (collection path, None) of a collection, else None."""
        for collection, segment, keyed in self._patterns:
            if collection.match(path):
                return path, None
            m = keyed.match(path)
            if m:
                return m.group(1), parse_key(m.group(2), True)
            m = segment.match(path)
            if m:
                return m.group(1), parse_key(m.group(2), False)
        return None

    def allowed(self, item: bool) -> str:
        """The Allow header's methods on a collection or an item path."""
        if item:
            extra = [o.method.value.upper() for k in ("update", "delete") if (o := self.ops.get(k))]
            return ", ".join(dict.fromkeys(["GET", *extra]))
        return "GET, POST" if "list" in self.ops else "POST"

    @property
    def documents_top(self) -> bool:
        listing = self.ops.get("list")
        return listing is not None and any(o.value.casefold() == "$top" for o in listing.query_options)


@dataclass(slots=True)
class _Entry:
    entity: dict[str, JSON]
    seq: int
    born: float = field(default_factory=time.monotonic)
    gone: bool = False  # deleted, yet still listed (`delete-leaves-listed`)


class Store:
    """Entities by (collection path, key), in creation order; deleted keys keep their place for paging."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._seq: dict[tuple[str, str], int] = {}
        self._counter = 0

    def put(self, collection: str, key: str, entity: dict[str, JSON]) -> None:
        with self._lock:
            self._counter += 1
            self._entries[(collection, key)] = _Entry(entity, self._counter)
            self._seq[(collection, key)] = self._counter

    def get(self, collection: str, key: str) -> dict[str, JSON] | None:
        with self._lock:
            entry = self._entries.get((collection, key))
            return None if entry is None or entry.gone else dict(entry.entity)

    def replace(self, collection: str, key: str, entity: dict[str, JSON]) -> bool:
        with self._lock:
            entry = self._entries.get((collection, key))
            if entry is not None and not entry.gone:
                entry.entity = entity
            return entry is not None and not entry.gone

    def delete(self, collection: str, key: str, *, keep_listed: bool = False) -> bool:
        """Forget the entity; with `keep_listed`, only reads of it forget it (lists still hold it)."""
        with self._lock:
            if not keep_listed:
                return self._entries.pop((collection, key), None) is not None
            entry = self._entries.get((collection, key))
            if entry is not None:
                entry.gone = True
            return entry is not None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def members(
        self, collection: str, after: str | None, lag: float, *, newest_first: bool = True
    ) -> list[tuple[str, dict[str, JSON]]]:
        """(key, entity) newest (or oldest) first, only those past the key `after` in that order; none
        younger than `lag` seconds."""
        with self._lock:
            bound = self._seq.get((collection, after)) if after is not None else None
            now = time.monotonic()
            found = [
                (e.seq, key, dict(e.entity))
                for (coll, key), e in self._entries.items()
                if coll == collection
                and (bound is None or (e.seq < bound if newest_first else e.seq > bound))
                and now - e.born >= lag
            ]
        found.sort(key=lambda t: t[0], reverse=newest_first)
        return [(key, entity) for _seq, key, entity in found]


def page_size(mode: _Mode) -> int:
    if mode.on("nextlink-loop") or mode.on("nextlink-other-host") or mode.on("page-size-1"):
        return 1
    if mode.on("top-ignored"):  # the server's own page size, whatever $top asks
        return 2
    return 7 if mode.on("page-size-7") else PAGE_SIZE


def list_reply(server: ReferenceServer, mode: _Mode, req: Request, collection: str) -> Reply:
    """A page of the collection (`value`, `@odata.nextLink`) after `$skiptoken`, within a documented
    `$top`."""
    query = parse_qs(req.query, keep_blank_values=True)
    top: int | None = None
    raw_top = query.get("$top", [None])[0]
    if raw_top is not None and server.routes.documents_top and not mode.on("top-ignored"):
        if not raw_top.isascii() or not raw_top.isdigit():
            if not mode.on("top-invalid-ignored"):
                return queries.refusal(server, mode, req, "$top must be a non-negative integer.")
        elif raw_top == "1" or not mode.on("top-only-one"):
            top = int(raw_top)
    listing = server.routes.ops.get("list")
    keep, select = (
        queries.filtering(server, mode, req, listing),
        queries.selection(server, mode, req, listing),
    )
    if isinstance(keep, Reply) or isinstance(select, Reply):
        return keep if isinstance(keep, Reply) else select  # type: ignore[return-value]  # one is a Reply
    after = query.get("$skiptoken", [None])[0]
    lag = LAG_S if mode.on("list-missing-new") else 0.0
    members = server.store.members(collection, after, lag, newest_first=not mode.on("page-size-7"))
    if keep is not None:
        members = [(key, entity) for key, entity in members if keep(entity)]
    if top is not None:
        members = members[:top]
    size = page_size(mode)
    page = members[:size]
    shown = [(select or dict)(entity) for _key, entity in page]
    body: dict[str, JSON] = {
        "@odata.context": f"{server.url}/$metadata#{collection.lstrip('/')}",
        "value": [{k: v for k, v in entity.items() if k != "@odata.context"} for entity in shown],
    }
    if len(members) > size:
        link = f"{collection}?$skiptoken={quote(page[-1][0], safe='')}"
        if top is not None:
            link += f"&$top={top - size}"
        for option in ("$filter", "$select"):  # the next page answers the same question
            if option in query:
                link += f"&{option}={quote(query[option][0], safe='')}"
        if mode.on("nextlink-loop"):
            link = collection + (f"?{req.query}" if req.query else "")
        origin = "http://graph.example.invalid" if mode.on("nextlink-other-host") else server.url
        body["@odata.nextLink"] = origin + link
    return server.json_reply(mode, req, 200, body)


def _body(server: ReferenceServer, mode: _Mode, req: Request) -> dict[str, JSON] | Reply:
    media = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if req.body and media != "application/json":
        return server.error(mode, req, 415, "UnsupportedMediaType", "Content-Type must be application/json.")
    try:
        body = loads_json(req.body)
    except ValueError as exc:
        return server.error(mode, req, 400, "BadRequest", f"The request body is not valid JSON: {exc}.")
    if not isinstance(body, dict):
        return server.invalid(mode, req, "", "the request body must be a JSON object")
    return body


def update_reply(server: ReferenceServer, mode: _Mode, req: Request, collection: str, key: str) -> Reply:
    """PATCH (merge) of the entity keyed `key`: 204, or 200 with the entity where the page says so."""
    update = server.routes.ops["update"]
    found = server.store.get(collection, key)
    if found is None:
        return not_found(server, mode, req, key)
    body = _body(server, mode, req)
    if isinstance(body, Reply):
        return body
    for prop in update.properties:  # non-updatable properties are ignored, as a create ignores them
        if prop.read_only:
            body.pop(prop.name, None)
    body.pop("id", None)
    body.pop(server.routes.key_name, None)
    errors = [] if mode.on("update-accepts-mistyped") else validation_errors(body, request_schema(update))
    if errors:
        pointer, message = errors[0]
        if mode.on("update-refusal-applies"):  # refused, but what was sent is stored all the same
            server.store.replace(collection, key, {**found, **body})
        if mode.on("update-error-bare"):
            return server.bare_reply(mode, req, 400)
        return server.invalid(mode, req, pointer, message)
    if update.properties and mode.on("update-ignores-last-property"):  # silently not stored
        body.pop(update.properties[-1].name, None)
    merged = {**found, **body}
    if not mode.on("stale-read-after-update"):
        server.store.replace(collection, key, merged)
    codes = (update.success_status.value, *(f.value for f in update.also_status))
    status = 200 if 200 in codes and mode.on("update-200") else update.success_status.value
    if mode.on("update-200-no-body"):
        return server.bare_reply(mode, req, 200)
    if status == 200:
        return server.json_reply(mode, req, 200, merged)
    return server.bare_reply(mode, req, status)  # 204, or the code the page documents (202, ...)


def delete_reply(server: ReferenceServer, mode: _Mode, req: Request, collection: str, key: str) -> Reply:
    """DELETE of the entity keyed `key`: the code the delete page documents (204 No Content; 200 with the
    deleted object where the page says 200)."""
    found = server.store.get(collection, key)
    if found is None:
        return not_found(server, mode, req, key)
    if not mode.on("delete-leaves-readable"):
        server.store.delete(collection, key, keep_listed=mode.on("delete-leaves-listed"))
    status = server.routes.ops["delete"].success_status.value
    if status == 200 or mode.on("delete-200-body"):
        return server.json_reply(mode, req, 200, found)
    return server.bare_reply(mode, req, status)


def not_found(server: ReferenceServer, mode: _Mode, req: Request, key: str) -> Reply:
    """The answer for a key the store does not hold (404 with an error body; faults change it)."""
    if mode.on("unknown-id-500"):
        return Reply(500, [("Content-Type", "text/html")], b"<h1>Internal Server Error</h1>KeyError")
    if mode.on("unknown-id-404-bare"):
        return server.bare_reply(mode, req, 404)
    return server.error(mode, req, 404, "Request_ResourceNotFound", f"Resource '{key[:100]}' does not exist.")


__all__ = [
    "LAG_S",
    "PAGE_SIZE",
    "Routes",
    "Store",
    "delete_reply",
    "list_reply",
    "not_found",
    "page_size",
    "parse_key",
    "update_reply",
]

"""Blind9: own Graph-style pages for a 'gizmo' resource and a stdlib http.server target with switchable bugs."""
import json, re, threading, uuid
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlsplit, parse_qsl, urlencode, quote, unquote

BASE = "/api/v9"
COLORS = ("red", "green", "blue")
PROPS = ("gizmoName", "color", "size")


def _page(title, blurb, method, path, headers, body_section, response, example):
    return f"""---
title: "{title}"
description: "{blurb}"
author: "blind9"
ms.localizationpriority: medium
doc_type: apiPageType
---

# {title}
Namespace: microsoft.graph

{blurb}

## Permissions
|Permission type|Permissions (from least to most privileged)|
|:---|:---|
|Delegated (work or school account)|Gizmo.ReadWrite.All|
|Application|Gizmo.ReadWrite.All|

## HTTP request

<!-- {{
  "blockType": "ignored"
}}
-->
``` http
{method} {path}
```
{body_section[0]}
## Request headers
|Name|Description|
|:---|:---|
{headers}

## Request body
{body_section[1]}

## Response

{response}

## Examples

{example}
"""

AUTH = "|Authorization|Bearer {token}. Required.|"
CT = "|Content-Type|application/json. Required.|"
TABLE = """|Property|Type|Description|
|:---|:---|:---|
|gizmoName|String|The name the caller gives the gizmo; no two gizmos share it. Required.|
|color|String|What the gizmo is painted. Possible values are: `red`, `green`, `blue`. Optional.|
|size|Int32|How big the gizmo is, in millimetres. Optional.|"""
UPD_TABLE = """|Property|Type|Description|
|:---|:---|:---|
|color|String|What the gizmo is painted. Possible values are: `red`, `green`, `blue`.|
|size|Int32|How big the gizmo is, in millimetres.|"""
ENTITY = """{
  "@odata.type": "#microsoft.graph.gizmo",
  "id": "5b0c2f1e-8d3a-4e7b-9a61-2c4d5e6f7a8b",
  "gizmoName": "sprocket-one",
  "color": "green",
  "size": 12
}"""


def _ex(req, status, body):
    out = "### Request\n<!-- {\n  \"blockType\": \"request\",\n  \"name\": \"gizmo_ex\"\n}\n-->\n``` http\n" + req + "\n```\n\n"
    out += "### Response\n<!-- {\n  \"blockType\": \"response\",\n  \"truncated\": true,\n  \"@odata.type\": \"microsoft.graph.gizmo\"\n}\n-->\n``` http\n" + status + "\n"
    if body:
        out += "Content-Type: application/json\n\n" + body + "\n"
    return out + "```\n"


def pages(update_method="PATCH"):
    P = {}
    P["gizmo-create.md"] = _page(
        "Create gizmo", "Create a new gizmo object.", "POST", "/gizmos", AUTH + "\n" + CT,
        ("", "In the request body, supply a JSON representation of a [gizmo](../resources/gizmo.md) object.\n\n"
             "You can specify the following properties when creating a **gizmo**.\n\n" + TABLE + "\n"),
        "If successful, this method returns a `201 Created` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
        _ex("POST https://graph.microsoft.com/v1.0/gizmos\nContent-Type: application/json\n\n"
            '{\n  "gizmoName": "sprocket-one",\n  "color": "green",\n  "size": 12\n}', "HTTP/1.1 201 Created", ENTITY))
    P["gizmo-get.md"] = _page(
        "Get gizmo", "Read the properties of a gizmo.", "GET", "/gizmos/{gizmoName}", AUTH,
        ("\n## Optional query parameters\nThis method supports the `$select` OData query parameter to choose the properties returned.\n",
         "Do not supply a request body for this method."),
        "If successful, this method returns a `200 OK` response code and a [gizmo](../resources/gizmo.md) object in the response body.",
        _ex("GET https://graph.microsoft.com/v1.0/gizmos/sprocket-one", "HTTP/1.1 200 OK", ENTITY))
    P["gizmo-list.md"] = _page(
        "List gizmos", "Get all the gizmos.", "GET", "/gizmos", AUTH,
        ("\n## Optional query parameters\nThis method supports the `$top`, `$select` and `$filter` OData query parameters. "
         "Results are paged: when more gizmos remain, the response holds an `@odata.nextLink` to the next page.\n",
         "Do not supply a request body for this method."),
        "If successful, this method returns a `200 OK` response code and a collection of [gizmo](../resources/gizmo.md) objects in the response body.",
        _ex("GET https://graph.microsoft.com/v1.0/gizmos", "HTTP/1.1 200 OK",
            '{\n  "value": [\n' + "\n".join("    " + l for l in ENTITY.splitlines()) + '\n  ]\n}'))
    if update_method == "PATCH":
        resp = "If successful, this method returns a `204 No Content` response code."
        ex = _ex("PATCH https://graph.microsoft.com/v1.0/gizmos/sprocket-one\nContent-Type: application/json\n\n"
                 '{\n  "color": "red"\n}', "HTTP/1.1 204 No Content", None)
        intro = "In the request body, supply only the values of the properties to change. Properties left out keep their values.\n\n"
    else:
        resp = "If successful, this method returns a `200 OK` response code and the updated [gizmo](../resources/gizmo.md) object in the response body."
        ex = _ex("PUT https://graph.microsoft.com/v1.0/gizmos/sprocket-one\nContent-Type: application/json\n\n"
                 '{\n  "color": "red",\n  "size": 12\n}', "HTTP/1.1 200 OK", ENTITY)
        intro = "In the request body, supply the whole gizmo: it replaces the stored one.\n\n"
    P["gizmo-update.md"] = _page(
        "Update gizmo", "Change the properties of a gizmo.", update_method, "/gizmos/{gizmoName}", AUTH + "\n" + CT,
        ("", intro + UPD_TABLE + "\n"), resp, ex)
    P["gizmo-delete.md"] = _page(
        "Delete gizmo", "Remove a gizmo.", "DELETE", "/gizmos/{gizmoName}", AUTH,
        ("", "Do not supply a request body for this method."),
        "If successful, this method returns a `204 No Content` response code. It returns nothing in the response body.",
        _ex("DELETE https://graph.microsoft.com/v1.0/gizmos/sprocket-one", "HTTP/1.1 204 No Content", None))
    return P


class Store:
    def __init__(self, cfg):
        self.cfg = cfg
        self.items = []          # list of dicts, creation order
        self.ghosts = []         # deleted but still listed (bug)
        self.lock = threading.Lock()
        self.escaped = []
        self.log = []        # (path, authorization) of requests outside BASE
        for i in range(cfg.get("preload", 3)):
            self.items.append({"@odata.type": "#microsoft.graph.gizmo", "id": str(uuid.uuid4()),
                               "gizmoName": f"preloaded-{i:04d}", "color": COLORS[i % 3], "size": i})

    def find(self, name):
        for it in self.items:
            if it["gizmoName"] == name:
                return it
        return None


def make_server(**cfg):
    """cfg: preload, page, newest_first, update ('PATCH'|'PUT'), bugs: set of names."""
    cfg.setdefault("page", 3)
    cfg.setdefault("update", "PATCH")
    bugs = set(cfg.get("bugs", ()))
    store = Store(cfg)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send_json(self, code, obj=None, extra=None):
            data = b"" if obj is None else json.dumps(obj).encode()
            self.send_response(code)
            if obj is not None:
                self.send_header("Content-Type", "application/json;odata.metadata=minimal")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("OData-Version", "4.0")
            self.send_header("request-id", str(uuid.uuid4()))
            cr = self.headers.get("client-request-id")
            if cr and re.fullmatch(r"[\x21-\x7e]{1,200}", cr):
                self.send_header("client-request-id", cr)
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)

        def err(self, code, c, msg, extra=None):
            store.log.append((self.command, self.path[:200], code, msg[:200], getattr(self, '_raw', b'')[:300]))
            self.send_json(code, {"error": {"code": c, "message": msg}}, extra)

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            self._raw = self.rfile.read(n) if n else b""
            return self._raw

        def route(self):
            parts = urlsplit(self.path)
            raw = parts.path
            if not raw.startswith(BASE + "/"):
                store.escaped.append((raw, self.headers.get("Authorization")))
                if "escape" in bugs and raw.startswith("/evil/gizmos"):
                    return "coll", None, parts.query
                return None, None, None
            rest = raw[len(BASE):]
            if rest == "/gizmos":
                return "coll", None, parts.query
            m = re.fullmatch(r"/gizmos/([^/]+)", rest) or re.fullmatch(r"/gizmos\('([^/]*)'\)", rest)
            if m:
                return "item", unquote(m.group(1), errors="strict") if True else None, parts.query
            return None, None, None

        def auth_ok(self):
            a = self.headers.get("Authorization", "")
            if not a.startswith("Bearer ") or not a[7:].strip():
                self.err(401, "InvalidAuthenticationToken", "Access token is empty.",
                         {"WWW-Authenticate": 'Bearer realm="gizmo"'})
                return False
            return True

        def handle_any(self):
            try:
                kind, key, query = self.route()
            except UnicodeDecodeError:
                self.body(); return self.err(400, "BadRequest", "bad key encoding")
            if kind is None:
                self.body(); return self.err(404, "NotFound", "no such path")
            if not self.auth_ok():
                self.body(); return
            try:
                q = dict(parse_qsl(query or "", keep_blank_values=True))
            except ValueError:
                q = {}
            getattr(self, f"{kind}_{self.command}", self.not_allowed)(key, q)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any

        def not_allowed(self, key, q):
            self.body()
            allow = "GET, POST" if key is None else f"GET, {cfg['update']}, DELETE"
            self.err(405, "MethodNotAllowed", "method not allowed", {"Allow": allow})

        def read_json(self):
            ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            raw = self.body()
            if ct != "application/json":
                self.err(415, "UnsupportedMediaType", "send application/json"); return None
            try:
                obj = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                self.err(400, "BadRequest", "body is not JSON"); return None
            if not isinstance(obj, dict):
                self.err(400, "BadRequest", "body is not an object"); return None
            return obj

        def validate(self, obj, allowed, allow_unknown=False):
            for k, v in obj.items():
                if k.startswith("@odata."):
                    continue
                if k not in allowed:
                    if allow_unknown:
                        continue
                    return f"unknown property {k}"
                if k == "gizmoName":
                    if not isinstance(v, str) or not v.strip() or len(v) > 1_000_000 or any(ord(c) < 32 for c in v):
                        return "gizmoName must be a non-empty string"
                elif k == "color":
                    if v is not None and (not isinstance(v, str) or (cfg.get("strict_colors") and v not in COLORS)):
                        return f"color must be one of {', '.join(COLORS)}"
                elif k == "size":
                    if v is None:
                        continue
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and not v.is_integer()):
                        return "size must be an Int32"
                    if not -2**31 <= v < 2**31:
                        return "size out of Int32 range"
            return None

        def coll_POST(self, key, q):
            obj = self.read_json()
            if obj is None:
                return
            problem = self.validate(obj, PROPS + ("id",))
            if not problem and "gizmoName" not in obj:
                problem = "gizmoName is required"
            if problem:
                return self.err(400, "BadRequest", problem)
            with store.lock:
                if store.find(obj["gizmoName"]):
                    return self.err(409, "Conflict", "a gizmo with that gizmoName exists")
                ent = {"@odata.type": "#microsoft.graph.gizmo", "id": str(uuid.uuid4())}
                for p in PROPS:
                    if p in obj:
                        ent[p] = int(obj[p]) if p == "size" and obj[p] is not None else obj[p]
                store.items.append(ent)
            loc = f"http://{self.headers.get('Host')}{BASE}/gizmos/{quote(ent['gizmoName'].encode('utf-8', 'surrogatepass'), safe='')}"
            self.send_json(201, ent, {"Location": loc} if len(loc) < 2000 else {})

        def select(self, ent, sel):
            if sel is None:
                return ent
            out = {k: v for k, v in ent.items() if k.startswith("@odata.") or k in sel}
            out["id"] = ent["id"]                      # legal variation: $select adds id (and the key)
            out["gizmoName"] = ent["gizmoName"]
            return out

        def parse_select(self, q):
            if "$select" not in q:
                return None, None
            sel = [s.strip() for s in q["$select"].split(",") if s.strip()]
            bad = [s for s in sel if s not in PROPS + ("id",)]
            if bad or not sel:
                return None, f"cannot select {bad}"
            return sel, None

        def item_GET(self, key, q):
            self.body()
            sel, problem = self.parse_select(q)
            if problem:
                return self.err(400, "BadRequest", problem)
            ent = store.find(key)
            if not ent:
                return self.err(404, "Request_ResourceNotFound", f"no gizmo {key!r}")
            self.send_json(200, self.select(ent, sel))

        def coll_GET(self, key, q):
            self.body()
            sel, problem = self.parse_select(q)
            if problem:
                return self.err(400, "BadRequest", problem)
            top = None
            if "$top" in q:
                if not re.fullmatch(r"[0-9]{1,9}", q["$top"]):
                    return self.err(400, "BadRequest", "$top must be a non-negative integer")
                top = int(q["$top"]) + (1 if "top_off_by_one" in bugs else 0)
            items = list(store.items) + list(store.ghosts)
            if cfg.get("newest_first"):
                items.reverse()
            if "$filter" in q:
                m = re.fullmatch(r"\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(-?\d+))\s*", q["$filter"])
                if not m or m.group(1) not in PROPS:
                    return self.err(400, "BadRequest", "unsupported $filter")
                p = m.group(1)
                if m.group(2) is not None:
                    v = m.group(2).replace("''", "'")
                    if "filter_substring" in bugs:
                        items = [i for i in items if isinstance(i.get(p), str) and v.lower() in i[p].lower()]
                    else:
                        items = [i for i in items if isinstance(i.get(p), str) and i[p].lower() == v.lower()]
                else:
                    items = [i for i in items if i.get(p) == int(m.group(3))]
            try:
                off = int(q.get("$skiptoken", "0"))
            except ValueError:
                return self.err(400, "BadRequest", "bad $skiptoken")
            limit = len(items) if top is None else min(top, len(items))
            end = min(off + cfg["page"], limit)
            page = [self.select(i, sel) for i in items[off:end]]
            pageno = off // cfg["page"]
            if "missing_page3" in bugs and pageno >= 2:
                page = [i for i in page if i["gizmoName"].startswith("preloaded-")]
            if "dup_on_page" in bugs:
                page = page + [i for i in page if not i["gizmoName"].startswith("preloaded-")]
            body = {"@odata.context": f"http://{self.headers.get('Host')}{BASE}/$metadata#gizmos", "value": page}
            if end < limit:
                nq = {k: v for k, v in q.items() if k != "$skiptoken"}
                nq["$skiptoken"] = str(end)
                host = self.headers.get("Host")
                if "escape" in bugs and pageno >= 0:
                    path = f"{BASE}/gizmos/../../../evil/gizmos"
                else:
                    path = f"{BASE}/./gizmos"       # legal: a ./ segment
                body["@odata.nextLink"] = f"http://{host}{path}?" + urlencode(nq, safe="$,' ")
                body["@odata.nextLink"] = body["@odata.nextLink"].replace(" ", "%20")
                if cfg.get("relative_next"):   # OData JSON 4.01 §4.6: relative to the context URL
                    body["@odata.nextLink"] = "./gizmos?" + body["@odata.nextLink"].split("?", 1)[1]
            self.send_json(200, body)

        def item_update(self, key, q, method):
            obj = self.read_json()
            if obj is None:
                return
            if method != cfg["update"]:
                return self.err(405, "MethodNotAllowed", "use " + cfg["update"], {"Allow": f"GET, {cfg['update']}, DELETE"})
            ent = store.find(key)
            if not ent:
                return self.err(404, "Request_ResourceNotFound", f"no gizmo {key!r}")
            if "gizmoName" in obj and obj["gizmoName"] != key:
                return self.err(400, "BadRequest", "gizmoName cannot change")
            problem = self.validate(obj, ("color", "size", "gizmoName", "id"), allow_unknown="update_stores_unknown" in bugs)
            if problem:
                return self.err(400, "BadRequest", problem)
            with store.lock:
                if method == "PUT":
                    for p in ("color", "size"):
                        ent.pop(p, None)
                for k, v in obj.items():
                    if k in ("id", "gizmoName") or k.startswith("@"):
                        continue
                    ent[k] = int(v) if k == "size" and v is not None else v
            if method == "PUT":
                self.send_json(200, ent)
            else:
                self.send_json(204)

        def item_PATCH(self, key, q):
            self.item_update(key, q, "PATCH")

        def item_PUT(self, key, q):
            self.item_update(key, q, "PUT")

        def item_DELETE(self, key, q):
            self.body()
            with store.lock:
                ent = store.find(key)
                if not ent:
                    return self.err(404, "Request_ResourceNotFound", f"no gizmo {key!r}")
                store.items.remove(ent)
                if "delete_leaves_listed" in bugs:
                    store.ghosts.append(ent)
            self.send_json(204)

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, store, f"http://127.0.0.1:{srv.server_address[1]}{BASE}"

"""My own stdlib http.server targets for the 'gizmo' resource (legal variants and bugs)."""
import base64, binascii, json, re, threading, uuid, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs, quote, unquote

LISTED = {"color": {"red", "green", "blue"}, "finish": {"matte"}}
CREATE_PROPS = {"tagName", "color", "finish", "label", "weight"}
UPDATE_PROPS = {"color", "finish", "label", "weight"}
BASE = "/v1.0"

def encodings(tok):
    """Every spelling of the token a hostile target echoes."""
    b = tok.encode()
    return {
        "raw": tok,
        "hex": b.hex(),
        "HEX": b.hex().upper(),
        "hexsep": ":".join("%02x" % c for c in b),
        "xesc": "".join("\\x%02x" % c for c in b),
        "b64json": base64.b64encode(json.dumps({"token": tok}).encode()).decode(),
        "b64": base64.b64encode(b).decode(),
        "pct2": quote(quote(tok, safe=""), safe=""),
        "pctall": "".join("%%%02X" % c for c in b),
    }

class Store:
    def __init__(self):
        self.lock = threading.Lock(); self.items = {}  # tagName -> entity (insertion order)
        self.ghost = set()  # deleted but still listed

def err(code, msg):
    return {"error": {"code": code, "message": msg}}

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    cfg = {}; store = None
    def log_message(self, *a): pass

    # ---- helpers
    def send_json(self, code, obj, extra_headers=(), raw=None, reason=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        sec = getattr(self, "sec", None)
        self.send_response(code, reason or (sec and ("OK " + sec["xesc"] + " " + sec["b64json"])) or None)
        self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("OData-Version", "4.0")
        self.send_header("request-id", str(uuid.uuid4()))
        crid = self.headers.get("client-request-id")
        if crid: self.send_header("client-request-id", crid)
        if sec:
            for k, v in sec.items(): self.send_header("X-Echo-" + k, v)
        for k, v in extra_headers: self.send_header(k, v)
        if self.cfg.get("truncate_body") and self.command == "GET" and raw is None and code == 200:
            self.send_header("Content-Length", str(len(body) + 50)); self.end_headers()
            self.wfile.write(body[: len(body) // 2]); self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)

    def send_empty(self, code, extra=()):
        sec = getattr(self, "sec", None)
        self.send_response(code, sec and ("Gone " + sec["pct2"]) or None)
        self.send_header("OData-Version", "4.0"); self.send_header("request-id", str(uuid.uuid4()))
        crid = self.headers.get("client-request-id")
        if crid: self.send_header("client-request-id", crid)
        for k, v in extra: self.send_header(k, v)
        self.send_header("Content-Length", "0"); self.end_headers()

    def error(self, code, c, msg, extra=()):
        sec = getattr(self, "sec", None)
        if sec: msg = msg + " token-echo " + " | ".join(sec.values())
        self.send_json(code, err(c, msg), extra)

    def authed(self):
        self._body = self.read_body()
        a = self.headers.get("Authorization", "")
        if not a.startswith("Bearer ") or not a[7:].strip():
            self.error(401, "InvalidAuthenticationToken", "no bearer token",
                       [("WWW-Authenticate", 'Bearer realm="gizmo"')]); return False
        self.token = a[7:].strip()
        if self.cfg.get("echo_secrets"): self.sec = encodings(self.token)
        return True

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def route(self):
        u = urlsplit(self.path)
        p = u.path
        if not p.startswith(BASE + "/gizmos"): return None, None, u
        rest = p[len(BASE) + len("/gizmos"):]
        if rest == "": return "coll", None, u
        m = re.fullmatch(r"\('((?:[^']|'')*)'\)", rest)
        if m: return "item", unquote(m.group(1)).replace("''", "'"), u
        if rest.startswith("/") and "/" not in rest[1:]:
            return "item", unquote(rest[1:]), u
        return "bad", None, u

    def q(self, u):
        return {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}

    def select(self, ent, sel):
        if sel is None: return dict(ent)
        names = [s.strip() for s in sel.split(",") if s.strip()]
        known = CREATE_PROPS | {"id", "createdDateTime"}
        for n in names:
            if n not in known: return None
        out = {k: v for k, v in ent.items() if k.startswith("@") or k in names}
        if self.cfg.get("select_keeps_key", True): out["tagName"] = ent["tagName"]
        return out

    def validate(self, body, allowed, create):
        if not isinstance(body, dict): return "body must be an object"
        for k, v in body.items():
            if k.startswith("@odata."): continue
            if k not in allowed: return "unknown property " + k
            if k in ("color", "finish", "label"):
                if v is None: continue
                if not isinstance(v, str): return k + " must be a string"
                if k in LISTED and self.cfg.get("strict_values", True) and v not in LISTED[k]:
                    return k + " value not one of the listed values"
            if k == "weight":
                if v is None: continue
                if not isinstance(v, int) or isinstance(v, bool) or not -2**31 <= v < 2**31: return "weight must be Int32"
            if k == "tagName":
                if not isinstance(v, str) or v == "": return "tagName must be a non-empty string"
        if create and "tagName" not in body: return "tagName is required"
        return None

    # ---- methods
    def do_POST(self):
        kind, key, u = self.route()
        if not self.authed(): return
        if kind != "coll": return self.error(404, "NotFound", "no such path")
        ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = self._body
        if ct != "application/json": return self.error(415, "UnsupportedMediaType", "use application/json")
        try: body = json.loads(raw)
        except Exception: return self.error(400, "BadRequest", "malformed JSON")
        e = self.validate(body, CREATE_PROPS, True)
        if e: return self.error(400, "BadRequest", e)
        with self.store.lock:
            if body["tagName"] in self.store.items or body["tagName"] in self.store.ghost:
                return self.error(409, "Conflict", "a gizmo with this tagName exists")
            ent = {"@odata.type": "#microsoft.graph.gizmo", "id": str(uuid.uuid4())}
            for k, v in body.items():
                if not k.startswith("@") and v is not None: ent[k] = v
            ent["createdDateTime"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.store.items[body["tagName"]] = ent
        loc = "http://%s%s/gizmos/%s" % (self.headers.get("Host"), BASE, quote(body["tagName"], safe=""))
        self.send_json(201, self.out(ent), [("Location", loc)])

    def out(self, ent):
        ent = dict(ent)
        sec = getattr(self, "sec", None)
        if sec: ent["@echo.notes"] = dict(sec)
        return ent

    def do_GET(self):
        kind, key, u = self.route()
        if not self.authed(): return
        q = self.q(u)
        if kind == "item":
            with self.store.lock: ent = self.store.items.get(key)
            if ent is None: return self.error(404, "ResourceNotFound", "no gizmo with this tagName")
            ent = self.select(ent, q.get("$select"))
            if ent is None: return self.error(400, "BadRequest", "unknown $select property")
            if self.cfg.get("dup_json_get"):
                s = json.dumps(self.out(ent))
                s = s[:-1] + ', "label": "not-the-same-' + ent["tagName"] + '"}'
                return self.send_json(200, None, raw=s.encode())
            return self.send_json(200, self.out(ent))
        if kind != "coll": return self.error(404, "NotFound", "no such path")
        top = q.get("$top")
        if top is not None and not self.cfg.get("ignore_top"):
            if not re.fullmatch(r"[0-9]+", top): return self.error(400, "BadRequest", "$top must be a non-negative integer")
            top = int(top)
        else: top = None
        with self.store.lock:
            items = list(self.store.items.values()) + [g for g in self.store.ghost_items.values()] if hasattr(self.store, "ghost_items") else list(self.store.items.values())
        if self.cfg.get("drop_newest_no_top") and q.get("$top") is None and items:
            items = items[:-1]
        f = q.get("$filter")
        if f is not None:
            m = re.fullmatch(r"\s*label\s+eq\s+'((?:[^']|'')*)'\s*", f)
            if not m: return self.error(400, "BadRequest", "only label eq 'text' is supported")
            v = m.group(1).replace("''", "'")
            items = [i for i in items if isinstance(i.get("label"), str) and i["label"].lower() == v.lower()]
        if top is not None: items = items[:top]
        sel = q.get("$select")
        page = self.cfg.get("page_size", 1000)
        skip = int((q.get("$skiptoken") or "0").split("-")[0] or 0)
        if self.cfg.get("loop"):
            # each nextLink has a fresh query string, the members are always the first page's
            chunk = items[:1]; nxt = skip + 1
            more = True
        else:
            chunk = items[skip: skip + page]; nxt = skip + page
            more = nxt < len(items) or (self.cfg.get("empty_last") and nxt == len(items) and skip < len(items))
        members = []
        for i in chunk:
            s = self.select(i, sel)
            if s is None: return self.error(400, "BadRequest", "unknown $select property")
            members.append(self.out(s) if getattr(self, "sec", None) else s)
        body = {"value": members}
        if more:
            qs = dict(q); qs["$skiptoken"] = str(nxt) + (("-" + self.sec["hex"]) if getattr(self, "sec", None) else "")
            if self.cfg.get("loop"): qs["$skiptoken"] = "%d" % nxt; qs["salt"] = uuid.uuid4().hex
            query = "&".join("%s=%s" % (quote(k, safe="$"), quote(v, safe="")) for k, v in qs.items())
            if getattr(self, "sec", None): query += "&echo=" + self.sec["pct2"]
            style = self.cfg.get("link_style", "absolute")
            if style == "absolute": link = "http://%s%s/gizmos?%s" % (self.headers.get("Host"), BASE, query)
            elif style == "path": link = "%s/gizmos?%s" % (BASE, query)
            else: link = "gizmos?%s" % query
            body["@odata.nextLink"] = link
        self.send_json(200, body)

    def do_PATCH(self):
        kind, key, u = self.route()
        if not self.authed(): return
        if kind != "item": return self.error(405, "MethodNotAllowed", "no", [("Allow", "GET, POST")])
        ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        raw = self._body
        if ct != "application/json": return self.error(415, "UnsupportedMediaType", "use application/json")
        try: body = json.loads(raw)
        except Exception: return self.error(400, "BadRequest", "malformed JSON")
        with self.store.lock:
            ent = self.store.items.get(key)
            if ent is None: return self.error(404, "ResourceNotFound", "no gizmo")
            e = self.validate(body, UPDATE_PROPS, False)
            if e: return self.error(400, "BadRequest", e)
            if self.cfg.get("update_resets"):
                for k in list(ent):
                    if k in UPDATE_PROPS and k not in body: del ent[k]
            for k, v in body.items():
                if k.startswith("@"): continue
                if v is None: ent.pop(k, None)
                else: ent[k] = v
            ent = dict(ent)
        if self.cfg.get("update_200"): return self.send_json(200, self.out(ent))
        self.send_empty(204)

    def do_DELETE(self):
        kind, key, u = self.route()
        if not self.authed(): return
        if kind != "item": return self.error(405, "MethodNotAllowed", "no", [("Allow", "GET, POST")])
        with self.store.lock:
            ent = self.store.items.pop(key, None)
            if ent is None: return self.error(404, "ResourceNotFound", "no gizmo")
            if self.cfg.get("delete_leaves_listed"):
                self.store.ghost.add(key)
                self.store.ghost_items = getattr(self.store, "ghost_items", {}); self.store.ghost_items[key] = ent
        if self.cfg.get("delete_200"): return self.send_json(200, self.out(ent))
        self.send_empty(204)

    def do_PUT(self):
        kind, key, u = self.route()
        if not self.authed(): return
        self.error(405, "MethodNotAllowed", "not supported", [("Allow", "GET, POST" if kind == "coll" else "GET, PATCH, DELETE")])

def start(**cfg):
    H = type("H", (Handler,), {"cfg": cfg, "store": Store()})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True); t.start()
    return srv

if __name__ == "__main__":
    import sys, time
    cfg = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    s = start(**cfg); print(s.server_address[1], flush=True)
    while True: time.sleep(3600)

"""Stdlib target for the synthetic gizmo resource. usage: target_gizmo.py SPEC MODE
MODE: legal | stale | del200 | unknown200 | novalue | leak"""
import base64, json, re, sys, threading, uuid, datetime, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import yaml, jsonschema

SPEC, MODE = sys.argv[1], sys.argv[2]
DOC = yaml.safe_load(open(SPEC))
def validator(name):
    return jsonschema.Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": DOC["components"]})
CREATE, UPDATE = validator("gizmo.create"), validator("gizmo.update")
LISTED = {"color": {"red", "green", "blue"}, "tier": {"standard"}}
PROPS = ["id", "@odata.type", "displayName", "color", "tier", "weight", "createdDateTime"]
STR_PROPS = {"displayName", "color", "tier"}
STORE, LOCK, PAGE = {}, threading.Lock(), 2

def err(code, msg):
    return {"error": {"code": code, "message": msg}}

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def send(self, status, body=None, headers=()):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json; odata.metadata=minimal")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("OData-Version", "4.0")
        self.send_header("request-id", str(uuid.uuid4()))
        if self.headers.get("client-request-id"):
            self.send_header("client-request-id", self.headers["client-request-id"])
        for k, v in headers: self.send_header(k, v)
        self.end_headers()
        if data and self.command != "HEAD": self.wfile.write(data)
    def body(self):
        raw = self._raw
        ct = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ct != "application/json":
            return None, (415, err("UnsupportedMediaType", "send application/json"))
        try:
            def bad(c): raise ValueError(c)
            b = json.loads(raw.decode("utf-8"), parse_constant=bad)
        except Exception:
            return None, (400, err("BadRequest", "body is not JSON"))
        if not isinstance(b, dict):
            return None, (400, err("BadRequest", "body is not an object"))
        return b, None
    def check(self, b, v):
        errs = list(v.iter_errors(b))
        if errs:
            return (400, err("BadRequest", errs[0].message[:200]))
        for k, allowed in LISTED.items():
            if b.get(k) is not None and b[k] not in allowed:
                return (400, err("BadRequest", f"{k} must be one of {sorted(allowed)}"))
        return None
    def auth(self):
        n = int(self.headers.get("Content-Length") or 0)
        self._raw = self.rfile.read(n) if n else b""
        a = self.headers.get("Authorization")
        if not a or not a.startswith("Bearer ") or not a[7:].strip():
            body = err("InvalidAuthenticationToken", "no token")
            if MODE == "leak" and a:
                body["error"]["innerError"] = {"seen": a}
            self.send(401, body, [("WWW-Authenticate", 'Bearer realm="gizmo"')])
            return False
        return True
    def leak(self, body):
        # a careless server echoing the credential back in several encodings
        if MODE == "leak":
            tok = self.headers.get("Authorization", "")[7:]
            body["debug"] = {"raw": tok, "b64": base64.b64encode(tok.encode()).decode(),
                             "b64x": base64.b64encode(b"x" + tok.encode()).decode(),
                             "pct": urllib.parse.quote(tok, safe=""), "hex": tok.encode().hex(),
                             "uesc": "".join(f"\\u{ord(c):04x}" for c in tok)}
        return body
    def route(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        m = re.fullmatch(r"/gizmos(?:/([^/]+))?", u.path)
        return m, q
    def do_GET(self):
        if not self.auth(): return
        m, q = self.route()
        if not m: return self.send(404, err("NotFound", "no such path"))
        sel = None
        if "$select" in q:
            sel = [s.strip() for s in q["$select"][0].split(",")]
            if any(s not in PROPS for s in sel):
                return self.send(400, err("BadRequest", "unknown property in $select"))
        def shape(o):
            if sel is None: return dict(o)
            return {k: v for k, v in o.items() if k in sel or k in ("id", "@odata.type")}
        key = m.group(1)
        if key:
            key = urllib.parse.unquote(key)
            with LOCK: o = STORE.get(key.lower())
            if o is None:
                if MODE == "unknown200": return self.send(200, {})
                if MODE == "leak": return self.send(200, self.leak({"note": "found nothing"}), [("X-Debug-Token", self.headers.get("Authorization", ""))])
                return self.send(404, self.leak(err("NotFound", "no gizmo with that id")))
            return self.send(200, shape(o))
        with LOCK: items = list(STORE.values())
        if "$filter" in q:
            fm = re.fullmatch(r"\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*", q["$filter"][0])
            if not fm or fm.group(1) not in STR_PROPS:
                return self.send(400, err("BadRequest", "unsupported $filter"))
            val = fm.group(2).replace("''", "'")
            items = [o for o in items if o.get(fm.group(1)) == val]
        top = None
        if "$top" in q:
            if not re.fullmatch(r"[0-9]+", q["$top"][0]):
                return self.send(400, err("BadRequest", "bad $top"))
            top = int(q["$top"][0])
        skip = int(q.get("$skiptoken", ["0"])[0] or 0)
        if top is not None:
            page, nxt = items[:top], None
        else:
            page = items[skip:skip + PAGE]
            nxt = skip + PAGE if skip + PAGE < len(items) else None
        body = {"@odata.context": "http://%s/$metadata#gizmos" % self.headers.get("Host"),
                "value": [shape(o) for o in page]}
        if nxt is not None:
            qq = {k: v[0] for k, v in q.items() if k != "$skiptoken"}; qq["$skiptoken"] = str(nxt)
            body["@odata.nextLink"] = "http://%s/gizmos?%s" % (self.headers.get("Host"), urllib.parse.urlencode(qq))
        if MODE == "novalue":
            body["items"] = body.pop("value")
        self.send(200, body)
    def do_POST(self):
        if not self.auth(): return
        m, q = self.route()
        if not m or m.group(1): return self.send(405, err("MethodNotAllowed", "no"), [("Allow", "GET, PATCH, DELETE")])
        b, e = self.body()
        if e: return self.send(*e)
        e = self.check(b, CREATE)
        if e: return self.send(*e)
        o = {k: v for k, v in b.items() if not k.startswith("@")}
        o["id"] = str(uuid.uuid4())
        o["@odata.type"] = "#microsoft.graph.gizmo"
        o["createdDateTime"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with LOCK: STORE[o["id"]] = o
        self.send(201, o, [("Location", "http://%s/gizmos/%s" % (self.headers.get("Host"), o["id"]))])
    def do_PATCH(self):
        if not self.auth(): return
        m, q = self.route()
        if not m or not m.group(1): return self.send(405, err("MethodNotAllowed", "no"), [("Allow", "GET, POST")])
        key = urllib.parse.unquote(m.group(1)).lower()
        with LOCK: o = STORE.get(key)
        if o is None: return self.send(404, err("NotFound", "no gizmo with that id"))
        b, e = self.body()
        if e: return self.send(*e)
        e = self.check(b, UPDATE)
        if e: return self.send(*e)
        new = dict(o); new.update({k: v for k, v in b.items() if not k.startswith("@")})
        if MODE != "stale":
            with LOCK: STORE[key] = new
        self.send(200, new)   # the page allows 200 with the entity as well as 204
    def do_PUT(self):
        if not self.auth(): return
        self.send(405, err("MethodNotAllowed", "no"), [("Allow", "GET, PATCH, DELETE" if self.route()[0] and self.route()[0].group(1) else "GET, POST")])
    def do_DELETE(self):
        if not self.auth(): return
        m, q = self.route()
        if not m or not m.group(1): return self.send(405, err("MethodNotAllowed", "no"), [("Allow", "GET, POST")])
        key = urllib.parse.unquote(m.group(1)).lower()
        with LOCK: o = STORE.pop(key, None)
        if o is None: return self.send(404, err("NotFound", "no gizmo with that id"))
        if MODE == "del200": return self.send(200, o)
        self.send(204)

if __name__ == "__main__":
    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    print(srv.server_address[1], flush=True)
    srv.serve_forever()

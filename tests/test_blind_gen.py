"""Blind tests of the generated checks (GEN-001/002/003), from the issue 12 blind trial.

Written by a helper that saw only the README and the issue, never the harness's code or tests, against the
installed CLI (/work/blind4 in the trial). Folded in with these changes: the harness runs as
`python -m conformance`, reports go to a temporary folder, the speed tests stay in benchmarks/perf.py,
fewer seeds and example counts (the trial ran 3 seeds x 2 counts per target), and two bugs the README
does not call bugs are out: accepting a request with a repeated name (the README judges repeated names in
responses; RFC 8259 says only SHOULD) and an array body, which VALID-004/VALID-101 judge, not GEN-002.
Targets are tiny http.server servers in this process (127.0.0.1, port 0), one per behaviour;
the harness is run as the installed `conformance` command in a subprocess.
"""

import datetime as dt
import http.client
import http.server
import json
import os
import re
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
PATH = "/directory/outboundSharedUserProfiles"
ODATA_TYPE = "#Microsoft.DirectoryServices.outboundSharedUserProfile"
TOKEN = "blind4-test-token-0123456789"
OUT = Path(tempfile.mkdtemp(prefix="blind-gen-"))

# --------------------------------------------------------------------------------------------
# date-time helpers
# --------------------------------------------------------------------------------------------
DT_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_dt(s):
    """RFC 3339 date-time -> (aware datetime at microsecond precision, fraction string, leap) or None."""
    if not isinstance(s, str):
        return None
    m = DT_RE.match(s)
    if not m:
        return None
    y, mo, d, h, mi, sec, frac, off = m.groups()
    y, mo, d, h, mi, sec = map(int, (y, mo, d, h, mi, sec))
    leap = sec == 60
    if leap:
        sec = 59
    try:
        if off in ("Z", "z"):
            tz = dt.UTC
        else:
            sign = 1 if off[0] == "+" else -1
            oh, om = int(off[1:3]), int(off[4:6])
            if oh > 23 or om > 59:
                return None
            tz = dt.timezone(sign * dt.timedelta(hours=oh, minutes=om))
        frac_digits = (frac or ".")[1:]
        us = int((frac_digits + "000000")[:6]) if frac_digits else 0
        value = dt.datetime(y, mo, d, h, mi, sec, us, tzinfo=tz)
    except (ValueError, OverflowError):
        return None
    return value, frac_digits, leap


def node_iso(s):
    """What `new Date(s).toISOString()` would give: UTC, millisecond precision (truncated), Z."""
    p = parse_dt(s)
    if p is None:
        return None
    value, _frac, leap = p
    if leap:
        return None  # JS Date rejects :60
    try:
        u = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    ms = u.microsecond // 1000
    return "%04d" % u.year + u.strftime("-%m-%dT%H:%M:%S") + ".%03dZ" % ms


def net_ms_padded(s):
    """BUG: stores milliseconds but writes 7 digits, so .1234567 -> .1230000 (not truncation)."""
    p = parse_dt(s)
    if p is None:
        return None
    value, frac, _leap = p
    try:
        u = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None
    ms = u.microsecond // 1000
    return "%04d" % u.year + u.strftime("-%m-%dT%H:%M:%S") + ".%03d0000Z" % ms


# --------------------------------------------------------------------------------------------
# the configurable target
# --------------------------------------------------------------------------------------------
BASE = dict(
    guid_upper=False,  # write ids in upper case (legal)
    date_mode="exact",  # exact | node | net_bug
    ensure_ascii=False,  # echo non-ASCII as \\u escapes
    close=False,  # Connection: close on every answer
    chunked=False,  # Transfer-Encoding: chunked answers
    unknown="reject",  # reject | ignore | echo | crash
    dup_keys="accept",  # accept (last wins, like most parsers) | reject
    non_object_status=400,  # status for a JSON body that is not an object
    validation_status=400,  # status for schema violations
    latency=0.0,  # seconds added to every answer
    # bugs
    trim=False,
    crash_non_bmp=False,
    crash_long=False,
    accept_number_userid=False,
    accept_array=False,
    reject_pre_1970=False,
    accept_malformed=False,
    lower_guid_userid=False,
)


class Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = {}


def _err(code, message):
    return {"error": {"code": code, "message": message}}


def handle_create(cfg, raw: bytes, content_type: str | None):
    """Returns (status, json-able body or None, extra headers). Pure logic shared by all servers."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return 415, _err("UnsupportedMediaType", "Content-Type must be application/json"), {}
    pairs_seen = []

    def hook(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            pairs_seen.append(keys)
        return dict(pairs)

    try:
        text = raw.decode("utf-8")
        body = json.loads(text, object_pairs_hook=hook)
    except RecursionError:
        return 400, _err("BadRequest", "JSON nested too deep"), {}
    except (UnicodeDecodeError, ValueError):
        if cfg["accept_malformed"]:
            body = {"userId": "malformed"}
        else:
            return 400, _err("BadRequest", "malformed JSON"), {}
    if re.search(r"[\ud800-\udfff]", json.dumps(body, ensure_ascii=False)):
        return 400, _err("BadRequest", "lone surrogate: not Unicode text"), {}
    if pairs_seen and cfg["dup_keys"] == "reject":
        return 400, _err("BadRequest", "duplicate member names"), {}
    if isinstance(body, list) and cfg["accept_array"] and body and isinstance(body[0], dict):
        body = body[0]
    elif isinstance(body, list) and cfg["accept_array"]:
        body = {"userId": "from-array"}
    if not isinstance(body, dict):
        return cfg["non_object_status"], _err("BadRequest", "the body must be a JSON object"), {}
    vs = cfg["validation_status"]
    out = {}
    for k, v in body.items():
        if k.startswith("@"):
            continue
        if k == "userId":
            if isinstance(v, str) or (
                cfg["accept_number_userid"] and isinstance(v, (int, float)) and not isinstance(v, bool)
            ):
                pass
            else:
                return vs, _err("BadRequest", "userId must be a string"), {}
            out[k] = v
        elif k == "deletedDateTime":
            if v is None:
                out[k] = None
                continue
            p = parse_dt(v)
            if p is None:
                return vs, _err("BadRequest", "deletedDateTime must be an RFC 3339 date-time"), {}
            if cfg["reject_pre_1970"]:
                try:
                    if p[0].astimezone(dt.UTC).year < 1970:
                        return vs, _err("BadRequest", "dates before 1970 are not supported"), {}
                except (OverflowError, ValueError):
                    return vs, _err("BadRequest", "dates before 1970 are not supported"), {}
            if cfg["date_mode"] == "node":
                nv = node_iso(v)
                if nv is None:
                    return vs, _err("BadRequest", "Invalid Date"), {}
                out[k] = nv
            elif cfg["date_mode"] == "net_bug":
                nv = net_ms_padded(v)
                if nv is None:
                    return vs, _err("BadRequest", "Invalid Date"), {}
                out[k] = nv
            else:
                out[k] = v
        else:
            if cfg["unknown"] == "crash":
                raise RuntimeError("unexpected property " + k)
            if cfg["unknown"] == "reject":
                return vs, _err("BadRequest", "unknown property " + k), {}
            if cfg["unknown"] == "echo" and k not in ("id", "@odata.type"):
                out[k] = v
            # ignore: drop it
    if "userId" not in out:
        return vs, _err("BadRequest", "userId is required"), {}

    def strings(o):
        if isinstance(o, str):
            yield o
        elif isinstance(o, dict):
            for kk, vv in o.items():
                yield kk
                yield from strings(vv)
        elif isinstance(o, list):
            for vv in o:
                yield from strings(vv)

    for s in strings(body):
        if cfg["crash_non_bmp"] and any(ord(c) > 0xFFFF for c in s):
            raise RuntimeError("utf8mb3 column cannot hold this")
        if cfg["crash_long"] and len(s) > 100:
            raise RuntimeError("value too long for varchar(100)")
    if cfg["trim"] and isinstance(out.get("userId"), str):
        out["userId"] = out["userId"].strip()
    if (
        cfg["lower_guid_userid"]
        and isinstance(out.get("userId"), str)
        and re.fullmatch(
            r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}", out["userId"]
        )
    ):
        out["userId"] = out["userId"].lower()
    new_id = str(uuid.uuid4())
    if cfg["guid_upper"]:
        new_id = new_id.upper()
    entity = dict(out)
    entity.update({"@odata.type": ODATA_TYPE, "id": new_id})
    return 201, entity, {"Location": "/directory/outboundSharedUserProfiles/" + new_id}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "blind4"

    def log_message(self, *a):
        pass

    @property
    def cfg(self):
        return self.server.cfg

    def _send(self, status, body, extra=None):
        cfg = self.cfg
        if cfg["latency"]:
            time.sleep(cfg["latency"])
        data = b"" if body is None else json.dumps(body, ensure_ascii=cfg["ensure_ascii"]).encode("utf-8")
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json;odata.metadata=minimal")
        self.send_header("OData-Version", "4.0")
        self.send_header("request-id", str(uuid.uuid4()))
        crid = self.headers.get("client-request-id")
        if crid is not None:
            self.send_header("client-request-id", crid)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Bearer realm="blind4"')
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if cfg["close"]:
            self.send_header("Connection", "close")
            self.close_connection = True
        if cfg["chunked"]:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(data) // 2
            for part in (data[:half], data[half:]):
                if part:
                    self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _auth_ok(self):
        a = self.headers.get("Authorization")
        return bool(a) and a.startswith("Bearer ") and len(a) > 7

    def do_POST(self):
        raw = self._read_body()
        if self.path.split("?")[0].rstrip("/") != PATH:
            return self._send(404, _err("NotFound", "no such resource"))
        if not self._auth_ok():
            return self._send(401, _err("InvalidAuthenticationToken", "Access token is empty."))
        try:
            status, body, extra = handle_create(self.cfg, raw, self.headers.get("Content-Type"))
        except Exception as e:  # the buggy targets' crashes
            return self._send(500, _err("InternalServerError", type(e).__name__))
        if status == 201:
            with self.server.store.lock:
                self.server.store.items[body["id"].lower()] = body
        return self._send(status, body, extra)

    def do_GET(self):
        self._read_body()
        if not self._auth_ok():
            return self._send(401, _err("InvalidAuthenticationToken", "Access token is empty."))
        p = self.path.split("?")[0]
        if p.startswith(PATH + "/"):
            key = p[len(PATH) + 1 :].lower()
            with self.server.store.lock:
                item = self.server.store.items.get(key)
            if item is not None:
                return self._send(200, item)
        return self._send(404, _err("NotFound", "no such resource"))

    def _not_allowed(self):
        self._read_body()
        if self.path.split("?")[0].rstrip("/") == PATH:
            return self._send(405, _err("MethodNotAllowed", "use POST"), {"Allow": "POST"})
        return self._send(404, _err("NotFound", "no such resource"))

    do_PUT = do_DELETE = do_PATCH = _not_allowed


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(**overrides):
    cfg = dict(BASE)
    unknown = set(overrides) - set(BASE)
    assert not unknown, unknown
    cfg.update(overrides)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.cfg = cfg
    srv.store = Store()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


# --------------------------------------------------------------------------------------------
# Flask / FastAPI apps for --app (imported by the harness from this module)
# --------------------------------------------------------------------------------------------
def _make_flask():
    from flask import Flask, Response, request

    app = Flask("blind4")
    cfg = dict(BASE)

    def resp(status, body, extra=None):
        r = Response(json.dumps(body), status=status, mimetype="application/json")
        r.headers["OData-Version"] = "4.0"
        r.headers["request-id"] = str(uuid.uuid4())
        if request.headers.get("client-request-id") is not None:
            r.headers["client-request-id"] = request.headers["client-request-id"]
        if status == 401:
            r.headers["WWW-Authenticate"] = "Bearer"
        for k, v in (extra or {}).items():
            r.headers[k] = v
        return r

    items = {}

    @app.route(PATH, methods=["POST", "PUT", "DELETE"])
    def create():
        if request.method != "POST":
            return resp(405, _err("MethodNotAllowed", "use POST"), {"Allow": "POST"})
        a = request.headers.get("Authorization", "")
        if not a.startswith("Bearer ") or len(a) <= 7:
            return resp(401, _err("InvalidAuthenticationToken", "no token"))
        status, body, extra = handle_create(cfg, request.get_data(), request.headers.get("Content-Type"))
        if status == 201:
            items[body["id"].lower()] = body
        return resp(status, body, extra)

    @app.route(PATH + "/<key>", methods=["GET"])
    def read(key):
        item = items.get(key.lower())
        if item is None:
            return resp(404, _err("NotFound", "no such"))
        return resp(200, item)

    return app


def _make_fastapi():
    from fastapi import FastAPI, Request
    from fastapi.responses import Response

    app = FastAPI()
    cfg = dict(BASE, ensure_ascii=True)
    items = {}

    def resp(request, status, body, extra=None):
        headers = {"OData-Version": "4.0", "request-id": str(uuid.uuid4())}
        if request.headers.get("client-request-id") is not None:
            headers["client-request-id"] = request.headers["client-request-id"]
        if status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        headers.update(extra or {})
        return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)

    @app.api_route(PATH, methods=["POST", "PUT", "DELETE"])
    async def create(request: Request):
        raw = await request.body()
        if request.method != "POST":
            return resp(request, 405, _err("MethodNotAllowed", "use POST"), {"Allow": "POST"})
        a = request.headers.get("authorization", "")
        if not a.startswith("Bearer ") or len(a) <= 7:
            return resp(request, 401, _err("InvalidAuthenticationToken", "no token"))
        status, body, extra = handle_create(cfg, raw, request.headers.get("content-type"))
        if status == 201:
            items[body["id"].lower()] = body
        return resp(request, status, body, extra)

    @app.get(PATH + "/{key}")
    async def read(key: str, request: Request):
        item = items.get(key.lower())
        if item is None:
            return resp(request, 404, _err("NotFound", "no such"))
        return resp(request, 200, item)

    return app


try:
    flask_app = _make_flask()
except Exception:  # pragma: no cover
    flask_app = None
try:
    fastapi_app = _make_fastapi()
except Exception:  # pragma: no cover
    fastapi_app = None


# --------------------------------------------------------------------------------------------
# running the harness
# --------------------------------------------------------------------------------------------
class Run:
    def __init__(self, proc, report_dir, elapsed):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.elapsed = elapsed
        self.dir = report_dir
        p = report_dir / "report.json"
        self.report = json.loads(p.read_text()) if p.exists() else None

    def check(self, cid):
        for c in self.report["checks"]:
            if c["id"] == cid:
                return c
        raise KeyError(cid)

    def statuses(self):
        return {c["id"]: c["status"] for c in self.report["checks"]}

    def failing(self):
        return sorted(c["id"] for c in self.report["checks"] if c["status"] == "fail")

    def describe(self):
        lines = ["rc=%s elapsed=%.1fs" % (self.rc, self.elapsed)]
        if self.report:
            for c in self.report["checks"]:
                if c["status"] in ("fail", "error"):
                    lines.append("%s %s %s" % (c["id"], c["status"], c.get("error") or ""))
                    for f in c["findings"][:3]:
                        lines.append("   - " + json.dumps(f)[:700])
        lines.append(self.stderr[-1500:])
        return "\n".join(lines)


_counter = [0]


def run(*args, name=None, timeout=600, cwd=None):
    _counter[0] += 1
    d = OUT / ("%s-%d-%03d" % (name or "run", os.getpid(), _counter[0]))
    d.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "conformance", "run", "-q", "--report-dir", str(d)] + list(args)
    env = dict(os.environ)
    env.pop("CONFORMANCE_TOKEN", None)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd or str(HERE), env=env)
    r = Run(proc, d, time.monotonic() - t0)
    (d / "cmd.txt").write_text(" ".join(cmd) + "\n\n" + proc.stdout + "\n" + proc.stderr)
    return r


def run_target(url, *args, **kw):
    return run("--target", url, "--token", TOKEN, *args, **kw)


def gen_findings(r, ids=("GEN-001", "GEN-002", "GEN-003")):
    out = []
    for cid in ids:
        c = r.check(cid)
        if c["status"] == "fail":
            out.append((cid, c["findings"]))
    return out


GUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
PORT_RE = re.compile(r"127\.0\.0\.1:\d+")
TIMING_KEYS = {"duration_s", "started_at", "finished_at", "elapsed_s", "elapsed", "duration", "time_s"}


def normalise(report):
    """report.json minus timings, with server-made ids/ports/report dirs masked."""

    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items() if k not in TIMING_KEYS}
        if isinstance(o, list):
            return [walk(v) for v in o]
        if isinstance(o, str):
            s = GUID_RE.sub("<GUID>", o)
            s = PORT_RE.sub("127.0.0.1:<PORT>", s)
            s = re.sub(r"/work/blind4/runs/[^\s\"']+", "<DIR>", s)
            s = re.sub(r"\d+\.\d+ ?s\b", "<T>s", s)
            s = re.sub(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", "<HTTP-DATE>", s)
            return s
        return o

    r = walk(report)
    cfg = r.get("config", {})
    for k in ("report_dir", "concurrency"):
        cfg.pop(k, None)
    return r


SEEDS = [1, 7]


# ============================================================================================
# 1. LEGAL targets: must pass (exit 0) at the default settings and with --examples 200
# ============================================================================================
LEGAL = {
    "node-ms-utc": dict(date_mode="node"),
    "guid-upper": dict(guid_upper=True),
    "strict": dict(dup_keys="reject", unknown="reject", non_object_status=422, validation_status=400),
    "strict-422": dict(dup_keys="reject", unknown="reject", non_object_status=400, validation_status=422),
    "lenient-ignore-unknown": dict(unknown="ignore", validation_status=422),
    "lenient-echo-unknown": dict(unknown="echo"),
    "unicode-escaped": dict(ensure_ascii=True),
    "unicode-raw": dict(ensure_ascii=False),
    "keepalive": dict(close=False),
    "connection-close": dict(close=True),
    "chunked": dict(chunked=True),
    "chunked-close-node-upper": dict(
        chunked=True, close=True, date_mode="node", guid_upper=True, ensure_ascii=True
    ),
}


@pytest.fixture(scope="module")
def servers():
    made = {}

    def get(name, **cfg):
        if name not in made:
            made[name] = start(**cfg)
        return made[name][1]

    yield get
    for srv, _ in made.values():
        srv.shutdown()


@pytest.mark.parametrize(
    ("variant", "seed", "examples"),
    [(v, 1, None) for v in sorted(LEGAL)]
    + [(v, 7, 200) for v in ("node-ms-utc", "strict", "chunked-close-node-upper")],
)
def test_legal_target_passes(servers, variant, seed, examples):
    url = servers(variant, **LEGAL[variant])
    args = ["--seed", str(seed)]
    if examples is not None:
        args += ["--examples", str(examples)]
    r = run_target(url, *args, name="legal-%s-%s-%s" % (variant, seed, examples))
    assert r.rc == 0, r.describe()


@pytest.mark.parametrize("examples", [None])
@pytest.mark.parametrize("seed", SEEDS[:1])
@pytest.mark.parametrize("app", ["flask_app", "fastapi_app"])
def test_legal_app_passes(app, seed, examples):
    args = ["--app", "test_blind_gen:" + app, "--seed", str(seed)]
    if examples is not None:
        args += ["--examples", str(examples)]
    r = run(*args, name="app-%s-%s-%s" % (app, seed, examples))
    assert r.rc == 0, r.describe()


def test_lower_guid_userid_with_known_value_is_flagged():
    """Debatable: a target that lower-cases a GUID-shaped userId changes a String value (echo failure)."""
    srv, url = start(lower_guid_userid=True)
    try:
        r = run_target(
            url,
            "--seed",
            "1",
            "--value",
            "userId=3F0C1A52-5D61-4C4E-9A53-1C2F6E0D9B11",
            name="lower-guid-userid",
        )
    finally:
        srv.shutdown()
    assert r.rc == 1, r.describe()


# ============================================================================================
# 2. BUGGY targets only generated tests can catch
# ============================================================================================
def _strings(o):
    if isinstance(o, str):
        yield o
    elif isinstance(o, dict):
        for k, v in o.items():
            yield k
            yield from _strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from _strings(v)


def _year(s):
    p = parse_dt(s)
    return p[0].astimezone(dt.UTC).year if p else None


def _frac(s):
    m = DT_RE.match(s or "") if isinstance(s, str) else None
    return (m.group(7) or ".")[1:] if m else ""


BUGS = {
    # name: (target cfg, checks that may catch it, predicate on a GEN finding's input / raw body)
    "trims-strings": (
        dict(trim=True),
        ("GEN-001", "GEN-003"),
        lambda inp, raw: any(s != s.strip() for s in _strings(inp)),
    ),
    "crash-non-bmp": (
        dict(crash_non_bmp=True),
        ("GEN-001", "GEN-003"),
        lambda inp, raw: any(ord(c) > 0xFFFF for s in _strings(inp) for c in s),
    ),
    "crash-over-100": (
        dict(crash_long=True),
        ("GEN-001", "GEN-003"),
        lambda inp, raw: any(len(s) > 100 for s in _strings(inp)),
    ),
    "accepts-numeric-userId": (
        dict(accept_number_userid=True),
        ("GEN-002", "GEN-003"),
        lambda inp, raw: isinstance(inp, dict) and isinstance(inp.get("userId"), (int, float)),
    ),
    "rejects-pre-1970": (
        dict(reject_pre_1970=True),
        ("GEN-001", "GEN-003"),
        lambda inp, raw: isinstance(inp, dict) and (_year(inp.get("deletedDateTime")) or 9999) < 1970,
    ),
    "loses-fraction": (
        dict(date_mode="net_bug"),
        ("GEN-001", "GEN-003"),
        lambda inp, raw: isinstance(inp, dict) and len(_frac(inp.get("deletedDateTime")).rstrip("0")) > 3,
    ),
    "crash-on-undeclared": (
        dict(unknown="crash"),
        ("GEN-002", "GEN-003"),
        lambda inp, raw: (
            isinstance(inp, dict)
            and any(not k.startswith("@") and k not in ("userId", "deletedDateTime") for k in inp)
        ),
    ),
    "accepts-malformed-json": (dict(accept_malformed=True), ("GEN-002",), lambda inp, raw: True),
}


def _finding_bodies(f):
    ev = f.get("evidence") or {}
    inp = ev.get("input")
    raw = None
    try:
        raw = ev["exchange"]["request"]["body"]
    except (KeyError, TypeError):
        pass
    return inp, raw


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_buggy_target_fails_generated_check(bug, seed):
    cfg, ids, pred = BUGS[bug]
    srv, url = start(**cfg)
    try:
        r = run_target(url, "--seed", str(seed), name="bug-%s-%s" % (bug, seed))
    finally:
        srv.shutdown()
    found = gen_findings(r, ids)
    assert found, "no generated check among %s failed\n%s" % (ids, r.describe())
    # the shrunk body (or the edge case) of at least one finding must point at the bug
    pointing = [f for _cid, fs in found for f in fs if pred(*_finding_bodies(f))]
    assert pointing, "findings do not point at the bug:\n" + "\n".join(
        "%s: %s | input=%r" % (cid, f["message"][:300], _finding_bodies(f)[0])
        for cid, fs in found
        for f in fs
    )


DETERMINISM_BUGS = ["trims-strings", "loses-fraction", "rejects-pre-1970"]


@pytest.mark.parametrize("bug", DETERMINISM_BUGS)
def test_same_seed_same_report_any_concurrency(bug):
    cfg = BUGS[bug][0]
    srv, url = start(**cfg)
    try:
        a = run_target(url, "--seed", "99", name="det-%s-a" % bug)
        b = run_target(url, "--seed", "99", name="det-%s-b" % bug)
        c = run_target(url, "--seed", "99", "--concurrency", "1", name="det-%s-c1" % bug)
    finally:
        srv.shutdown()
    na, nb, nc = normalise(a.report), normalise(b.report), normalise(c.report)
    assert a.rc == b.rc == c.rc
    for cid in ("GEN-001", "GEN-002", "GEN-003"):
        fa = [f["evidence"].get("input") for f in a.check(cid)["findings"]]
        fb = [f["evidence"].get("input") for f in b.check(cid)["findings"]]
        fc = [f["evidence"].get("input") for f in c.check(cid)["findings"]]
        assert fa == fb, (cid, "same seed twice", fa, fb)
        assert fa == fc, (cid, "default vs --concurrency 1", fa, fc)
    assert na["checks"] == nb["checks"], _diff(na["checks"], nb["checks"])
    assert na["checks"] == nc["checks"], _diff(na["checks"], nc["checks"])
    for k in ("verdict", "exit_code", "counts", "seed", "notes"):
        assert na[k] == nb[k] == nc[k], (k, na[k], nb[k], nc[k])


def _diff(x, y):
    out = []
    for cx, cy in zip(x, y):
        if cx != cy:
            for k in cx:
                if cx.get(k) != cy.get(k):
                    out.append(
                        "%s.%s: %s\n   vs %s"
                        % (cx["id"], k, json.dumps(cx.get(k))[:600], json.dumps(cy.get(k))[:600])
                    )
    return "\n".join(out[:6])

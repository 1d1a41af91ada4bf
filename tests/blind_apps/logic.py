"""Shared pure logic of my own POST /directory/outboundSharedUserProfiles mocks.

handle(method, path, headers, body, opts) -> (status, [(name, value)], bytes)
opts (a dict) switches variations and bugs.
"""
import json, re, uuid, threading, datetime

PATH = "/directory/outboundSharedUserProfiles"
ODATA = "#Microsoft.DirectoryServices.outboundSharedUserProfile"
DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)
_lock = threading.Lock()
_seen = {}


def _err(status, code, msg, extra=()):
    h = [("Content-Type", "application/json")] + list(extra)
    return status, h, json.dumps({"error": {"code": code, "message": msg}}).encode()


def _parse_dt(s):
    if not isinstance(s, str) or not DT_RE.match(s):
        return None
    t = s.upper().replace("Z", "+00:00")
    m = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(\.\d+)?(.*)$", t)
    frac = (m.group(2) or ".0")[1:7].ljust(6, "0")
    try:
        return datetime.datetime.fromisoformat(m.group(1) + "." + frac + m.group(3))
    except ValueError:
        return None


def handle(method, path, headers, body, opts=None):
    opts = opts or {}
    h = {k.lower(): v for k, v in headers.items()}
    path = path.rstrip("/") if opts.get("trailing_slash_ok") else path
    if path.startswith(PATH + "/") and method == "GET":
        oid = path[len(PATH) + 1:]
        with _lock:
            obj = _seen.get(oid.lower())
        if obj is None:
            return _err(404, "Request_ResourceNotFound", "no such object")
        return 200, [("Content-Type", "application/json")], json.dumps(obj).encode()
    if path != PATH:
        return _err(404, "NotFound", "no such path")
    if method != "POST":
        return _err(405, "MethodNotAllowed", "only POST", [("Allow", "POST")])
    auth = h.get("authorization", "")
    if not opts.get("bug_no_auth"):
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return _err(401, "InvalidAuthenticationToken", "Access token is empty.",
                        [("WWW-Authenticate", 'Bearer realm="mock"')])
    ctype = h.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        return _err(415, "UnsupportedMediaType", "Content-Type must be application/json")
    vstatus = opts.get("validation_status", 400)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return _err(400, "BadRequest", "Body is not valid JSON")
    if not isinstance(data, dict):
        return _err(vstatus, "BadRequest", "Body must be a JSON object")
    for k in data:
        if k.startswith("@"):
            continue
        if k not in ("userId", "deletedDateTime") and not (opts.get("bug_accept_id") and k == "id"):
            return _err(vstatus, "BadRequest", "Unknown property %s" % k)
    if "userId" not in data and not opts.get("bug_missing_required"):
        return _err(vstatus, "BadRequest", "userId is required")
    if "userId" in data and not isinstance(data["userId"], str):
        return _err(vstatus, "BadRequest", "userId must be a string")
    if "deletedDateTime" in data and data["deletedDateTime"] is not None:
        _v = data["deletedDateTime"]
        if _parse_dt(_v) is None and not (isinstance(_v, str) and DT_RE.match(_v) and _v.startswith("0000")):
            return _err(vstatus, "BadRequest", "deletedDateTime must be a date-time")
    if opts.get("bug_crash_non_ascii") and any(
            isinstance(v, str) and not v.isascii() for v in data.values()):
        return 500, [("Content-Type", "text/plain")], b"Internal Server Error"
    if opts.get("bug_repeat_id"):
        oid = "7f3b7a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
    elif opts.get("bug_accept_id") and isinstance(data.get("id"), str):
        oid = data["id"]
    elif opts.get("bug_id_not_guid"):
        oid = "obj-" + uuid.uuid4().hex[:10]
    else:
        oid = str(uuid.uuid4())
        if opts.get("upper_guid"):
            oid = oid.upper()
    out = {"@odata.type": ODATA, "id": oid}
    if opts.get("extra_annotations"):
        out = {"@odata.context": "https://mock.example/beta/$metadata#directory/outboundSharedUserProfiles/$entity",
               "@odata.type": ODATA, "id": oid, "@mock.note": "extra"}
    out["userId"] = data.get("userId")
    if "deletedDateTime" in data:
        v = data["deletedDateTime"]
        if v is None:
            if not opts.get("omit_nulls"):
                out["deletedDateTime"] = None
        else:
            try:
                d = _parse_dt(v).astimezone(datetime.timezone.utc)
            except (OverflowError, ValueError, AttributeError):
                d = None
            m = re.search(r"T\d\d:\d\d:\d\d(\.\d+)?", v)
            sent_frac = (m.group(1) or ".")[1:]
            if d is None:
                out["deletedDateTime"] = v
            elif opts.get("dt_padded"):
                frac = sent_frac.ljust(7, "0")
                out["deletedDateTime"] = "%04d-%02d-%02dT%02d:%02d:%02d.%sZ" % (d.year, d.month, d.day, d.hour, d.minute, d.second, frac)
            elif opts.get("dt_millis"):
                # truncated to milliseconds, in UTC: legal (precision facet)
                out["deletedDateTime"] = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond // 1000)
            else:
                out["deletedDateTime"] = v
    if opts.get("extra_props"):
        out["createdBy"] = "mock"
    with _lock:
        _seen[oid.lower()] = out
    status = 200 if opts.get("bug_status_200") else 201
    ct = opts.get("content_type", "application/json")
    hdrs = [("Content-Type", ct), ("Location", "%s/%s" % (PATH, oid)), ("OData-Version", "4.0"),
            ("request-id", str(uuid.uuid4()))]
    if "client-request-id" in h:
        hdrs.append(("client-request-id", h["client-request-id"]))
    try:
        raw = json.dumps(out, ensure_ascii=opts.get("ensure_ascii", False)).encode("utf-8")
    except UnicodeEncodeError:   # lone surrogates: escape them
        raw = json.dumps(out).encode("ascii")
    return status, hdrs, raw

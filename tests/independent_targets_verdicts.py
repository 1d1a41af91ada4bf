"""The blind tester's independently written target for issue 9 (copied from /work/blind, unchanged below).

Every target here is a small HTTP server written with the Python standard library only, started by the
test on 127.0.0.1 port 0 in a thread.  Nothing here imports ``conformance``; the harness is run as a
subprocess (``python -m conformance run ...``) and judged by its exit code, stderr and report files.

The servers implement ``POST /directory/outboundSharedUserProfiles`` the way a vendor's mock would, plus a
table of LEGAL variants (must exit 0, also with --strict), BUGGY variants (must exit 1 naming failing check
ids) and USAGE ERRORS (must exit 2 with one line on stderr, no traceback, no secret printed).

tests/test_independent_targets_verdicts.py holds the runs for issue 9 items 1-3 and their legal counterparts.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

PATH = "/directory/outboundSharedUserProfiles"
ODATA_TYPE = "#Microsoft.DirectoryServices.outboundSharedUserProfile"
TOKEN = "blind-tester-token-7f3a"
SEED = "4242"
EXAMPLES = "10"
TIMEOUT = "2"
KNOWN_USER = "3f0c1a52-5d61-4c4e-9a53-1c2f6e0d9b11"
DECLARED = {"userId", "deletedDateTime"}

# --------------------------------------------------------------------------------------------------------
# RFC 3339 date-time handling (the mock's own)
# --------------------------------------------------------------------------------------------------------
_DT_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)


def parse_rfc3339(text: str):
    """Return (parts) for a valid RFC 3339 date-time, else None."""
    m = _DT_RE.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) for g in m.groups()[:6])
    frac, off = m.group(7) or "", m.group(8)
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and s <= 60):
        return None
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
    if d > mdays:
        return None
    if off not in ("Z", "z"):
        oh, om = int(off[1:3]), int(off[4:6])
        if oh > 23 or om > 59:
            return None
    return (y, mo, d, h, mi, s, frac, off)


def _to_datetime(parts):
    y, mo, d, h, mi, s, _frac, off = parts
    if s == 60:
        return None
    tz = dt.UTC
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        tz = dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[4:6])))
    try:
        return dt.datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except ValueError:
        return None


def _fmt(parts, frac: str) -> str:
    y, mo, d, h, mi, s, _, off = parts
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}" + (f".{frac}" if frac else "") + off


def dt_truncate(text: str, digits: int) -> str:
    """Same instant, truncated to at most `digits` fraction digits, offset kept (a DB column's precision)."""
    parts = parse_rfc3339(text)
    return _fmt(parts, parts[6][:digits])


def dt_round_utc_ms(text: str) -> str:
    """Same instant, converted to UTC 'Z' and rounded to milliseconds (what many .NET/Java services do)."""
    parts = parse_rfc3339(text)
    base = _to_datetime(parts)
    frac = parts[6]
    if base is None or len(frac) <= 3:
        return text  # leap second, out of range, or already at or below ms precision: echo as sent
    total = int(frac[:3]) + (1 if int(frac[3]) >= 5 else 0)
    try:
        value = (base + dt.timedelta(milliseconds=total)).astimezone(dt.UTC)
    except OverflowError:
        return text
    if value.year < 1:
        return text
    # four-digit year whatever the platform (glibc's strftime("%Y") writes year 256 as "256")
    return f"{value.year:04d}-" + value.strftime("%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}Z"


def dt_plus_one_second(text: str) -> str:
    """A different instant (bug)."""
    parts = parse_rfc3339(text)
    y, mo, d, h, mi, s, frac, off = parts
    if s < 58:
        return _fmt((y, mo, d, h, mi, s + 1, frac, off), frac)
    return _fmt((y, mo, d, h, mi, s - 1, frac, off), frac)


def dt_padded(text: str) -> str:
    """The same instant padded with zeros to 7 fraction digits (or one more): legal, as .NET's "o" writes."""
    parts = parse_rfc3339(text)
    frac = parts[6]
    if len(frac) >= 7:
        return _fmt(parts, frac + "0")
    return _fmt(parts, frac.ljust(7, "0"))


def dt_more_digits(text: str) -> str:
    """A digit the client never sent, appended to the fraction: invented precision (issue 9 item 4)."""
    parts = parse_rfc3339(text)
    return _fmt(parts, parts[6] + "1")


def dt_zero_beyond_micro(text: str) -> str:
    """Keep the digit count but zero every digit after the 6th: .1234567 -> .1234560 (a different instant)."""
    parts = parse_rfc3339(text)
    frac = parts[6]
    if len(frac) > 6:
        return _fmt(parts, frac[:6] + "0" * (len(frac) - 6))
    return text


def dt_drop_offset(text: str) -> str:
    """Replace a non-Z offset by Z without converting (a wrongly shifted instant); Z values unchanged."""
    parts = parse_rfc3339(text)
    if parts[7] in ("Z", "z") or parts[7] in ("+00:00", "-00:00"):
        return text
    return _fmt((*parts[:7], "Z"), parts[6])


# --------------------------------------------------------------------------------------------------------
# The mock
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Behavior:
    auth: str = "exact"  # exact: only "Bearer TOKEN"; any: any Authorization header; none: no auth at all
    protocol: str = "HTTP/1.1"
    connection_close: bool = False
    content_type: str = "application/json"
    key_order: str = "graph"  # graph: @odata.type, id, sent props; reversed: props, id, @odata.type
    odata_context: bool = False
    upper_guid: bool = False
    validation_status: int = 400  # 400 or 422 for schema/validation errors (malformed JSON always 400)
    graph_error: bool = False  # add innerError like Microsoft Graph
    pretty: bool = False  # indented JSON with a trailing newline
    ensure_ascii: bool = False
    chunked: bool = False
    gzip: bool = False  # gzip the body when the client accepts it
    location: str = "absolute"  # absolute, relative
    read_back: bool = True
    unsent_as_null: bool = False  # return "deletedDateTime": null when it was not sent (Graph does)
    null_omitted: bool = False  # a sent null for deletedDateTime is omitted from the response
    reject_degenerate: bool = False  # empty / whitespace-only / control chars in strings -> 4xx
    reject_client_id: bool = False
    only_user: str | None = None  # only this userId "exists"; others -> 404 Request_ResourceNotFound
    echo_dt: Callable[[str], str] | None = None
    # faults
    on_undeclared: str = "reject"  # reject (4xx), error500, drop, die
    on_deep: str = "reject"  # reject, drop, die
    deep_limit: int = 64
    id_suffix: str = ""
    dup_key: str | None = None  # "id" or "@odata.type": a wrong value first, the right one last
    degenerate_500: bool = False
    strip_strings: bool = False
    no_location: bool = False
    degenerate_plain_error: bool = False  # degenerate values refused with 400 and a text/plain body (bug)
    optional_dropped: bool = False  # a sent deletedDateTime (not null) left out of the response (bug)


class MockServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, behavior: Behavior):
        handler = type("H", (Handler,), {"protocol_version": behavior.protocol})
        super().__init__(("127.0.0.1", 0), handler)
        self.behavior = behavior
        self.store: dict[str, dict] = {}
        self.dead = False
        self.requests = 0
        self.dt_changed = 0  # how many date-times the variant echoed differently from what was sent
        self.degenerate_seen = 0  # how many degenerate-but-valid strings it was sent
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def die(self) -> None:
        self.dead = True
        threading.Thread(target=self._stop, daemon=True).start()

    def _stop(self) -> None:
        self.shutdown()
        self.server_close()


def json_depth(raw: bytes) -> int:
    depth = best = 0
    in_str = esc = False
    for ch in raw.decode("utf-8", "replace"):
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}":
            depth -= 1
    return best


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


def degenerate(value: str) -> bool:
    return value.strip() == "" or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in value)


class _Reject(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Handler(http.server.BaseHTTPRequestHandler):
    server: MockServer

    def log_message(self, *args: Any) -> None:  # keep pytest output quiet
        pass

    # ---------------------------------------------------------------------------------- plumbing
    @property
    def b(self) -> Behavior:
        return self.server.behavior

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _drop(self) -> None:
        """Close the connection without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(
        self, status: int, body: bytes | None, headers: dict[str, str] | None = None, ctype: str | None = None
    ) -> None:
        b = self.b
        self.send_response(status)
        hdrs = dict(headers or {})
        hdrs.setdefault("request-id", str(uuid.uuid4()))
        crid = self.headers.get("client-request-id")
        if crid:
            hdrs["client-request-id"] = crid
        hdrs["OData-Version"] = "4.0"
        if b.connection_close or b.protocol == "HTTP/1.0":
            hdrs["Connection"] = "close"
            self.close_connection = True
        if body is not None:
            hdrs["Content-Type"] = ctype or b.content_type
            if b.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(body)
                hdrs["Content-Encoding"] = "gzip"
        for k, v in hdrs.items():
            self.send_header(k, v)
        if body is None:
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if b.chunked and b.protocol == "HTTP/1.1" and self.command != "HEAD":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            half = len(body) // 2
            for part in (body[:half], body[half:]):
                if part:
                    self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _dumps(self, obj: Any) -> str:
        if self.b.pretty:
            return json.dumps(obj, ensure_ascii=self.b.ensure_ascii, indent=2) + "\n"
        return json.dumps(obj, ensure_ascii=self.b.ensure_ascii)

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        err: dict[str, Any] = {"code": code, "message": message}
        if self.b.graph_error:
            err["innerError"] = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "request-id": str(uuid.uuid4())}
        self._send(status, self._dumps({"error": err}).encode("utf-8"), headers)

    def _auth_ok(self) -> bool:
        auth = self.headers.get("Authorization")
        mode = self.b.auth
        if mode == "none":
            return True
        if not auth:
            self._error(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                {"WWW-Authenticate": 'Bearer realm="blind-mock"'},
            )
            return False
        if mode == "any" or auth == f"Bearer {TOKEN}":
            return True
        self._error(
            401,
            "InvalidAuthenticationToken",
            "Access token validation failure.",
            {"WWW-Authenticate": 'Bearer realm="blind-mock", error="invalid_token"'},
        )
        return False

    def _route(self) -> tuple[str, str | None]:
        path = self.path.split("?", 1)[0]
        if path.rstrip("/") == PATH:
            return "collection", None
        if path.startswith(PATH + "/"):
            rest = path[len(PATH) + 1 :]
            if rest.startswith("(") and rest.endswith(")"):
                rest = rest[1:-1].strip("'")
            return "item", rest
        return "other", None

    def _common(self) -> tuple[str, str | None] | None:
        with self.server.lock:
            self.server.requests += 1
        if self.server.dead:
            self._drop()
            return None
        kind, key = self._route()
        if kind == "other":
            self._read_body()
            self._error(404, "Request_ResourceNotFound", f"Resource not found for the segment '{self.path}'.")
            return None
        return kind, key

    # ---------------------------------------------------------------------------------- methods
    def do_POST(self) -> None:
        routed = self._common()
        if routed is None:
            return
        kind, _ = routed
        raw = self._read_body()
        if not self._auth_ok():
            return
        if kind != "collection":
            self._error(405, "MethodNotAllowed", "POST is not supported on an item.", {"Allow": "GET"})
            return
        try:
            obj = self._validate(raw)
        except _Reject as rej:
            self._error(rej.status, rej.code, rej.message)
            return
        if obj is None:  # dropped or died
            return
        self._create(obj)

    def _method_not_allowed(self) -> None:
        routed = self._common()
        if routed is None:
            return
        self._read_body()
        if not self._auth_ok():
            return
        allow = "POST" if routed[0] == "collection" else "GET"
        self._error(405, "MethodNotAllowed", f"{self.command} is not allowed here.", {"Allow": allow})

    do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    def do_GET(self) -> None:
        routed = self._common()
        if routed is None:
            return
        if not self._auth_ok():
            return
        kind, key = routed
        if kind == "collection":
            self._error(405, "MethodNotAllowed", "GET is not allowed here.", {"Allow": "POST"})
            return
        obj = self.server.store.get((key or "").lower()) if self.b.read_back else None
        if obj is None:
            self._error(404, "Request_ResourceNotFound", f"Resource '{key}' does not exist.")
            return
        self._send(200, self._serialize(obj).encode("utf-8"))

    do_HEAD = do_GET

    # ---------------------------------------------------------------------------------- validation
    def _validate(self, raw: bytes) -> dict | None:
        b = self.b
        vs = b.validation_status
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            raise _Reject(415, "UnsupportedMediaType", "Content-Type must be application/json.")
        if json_depth(raw) > b.deep_limit:
            if b.on_deep == "drop":
                self._drop()
                return None
            if b.on_deep == "die":
                self._drop()
                self.server.die()
                return None
            raise _Reject(400, "BadRequest", "JSON nesting is too deep.")
        try:
            text = raw.decode("utf-8")

            def no_dups(pairs):
                keys = [k for k, _ in pairs]
                if len(keys) != len(set(keys)):
                    raise ValueError("duplicate name")
                return dict(pairs)

            def no_constants(name):
                raise ValueError(name)

            obj = json.loads(text, object_pairs_hook=no_dups, parse_constant=no_constants)
        except (ValueError, RecursionError, UnicodeDecodeError) as exc:
            raise _Reject(400, "BadRequest", f"Invalid JSON: {type(exc).__name__}") from None
        if _has_lone_surrogate(obj):
            raise _Reject(
                400, "BadRequest", "Invalid JSON: a string holds an unpaired surrogate (RFC 7493 2.1)."
            )
        if not isinstance(obj, dict):
            raise _Reject(vs, "BadRequest", "The request body must be a JSON object.")
        if "userId" not in obj:
            raise _Reject(vs, "BadRequest", "Property 'userId' is required.")
        if not isinstance(obj["userId"], str):
            raise _Reject(vs, "BadRequest", "Property 'userId' must be a string.")
        if "deletedDateTime" in obj:
            v = obj["deletedDateTime"]
            if v is not None and (not isinstance(v, str) or parse_rfc3339(v) is None):
                raise _Reject(vs, "BadRequest", "Property 'deletedDateTime' must be an RFC 3339 date-time.")
        if "@odata.type" in obj:
            t = obj["@odata.type"]
            if not isinstance(t, str) or t.lstrip("#").lower() not in (
                ODATA_TYPE.lstrip("#").lower(),
                "microsoft.graph.outboundshareduserprofile",
            ):
                raise _Reject(vs, "BadRequest", "Unexpected @odata.type.")
        if "id" in obj and b.reject_client_id:
            raise _Reject(vs, "BadRequest", "Property 'id' is read-only.")
        undeclared = [k for k in obj if k not in DECLARED and k not in ("@odata.type", "id")]
        if undeclared:
            if b.on_undeclared == "error500":
                raise _Reject(500, "InternalServerError", "An unexpected error occurred.")
            if b.on_undeclared == "drop":
                self._drop()
                return None
            if b.on_undeclared == "die":
                self._drop()
                self.server.die()
                return None
            raise _Reject(vs, "BadRequest", f"Property '{undeclared[0]}' does not exist on the type.")
        strings = [obj["userId"]] + (
            [obj["deletedDateTime"]] if isinstance(obj.get("deletedDateTime"), str) else []
        )
        if any(degenerate(s) for s in strings):
            with self.server.lock:
                self.server.degenerate_seen += 1
            if b.degenerate_500:
                raise _Reject(500, "InternalServerError", "An unexpected error occurred.")
            if b.degenerate_plain_error:
                self._send(vs, b"bad value", ctype="text/plain")
                return None
            if b.reject_degenerate:
                raise _Reject(
                    vs, "BadRequest", "Property values must not be empty or contain control characters."
                )
        if b.only_user is not None and obj["userId"] != b.only_user:
            raise _Reject(404, "Request_ResourceNotFound", f"User '{obj['userId']}' does not exist.")
        return obj

    # ---------------------------------------------------------------------------------- creation
    def _create(self, obj: dict) -> None:
        b = self.b
        new_id = str(uuid.uuid4())
        if b.upper_guid:
            new_id = new_id.upper()
        entity: dict[str, Any] = {"userId": obj["userId"].strip() if b.strip_strings else obj["userId"]}
        if "deletedDateTime" in obj:
            v = obj["deletedDateTime"]
            if v is None:
                if not b.null_omitted:
                    entity["deletedDateTime"] = None
            elif b.optional_dropped:
                pass
            else:
                echoed = b.echo_dt(v) if b.echo_dt else v
                if echoed != v:
                    with self.server.lock:
                        self.server.dt_changed += 1
                entity["deletedDateTime"] = echoed
        elif b.unsent_as_null:
            entity["deletedDateTime"] = None
        entity["id"] = new_id
        self.server.store[new_id.lower()] = entity
        headers = {}
        if not b.no_location:
            loc = f"{PATH}/{new_id}"
            headers["Location"] = loc if b.location == "relative" else self.server.url + loc
        self._send(201, self._serialize(entity).encode("utf-8"), headers)

    def _serialize(self, entity: dict) -> str:
        b = self.b
        props = {k: v for k, v in entity.items() if k != "id"}
        out: dict[str, Any] = {}
        if b.odata_context:
            out["@odata.context"] = (
                f"{self.server.url}/$metadata#directory/outboundSharedUserProfiles/$entity"
            )
        if b.key_order == "reversed":
            out.update(dict(reversed(list(props.items()))))
            out["id"] = entity["id"] + b.id_suffix
            out["@odata.type"] = ODATA_TYPE
        else:
            out["@odata.type"] = ODATA_TYPE
            out["id"] = entity["id"] + b.id_suffix
            out.update(props)
        text = self._dumps(out)
        if b.dup_key == "id":
            text = '{"id": "not-a-guid", ' + text[1:]
        elif b.dup_key == "@odata.type":
            text = '{"@odata.type": "#microsoft.graph.user", ' + text[1:]
        return text


class running:
    """Context manager: a MockServer serving in a daemon thread."""

    def __init__(self, behavior: Behavior):
        self.server = MockServer(behavior)

    def __enter__(self) -> MockServer:
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self.server

    def __exit__(self, *exc: Any) -> None:
        if not self.server.dead:
            self.server.shutdown()
            self.server.server_close()


# --------------------------------------------------------------------------------------------------------
# Running the harness
# --------------------------------------------------------------------------------------------------------
@dataclass
class Result:
    rc: int
    stdout: str
    stderr: str
    report_dir: Path
    report: dict | None
    server: dict = field(default_factory=dict)  # counters of the mock after the run
    args: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def checks(self) -> dict[str, dict]:
        return {c["id"]: c for c in (self.report or {}).get("checks", [])}

    def with_status(self, status: str, levels: tuple[str, ...] = ("MUST", "SHOULD", "MAY")) -> set[str]:
        return {i for i, c in self.checks().items() if c["status"] == status and c["level"] in levels}

    def describe(self) -> str:
        lines = [f"rc={self.rc} ({self.seconds}s) args={self.args}"]
        for i, c in self.checks().items():
            if c["status"] != "pass":
                msgs = [f.get("message", "")[:200] for f in c.get("findings") or []][:3]
                lines.append(
                    f"  {c['status']:5} {i} {c['level']} {c.get('error') or ''} {msgs} {c.get('notes')}"[:700]
                )
        lines.append("stderr tail: " + self.stderr[-1500:])
        return "\n".join(lines)


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # this checkout
    env.update(extra or {})
    return env


def harness(
    workdir: Path,
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout: float = 150,
    report_dir: Path | None = None,
) -> Result:
    workdir.mkdir(parents=True, exist_ok=True)
    rdir = report_dir or workdir / "reports"
    cmd = [sys.executable, "-m", "conformance", "run", "--report-dir", str(rdir), *args]
    started = time.monotonic()
    proc = subprocess.run(
        cmd,
        cwd=workdir,
        env=env or clean_env(),
        capture_output=True,
        timeout=timeout,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    report = None
    if (rdir / "report.json").is_file():
        try:
            report = json.loads((rdir / "report.json").read_text(encoding="utf-8"))
        except ValueError:
            report = None
    return Result(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        rdir,
        report,
        args=args,
        seconds=round(time.monotonic() - started, 1),
    )


def quick(*extra: str) -> list[str]:
    return ["--examples", EXAMPLES, "--seed", SEED, "--timeout", TIMEOUT, *extra]


def against(behavior: Behavior, *extra: str, token: str | None = TOKEN, env_extra: dict | None = None):
    """A job: serve `behavior`, run the harness against it with the quick settings plus `extra`."""

    def job(workdir: Path) -> Result:
        with running(behavior) as srv:
            args = ["--target", srv.url, *([] if token is None else ["--token", token]), *quick(*extra)]
            res = harness(workdir, args, env=clean_env(env_extra))
            res.server = {
                "requests": srv.requests,
                "dt_changed": srv.dt_changed,
                "degenerate_seen": srv.degenerate_seen,
                "dead": srv.dead,
            }
            return res

    return job

"""A vendor-style mock of POST /directory/outboundSharedUserProfiles, written without the harness's code."""

from __future__ import annotations

import gzip
import hmac
import json
import re
import socketserver
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

JSON = Any

ODATA_TYPE = "#Microsoft.DirectoryServices.outboundSharedUserProfile"
WRONG_ODATA_TYPE = "#microsoft.graph.outboundSharedUserProfile"
COLLECTION = "/directory/outboundSharedUserProfiles"
# What Microsoft Graph itself sends; `plain-json` drops the parameters.
GRAPH_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)
MAX_BODY = 1 << 20  # a request body beyond 1 MiB is refused with 413

# Variations a client must cope with: the harness has to accept every one of them.
LEGAL_QUIRKS = frozenset(
    {
        "upper-guid",  # ids in upper case
        "odata-extras",  # @odata.context, @odata.etag, @odata.id and createdDateTime in responses
        "plain-json",  # Content-Type exactly application/json, no OData parameters
        "unprocessable",  # 422 for well-formed bodies that break the schema (400 stays for bad JSON)
        "close",  # Connection: close on every response
        "chunked",  # response bodies sent with Transfer-Encoding: chunked
        "gzip",  # response bodies gzip-compressed when Accept-Encoding allows it
        "omit-null",  # deletedDateTime left out of the response when the client did not send it
        "key-location",  # Location in OData key syntax: .../outboundSharedUserProfiles('<id>')
        # deletedDateTime echoed in UTC with exactly 7 fraction digits (.NET's "o" format): zeros padded to
        # what was sent are the same instant, and digits past 7 are truncated (a precision facet of 7)
        "normalise-datetime",
    }
)

# Deliberate bugs: the harness has to catch every one of them.
BUG_QUIRKS = frozenset(
    {
        "ok-200",  # 200 OK instead of 201 Created
        "counter-id",  # ids "1", "2", ... instead of GUIDs
        "wrong-namespace",  # @odata.type #microsoft.graph.outboundSharedUserProfile
        "trim",  # userId stored with surrounding whitespace stripped
        "ascii-only",  # non-ASCII characters stored as '?'
        "no-validation",  # any JSON object is accepted and stored as sent
        "crash-on-emoji",  # 500 when any string holds a character outside the BMP
        "naive-datetime",  # date-times without an offset, and bare dates, are accepted
        "offsetless-datetime",  # date-times without an offset are accepted (bare dates are not)
        "lose-datetime",  # deletedDateTime is never stored
        "no-auth",  # no authentication at all
        "html-errors",  # error bodies as text/html
        "no-location",  # no Location header on 201
    }
)

ALL_QUIRKS = LEGAL_QUIRKS | BUG_QUIRKS


# -- date-times ------------------------------------------------------------------------------------

# RFC 3339 date-time; the time of day and the offset are optional here only so that the bugs
# naive-datetime and offsetless-datetime can accept what a correct service refuses.
_DATETIME = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:[Tt](?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<frac>[0-9]+))?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>[0-9]{2}):(?P<om>[0-9]{2}))?)?"
)
_TICKS_PER_SECOND = 10_000_000  # .NET ticks: 100 ns, hence 7 fraction digits
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MIN_TICKS = -62135596800 * _TICKS_PER_SECOND  # 0001-01-01T00:00:00Z
_MAX_TICKS = 253402300800 * _TICKS_PER_SECOND - 1  # 9999-12-31T23:59:59.9999999Z


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    year -= month <= 2
    era = year // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """The proleptic Gregorian date `days` after 1970-01-01."""
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def parse_datetime(text: str, *, no_offset: bool = False, no_time: bool = False) -> int | None:
    """The UTC instant (100 ns ticks since 1970) an Edm.DateTimeOffset names, or None if it is not one.

    RFC 3339 with a mandatory offset, restricted as OData's ABNF and .NET restrict it: years 0001-9999
    and seconds 00-59 (no leap second). Only for the bugs: `no_offset` takes a missing offset as UTC,
    `no_time` takes a bare date as UTC midnight.
    """
    m = _DATETIME.fullmatch(text)
    if m is None or (m["h"] is None and not no_time):
        return None
    if m["h"] is not None and not (m["z"] or m["sign"] or no_offset):
        return None
    year, month, day = int(m["y"]), int(m["mo"]), int(m["d"])
    hour, minute, second = int(m["h"] or 0), int(m["mi"] or 0), int(m["s"] or 0)
    if not (1 <= year <= 9999 and 1 <= month <= 12):
        return None
    month_days = 29 if month == 2 and _is_leap(year) else _MONTH_DAYS[month - 1]
    if not (1 <= day <= month_days and hour <= 23 and minute <= 59 and second <= 59):
        return None
    offset = 0
    if m["sign"]:
        oh, om = int(m["oh"]), int(m["om"])
        if oh > 23 or om > 59:
            return None
        offset = (oh * 60 + om) * (1 if m["sign"] == "+" else -1)
    fraction = int(((m["frac"] or "") + "0000000")[:7])
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset * 60
    return seconds * _TICKS_PER_SECOND + fraction


def format_utc(ticks: int) -> str:
    """`ticks` (100 ns since 1970) as yyyy-MM-ddTHH:mm:ss.fffffffZ, the way .NET round-trips it."""
    seconds, fraction = divmod(ticks, _TICKS_PER_SECOND)
    days, rest = divmod(seconds, 86400)
    year, month, day = _civil_from_days(days)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{fraction:07d}Z"


def normalised(text: str) -> str:
    """The same instant in UTC with 7 fraction digits; a valid value whose UTC lies outside 0001-9999
    keeps its own offset (only its fraction is re-written), since UTC cannot hold it."""
    ticks = parse_datetime(text)
    if ticks is None:
        return text
    if _MIN_TICKS <= ticks <= _MAX_TICKS:
        return format_utc(ticks)
    m = _DATETIME.fullmatch(text)
    assert m is not None
    assert m["s"] is not None
    digits = ((m["frac"] or "") + "0000000")[:7]
    return f"{text[: m.end('s')]}.{digits}{text[m.end('frac') if m['frac'] else m.end('s') :]}"


# -- the service -----------------------------------------------------------------------------------


@dataclass
class Reply:
    """What the service answers: status, extra headers and a JSON body (or none)."""

    status: int
    body: JSON = None
    headers: dict[str, str] = field(default_factory=dict)


class Problem(Exception):
    """A request the service refuses, as a Graph error."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class Service:
    """The mock's state and rules, independent of HTTP plumbing."""

    def __init__(self, *, token: str, quirks: Iterable[str], base_path: str) -> None:
        self.token = token
        self.quirks = frozenset(quirks)
        unknown = sorted(self.quirks - ALL_QUIRKS)
        if unknown:
            raise ValueError(f"unknown quirk(s) {unknown}; known: {sorted(ALL_QUIRKS)}")
        self.base_path = base_path.rstrip("/")
        self.store: dict[str, dict[str, JSON]] = {}
        self.lock = threading.Lock()
        self.counter = 0
        self.origin = ""

    def has(self, quirk: str) -> bool:
        return quirk in self.quirks

    # .. authentication

    def authenticate(self, authorization: str | None) -> None:
        if self.has("no-auth"):
            return
        if not authorization:
            raise Problem(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                {"WWW-Authenticate": 'Bearer realm="mock", error="invalid_request"'},
            )
        scheme, _, credential = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode("utf-8", "replace"), self.token.encode()
        ):
            raise Problem(
                401,
                "InvalidAuthenticationToken",
                "Access token validation failure. Invalid audience.",
                {"WWW-Authenticate": 'Bearer realm="mock", error="invalid_token"'},
            )

    # .. the create

    def create(self, content_type: str | None, raw: bytes) -> Reply:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        params = [p.strip().lower().replace(" ", "") for p in (content_type or "").split(";")[1:]]
        charset_ok = all(
            not p.startswith("charset=") or p in ("charset=utf-8", 'charset="utf-8"') for p in params
        )
        if media != "application/json" or not charset_ok:
            raise Problem(
                415,
                "UnsupportedMediaType",
                f"Content-Type {content_type or '(none)'!r} is not supported; send application/json.",
            )
        body = self._parse(raw)
        if self.has("crash-on-emoji") and _has_astral(body):
            raise RuntimeError("the storage layer cannot hold characters outside the BMP")
        if not isinstance(body, dict):
            self._invalid(f"The request body must be a JSON object, not a JSON {_json_kind(body)}.")
        entity = self._entity(body)
        with self.lock:
            self.counter += 1
            ident = str(self.counter) if self.has("counter-id") else str(uuid.uuid4())
            if self.has("upper-guid"):
                ident = ident.upper()
            entity = {"id": ident, **entity}
            self.store[ident.lower()] = entity
        headers = {} if self.has("no-location") else {"Location": self.entity_url(ident)}
        return Reply(200 if self.has("ok-200") else 201, self.represent(entity), headers)

    def _parse(self, raw: bytes) -> JSON:
        if not raw.strip():
            raise Problem(400, "BadRequest", "The request body is empty; send a JSON object.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Problem(
                400, "BadRequest", f"The request body is not valid UTF-8 (byte {exc.start})."
            ) from exc
        if text.startswith("\ufeff"):
            text = text[1:]
        try:
            value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
        except json.JSONDecodeError as exc:
            raise Problem(
                400, "BadRequest", f"Invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}."
            ) from exc
        except _JsonRefused as exc:
            raise Problem(400, "BadRequest", str(exc)) from exc
        except RecursionError as exc:
            raise Problem(400, "BadRequest", "The JSON is nested too deeply.") from exc
        if _has_surrogate(value):
            raise Problem(400, "BadRequest", "The request body holds an unpaired UTF-16 surrogate.")
        return value

    def _invalid(self, message: str) -> None:
        if self.has("unprocessable"):
            raise Problem(422, "UnprocessableEntity", message)
        raise Problem(400, "Request_BadRequest", message)

    def _entity(self, body: dict[str, JSON]) -> dict[str, JSON]:
        """The stored properties of a new object, after validating the request body."""
        if self.has("no-validation"):
            stored = {k: v for k, v in body.items() if not k.startswith("@") and k != "id"}
            return {"deletedDateTime": None, **stored}
        for name in body:
            if name.startswith("@") or name in ("userId", "deletedDateTime", "id"):
                continue  # instance annotations are tolerated; a client-sent id is ignored
            self._invalid(
                f"Property '{name}' does not exist on type 'microsoft.graph.outboundSharedUserProfile'."
            )
        if "userId" not in body:
            self._invalid("The property 'userId' is required.")
        user_id = body["userId"]
        if not isinstance(user_id, str):
            self._invalid(f"The property 'userId' must be a String, not a JSON {_json_kind(user_id)}.")
        deleted = body.get("deletedDateTime")
        if deleted is not None:
            if not isinstance(deleted, str):
                self._invalid(
                    f"The property 'deletedDateTime' must be a DateTimeOffset string, not a JSON "
                    f"{_json_kind(deleted)}."
                )
            elif (
                parse_datetime(
                    deleted,
                    no_offset=self.has("naive-datetime") or self.has("offsetless-datetime"),
                    no_time=self.has("naive-datetime"),
                )
                is None
            ):
                self._invalid(
                    f"Cannot convert {deleted!r} to Edm.DateTimeOffset: expected "
                    "yyyy-MM-ddTHH:mm:ss[.fffffff](Z|+hh:mm|-hh:mm)."
                )
        entity: dict[str, JSON] = {"userId": self._stored_text(user_id)}
        if "deletedDateTime" in body and not self.has("lose-datetime"):
            if deleted is not None and self.has("normalise-datetime"):
                deleted = normalised(deleted)
            entity["deletedDateTime"] = deleted
        elif not self.has("omit-null"):
            entity["deletedDateTime"] = None
        return entity

    def _stored_text(self, value: str) -> str:
        if self.has("trim"):
            value = value.strip()
        if self.has("ascii-only"):
            value = "".join(c if ord(c) < 128 else "?" for c in value)
        return value

    # .. reads

    def entity_url(self, ident: str) -> str:
        if self.has("key-location"):
            return f"{self.origin}{self.base_path}{COLLECTION}('{ident}')"
        return f"{self.origin}{self.base_path}{COLLECTION}/{ident}"

    def represent(self, entity: dict[str, JSON]) -> dict[str, JSON]:
        out: dict[str, JSON] = {}
        ident = str(entity["id"])
        if self.has("odata-extras"):
            out["@odata.context"] = (
                f"{self.origin}{self.base_path}/$metadata#directory/outboundSharedUserProfiles/$entity"
            )
            out["@odata.id"] = self.entity_url(ident)
            out["@odata.etag"] = f'W/"{uuid.uuid5(uuid.NAMESPACE_URL, ident)}"'
        out["@odata.type"] = WRONG_ODATA_TYPE if self.has("wrong-namespace") else ODATA_TYPE
        out.update(entity)
        if self.has("odata-extras"):
            out["createdDateTime"] = format_utc(time.time_ns() // 100)
        return out

    def read(self, ident: str) -> Reply:
        with self.lock:
            entity = self.store.get(ident.lower())
        if entity is None:
            raise Problem(404, "Request_ResourceNotFound", f"Resource '{ident}' does not exist.")
        return Reply(200, self.represent(entity))

    def list(self) -> Reply:
        with self.lock:
            entities = list(self.store.values())
        return Reply(200, {"value": [self.represent(e) for e in entities]})


class _JsonRefused(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for key, value in pairs:
        if key in out:
            raise _JsonRefused(f"The JSON object has the member {key!r} twice.")
        out[key] = value
    return out


def _no_constants(name: str) -> JSON:
    raise _JsonRefused(f"{name} is not a JSON value.")


def _strings(value: JSON) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)


def _has_surrogate(value: JSON) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for s in _strings(value) for c in s)


def _has_astral(value: JSON) -> bool:
    return any(ord(c) > 0xFFFF for s in _strings(value) for c in s)


def _json_kind(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# -- HTTP ------------------------------------------------------------------------------------------


def _accepts_gzip(header: str | None) -> bool:
    for item in (header or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        if name.lower() not in ("gzip", "*"):
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "VendorMock/1.0"
    timeout = 30  # idle keep-alive connections are dropped after this many seconds
    # Headers and body leave in one write, without Nagle: otherwise each keep-alive exchange
    # waits out the peer's delayed ACK (about 40 ms).
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: _Server
    _body: bytes = b""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read verdicts, not access logs."""

    def __getattr__(self, name: str) -> Callable[[], None]:
        # BaseHTTPRequestHandler looks up do_<METHOD>; every method goes through one dispatcher,
        # so an unusual method gets a 405, not the base class's 501.
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    def _dispatch(self) -> None:
        service = self.server.service
        request_id = str(uuid.uuid4())
        client_request_id = self.headers.get("client-request-id") or request_id
        trace = {"request-id": request_id, "client-request-id": client_request_id}
        try:
            self._read_body()
            reply = self._route(service)
        except Problem as problem:
            reply = self._error(problem, trace)
        except Exception:  # a crash is a 500, as a real server framework would answer
            reply = self._error(Problem(500, "InternalServerError", "An internal error occurred."), trace)
        reply.headers.update(trace)
        self._send(reply)

    def _read_body(self) -> bytes:
        self._body = b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not length.isdigit():
            self.close_connection = True
            raise Problem(400, "BadRequest", "Content-Length is not a number.")
        size = int(length)
        if size > MAX_BODY:
            self.close_connection = True
            raise Problem(413, "RequestEntityTooLarge", f"The request body exceeds {MAX_BODY} bytes.")
        self._body = self.rfile.read(size)
        return self._body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError as exc:
                self.close_connection = True
                raise Problem(400, "BadRequest", "Malformed chunked request body.") from exc
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                break
            total += size
            if total > MAX_BODY:
                self.close_connection = True
                raise Problem(413, "RequestEntityTooLarge", f"The request body exceeds {MAX_BODY} bytes.")
            parts.append(self.rfile.read(size))
            self.rfile.readline(16)
        self._body = b"".join(parts)
        return self._body

    def _route(self, service: Service) -> Reply:
        path = self.path.split("?", 1)[0]
        prefix = service.base_path + COLLECTION
        if path.rstrip("/") == prefix:
            key = None
        elif path.startswith(prefix + "/") and "/" not in path[len(prefix) + 1 :]:
            key = path[len(prefix) + 1 :]
        elif path.startswith(prefix + "(") and path.endswith(")"):
            key = path[len(prefix) + 1 : -1].strip("'")
        else:
            raise Problem(404, "Request_ResourceNotFound", f"No resource at {path!r}.")
        service.authenticate(self.headers.get("Authorization"))
        method = self.command
        if key is None:
            if method == "POST":
                return service.create(self.headers.get("Content-Type"), self._body)
            if method in ("GET", "HEAD"):
                return service.list()
            raise Problem(
                405,
                "Request_BadRequest",
                f"{method} is not supported on this collection.",
                {"Allow": "GET, POST"},
            )
        if method in ("GET", "HEAD"):
            return service.read(key)
        raise Problem(
            405, "Request_BadRequest", f"{method} is not supported on this object.", {"Allow": "GET"}
        )

    def _error(self, problem: Problem, trace: dict[str, str]) -> Reply:
        body = {
            "error": {
                "code": problem.code,
                "message": problem.message,
                "innerError": {"date": format_utc(time.time_ns() // 100)[:19], **trace},
            }
        }
        return Reply(problem.status, body, dict(problem.headers))

    def _send(self, reply: Reply) -> None:
        service = self.server.service
        headers = dict(reply.headers)
        payload = b""
        if reply.body is not None:
            if reply.status >= 400 and service.has("html-errors"):
                error = reply.body["error"]
                payload = (
                    f"<!DOCTYPE html><html><head><title>{reply.status} {error['code']}</title></head>"
                    f"<body><h1>{error['code']}</h1><p>{_html_escape(error['message'])}</p></body></html>"
                ).encode()
                headers["Content-Type"] = "text/html; charset=utf-8"
            else:
                payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
                headers["Content-Type"] = "application/json" if service.has("plain-json") else GRAPH_JSON
            headers["OData-Version"] = "4.0"
        if payload and service.has("gzip") and _accepts_gzip(self.headers.get("Accept-Encoding")):
            payload = gzip.compress(payload)
            headers["Content-Encoding"] = "gzip"
            headers["Vary"] = "Accept-Encoding"
        chunked = service.has("chunked") and bool(payload)
        if service.has("close"):
            self.close_connection = True
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if chunked:
            step = max(1, len(payload) // 3)
            for start in range(0, len(payload), step):
                piece = payload[start : start + step]
                self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        else:
            self.wfile.write(payload)


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, service: Service) -> None:
        self.service = service
        super().__init__(("127.0.0.1", 0), _Handler)


class VendorMock:
    """The mock on 127.0.0.1 at a free port, serving from a thread while the `with` block runs.

    `url` is the base URL to give the harness (`--target`); `quirks` switches on legal variations
    (LEGAL_QUIRKS) and bugs (BUG_QUIRKS).
    """

    def __init__(
        self, *, token: str = "vendor-token", quirks: Iterable[str] = (), base_path: str = "/beta"
    ) -> None:
        self.service = Service(token=token, quirks=quirks, base_path=base_path)
        self._server: socketserver.TCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.service.origin + self.service.base_path

    def __enter__(self) -> VendorMock:
        server = _Server(self.service)
        host, port = server.server_address[:2]
        self.service.origin = f"http://{host!s}:{port}"
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

"""A conformant implementation of the create operation a `Spec` describes; named faults break it.

`ReferenceServer(spec, faults=[...])` serves every documented path of the operation (placeholders
such as `{id}` match one segment) from an in-memory store on a `ThreadingHTTPServer`. With no
faults it does everything the harness checks for; each fault or legal variation from
`conformance.reference.faults` changes one observable behaviour. No request can make it answer 5xx
unless a crash fault asks for it: handler bugs are recorded in `internal_errors` instead.
"""

from __future__ import annotations

import contextlib
import gzip
import hmac
import json
import math
import re
import secrets
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, cast
from urllib.parse import quote, unquote, urlsplit

from conformance.contract.schemas import validation_errors
from conformance.contract.spec import Operation, Spec, request_schema
from conformance.reference.faults import (
    ALL,
    FAULTS,
    VARIATIONS,
    Fault,
    caller_sets_id,
    crash_reason,
    list_faults,
    loosened_schema,
    mangle,
    odata_type_value,
    resolve,
)

JSON = Any

MAX_LOCATION = 8000
MAX_BODY = 1 << 20  # bytes of request body read; more gets 413
ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false; charset=utf-8"
)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    headers: Mapping[str, str]  # keys lower-cased; the first of repeated headers wins
    body: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(slots=True)
class _Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    close: bool = False


@dataclass(frozen=True, slots=True)
class _Mode:
    """The switched-on faults and what they imply, swapped atomically by `set_faults`."""

    faults: frozenset[str]
    schema: dict[str, JSON]

    def on(self, name: str) -> bool:
        assert name in ALL, f"unregistered fault {name!r}"  # guards typos in this module
        return name in self.faults


class ReferenceServer:
    """The reference implementation; use as a context manager or call `start()` / `stop()`."""

    def __init__(
        self,
        spec: Spec,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Sequence[str] | None = (),
        token: str | None = None,
    ) -> None:
        self.spec = spec
        self.op: Operation = spec.operation
        self.host = host
        self.port = port
        self.internal_errors: list[str] = []  # tracebacks of handler bugs (each answered 500)
        self._token = token
        self._routes = [_route(p.value) for p in self.op.paths]
        self._lock = threading.Lock()
        self._store: dict[tuple[str, str], dict[str, JSON]] = {}
        self._counter = 0
        self._fixed_id = str(uuid.uuid4())
        self._mode = _Mode(frozenset(), request_schema(self.op))
        self.set_faults(faults)
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        if self._server is not None:
            return self
        self._server = _HTTPServer((self.host, self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL; the documented path is appended to it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def faults(self) -> frozenset[str]:
        return self._mode.faults

    def set_faults(self, faults: Sequence[str] | None) -> None:
        """Switch to another set of faults and variations (unknown names raise `ConfigError`)."""
        names = resolve(list(faults or ()))
        self._mode = _Mode(names, loosened_schema(self.op, names))

    def reset(self) -> None:
        """Forget every created entity."""
        with self._lock:
            self._store.clear()

    # -- the application ---------------------------------------------------------------------

    def handle(self, req: _Request) -> _Reply:
        mode = self._mode
        for collection, item in self._routes:
            if collection.match(req.path):
                return self._collection(mode, req)
            m = item.match(req.path)
            if m:
                return self._item(mode, req, m.group(1), unquote(m.group(2)))
        return self.error(mode, req, 404, "Request_ResourceNotFound", f"No resource at '{req.path[:200]}'.")

    def _collection(self, mode: _Mode, req: _Request) -> _Reply:
        denied = self._auth(mode, req)
        if denied:
            return denied
        if req.method != "POST":
            return self._not_allowed(mode, req, "POST")
        return self._create(mode, req)

    def _item(self, mode: _Mode, req: _Request, collection: str, key: str) -> _Reply:
        denied = self._auth(mode, req)
        if denied:
            return denied
        if req.method not in ("GET", "HEAD"):
            return self._not_allowed(mode, req, "GET")
        with self._lock:
            found = self._store.get((collection, key))
        if found is None or mode.on("no-read-back"):
            return self.error(
                mode, req, 404, "Request_ResourceNotFound", f"Resource '{key[:100]}' does not exist."
            )
        return self._json(mode, req, 200, found)

    def _auth(self, mode: _Mode, req: _Request) -> _Reply | None:
        value = req.headers.get("authorization", "").strip()
        scheme, _, credential = value.partition(" ")
        credential = credential.strip()
        if mode.on("auth-not-required") or (mode.on("auth-any-scheme") and value):
            return None
        if scheme.lower() == "bearer" and credential:
            if self._token is None or mode.on("auth-any-token"):
                return None
            if hmac.compare_digest(credential.encode("utf-8", "replace"), self._token.encode()):
                return None
        if mode.on("auth-403"):
            return self.error(mode, req, 403, "Authorization_RequestDenied", "Access is denied.")
        headers = (
            [] if mode.on("auth-no-www-authenticate") else [("WWW-Authenticate", 'Bearer realm="reference"')]
        )
        what = "missing" if not value else "not a valid bearer token"
        return self.error(mode, req, 401, "InvalidAuthenticationToken", f"Access token is {what}.", headers)

    def _not_allowed(self, mode: _Mode, req: _Request, allow: str) -> _Reply:
        if mode.on("method-501") and req.method not in KNOWN_METHODS:
            return self.error(
                mode, req, 501, "NotImplemented", f"Method '{req.method[:20]}' is not implemented."
            )
        headers = [] if mode.on("allow-missing") else [("Allow", allow)]
        return self.error(
            mode, req, 405, "Request_BadRequest", f"Method '{req.method[:20]}' is not allowed.", headers
        )

    def _create(self, mode: _Mode, req: _Request) -> _Reply:
        media = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if req.body and media != "application/json" and not mode.on("accepts-any-content-type"):
            status = 400 if mode.on("status-400-for-415") else 415
            return self.error(
                mode, req, status, "UnsupportedMediaType", "Content-Type must be application/json."
            )
        try:
            body = _loads(req.body)
        except ValueError as exc:
            if not mode.on("accepts-malformed-json"):
                return self.error(mode, req, 400, "BadRequest", f"The request body is not valid JSON: {exc}.")
            return self._created(mode, req, {})
        if not isinstance(body, dict):
            if not mode.on("accepts-non-object"):
                return self._invalid(mode, req, "", "the request body must be a JSON object")
            return self._created(mode, req, {})
        crash = crash_reason(mode.faults, body)
        if crash:
            return _Reply(
                500, [("Content-Type", "text/html")], f"<h1>Internal Server Error</h1>{crash}".encode()
            )
        if not caller_sets_id(self.op) and not mode.on("id-from-client"):
            body.pop("id", None)
        for prop in self.op.properties:  # OData 4.01 §11.4.2: non-insertable properties are ignored
            if prop.read_only and prop.name != "id":
                body.pop(prop.name, None)
        try:
            errors = validation_errors(body, mode.schema)
        except RecursionError:
            errors = [("", "the request body is nested too deeply")]
        if errors:
            return self._invalid(mode, req, *errors[0])
        return self._created(mode, req, body)

    def _invalid(self, mode: _Mode, req: _Request, pointer: str, message: str) -> _Reply:
        status = 422 if mode.on("validation-422") else 400
        where = f"at '{pointer}'" if pointer else "in the request body"
        return self.error(mode, req, status, "Request_BadRequest", f"Invalid value {where}: {message[:200]}")

    def _created(self, mode: _Mode, req: _Request, body: dict[str, JSON]) -> _Reply:
        op = self.op
        key, id_value = self._new_id(mode, body)
        entity_url = f"{self.url}{req.path}/{quote(key, safe='')}"
        entity: dict[str, JSON] = {"@odata.context": f"{self.url}/$metadata#{req.path.lstrip('/')}/$entity"}
        if op.odata_type is not None and not mode.on("odata-type-missing"):
            entity["@odata.type"] = odata_type_value(mode.faults, op.odata_type.value)
        if mode.on("extra-annotations"):
            entity["@odata.etag"] = f'W/"{secrets.token_hex(8)}"'
            entity["@odata.id"] = entity_url
        if not mode.on("id-missing"):
            entity["id"] = id_value
        listed = set()
        for prop in op.properties:
            listed.add(prop.name)
            if prop.name == "id":
                continue
            if prop.name in body:
                entity[prop.name] = body[prop.name]
            elif prop.nullable and not mode.on("omit-unsent-nullable"):
                entity[prop.name] = None
        for name, value in body.items():  # unlisted properties the schema let through
            if name not in listed and name != "id" and not name.startswith("@"):
                entity[name] = value
        if mode.on("extra-properties"):
            names = ("createdDateTime", "lastModifiedDateTime", "serverStampDateTime")
            extra = next((n for n in names if n not in listed), "referenceServerDateTime")
            entity[extra] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        mangle(mode.faults, op, entity)
        with self._lock:
            self._store[(req.path, key)] = entity
        status = op.success_status.value
        for fault, code in (("status-200", 200), ("status-202", 202), ("status-204-no-body", 204)):
            status = code if mode.on(fault) else status
        headers = []
        # RFC 9110 §4.1: URIs of 8,000 octets must work; a longer caller-chosen key gets no Location header
        # rather than a header line no client can read.
        if not mode.on("location-missing") and len(entity_url) <= MAX_LOCATION:
            headers.append(
                ("Location", f"{self.url}{req.path}" if mode.on("location-collection") else entity_url)
            )
        if status == 204:
            return self._reply(mode, req, _Reply(204, headers))
        reply = self._json(mode, req, status, [entity] if mode.on("response-json-array") else entity)
        reply.headers.extend(headers)
        if mode.on("response-invalid-json") and reply.body:
            reply.body = reply.body[:-1]
        if mode.on("response-text-plain") or mode.on("response-no-content-type"):
            reply.headers = [(k, v) for k, v in reply.headers if k != "Content-Type"]
            if mode.on("response-text-plain"):
                reply.headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return reply

    def _new_id(self, mode: _Mode, body: dict[str, JSON]) -> tuple[str, JSON]:
        """(store key, id value in the body) for a new entity."""
        sent = body.get("id")
        if isinstance(sent, str) and caller_sets_id(self.op):
            return sent, sent  # the caller's key, whatever it is: the page makes it the caller's choice
        if isinstance(sent, str) and sent and mode.on("id-from-client"):
            return sent, sent
        with self._lock:
            self._counter += 1
            counter = self._counter
        guid = self._fixed_id if mode.on("id-repeats") else str(uuid.uuid4())
        value: JSON
        if mode.on("id-numeric"):
            value = 1 if mode.on("id-repeats") else counter
        elif mode.on("id-empty"):
            value = ""
        elif self.op.id_format.value != "guid" or mode.on("id-not-guid"):
            value = "AAMk" + guid.replace("-", "")[:20] + "Q"
        elif mode.on("id-guid-no-dashes"):
            value = guid.replace("-", "")
        elif mode.on("id-guid-braces"):
            value = "{" + guid + "}"
        else:
            value = guid.upper() if mode.on("guid-uppercase") else guid
        key = str(value) if value != "" else f"empty-{counter}"
        return key, value

    # -- replies -----------------------------------------------------------------------------

    def _json(self, mode: _Mode, req: _Request, status: int, body: JSON) -> _Reply:
        ctype = "application/json" if mode.on("content-type-plain-json") else ODATA_JSON
        return self._reply(mode, req, _Reply(status, [("Content-Type", ctype)], _dumps(body)))

    def _reply(self, mode: _Mode, req: _Request, reply: _Reply) -> _Reply:
        """Add the headers every answer carries."""
        if not mode.on("odata-version-missing"):
            reply.headers.append(("OData-Version", "4.0"))
        if not mode.on("request-id-missing"):
            reply.headers.append(("request-id", req.request_id))
        client_id = req.headers.get("client-request-id")
        if client_id and not mode.on("client-request-id-not-echoed"):
            reply.headers.append(("client-request-id", client_id[:200]))
        return reply

    def error(
        self,
        mode: _Mode | None,
        req: _Request,
        status: int,
        code: str,
        message: str,
        headers: Sequence[tuple[str, str]] = (),
    ) -> _Reply:
        """A Graph error answer (`{"error": {"code", "message", "innerError"}}`)."""
        mode = mode or self._mode
        if mode.on("error-body-not-json"):
            reply = _Reply(status, [("Content-Type", "text/plain; charset=utf-8")], _reason(status).encode())
        else:
            inner = {"request-id": req.request_id, "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
            if req.headers.get("client-request-id"):
                inner["client-request-id"] = req.headers["client-request-id"][:200]
            err: dict[str, JSON] = {"code": code, "message": message, "innerError": inner}
            if mode.on("error-body-no-code"):
                del err["code"]
            if mode.on("error-body-no-message"):
                del err["message"]
            reply = self._json(mode, req, status, {"error": err})
            reply.headers.extend(headers)
            return reply
        reply.headers.extend(headers)
        return self._reply(mode, req, reply)


# -- pure helpers ------------------------------------------------------------------------------


def _route(path: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Regexes for the collection path and for one entity below it (groups: collection, key)."""
    path = path.split("?")[0].rstrip("/") or "/"
    parts = re.split(r"(\{[^}]*\})", path)
    pattern = "".join("[^/]+" if p.startswith("{") and p.endswith("}") else re.escape(p) for p in parts)
    return re.compile(f"^{pattern}$", re.IGNORECASE), re.compile(f"^({pattern})/([^/]+)$", re.IGNORECASE)


def _loads(raw: bytes) -> JSON:
    """Strict JSON from UTF-8 bytes: no NaN/Infinity, no out-of-range numbers. ValueError otherwise."""

    def constant(name: str) -> JSON:
        raise ValueError(f"{name} is not JSON")

    def number(text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"number {text[:20]} is out of range")
        return value

    if not raw.strip():
        raise ValueError("the body is empty")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=constant, parse_float=number)
    except UnicodeDecodeError:
        raise ValueError("the body is not UTF-8") from None
    except RecursionError:
        raise ValueError("the body is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    _refuse_lone_surrogates(value)
    return value


def _refuse_lone_surrogates(value: JSON) -> None:
    """A `\\ud800` escape decodes to no Unicode character (RFC 8259 §8.2): refuse it as invalid input."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(
                    "a string holds a lone surrogate escape, which is not Unicode text"
                ) from None


def _dumps(value: JSON) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate the client sent: escape it rather than fail
        return json.dumps(value).encode("ascii")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


# -- HTTP plumbing -----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Reads one request (bounded), hands it to the application, writes the reply."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # garbage request lines still get a status line
    server_version = "ReferenceServer/1.0"
    timeout = 30  # a silent client cannot hold a thread forever
    disable_nagle_algorithm = True  # headers and body go out in two writes; Nagle would delay the second

    def __getattr__(self, name: str) -> Callable[[], None]:
        # Every method, however odd (QUERY, FOO), reaches `_serve`, so none gets the stdlib's 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    @property
    def app(self) -> ReferenceServer:
        return cast(_HTTPServer, self.server).app

    def _serve(self) -> None:
        app = self.app
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), value)
        req = _Request(method=self.command, path=_path_of(self.path), headers=headers, body=b"")
        try:
            failure = self._read_body(req)
            reply = failure or app.handle(req)
        except Exception:
            app.internal_errors.append(traceback.format_exc())
            reply = app.error(None, req, 500, "InternalServerError", "The reference server failed.")
            reply.close = True
        self._write(reply)

    def _read_body(self, req: _Request) -> _Reply | None:
        """Fill `req.body`; a reply instead when the body cannot or must not be read."""
        app = self.app
        if "chunked" in req.headers.get("transfer-encoding", "").lower():
            chunks, size = [], 0
            while True:
                line = self.rfile.readline(100)
                try:
                    length = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    return _closing(app.error(None, req, 400, "BadRequest", "Malformed chunked body."))
                if length == 0:
                    while self.rfile.readline(1000).strip():  # trailers
                        pass
                    break
                size += length
                if size > MAX_BODY:
                    return _closing(app.error(None, req, 413, "RequestEntityTooLarge", _TOO_LARGE))
                chunks.append(self.rfile.read(length))
                self.rfile.readline(10)
            req.body = b"".join(chunks)
            return None
        raw = req.headers.get("content-length")
        if raw is None:
            return None
        if not raw.strip().isdigit():
            return _closing(app.error(None, req, 400, "BadRequest", "Content-Length is not a number."))
        length = int(raw)
        if length > MAX_BODY:
            return _closing(app.error(None, req, 413, "RequestEntityTooLarge", _TOO_LARGE))
        req.body = self.rfile.read(length)
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed request lines and headers get a Graph error body too, then the connection closes."""
        req = _Request(method=self.command or "", path="", headers={}, body=b"")
        reply = self.app.error(None, req, code, "BadRequest", message or _reason(code))
        self._write(_closing(reply))

    def _write(self, reply: _Reply) -> None:
        faults = self.app.faults
        body = reply.body
        headers = list(reply.headers)
        if body and "gzip" in faults and _accepts_gzip(self.headers.get("Accept-Encoding", "")):
            body = gzip.compress(body)
            headers += [("Content-Encoding", "gzip"), ("Vary", "Accept-Encoding")]
        chunked = bool(body) and "chunked" in faults
        if reply.close or "connection-close" in faults:
            headers.append(("Connection", "close"))
            self.close_connection = True
        try:
            self.send_response(reply.status)
            for name, value in headers:
                self.send_header(name, value)
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            elif reply.status != 204:
                self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            if self.command == "HEAD" or not body:
                return
            if chunked:
                half = max(1, len(body) // 2)  # two chunks at least, so a client must reassemble
                for part in (body[:half], body[half:]):
                    if part:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the harness read replies, not a log."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 resets bursts of concurrent clients
    block_on_close = False  # keep-alive connections must not hold up stop()

    def __init__(self, address: tuple[str, int], app: ReferenceServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host name up (getfqdn), which can stall; it is not needed.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Cut idle keep-alive connections so no handler thread outlives `stop()`."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that hangs up mid-request is not news."""


_TOO_LARGE = f"The request body is larger than {MAX_BODY} bytes."


def _closing(reply: _Reply) -> _Reply:
    reply.close = True
    return reply


def _path_of(target: str) -> str:
    """The path of a request target (origin or absolute form), without query or fragment."""
    if not target.startswith("/"):
        target = urlsplit(target).path if "://" in target else target
    return target.split("?")[0].split("#")[0]


def _accepts_gzip(value: str) -> bool:
    for item in value.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not re.fullmatch(r"q\s*=\s*0(\.0*)?", q)
    return False


__all__ = ["FAULTS", "MAX_BODY", "ODATA_JSON", "VARIATIONS", "Fault", "ReferenceServer", "list_faults"]

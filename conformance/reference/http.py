"""The reference server's HTTP plumbing: a listener thread, bounded request reading, framing and writing.

It knows nothing of a `Spec`: each request is read (bodies bounded by `MAX_BODY`, chunked or not), handed
to an `App` as a `Request`, and the `Reply` the app returns is written back; `loads_json` and `dumps_json`
are the strict JSON codec of bodies. Of the app's faults it applies
only the wire-level ones (`gzip`, `chunked`, `connection-close`). Malformed requests and handler crashes
still get the app's error body; a crash is recorded in `app.internal_errors`, never raised.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import re
import socket
import threading
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

from conformance.contract.spec import JSON

MAX_BODY = 1 << 20  # bytes of request body read; more gets 413


@dataclass(slots=True)
class Request:
    """One request as the app sees it."""

    method: str
    path: str
    headers: Mapping[str, str]  # keys lower-cased; the first of repeated headers wins
    body: bytes
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    query: str = ""  # the request target's query, undecoded (`$top=1&$skiptoken=...`)


@dataclass(slots=True)
class Reply:
    """One answer as the app gives it; the plumbing adds framing (Content-Length or chunks)."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    close: bool = False


class App(Protocol):
    """What the plumbing serves: `ReferenceServer` in `service.py`."""

    internal_errors: list[str]  # tracebacks of handler bugs (each answered 500)

    @property
    def faults(self) -> frozenset[str]: ...

    def handle(self, req: Request) -> Reply: ...

    def error(self, mode: None, req: Request, status: int, code: str, message: str) -> Reply:
        """A Graph error answer in the app's current mode (`mode` None)."""
        ...


class Listener:
    """Serves an `App` on `host:port` (0: any free port) from a daemon thread until `stop()`."""

    def __init__(self, app: App, host: str, port: int) -> None:
        self._server = _HTTPServer((host, port), app)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, cut idle keep-alive connections, close the socket and join the thread."""
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


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
    def app(self) -> App:
        return cast(_HTTPServer, self.server).app

    def _serve(self) -> None:
        app = self.app
        headers: dict[str, str] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), value)
        req = Request(method=self.command, path=_path_of(self.path), headers=headers, body=b"")
        req.query = urlsplit(self.path).query if "?" in self.path else ""
        try:
            failure = self._read_body(req)
            reply = failure or app.handle(req)
        except Exception:
            app.internal_errors.append(traceback.format_exc())
            reply = app.error(None, req, 500, "InternalServerError", "The reference server failed.")
            reply.close = True
        self._write(reply)

    def _read_body(self, req: Request) -> Reply | None:
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
        req = Request(method=self.command or "", path="", headers={}, body=b"")
        reply = self.app.error(None, req, code, "BadRequest", message or reason_phrase(code))
        self._write(_closing(reply))

    def _write(self, reply: Reply) -> None:
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
            if body and not chunked and self.command != "HEAD" and self.request_version != "HTTP/0.9":
                # the same bytes in one write (one wake-up of the client, not two): the blank line and the
                # body join http.server's buffer of header lines, which `flush_headers` sends
                buffered: list[bytes] = vars(self)["_headers_buffer"]
                buffered += [b"\r\n", body]
                self.flush_headers()
                return
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

    def __init__(self, address: tuple[str, int], app: App) -> None:
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


def _closing(reply: Reply) -> Reply:
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


# -- JSON bodies ------------------------------------------------------------------------------


MAX_NESTING = 500  # far below the interpreter's recursion limit, in any thread
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in `text` (strings skipped; exact for well-formed JSON)."""
    if text.count("[") + text.count("{") <= MAX_NESTING:
        return 0
    depth = deepest = 0
    for ch in _JSON_STRING.sub("", text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def loads_json(raw: bytes) -> JSON:
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
        if _nesting(raw.decode("utf-8")) > MAX_NESTING:  # before the parser recurses that deep
            raise RecursionError
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


def dumps_json(value: JSON) -> bytes:
    """UTF-8 JSON; a lone surrogate (echoed from a request) is escaped rather than fail."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate the client sent: escape it rather than fail
        return json.dumps(value).encode("ascii")


__all__ = ["MAX_BODY", "App", "Listener", "Reply", "Request", "dumps_json", "loads_json", "reason_phrase"]

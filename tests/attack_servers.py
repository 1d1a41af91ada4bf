"""The hostile-server kit the attack modules share: a raw-socket HTTP server on 127.0.0.1 (stdlib only) that
hands each parsed request to an app and writes whatever bytes the app returns, and `graph_app`, an
independent conformant create service to wrap with hostile behaviours. Written by the blind tester (who never
saw the harness's code) for /work/blind/test_attacks.py; one copy here instead of one per attack module."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import time
import urllib.parse
import uuid

import pytest

COLLECTION = "/directory/outboundSharedUserProfiles"
ODATA_TYPE = "#Microsoft.DirectoryServices.outboundSharedUserProfile"


class Request:
    def __init__(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes):
        self.method = method
        self.target = target
        self.path = urllib.parse.urlsplit(target).path
        self.headers = headers
        self.body = body

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default


def _b(x) -> bytes:
    if isinstance(x, bytes):
        return x
    return str(x).encode("utf-8", "surrogateescape")


def response(status: int, reason, headers=(), body=b"", content_type="application/json") -> bytes:
    """A complete HTTP/1.1 response; target-controlled bytes go out exactly as given."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    body = _b(body)
    out = [b"HTTP/1.1 " + str(status).encode() + b" " + _b(reason)]
    if content_type:
        out.append(b"Content-Type: " + _b(content_type))
    for k, v in headers:
        out.append(_b(k) + b": " + _b(v))
    out.append(b"Content-Length: " + str(len(body)).encode())
    out.append(b"Connection: close")
    return b"\r\n".join(out) + b"\r\n\r\n" + body


class HostileServer:
    """Listens on 127.0.0.1:0; ``app(request) -> bytes`` (or None to stay silent)."""

    def __init__(self, app):
        self.app = app
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.closed = False
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket):
        try:
            conn.settimeout(30)
            buf = b""
            while b"\r\n\r\n" not in buf:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                if len(buf) > 1 << 20:
                    return
            head, rest = buf.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = ([*lines[0].split(" ", 2), "", ""])[:3]
            headers = []
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers.append((k.strip(), v.strip()))
            hd = {k.lower(): v for k, v in headers}
            if "chunked" in hd.get("transfer-encoding", "").lower():
                while not rest.endswith(b"0\r\n\r\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
                body, data = b"", rest
                while True:
                    size_line, _, data = data.partition(b"\r\n")
                    size = int(size_line.split(b";")[0] or b"0", 16)
                    if size == 0:
                        break
                    body += data[:size]
                    data = data[size + 2 :]
            else:
                n = int(hd.get("content-length", "0") or 0)
                while len(rest) < n:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    rest += chunk
                body = rest[:n]
            req = Request(method, target, headers, body)
            with self.lock:
                self.requests.append(req)
            try:
                out = self.app(req)
            except Exception as e:  # a bug in a test app shows as a 500, never a hang
                out = response(
                    500, "Internal Server Error", [], {"error": {"code": "Bug", "message": repr(e)}}
                )
            if out is None:  # silent host: hold the connection open
                while not self.closed:
                    time.sleep(0.2)
                return
            conn.sendall(out)
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_WR)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self):
        self.closed = True
        with contextlib.suppress(OSError):
            self.sock.close()
        for c in self.conns:
            with contextlib.suppress(OSError):
                c.close()


@pytest.fixture
def serve():
    servers = []

    def start(app):
        s = HostileServer(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.close()


# ---- a reasonably conformant implementation of the page (no letter "x" in anything it says) ----

_DT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.I)


def _valid_datetime(v) -> bool:
    if v is None:
        return True
    if not isinstance(v, str) or not _DT.match(v):
        return False
    try:
        from datetime import datetime

        datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        return True
    except ValueError:
        return False


def graph_app(expected_token: str | None = None, delay: float = 0.0, extra_headers=()):
    store: dict[str, dict] = {}

    def std_headers(req, more=()):
        h = [("OData-Version", "4.0"), ("request-id", str(uuid.uuid4()))]
        crid = req.header("client-request-id")
        if crid is not None:
            h.append(("client-request-id", crid))
        return h + list(more) + list(extra_headers)

    def error(req, status, reason, code, msg, more=()):
        return response(status, reason, std_headers(req, more), {"error": {"code": code, "message": msg}})

    def app(req: Request) -> bytes:
        if delay:
            time.sleep(delay)
        path = req.path.rstrip("/")
        if path.endswith(COLLECTION):
            if req.method in ("PUT", "DELETE", "PATCH"):
                return error(
                    req,
                    405,
                    "Method Not Allowed",
                    "MethodNotAllowed",
                    "method not allowed",
                    [("Allow", "POST")],
                )
            if req.method != "POST":
                return error(
                    req,
                    405,
                    "Method Not Allowed",
                    "MethodNotAllowed",
                    "method not allowed",
                    [("Allow", "POST")],
                )
            auth = req.header("Authorization") or ""
            ok = auth.startswith("Bearer ") and len(auth) > 7
            if ok and expected_token is not None:
                ok = auth[7:] == expected_token
            if not ok:
                return error(
                    req,
                    401,
                    "Unauthorized",
                    "Unauthorized",
                    "authentication needed",
                    [("WWW-Authenticate", 'Bearer realm="graph"')],
                )
            ctype = (req.header("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return error(
                    req, 415, "Unsupported Media Type", "UnsupportedMediaType", "unsupported media type"
                )
            try:
                data = json.loads(req.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                return error(req, 400, "Bad Request", "BadRequest", "the body is not valid JSON")
            if not isinstance(data, dict) or not isinstance(data.get("userId"), str):
                return error(req, 400, "Bad Request", "BadRequest", "userId is required")
            for k, _v in data.items():
                if k not in ("userId", "deletedDateTime", "@odata.type", "id"):
                    return error(req, 400, "Bad Request", "BadRequest", "unknown property")
            if "@odata.type" in data and data["@odata.type"] != ODATA_TYPE:
                return error(req, 400, "Bad Request", "BadRequest", "wrong type")
            if "deletedDateTime" in data and not _valid_datetime(data["deletedDateTime"]):
                return error(req, 400, "Bad Request", "BadRequest", "bad date")
            obj = dict(data)
            obj["id"] = str(uuid.uuid4())
            obj["@odata.type"] = ODATA_TYPE
            store[obj["id"]] = obj
            host = req.header("Host") or "127.0.0.1"
            return response(
                201,
                "Created",
                std_headers(req, [("Location", f"http://{host}{COLLECTION}/{obj['id']}")]),
                obj,
            )
        if req.method == "GET" and COLLECTION + "/" in req.path:
            oid = req.path.rsplit("/", 1)[-1]
            if oid in store:
                return response(200, "OK", std_headers(req), store[oid])
        return error(req, 404, "Not Found", "NotFound", "not found")

    return app

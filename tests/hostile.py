"""Misbehaving HTTP targets on loopback, each named, for tests that check the harness survives them.

`HOSTILE[name]()` is a context manager that starts the server and yields its base URL; `OUTCOME[name]`
says what the client must make of it: "reply" (a `Reply` comes back), "error" (`TargetError`) or
"unreachable" (`TargetUnreachable`). Servers that record what they saw (`echo_server`,
`redirect_server`) are also available with their state.
"""

from __future__ import annotations

import contextlib
import email.utils
import functools
import json
import socket
import struct
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

LOOPBACK = "127.0.0.1"
DRIP_INTERVAL_S = 1.0
HUGE_BODY_BYTES = 100 * 1024 * 1024
BOMB_DECODED_BYTES = 256 * 1024 * 1024
DEEP_JSON_LEVELS = 100_000
SCRIPT = "<script>alert('xss')</script>"
HTML_PAYLOADS = (
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "</pre><iframe src=javascript:alert(1)>",
    "{{7*7}} ${7*7} <!-- -->",
    "]]></testcase><testcase name='injected'>",
)


@dataclass(frozen=True)
class Received:
    """One request as a hostile server saw it."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(values) if values else None


Behaviour = Callable[[socket.socket, Received, "RawServer"], None]


@dataclass
class RawServer:
    """A threaded TCP server on loopback whose `behave` writes whatever bytes it likes, HTTP or not."""

    behave: Behaviour
    host: str = LOOPBACK
    received: list[Received] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _conns: list[socket.socket] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _listener: socket.socket | None = None

    @property
    def url(self) -> str:
        assert self._listener is not None
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> RawServer:
        self._listener = socket.create_server((self.host, 0))
        self._listener.settimeout(0.1)
        accept = threading.Thread(
            target=self._accept_loop, name=f"hostile-{self.behave.__name__}", daemon=True
        )
        accept.start()
        self._threads.append(accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for t in list(self._threads):
            t.join(timeout=3)
        if self._listener is not None:
            self._listener.close()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10)
            request = read_request(conn)
            if request is None:
                return
            with self._lock:
                self.calls += 1
                self.received.append(request)
            self.behave(conn, request, self)
        except OSError:
            pass  # the client went away (often on purpose: it stopped reading)
        finally:
            with contextlib.suppress(OSError):
                conn.close()


def read_request(conn: socket.socket) -> Received | None:
    """Read one HTTP/1.1 request (Content-Length or chunked body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1024 * 1024:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split(" ")[:2]
    headers = tuple((k.strip(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:]))
    req = Received(method, target, headers, b"")
    length = int(req.header("Content-Length") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return Received(method, target, headers, rest[:length])


def respond(
    conn: socket.socket,
    status: int,
    body: bytes = b"",
    headers: list[tuple[str, str]] | None = None,
    reason: str = "OK",
) -> None:
    """Write a complete HTTP/1.1 response and let the connection close."""
    hs = list(headers or [])
    if not any(k.lower() in ("content-length", "transfer-encoding") for k, _ in hs):
        hs.append(("Content-Length", str(len(body))))
    hs.append(("Connection", "close"))
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
    conn.sendall(head.encode("latin-1") + body)


def _json(conn: socket.socket, status: int, doc: object, reason: str = "OK") -> None:
    respond(conn, status, json.dumps(doc).encode(), [("Content-Type", "application/json")], reason)


@contextmanager
def serving(behave: Behaviour, host: str = LOOPBACK) -> Iterator[RawServer]:
    with RawServer(behave, host=host) as server:
        yield server


# ---------------------------------------------------------------- behaviours


def _reset(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    conn.sendall(b'{"id": "' + b"x" * 1000)
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST


def _short_body(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{}")


def _huge_body(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(
        f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {HUGE_BODY_BYTES}\r\n\r\n".encode()
    )
    block = b"a" * 65536
    for _ in range(HUGE_BODY_BYTES // len(block)):  # generated as it goes, never held whole
        if srv.stop.is_set():
            return
        conn.sendall(block)


def _endless_chunked(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    block = b"[" * 65536
    while not srv.stop.is_set():
        conn.sendall(b"%x\r\n%s\r\n" % (len(block), block))


def _drip_body(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    while not srv.stop.wait(DRIP_INTERVAL_S):
        conn.sendall(b" ")


def _drip_headers(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not srv.stop.wait(DRIP_INTERVAL_S / 2):
        conn.sendall(b"z")


def _silent(conn: socket.socket, req: Received, srv: RawServer) -> None:
    srv.stop.wait()


def _garbage(conn: socket.socket, req: Received, srv: RawServer) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\xfe garbage \r\n\r\n")


def _huge_header(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 200, b"{}", [("Content-Type", "application/json"), ("X-Big", "h" * 200_000)])


def _many_headers(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 200, b"{}", [("Content-Type", "application/json")] + [(f"X-H{i}", "v") for i in range(500)])


def _invalid_json(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 201, b'{"id": "abc", "displayName": ', [("Content-Type", "application/json")], "Created")


def _invalid_utf8(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(
        conn, 201, b'{"id": "\xff\xfe\xc3(", "x": "\xed\xa0\x80"}', [("Content-Type", "application/json")]
    )


def _deep_json(conn: socket.socket, req: Received, srv: RawServer) -> None:
    body = b"[" * DEEP_JSON_LEVELS + b"]" * DEEP_JSON_LEVELS
    respond(conn, 201, body, [("Content-Type", "application/json")], "Created")


def _html_json(conn: socket.socket, req: Received, srv: RawServer) -> None:
    doc = {
        "id": SCRIPT,
        "displayName": HTML_PAYLOADS[1],
        "@odata.context": HTML_PAYLOADS[2],
        "error": {"code": HTML_PAYLOADS[4], "message": HTML_PAYLOADS[3]},
    }
    hs = [("Content-Type", "application/json"), ("X-Script", SCRIPT), ("Location", "javascript:alert(1)")]
    respond(conn, 201, json.dumps(doc).encode(), hs, reason=SCRIPT)


def _html_page(conn: socket.socket, req: Received, srv: RawServer) -> None:
    body = ("<html><body>" + "".join(HTML_PAYLOADS) + "</body></html>").encode()
    respond(conn, 500, body, [("Content-Type", "text/html"), ("X-Frame", HTML_PAYLOADS[2])], "<b>oops</b>")


def echo_forms(secret: str) -> dict[str, str]:
    """JSON text fragments in which a serializer or framework might echo `secret` (escaped, encoded)."""
    return {
        "escaped": "".join(c if c.isalnum() else f"\\u{ord(c):04X}" for c in secret),  # .NET-style
        "slashed": json.dumps(secret)[1:-1].replace("/", "\\/"),  # PHP-style
        "quoted": urllib.parse.quote(secret, safe=""),
    }


def _echo(conn: socket.socket, req: Received, srv: RawServer) -> None:
    doc = {
        "method": req.method,
        "path": req.target,
        "headers": {k: v for k, v in req.headers},
        "body": req.body.decode("utf-8", "replace"),
    }
    text = json.dumps(doc)
    auth = req.header("Authorization")
    hs = [("Content-Type", "application/json")]
    hs += [(f"X-Echo-{k}", v) for k, v in req.headers]
    if auth:  # also in the forms a real service might use, written straight into the JSON text
        text = text[:-1] + "".join(f', "{k}": "{v}"' for k, v in echo_forms(auth).items()) + "}"
        hs += [("Set-Cookie", f"session={auth}"), ("WWW-Authenticate", f'Bearer error="{auth}"')]
        hs += [("X-Echo-Quoted", urllib.parse.quote(auth, safe=""))]
    respond(conn, 200, text.encode(), hs, reason=f"echo {auth or ''}".strip())


@functools.cache
def _bomb() -> bytes:
    pack = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    return b"".join(pack.compress(block) for _ in range(BOMB_DECODED_BYTES // len(block))) + pack.flush()


def _gzip_bomb(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 200, _bomb(), [("Content-Type", "application/json"), ("Content-Encoding", "gzip")])


def _throttle(status: int, calls: int, date: bool) -> Behaviour:
    """`status` with Retry-After (1 s, in seconds or as an HTTP date) for `calls` calls, then 201."""

    def behave(conn: socket.socket, req: Received, srv: RawServer) -> None:
        if srv.calls <= calls:
            when = email.utils.formatdate(time.time() + 1, usegmt=True) if date else "1"
            body = json.dumps({"error": {"code": "TooManyRequests", "message": "slow down"}}).encode()
            respond(conn, status, body, [("Content-Type", "application/json"), ("Retry-After", when)], "Wait")
            return
        _json(conn, 201, {"id": "after-throttle"}, "Created")

    behave.__name__ = f"throttle_{status}"
    return behave


def _always_429(conn: socket.socket, req: Received, srv: RawServer) -> None:
    respond(conn, 429, b"{}", [("Content-Type", "application/json"), ("Retry-After", "3600")], "Too Many")


# ---------------------------------------------------------------- servers with state


@dataclass
class Redirect:
    """A server that redirects every request to `trap`, another loopback server that records what it got."""

    url: str
    trap: RawServer

    @property
    def trap_saw_authorization(self) -> bool:
        return any(r.header("Authorization") is not None for r in self.trap.received)


def _trap_host() -> str:
    try:
        with socket.create_server(("127.0.0.2", 0)):
            return "127.0.0.2"
    except OSError:
        return LOOPBACK  # another port on the same address still is another origin


@contextmanager
def redirect_server(status: int = 307) -> Iterator[Redirect]:
    """Redirect (with the given 3xx) to a trap on another loopback host or port."""
    with serving(_echo, host=_trap_host()) as trap:

        def behave(conn: socket.socket, req: Received, srv: RawServer) -> None:
            respond(conn, status, b"", [("Location", trap.url + req.target)], "Moved")

        with serving(behave) as front:
            yield Redirect(url=front.url, trap=trap)


@contextmanager
def echo_server() -> Iterator[RawServer]:
    """Echo every request header back in the JSON body and as X-Echo-* response headers."""
    with serving(_echo) as srv:
        yield srv


@contextmanager
def refused() -> Iterator[str]:
    """A port bound but not listening: connecting is refused (and nobody else can take the port meanwhile)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((LOOPBACK, 0))
    try:
        yield f"http://{LOOPBACK}:{sock.getsockname()[1]}"
    finally:
        sock.close()


def _url_of(
    behave: Behaviour, prepare: Callable[[], object] | None = None
) -> Callable[[], AbstractContextManager[str]]:
    """A server factory; `prepare` runs first, so slow set-up cannot eat the client's deadline."""

    @contextmanager
    def start() -> Iterator[str]:
        if prepare is not None:
            prepare()
        with serving(behave) as srv:
            yield srv.url

    return start


def _redirect_url(status: int) -> Callable[[], AbstractContextManager[str]]:
    @contextmanager
    def start() -> Iterator[str]:
        with redirect_server(status) as r:
            yield r.url

    return start


@contextmanager
def _echo_url() -> Iterator[str]:
    with echo_server() as srv:
        yield srv.url


HOSTILE: dict[str, Callable[..., AbstractContextManager[str]]] = {
    "refused": refused,
    "reset": _url_of(_reset),
    "short_body": _url_of(_short_body),
    "huge_body": _url_of(_huge_body),
    "endless_chunked": _url_of(_endless_chunked),
    "drip_body": _url_of(_drip_body),
    "drip_headers": _url_of(_drip_headers),
    "silent": _url_of(_silent),
    "garbage": _url_of(_garbage),
    "huge_header": _url_of(_huge_header),
    "many_headers": _url_of(_many_headers),
    "invalid_json": _url_of(_invalid_json),
    "invalid_utf8": _url_of(_invalid_utf8),
    "deep_json": _url_of(_deep_json),
    "redirect_301": _redirect_url(301),
    "redirect_302": _redirect_url(302),
    "redirect_303": _redirect_url(303),
    "redirect_307": _redirect_url(307),
    "redirect_308": _redirect_url(308),
    "throttled_429": _url_of(_throttle(429, 2, date=False)),
    "unavailable_503": _url_of(_throttle(503, 2, date=True)),
    "always_429": _url_of(_always_429),
    "html_json": _url_of(_html_json),
    "html_page": _url_of(_html_page),
    "echo": _echo_url,
    "gzip_bomb": _url_of(_gzip_bomb, prepare=_bomb),
}

OUTCOME: dict[str, str] = {
    "refused": "unreachable",
    "reset": "error",
    "short_body": "error",
    "huge_body": "reply",  # cut at max_read, truncated=True
    "endless_chunked": "reply",
    "drip_body": "error",
    "drip_headers": "error",
    "silent": "error",
    "garbage": "error",
    "huge_header": "error",
    "many_headers": "error",
    "invalid_json": "reply",  # reply.json() raises ValueError
    "invalid_utf8": "reply",
    "deep_json": "reply",
    "redirect_301": "reply",
    "redirect_302": "reply",
    "redirect_303": "reply",
    "redirect_307": "reply",
    "redirect_308": "reply",
    "throttled_429": "reply",  # 201 after two retries
    "unavailable_503": "reply",
    "always_429": "error",  # at once: waiting an hour is beyond any budget, and a 429 is never an answer
    "html_json": "reply",
    "html_page": "reply",
    "echo": "reply",
    "gzip_bomb": "reply",  # cut at max_read of decoded bytes
}

assert OUTCOME.keys() == HOSTILE.keys()

"""A loopback TCP proxy that delays everything the server sends by a fixed latency, as a far network would.

    with LatencyProxy("http://127.0.0.1:8080/v1.0", latency_s=0.2) as proxy:
        run(..., base_url=proxy.url)

Each connection is forwarded as is (keep-alive, chunked, gzip, anything): bytes from the client go on at
once, bytes from the server are released `latency_s` after they arrived, in order, so every answer
comes `latency_s` late while many connections may wait at the same time (what a remote target or a
vendor's slow mock does to a run). Listens on 127.0.0.1, port 0. Used by tests/test_concurrency.py and
benchmarks/perf.py.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from types import TracebackType
from urllib.parse import urlsplit

_CHUNK = 64 * 1024


class LatencyProxy:
    """Forwards 127.0.0.1:<port> to the upstream base URL's host and port, answers `latency_s` late."""

    def __init__(self, upstream: str, latency_s: float) -> None:
        parts = urlsplit(upstream)
        if parts.hostname != "127.0.0.1" or parts.port is None:
            raise ValueError(f"upstream must be http://127.0.0.1:<port>..., got {upstream!r}")
        self.upstream = (parts.hostname, parts.port)
        self._path = parts.path
        self.latency_s = latency_s
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="latency-proxy", daemon=True)

    @property
    def url(self) -> str:
        """The upstream base URL, through the proxy."""
        return f"http://127.0.0.1:{self.port}{self._path}"

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, server]
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            late: queue.Queue[tuple[float, bytes]] = queue.Queue()
            for target, args in (
                (self._pipe, (client, server)),
                (self._hold, (server, late)),
                (self._release, (late, client)),
            ):
                threading.Thread(target=target, args=args, daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        """Client to server, at once."""
        with contextlib.suppress(OSError):
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _hold(self, source: socket.socket, late: queue.Queue[tuple[float, bytes]]) -> None:
        """Server to queue, each chunk stamped with when it may go on."""
        with contextlib.suppress(OSError):
            while data := source.recv(_CHUNK):
                late.put((time.monotonic() + self.latency_s, data))
        late.put((time.monotonic() + self.latency_s, b""))

    @staticmethod
    def _release(late: queue.Queue[tuple[float, bytes]], sink: socket.socket) -> None:
        """Queue to client, each chunk at its time, in order."""
        while True:
            due, data = late.get()
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                if not data:
                    sink.shutdown(socket.SHUT_WR)
                    return
                sink.sendall(data)
            except OSError:
                return


__all__ = ["LatencyProxy"]

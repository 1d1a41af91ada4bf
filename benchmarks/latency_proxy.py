"""A TCP proxy on 127.0.0.1 that adds a fixed latency to every request, like a remote target.

    python benchmarks/latency_proxy.py UPSTREAM_PORT LATENCY_MS   # prints the URL to use

Bytes pass through untouched in both directions (whatever the harness sends arrives as sent), and each
chunk from the client goes on `latency` seconds after it arrived: one request costs one extra latency,
as a round trip to a distant service does. Chunks are in flight together, as packets on a network are:
a request written in two parts (headers, then body) arrives one latency late, not two. Each client
connection gets its own upstream connection, so a pool of connections sees the latency in parallel, as
it would over a network.
"""

from __future__ import annotations

import queue
import socket
import socketserver
import sys
import threading
import time


class LatencyProxy:
    """`with LatencyProxy(upstream_port, 0.05) as proxy:` then send to `proxy.url`."""

    def __init__(self, upstream_port: int, latency_s: float) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.latency_s = latency_s
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                outer._relay(self.request)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _relay(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self.upstream)
        except OSError:
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        back = threading.Thread(target=_pump, args=(upstream, client, 0.0), daemon=True)
        back.start()
        _pump(client, upstream, self.latency_s)
        back.join()
        upstream.close()

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _pump(src: socket.socket, dst: socket.socket, delay: float) -> None:
    """`src` to `dst`; with a `delay`, each chunk goes on `delay` after it arrived (in order)."""
    late: queue.Queue[tuple[float, bytes]] = queue.Queue()
    release = threading.Thread(target=_release, args=(late, dst), daemon=True)
    release.start()
    try:
        while True:
            chunk = src.recv(65536)
            late.put((time.monotonic() + delay, chunk))
            if not chunk:
                break
    except OSError:
        late.put((time.monotonic(), b""))
    release.join()


def _release(late: queue.Queue[tuple[float, bytes]], dst: socket.socket) -> None:
    while True:
        due, chunk = late.get()
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            if not chunk:
                dst.shutdown(socket.SHUT_WR)
                return
            dst.sendall(chunk)
        except OSError:
            return


if __name__ == "__main__":
    with LatencyProxy(int(sys.argv[1]), float(sys.argv[2]) / 1000) as proxy:
        print(proxy.url, flush=True)
        threading.Event().wait()

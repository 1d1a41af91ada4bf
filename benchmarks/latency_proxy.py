"""A TCP proxy on 127.0.0.1 that adds a fixed latency to every request, like a remote target.

    python benchmarks/latency_proxy.py UPSTREAM_PORT LATENCY_MS   # prints the URL to use

The proxy itself is `tests/latency_proxy.py` (the concurrency tests use the same one): each connection is
forwarded as is, and every answer comes `LATENCY_MS` late, many connections waiting at once, as a round
trip to a distant service does.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.latency_proxy import LatencyProxy

__all__ = ["LatencyProxy"]

if __name__ == "__main__":
    with LatencyProxy(f"http://127.0.0.1:{int(sys.argv[1])}", float(sys.argv[2]) / 1000) as proxy:
        print(proxy.url, flush=True)
        threading.Event().wait()

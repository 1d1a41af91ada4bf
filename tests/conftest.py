"""Shared fixtures of the project's own tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from socketserver import BaseServer
from typing import TypeVar

import pytest

pytest_plugins = ["pytester", "tests.attack_servers"]  # the attack modules' `serve` fixture

S = TypeVar("S", bound=BaseServer)


@pytest.fixture
def http_server() -> Iterator[Callable[[S], S]]:
    """`start(server)`: serves `server` (bound to 127.0.0.1 by its maker) on a thread of its own and returns
    it; every server started is shut down and closed when the test ends."""
    started: list[BaseServer] = []

    def start(server: S) -> S:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.shutdown()
        server.server_close()

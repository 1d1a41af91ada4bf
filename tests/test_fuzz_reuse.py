"""A built generation strategy is reused, and reusing it draws exactly the bodies a fresh one would."""

from __future__ import annotations

from pathlib import Path

from conformance.checks import fuzz
from conformance.config import Config
from conformance.contract.openapi import load_spec
from conformance.reference.http import Reply, Request
from conformance.reference.service import ReferenceServer
from conformance.runner import run

SPEC = Path(__file__).resolve().parents[1] / "specs" / "outboundSharedUserProfile.openapi.yaml"


class _Recording(ReferenceServer):
    bodies: list[bytes]

    def handle(self, req: Request) -> Reply:
        self.bodies.append(req.body)
        return super().handle(req)


def _generated_bodies() -> list[bytes]:
    spec = load_spec(SPEC)
    server = _Recording(spec, token="tok")
    server.bodies = []
    # one at a time: bodies sent ahead at a higher concurrency may reach the server in any order
    config = Config(formats=(), examples=10, seed=7, select=("GEN-001", "GEN-002"), concurrency=1)
    with server:
        result = run(spec, config, base_url=server.url, spec_file="seed", token="tok")
    assert result.exit_code == 0
    return server.bodies


def test_reused_strategies_draw_the_same_bodies():
    fuzz._STRATEGIES.clear()
    fresh = _generated_bodies()
    built = dict(fuzz._STRATEGIES)
    assert len(built) == 2  # one per generation mode
    again = _generated_bodies()
    assert built == fuzz._STRATEGIES  # nothing rebuilt
    assert len(fresh) >= 20
    assert again == fresh

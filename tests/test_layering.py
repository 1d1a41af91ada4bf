"""Data flows one way: each room imports only the rooms ARCHITECTURE.md allows (no back-edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "conformance"

# room -> rooms it may import (besides itself and `errors`, which any room may import)
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "spec": set(),
    "config": set(),
    "docparse": set(),
    "schemas": {"spec"},
    "doctext": {"spec"},
    "httpexamples": {"docparse", "spec"},
    "resources": {"docparse", "doctext", "spec"},
    "derive": {"docparse", "doctext", "httpexamples", "resources", "spec"},
    "openapi": {"derive", "spec", "schemas"},
    "lint": {"docparse", "derive", "httpexamples", "spec", "schemas"},
    "results": {"spec"},
    "client": {"config", "results"},
    "checks": {"spec", "client", "results", "schemas"},
    "runner": {"checks", "client", "spec", "results", "config"},
    "reporters": {"results", "spec"},
    "faults": {"spec", "schemas"},
    "reference_server": {"spec", "schemas", "faults"},
    "suite": set(),
    "cli": {"*"},
    "pytest_plugin": {"*"},
    "__main__": {"cli"},
    "__init__": {"config", "results", "spec"},  # the public API re-exports data types
}


def room_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem


def imported_rooms(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rooms = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name == "conformance" or name.startswith("conformance."):
                parts = name.split(".")
                if len(parts) > 1:
                    rooms.add(parts[1])
    return rooms


SOURCES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_back_edges(path: Path) -> None:
    room = room_of(path)
    assert room in ALLOWED, f"{room} is a new room: add it to ARCHITECTURE.md and to ALLOWED here"
    allowed = ALLOWED[room]
    if "*" in allowed:
        return
    bad = imported_rooms(path) - allowed - {room, "errors"}
    assert not bad, f"{path.relative_to(PKG)} ({room}) imports {sorted(bad)}, which data flow forbids"


def test_the_test_can_fail(tmp_path: Path) -> None:
    fake = PKG / "spec.py"
    assert "cli" not in imported_rooms(fake)
    probe = tmp_path / "probe.py"
    probe.write_text("from conformance.cli import main\n")
    assert imported_rooms(probe) == {"cli"}


def test_all_matches_the_public_exports() -> None:
    import conformance

    modules = {
        "doctext",
        "httpexamples",
        "resources",
        "checks",
        "client",
        "config",
        "errors",
        "faults",
        "results",
        "schemas",
        "spec",
        "derive",
        "docparse",
        "openapi",
        "lint",
        "runner",
        "reporters",
        "reference_server",
        "cli",
        "pytest_plugin",
        "suite",
    }
    public = {n for n in vars(conformance) if n[0].isalpha()} - modules - {"annotations"}
    assert set(conformance.__all__) == public
    assert list(conformance.__all__) == sorted(conformance.__all__)

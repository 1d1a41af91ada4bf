"""Data flows one way: each wing and room imports only what ARCHITECTURE.md allows (no back-edges)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "conformance"

# room -> what it may import (besides itself and `errors`, which anyone may import). A room is a top-level
# module, a wing (`target`, `reference`, `checks`, `reporters`), or a module of the contract wing
# (`contract.derive`). An entry allows that room and everything under it ("contract" allows every contract
# module).
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "config": {"contract.spec", "contract.files", "credentials"},  # `Level`s; pyproject is a user file
    "credentials": set(),  # the token and --header values checked once at start, for config
    "console": set(),  # the one door to a terminal (escaping); the edges use it
    "terminal": {"console", "results", "runner"},  # what a run shows on a terminal (the CLI's progress)
    "contract.files": set(),  # reading a user-named file: regular, bounded, UTF-8
    "contract.specfile": {"contract.spec"},  # YAML without aliases, $refs only inside the file
    # the contract wing: the doc side. It imports nothing from target, reference, checks or reporters.
    "contract": set(),  # the wing's __init__
    "contract.spec": set(),
    "contract.docparse": {"contract.spec"},  # the JSON alias only
    "contract.schemas": {"contract.spec"},
    "contract.doctext": {"contract.spec"},
    "contract.httpexamples": {"contract.docparse", "contract.spec"},
    "contract.resources": {"contract.docparse", "contract.doctext", "contract.files", "contract.spec"},
    # derivation, in the order facts flow: the shared ground, the three fact finders, reconciliation, assembly
    "contract.facts": {"contract.docparse", "contract.resources", "contract.spec"},
    "contract.facts_tables": {
        "contract.docparse",
        "contract.doctext",
        "contract.facts",
        "contract.resources",
        "contract.spec",
    },
    "contract.facts_prose": {
        "contract.docparse",
        "contract.doctext",
        "contract.facts",
        "contract.resources",
        "contract.spec",
    },
    "contract.facts_examples": {
        "contract.docparse",
        "contract.facts",
        "contract.httpexamples",
        "contract.spec",
    },
    "contract.facts_requirements": {"contract.docparse", "contract.doctext", "contract.facts"},
    "contract.consistency": {
        "contract.docparse",
        "contract.doctext",
        "contract.facts",
        "contract.facts_examples",
        "contract.schemas",
        "contract.spec",
    },
    "contract.facts_alternatives": {
        "contract.doctext",
        "contract.facts",
        "contract.facts_tables",
        "contract.resources",
        "contract.spec",
    },
    "contract.naming": {"contract.doctext", "contract.facts", "contract.spec"},  # the resource link and name
    "contract.reconcile": {
        "contract.doctext",
        "contract.facts",
        "contract.facts_prose",
        "contract.facts_requirements",
        "contract.facts_tables",
        "contract.resources",
        "contract.spec",
    },
    # issue 14: which operation a page documents (kind and key), and the facts of get/list/update/delete pages
    # the page's records (`Page`, for lint's reading of the Response prose) and their plain text
    "contract.kinds": {"contract.docparse", "contract.doctext", "contract.facts", "contract.spec"},
    "contract.facts_ops": {
        "contract.doctext",
        "contract.facts",
        "contract.facts_tables",
        "contract.kinds",
        "contract.resources",
        "contract.spec",
    },
    "contract.operations": {
        "contract.consistency",
        "contract.facts",
        "contract.facts_alternatives",
        "contract.facts_examples",
        "contract.facts_ops",
        "contract.facts_tables",
        "contract.kinds",
        "contract.reconcile",
        "contract.resources",
        "contract.spec",
    },
    "contract.grouping": {"contract.kinds", "contract.spec"},  # a resource is a set of operations
    "contract.pageset": {"contract.spec"},  # several pages as one Spec
    "contract.keys": {"contract.grouping", "contract.spec"},  # the entity property a key names
    "contract.templates": {"contract.spec"},  # OpenAPI path templates of the written paths
    # get/list/update/delete as OpenAPI operation objects
    "contract.openapi_ops": {"contract.kinds", "contract.spec", "contract.templates"},
    "contract.derive": {
        "contract.kinds",
        "contract.operations",
        "contract.consistency",
        "contract.docparse",
        "contract.doctext",
        "contract.facts",
        "contract.facts_alternatives",
        "contract.facts_examples",
        "contract.facts_prose",
        "contract.facts_tables",
        "contract.files",
        "contract.naming",
        "contract.reconcile",
        "contract.resources",
        "contract.spec",
    },
    "contract.repair": {"contract.schemas", "contract.spec"},  # valid examples for the OpenAPI file
    "contract.openapi": {
        "contract.openapi_ops",
        "contract.templates",
        "contract.derive",
        "contract.files",
        "contract.repair",
        "contract.spec",
        "contract.specfile",
        "contract.schemas",
    },
    "contract.lint": {
        "contract.lint",
        "contract.docparse",
        "contract.derive",
        "contract.httpexamples",
        "contract.kinds",  # DOC-KIND-CONFLICT reads the page as the kind rule does
        "contract.spec",
        "contract.schemas",
    },
    "results": {"contract.spec"},
    # the target wing: talking to an implementation; never the contract's derivation
    "target": {"config", "results", "contract.spec"},
    # the reference wing: must not share the judge's code (client, checks, runner)
    "reference": {
        "contract.spec",
        "contract.schemas",
        "contract.grouping",
        "contract.keys",
        "contract.kinds",
    },
    "checks": {
        "contract.spec",
        "contract.schemas",
        "contract.grouping",
        "contract.keys",
        "target",
        "results",
    },
    "runner": {"checks", "target", "contract", "results", "config", "budget", "schedule", "waivers"},
    # known failures with a reason and an expiry: read like a spec file, checked against the catalogue
    "waivers": {"config", "checks", "results", "contract.files", "contract.specfile", "target.redaction"},
    "schedule": set(),  # which checks may run at once, and running them in lanes: knows no check
    "budget": {"checks", "config"},  # the time budget is planned from the checks and the timeout
    # what both edges set up around a run: the spec and the target (the one engine door to the reference)
    "session": {"config", "contract", "reference", "apphost", "target.redaction"},
    # an --app's WSGI/ASGI application served on 127.0.0.1 for the run (session's other door to a target)
    "apphost": {"console"},
    # the pytest edge under pytest-xdist: one seed, VALID-006 over every worker's traffic
    "pytest_workers": {"checks", "config"},
    "reporters": {"results", "contract.spec"},
    "suite": set(),
    # where users already are: workflow commands, the action's steps, lint formats, comparing two reports
    "ci": {"console", "contract.spec", "contract.files", "contract.lint", "results", "reporters"},
    # the two edges: anything of the engine, never each other
    "cli": {"*", "!pytest_plugin"},
    "pytest_plugin": {"*", "!cli"},
    "__main__": {"cli"},
    "__init__": {"config", "results", "contract.spec"},  # the public API re-exports data types
}


def room_of(path: Path) -> str:
    rel = path.relative_to(PKG)
    if len(rel.parts) == 1:
        return rel.stem
    if rel.parts[0] == "contract":
        if len(rel.parts) > 2:  # a package inside the wing (contract/lint/) is one room
            return f"contract.{rel.parts[1]}"
        return "contract" if rel.stem == "__init__" else f"contract.{rel.stem}"
    return rel.parts[0]


def imported_names(path: Path) -> set[str]:
    """Every `conformance.x.y` this file imports, without the `conformance.` prefix."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "conformance":
                names.update(a.name for a in node.names)
            elif node.module.startswith("conformance."):
                base = node.module.removeprefix("conformance.")
                names.add(base)
                if base == "contract":  # `from conformance.contract import lint` names a module
                    names.update(f"{base}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(
                a.name.removeprefix("conformance.") for a in node.names if a.name.startswith("conformance.")
            )
    return names


def allows(allowed: set[str], room: str, name: str) -> bool:
    def under(prefix: str) -> bool:
        return name == prefix or name.startswith(prefix + ".")

    if under("errors") or under(room) or (room.startswith("contract.") and name == "contract"):
        return True
    if any(under(a[1:]) for a in allowed if a.startswith("!")):
        return False
    return "*" in allowed or any(under(a) for a in allowed)


def violations(path: Path) -> list[str]:
    room = room_of(path)
    return sorted(n for n in imported_names(path) if not allows(ALLOWED[room], room, n))


SOURCES = sorted(p for p in PKG.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PKG)))
def test_no_back_edges(path: Path) -> None:
    room = room_of(path)
    assert room in ALLOWED, f"{room} is a new room: add it to ARCHITECTURE.md and to ALLOWED here"
    bad = violations(path)
    assert not bad, f"{path.relative_to(PKG)} ({room}) imports {bad}, which data flow forbids"


@pytest.mark.parametrize(
    ("where", "source", "bad"),
    [
        ("contract/spec.py", "from conformance.cli import main\n", ["cli"]),
        ("contract/openapi.py", "from conformance.target.client import Client\n", ["target.client"]),
        ("contract/derive.py", "from conformance.checks import bind\n", ["checks"]),
        ("contract/facts.py", "from conformance.contract.derive import derive_page\n", ["contract.derive"]),
        (
            "contract/facts_tables.py",
            "from conformance.contract.reconcile import success_status\n",
            ["contract.reconcile"],
        ),
        (
            "contract/facts_examples.py",
            "from conformance.contract.facts_prose import request_line\n",
            ["contract.facts_prose"],
        ),
        ("target/client.py", "from conformance.contract.derive import derive_page\n", ["contract.derive"]),
        ("target/client.py", "from conformance.contract import lint\n", ["contract", "contract.lint"]),
        ("reporters/html.py", "from conformance.runner import run\n", ["runner"]),
        ("reporters/html.py", "from conformance.config import Config\n", ["config"]),
        ("reference/server.py", "from conformance.target.client import Client\n", ["target.client"]),
        ("cli.py", "from conformance.pytest_plugin import pytest_addoption\n", ["pytest_plugin"]),
        ("pytest_plugin.py", "from conformance import cli\n", ["cli"]),
    ],
)
def test_the_test_can_fail(tmp_path: Path, where: str, source: str, bad: list[str]) -> None:
    probe = PKG / where
    room = room_of(probe)
    fake = tmp_path / "probe.py"
    fake.write_text(source)
    found = sorted(n for n in imported_names(fake) if not allows(ALLOWED[room], room, n))
    assert found == bad


def test_wings_say_their_job_and_imports() -> None:
    for wing in ("contract", "target", "reference", "checks", "reporters"):
        doc = ast.get_docstring(ast.parse((PKG / wing / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert doc, f"conformance/{wing}/__init__.py needs a docstring saying its one job"
        assert "import" in doc.lower(), f"conformance/{wing}/__init__.py must say what it may import"


def test_all_matches_the_public_exports() -> None:
    import conformance

    modules = {
        "contract",
        "target",
        "reference",
        "checks",
        "config",
        "credentials",
        "errors",
        "results",
        "runner",
        "budget",
        "schedule",
        "session",
        "waivers",
        "reporters",
        "cli",
        "console",
        "terminal",
        "pytest_plugin",
        "pytest_workers",
        "apphost",
        "suite",
        "ci",
    }
    public = {n for n in vars(conformance) if n[0].isalpha()} - modules - {"annotations"}
    assert set(conformance.__all__) == public
    assert list(conformance.__all__) == sorted(conformance.__all__)

"""The committed derived files are exactly what derivation makes today, and the package ships the same."""

from __future__ import annotations

from pathlib import Path

from conformance.contract.derive import derive_page
from conformance.contract.lint import lint_page
from conformance.contract.openapi import write_spec_files

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "specs" / "create-outboundshareduserprofile.md"


def fresh(tmp_path: Path) -> list[Path]:
    import dataclasses

    spec = derive_page(PAGE)
    spec = dataclasses.replace(spec, notes=lint_page(PAGE, spec))
    return write_spec_files(spec, tmp_path)


def test_committed_specs_equal_a_fresh_derivation(tmp_path):
    for path in fresh(tmp_path):
        committed = ROOT / "specs" / path.name
        assert committed.exists(), f"{committed} is missing: run `conformance derive {PAGE} --out specs`"
        assert committed.read_bytes() == path.read_bytes(), (
            f"{committed} is stale: run `conformance derive specs/{PAGE.name} --out specs`"
        )


def test_derivation_is_deterministic(tmp_path):
    a = [p.read_bytes() for p in fresh(tmp_path / "a")]
    b = [p.read_bytes() for p in fresh(tmp_path / "b")]
    assert a == b


def test_package_ships_the_committed_spec():
    name = "outboundSharedUserProfile.openapi.yaml"
    assert (ROOT / "conformance" / "data" / name).read_bytes() == (ROOT / "specs" / name).read_bytes(), (
        "copy specs/" + name + " to conformance/data/"
    )


def test_seed_page_is_the_shared_seed_byte_for_byte():
    shared = ROOT.parent / "shared" / "seed" / PAGE.name
    if shared.exists():
        assert shared.read_bytes() == PAGE.read_bytes()

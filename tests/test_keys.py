"""The key property: which property of the entity a resource's key path parameter names (contract/keys.py),
on synthetic pages of each shape (a property named by the placeholder, key-style and case-folded, only in an
example body, a name found only nested or as a prefix, a placeholder naming no property) and on the seed's
own resource (its key is `userId`, not `id`), the same after the OpenAPI file is read back."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.derive import derive_page
from conformance.contract.grouping import resources
from conformance.contract.keys import key_property
from conformance.contract.openapi import load_spec
from conformance.contract.pageset import combine
from conformance.contract.spec import How

HERE = Path(__file__).resolve().parent / "cases" / "keys"
SPECS = Path(__file__).resolve().parent.parent / "specs"
SEED = [
    SPECS / "create-outboundshareduserprofile.md",
    SPECS / "list-outboundshareduserprofiles.md",
    SPECS / "get-outboundshareduserprofile.md",
]


def _key(*pages: Path):
    (res,) = resources(combine([derive_page(p) for p in pages]))
    return res, key_property(res)


@pytest.mark.parametrize(
    ("get_page", "placeholder", "expected", "how", "cited"),
    [
        (
            "named",
            "holderId",
            "holderId",
            How.SECTION,
            "badge-create.md:22 (Request body, holderId)",
        ),  # the create's table row
        (
            "keystyle",
            "HOLDERID",
            "holderId",
            How.SECTION,
            "badge-create.md:22 (Request body, holderId)",
        ),  # key-style, other case
        ("example", "serial", "serial", How.EXAMPLE, "badge-get-example.md:"),  # only the get's example
        ("id", "badge-id", "id", How.DEFAULT, "badge-get-id.md:8"),  # names no property: the entity's id
        ("nested", "holder", "id", How.DEFAULT, "badge-get-nested.md:8"),  # `holder` only nested, `holderId`
    ],
)
def test_key_property_rule(get_page, placeholder, expected, how, cited):
    res, prop = _key(HERE / "badge-create.md", HERE / f"badge-get-{get_page}.md")
    assert res.key is not None
    assert res.key.value == placeholder
    assert prop is not None
    assert (prop.value, prop.how) == (expected, how)
    assert prop.where.cite().startswith(cited), prop.where.cite()
    assert f"{{{placeholder}}}" in prop.note


def test_no_key_no_key_property():
    res, prop = _key(HERE / "badge-create.md")
    assert res.key is None
    assert prop is None


def test_seed_resource_key_is_user_id(tmp_path):
    """The published beta docs look an outboundSharedUserProfile up by `{userId}`, and its resource has no
    `id` of its own: derivation names `userId` as the key property, cited at the create page's table row."""
    res, prop = _key(*SEED)
    assert res.kinds == ("create", "get", "list")
    assert res.key is not None
    assert res.key.value == "userId"
    assert res.key.where.cite().startswith("get-outboundshareduserprofile.md:")
    assert prop is not None
    assert prop.value == "userId"
    assert prop.where.cite() == "create-outboundshareduserprofile.md:50 (Request body, userId)"
    out, err = io.StringIO(), io.StringIO()
    assert main(["derive", *map(str, SEED), "--out", str(tmp_path)], out=out, err=err) == 0, err.getvalue()
    assert (
        "resource outboundSharedUserProfile (/directory/outboundSharedUserProfiles, key {userId}): "
        "create, get, list; key property userId"
    ) in out.getvalue()
    (back,) = resources(load_spec(tmp_path / "outboundSharedUserProfile.openapi.yaml"))
    assert key_property(back) == prop  # the OpenAPI file carries what the rule reads


def test_seed_list_and_get_pages_lint_clean():
    out, err = io.StringIO(), io.StringIO()
    assert main(["lint", *map(str, SEED[1:])], out=out, err=err) == 0, err.getvalue()
    assert "0 findings, 0 errors" in out.getvalue()


@pytest.mark.parametrize(("fault", "status"), [(None, "pass"), ("location-collection", "fail")])
def test_location_may_name_the_key_property_instead_of_the_id(tmp_path, fault, status):
    """HDR-101: the seed's entity URL is /directory/outboundSharedUserProfiles/{userId}, so a Location naming
    the new userId names the new entity; one naming neither the userId nor the id still fails."""
    import contextlib
    import json

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        assert main(["derive", *map(str, SEED), "--out", str(tmp_path / "spec")]) == 0
        argv = ["run", "-q", "--examples", "0", "--report-dir", str(tmp_path / "r")]
        argv += ["--spec", str(tmp_path / "spec" / "outboundSharedUserProfile.openapi.yaml")]
        main(argv + (["--fault", fault] if fault else []))
    report = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))
    hdr = next(c for c in report["checks"] if c["id"] == "HDR-101")
    assert hdr["status"] == status, hdr

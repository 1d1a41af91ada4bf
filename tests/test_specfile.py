"""Reading user-named files (pages, specs, pyproject) and resolving a spec's `$ref`s only inside the spec."""

from __future__ import annotations

import http.server
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from conformance.cli import main
from conformance.contract.files import MAX_INPUT_BYTES, InputFileError, read_bytes, read_text
from conformance.contract.openapi import load_spec
from conformance.contract.schemas import NO_RETRIEVAL, validation_errors
from conformance.contract.specfile import MAX_NODES, inline_refs, parse_yaml, refuse_outside_refs
from conformance.errors import SpecError
from conformance.session import packaged_spec_path

SPEC_TEXT = packaged_spec_path().read_text(encoding="utf-8")
USER_ID = "      schema:\n        type: string\n      values: []\n      where:\n        anchor: userId\n"


def with_user_id_schema(schema_yaml: str, extra_components: str = "") -> str:
    """The packaged spec with the embedded contract's userId schema replaced (indented under `schema:`)."""
    assert USER_ID in SPEC_TEXT
    body = "".join(f"        {line}\n" for line in schema_yaml.strip().splitlines())
    rest = USER_ID.split("type: string\n", 1)[1]  # the fields after the schema (values, where)
    text = SPEC_TEXT.replace(USER_ID, f"      schema:\n{body}{rest}")
    if extra_components:
        text = text.replace("components:\n  schemas:\n", "components:\n  schemas:\n" + extra_components, 1)
    return text


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# ------------------------------------------------------------------ files: regular, bounded, UTF-8


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "page.md"
    os.mkfifo(fifo)
    with pytest.raises(InputFileError, match="FIFO"):
        read_bytes(fifo)  # would block forever on a plain open()


def test_a_device_is_refused(tmp_path):
    link = tmp_path / "page.md"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputFileError, match="device"):
        read_bytes(link)


def test_a_file_over_the_cap_is_refused_with_the_cap_in_the_message(tmp_path):
    big = tmp_path / "big.md"
    with big.open("wb") as f:
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse: nothing written to disk
    with pytest.raises(InputFileError, match="larger than 10 MB"):
        read_bytes(big)
    exact = tmp_path / "exact.md"
    exact.write_bytes(b"x" * 1000)
    assert read_bytes(exact, limit=1000) == b"x" * 1000
    with pytest.raises(InputFileError, match="larger than 999 bytes"):
        read_bytes(exact, limit=999)


def test_not_utf8_names_the_byte_and_a_bom_is_dropped(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# title\nok \xff\xfe")
    with pytest.raises(InputFileError, match=r"not UTF-8 text \(byte 11, line 2\)"):
        read_text(bad)
    bom = tmp_path / "bom.md"
    bom.write_bytes("\ufeff# title".encode())
    assert read_text(bom) == "# title"


@pytest.mark.parametrize("kind", ["fifo", "device", "huge", "latin-1"])
@pytest.mark.parametrize("suffix", [".md", ".openapi.yaml"])
def test_bad_page_or_spec_is_exit_2_and_one_line(tmp_path, kind, suffix):
    path = tmp_path / f"x{suffix}"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "huge":
        with path.open("wb") as f:
            f.truncate(MAX_INPUT_BYTES + 1)
    else:
        path.write_bytes(SPEC_TEXT.replace("userId", "usér").encode("latin-1"))
    for argv in (
        ["checks", "--spec", str(path)],
        ["run", "--spec", str(path), "--report-dir", str(tmp_path)],
    ):
        code, _out, err = run_cli(*argv)
        assert code == 2, err
        assert len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
        assert {"fifo": "FIFO", "device": "device", "huge": "10 MB", "latin-1": "UTF-8"}[kind] in err


def test_pyproject_is_read_bounded_and_a_fifo_one_never_blocks(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with (tmp_path / "pyproject.toml").open("wb") as f:
        f.truncate(MAX_INPUT_BYTES + 1)
    code, _, err = run_cli("run", "--report-dir", str(tmp_path / "r"))
    assert code == 2, err
    assert "larger than 10 MB" in err
    assert len(err.strip().splitlines()) == 1
    (tmp_path / "pyproject.toml").unlink()
    os.mkfifo(tmp_path / "pyproject.toml")  # not a regular file: not read (it would block), as before
    code, _, err = run_cli("run", "--check", "NOPE-1", "--report-dir", str(tmp_path / "r"))
    assert code == 2, err
    assert "NOPE-1" in err


# ------------------------------------------------------------------ YAML: no anchors or aliases


def _bomb() -> str:
    lines = ["    lol0: &l0 [lol]"] + [
        f"    lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        with_user_id_schema("type: string\nexamples: *l9", extra_components=_bomb()),  # billion laughs
        with_user_id_schema("&loop\ntype: object\nproperties:\n  again: *loop"),  # contains itself
        with_user_id_schema(
            "type: string", extra_components="    unused: &a {type: string}\n"
        ),  # anchor only
    ],
    ids=["alias-bomb", "recursive-alias", "anchor"],
)
def test_yaml_anchors_and_aliases_are_refused(tmp_path, text):
    spec = tmp_path / "x.openapi.yaml"
    spec.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError, match="YAML anchor or alias at line"):
        load_spec(spec)


def test_nesting_is_bounded():
    with pytest.raises(SpecError, match="nested more than 64 levels"):
        parse_yaml("[" * 200 + "]" * 200, "deep.yaml")
    with pytest.raises(SpecError, match=r"deep\.yaml: "):  # libyaml's own limit, or ours: one line either way
        parse_yaml("[" * 100_000 + "]" * 100_000, "deep.yaml")


def test_the_packaged_spec_still_loads():
    assert load_spec(packaged_spec_path()).operation.properties


# ------------------------------------------------------------------ $ref: only inside the spec


@pytest.mark.parametrize(
    "ref",
    [
        "http://127.0.0.1:9/x.json",
        "https://example.invalid/s.json#/a",
        "file:///etc/passwd",
        "other.yaml#/components/schemas/x",
        "//host/x",
    ],
)
def test_a_ref_outside_the_spec_is_refused(tmp_path, ref):
    spec = tmp_path / "x.openapi.yaml"
    spec.write_text(with_user_id_schema(f"$ref: '{ref}'"), encoding="utf-8")
    with pytest.raises(SpecError, match="points outside the spec"):
        load_spec(spec)


def test_refs_in_example_data_are_data_and_property_names_are_schemas():
    doc = {
        "a": {"examples": [{"$ref": "http://data.example/"}], "enum": [{"$ref": "x"}]},
        "b": {"properties": {"examples": {"$ref": "http://x/"}}},
    }
    with pytest.raises(SpecError, match=r"'http://x/' at /b/properties/examples"):
        refuse_outside_refs(doc, "x")
    refuse_outside_refs({"a": doc["a"]}, "x")  # only data: nothing to refuse


def test_local_refs_are_inlined_with_their_siblings(tmp_path):
    spec = tmp_path / "x.openapi.yaml"
    extra = "    Name:\n      type: string\n      minLength: 2\n"
    spec.write_text(with_user_id_schema("$ref: '#/components/schemas/Name'\nmaxLength: 5"), encoding="utf-8")
    spec.write_text(spec.read_text(encoding="utf-8").replace("  schemas:\n", "  schemas:\n" + extra, 1))
    (user_id,) = [p for p in load_spec(spec).operation.properties if p.name == "userId"]
    assert user_id.schema == {"maxLength": 5, "allOf": [{"type": "string", "minLength": 2}]}
    assert "$ref" not in str(user_id.schema)


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        ({"$ref": "#/s"}, "refers to itself"),
        ({"$ref": "#/nowhere"}, "points to nothing"),
        ({"$ref": "#anchor"}, "not a JSON pointer"),
        ({"$dynamicRef": "#meta"}, r"\$dynamicRef .* is not supported"),
    ],
)
def test_local_ref_problems_are_spec_errors(schema, match):
    doc = {"s": {"type": "object", "properties": {"again": {"$ref": "#/s"}}}}

    def load() -> None:
        refuse_outside_refs(schema, "x")
        inline_refs(schema, doc, "x")

    with pytest.raises(SpecError, match=match):
        load()


def test_a_ref_bomb_is_refused():
    doc: dict[str, object] = {"d0": {"type": "string"}}
    for i in range(1, 10):
        doc[f"d{i}"] = {"anyOf": [{"$ref": f"#/d{i - 1}"}] * 10}  # 10**9 nodes once inlined
    with pytest.raises(SpecError, match=f"more than {MAX_NODES} values"):
        inline_refs({"$ref": "#/d9"}, doc, "x")


# ------------------------------------------------------------------ the second lock: no retrieval at all


@pytest.fixture
def counting_server() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"type": "integer"}')

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def _legal_registry_validation(schema: dict[str, object], instance: object) -> object:
    """Another correct way: jsonschema with the no-retrieval registry (raises instead of fetching)."""
    try:
        return list(Draft202012Validator(schema, registry=NO_RETRIEVAL).iter_errors(instance))
    except Exception as exc:  # referencing's Unresolvable, wrapped by jsonschema
        return exc


def _broken_default_validation(schema: dict[str, object], instance: object) -> object:
    """What the harness did before: jsonschema's default registry, which fetches remote references."""
    return list(Draft202012Validator(schema).iter_errors(instance))


def _harness_validation(schema: dict[str, object], instance: object) -> object:
    try:
        return validation_errors(instance, schema)  # type: ignore[arg-type]
    except Exception as exc:
        return exc


@pytest.mark.filterwarnings("ignore:Automatically retrieving remote references:DeprecationWarning")
@pytest.mark.parametrize(
    ("validate", "fetches"),
    [(_harness_validation, False), (_legal_registry_validation, False), (_broken_default_validation, True)],
    ids=["harness", "legal-registry", "broken-default"],
)
def test_schema_validation_never_fetches(counting_server, validate, fetches):
    url, seen = counting_server
    for schema in ({"$ref": f"{url}/a.json"}, {"$schema": f"{url}/m", "type": "string"}, {"$id": f"{url}/i"}):
        validate(schema, "value")
    assert bool(seen) is fetches, seen


@pytest.mark.parametrize("kind", ["http", "file"])
def test_run_with_an_outside_ref_sends_nothing_anywhere(tmp_path, counting_server, kind):
    url, seen = counting_server
    ref = f"{url}/s.json" if kind == "http" else "file:///etc/passwd"
    spec = tmp_path / "x.openapi.yaml"
    spec.write_text(with_user_id_schema(f"$ref: '{ref}'"), encoding="utf-8")
    code, out, err = run_cli(
        "run",
        "--spec",
        str(spec),
        "--target",
        url,
        "--token",
        "t0ken-value",
        "--report-dir",
        str(tmp_path / "r"),
    )
    assert code == 2, err
    assert seen == []  # neither the $ref host nor the target (the same server) saw a request
    assert len(err.strip().splitlines()) == 1
    assert "points outside the spec" in err
    assert "root:" not in out + err
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())


def test_refuses_before_reading_a_report_dir_or_target(tmp_path):
    spec = tmp_path / "x.openapi.yaml"
    spec.write_text(with_user_id_schema("$ref: 'file:///etc/passwd'"), encoding="utf-8")
    code, _, err = run_cli("checks", "--spec", str(spec))
    assert code == 2
    assert "file:///etc/passwd" in err
    assert Path("/etc/passwd").read_text()[:5] not in err

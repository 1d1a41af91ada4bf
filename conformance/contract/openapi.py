"""A `Spec` as OpenAPI 3.1 and JSON Schema files, and back again (`load_spec`).

The OpenAPI document describes the operations the pages document (a create as it always was; get, list,
update and delete from `openapi_ops`). Every operation,
parameter, property and response carries `x-doc`, the doc line it came from, and the whole
`Spec.to_json()` rides along under the top-level `x-conformance` key, so reading the file back
(`load_spec`) loses nothing the checks need.

Examples whose values break the derived schema (the stub generator's `"String (timestamp)"` for a
date-time) are kept out of OpenAPI `examples`, because schemathesis would send them as valid data
in its examples phase; they are kept under `x-doc-invalid-examples` with the reasons, and the doc
lint (`lint.py`) reports them.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import yaml

from conformance.contract.files import InputFileError, read_text
from conformance.contract.openapi_ops import ERROR_SCHEMA_NAME, add_other_operations, path_parameters
from conformance.contract.openapi_ops import error_response as _error_response
from conformance.contract.repair import INVALID_EXAMPLES_KEY, split_examples
from conformance.contract.spec import (
    JSON,
    SPEC_FORMAT,
    DocLocation,
    Operation,
    Property,
    Spec,
    request_schema,
    response_schema,
    spec_from_json,
)
from conformance.contract.specfile import inline_refs, parse_yaml, refuse_outside_refs
from conformance.contract.templates import path_templates
from conformance.errors import SpecError

OPENAPI_VERSION = "3.1.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DERIVE_HINT = "run `conformance derive PAGE --out DIR` to produce one"

_PLACEHOLDER_RE = re.compile(r"\{([^{}]+)\}")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/+=-]*\Z")  # a literal header value, not a hint
_FILE_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")


# -- names ------------------------------------------------------------------------------------


def resource_name(spec: Spec) -> str:
    """The resource name, safe as a file name and a component name (`outboundSharedUserProfile`)."""
    name = _FILE_SAFE_RE.sub("_", spec.operation.resource).strip("._-")
    return name or "resource"


def _request_component(spec: Spec) -> str:
    return f"{resource_name(spec)}.create"


def _operation_id(spec: Spec, index: int) -> str:
    base = "create" + resource_name(spec)[:1].upper() + resource_name(spec)[1:].replace(".", "_")
    return base if index == 0 else f"{base}_{index + 1}"


# -- schemas ----------------------------------------------------------------------------------


def _with_doc(schema: dict[str, JSON], prop: Property) -> dict[str, JSON]:
    out = copy.deepcopy(schema)
    out["x-doc"] = prop.where.cite()
    if prop.description:
        out["description"] = prop.description
    if prop.read_only:
        out["readOnly"] = True
    if prop.values:  # the values the page lists, not an enum: the server may take others
        out["x-documented-values"] = list(prop.values)
    return out


def _annotated_request_schema(op: Operation) -> dict[str, JSON]:
    schema = copy.deepcopy(request_schema(op))
    for name, sub in list(schema["properties"].items()):
        prop = op.property(name)
        if prop is not None:
            schema["properties"][name] = _with_doc(sub, prop)
    _cite_alternatives(op, schema)
    return schema


def _cite_alternatives(op: Operation, schema: dict[str, JSON]) -> None:
    """Each alternatives group's sentence and line beside its `anyOf`/`oneOf` (`x-doc`, `description`)."""
    if not op.alternatives:
        return
    groups = schema.get("allOf", [schema])
    for group, alt in zip(groups, op.alternatives, strict=True):
        for branch in group.get("oneOf" if alt.exclusive else "anyOf", ()):
            branch["x-doc"] = alt.where.cite()
            branch["description"] = alt.sentence


def _annotated_response_schema(op: Operation) -> dict[str, JSON]:
    schema = copy.deepcopy(response_schema(op))
    props = schema["properties"]
    for name, sub in list(props.items()):
        prop = op.property(name)
        if prop is not None:
            props[name] = _with_doc(sub, prop)
    if "id" in props and op.property("id") is None:
        props["id"]["x-doc"] = op.id_format.where.cite()
    if "@odata.type" in props and op.odata_type is not None:
        props["@odata.type"]["x-doc"] = op.odata_type.where.cite()
    return schema


def error_schema() -> dict[str, JSON]:
    """The Microsoft Graph error body: `{"error": {"code": ..., "message": ...}}`."""
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "innerError": {"type": "object"},
                    "details": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
        "x-doc": "Microsoft Graph error responses (not on the page)",
    }


def _request_cite(spec: Spec) -> DocLocation:
    op = spec.operation
    section = spec.locate("Request body")
    if section is not None:
        return section
    if op.properties:  # the property table: cite its first row, not one property
        first = op.properties[0].where
        return DocLocation(file=first.file, line=first.line, section=first.section)
    return op.method.where


def request_schema_file(spec: Spec) -> dict[str, JSON]:
    """A standalone JSON Schema 2020-12 document of a valid request body."""
    op = spec.operation
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:conformance:{resource_name(spec)}:create-request",
        "title": f"{op.title}: request body",
        "description": (
            f"Request body of {op.method.value} {op.path}, derived from {_request_cite(spec).cite()}"
        ),
        **_annotated_request_schema(op),
    }


def response_schema_file(spec: Spec) -> dict[str, JSON]:
    """A standalone JSON Schema 2020-12 document of the success response body."""
    op = spec.operation
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:conformance:{resource_name(spec)}:create-response",
        "title": f"{op.title}: {op.success_status.value} response body",
        "description": (
            f"Response body of {op.method.value} {op.path} ({op.success_status.value}), "
            f"derived from {op.success_status.where.cite()}"
        ),
        **_annotated_response_schema(op),
    }


# -- examples ---------------------------------------------------------------------------------


def _media(schema_name: str, valid: dict[str, JSON], invalid: dict[str, JSON]) -> dict[str, JSON]:
    media: dict[str, JSON] = {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
    if valid:
        media["examples"] = valid
    if invalid:
        media[INVALID_EXAMPLES_KEY] = invalid
    return media


# -- the OpenAPI document --------------------------------------------------------------------


def _header_parameter(name: str, value: str, where: DocLocation) -> dict[str, JSON]:
    schema: dict[str, JSON] = {"type": "string", "minLength": 1}
    if _TOKEN_RE.match(value):
        schema = {"type": "string", "enum": [value]}
    param: dict[str, JSON] = {"name": name, "in": "header", "required": True, "schema": schema}
    if value:
        param["description"] = f"Documented value: {value}"
    param["x-doc"] = where.cite()
    return param


def to_openapi(spec: Spec) -> dict[str, JSON]:
    """An OpenAPI 3.1.0 document for every operation of the spec (the create first, rendered as it always
    was; get, list, update and delete by `openapi_ops`), with the `Spec` under `x-conformance`."""
    op = spec.operation
    paths: dict[str, JSON] = {}
    schemas: dict[str, JSON] = {}
    if op.kind is None:
        paths, schemas = _create_paths(spec)
    add_other_operations(spec, paths, schemas, _headers)
    schemas[ERROR_SCHEMA_NAME] = error_schema()
    doc: dict[str, JSON] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": spec.title or op.title,
            "version": spec.version or "unversioned",
            "description": f"Derived from {_doc_files(spec)} (sha256 {spec.doc_sha256 or 'unknown'}).",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
        "x-conformance": spec.to_json(),
    }
    return doc


def _doc_files(spec: Spec) -> str:
    files = [spec.doc_file, *(o.method.where.file for o in spec.others)]
    return ", ".join(dict.fromkeys(files))


def _headers(op: Operation) -> list[dict[str, JSON]]:
    return [
        _header_parameter(h.name, h.value, h.where)
        for h in op.headers
        if h.required and h.name.casefold() not in ("authorization", "content-type")
    ]


def _create_paths(spec: Spec) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """The create operation's paths and schemas, exactly as a create-only spec has always had them."""
    op = spec.operation
    res = resource_name(spec)
    req_name = _request_component(spec)
    by_name = {h.name.casefold(): h for h in op.headers}
    auth = by_name.get("authorization")
    ctype = by_name.get("content-type")

    req_valid, req_invalid = split_examples(
        [(e.name, e.request_body, e.request_where) for e in op.examples], request_schema(op), "request body"
    )
    resp_valid, resp_invalid = split_examples(
        [
            (e.name, e.response_body, e.response_where)
            for e in op.examples
            if e.response_status in (None, op.success_status.value)
        ],
        response_schema(op),
        f"{op.success_status.value} response body",
    )

    status = op.success_status.value
    success: dict[str, JSON] = {
        "description": f"Created: the new {op.resource}",
        "x-doc": op.success_status.where.cite(),
    }
    if status not in (204, 304):
        success["content"] = {"application/json": _media(res, resp_valid, resp_invalid)}

    body_cite = _request_cite(spec).cite()
    not_on_page = "Microsoft Graph error responses (not on the page)"
    responses: dict[str, JSON] = {
        str(status): success,
        "400": _error_response("The request body breaks the documented contract", body_cite),
        "401": _error_response(
            "No or invalid bearer token", auth.where.cite() if auth is not None else not_on_page
        ),
        "415": _error_response(
            "The body is not application/json", ctype.where.cite() if ctype is not None else not_on_page
        ),
        "default": _error_response("Any other error", not_on_page),
    }

    headers = _headers(op)

    paths: dict[str, JSON] = {}
    templates = path_templates(spec)
    for i, path_fact in enumerate(op.paths):
        template = templates[path_fact.value].path
        params = path_parameters(templates[path_fact.value], path_fact.where.cite())
        operation: dict[str, JSON] = {
            "operationId": _operation_id(spec, i),
            "summary": op.title,
            "x-doc": path_fact.where.cite(),
            "requestBody": {
                "required": True,
                "content": {"application/json": _media(req_name, req_valid, req_invalid)},
                "x-doc": body_cite,
            },
            "responses": copy.deepcopy(responses),
        }
        if params or headers:
            operation["parameters"] = params + copy.deepcopy(headers)
        if auth is not None:
            operation["security"] = [{"bearerAuth": []}]
        paths.setdefault(template, {})[op.method.value.lower()] = operation

    return paths, {res: _annotated_response_schema(op), req_name: _annotated_request_schema(op)}


# -- files ------------------------------------------------------------------------------------


class _NoAliasDumper(yaml.SafeDumper):
    """A SafeDumper that writes repeated objects out in full instead of as &anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump_yaml(doc: dict[str, JSON]) -> str:
    """Stable YAML: sorted keys, block style, no aliases, no line folding, trailing newline."""
    # A JSON round trip first: plain types only, and no shared sub-objects.
    plain = json.loads(json.dumps(doc))
    text: str = yaml.dump(
        plain,
        Dumper=_NoAliasDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )
    return text if text.endswith("\n") else text + "\n"


def dump_json(doc: dict[str, JSON]) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 text, trailing newline."""
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_spec_files(spec: Spec, out_dir: Path) -> list[Path]:
    """Write `<resource>.openapi.yaml`, `.request.schema.json` and `.response.schema.json` (the schema files
    of the first operation, where it takes or returns a body).

    Same spec, same bytes: keys sorted, no YAML aliases, one trailing newline.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise SpecError(f"{out_dir}: is not a directory; give --out a directory to write the spec files into")
    out_dir.mkdir(parents=True, exist_ok=True)
    res = resource_name(spec)
    op = spec.operation
    files = [(out_dir / f"{res}.openapi.yaml", dump_yaml(to_openapi(spec)))]
    if op.kind_name in ("create", "update"):  # the operations that take a body
        files.append((out_dir / f"{res}.request.schema.json", dump_json(request_schema_file(spec))))
    if op.kind is None or op.response_body != "none":
        files.append((out_dir / f"{res}.response.schema.json", dump_json(response_schema_file(spec))))
    for path, text in files:
        path.write_bytes(text.encode("utf-8"))
    return [path for path, _ in files]


# -- reading back -----------------------------------------------------------------------------


def load_spec(path: str | Path) -> Spec:
    """A `Spec` from a doc page (`.md`, derived) or a spec file written by `write_spec_files`.

    Raises `SpecError` (one line: path, what is wrong, what to do) for anything unusable;
    a doc page that cannot be derived raises `DocParseError` from `derive`.
    """
    p = Path(path)
    if not p.exists():
        raise SpecError(f"{p}: no such file; give a doc page (.md) or a spec file, or {DERIVE_HINT}")
    if p.is_dir():
        found = sorted(p.glob("*.openapi.yaml"))
        hint = f" (found {found[0]})" if len(found) == 1 else ""
        raise SpecError(f"{p}: is a directory; give a doc page (.md) or a .openapi.yaml file in it{hint}")
    suffix = p.suffix.casefold()
    if suffix in (".md", ".markdown"):
        from conformance.contract.derive import derive_page  # derive is only needed for pages

        return derive_page(p)
    if suffix not in (".yaml", ".yml", ".json"):
        raise SpecError(
            f"{p}: unknown kind of spec file {p.suffix or '(no suffix)'!r}; "
            "give a doc page (.md) or a .openapi.yaml / .json spec file"
        )
    try:
        text = read_text(p)
    except InputFileError as exc:
        raise SpecError(f"{p}: cannot read the spec: {exc}; {DERIVE_HINT}") from None
    doc = parse_yaml(text, str(p))  # no anchors or aliases, bounded depth
    if not isinstance(doc, dict):
        raise SpecError(f"{p}: not an OpenAPI document (top level is not a mapping); {DERIVE_HINT}")
    data = doc.get("x-conformance")
    if data is None:
        if "$schema" in doc:
            raise SpecError(
                f"{p}: is a JSON Schema file, which does not carry the contract; "
                "pass the .openapi.yaml written beside it"
            )
        raise SpecError(f"{p}: has no `x-conformance` key, so this harness did not write it; {DERIVE_HINT}")
    if not isinstance(data, dict):
        raise SpecError(f"{p}: `x-conformance` is not a mapping; {DERIVE_HINT}")
    fmt = data.get("format")
    if fmt != SPEC_FORMAT:
        raise SpecError(
            f"{p}: spec format {fmt!r}, this harness reads format {SPEC_FORMAT}; "
            "re-run `conformance derive PAGE --out DIR` with this version to regenerate it"
        )
    refuse_outside_refs(doc, str(p))  # before any request: a $ref is never fetched or read
    try:
        for operation in (data["operation"], *data.get("others", ())):
            for prop in operation["properties"]:
                prop["schema"] = inline_refs(prop["schema"], doc, str(p))
        return spec_from_json(data)
    except ValueError as exc:
        raise SpecError(f"{p}: `x-conformance` is malformed ({exc}); {DERIVE_HINT}") from None
    except (KeyError, TypeError, AttributeError) as exc:
        raise SpecError(
            f"{p}: `x-conformance` is malformed ({type(exc).__name__}: {exc}); {DERIVE_HINT}"
        ) from None


__all__ = [
    "ERROR_SCHEMA_NAME",
    "INVALID_EXAMPLES_KEY",
    "OPENAPI_VERSION",
    "dump_json",
    "dump_yaml",
    "error_schema",
    "load_spec",
    "request_schema_file",
    "resource_name",
    "response_schema_file",
    "to_openapi",
    "write_spec_files",
]

"""The OpenAPI operation objects of get, list, update and delete operations (`openapi.to_openapi` adds them).

Each kind renders as its page says: a get is `GET` answering `200` with the entity, a list `GET` answering
`200` with a collection (`value`, `@odata.nextLink` where the page speaks of paging) and the query options the
page names, an update `PATCH` (or `PUT`) with the updatable properties as its body, answering `204` or `200`
with the entity or both, a delete `DELETE` answering `204`. Every object carries `x-doc`, its doc line;
the key path parameter is marked `x-key: true`. Paths are OpenAPI templates (`templates.path_templates`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

from conformance.contract.kinds import key_of
from conformance.contract.spec import (
    JSON,
    Fact,
    Operation,
    Spec,
    collection_schema,
    entity_schema,
    request_schema,
)
from conformance.contract.templates import Template, path_templates

__all__ = [
    "ERROR_SCHEMA_NAME",
    "add_other_operations",
    "error_response",
    "other_operation_objects",
    "path_parameters",
]

ERROR_SCHEMA_NAME = "graph.error"
NOT_ON_PAGE = "Microsoft Graph error responses (not on the page)"

_FILE_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_QUERY_SCHEMAS: dict[str, dict[str, JSON]] = {
    "$top": {"type": "integer", "minimum": 0},
    "$skip": {"type": "integer", "minimum": 0},
    "$count": {"type": "boolean"},
}


def error_response(description: str, cite: str) -> dict[str, JSON]:
    """A response carrying the Graph error body, citing `cite`."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}},
        "x-doc": cite,
    }


def _name(op: Operation) -> str:
    return _FILE_SAFE_RE.sub("_", op.resource).strip("._-") or "resource"


def _entity_media(component: str) -> dict[str, JSON]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


def _query_parameter(option: Fact[str]) -> dict[str, JSON]:
    return {
        "name": option.value,
        "in": "query",
        "required": False,
        "schema": dict(_QUERY_SCHEMAS.get(option.value.casefold(), {"type": "string"})),
        "x-doc": option.where.cite(),
    }


def _responses(op: Operation, component: str, auth_cite: str) -> dict[str, JSON]:
    kind = op.kind_name
    out: dict[str, JSON] = {}
    for fact in (op.success_status, *op.also_status):
        code = fact.value
        ok: dict[str, JSON] = {"description": f"{kind}: {op.resource}", "x-doc": fact.where.cite()}
        if code not in (204, 304):
            ok["content"] = _entity_media(component)
        out[str(code)] = ok
    if kind == "update":
        out["400"] = error_response("The request body breaks the documented contract", op.method.where.cite())
    out["401"] = error_response("No or invalid bearer token", auth_cite)
    if kind != "list":
        out["404"] = error_response(f"No {op.resource} with this key", NOT_ON_PAGE)
    out["default"] = error_response("Any other error", NOT_ON_PAGE)
    return out


def path_parameters(written: Template, cite: str) -> list[dict[str, JSON]]:
    """The path parameters of a template, each citing its path's line (`x-written`: the page's placeholder
    where the template renamed it)."""
    params: list[dict[str, JSON]] = []
    for name, text in dict(zip(written.names, written.written, strict=True)).items():
        param: dict[str, JSON] = {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "minLength": 1},
            "x-doc": cite,
        }
        if text != f"{{{name}}}":
            param["x-written"] = text
        params.append(param)
    return params


def other_operation_objects(
    op: Operation,
    index: int,
    headers: list[dict[str, JSON]],
    auth: bool,
    auth_cite: str,
    templates: dict[str, Template],
) -> tuple[list[tuple[str, str, dict[str, JSON]]], dict[str, JSON]]:
    """([(path template, method, operation object)], components) of a get, list, update or delete.
    `index` numbers operations of one kind and resource (`getGroup`, `getGroup_2`)."""
    kind, res = op.kind_name, _name(op)
    base = kind + res[:1].upper() + res[1:].replace(".", "_")
    components: dict[str, JSON] = {}
    response_component = f"{res}.{kind}.response"
    if op.response_body != "none" or op.also_status:
        schema = copy.deepcopy(collection_schema(op) if kind == "list" else entity_schema(op))
        schema["x-doc"] = op.success_status.where.cite()
        if kind == "list" and op.paging is not None:
            schema["properties"]["@odata.nextLink"]["x-doc"] = op.paging.where.cite()
        components[response_component] = schema
    request_component = f"{res}.update"
    if kind == "update":
        body = copy.deepcopy(request_schema(op))
        body["required"] = [p.name for p in op.required if not p.read_only]
        for name, sub in body["properties"].items():
            prop = op.property(name)
            if prop is not None:
                sub["x-doc"] = prop.where.cite()
        components[request_component] = body
    objects: list[tuple[str, str, dict[str, JSON]]] = []
    for i, path_fact in enumerate(op.paths):
        written = templates[path_fact.value]
        template = written.path
        key = key_of(template) if op.key is not None else None
        params = path_parameters(written, path_fact.where.cite())
        for param in params:
            if param["name"] == key:
                param["x-key"] = True
                param["description"] = f"The key of the {op.resource}"
        params += [_query_parameter(q) for q in op.query_options]
        obj: dict[str, JSON] = {
            "operationId": base if index + i == 0 else f"{base}_{index + i + 1}",
            "summary": op.title,
            "x-doc": path_fact.where.cite(),
            "x-kind": kind,
            "responses": _responses(op, response_component, auth_cite),
        }
        if kind == "update":
            obj["requestBody"] = {
                "required": True,
                "content": _entity_media(request_component),
                "x-doc": op.method.where.cite(),
            }
        if kind == "list" and op.paging is not None:
            obj["x-paging"] = {"nextLink": op.paging.value, "x-doc": op.paging.where.cite()}
        if params or headers:
            obj["parameters"] = params + copy.deepcopy(headers)
        if auth:
            obj["security"] = [{"bearerAuth": []}]
        objects.append((template, op.method.value.lower(), obj))
    return objects, components


def add_other_operations(
    spec: Spec,
    paths: dict[str, JSON],
    schemas: dict[str, JSON],
    headers: Callable[[Operation], list[dict[str, JSON]]],
) -> None:
    """Each get, list, update and delete operation into `paths` and its schemas into `schemas`. A second
    page documenting the same method on the same path (an update per derived type) becomes a variant of
    the first: its body joins the request schema's `anyOf`, its page is cited under `x-variants`."""
    taken = {o.get("operationId") for item in paths.values() for o in item.values()}
    templates = path_templates(spec)
    for other in spec.operations:
        if other.kind is None:
            continue
        auth = next((h for h in other.headers if h.name.casefold() == "authorization"), None)
        auth_cite = auth.where.cite() if auth is not None else NOT_ON_PAGE
        objects, components = other_operation_objects(
            other, 0, headers(other), auth is not None, auth_cite, templates
        )
        renamed: dict[str, str] = {}
        for name, schema in components.items():
            final, n = name, 1
            while final in schemas and schemas[final] != schema:
                n += 1
                final = f"{name}_{n}"
            schemas[final] = schema
            renamed[f"#/components/schemas/{name}"] = f"#/components/schemas/{final}"
        for template, method, obj in objects:
            obj = _retarget(obj, renamed)
            existing = paths.setdefault(template, {}).get(method)
            if existing is not None:
                _add_variant(existing, obj)
                continue
            base, n = obj["operationId"], 1
            while obj["operationId"] in taken:
                n += 1
                obj["operationId"] = f"{base.rsplit('_', 1)[0] if '_' in base else base}_{n}"
            taken.add(obj["operationId"])
            paths[template][method] = obj


def _retarget(obj: JSON, renamed: dict[str, str]) -> JSON:
    if isinstance(obj, dict):
        return {k: (renamed.get(v, v) if k == "$ref" else _retarget(v, renamed)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_retarget(v, renamed) for v in obj]
    return obj


def _add_variant(existing: dict[str, JSON], obj: dict[str, JSON]) -> None:
    existing.setdefault("x-variants", []).append({"summary": obj["summary"], "x-doc": obj["x-doc"]})
    body, extra = existing.get("requestBody"), obj.get("requestBody")
    if body is not None and extra is not None:
        media = body["content"]["application/json"]
        refs = media["schema"].get("anyOf", [media["schema"]])
        new = extra["content"]["application/json"]["schema"]
        if new not in refs:
            media["schema"] = {"anyOf": [*refs, new]}
    for code, response in obj["responses"].items():
        existing["responses"].setdefault(code, response)

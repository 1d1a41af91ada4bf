"""Examples for the OpenAPI file that other tools can use: the page's, split into valid and invalid, and a
valid one beside every invalid one.

Prism answers a mock request with an operation's first example and Schemathesis sends every example as a
valid body, so an example in `examples` must validate. The page's invalid examples stay, with their errors,
under `x-doc-invalid-examples`; each gets a repaired twin in `examples` (the page's body with every value the
derived schema rejects replaced, unknown members dropped, missing required ones added), marked
`x-repaired-from-page: true` and described as such. When a media type still has no valid example (the page
shows none), one is made from the schema and marked `x-generated-from-schema: true`. Values are fixed, never
random: the same page gives the same file.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Sequence

from conformance.contract.schemas import ecma_regex, validation_errors
from conformance.contract.spec import JSON, DocLocation

__all__ = ["GENERATED_KEY", "INVALID_EXAMPLES_KEY", "REPAIRED_KEY", "repair", "sample", "split_examples"]

INVALID_EXAMPLES_KEY = "x-doc-invalid-examples"  # not `examples`: schemathesis must never send these
REPAIRED_KEY = "x-repaired-from-page"
GENERATED_KEY = "x-generated-from-schema"

SAMPLE_DATETIME = "2024-01-31T09:30:00Z"
_FILE_SAFE_RE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_DEPTH = 32  # a schema nested deeper is cut to its first valid guess: no derived schema comes close


def sample(schema: JSON, name: str = "value", depth: int = 0) -> JSON:
    """A fixed value valid for `schema` (the shapes derivation writes: type, format, enum, const, anyOf,
    pattern, minLength, items/minItems, properties/required); `name` seeds GUIDs and strings."""
    if not isinstance(schema, dict) or depth > _MAX_DEPTH:
        return None if schema is False else "example"
    if "const" in schema:
        return copy.deepcopy(schema["const"])
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return copy.deepcopy(schema["enum"][0])
    branches = _branches(schema)
    if branches:
        chosen = next((b for b in branches if b.get("type") != "null"), branches[0])
        return sample(chosen, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "null":
        return None
    if kind == "integer":
        return int(schema.get("minimum", 1)) if isinstance(schema.get("minimum"), int) else 1
    if kind == "number":
        return schema["minimum"] if isinstance(schema.get("minimum"), int | float) else 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        items = schema.get("items", {})
        count = schema.get("minItems", 0) if isinstance(schema.get("minItems"), int) else 0
        return [sample(items, name, depth + 1) for _ in range(count)]
    if kind == "object" or "properties" in schema or "required" in schema:
        props = schema.get("properties") or {}
        required = [r for r in schema.get("required", []) if isinstance(r, str)]
        return {r: sample(props.get(r, {}), r, depth + 1) for r in required}
    return _string(schema, name)


def _branches(schema: dict[str, JSON]) -> list[dict[str, JSON]]:
    """The schema's anyOf/oneOf branches, each merged with the rest of the schema (properties and required
    lists joined), so a branch such as `{"required": ["appScopeId"]}` keeps the object's other rules."""
    for key in ("anyOf", "oneOf"):
        branches = [b for b in schema.get(key, []) if isinstance(b, dict)]
        if branches:
            base = {k: v for k, v in schema.items() if k != key}
            return [_merge(base, b) for b in branches]
    return []


def _merge(base: dict[str, JSON], branch: dict[str, JSON]) -> dict[str, JSON]:
    out = dict(base)
    for k, v in branch.items():
        if k == "required" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = list(dict.fromkeys([*out[k], *v]))
        elif k == "properties" and isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = {**out[k], **v}
        else:
            out[k] = v
    return out


def _string(schema: dict[str, JSON], name: str) -> str:
    fmt = schema.get("format")
    guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:conformance:example:{name}"))
    pattern = schema.get("pattern")
    if fmt == "uuid" or (isinstance(pattern, str) and _matches(pattern, guid)):
        return guid
    if fmt == "date-time":
        return SAMPLE_DATETIME
    if fmt == "date":
        return SAMPLE_DATETIME[:10]
    text = f"example {name}"
    min_len = schema.get("minLength")
    if isinstance(min_len, int) and len(text) < min_len:
        text += "x" * (min_len - len(text))
    return text


def _matches(pattern: str, value: str) -> bool:
    try:
        return ecma_regex(pattern).search(value) is not None
    except re.error:
        return False


def repair(value: JSON, schema: dict[str, JSON], name: str = "value", depth: int = 0) -> JSON:
    """`value` made valid for `schema`, keeping every part the schema accepts: an object keeps its valid
    members, repairs the others, drops members the schema forbids and gains missing required ones; any
    other invalid value is replaced by `sample(schema)`."""
    if not validation_errors(value, schema):
        return copy.deepcopy(value)
    for branch in _branches(schema) if depth <= _MAX_DEPTH else []:
        if branch.get("type") == "null":
            continue
        fixed = repair(value, branch, name, depth + 1)
        if not validation_errors(fixed, schema):
            return fixed
    if isinstance(value, dict) and depth <= _MAX_DEPTH and _is_object_schema(schema):
        props = schema.get("properties") or {}
        patterns = schema.get("patternProperties") or {}
        extra = schema.get("additionalProperties", True)
        out: dict[str, JSON] = {}
        for key, member in value.items():
            if key in props:
                out[key] = repair(member, props[key], key, depth + 1)
            elif any(_matches(p, key) for p in patterns):
                sub = next(s for p, s in patterns.items() if _matches(p, key))
                out[key] = repair(member, sub, key, depth + 1) if isinstance(sub, dict) else member
            elif extra is not False:
                out[key] = repair(member, extra, key, depth + 1) if isinstance(extra, dict) else member
        for key in schema.get("required", []):
            if isinstance(key, str) and key not in out:
                out[key] = sample(props.get(key, {}), key, depth + 1)
        if not validation_errors(out, schema):
            return out
    return sample(schema, name, depth)


def _is_object_schema(schema: dict[str, JSON]) -> bool:
    return schema.get("type") == "object" or "properties" in schema


def _example_key(name: str, index: int, taken: set[str]) -> str:
    key = _FILE_SAFE_RE.sub("_", name).strip("_") or f"example{index + 1}"
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def split_examples(
    items: Sequence[tuple[str, JSON, DocLocation | None]], schema: dict[str, JSON], what: str
) -> tuple[dict[str, JSON], dict[str, JSON]]:
    """(valid examples, invalid examples with reasons), keyed by example name. Every invalid example has a
    repaired twin among the valid ones; with none valid at all, one is generated from `schema`. `what`
    says whose examples these are ("request body", "201 response body") in the descriptions."""
    valid: dict[str, JSON] = {}
    invalid: dict[str, JSON] = {}
    taken: set[str] = set()
    for i, (name, body, where) in enumerate(items):
        if body is None:
            continue
        key = _example_key(name, i, taken)
        entry: dict[str, JSON] = {"summary": name or f"example {i + 1}", "value": copy.deepcopy(body)}
        if where is not None:
            entry["x-doc"] = where.cite()
        errors = validation_errors(body, schema)
        if not errors:
            valid[key] = entry
            continue
        entry["x-errors"] = [f"{ptr or '/'}: {msg}" for ptr, msg in errors]
        invalid[key] = entry
        repaired = repair(body, schema)
        if validation_errors(repaired, schema):
            continue  # a schema no fixed value meets: the generated example below stands in, if it can
        fixed: dict[str, JSON] = {
            "summary": f"{entry['summary']} (repaired)",
            "description": (
                f"The page's example {what} with the values the derived schema rejects replaced; "
                f"the page's own is under {INVALID_EXAMPLES_KEY} ({key}), with its errors."
            ),
            "value": repaired,
            REPAIRED_KEY: True,
        }
        if where is not None:
            fixed["x-doc"] = where.cite()
        valid[_example_key(f"{key}_repaired", i, taken)] = fixed
    generated = sample(schema)
    if not valid and not validation_errors(generated, schema):
        valid[_example_key("generated", len(items), taken)] = {
            "summary": "generated (the page shows no example)",
            "description": f"The page shows no example {what}: a minimal valid one made from the schema.",
            "value": generated,
            GENERATED_KEY: True,
        }
    return valid, invalid

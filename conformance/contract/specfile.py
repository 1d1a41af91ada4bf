"""Parsing a spec file the user names: YAML without anchors or aliases, and `$ref`s only inside the file.

A spec is input, not code. YAML aliases let a 1 kB file expand to gigabytes (billion laughs) or contain
itself, so anchors and aliases are refused while the file is parsed, as events, before anything is
built. A `$ref` is resolved here, against the file itself, and never fetched: one that points anywhere
else (`http://...`, `file:///etc/passwd`, `other.yaml#/x`) is refused before a single request is sent,
as jsonschema's own docs advise against automatic retrieval. Local references in the schemas the
harness uses are inlined, so nothing downstream (jsonschema, schemathesis, the reference
implementation) ever resolves one; a reference cycle or a reference bomb is refused too.
"""

from __future__ import annotations

import urllib.parse
from typing import Any, Final

import yaml

from conformance.contract.spec import JSON
from conformance.errors import SpecError

MAX_DEPTH: Final = 64  # the harness writes specs about 12 levels deep
MAX_NODES: Final = 100_000  # values a schema may have once its local references are inlined
_REF_KEYS: Final = ("$ref", "$dynamicRef", "$recursiveRef")
# Keywords whose values are data, not schemas: a "$ref" key inside an example is not a reference.
_DATA_KEYS: Final = frozenset({"example", "examples", "enum", "const", "default"})
# Keywords whose values map names to schemas: a property called "examples" is still a schema.
_SCHEMA_MAPS: Final = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same events, faster


def parse_yaml(text: str, where: str, kind: str = "a spec") -> JSON:
    """The document in `text` (YAML or JSON); `SpecError` for anchors, aliases, deep nesting or bad syntax.
    `kind` names the file in the message (a waivers file is read the same way)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise SpecError(
                    f"{where}: YAML anchor or alias at line {line}; {kind} may not use them "
                    "(they can expand without bound), write the value out"
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise SpecError(f"{where}: nested more than {MAX_DEPTH} levels deep at line {line}")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        doc: JSON = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{where}: not valid YAML/JSON{at}") from None
    except ValueError as exc:  # an unquoted 2099-13-01 reads as a date that does not exist
        raise SpecError(
            f"{where}: not valid YAML/JSON: a value written like a date is not one ({exc}); quote it if it "
            "is text"
        ) from None
    return doc


def refuse_outside_refs(doc: JSON, where: str) -> None:
    """`SpecError` for the first reference in `doc` that points outside it (anything but `#...`)."""
    for pointer, key, ref in _references(doc, ""):
        if key != "$ref":
            raise SpecError(
                f"{where}: {key} at {pointer or '/'} is not supported; use a plain $ref inside the file"
            )
        if not ref.startswith("#"):
            shown = ref if len(ref) <= 80 else ref[:77] + "..."
            raise SpecError(
                f"{where}: $ref {shown!r} at {pointer or '/'} points outside the spec; "
                "the harness resolves references only inside the file (#/...) and never fetches or reads one"
            )


def inline_refs(schema: JSON, doc: JSON, where: str) -> JSON:
    """`schema` with each local `$ref` replaced by what it points to in `doc` (siblings kept, as `allOf`)."""
    budget = [MAX_NODES]
    return _inline(schema, doc, where, (), budget, 0)


def _references(node: JSON, pointer: str) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    stack: list[tuple[JSON, str, bool]] = [(node, pointer, False)]
    while stack:
        value, at, names = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                here = f"{at}/{_escape(str(key))}"
                if not names and key in _REF_KEYS and isinstance(child, str):
                    found.append((at, key, child))
                elif names or key not in _DATA_KEYS:
                    stack.append((child, here, not names and key in _SCHEMA_MAPS and isinstance(child, dict)))
        elif isinstance(value, list):
            stack.extend((child, f"{at}/{i}", False) for i, child in enumerate(value))
    return found


def _inline(node: JSON, doc: JSON, where: str, seen: tuple[str, ...], budget: list[int], depth: int) -> JSON:
    budget[0] -= 1
    if budget[0] < 0:
        raise SpecError(
            f"{where}: a schema expands to more than {MAX_NODES} values once its $refs are inlined"
        )
    if depth > MAX_DEPTH:
        raise SpecError(
            f"{where}: a schema is nested more than {MAX_DEPTH} levels once its $refs are inlined"
        )
    if isinstance(node, list):
        return [_inline(v, doc, where, seen, budget, depth + 1) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key in _DATA_KEYS:
            out[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {n: _inline(s, doc, where, seen, budget, depth + 2) for n, s in value.items()}
        elif key != "$ref" or not isinstance(value, str):
            out[key] = _inline(value, doc, where, seen, budget, depth + 1)
    ref = node.get("$ref")
    if not isinstance(ref, str):
        return out
    if ref in seen:
        raise SpecError(f"{where}: $ref {ref!r} refers to itself (a cycle); the harness needs finite schemas")
    target = _inline(_resolve(doc, ref, where), doc, where, (*seen, ref), budget, depth + 1)
    if not out:
        return target
    others = out.pop("allOf", [])
    return {**out, "allOf": [target, *(others if isinstance(others, list) else [others])]}


def _resolve(doc: JSON, ref: str, where: str) -> JSON:
    fragment = urllib.parse.unquote(ref[1:])
    if fragment and not fragment.startswith("/"):
        raise SpecError(f"{where}: $ref {ref!r} is not a JSON pointer (#/...); anchors are not supported")
    value = doc
    for raw in fragment.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, dict) and token in value:
            value = value[token]
        elif isinstance(value, list) and token.isdigit() and int(token) < len(value):
            value = value[int(token)]
        else:
            raise SpecError(f"{where}: $ref {ref!r} points to nothing in the file")
    return value


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


__all__ = ["MAX_DEPTH", "MAX_NODES", "inline_refs", "parse_yaml", "refuse_outside_refs"]

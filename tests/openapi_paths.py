"""What OpenAPI 3.1 asks of a document's path keys that `openapi-spec-validator` does not check: a path key
is a template (no query string, no white space), its placeholders are plain names, distinct within the path,
each declared as a path parameter of every operation on it, and no two keys differ only in placeholder
names."""

from __future__ import annotations

import re
from typing import Any

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_NAME_RE = re.compile(r"[A-Za-z0-9_.-]+\Z")
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def path_problems(doc: dict[str, Any]) -> list[str]:
    """One line per problem of the document's path keys; none for a valid document."""
    problems: list[str] = []
    shapes: dict[str, str] = {}
    for key, item in doc["paths"].items():
        if "?" in key or re.search(r"\s", key) or not key.startswith("/"):
            problems.append(f"{key!r}: not a path template (a query string, white space, no leading /)")
        names = _PLACEHOLDER_RE.findall(key)
        problems += [f"{key!r}: {{{n}}} is not a plain name" for n in names if not _NAME_RE.match(n)]
        if len(set(names)) != len(names):
            problems.append(f"{key!r}: a placeholder repeats")
        shape = _PLACEHOLDER_RE.sub("{}", key)
        if shape in shapes:
            problems.append(f"{key!r} and {shapes[shape]!r} differ only in placeholder names")
        shapes[shape] = key
        for method in _METHODS:
            if method in item:
                params = {p["name"] for p in item[method].get("parameters", []) if p.get("in") == "path"}
                if params != set(names):
                    problems.append(f"{key!r} {method}: path parameters {sorted(params)} != {sorted(names)}")
    return problems

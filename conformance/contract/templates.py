"""The OpenAPI path template of each documented path: valid, one per path shape, never the page's slip.

The `Spec` keeps every path as its page writes it (cited, and used to build request URLs); the OpenAPI
document needs a path template (OpenAPI 3.1 "Path Templating"): placeholders that are plain names, distinct
within one path, and one template per path shape. `path_templates` makes it from the written path by these
rules, in order:

1. **A bare key in parentheses** becomes a placeholder: `/things(id)` is `/things({id})`, `(key=id)` is
   `(key={id})` (a quoted value such as `('{id}')` already has one; a literal such as `(period='D7')` stays).
2. **A placeholder named several ways** takes its first name: `{id | userPrincipalName}` is `{id}`; any other
   character that is not a letter, digit, `_`, `-` or `.` becomes `-`.
3. **A name repeated in one path** stays on its last use (the key, where the path ends in one); each earlier
   use is renamed after the segment before it, made singular: `/teams/{id}/channels/{id}` is
   `/teams/{team-id}/channels/{id}` (a number is added while the name is still taken).
4. **One template per shape.** Paths equal but for placeholder names (`/profiles/{userId}` and
   `/profiles/{profileId}`) take the names of the first of them in the order get, update, delete, create,
   list (the get's), so the document never holds two paths OpenAPI would take for one.

`renamed` says, one line per written path, what its template changed, for `derive` to print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.contract.spec import Spec

__all__ = ["Template", "path_templates", "renamed"]

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_BARE_KEY_RE = re.compile(r"\(\s*(?:([A-Za-z_][\w-]*)\s*=\s*)?([A-Za-z_][\w-]*)\s*\)\Z")
_BAD_CHAR_RE = re.compile(r"[^A-Za-z0-9_.-]+")
_ORDER = ("get", "update", "delete", "create", "list")


@dataclass(frozen=True, slots=True)
class Template:
    """A path's OpenAPI template, and its placeholders' names in order with the text the page wrote."""

    path: str
    names: tuple[str, ...]
    written: tuple[str, ...]

    @property
    def shape(self) -> str:
        """The template with its placeholders unnamed: paths of one shape are one path to OpenAPI."""
        return _PLACEHOLDER_RE.sub("{}", self.path)


def _bare_keys(path: str) -> str:
    segments = path.split("/")
    for i, segment in enumerate(segments):
        m = _BARE_KEY_RE.search(segment)
        if m and "(" not in segment[: m.start()] and segment[: m.start()].strip():
            key = f"{m.group(1)}=" if m.group(1) else ""
            segments[i] = f"{segment[: m.start()]}({key}{{{m.group(2)}}})"
    return "/".join(segments)


def _singular(segment: str) -> str:
    word = _BAD_CHAR_RE.sub("-", segment.split("(", 1)[0]).strip("-.")
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def template(written: str) -> Template:
    """The OpenAPI template of one written path by rules 1-3 of this module's docstring."""
    path = _bare_keys(written if written.startswith("/") else "/" + written)
    holes = list(_PLACEHOLDER_RE.finditer(path))
    names = [_BAD_CHAR_RE.sub("-", m.group(1).split("|", 1)[0].strip()).strip("-") or "key" for m in holes]
    for i in range(len(names) - 1, -1, -1):  # the last use keeps its name; earlier uses are renamed
        if names[i] not in names[i + 1 :]:
            continue
        before = path[: holes[i].start()].rstrip("/").rsplit("/", 1)[-1]
        base = f"{_singular(before)}-{names[i]}" if _singular(before) else names[i]
        name, n = base, 1
        while name in names:
            n += 1
            name = f"{base}{n}"
        names[i] = name
    out, last = [], 0
    for m, name in zip(holes, names, strict=True):
        out += [path[last : m.start()], f"{{{name}}}"]
        last = m.end()
    return Template(
        path="".join(out) + path[last:], names=tuple(names), written=tuple(m.group(0) for m in holes)
    )


def path_templates(spec: Spec) -> dict[str, Template]:
    """Each written path of the spec's operations and its template, by every rule of this module's
    docstring."""
    ops = sorted(spec.operations, key=lambda o: _ORDER.index(o.kind_name))
    own = {fact.value: template(fact.value) for op in ops for fact in op.paths}
    first: dict[str, Template] = {}
    for t in own.values():
        first.setdefault(t.shape, t)
    return {
        written: Template(path=first[t.shape].path, names=first[t.shape].names, written=t.written)
        for written, t in own.items()
    }


def renamed(spec: Spec) -> list[str]:
    """One line per written path whose template differs from it: what the OpenAPI document calls it."""
    out: list[str] = []
    templates = path_templates(spec)
    seen: set[str] = set()
    for op in spec.operations:
        for fact in op.paths:
            t = templates[fact.value]
            if t.path != fact.value and fact.value not in seen:
                seen.add(fact.value)
                out.append(f"path '{fact.value}' ({fact.where.cite()}) is '{t.path}' in the OpenAPI document")
    return out

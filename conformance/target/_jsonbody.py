"""Strict JSON bodies from a target: UTF-8, no NaN, bounded depth, and the member names an object repeats
(RFC 8259 §4), found without changing the last-wins value the checks see."""

from __future__ import annotations

import json as jsonlib
import re
from array import array
from itertools import accumulate
from typing import Final

from conformance.contract.spec import JSON

MAX_JSON_DEPTH: Final = 256  # deeper bodies are refused: later consumers (jsonschema) recurse per level

_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # read as signed bytes: +1 opens, -1 closes


def _too_deep(text: str, limit: int) -> bool:
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(array("b", brackets.translate(_STEP))), default=0) > limit


def _no_constant(name: str) -> JSON:
    raise ValueError(f"response body is not JSON: {name} is not a JSON value")


def parse_json(
    content: bytes,
    *,
    truncated: bool = False,
    max_depth: int = MAX_JSON_DEPTH,
    duplicates: list[str] | None = None,
) -> JSON:
    """Parse a response body as strict JSON (UTF-8, no NaN, at most `max_depth` levels); else ValueError.

    A name repeated in one object keeps its last value, as `json.loads` does; with a `duplicates` list,
    the JSON pointer of every repeated member (RFC 8259 §4, RFC 7493 §2.3) is appended to it.
    """
    if truncated:
        raise ValueError(f"response body was cut at the read limit ({len(content)} bytes); raise max_read")
    if not content.strip():
        raise ValueError("response body is empty, not JSON")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"response body is not valid UTF-8 (byte {e.start}: {e.reason})") from None
    if _too_deep(text, max_depth):
        raise ValueError(f"response body nests deeper than {max_depth} levels; refusing to parse it")
    try:
        if duplicates is None:
            return jsonlib.loads(text, parse_constant=_no_constant)
        repeated = _Repeated()
        value = jsonlib.loads(text, parse_constant=_no_constant, object_pairs_hook=repeated.hook)
        duplicates.extend(repeated.pointers(value))
        return value
    except jsonlib.JSONDecodeError as e:
        raise ValueError(f"response body is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:  # pragma: no cover - the depth check runs first
        raise ValueError("response body nests too deep to parse") from None


def repeated_names(content: bytes, *, truncated: bool = False) -> tuple[str, ...]:
    """`parse_json`'s repeated-name pointers for `content`; none when it is not JSON."""
    found: list[str] = []
    try:
        parse_json(content, truncated=truncated, duplicates=found)
    except ValueError:
        return ()
    return tuple(found)


class _Repeated:
    """An `object_pairs_hook` that builds dicts as `json.loads` does (last value wins) and remembers which
    objects repeated a name, so their JSON pointers can be named once the whole value is built."""

    def __init__(self) -> None:
        # each object is kept alive here, so no id is reused while the value is built
        self._seen: dict[int, tuple[dict[str, JSON], list[str]]] = {}

    def hook(self, pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            names: dict[str, int] = {}
            for name, _ in pairs:
                names[name] = names.get(name, 0) + 1
            self._seen[id(obj)] = (obj, [n for n, count in names.items() if count > 1])
        return obj

    def pointers(self, value: JSON) -> list[str]:
        """Pointers of the repeated members of every object still in `value`, in document order."""
        if not self._seen:
            return []
        out: list[str] = []
        stack: list[tuple[str, JSON]] = [("", value)]
        while stack:
            where, node = stack.pop()
            if isinstance(node, dict):
                entry = self._seen.get(id(node))
                if entry is not None and entry[0] is node:
                    out.extend(f"{where}/{_escape(name)}" for name in entry[1])
                stack.extend((f"{where}/{_escape(k)}", v) for k, v in reversed(node.items()))
            elif isinstance(node, list):
                stack.extend((f"{where}/{i}", v) for i, v in reversed(list(enumerate(node))))
        return out


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")

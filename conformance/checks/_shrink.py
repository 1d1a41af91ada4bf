"""Making a failing generated body smaller while it still fails: greedy, deterministic, request-bounded.

Hypothesis shrinks the choices a strategy made; the harness draws bodies outside its engine
(`_bodies.draw`), so it shrinks the body itself, as a reader would: drop a property or an item, empty or
halve a string, move a number towards zero, simplify a nested value. A candidate is kept when `fails`
says it still fails (each call may send a request), until no candidate does or `budget` calls are spent.
Candidates come biggest step first, so a small budget still removes most of what is irrelevant.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Final

from conformance.contract.spec import JSON

_SHAPES: Final = (
    (
        re.compile(r"\A\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)\Z"),
        "2000-01-01T00:00:00Z",
    ),
    (
        re.compile(r"\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"),
        "00000000-0000-0000-0000-000000000000",
    ),
    (re.compile(r"\A\d{4}-\d\d-\d\d\Z"), "2000-01-01"),
)


def shrink(body: JSON, fails: Callable[[JSON], bool], budget: int) -> JSON:
    """The smallest body reached from `body` by steps that keep `fails(candidate)` true."""
    seen = {_key(body)}
    spent, improved = 0, True
    while improved and spent < budget:
        improved = False
        for candidate in smaller(body):
            key = _key(candidate)
            if key in seen:
                continue
            seen.add(key)
            spent += 1
            if fails(candidate):
                body, improved = candidate, True
                break
            if spent >= budget:
                break
    return body


def smaller(value: JSON) -> Iterator[JSON]:
    """Simpler variants of `value`, biggest simplification first."""
    if isinstance(value, dict):
        yield from _smaller_object(value)
    elif isinstance(value, list):
        if value:
            yield []
            for i in range(len(value)):
                yield value[:i] + value[i + 1 :]
            for i, item in enumerate(value):
                for simpler in smaller(item):
                    yield [*value[:i], simpler, *value[i + 1 :]]
    elif isinstance(value, str):
        for shape, plain in _SHAPES:  # a date-time or a GUID: the plainest of its shape first
            if shape.match(value) and value != plain:
                yield plain
        if value:
            yield ""
            if len(value) > 1:
                half = len(value) // 2
                yield from (value[:half], value[half:], value[:1], value[1:], value[:-1])
            ascii_only = "".join(c if c.isascii() and c.isprintable() else "a" for c in value)
            if ascii_only != value:
                yield ascii_only
    elif isinstance(value, bool):
        if value:
            yield False
    elif isinstance(value, int):
        if value:
            yield 0
            if abs(value) > 1:
                yield value // 2 if value > 0 else -(-value // 2)
    elif isinstance(value, float):
        if value != 0:
            yield 0.0
            if value != int(value) and abs(value) < 2**53:
                yield float(int(value))
    elif isinstance(value, bytes | bytearray) and len(value) > 1:  # a raw body keeps a byte: "" reads as JSON
        yield bytes(value[:1])
        yield bytes(value[: len(value) // 2])


def _smaller_object(value: dict[str, JSON]) -> Iterator[JSON]:
    for name in value:
        yield {k: v for k, v in value.items() if k != name}
    for name in value:  # an odd name made plain (an undeclared property's name should not distract)
        if not (name.isascii() and name.isalnum()) and "x" not in value:
            yield {("x" if k == name else k): v for k, v in value.items()}
    for name, item in value.items():
        for simpler in smaller(item):
            yield {**value, name: simpler}


def _key(value: JSON) -> str:
    return repr(value)

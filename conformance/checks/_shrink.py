"""Making a failing generated body smaller while it still fails: greedy, deterministic, request-bounded.

Hypothesis shrinks the choices a strategy made; the harness draws bodies outside its engine
(`_bodies.draw`), so it shrinks the body itself, as a reader would: drop a property or an item, empty or
halve a string, move a number towards zero, simplify a nested value. A candidate is kept when `fails`
says it still fails (each call may send a request), until no candidate does or `budget` calls are spent.
Candidates come biggest step first, so a small budget still removes most of what is irrelevant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from conformance.contract.spec import JSON


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
    elif isinstance(value, bytes | bytearray) and value:
        yield b""
        if len(value) > 1:
            yield bytes(value[: len(value) // 2])


def _smaller_object(value: dict[str, JSON]) -> Iterator[JSON]:
    for name in value:
        yield {k: v for k, v in value.items() if k != name}
    for name, item in value.items():
        for simpler in smaller(item):
            yield {**value, name: simpler}


def _key(value: JSON) -> str:
    return repr(value)

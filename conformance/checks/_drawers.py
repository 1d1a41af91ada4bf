"""The drawers of single values a schema compiles to (`_bodies` compiles it and draws objects).

Each `Gen` draws a valid value (`draw`) or one its schema refuses in a given way (`wrong`): of another
JSON kind ("mistyped"), or of its own kind but refused ("formatted": a bad date-time or GUID, a value
outside an enumeration, a string too long or too short, a number out of range, too many items).
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import Final

from conformance.checks import _values as v
from conformance.checks._values import Chooser
from conformance.contract.spec import JSON

JUDGED_FORMATS: Final = ("date-time", "uuid")  # the formats the harness's validator checks
_MAX_ITEMS: Final = 6  # lists longer than this find nothing shorter ones do not, and cost requests' time


class Unsupported(Exception):
    """The schema uses something these drawers do not draw: the caller falls back to schemathesis."""


class Gen(ABC):
    """Draws one value of a schema. `wrong` gives (True, a value breaking the schema in `way`), or
    (False, None) when it has none."""

    ways: tuple[str, ...] = ()  # the ways a value of this schema can be broken inside (objects)
    kinds: frozenset[str] = frozenset()  # the JSON kinds it allows; empty: any (or it cannot tell)
    formattable = False  # whether a value of its own kind can break it (format, enumeration, length, range)

    @abstractmethod
    def draw(self, c: Chooser) -> JSON: ...

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return False, None


def _same(a: JSON, b: JSON) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def _kinds_of(value: JSON) -> set[str]:
    if value is None:
        return {"null"}
    if isinstance(value, bool):
        return {"boolean"}
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return {"integer", "number"}
    if isinstance(value, float):
        return {"number"}
    return {"string"} if isinstance(value, str) else {"array"} if isinstance(value, list) else {"object"}


def mistyped(c: Chooser, allowed: frozenset[str]) -> tuple[bool, JSON]:
    """A value of a JSON kind outside `allowed` (an integer is a number too)."""
    outside = [k for k in v.kinds() if k not in allowed and not (k == "integer" and "number" in allowed)]
    if not outside:
        return False, None
    return True, v.of_kind(c, c.pick(outside))


class AnyJson(Gen):
    def draw(self, c: Chooser) -> JSON:
        return v.any_json(c)


class Null(Gen):
    kinds = frozenset({"null"})

    def draw(self, c: Chooser) -> JSON:
        return None

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return mistyped(c, self.kinds) if way == "mistyped" else (False, None)


class Boolean(Gen):
    kinds = frozenset({"boolean"})

    def draw(self, c: Chooser) -> JSON:
        return c.chance(0.5)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return mistyped(c, self.kinds) if way == "mistyped" else (False, None)


class Enum(Gen):
    formattable = True  # a value outside the enumeration

    def __init__(self, values: list[JSON]) -> None:
        self.values = values
        self.kinds = frozenset().union(*(_kinds_of(x) for x in values))

    def draw(self, c: Chooser) -> JSON:
        return copy.deepcopy(c.pick(self.values))

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if way == "mistyped":
            return mistyped(c, self.kinds)
        if way != "formatted":
            return False, None
        member = c.pick(self.values)
        near = (  # the near misses a lenient server lets through, then anything
            [member.swapcase(), member + " ", member.upper(), member + "x"] if isinstance(member, str) else []
        )
        for candidate in [*near, v.text(c, 1, 12), v.integer(c)]:
            if not any(_same(candidate, x) for x in self.values):
                return True, candidate
        return False, None


class Choice(Gen):
    """One of several schemas (`anyOf`, a list of types); a null branch taken at the body's null rate."""

    def __init__(self, branches: list[Gen]) -> None:
        self.branches = [b for b in branches if not isinstance(b, Null)]
        self.nullable = len(self.branches) < len(branches)
        self.typed = all(b.kinds for b in branches)  # else a branch takes any value: nothing is wrong for it
        self.kinds = frozenset().union(*(b.kinds for b in branches)) if self.typed else frozenset()
        self.formattable = len(self.branches) == 1 and self.typed and self.branches[0].formattable

    def draw(self, c: Chooser) -> JSON:
        if not self.branches or (self.nullable and c.chance(c.nulls)):
            return None
        return c.pick(self.branches).draw(c)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if not self.typed:
            return False, None
        if way == "mistyped":
            return mistyped(c, self.kinds)
        fitting = [b for b in self.branches if _kinds_of(value) & b.kinds] if value is not None else []
        if fitting:
            ok, bad = fitting[0].wrong(c, way, value)
            if ok and len(self.branches) == 1:
                return ok, bad
        return False, None


class Number(Gen):
    def __init__(self, whole: bool, low: int | None, high: int | None) -> None:
        self.whole, self.low, self.high = whole, low, high
        self.kinds = frozenset({"integer"} if whole else {"integer", "number"})
        self.formattable = low is not None or high is not None

    def draw(self, c: Chooser) -> JSON:
        if self.whole or c.below(2) == 0:
            return v.integer(c, self.low, self.high)
        return v.number(c, self.low, self.high)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if way == "mistyped":
            return mistyped(c, self.kinds)
        if way == "formatted" and (self.low is not None or self.high is not None):
            if self.low is not None and (self.high is None or c.chance(0.5)):
                return True, self.low - 1 - (c.below(10) if self.whole else c.rng.random())
            assert self.high is not None
            return True, self.high + 1 + (c.below(10) if self.whole else c.rng.random())
        return False, None


class String(Gen):
    kinds = frozenset({"string"})

    def __init__(self, fmt: str, low: int, high: int | None) -> None:
        self.fmt, self.low, self.high = fmt, low, high
        self.formattable = fmt in JUDGED_FORMATS or low > 0 or high is not None

    def draw(self, c: Chooser) -> JSON:
        if self.fmt == "date-time":
            return v.datetime_text(c)
        if self.fmt == "date":
            return v.date_text(c)
        if self.fmt == "uuid":
            return v.guid_text(c)
        return v.text(c, self.low, self.high)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if way == "mistyped":
            return mistyped(c, self.kinds)
        if way != "formatted":
            return False, None
        if self.fmt in JUDGED_FORMATS:
            return True, v.bad_format(c, self.fmt)
        if self.high is not None and (self.low == 0 or c.chance(0.5)):
            return True, v.text(c, self.high + 1, self.high + 1 + c.below(8))
        if self.low > 0:
            return True, v.text(c, 0, self.low - 1)
        return False, None


class Array(Gen):
    kinds = frozenset({"array"})

    def __init__(self, item: Gen, low: int, high: int | None) -> None:
        self.item, self.low = item, low
        self.high = max(low, min(_MAX_ITEMS, high if high is not None else _MAX_ITEMS))
        self.limit = high
        self.ways = item.ways
        self.formattable = high is not None or item.formattable

    def draw(self, c: Chooser) -> JSON:
        return [self.item.draw(c) for _ in range(c.between(self.low, self.high))]

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        items = list(value) if isinstance(value, list) else []
        if way == "mistyped" and (not items or c.chance(0.5)):
            return mistyped(c, self.kinds)
        if way == "formatted" and self.limit is not None and c.chance(0.3):
            return True, items + [self.item.draw(c) for _ in range(self.limit + 1 - len(items))]
        at = c.below(len(items)) if items else 0
        current = items[at] if items else self.item.draw(c)
        ok, bad = self.item.wrong(c, way, current)
        if not ok:
            return mistyped(c, self.kinds) if way == "mistyped" else (False, None)
        return True, [*items[:at], bad, *items[at + 1 :]] if items else [bad]

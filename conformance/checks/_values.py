"""The edge values generated bodies are made of, drawn from a plain `random.Random`.

Text in the shapes servers mishandle (padded, ASCII only, non-ASCII only, astral and combining characters,
control characters, empty, long, any UTF-8 code point), RFC 3339 date-times with every offset and 0-7
fraction digits, dates, GUIDs in either case, integers and floats at their limits, any JSON (deep nesting
included), and what breaks a value or a body: badly formatted strings, bodies that are not JSON.

Every choice goes through a `Chooser` and is written so that the generator's zero (`Simplest`) gives its
simplest outcome: the first option, the lowest count, the value nearest zero. So body 0 is the simplest.
Only `random()` and `getrandbits()` are used (an index is `int(random() * n)`), whose results for a seed
have not changed since Python 3.2; nothing depends on set or hash order.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from itertools import accumulate
from typing import Final, Generic, TypeVar

from conformance.contract.spec import JSON

T = TypeVar("T")


class Weighted(Generic[T]):
    """Options with weights; the first is the simplest."""

    __slots__ = ("cumulative", "options", "total")

    def __init__(self, pairs: Sequence[tuple[T, int]]) -> None:
        self.options = [option for option, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]


class _Zero(random.Random):
    """A generator whose every draw is its lowest: each choice's simplest outcome."""

    def random(self) -> float:
        return 0.0

    def getrandbits(self, k: int) -> int:
        return 0


class Chooser:
    """The choices of one body, from `random.Random(key)`, its place in the run (`slot`), what it stresses
    (`theme`), how often it sends an optional property (`optional`) and a null where allowed (`nulls`)."""

    __slots__ = ("nulls", "optional", "rng", "slot", "theme")

    def __init__(self, key: str | None, slot: int = -1) -> None:
        self.rng: random.Random = random.Random(key) if key is not None else _Zero()
        self.slot = slot  # the body's index - 1: bodies 1, 2, ... stress what they cover in turn
        self.theme = ""
        self.optional = 0.0
        self.nulls = 0.0

    def below(self, n: int) -> int:
        """0 <= k < n (n at most 2**53)."""
        return int(self.rng.random() * n)

    def between(self, low: int, high: int) -> int:
        return low + int(self.rng.random() * (high - low + 1)) if high > low else low

    def chance(self, p: float) -> bool:
        return self.rng.random() >= 1.0 - p  # never for the zero generator (unless p is 1)

    def pick(self, options: Sequence[T]) -> T:
        return options[self.below(len(options))]

    def weighted(self, table: Weighted[T]) -> T:
        return table.options[bisect(table.cumulative, self.rng.random() * table.total)]


def simplest() -> Chooser:
    """The chooser of body 0: every choice its simplest."""
    return Chooser(None)


def _zigzag(k: int) -> int:
    """0, -1, 1, -2, 2, ...: small draws near zero, the zero draw zero."""
    return -(k + 1) // 2 if k % 2 else k // 2


# -- text --------------------------------------------------------------------------------------------

_ASCII: Final = (
    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
)
BLANKS: Final = (" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2003")
# (first, last) code points, each range as likely as another within its kind
_WIDE: Final = (
    (0xC0, 0xFF), (0x100, 0x24F), (0x391, 0x3C9), (0x410, 0x44F), (0x5D0, 0x5EA), (0x627, 0x64A),
    (0x905, 0x939), (0xE01, 0xE2E), (0x3041, 0x3096), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xFF01, 0xFF5E),
    (0xA0, 0xBF), (0x2000, 0x206F), (0xFB00, 0xFDFF), (0xFE00, 0xFE0F), (0xE000, 0xF8FF), (0xFFF0, 0xFFFF),
)  # fmt: skip
_COMBINING: Final = ((0x300, 0x36F), (0x1AB0, 0x1ACE), (0x1DC0, 0x1DFF), (0x20D0, 0x20F0), (0xFE20, 0xFE2F))
_ASTRAL: Final = (
    (0x1F300, 0x1F64F), (0x1F680, 0x1F6FF), (0x1F900, 0x1F9FF), (0x1D400, 0x1D7FF), (0x20000, 0x2A6DF),
    (0x10000, 0x1007F), (0x10330, 0x1034A), (0xE0000, 0xE007F), (0xF0000, 0xFFFFD), (0x10FFF0, 0x10FFFF),
)  # fmt: skip
_CONTROL: Final = ((0x00, 0x1F), (0x7F, 0x9F), (0x2028, 0x2029), (0x200B, 0x200F), (0x202A, 0x202E))
_SEQUENCES: Final = (  # what a code point at a time seldom makes: joined emoji, flags, a base with marks
    "\U0001f469\u200d\U0001f4bb", "\U0001f1fa\U0001f1f8", "\U0001f44d\U0001f3fd", "e\u0301", "\u1100\u1161",
    "Z\u0351\u0337\u0324", "\u0928\u093f", "\ufeff", "\U0001f3f3\ufe0f\u200d\U0001f308",
)  # fmt: skip

_LENGTHS: Final = Weighted([((0, 8), 6), ((9, 32), 3), ((33, 100), 1)])
STYLES: Final = ("plain", "padded", "ascii", "wide", "astral", "control", "long", "empty", "any")
_STYLES: Final = Weighted([(s, w) for s, w in zip(STYLES, (6, 3, 3, 3, 2, 2, 1, 1, 2), strict=True)])
_LONG: Final = (257, 4000)  # past the 255/256 limits of many stores


def _from(r: Callable[[], float], ranges: Sequence[tuple[int, int]]) -> str:
    low, high = ranges[int(r() * len(ranges))]
    return chr(low + int(r() * (high - low + 1)))


_N_ASCII: Final = len(_ASCII)
_N_ANY: Final = 0x110000 - 0x800  # every code point UTF-8 carries: all but the surrogates


def _char(r: Callable[[], float], style: str) -> str:
    if style == "ascii":
        return _ASCII[int(r() * _N_ASCII)]
    if style == "any":
        point = int(r() * _N_ANY)
        return chr(point + 0x800 if point >= 0xD800 else point)
    roll = r()
    if style == "wide":
        return _from(r, _WIDE) if roll < 0.8 else _from(r, _COMBINING) if roll < 0.9 else _from(r, _ASTRAL)
    if style == "astral":
        if roll < 0.15:
            return _SEQUENCES[int(r() * len(_SEQUENCES))]
        return _from(r, _ASTRAL) if roll < 0.6 else _from(r, _COMBINING) if roll < 0.7 else _char(r, "ascii")
    if style == "control":
        return _from(r, _CONTROL) if roll < 0.4 else _ASCII[int(r() * _N_ASCII)]
    # plain: mostly ASCII, now and then anything
    if roll < 0.8:
        return _ASCII[int(r() * _N_ASCII)]
    return _char(r, ("wide", "astral", "control", "any")[int(r() * 4)])


def _chars(c: Chooser, style: str, n: int) -> str:
    r = c.rng.random
    if style == "ascii":
        return "".join([_ASCII[int(r() * _N_ASCII)] for _ in range(n)])
    return "".join([_char(r, style) for _ in range(n)])


def text(c: Chooser, low: int = 0, high: int | None = None, style: str | None = None) -> str:
    """A string of `low` to `high` code points in `style` (the body's theme mostly, else any style)."""
    if style is None:
        theme = c.theme if c.theme in STYLES else ""
        style = theme if theme and c.chance(0.75) else c.weighted(_STYLES)
    if style == "long":
        length = c.between(*_LONG)
    elif style == "empty":
        length = 0
    else:
        first, last = c.weighted(_LENGTHS)
        length = c.between(first, last)
    if high is not None:
        length = min(length, high)
    length = max(length, low)
    if style == "padded":
        inner = _chars(c, "plain", max(1, length - 2))
        value = c.pick(BLANKS) + inner + c.pick(BLANKS)
    elif style == "long":
        chunk = _chars(c, c.pick(("plain", "ascii", "wide", "any")), c.between(1, 40))
        value = (chunk * (length // len(chunk) + 1))[:length]
    else:
        value = _chars(c, style, length)
    if high is not None and len(value) > high:
        value = value[:high]
    return value + "a" * (low - len(value)) if len(value) < low else value


def name(c: Chooser, taken: Sequence[str]) -> str:
    """A property name no schema declares: odd text, or a declared name in another case."""
    if taken and c.chance(0.3):
        candidate = c.pick(taken).swapcase()
        if candidate not in taken:
            return candidate
    for _ in range(8):
        candidate = text(c, 1, 12)
        if candidate not in taken and not candidate.startswith("@"):
            return candidate
    return "undeclared" + str(c.below(10**6))


# -- formats -----------------------------------------------------------------------------------------

_OFFSETS: Final = Weighted([("Z", 4), ("z", 1), ("+00:00", 1), ("any", 6)])
_DATETIME_EDGES: Final = (
    "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.9999999Z", "2038-01-19T03:14:07Z",
    "2038-01-19T03:14:08Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z",
    "2024-02-29T23:59:59-12:00", "1900-01-01T00:00:00Z", "2024-12-31T23:30:00-01:00",
    "2024-03-10T02:30:00-08:00", "2024-05-17T09:30:00.000Z", "2000-02-29T00:00:00+14:00",
)  # fmt: skip


_ERAS: Final = Weighted([("near", 4), ("before-epoch", 2), ("after-2038", 2), ("any", 2)])
_ERA_TURNS: Final = ("before-epoch", "after-2038", "near", "any")  # bodies 1-4 take each era in turn


def _ymd(c: Chooser) -> tuple[int, int, int]:
    era = _ERA_TURNS[c.slot] if 0 <= c.slot < len(_ERA_TURNS) else c.weighted(_ERAS)
    if era == "near":
        year = 2000 + _zigzag(c.below(80))
    elif era == "before-epoch":  # negative Unix times
        year = 1969 - c.below(1969)
    elif era == "after-2038":  # past 32-bit Unix times
        year = 2038 + c.below(7962)
    else:
        year = 1 + c.below(9999)
    month = 1 + c.below(12)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = 29 if month == 2 and leap else 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
    return year, month, 1 + c.below(days)


def datetime_text(c: Chooser) -> str:
    """An RFC 3339 date-time as a client may write it: Z or z or any offset, 0-7 fraction digits."""
    if c.chance(0.3 if c.theme == "edges" else 0.08):
        return c.pick(_DATETIME_EDGES)
    year, month, day = _ymd(c)
    when = f"{year:04d}-{month:02d}-{day:02d}T{c.below(24):02d}:{c.below(60):02d}:{c.below(60):02d}"
    digits = c.below(8)
    if digits:
        when += f".{c.below(10**digits):0{digits}d}"
    offset = c.weighted(_OFFSETS)
    if offset == "any":
        offset = f"{'+-'[c.below(2)]}{c.below(24):02d}:{c.pick((0, 30, 45, c.below(60))):02d}"
    if (year, month, day) in ((1, 1, 1), (9999, 12, 31)):
        offset = "Z"  # an offset would move the instant outside years 1-9999
    return when + offset


def date_text(c: Chooser) -> str:
    year, month, day = _ymd(c)
    return f"{year:04d}-{month:02d}-{day:02d}"


def guid_text(c: Chooser) -> str:
    """A GUID in lower or upper case (the nil and the all-ones one now and then)."""
    roll = c.below(20)
    bits = 0 if roll == 0 else (1 << 128) - 1 if roll == 1 else c.rng.getrandbits(128)
    h = f"{bits:032x}"
    value = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    return value.upper() if c.chance(0.5) else value


BAD_DATETIMES: Final = (
    "", "yesterday", "2024-13-45T25:61:00Z", "2024-05-17T09:30:00", "2024-05-17", "09:30:00Z",
    "2024-05-17 09:30:00Z", "2024-02-30T10:00:00Z", "2024-05-17T24:00:00Z", "2024-05-17T09:30:00+0530",
    "2024-05-17T09:30:00.Z", "24-05-17T09:30:00Z", "1715938200", "2024-05-17T09:30:00Z junk",
    " 2024-05-17T09:30:00Z", "2024-05-17T09:30:00+24:00", "2024-05-17T09:30Z", "2024/05/17T09:30:00Z",
)  # fmt: skip
BAD_GUIDS: Final = (
    "", "not-a-guid", "12345", "00000000000000000000000000000000", "{00000000-0000-0000-0000-000000000000}",
    "0000000-0000-0000-0000-000000000000", "g0000000-0000-0000-0000-000000000000",
    "urn:uuid:00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-0000000000000",
)  # fmt: skip


def bad_format(c: Chooser, fmt: str) -> str:
    """A string the format `fmt` (date-time or uuid) refuses."""
    samples = BAD_DATETIMES if fmt == "date-time" else BAD_GUIDS
    if c.chance(0.25):
        return text(c, 1, 12).replace("-", "")  # free text (no dash: nothing like a date or a GUID)
    if fmt == "uuid" and c.chance(0.3):  # a real GUID broken in one place
        good = guid_text(c)
        at = c.below(len(good))
        return good[:at] + c.pick(("", "x", "-", "0")) + good[at + 1 :]
    return c.pick(samples)


# -- numbers -----------------------------------------------------------------------------------------

_INT_LIMITS: Final = (
    0, 1, -1, 2**31 - 1, -(2**31), 2**31, 2**32, 2**53, 2**53 + 1, -(2**53) - 1, 2**63 - 1, -(2**63),
    2**64, 10**30,
)  # fmt: skip
_INTS: Final = Weighted([("small", 6), ("medium", 2), ("wide", 2), ("huge", 1), ("limit", 2)])
_FLOAT_LIMITS: Final = (
    0.0, -0.0, 0.5, 0.1, 1 / 3, 1e-7, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308,
    -1.7976931348623157e308, 9007199254740993.0, 1e21, 123456789.12345678, -2.5,
)  # fmt: skip
_FLOATS: Final = Weighted([("decimal", 5), ("unit", 2), ("wide", 2), ("limit", 2)])


def integer(c: Chooser, low: int | None = None, high: int | None = None) -> int:
    """An integer in [low, high] (either open), often small, sometimes at a limit or huge."""
    kind = c.weighted(_INTS)
    if kind == "small":
        value = _zigzag(c.below(21))
    elif kind == "medium":
        value = _zigzag(c.below(2_000_001))
    elif kind == "wide":
        value = c.rng.getrandbits(c.between(8, 64)) * (1 - 2 * c.below(2))
    elif kind == "huge":
        value = c.rng.getrandbits(c.between(65, 128)) * (1 - 2 * c.below(2))
    else:
        edges = [v for v in (low, high) if v is not None]
        value = c.pick([*edges, *(e + 1 for e in edges), *(e - 1 for e in edges), *_INT_LIMITS])
    return _into(value, low, high)


def _into(value: int, low: int | None, high: int | None) -> int:
    if low is not None and high is not None:
        return value if low <= value <= high else low + value % (high - low + 1)
    if low is not None and value < low:
        return low + (low - value) - 1 if low - value <= 2**64 else low
    if high is not None and value > high:
        return high - (value - high) + 1 if value - high <= 2**64 else high
    return value


def number(c: Chooser, low: int | None = None, high: int | None = None) -> float:
    """A finite float in [low, high] (either open): decimals, fractions of one, tiny, huge, limits."""
    kind = c.weighted(_FLOATS)
    rng = c.rng
    if kind == "decimal":
        value = round(_zigzag(c.below(200_001)) / 100 + rng.random(), c.below(7))
    elif kind == "unit":
        value = rng.random()
    elif kind == "wide":
        value = math.ldexp(rng.random(), c.between(-1074, 1024)) * (1 - 2 * c.below(2))
    else:
        value = c.pick(_FLOAT_LIMITS)
    if low is not None and high is not None:
        return value if low <= value <= high else low + (high - low) * rng.random()
    if low is not None and value < low:
        return float(low) + abs(value) if math.isfinite(low + abs(value)) else float(low)
    if high is not None and value > high:
        return float(high) - abs(value) if math.isfinite(high - abs(value)) else float(high)
    return value


# -- any JSON, and what is not an object or not JSON ---------------------------------------------------

_ANY: Final = Weighted([("null", 1), ("boolean", 1), ("integer", 2), ("number", 1), ("string", 3)])
_KINDS: Final = ("null", "boolean", "integer", "number", "string", "array", "object")


def any_json(c: Chooser, depth: int = 2) -> JSON:
    """Any JSON value: mostly scalars, small arrays and objects, now and then nested 8-40 levels deep."""
    if depth > 0 and c.chance(0.04):
        value: JSON = any_json(c, 0)
        for _ in range(c.between(8, 40)):
            value = [value] if c.chance(0.5) else {text(c, 1, 8, "ascii"): value}
        return value
    if depth > 0 and c.chance(0.3):
        return of_kind(c, c.pick(("array", "object")), depth - 1)
    return of_kind(c, c.weighted(_ANY), depth)


def of_kind(c: Chooser, kind: str, depth: int = 1) -> JSON:
    """A value of JSON kind `kind` (a number that is not a whole one)."""
    if kind == "null":
        return None
    if kind == "boolean":
        return c.chance(0.5)
    if kind == "integer":
        return integer(c)
    if kind == "number":
        value = number(c)
        return value if not value.is_integer() else value + 0.5 if abs(value) < 2**52 else 0.5
    if kind == "string":
        return text(c, 0, 40)
    if kind == "array":
        return [any_json(c, depth - 1) for _ in range(c.below(4))]
    return {text(c, 0, 8): any_json(c, depth - 1) for _ in range(c.below(4))}


def kinds() -> tuple[str, ...]:
    return _KINDS


NOT_JSON: Final = (b"{", b'{"a": }', b"{'a': 1}", b"[1,]", b"\xff\xfe{}", b"", b"NaN", b"{}}", b"nul")
_BREAKS: Final = ("sample", "cut", "comma", "quotes", "bare", "comment", "nan", "garbage", "twice")


def not_json(c: Chooser, valid: dict[str, JSON]) -> bytes:
    """Bytes that are not JSON: a sample, or the JSON of `valid` broken (cut short, a trailing comma,
    single quotes, bare names, a comment, NaN, something after it, written twice)."""
    how = c.pick(_BREAKS)
    good = json.dumps(valid, ensure_ascii=False)
    inner = good[1:-1]
    if how == "cut" and len(good) > 1:
        out = good[: c.below(len(good) - 1) + 1]
    elif how == "comma":
        out = "{" + inner + ("," if inner else ',"a":1,') + "}"
    elif how == "quotes":
        out = good.replace('"', "'") if inner else "{'a': 1}"
    elif how == "bare":
        out = "{" + ",".join(f"{k}: {json.dumps(v)}" for k, v in valid.items()) + "}" if valid else "{a: 1}"
    elif how == "comment":
        out = "/* " + text(c, 0, 12, "ascii").replace("*/", "") + " */ " + good
    elif how == "nan":
        key = next(iter(valid), "a")
        out = json.dumps({**valid, key: c.pick((math.nan, math.inf, -math.inf))})
    elif how == "garbage":
        out = good + c.pick((" x", "}", ",", "]", " {}", "\x00"))
    elif how == "twice":
        out = good + good
    else:
        return c.pick(NOT_JSON)
    raw = out.encode("utf-8", "surrogatepass")
    return raw if not _is_json(raw) else c.pick(NOT_JSON)


def _is_json(raw: bytes) -> bool:
    def refuse(name: str) -> JSON:
        raise ValueError(name)

    try:
        json.loads(raw.decode("utf-8"), parse_constant=refuse)
    except ValueError:
        return False
    return True


def not_an_object(c: Chooser, valid: dict[str, JSON]) -> JSON:
    """A JSON body that is not an object: a scalar, an array (maybe of the body), the body as a string."""
    roll = c.below(6)
    if roll == 0:
        return [valid] if c.chance(0.5) else []
    if roll == 1:
        return json.dumps(valid, ensure_ascii=False)  # the body encoded twice
    if roll == 2:
        return [any_json(c) for _ in range(c.below(4))]
    return of_kind(c, c.pick(("null", "boolean", "integer", "number", "string")))

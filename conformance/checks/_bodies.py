"""Generated request bodies of the derived schema vocabulary, each a function of its key alone.

Schemathesis can generate a body for any OpenAPI operation, and the harness falls back to it, but for the
small JSON Schema vocabulary `derive` writes (`KEYWORDS`) that generality costs: about 15 ms a body through
its case strategy, over a millisecond through hypothesis's own machinery. `positive` and `negative` compile
a schema once into a tree of drawers over a plain `random.Random` (`_values`), which draw a body in tens of
microseconds:

- valid ("positive"): every required property, any subset of the optional ones, nulls where allowed, the
  members an alternatives group needs, made of `_values`' edge values. Each body stresses one theme (its
  strings padded, non-ASCII, astral, with control characters, long or empty; nulls; edge values) and the
  first bodies of a run take each theme in turn, so even ten examples cover them all; body 1 sends every
  property with a value (each is then echoed and read back at least once), and bodies 2, 3, ... send each
  member of an alternatives group alone in turn;
- invalid ("negative"): a valid body broken in one place: a required property missing, a property (at any
  depth) mistyped or badly formatted (a format, enumeration, length or range it refuses), an undeclared
  property, an alternatives group left out or an exclusive one over-filled, a body that is not an object,
  or not JSON at all. The first bodies of a run take each way that applies in turn.

Body 0 is the simplest (every choice its simplest: see `_values.Chooser`). Whether a drawn body is valid is
still decided by the harness's validator, never by the mode it was drawn in. A schema using any keyword
outside `KEYWORDS` gets `None` here, and the caller uses schemathesis (`_fallback`).
"""

from __future__ import annotations

import copy
from typing import Final

from conformance.checks import _values as v
from conformance.checks._values import Chooser, Weighted
from conformance.contract.spec import JSON

KEYWORDS: Final = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "anyOf", "oneOf", "allOf",
        "format", "const", "enum", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
        "description", "title", "readOnly", "writeOnly", "example", "examples", "default", "deprecated",
    }
)  # fmt: skip
FORMATS: Final = frozenset({"date-time", "date", "uuid"})
JUDGED_FORMATS: Final = ("date-time", "uuid")  # the formats the harness's validator checks
_MAX_ITEMS: Final = 6  # lists longer than this find nothing shorter ones do not, and cost requests' time
THEMES: Final = ("padded", "wide", "nulls", "astral", "control", "edges", "ascii", "long", "empty", "any")
WAYS: Final = ("missing", "mistyped", "formatted", "not-json", "not-object", "undeclared", "group", "over")
_WAY_WEIGHTS: Final = {"missing": 2, "mistyped": 3, "formatted": 3, "undeclared": 1, "group": 2, "over": 1}
_NESTED_WAYS: Final = ("missing", "mistyped", "formatted", "undeclared", "group", "over")


class Unsupported(Exception):
    """The schema uses something these drawers do not draw: the caller falls back to schemathesis."""


class Gen:
    """Draws one value of a schema. `wrong` gives a value of the schema breaking it in `way` (mistyped,
    formatted), or None when it has none."""

    ways: tuple[str, ...] = ()  # the ways a value of this schema can be broken inside (objects)

    def draw(self, c: Chooser) -> JSON:
        raise NotImplementedError

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return False, None


class Bodies:
    """The bodies of one schema in one mode: `draw(key, index)` is body `index` of the run keyed `key`."""

    def __init__(self, root: Gen, *, negative: bool) -> None:
        self.root = root
        self.negative = negative  # then root is an Object
        self.ways = [w for w in WAYS if w in root.ways or w in ("not-json", "not-object")]
        self.weights = Weighted([(w, _WAY_WEIGHTS.get(w, 1)) for w in self.ways])

    def draw(self, key: str, index: int) -> JSON:
        """Body `index` (0: the simplest) from `random.Random(key)` alone."""
        c = Chooser(key, index - 1) if index else v.simplest()
        slot = index - 1
        if not self.negative:
            c.theme = THEMES[slot] if 0 <= slot < len(THEMES) else c.pick(THEMES) if index else ""
            full = slot == 0  # body 1 sends every property with a value: each is echoed and read back once
            c.optional = 1.0 if full or c.theme == "nulls" else c.rng.random()
            c.nulls = 0.0 if full else 0.9 if c.theme == "nulls" else 0.15
            return self.root.draw(c)
        c.optional = c.rng.random()
        c.nulls = 0.1
        valid = self.root.draw(c)
        assert isinstance(self.root, Object)
        assert isinstance(valid, dict)
        way = (
            self.ways[slot]
            if 0 <= slot < len(self.ways)
            else c.weighted(self.weights)
            if index
            else self.ways[0]
        )
        return broken(self.root, c, valid, way)


def broken(root: Object, c: Chooser, valid: dict[str, JSON], way: str) -> JSON:
    """`valid` broken in `way`; the next way that applies when this body has nothing to break so."""
    if way == "not-json":
        return v.not_json(c, valid)
    if way == "not-object":
        return v.not_an_object(c, valid)
    ok, body = root.breaks(c, way, valid)
    if ok:
        return body
    for other in WAYS:  # e.g. no optional nested object drawn: break it another way
        if other in root.ways and other != way:
            ok, body = root.breaks(c, other, valid)
            if ok:
                return body
    return v.not_an_object(c, valid)


def positive(schema: dict[str, JSON]) -> Bodies | None:
    """Valid bodies for `schema`, or None when it is outside `KEYWORDS`."""
    try:
        return Bodies(_compile(schema), negative=False)
    except Unsupported:
        return None


def negative(schema: dict[str, JSON]) -> Bodies | None:
    """Bodies that break `schema` in one place (most of them; the validator judges), or None."""
    try:
        root = _compile(schema)
    except Unsupported:
        return None
    if not isinstance(root, Object):
        return None
    return Bodies(root, negative=True)


# -- compiling a schema ------------------------------------------------------------------------------


def _compile(schema: JSON) -> Gen:
    if schema is True or schema == {}:
        return AnyJson()
    if not isinstance(schema, dict):
        raise Unsupported(f"schema {schema!r}")
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise Unsupported(f"keywords {sorted(unknown)}")
    if "const" in schema:
        return Enum([schema["const"]])
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise Unsupported("enum")
        return Enum(values)
    if "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        if schema.get("type") == "object":  # alternatives groups: handled with the object's properties
            return Object(schema)
        if set(schema) - {"anyOf", "description", "title"}:
            raise Unsupported("anyOf beside other keywords")
        branches = schema["anyOf"]
        if not isinstance(branches, list) or not branches:
            raise Unsupported("anyOf")
        return Choice([_compile(b) for b in branches])
    kinds = schema.get("type")
    if kinds is None:
        raise Unsupported("a schema without a type")
    if isinstance(kinds, list):
        if not kinds:
            raise Unsupported("type []")
        return Choice([_compile({**schema, "type": k}) for k in kinds])
    return _of_type(schema, kinds)


def _of_type(schema: dict[str, JSON], kind: JSON) -> Gen:
    if kind == "null":
        return Null()
    if kind == "boolean":
        return Boolean()
    if kind in ("integer", "number"):
        return Number(kind == "integer", _int(schema, "minimum"), _int(schema, "maximum"))
    if kind == "string":
        fmt = schema.get("format")
        if fmt is not None and (fmt not in FORMATS or "minLength" in schema or "maxLength" in schema):
            raise Unsupported(f"format {fmt!r}")
        return String(str(fmt) if fmt else "", _int(schema, "minLength") or 0, _int(schema, "maxLength"))
    if kind == "array":
        low = _int(schema, "minItems") or 0
        high = _int(schema, "maxItems")
        return Array(_compile(schema.get("items", {})), low, high)
    if kind == "object":
        return Object(schema)
    raise Unsupported(f"type {kind!r}")


def _int(schema: dict[str, JSON], key: str) -> int | None:
    value = schema.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unsupported(f"{key} {value!r}")
    return value


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


def _mistyped(c: Chooser, allowed: set[str]) -> tuple[bool, JSON]:
    """A value of a JSON kind outside `allowed` (an integer is a number too)."""
    outside = [k for k in v.kinds() if k not in allowed and not (k == "integer" and "number" in allowed)]
    if not outside:
        return False, None
    return True, v.of_kind(c, c.pick(outside))


# -- the drawers -------------------------------------------------------------------------------------


class AnyJson(Gen):
    def draw(self, c: Chooser) -> JSON:
        return v.any_json(c)


class Null(Gen):
    def draw(self, c: Chooser) -> JSON:
        return None

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return _mistyped(c, {"null"}) if way == "mistyped" else (False, None)


class Boolean(Gen):
    def draw(self, c: Chooser) -> JSON:
        return c.chance(0.5)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        return _mistyped(c, {"boolean"}) if way == "mistyped" else (False, None)


class Enum(Gen):
    def __init__(self, values: list[JSON]) -> None:
        self.values = values

    def draw(self, c: Chooser) -> JSON:
        return copy.deepcopy(c.pick(self.values))

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if way == "mistyped":
            return _mistyped(c, set().union(*(_kinds_of(x) for x in self.values)))
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
        self.typed = all(
            isinstance(b, Null | Boolean | Number | String | Array | Object | Enum) for b in branches
        )
        self.allowed: set[str] = set()
        for b in branches:
            self.allowed |= _kinds(b)

    def draw(self, c: Chooser) -> JSON:
        if not self.branches or (self.nullable and c.chance(c.nulls)):
            return None
        return c.pick(self.branches).draw(c)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if not self.typed:
            return False, None  # a branch takes any value (or one this cannot tell): nothing is wrong for it
        if way == "mistyped":
            return _mistyped(c, self.allowed)
        fitting = [b for b in self.branches if _kinds_of(value) & _kinds(b)] if value is not None else []
        if fitting:
            ok, bad = fitting[0].wrong(c, way, value)
            if ok and len(self.branches) == 1:
                return ok, bad
        return False, None


def _kinds(gen: Gen) -> set[str]:
    if isinstance(gen, Number):
        return {"integer"} if gen.whole else {"integer", "number"}
    if isinstance(gen, Enum):
        return set().union(*(_kinds_of(x) for x in gen.values))
    kind = {Null: "null", Boolean: "boolean", String: "string", Array: "array", Object: "object"}
    return {kind[type(gen)]} if type(gen) in kind else set()


class Number(Gen):
    def __init__(self, whole: bool, low: int | None, high: int | None) -> None:
        self.whole, self.low, self.high = whole, low, high

    def draw(self, c: Chooser) -> JSON:
        if self.whole or c.below(2) == 0:
            return v.integer(c, self.low, self.high)
        return v.number(c, self.low, self.high)

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        if way == "mistyped":
            return _mistyped(c, _kinds(self))
        if way == "formatted" and (self.low is not None or self.high is not None):
            if self.low is not None and (self.high is None or c.chance(0.5)):
                return True, self.low - 1 - (c.below(10) if self.whole else c.rng.random())
            assert self.high is not None
            return True, self.high + 1 + (c.below(10) if self.whole else c.rng.random())
        return False, None


class String(Gen):
    def __init__(self, fmt: str, low: int, high: int | None) -> None:
        self.fmt, self.low, self.high = fmt, low, high

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
            return _mistyped(c, {"string"})
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
    def __init__(self, item: Gen, low: int, high: int | None) -> None:
        self.item, self.low = item, low
        self.high = max(low, min(_MAX_ITEMS, high if high is not None else _MAX_ITEMS))
        self.limit = high
        self.ways = item.ways

    def draw(self, c: Chooser) -> JSON:
        return [self.item.draw(c) for _ in range(c.between(self.low, self.high))]

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        items = list(value) if isinstance(value, list) else []
        if way == "mistyped" and (not items or c.chance(0.5)):
            return _mistyped(c, {"array"})
        if way == "formatted" and self.limit is not None and c.chance(0.3):
            return True, items + [self.item.draw(c) for _ in range(self.limit + 1 - len(items))]
        at = c.below(len(items)) if items else 0
        current = items[at] if items else self.item.draw(c)
        ok, bad = self.item.wrong(c, way, current)
        if not ok:
            return _mistyped(c, {"array"}) if way == "mistyped" else (False, None)
        return True, [*items[:at], bad, *items[at + 1 :]] if items else [bad]


def _groups(schema: dict[str, JSON]) -> list[tuple[list[str], bool]]:
    """Alternatives groups (`anyOf`/`oneOf` of `{"required": [name]}`, maybe in an `allOf`):
    (names, exclusive)."""
    found: list[tuple[list[str], bool]] = []
    parts: list[tuple[str, JSON]] = [(k, schema[k]) for k in ("anyOf", "oneOf") if k in schema]
    for inner in schema.get("allOf") or []:
        if not isinstance(inner, dict) or set(inner) - {"anyOf", "oneOf"}:
            raise Unsupported("allOf")
        parts += [(k, inner[k]) for k in ("anyOf", "oneOf") if k in inner]
    for key, branches in parts:
        names = []
        for branch in branches if isinstance(branches, list) else []:
            required = branch.get("required") if isinstance(branch, dict) else None
            if set(branch) != {"required"} or not isinstance(required, list) or len(required) != 1:
                raise Unsupported(f"{key} that is not an alternatives group")
            names.append(str(required[0]))
        if not names:
            raise Unsupported(key)
        found.append((names, key == "oneOf"))
    return found


def _formattable(gen: Gen) -> bool:
    """Whether a value of `gen`'s own type can break it (a format, enumeration, length or range)."""
    if isinstance(gen, Choice):
        return len(gen.branches) == 1 and gen.typed and _formattable(gen.branches[0])
    if isinstance(gen, String):
        return gen.fmt in JUDGED_FORMATS or gen.low > 0 or gen.high is not None
    if isinstance(gen, Number):
        return gen.low is not None or gen.high is not None
    if isinstance(gen, Array):
        return gen.limit is not None or _formattable(gen.item)
    return isinstance(gen, Enum) or (isinstance(gen, Object) and "formatted" in gen.ways)


def _without_null(gen: Gen) -> Gen:
    """`gen` with its null branch removed: the member chosen to satisfy a group needs a value."""
    if isinstance(gen, Choice) and gen.nullable and gen.branches:
        return gen.branches[0] if len(gen.branches) == 1 else Choice(gen.branches)
    return gen


class Object(Gen):
    def __init__(self, schema: dict[str, JSON]) -> None:
        props = schema.get("properties", {})
        if not isinstance(props, dict):
            raise Unsupported("properties")
        if not isinstance(schema.get("additionalProperties", True), bool):
            raise Unsupported("additionalProperties with a schema")
        self.required = [str(n) for n in schema.get("required") or []]
        if any(name not in props for name in self.required):
            raise Unsupported("a required property that is not declared")
        self.props = {str(name): _compile(sub) for name, sub in props.items()}
        self.groups = _groups(schema)
        self.closed = schema.get("additionalProperties") is False
        own = {"missing"} if self.required else set()
        own |= {"mistyped"} if self.props else set()
        own |= {"formatted"} if any(_formattable(g) for g in self.props.values()) else set()
        own |= {"undeclared"} if self.closed else set()
        own |= {"group"} if self.groups else set()
        own |= {"over"} if any(exclusive and len(names) > 1 for names, exclusive in self.groups) else set()
        self.own = own
        ways = set(own)
        for gen in self.props.values():
            ways |= set(_without_null(gen).ways)
        self.ways = tuple(w for w in WAYS if w in ways)

    def draw(self, c: Chooser) -> JSON:
        chosen: list[str] = []
        banned: list[str] = []
        turn = c.slot - 1  # bodies 2, 3, ... send each member of a group alone in turn (body 1 sends all)
        for names, exclusive in self.groups:
            pick = names[turn] if 0 <= turn < len(names) else c.pick(names)
            chosen.append(pick)
            if exclusive or 0 <= turn < len(names):
                banned += [n for n in names if n != pick]
        body: dict[str, JSON] = {}
        for name, gen in self.props.items():
            if name in chosen:  # the member chosen to satisfy "either A or B is required": not a null
                body[name] = _without_null(gen).draw(c)
            elif name in self.required or (name not in banned and c.chance(c.optional)):
                body[name] = gen.draw(c)
        return body

    def wrong(self, c: Chooser, way: str, value: JSON) -> tuple[bool, JSON]:
        """As a property's value: mistyped itself (half the time) or broken inside."""
        if way == "mistyped" and (not isinstance(value, dict) or c.chance(0.5)):
            return _mistyped(c, {"object"})
        if not isinstance(value, dict):
            return False, None
        return self.breaks(c, way, value)

    def breaks(self, c: Chooser, way: str, value: dict[str, JSON]) -> tuple[bool, JSON]:
        """`value` (an object of this schema) broken in `way`, here or in a nested object or list."""
        body = dict(value)
        here = self._here(way, body)
        nested = [n for n, x in body.items() if n in self.props and isinstance(x, dict | list)]
        nested = [n for n in nested if way in _without_null(self.props[n]).ways]
        if here and (not nested or c.below(len(here) + len(nested)) < len(here)):
            ok, broken_ = self._break_here(c, way, body, here)
            if ok or not nested:
                return ok, broken_
        if not nested:
            return False, None
        name = c.pick(nested)
        ok, bad = _without_null(self.props[name]).wrong(c, way, body[name])
        if ok:
            body[name] = bad
        return ok, body

    def _here(self, way: str, body: dict[str, JSON]) -> list[str]:
        """What this object (not a nested one) can break in `way`: property names, or ["-"]."""
        if way not in self.own:
            return []
        if way == "missing":
            return [n for n in self.required if n in body]
        if way == "formatted":
            return [n for n in self.props if n in body or n in self.required]
        return list(self.props) if way == "mistyped" else ["-"]

    def _break_here(self, c: Chooser, way: str, body: dict[str, JSON], here: list[str]) -> tuple[bool, JSON]:
        if way == "missing":
            body.pop(c.pick(here))
        elif way in ("mistyped", "formatted"):
            candidates = list(here)
            while candidates:
                name = candidates.pop(c.below(len(candidates)))
                gen = self.props[name]
                current = body.get(name)
                if current is None:
                    current = _without_null(gen).draw(c)
                ok, bad = gen.wrong(c, way, current)
                if ok:
                    body[name] = bad
                    return True, body
            return False, None
        elif way == "undeclared":
            body[v.name(c, list(self.props))] = v.any_json(c)
        elif way == "group":
            names, _ = c.pick(self.groups)
            for member in names:
                body.pop(member, None)
        else:
            names, _ = c.pick([(names, ex) for names, ex in self.groups if ex and len(names) > 1])
            for member in names[:2]:
                if member in self.props:
                    body[member] = _without_null(self.props[member]).draw(c)
        return True, body

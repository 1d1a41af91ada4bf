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

from typing import Final

from conformance.checks import _values as v
from conformance.checks._drawers import (
    AnyJson,
    Array,
    Boolean,
    Choice,
    Enum,
    Gen,
    Null,
    Number,
    String,
    Unsupported,
    mistyped,
)
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
THEMES: Final = ("padded", "wide", "nulls", "astral", "control", "edges", "ascii", "long", "empty", "any")
WAYS: Final = ("missing", "mistyped", "formatted", "not-json", "not-object", "undeclared", "group", "over")
_WAY_WEIGHTS: Final = {"missing": 2, "mistyped": 3, "formatted": 3, "undeclared": 1, "group": 2, "over": 1}


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
    unknown = {k for k in set(schema) - KEYWORDS if not k.startswith("x-")}  # x-*: annotations, no rule
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


def _without_null(gen: Gen) -> Gen:
    """`gen` with its null branch removed: the member chosen to satisfy a group needs a value."""
    if isinstance(gen, Choice) and gen.nullable and gen.branches:
        return gen.branches[0] if len(gen.branches) == 1 else Choice(gen.branches)
    return gen


class Object(Gen):
    kinds = frozenset({"object"})

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
        own |= {"formatted"} if any(g.formattable for g in self.props.values()) else set()
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
            return mistyped(c, self.kinds)
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

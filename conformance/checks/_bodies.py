"""Hypothesis strategies for request bodies, built straight from the derived request schema.

Schemathesis can generate a body for any OpenAPI operation, and the harness falls back to it, but for the
small JSON Schema vocabulary `derive` writes (`KEYWORDS`) that generality costs: importing it takes half a
second, and drawing one body through its case strategy about 15 ms. The strategies here draw the same
kinds of bodies in well under a millisecond:

- valid ("positive"): every required property, any subset of the optional ones; strings from the whole
  UTF-8 alphabet (non-ASCII, control and astral characters included), RFC 3339 date-times with every offset
  and fraction length, dates, GUIDs in either case, unbounded integers, finite floats, nulls where allowed,
  the members an alternatives group needs;
- invalid ("negative"): a valid body broken in one place: a body that is not an object (or not JSON at
  all), a required property or alternatives group left out, an exclusive group over-filled, a property (at
  any depth) of a type, format or value its schema refuses, an undeclared property.

Whether a drawn body is valid is still decided by the harness's validator, never by the mode it was drawn
in. A schema using any keyword outside `KEYWORDS` gets `None` here, and the caller uses schemathesis.
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING, Any, Final

from hypothesis import strategies as st

from conformance.contract.spec import JSON

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy

KEYWORDS: Final = frozenset(
    {
        "type", "properties", "required", "additionalProperties", "items", "anyOf", "oneOf", "allOf",
        "format", "const", "enum", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
        "description", "title", "readOnly", "writeOnly", "example", "examples", "default", "deprecated",
    }
)  # fmt: skip
FORMATS: Final = frozenset({"date-time", "date", "uuid"})
_TYPES: Final = ("null", "boolean", "integer", "number", "string", "array", "object")
_MAX_ITEMS: Final = 6  # lists longer than this find nothing shorter ones do not, and cost requests' time


class Unsupported(Exception):
    """The schema uses something these strategies do not draw: the caller falls back to schemathesis."""


def positive(schema: dict[str, JSON]) -> SearchStrategy[JSON] | None:
    """Valid bodies for `schema`, or None when it is outside `KEYWORDS`."""
    try:
        return _valid(schema)
    except Unsupported:
        return None


def negative(schema: dict[str, JSON]) -> SearchStrategy[JSON] | None:
    """Bodies that break `schema` in one place (most of them; the validator judges), or None."""
    try:
        valid = _valid(schema)
        broken = _broken_object(schema, valid)
        # mostly an object broken in one place (what a client gets wrong), sometimes no object at all
        return st.integers(0, 4).flatmap(lambda n: _not_an_object() if n == 0 else broken)
    except Unsupported:
        return None


# -- valid values ------------------------------------------------------------------------------------


def _valid(schema: JSON) -> SearchStrategy[JSON]:
    if schema is True or schema == {}:
        return _any_json()
    if not isinstance(schema, dict):
        raise Unsupported(f"schema {schema!r}")
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise Unsupported(f"keywords {sorted(unknown)}")
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        values = schema["enum"]
        if not isinstance(values, list) or not values:
            raise Unsupported("enum")
        return st.sampled_from(values)
    if "anyOf" in schema or "oneOf" in schema or "allOf" in schema:
        if schema.get("type") == "object":  # alternatives groups: handled with the object's properties
            return _object(schema)
        if set(schema) - {"anyOf", "description", "title"}:
            raise Unsupported("anyOf beside other keywords")
        branches = schema["anyOf"]
        if not isinstance(branches, list) or not branches:
            raise Unsupported("anyOf")
        return st.one_of([_valid(b) for b in branches])
    kinds = schema.get("type")
    if kinds is None:
        raise Unsupported("a schema without a type")
    if isinstance(kinds, list):
        return st.one_of([_valid({**schema, "type": k}) for k in kinds])
    return _of_type(schema, kinds)


def _of_type(schema: dict[str, JSON], kind: JSON) -> SearchStrategy[JSON]:
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(min_value=_int(schema, "minimum"), max_value=_int(schema, "maximum"))
    if kind == "number":
        low, high = _int(schema, "minimum"), _int(schema, "maximum")
        return st.integers(min_value=low, max_value=high) | st.floats(
            min_value=low, max_value=high, allow_nan=False, allow_infinity=False
        )
    if kind == "string":
        return _string(schema)
    if kind == "array":
        items = schema.get("items", {})
        low = _int(schema, "minItems") or 0
        high = _int(schema, "maxItems")
        return st.lists(_valid(items), min_size=low, max_size=max(low, min(_MAX_ITEMS, high or _MAX_ITEMS)))
    if kind == "object":
        return _object(schema)
    raise Unsupported(f"type {kind!r}")


def _int(schema: dict[str, JSON], key: str) -> int | None:
    value = schema.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unsupported(f"{key} {value!r}")
    return value


@functools.cache
def _text(min_size: int = 0, max_size: int | None = None) -> SearchStrategy[str]:
    # the alphabet schemathesis asks for: every code point UTF-8 carries (its table is seeded, see _unicode)
    return st.text(st.characters(codec="utf-8"), min_size=min_size, max_size=max_size)


def _string(schema: dict[str, JSON]) -> SearchStrategy[JSON]:
    fmt = schema.get("format")
    if fmt is not None:
        if fmt not in FORMATS or "minLength" in schema or "maxLength" in schema:
            raise Unsupported(f"format {fmt!r}")
        return {"date-time": _datetime(), "date": _date(), "uuid": _guid()}[str(fmt)]
    low, high = _int(schema, "minLength") or 0, _int(schema, "maxLength")
    return _text(low, high) if low or high is not None else _free_text()


@functools.cache
def _free_text() -> SearchStrategy[str]:
    """Any text, with the shapes servers mishandle drawn often: padding, ASCII only, non-ASCII only."""
    blank = st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u3000"])
    padded = st.builds(lambda a, t, b: a + t + b, blank, _text(min_size=1), blank)
    ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1)
    wide = st.text(st.characters(min_codepoint=0x80, codec="utf-8"), min_size=1)
    return st.one_of(_text(), padded, ascii_text, wide)


def _date() -> SearchStrategy[str]:
    return st.dates().map(lambda d: d.isoformat())


def _guid() -> SearchStrategy[str]:
    return st.builds(lambda u, upper: str(u).upper() if upper else str(u), st.uuids(), st.booleans())


def _datetime() -> SearchStrategy[str]:
    """RFC 3339 date-times as a client may write them: Z or z or any offset, 0-7 fraction digits."""

    offsets = st.one_of(
        st.sampled_from(["Z", "z", "+00:00"]),
        st.builds(
            lambda sign, h, m: f"{sign}{h:02d}:{m:02d}",
            st.sampled_from("+-"),
            st.integers(0, 23),
            st.sampled_from([0, 30, 45]),
        ),
    )
    fractions = st.integers(0, 7).flatmap(
        lambda n: st.just("") if n == 0 else st.integers(0, 10**n - 1).map(lambda f: f".{f:0{n}d}")
    )
    return st.builds(
        lambda when, fraction, offset: when.replace(microsecond=0).isoformat() + fraction + offset,
        st.datetimes(),
        fractions,
        offsets,
    )


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


def _properties(schema: dict[str, JSON]) -> dict[str, JSON]:
    props = schema.get("properties", {})
    if not isinstance(props, dict):
        raise Unsupported("properties")
    return props


def _object(schema: dict[str, JSON]) -> SearchStrategy[JSON]:
    props = _properties(schema)
    if not isinstance(schema.get("additionalProperties", True), bool):
        raise Unsupported("additionalProperties with a schema")
    required = [str(n) for n in schema.get("required") or []]
    if any(name not in props for name in required):
        raise Unsupported("a required property that is not declared")
    values = {name: _valid(sub) for name, sub in props.items()}
    groups = _groups(schema)
    # the member chosen to satisfy "either A or B is required" gets a value: a null one may not count
    members = {name for names, _ in groups for name in names if name in props}
    present = {name: _valid(_without_null(props[name])) for name in members}
    if not groups:
        return st.fixed_dictionaries(
            {n: values[n] for n in required}, optional={n: v for n, v in values.items() if n not in required}
        )

    @st.composite
    def draw(data: Any) -> JSON:
        must = set(required)
        banned: set[str] = set()
        chosen_ones = set()
        for names, exclusive in groups:
            chosen = data(st.sampled_from(names))
            must.add(chosen)
            chosen_ones.add(chosen)
            if exclusive:
                banned |= set(names) - {chosen}
        banned -= must
        body = data(
            st.fixed_dictionaries(
                {n: present[n] if n in chosen_ones else values[n] for n in props if n in must},
                optional={n: values[n] for n in props if n not in must and n not in banned},
            )
        )
        return dict(body)

    return draw()


def _without_null(schema: JSON) -> JSON:
    """`schema` with its null branch removed (`{"anyOf": [X, {"type": "null"}]}` gives X)."""
    if isinstance(schema, dict) and isinstance(schema.get("anyOf"), list):
        rest = [b for b in schema["anyOf"] if b != {"type": "null"}]
        if len(rest) == 1 and len(schema) == 1:
            return rest[0]
        return {**schema, "anyOf": rest} if rest else schema
    return schema


@functools.cache
def _any_json() -> SearchStrategy[JSON]:
    scalars = (
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _text()
    )
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text(max_size=8), inner, max_size=3),
        max_leaves=6,
    )


# -- invalid values ----------------------------------------------------------------------------------


@functools.cache
def _not_an_object() -> SearchStrategy[JSON]:
    others = st.none() | st.booleans() | st.integers() | _text() | st.lists(_any_json(), max_size=3)
    not_json = st.sampled_from([b"{", b'{"a": }', b"{'a': 1}", b"[1,]", b"\xff\xfe{}", b"", b"NaN"])
    return not_json | others


def _wrong_value(schema: JSON) -> SearchStrategy[JSON]:
    """A value `schema` refuses (type, format, enum or const; nested objects broken inside)."""
    if not isinstance(schema, dict) or schema == {}:
        return st.nothing()
    if "const" in schema or "enum" in schema:
        allowed = [schema["const"]] if "const" in schema else list(schema["enum"])
        return _any_json().filter(lambda v: v not in allowed)
    branches = schema["anyOf"] if "anyOf" in schema and schema.get("type") != "object" else [schema]
    if not isinstance(branches, list) or not all(isinstance(b, dict) for b in branches):
        return st.nothing()
    kinds: set[str] = set()
    for branch in branches:
        kind = branch.get("type")
        if kind is None:
            return st.nothing()  # a branch takes any value (or one this cannot tell): nothing is wrong for it
        kinds |= set(kind) if isinstance(kind, list) else {str(kind)}
    outside = [t for t in _TYPES if t not in kinds and not (t == "integer" and "number" in kinds)]
    typed = [b for b in branches if b.get("type") not in (None, "null")]
    return st.one_of([_of_kind(outside)] + [_inside(b) for b in typed])


def _of_kind(kinds: list[str]) -> SearchStrategy[JSON]:
    makers: dict[str, SearchStrategy[JSON]] = {
        "null": st.none(),
        "boolean": st.booleans(),
        "integer": st.integers(),
        "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        "string": _text(),
        "array": st.lists(_any_json(), max_size=3),
        "object": st.dictionaries(_text(max_size=8), _any_json(), max_size=3),
    }
    return st.one_of([makers[k] for k in kinds]) if kinds else st.nothing()


def _inside(schema: dict[str, JSON]) -> SearchStrategy[JSON]:
    """A value of the schema's own type that breaks it inside: a bad format, an item or a property."""
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string" and fmt in FORMATS:
        samples = ["", "yesterday", "2024-13-45T25:61:00Z", "2024-05-17T09:30:00", "12345", "not-a-guid"]
        return st.sampled_from(samples) | _text(min_size=1, max_size=12).filter(lambda s: "-" not in s)
    if kind == "array":
        return st.builds(lambda bad: [bad], _wrong_value(schema.get("items", {})))
    if kind == "object" and _properties(schema):
        return _broken_object(schema, _valid(schema))
    return st.nothing()


def _broken_object(schema: dict[str, JSON], valid: SearchStrategy[JSON]) -> SearchStrategy[JSON]:
    props = _properties(schema)
    required = [str(n) for n in schema.get("required") or []]
    groups = _groups(schema)
    bad_values = {name: bad for name, sub in props.items() if not (bad := _wrong_value(sub)).is_empty}

    @st.composite
    def draw(data: Any) -> JSON:
        body = dict(data(valid))
        ways = ["type"] if bad_values else []
        ways += ["missing"] if required else []
        ways += ["group"] if groups else []
        ways += ["undeclared"] if schema.get("additionalProperties") is False else []
        if not ways:
            return data(_not_an_object())
        way = data(st.sampled_from(ways))
        if way == "type":
            name = data(st.sampled_from(sorted(bad_values)))
            body[name] = data(bad_values[name])
        elif way == "missing":
            body.pop(data(st.sampled_from(required)), None)
        elif way == "group":
            names, exclusive = data(st.sampled_from(groups))
            for name in names:
                body.pop(name, None)
            if exclusive and len(names) > 1 and data(st.booleans()):
                for name in names[:2]:
                    body[name] = data(_valid(props.get(name, {})))
        else:
            extra = data(_text(min_size=1, max_size=12).filter(lambda n: n not in props and n[0] != "@"))
            body[extra] = data(_any_json())
        return body

    return draw()


# -- drawing -----------------------------------------------------------------------------------------


@functools.cache
def direct_drawing() -> bool:
    """Whether this hypothesis lets `draw` work outside its engine. `draw` uses hypothesis internals
    (`ConjectureData`, `BuildContext`), which a later release may change; then `engine_bodies` is used.
    The answer holds for the process, and it decides which bodies a seed draws: the caller asks under the
    lock every draw takes (`fuzz._GENERATING`), so a probe never runs beside another thread's draw."""
    try:
        draw(st.integers(), "probe")
        draw(st.integers(), "probe", simplest=True)
    except (ImportError, AttributeError, TypeError):
        return False
    return True


def engine_bodies(strategy: SearchStrategy[JSON], key: str, count: int) -> list[JSON]:
    """Up to `count` bodies hypothesis's own engine draws from `strategy` with seed `key`, through its public
    API only: the same bodies for the same key, the simplest first, slower than `draw`."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    out: list[JSON] = []

    @seed(key)
    @settings(
        max_examples=max(count, 1),
        phases=(Phase.generate,),
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(body: JSON) -> None:
        out.append(body)

    collect()
    return out


def draw(strategy: SearchStrategy[JSON], key: str, *, simplest: bool = False) -> tuple[bool, JSON]:
    """(True, a body) drawn from `strategy` by a generator seeded with `key` alone, or (False, None) when
    this draw was rejected (a filter gave up). The same key draws the same body in any process, thread or
    order, so a run's bodies depend on its seed only, never on timing or concurrency. `simplest` draws the
    simplest body instead (each choice its simplest: empty strings, zeros, the first alternative), which
    is where hypothesis's own engine starts too.

    Each body is drawn on its own, outside hypothesis's test engine: the engine's bookkeeping (mutating
    earlier examples, tracking which were seen) costs more than the draw itself, and a failure is made
    smaller by `_shrink` on the body, not on hypothesis's choices.
    """
    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest
    from hypothesis.internal.conjecture.data import ConjectureData

    prefix: list[Any] = []
    if simplest:
        try:
            from hypothesis.internal.conjecture.choice import ChoiceTemplate
        except ImportError:  # another hypothesis version: no simplest body, the drawn ones still come
            return False, None
        prefix = [ChoiceTemplate("simplest", count=None)]
    data = ConjectureData(random=random.Random(key), prefix=prefix)
    try:
        with BuildContext(data, is_final=False, wrapped_test=draw):
            return True, data.draw(strategy)
    except StopTest:
        return False, None
    finally:
        data.freeze()

"""How the harness judges what a target sent back: each rule of README's "How the harness judges", once.

- `same_datetime`: a returned date-time is the sent instant (written with any number of fraction digits),
  or the sent instant truncated or rounded to fewer fraction digits (OData CSDL: a DateTimeOffset's
  Precision facet is 0 to 12 fraction digits).
- `degenerate`: a schema-valid string a real service may refuse (empty, whitespace only, control characters).
- `excused_rejection`: a 4xx with a proper error body for a schema-valid body is a note, never a failure,
  when the body holds a degenerate value, or a value its property's description does not list among the
  possible values (`undocumented_values`; checked by its twin, `with_documented_values`), or when
  known-good values (`--value`) were given and the body varies something else.
- `omitted_null_is_legal`: a sent null for an optional property may be left out of the response
  (OData `omit-values=nulls`).
- `same_key`: a key read back names the same entity: GUIDs compared regardless of case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING

from conformance.contract.spec import GUID_RE, JSON, Property

if TYPE_CHECKING:
    from conformance.target.client import Reply

_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|([+-])(\d{2}):(\d{2}))", re.ASCII
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def instant(text: str) -> tuple[Fraction, int] | None:
    """(seconds since the epoch, exactly; number of fraction digits written), or None if not a date-time."""
    m = _DATETIME.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    digits = m.group(7) or ""
    try:
        wall = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:  # an impossible date, or a leap second: compared as text
        return None
    offset = timedelta(0)
    if m.group(9):
        sign = 1 if m.group(9) == "+" else -1
        offset = sign * timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
    whole = (wall - _EPOCH - offset) // timedelta(seconds=1)
    fraction = Fraction(int(digits), 10 ** len(digits)) if digits else Fraction(0)
    return Fraction(whole) + fraction, len(digits)


def same_datetime(sent: str, got: str) -> bool:
    """True when `got` names the instant `sent` names at the precision `got` is written in.

    The sent instant passes however many fraction digits it is written with (a fixed-width writer such as
    .NET's "o" format pads `09:30:00Z` to `09:30:00.0000000Z`: the same instant); so does the sent instant
    truncated or rounded (half up or half even) to fewer digits. A different instant, an offset applied
    wrongly, or extra digits that are not zeros (a precision the client never gave) do not. Values that are
    not RFC 3339 date-times are compared as text.
    """
    a, b = instant(sent), instant(got)
    if a is None or b is None:
        return sent == got
    (s, sent_digits), (g, got_digits) = a, b
    if got_digits >= sent_digits:
        return g == s  # as precise as sent, or padded with zeros: only the sent instant itself
    unit = Fraction(1, 10**got_digits)
    floor = (s // unit) * unit
    rest = s - floor
    return g == floor or (rest * 2 >= unit and g == floor + unit)


def degenerate(value: str) -> bool:
    """Empty, whitespace only, or holding a control character (Unicode category Cc)."""
    return value.strip() == "" or any(unicodedata.category(c) == "Cc" for c in value)


def degenerate_values(body: JSON, where: str = "") -> Iterator[tuple[str, str]]:
    """(JSON pointer, value) of every degenerate string in `body`, keys included, depth first."""
    stack: list[tuple[str, JSON]] = [(where, body)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, str):
            if degenerate(value):
                yield pointer or "/", value
        elif isinstance(value, dict):
            for key, item in reversed(list(value.items())):
                if degenerate(key):
                    yield f"{pointer}/{key}", key
                stack.append((f"{pointer}/{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{i}", item) for i, item in reversed(list(enumerate(value))))


def without_degenerate_values(body: JSON) -> JSON:
    """`body` with every degenerate string value made plain (control characters dropped, trimmed, "a" if
    nothing is left); names are kept. The twin that tells whether a refusal was for a degenerate value."""
    if isinstance(body, str):
        if not degenerate(body):
            return body
        plain = "".join(c for c in body if unicodedata.category(c) != "Cc").strip()
        return plain or "a"
    if isinstance(body, dict):
        return {key: without_degenerate_values(value) for key, value in body.items()}
    if isinstance(body, list):
        return [without_degenerate_values(value) for value in body]
    return body


def undocumented_values(properties: Sequence[Property], body: JSON) -> Iterator[tuple[str, str]]:
    """(JSON pointer, value) of each string `body` sends for a property whose description lists its possible
    values (`Property.values`) that is not among them. Such a value is schema-valid (the list is no enum: a
    lenient server may take others), and a server that refuses it does what the page announces."""
    if not isinstance(body, dict):
        return
    for prop in properties:
        value = body.get(prop.name)
        if prop.values and isinstance(value, str) and value not in prop.values:
            yield f"/{prop.name}", value


def with_documented_values(properties: Sequence[Property], body: JSON) -> JSON:
    """`body` with each undocumented value (`undocumented_values`) replaced by its property's first listed
    value: the twin that tells whether a refusal was for that value."""
    if not isinstance(body, dict):
        return body
    listed = {p.name: p.values[0] for p in properties if p.values}
    odd = {pointer[1:] for pointer, _value in undocumented_values(properties, body)}
    return {name: listed[name] if name in odd else value for name, value in body.items()}


def proper_error_body(reply: Reply) -> bool:
    """A JSON object whose `error` has a string `code` and a string `message` (OData JSON §21.1)."""
    try:
        body = reply.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return (
        isinstance(error, dict)
        and isinstance(error.get("code"), str)
        and isinstance(error.get("message"), str)
    )


def varies_known(body: JSON, known: Mapping[str, JSON]) -> bool:
    """True when known-good values were given and `body` sends something besides them."""
    if not known or not isinstance(body, dict):
        return False
    return any(name not in known or known[name] != value for name, value in body.items())


def excused_rejection(
    body: JSON, reply: Reply, known: Mapping[str, JSON], properties: Sequence[Property] = ()
) -> str | None:
    """Why a 4xx for the schema-valid `body` is reported as a note rather than a failure, or None.

    Only a 4xx that says why (a proper error body) is excused: the page does not promise that degenerate
    values are accepted, nor values outside those a description lists (`properties`' `values`), and a real
    service checks values it was not told are good (an unknown userId). The caller checks the twin
    (`without_degenerate_values`, `with_documented_values`) where it can send one.
    """
    if not 400 <= reply.status <= 499 or not proper_error_body(reply):
        return None
    odd = next(degenerate_values(body), None)
    if odd is not None:
        return f"a degenerate value at {odd[0]} was refused with {reply.status} and an error body (allowed)"
    unlisted = next(undocumented_values(properties, body), None)
    if unlisted is not None:
        return (
            f"a value at {unlisted[0]} that its description does not list among the possible values was "
            f"refused with {reply.status} and an error body (allowed)"
        )
    if varies_known(body, known):
        return (
            f"a generated body beyond the known-good values (--value) was refused with {reply.status} "
            "and an error body (reported, not counted)"
        )
    return None


def same_key(a: JSON, b: JSON) -> bool:
    """Two key values name the same entity: equal strings, or GUIDs equal but for case (RFC 9562 §4: a
    GUID's hex digits are case-insensitive on input), so `guid-uppercase` reads back as the same id."""
    if isinstance(a, str) and isinstance(b, str) and GUID_RE.match(a) and GUID_RE.match(b):
        return a.casefold() == b.casefold()
    return isinstance(a, str) and isinstance(b, str) and a == b


def omitted_null_is_legal(prop: Property, sent: JSON) -> bool:
    """A null sent for an optional property may be absent from the response (OData omit-values=nulls)."""
    return sent is None and not prop.required.value


__all__ = [
    "degenerate",
    "degenerate_values",
    "excused_rejection",
    "instant",
    "omitted_null_is_legal",
    "proper_error_body",
    "same_datetime",
    "same_key",
    "undocumented_values",
    "varies_known",
    "with_documented_values",
    "without_degenerate_values",
]

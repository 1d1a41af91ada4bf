"""JSON Schema validation with format checking that does not depend on optional packages.

jsonschema checks no format unless told to, and its `date-time` check silently passes when
the optional `rfc3339-validator` is absent. The harness registers its own checkers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from referencing import Registry

from conformance.contract.spec import GUID_RE, JSON

# RFC 3339 date-time (OData DateTimeOffset): date, 'T', time, optional fraction, mandatory offset.
_DATETIME_RE = re.compile(
    r"\A(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)

FORMAT_CHECKER = FormatChecker(formats=())
# No retrieval: a `$ref` that is not inside the schema fails instead of being fetched (jsonschema's default
# registry still fetches remote references, with only a deprecation warning). Spec files are also checked
# and their references inlined when they are loaded (`specfile`); this is the second lock.
NO_RETRIEVAL: Registry[JSON] = Registry()


def is_datetime(value: object) -> bool:
    """True for an RFC 3339 date-time with offset; non-strings pass (type is checked elsewhere)."""
    if not isinstance(value, str):
        return True
    return parse_datetime(value) is not None


def is_guid(value: object) -> bool:
    """GUID shape 8-4-4-4-12 hex, any case, no variant bits demanded."""
    if not isinstance(value, str):
        return True
    return GUID_RE.match(value) is not None


FORMAT_CHECKER.checks("date-time")(is_datetime)
FORMAT_CHECKER.checks("uuid")(is_guid)


def parse_datetime(value: str) -> datetime | None:
    """The instant an RFC 3339 date-time names, or None if it is not one."""
    m = _DATETIME_RE.match(value)
    if m is None:
        return None
    text = value.upper().replace("Z", "+00:00")
    if m.group(7) and len(m.group(7)) > 7:  # fromisoformat takes at most 6 fraction digits
        text = text.replace(m.group(7), m.group(7)[:7])
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


@functools.lru_cache(maxsize=256)
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """A JSON Schema `pattern` (ECMA-262) compiled so Python evaluates it the same way: `$` outside a
    character class is the end of the value (Python's `$` also matches before a final newline, so a GUID
    followed by "\n" would pass `^...$`). The pattern in the derived OpenAPI file stays ECMA-262."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        out.append(r"\Z" if ch == "$" and not in_class else ch)
        i += 1
    return re.compile("".join(out))


def _pattern(
    validator: Any, pattern: str, instance: JSON, schema: dict[str, JSON]
) -> Iterator[ValidationError]:
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, JSON], instance: JSON, schema: dict[str, JSON]
) -> Iterator[ValidationError]:
    if not isinstance(instance, dict):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if ecma_regex(pattern).search(name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


# The harness's validator: 2020-12 with `pattern` and `patternProperties` evaluated as ECMA-262 does
# (`additionalProperties` keeps jsonschema's own lookup: the derived schemas' only pattern property is `^@`).
Validator = validators.extend(
    Draft202012Validator,
    {
        "pattern": _pattern,
        "patternProperties": _pattern_properties,
    },
)


def validation_errors(instance: JSON, schema: dict[str, JSON]) -> list[tuple[str, str]]:
    """(JSON pointer, message) for each way `instance` breaks `schema`, formats included, sorted."""
    validator = Validator(schema, format_checker=FORMAT_CHECKER, registry=NO_RETRIEVAL)
    out = []
    for err in validator.iter_errors(instance):
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in err.absolute_path)
        out.append((pointer if err.absolute_path else "", err.message))
    return sorted(out)

"""Known-good values (`--value NAME=JSON_OR_TEXT`): parsed once, checked against the operation's schema.

A real service checks more than the page says (a `userId` must name an existing user), so the user
gives values it accepts; every request that must succeed sends them, and generated bodies keep them.
"""

from __future__ import annotations

import json

from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, Operation
from conformance.errors import ConfigError, did_you_mean


def parse_value(text: str) -> JSON:
    """`text` as JSON when it is JSON (NaN and Infinity are not), else the text itself as a string."""

    def no_constant(name: str) -> JSON:
        raise ValueError(name)

    try:
        value: JSON = json.loads(text, parse_constant=no_constant)
    except ValueError:
        return text
    return value


def known_values(op: Operation, pairs: tuple[tuple[str, str], ...], flag: str = "--value") -> dict[str, JSON]:
    """NAME -> value for each --value; a name the operation does not let a client send, or a value its
    schema rejects, raises `ConfigError` (one line, exit 2) naming the option as `flag`."""
    out: dict[str, JSON] = {}
    writable = [p.name for p in op.properties if not p.read_only]
    for name, text in pairs:
        prop = op.property(name)
        if prop is None or prop.read_only:
            why = "is read-only on the page" if prop is not None else "is not a property the page declares"
            raise ConfigError(
                f"{flag} {name}=...: {name!r} {why}{did_you_mean(name, writable)}; "
                f"known-good values can be given for: {', '.join(writable) or '(none)'}"
            )
        value = parse_value(text)
        errors = [] if value is None and prop.nullable else validation_errors(value, prop.schema)
        if errors:
            hint = ""
            if isinstance(value, int | float | bool) or value is None:
                hint = f" (for the text, quote it as JSON: {flag} '{name}=\"{text}\"')"
            raise ConfigError(
                f"{flag} {name}={_shown(text)}: not a valid {prop.doc_type}: {_shown(errors[0][1])}{hint}"
            )
        out[name] = value
    return out


def _shown(text: str, limit: int = 80) -> str:
    """`text` for a one-line message: control characters escaped, long text cut."""
    flat = "".join(c if c.isprintable() else json.dumps(c)[1:-1] for c in text)
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


__all__ = ["known_values", "parse_value"]

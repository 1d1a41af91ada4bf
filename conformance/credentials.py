"""What a run sends with every request, checked once at start: the bearer token and the `--header` pairs.

A value that an HTTP header cannot carry (CR, LF, NUL, another control character, a character outside
latin-1) would make every request of the run fail inside the HTTP library, whose error quotes the value.
So it is refused here, before any request, with one line that names the setting and the kind of
character but never the value. Surrounding whitespace (a secret stored with a trailing newline) is
stripped, and the run says so in a note. Header names must be RFC 9110 tokens.
"""

from __future__ import annotations

import re
import unicodedata

from conformance.errors import ConfigError

# RFC 9110 §5.6.2: a field name is a token of these characters.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# What is stripped around a value: the whitespace a shell, an env file or a secret store leaves behind.
_AROUND = " \t\r\n\v\f"


def unsendable(value: str) -> str | None:
    """What in `value` an HTTP header field value cannot carry (RFC 9110 §5.5), or None when all is well.

    The answer names a kind of character, never the character's place or the value."""
    for c in value:
        if c in "\r\n":
            return "a line break (CR or LF)"
        if c == "\0":
            return "a NUL character"
        if c != "\t" and unicodedata.category(c) == "Cc":
            return "a control character"
        if ord(c) > 0xFF:
            return "a character outside latin-1, which HTTP headers cannot carry"
    return None


def clean_value(value: str) -> tuple[str, str]:
    """`value` with surrounding whitespace stripped, and what was stripped."""
    stripped = value.strip(_AROUND)
    start = len(value) - len(value.lstrip(_AROUND))
    return stripped, value[:start] + value[start + len(stripped) :]


def check_token(raw: str, *, how_to_set: str) -> tuple[str, bool]:
    """The token to send (stripped) and whether it was; `ConfigError` when a header cannot carry it."""
    token, gone = clean_value(raw)
    problem = unsendable(token)
    if problem:
        raise ConfigError(
            f"the token holds {problem} (the value is not shown); set it again without it ({how_to_set})"
        )
    return token, bool(gone)


def check_header(header: str, *, flag: str) -> tuple[str, bool]:
    """A `Name: value` pair as it will be sent (value stripped) and whether its value lost more than the
    usual spaces; `ConfigError` for a name that is not a token or a value a header cannot carry."""
    name, colon, value = header.partition(":")
    name = name.strip(" \t")
    if not colon:
        raise ConfigError(
            f"a {flag} value without ':'; expected 'Name: value', e.g. {flag} 'X-Tenant: contoso'"
        )
    if not _TOKEN.fullmatch(name):  # the name is not shown: a mistyped header may hold a secret there
        bad = next((c for c in name if not _TOKEN.fullmatch(c)), None)
        what = (
            "is empty"
            if bad is None
            else f"holds {unsendable(bad) or ('a space' if bad.isspace() else f'the character {bad!r}')}"
        )
        raise ConfigError(
            f"a {flag} name {what}, which a header name cannot (letters, digits and !#$%&'*+-.^_`|~ only); "
            f"expected 'Name: value', e.g. {flag} 'X-Tenant: contoso'"
        )
    cleaned, gone = clean_value(value)
    problem = unsendable(cleaned)
    if problem:
        raise ConfigError(f"{flag} {name!r}: the value holds {problem} (the value is not shown)")
    return f"{name}: {cleaned}", any(c not in " \t" for c in gone)

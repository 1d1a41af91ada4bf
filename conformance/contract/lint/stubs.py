"""Lint rules for what the stub generator left behind: TODOs, placeholder metadata, values and GUIDs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from conformance.contract.lint.base import Hit, LintContext, plain, rule
from conformance.contract.spec import Severity

_TODO_RE = re.compile(r"\*\*\s*TODO\b[^*|]*\**|\bTODO\s*:[^*|]*")
_GUID_ANY_RE = re.compile(
    r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])"
)
_KEY_VALUE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ARRAY_ITEM_RE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*,?\s*\Z')
# The stub generator writes an EDM type name (capitalised, maybe with a hint) where a value belongs.
_TYPE_NAMES = (
    "String|Boolean|Int16|Int32|Int64|Integer|Byte|SByte|Double|Single|Decimal|Guid|GUID|"
    "DateTimeOffset|DateTime|Date|TimeOfDay|Duration|Binary|Stream|Collection\\(.*\\)"
)
_PLACEHOLDER_RE = re.compile(rf"^(?:Edm\.)?(?:{_TYPE_NAMES})(?:\s*\([^()]*\))?\Z|^<[^<>]+>\Z")


def is_mirrored_guid(value: str) -> bool:
    """True for the stub generator's GUIDs: every 16-bit word after the first group is a word of
    the first group or that word byte-swapped (e.g. `83876b0d-6b0d-8387-0d6b-87830d6b8783`).

    A GUID made of one repeated byte (the nil GUID) is a deliberate value and does not count.
    """
    raw = bytes.fromhex(value.replace("-", ""))
    if len(raw) != 16 or len(set(raw)) < 2:
        return False
    first = [raw[0:2], raw[2:4]]
    allowed = {*first, *(w[::-1] for w in first)}
    return all(raw[i : i + 2] in allowed for i in range(4, 16, 2))


def is_placeholder_value(value: str) -> bool:
    """True for a stub example value: an EDM type name ("String (timestamp)", "Int32") or "<value>"."""
    return _PLACEHOLDER_RE.match(value.strip()) is not None


def _todos(ctx: LintContext) -> Iterator[tuple[int, str, str]]:
    """(line, page text, snippet) of every TODO placeholder on the page."""
    for i, text in enumerate(ctx.page.lines, start=1):
        m = _TODO_RE.search(text)
        if m is not None:
            yield i, text, plain(m.group(0))[:100]


@rule("DOC-TODO", Severity.WARNING, "A `TODO:` or `**TODO ...**` placeholder is left in the page text.")
def todo(ctx: LintContext) -> Iterator[Hit]:
    for i, _text, snippet in _todos(ctx):
        if i < ctx.front_end:
            continue  # DOC-STUB-METADATA
        row = ctx.row_anchor.get(i)
        what = f"row '{row}' of the table in '{ctx.section_of(i)}'" if row else f"'{ctx.section_of(i)}'"
        yield Hit(line=i, message=f"{what} still holds a TODO placeholder: {snippet!r}")


@rule(
    "DOC-STUB-METADATA",
    Severity.WARNING,
    "Front matter (author, ms.prod) is still the stub generator's placeholder.",
)
def stub_metadata(ctx: LintContext) -> Iterator[Hit]:
    for i, text, snippet in _todos(ctx):
        if i >= ctx.front_end:
            continue  # DOC-TODO
        key = text.split(":", 1)[0].strip()
        yield Hit(
            line=i,
            message=f"front matter '{key}' is still the stub generator's placeholder ({snippet!r}); "
            "fill in the real value",
            anchor=key,
        )


@rule(
    "DOC-PLACEHOLDER-VALUE",
    Severity.WARNING,
    'An example value is a type name ("String", "Int32") or "<value>" instead of a real value.',
)
def placeholder_value(ctx: LintContext) -> Iterator[Hit]:
    for line, text, _ in ctx.block_lines():
        for m in _KEY_VALUE_RE.finditer(text):
            key, value = m.group(1), _unescape(m.group(2))
            if is_placeholder_value(value):
                yield Hit(
                    line=line,
                    message=f"example value {value!r} for '{key}' is a type-name placeholder, not a real "
                    "value; write a value a client could send",
                    anchor=key,
                )
        item = _ARRAY_ITEM_RE.match(text)
        if item and is_placeholder_value(_unescape(item.group(1))):
            value = _unescape(item.group(1))
            yield Hit(
                line=line,
                message=f"example array item {value!r} is a type-name placeholder, not a real value",
            )


@rule(
    "DOC-PLACEHOLDER-GUID",
    Severity.WARNING,
    "An example GUID is the stub generator's mirrored placeholder (its groups are byte/word rotations).",
)
def placeholder_guid(ctx: LintContext) -> Iterator[Hit]:
    for line, text, _ in ctx.block_lines():
        for g in dict.fromkeys(_GUID_ANY_RE.findall(text)):
            if is_mirrored_guid(g):
                first = g.split("-", 1)[0]
                yield Hit(
                    line=line,
                    message=f"'{g}' is the stub generator's mirrored placeholder GUID (every group is a "
                    f"byte/word rotation of '{first}'); use a real random GUID",
                    anchor=_key_on(text),
                )


def _unescape(text: str) -> str:
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def _key_on(text: str) -> str:
    m = re.search(r'"((?:[^"\\]|\\.)*)"\s*:', text)
    return m.group(1) if m else ""


__all__ = ["is_mirrored_guid", "is_placeholder_value"]

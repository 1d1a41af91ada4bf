"""Conventions of Graph doc text: cell text, doc types as JSON Schema, and the words that mark a property.

Shared by the api-page derivation and the resource-page reader: "Required." / "Optional." markers,
"nullable", "read-only", "Inherited from X", and the Edm type names of the Type column.
"""

from __future__ import annotations

import re

from conformance.contract.spec import JSON

# -- doc types ---------------------------------------------------------------------------------

_PRIMITIVES: dict[str, dict[str, JSON]] = {
    "string": {"type": "string"},
    # the Edm integer types' ranges (OData CSDL 4.4), so generated values stay inside the declared type
    "int16": {"type": "integer", "minimum": -(2**15), "maximum": 2**15 - 1},
    "int32": {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1},
    "int64": {"type": "integer", "format": "int64", "minimum": -(2**63), "maximum": 2**63 - 1},
    "integer": {"type": "integer"},
    "byte": {"type": "integer", "minimum": 0, "maximum": 255},
    "sbyte": {"type": "integer", "minimum": -128, "maximum": 127},
    "double": {"type": "number"},
    "single": {"type": "number"},
    "float": {"type": "number"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "datetimeoffset": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "timeofday": {"type": "string"},
    "guid": {"type": "string", "format": "uuid"},
    "duration": {"type": "string"},
    "binary": {"type": "string"},
    "stream": {"type": "string"},
}

LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def plain(text: str) -> str:
    """Markdown cell text without links, emphasis, HTML tags and escapes."""
    text = LINK_RE.sub(r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*`]", "", text).replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def doc_type_schema(doc_type: str, *, enum_hint: bool = False) -> dict[str, JSON]:
    """JSON Schema for a doc type cell (`String`, `Collection(Int32)`, `[itemBody](...) collection`).

    Unknown complex or enum types give `{}` (no constraint) unless the cell links a resource page
    (an object) or `enum_hint` says the type is an enumeration (a string).
    """
    raw = doc_type.strip()
    links = LINK_RE.findall(raw)
    text = plain(raw).replace("(Optional)", "").replace("(optional)", "").strip()
    m = re.fullmatch(r"(?i)collection\s*\(\s*(.+?)\s*\)", text) or re.fullmatch(
        r"(?i)(.+?)\s+collection", text
    )
    if m:
        if links:
            inner = _link_schema(links[0][1], enum_hint)
        else:
            inner = doc_type_schema(m.group(1), enum_hint=enum_hint)
        return {"type": "array", "items": inner}
    key = text.casefold().removeprefix("edm.")
    if key in _PRIMITIVES:
        return dict(_PRIMITIVES[key])
    if links:
        return _link_schema(links[0][1], enum_hint)
    return {"type": "string"} if enum_hint else {}


def _link_schema(target: str, enum_hint: bool) -> dict[str, JSON]:
    if "#" in target and re.search(r"(?i)values?\Z", target.split("#", 1)[1]):
        return {"type": "string"}
    if enum_hint:
        return {"type": "string"}
    if target.split("#", 1)[0].endswith(".md"):
        return {"type": "object"}
    return {}


ENUM_HINT_RE = re.compile(r"(?i)possible values (are|include)|the possible values|supported values")
_VALUE_TOKEN_RE = re.compile(r"`([^`]+)`|\*\*([^*]+)\*\*")
_VALUE_RE = re.compile(r"[\w.@:+-]+")
_SENTENCE_END_RE = re.compile(r"\.(?:\s|\Z)|<br\s*/?>|\|")


def documented_values(desc: str) -> tuple[str, ...]:
    """The values a description lists after "Possible values are ..." (or Graph's other phrasings), in order:
    the sentence's `code` or **bold** tokens, else its comma/and/or-separated words; () when there is no such
    sentence or a listed item is not a plain token. A record of what the page names, not a closed set."""
    m = ENUM_HINT_RE.search(desc)
    if m is None:
        return ()
    rest = desc[m.end() :]
    masked = _VALUE_TOKEN_RE.sub(lambda t: "x" * len(t.group(0)), rest)  # a '.' inside a token ends nothing
    end = _SENTENCE_END_RE.search(masked)
    span = rest[: end.start()] if end else rest
    tokens = [(t.group(1) or t.group(2) or "").strip() for t in _VALUE_TOKEN_RE.finditer(span)]
    if not tokens:
        words = re.split(r",|\bor\b|\band\b", re.sub(r"(?i)\A\s*(?:are|include)?\s*:?", "", plain(span)))
        tokens = [w.strip() for w in words if w.strip()]
    if not tokens or not all(_VALUE_RE.fullmatch(t) for t in tokens):
        return ()
    return tuple(dict.fromkeys(t for t in tokens if t != "null"))  # `null` (default value) is JSON null


def says_nullable(description: str) -> bool | None:
    d = description.casefold()
    if re.search(r"\bnot\s+nullable\b|\bnon-?nullable\b", d):
        return False
    if re.search(r"\bnullable\b", d):
        return True
    return None


def says_read_only(description: str) -> bool:
    return re.search(r"(?i)\bread[- ]?only\b", description) is not None


# Base types every Graph page inherits from, for pages whose resource page is not at hand.
BASE_TYPES: dict[str, dict[str, tuple[str, bool, bool]]] = {
    # name -> property -> (doc type, nullable, read_only)
    "directoryobject": {"id": ("String", False, True), "deletedDateTime": ("DateTimeOffset", True, True)},
    "entity": {"id": ("String", False, True)},
}


REQ_MARK_RE = re.compile(
    r"(?i)(?:^|[.!?]\s+)(required|optional|mandatory)\s*[.:](?:\s|\Z)"
    r"|(?:^|[.!?]\s+|\s)(required|optional|mandatory)\s*\.?\s*\Z"
)
# The words just before a marker that turn it round: "Not required.", "Isn't required", "is not mandatory".
_NEGATED_BEFORE_RE = re.compile(r"(?i)(?:\bnot|\bnever|\bno\s+longer|n't)\s*\Z")
# "Required: No", "Optional: yes": the marker word carries a yes/no value.
_MARK_VALUE_RE = re.compile(r"(?i)\A\s*[:=]\s*(yes|no|true|false)\b")
# "Not required on create", "isn't required when creating": a negated marker qualified by the create.
_NOT_ON_CREATE_RE = re.compile(
    r"(?i)(?:\bnot|\bnever|n't)\s+(?:required|mandatory)\s+(?:on|for|at|during|when|while)\s+"
    r"(?:(?:you\s+|the\s+|a\s+)?(?:create|creating|creation|insert|inserting|post|posting|add|adding)\b)"
)


def row_marker(desc: str, type_cell: str) -> bool | None:
    """True/False for an explicit Required./Optional. marker in a row, None when unmarked.

    A negated marker ("Not required.", "Isn't required", "is not mandatory", "Required: No",
    "Not required on create") is the optional marker, never the required one.
    """
    text = plain(desc)
    m = REQ_MARK_RE.search(text)
    if m:
        group = 1 if m.group(1) else 2
        word = m.group(group).casefold()
        value = word != "optional"
        if _NEGATED_BEFORE_RE.search(text[: m.start(group)]):
            value = not value
        said = _MARK_VALUE_RE.match(text[m.end(group) :])
        if said:
            value = value == (said.group(1).casefold() in ("yes", "true"))
        return value
    if _NOT_ON_CREATE_RE.search(text):
        return False
    if re.search(r"(?i)\(optional\)", type_cell) or re.search(r"(?i)^\s*\(optional\)", text):
        return False
    if re.search(r"(?i)\(required\)", type_cell) or re.search(r"(?i)^\s*\(required\)", text):
        return True
    return None


def yes_no(cell: str) -> bool | None:
    """A Required column cell's value: "Yes"/"No", "Required"/"Optional", "Not required", "Isn't required"."""
    c = plain(cell).casefold()
    if re.match(r"(?:not|isn't|is\s+not|never)\b", c):
        return False
    if c.startswith(("yes", "true", "required", "mandatory")):
        return True
    if c.startswith(("no", "false", "optional")):
        return False
    return None


def inherited_base(desc: str) -> str:
    m = re.search(r"(?i)inherited from \[?([A-Za-z.]+)\]?", desc)
    return m.group(1).rsplit(".", 1)[-1].casefold() if m else ""


__all__ = [
    "BASE_TYPES",
    "ENUM_HINT_RE",
    "LINK_RE",
    "REQ_MARK_RE",
    "doc_type_schema",
    "documented_values",
    "inherited_base",
    "plain",
    "row_marker",
    "says_nullable",
    "says_read_only",
    "yes_no",
]

"""Alternatives: "Either A or B is required", "One of A, B, or C must be specified", "At least one of
A or B is required", "Specify A or B, but not both", found in request-body rows and running text; and
the conditional form "A is required if B is not specified" ("Required unless B is given" in A's row,
"If you don't specify B, A is required"), which says at least one of A and B is sent: a row and its
mirror in the other row are one group, and a single row stating it is the same group.

A group names two or more real request properties (the table, the resource page or an example
request); a sentence whose candidates are not all such properties ("either true or false", "one of
the following values", "either an ISO string or null") is no group. The members of a group are not
required one by one: `apply_alternatives` takes back any requirement the page's rows or prose put on
them (that requirement was usually the same sentence read as "both required").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from conformance.contract.doctext import LINK_RE, plain, says_nullable
from conformance.contract.facts import IDENT_RE, MEDIUM, PageContext, in_section, section_range
from conformance.contract.facts_tables import build_property
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import Alternatives, Example, Fact, How, Property

__all__ = ["apply_alternatives", "find_alternatives", "sentence_group"]

STRONG = 0.9  # an explicit "either"/"one of"/"but not both" sentence; a bare "A or B is required" is MEDIUM

# Sections whose text is about something else than the request body a client sends.
_OTHER_SECTIONS = frozenset(
    s.casefold()
    for s in ("Permissions", "Response", "Request headers", "Optional query parameters", "HTTP request")
)
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*`\[<(])")
# A requirement: a "required"/"must" word, or a sentence that starts with an instruction to the client.
_DEMAND_RE = re.compile(
    r"(?i)\b(?:is|are|be)\s+(?:also\s+)?(?:required|mandatory)\b|\brequires?\b|\bmust\b|\bneeds?\s+to\b"
    r"|\b(?:has|have)\s+to\b|(?:^|[:;]\s*)(?:please\s+|you\s+)?(?:specify|provide|supply|set|include|pass|send)\b"
)
_NEGATED_RE = re.compile(
    r"(?i)\bnot\s+(?:required|mandatory|needed)\b|\bmust\s+not\b|\bmustn't\b|\bneither\b|\bnor\b"
    r"|\bnone\s+of\b|\bdo(?:es)?\s+not\s+need\b"
)
# A condition makes the group conditional ("If A is set, either B or C is required"): no unconditional fact.
_CONDITION_RE = re.compile(r"(?i)^(?:if|when|unless|for\s+an?|in\s+case)\b|,?\s\b(?:if|unless|only\s+when)\s")
_EXCLUSIVE_RE = re.compile(
    r"(?i)\bnot\s+both\b|\bexactly\s+one\b|\bonly\s+one\s+of\b|\bone\s+and\s+only\s+one\b"
    r"|\bmutually\s+exclusive\b|\bnot\s+(?:more\s+than|several|multiple)\b"
    r"|\b(?:can(?:not|'t)|must\s+not|may\s+not)\s+(?:\w+\s+){0,2}both\b"
)
_BOTH_CLAUSE_RE = re.compile(
    r"(?i)[,;]?\s*(?:but\s+)?(?:you\s+)?(?:can(?:not|'t)|must\s+not|may\s+not)\s+(?:\w+\s+){0,2}both\b.*"
)
# Where a group is announced; "one of" allows "and" in the list ("one of A, B, and C is required").
_ONE_OF_RE = re.compile(r"(?i)\b(?:at\s+least|exactly|only)?\s*one\s+of\b")
_EITHER_RE = re.compile(r"(?i)\beither\b")
_FILLER_RE = re.compile(
    r"(?i)^(?:the|a|an|its|their|following|request|body|properties|property|fields|field|parameters|parameter"
    r"|values?\s+(?:for|of))\s+"
)
_TRAILER_RE = re.compile(r"(?i)\s+(?:property|properties|field|fields|parameter|parameters|value|values)\Z")
# A list ends where the verb or a clause begins.
_LIST_END_RE = re.compile(
    r"(?i)\s+(?:is|are|must|should|needs?|has|have|can|may|to|in|when|for|but|which|that|so|as)\b|[.;:()]"
    r"|,\s*(?:but|which|so|and\s+not)\b"
)


def sentence_group(
    sentence: str, known: dict[str, str], row: str = ""
) -> tuple[tuple[str, ...], bool, bool] | None:
    """(names, exclusive, strong cue) of the alternatives group a sentence states, or None.

    `known` maps casefolded property names to their spelling; `row` is the property whose row the
    sentence stands in ("Required if B isn't specified" there is about that property). Every candidate
    of the list must be a known property, or the sentence is about something else (values, types,
    permissions).
    """
    text = sentence.strip()
    if len(text) > MAX_SENTENCE:
        return None
    unless = _unless_group(text, known, row)
    if unless is not None:
        return unless, False, True
    core = _BOTH_CLAUSE_RE.sub("", text)  # "..., but you must not send both" is no negation
    if not _DEMAND_RE.search(core) or _NEGATED_RE.search(core) or _CONDITION_RE.search(core):
        return None
    if re.search(r"(?i)\bshould\b", text) and not re.search(r"(?i)\bmust\b|\brequired\b", text):
        return None
    exclusive = _EXCLUSIVE_RE.search(text) is not None
    starts: list[tuple[int, bool, bool]] = []  # (offset, "and" joins too, strong cue)
    for m in _ONE_OF_RE.finditer(text):
        starts.append((m.end(), True, True))
    for m in _EITHER_RE.finditer(text):
        starts.append((m.end(), False, True))
    if not starts:  # "You must specify A or B" / "A or B is required": a bare "or" list, a weaker cue
        starts.append((0, False, False))
    for offset, and_joins, strong in starts:
        names = _list_at(text[offset:], known, and_joins=and_joins, anchored=strong)
        if names is not None:
            if re.search(r"(?i)\bexactly\s+one\b|\bonly\s+one\b", text[: offset + 1]) and strong:
                exclusive = True
            return names, exclusive, strong or exclusive
    return None


# -- "A is required if B is not specified": at least one of A and B ------------------------------------

_GIVEN = r"(?:specified|provided|set|present|given|supplied|included|sent|passed|defined|populated|used)"
_NAME = r"(?:the\s+)?([A-Za-z_@][\w.@]*)(?:\s+(?:property|field|parameter|value))?"
_NAMES = rf"{_NAME}(?:(?:\s*,\s*|\s+)(?:and|or|nor)?\s*{_NAME})*"
_BE = r"(?:is|are|was|were|has\s+been|have\s+been)"
_ABSENT = (
    rf"(?:{_BE}\s+(?:not|never)|(?:is|are|was|were|has|have)n't(?:\s+been)?)\s+(?:also\s+)?{_GIVEN}"
    rf"|{_BE}\s+(?:absent|missing|omitted|empty|null|unset|left\s+(?:out|empty|blank))"
)
_DONT_GIVE = r"(?:do\s+not|don't|did\s+not|didn't)\s+(?:specify|provide|set|supply|include|send|pass|give)"
# Each condition on the other names, with the joiner that would make it ambiguous: "if B or C is not
# specified" holds when either is absent (A or both of B and C, no anyOf of single names), "unless B and C
# are specified" likewise; "neither B nor C", "unless B or C is specified" say all of them are absent.
_CONDITIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?i)^(?:if|when|where|in\s+case)\s+(?P<names>{_NAMES})\s+(?:{_ABSENT})\Z"), "or"),
    (re.compile(rf"(?i)^(?:if|when)\s+neither\s+(?P<names>{_NAMES})\s+{_BE}\s+{_GIVEN}\Z"), ""),
    (re.compile(rf"(?i)^(?:if|when)\s+no\s+(?P<names>{_NAME})\s+{_BE}\s+{_GIVEN}\Z"), ""),
    (
        re.compile(
            rf"(?i)^(?:if|when)\s+(?:you|the\s+(?:caller|client|request))\s+{_DONT_GIVE}\s+(?P<names>{_NAMES})\Z"
        ),
        "and",
    ),
    (
        re.compile(
            rf"(?i)^(?:if|when)\s+(?:the\s+request\s+)?(?:omits|leaves\s+out|lacks)\s+(?P<names>{_NAMES})\Z"
        ),
        "or",
    ),
    (re.compile(rf"(?i)^unless\s+(?P<names>{_NAMES})\s+{_BE}\s+(?:also\s+)?{_GIVEN}\Z"), "and"),
    (
        re.compile(
            rf"(?i)^unless\s+(?:you|the\s+(?:caller|client|request))\s+(?:also\s+)?"
            rf"(?:specify|specifies|provide|provides|set|sets|supply|supplies|include|includes|give|gives)"
            rf"\s+(?P<names>{_NAMES})\Z"
        ),
        "and",
    ),
    (re.compile(rf"(?i)^in\s+the\s+absence\s+of\s+(?P<names>{_NAMES})\Z"), "or"),
)
_DEMAND_SELF = re.compile(
    rf"(?i)^(?:(?:this|the)\s+(?:property|field|value|parameter)\s+|it\s+)?(?:{_BE}\s+)?(?:also\s+)?"
    rf"(?:required|mandatory|must\s+be\s+{_GIVEN})\Z"
)
_DEMAND_NAMED = (
    re.compile(rf"(?i)^{_NAME}\s+(?:{_BE}|becomes)\s+(?:also\s+)?(?:required|mandatory)\Z"),
    re.compile(rf"(?i)^{_NAME}\s+(?:must|has\s+to|needs\s+to)\s+be\s+{_GIVEN}\Z"),
    re.compile(
        rf"(?i)^(?:you\s+)?(?:must|need\s+to|have\s+to)\s+(?:also\s+)?"
        rf"(?:specify|provide|set|supply|include|send|pass)\s+{_NAME}\Z"
    ),
)
_SPLIT_AT_CONDITION_RE = re.compile(
    r"(?i)\s*,?\s+(?=(?:if|when|where|unless|in\s+case|in\s+the\s+absence)\b)"
)


def _unless_group(text: str, known: dict[str, str], row: str) -> tuple[str, ...] | None:
    """(A, B, ...) when the sentence makes A required only while B... are all absent, else None."""
    flat = re.sub(r"\s+", " ", re.sub(r"[*`]", "", LINK_RE.sub(lambda m: m.group(1), text))).strip()
    flat = re.sub(r"(?i)^(?:>\s*)?(?:\[!\w+\]\s*)?(?:(?:note|important)\s*:\s*)?", "", flat).rstrip(" .;")
    head = re.match(r"(?i)^((?:if|when|where|unless|in\s+case|in\s+the\s+absence)\b[^,]+),\s*(.+)\Z", flat)
    if head is not None:  # "If B isn't specified, A is required."
        condition, demand = head.group(1), head.group(2)
    else:  # "A is required if B isn't specified." / "Required unless B is given."
        parts = _SPLIT_AT_CONDITION_RE.split(flat, maxsplit=1)
        if len(parts) != 2:
            return None
        demand, condition = parts
    subject = _demand_subject(demand.strip(), known, row)
    others = _absent_names(condition.strip(), known)
    if subject is None or others is None or subject in others:
        return None
    return (subject, *others)


def _demand_subject(demand: str, known: dict[str, str], row: str) -> str | None:
    if _DEMAND_SELF.match(demand):
        return known.get(row.casefold()) if row else None
    for pattern in _DEMAND_NAMED:
        m = pattern.match(demand)
        if m is not None:
            name = m.group(1).casefold()
            if name in ("it", "this") and row:
                return known.get(row.casefold())
            return known.get(name)
    return None


def _absent_names(condition: str, known: dict[str, str]) -> tuple[str, ...] | None:
    """The property names a condition says are all absent, or None (a condition on something else)."""
    for pattern, ambiguous in _CONDITIONS:
        m = pattern.match(condition)
        if m is None:
            continue
        listed = m.group("names")
        if ambiguous and re.search(rf"(?i)\b{ambiguous}\b", listed):
            return None
        names: list[str] = []
        for token in re.split(r"(?i)\s*,\s*(?:and|or|nor)?\s*|\s+(?:and|or|nor)\s+", listed):
            word = re.sub(r"(?i)^the\s+|\s+(?:property|field|parameter|value)\Z", "", token.strip())
            name = known.get(word.casefold())
            if name is None:
                return None  # "Required if the type is X": a condition on a value, not on a property
            if name not in names:
                names.append(name)
        return tuple(names) if names else None
    return None


_LEAD_IN_RE = re.compile(
    r"(?i)^\s*(?:the\s+)?following\s+(?:properties|fields|parameters)?\s*(?:is|are)?"
    r"\s*(?:required|must\s+be\s+(?:specified|provided|set))?\s*:\s*"
)
_WORD_RE = re.compile(r"[@A-Za-z_][\w.@]*")
MAX_SENTENCE = 1000  # longer "sentences" are tables or code flattened into text, not a requirement


def _list_at(text: str, known: dict[str, str], *, and_joins: bool, anchored: bool) -> tuple[str, ...] | None:
    """The property names of the "A, B, or C" list at the start of `text` (any offset when not anchored)."""
    plain_text = _LEAD_IN_RE.sub("", re.sub(r"[*`]", "", LINK_RE.sub(lambda m: m.group(1), text)))
    if anchored:
        candidates = [plain_text]
    else:  # a bare "A or B": the list starts at a property name
        starts = (m.start() for m in _WORD_RE.finditer(plain_text) if m.group(0).casefold() in known)
        candidates = [plain_text[i:] for i in starts]
    for chunk in candidates:
        end = _LIST_END_RE.search(chunk)
        segment = chunk[: end.start()] if end else chunk
        joiner = r",\s*(?:or|and)?\s*|\s+or\s+|\s+and\s+" if and_joins else r",\s*(?:or\s+)?|\s+or\s+"
        if not re.search(r"\bor\b" + (r"|\band\b|," if and_joins else ""), segment):
            continue
        parts = [p for p in re.split(joiner, segment.strip()) if p.strip()]
        names: list[str] = []
        for part in parts:
            token = part.strip()
            while True:
                stripped = _FILLER_RE.sub("", token)
                if stripped == token:
                    break
                token = stripped
            token = _TRAILER_RE.sub("", token).strip().strip(".,;:'\"")
            if not IDENT_RE.match(token) or token.casefold() not in known:
                names = []
                break
            name = known[token.casefold()]
            if name not in names:
                names.append(name)
        if len(names) >= 2:
            return tuple(names)
        if anchored:
            return None
    return None


def _sentences(ctx: PageContext) -> Iterator[tuple[str, int, str, str, How]]:
    """(sentence, line, section, anchor, how) of every request-body row description and running text."""
    page = ctx.page
    body = section_range(page, "Request body")
    for table in page.tables:
        if not in_section(body, table.line):
            continue
        name_col = table.column("Property", "Name", "Parameter", "Property name")
        desc_col = table.column("Description")
        if name_col < 0 or desc_col < 0:
            continue
        for row in table.rows:
            text = re.sub(r"<br\s*/?>", " ", row.cell(desc_col))
            for s in _SENTENCE_SPLIT_RE.split(text):
                yield s, row.line, table.section, plain(row.cell(name_col)), How.MARKER
    for para in page.paragraphs:
        if para.section.casefold() in _OTHER_SECTIONS:
            continue
        text = para.text.lstrip("> ")
        for s in _SENTENCE_SPLIT_RE.split(text):
            yield s, _line_of(ctx, para.line, s), para.section, "", How.PROSE


def _line_of(ctx: PageContext, first: int, sentence: str) -> int:
    """The page line a sentence of a paragraph starting at `first` begins on."""
    probe = sentence.strip()[:24]
    for offset, line in enumerate(ctx.page.lines[first - 1 : first + 40]):
        if probe and probe in line:
            return first + offset
    return first


def find_alternatives(
    ctx: PageContext,
    properties: tuple[Property, ...],
    examples: tuple[Example, ...],
    res: dict[str, ResourceProperty] | None,
) -> tuple[Alternatives, ...]:
    """Every alternatives group the page states, once each (the first place it is stated)."""
    fixed = {p.name.casefold() for p in properties if p.read_only or p.name == "id"}
    known = {p.name.casefold(): p.name for p in properties}
    for name, rp in (res or {}).items():
        known.setdefault(name.casefold(), name)
        if rp.read_only and name.casefold() not in known:
            fixed.add(name.casefold())
    for ex in examples:
        if isinstance(ex.request_body, dict):
            for name in ex.request_body:
                if IDENT_RE.match(name) and "@" not in name:
                    known.setdefault(name.casefold(), name)
    known = {k: v for k, v in known.items() if k not in fixed}  # a client cannot send these
    found: dict[frozenset[str], Alternatives] = {}
    for sentence, line, section, anchor, how in _sentences(ctx):
        group = sentence_group(plain(sentence) if "<" in sentence else sentence, known, row=anchor)
        if group is None:
            continue
        names, exclusive, strong = group
        key = frozenset(names)
        if key in found:
            if exclusive and not found[key].exclusive:
                found[key] = dataclasses.replace(found[key], exclusive=True)
            continue
        found[key] = Alternatives(
            names=names,
            exclusive=exclusive,
            sentence=plain(sentence).strip(),
            where=ctx.loc(line, section, anchor),
            how=how,
            confidence=STRONG if strong else MEDIUM,
        )
    return tuple(found.values())


def apply_alternatives(
    ctx: PageContext,
    properties: tuple[Property, ...],
    groups: tuple[Alternatives, ...],
    res: dict[str, ResourceProperty] | None,
) -> tuple[Property, ...]:
    """The properties with each group member made not required on its own; a member only the resource
    page (or an example) names is added, so the request schema can name it."""
    by_name = {p.name: p for p in properties}
    for group in groups:
        for name in group.names:
            fact: Fact[bool] = Fact(
                value=False,
                where=group.where,
                how=group.how,
                confidence=group.confidence,
                note=f"one of {' / '.join(group.names)}: {group.sentence}",
            )
            old = by_name.get(name)
            if old is not None:
                # "Required" read from this sentence made it non-nullable; an optional property is nullable
                # unless its row or the resource page says otherwise (OData's default).
                rp = (res or {}).get(name)
                nullable = says_nullable(old.description) if old.required.value else old.nullable
                if nullable is None:
                    nullable = rp.nullable if rp is not None and rp.nullable is not None else True
                by_name[name] = dataclasses.replace(old, required=fact, nullable=nullable)
                continue
            rp = (res or {}).get(name)
            by_name[name] = build_property(
                ctx,
                name=name,
                type_cell=rp.doc_type if rp else "",
                desc=rp.description if rp else "",
                required=fact,
                where=group.where,
                res=res,
            )
    return tuple(by_name.values())

"""Requirements stated in running text anywhere on the page, each with its line, confidence and sentence.

Graph pages say a body property is required in prose as well as in tables: in the opening description
("... where you must specify the business display name"), in the Request body section ("The JSON must
include **label**"), in notes ("> **Note:** `planId` is required"). The phrase patterns are the general
ways English API docs state a requirement, not the wording of particular pages:

- a subject that is required: "X is required", "X and Y are mandatory", "X is a required property",
  "Required fields are: X, Y",
  "X must be specified/provided/set/supplied/included", "X cannot be empty", "X (required)";
- an object the caller must give: "you must specify X", "the request must include X", "X needs to
  contain Y", "callers are required to provide X";
- weaker forms (low confidence): "requires X", a sentence that starts "Specify X" / "Provide X".

A clause that negates ("not required", "optional", "no need"), that makes the requirement conditional
("if ...", "when you update", "only for ..."), or that is about permissions or consent states no create
requirement. "Either A or B", "one of", "at least one of" name alternatives: they come back as
`Kind.ONE_OF` records, which nothing here makes required (issue 11 item 2 fills them in).

A mentioned name becomes a property only when the page's table, its resource page or its examples have
a property of that name: a code span or bold name as written, a camelCase word, or plain words whose
run spells a property ("display name" -> `displayName`). Nothing is invented.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from conformance.contract.docparse import Paragraph
from conformance.contract.doctext import LINK_RE
from conformance.contract.facts import LOW, MEDIUM, PageContext

__all__ = ["Kind", "TextRequirement", "requirement_sentences", "sentence_requirements", "text_requirements"]


class Kind(StrEnum):
    """What a sentence requires of the names it mentions."""

    ALL = "all"  # every name is required
    ONE_OF = "one-of"  # at least one of the names (alternatives; not applied by this module)


@dataclass(frozen=True, slots=True, kw_only=True)
class TextRequirement:
    """One requirement a sentence states: the property names, where, how sure, and the sentence itself."""

    kind: Kind
    names: tuple[str, ...]
    line: int
    section: str
    sentence: str
    confidence: float


# Sections whose prose is about something other than the request body's properties.
_OTHER_SECTIONS = (
    "permissions",
    "http request",
    "request headers",
    "optional query parameters",
    "query parameters",
    "path parameters",
    "response",
    "responses",
)
_EXAMPLE_SECTION_RE = re.compile(r"(?i)^examples?\b|^request\Z|^response\Z")

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z>*`\[(\"'])")
_CLAUSE_RE = re.compile(
    r"(?i);|\s+but\s+|,\s*whereas\s+|,\s*while\s+|\bhowever\b|\bexcept\b|\botherwise\b"
    r"|,\s*and\s+(?=\S+\s+(?:is|are)\s+optional)"
)
_NAMED_RE = re.compile(r"\*\*([^*]+)\*\*|`([^`]+)`|\b([a-z][a-z0-9]*(?:[A-Z][A-Za-z0-9]*)+)\b")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9]*")

_NEGATION_RE = re.compile(
    r"(?i)\b(?:not|never|no longer|no need|none|optional|optionally|neither|nor)\b|n't\b|\bno\b"
)
_OFF_TOPIC_RE = re.compile(
    r"(?i)\bpermissions?\b|\bprivileges?\b|\bconsent\b|\blicen[cs]e\b|\bscopes? claim\b"
)
_OTHER_OPERATION_RE = re.compile(r"(?i)\b(?:updat\w*|patch\w*|delet\w*|modif\w*|renew\w*|replac\w*)\b")
_CONDITION_START_RE = re.compile(
    r"(?i)^(?:if|when|whenever|unless|only (?:if|when|for)|in case|where|for (?:an?|the|some|each|every)\b)"
)
_CONDITION_RE = re.compile(r"(?i)\b(?:if|when|whenever|unless|in case)\b|^\s*(?:only\s+)?for\b")
_CREATE_RE = re.compile(r"(?i)\b(?:creat\w*|add(?:ing)?|new|post\w*|register\w*|provision\w*)\b")
_ALTERNATIVES_RE = re.compile(
    r"(?i)\beither\b|\bone of\b|\bat least one\b|\bone or more\b|\bany of\b|\bexactly one\b|\bonly one\b"
)

_BE_REQUIRED_RE = re.compile(
    r"(?i)\b(?:is|are)\s+(?:also\s+|always\s+)?(?:an?\s+)?(?:required|mandatory)\b(?!\s+to\b)"
)
_MUST_BE_RE = re.compile(
    r"(?i)\b(?:must|needs? to|has to|have to|shall)\s+(?:also\s+|always\s+)?be\s+"
    r"(?:specified|provided|set|supplied|included|present|given|populated|filled in|filled|sent|passed)\b"
    r"|\b(?:cannot|can't|may not|must not)\s+be\s+(?:empty|null|omitted|left (?:out|empty|blank)|blank)\b"
)
_MUST_GIVE_RE = re.compile(
    r"(?i)\b(?:must|needs? to|has to|have to|shall|(?:is|are) required to)\s+(?:also\s+|always\s+|first\s+)?"
    r"(?:specify|provide|include|supply|set|pass|send|contain|have|give|add|define|populate|enter)\b"
)
_FOLLOWING_REQUIRED_RE = re.compile(
    r"(?i)\b(?:the\s+)?(?:following|these)\s+(?:required|mandatory)\s+(?:fields|properties|parameters|values)\b"
)
_REQUIRED_ARE_RE = re.compile(
    r"(?i)^\s*(?:the\s+)?(?:required|mandatory)\s+(?:fields|properties|parameters|values)\s+(?:are|is|include)\b"
)
_REQUIRES_RE = re.compile(r"(?i)\brequires?\b(?!d)")
_IMPERATIVE_RE = re.compile(r"(?i)^(?:please\s+)?(?:specify|provide|include|supply)\b")
_PAREN_REQUIRED_RE = re.compile(r"(?i)(\*\*[^*]+\*\*|`[^`]+`|\b[A-Za-z][A-Za-z0-9]*)\s*\(required\)")
_FOLLOWING_RE = re.compile(r"(?i)\b(?:following|these|below)\b")

_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "its",
        "their",
        "your",
        "each",
        "every",
        "any",
        "of",
        "for",
        "to",
    ]
)


def text_requirements(ctx: PageContext, known: Mapping[str, str], resource: str) -> list[TextRequirement]:
    """Every requirement the page's running text states about `known` property names (casefold -> name)."""
    out: list[TextRequirement] = []
    for para in ctx.page.paragraphs:
        if not _about_the_body(para, ctx.page.title):
            continue
        for line, sentence in _sentences(ctx, para):
            for req in sentence_requirements(sentence, known, resource):
                out.append(
                    TextRequirement(
                        kind=req.kind,
                        names=req.names,
                        line=line,
                        section=para.section,
                        sentence=req.sentence,
                        confidence=req.confidence,
                    )
                )
    return out


def requirement_sentences(ctx: PageContext) -> Iterator[tuple[int, str, str]]:
    """(line, section, sentence) of every sentence this module reads, for lint rules that quote them."""
    for para in ctx.page.paragraphs:
        if _about_the_body(para, ctx.page.title):
            for line, sentence in _sentences(ctx, para):
                yield line, para.section, sentence


def sentence_requirements(
    sentence: str, known: Mapping[str, str], resource: str = ""
) -> list[TextRequirement]:
    """The requirements one sentence states (line 0, no section): the unit the patterns are tested on."""
    text = _clean(sentence)
    if not text or _OFF_TOPIC_RE.search(text):
        return []
    if _CONDITION_START_RE.match(text) and not _creation_condition(text):
        return []
    out: list[TextRequirement] = []
    for clause in _CLAUSE_RE.split(text):
        found = _clause_requirement(clause.strip(), known, resource)
        if found is not None:
            kind, names, confidence = found
            out.append(
                TextRequirement(
                    kind=kind, names=names, line=0, section="", sentence=text, confidence=confidence
                )
            )
    return out


def _clause_requirement(
    clause: str, known: Mapping[str, str], resource: str
) -> tuple[Kind, tuple[str, ...], float] | None:
    if not clause or _NEGATION_RE.search(clause) or _OTHER_OPERATION_RE.search(clause):
        return None
    paren = [m.group(1) for m in _PAREN_REQUIRED_RE.finditer(clause)]
    if paren:
        names, explicit = _names(" ".join(paren), known, resource)
        return (Kind.ALL, names, MEDIUM if explicit else LOW) if names else None
    for pattern, side, strong in (
        (_FOLLOWING_REQUIRED_RE, "list", True),
        (_REQUIRED_ARE_RE, "list", True),
        (_BE_REQUIRED_RE, "before", True),
        (_MUST_BE_RE, "before", True),
        (_MUST_GIVE_RE, "after", True),
        (_REQUIRES_RE, "after", False),
        (_IMPERATIVE_RE, "after", False),
    ):
        m = pattern.search(clause)
        if m is None:
            continue
        before, after = clause[: m.start()], clause[m.end() :]
        if _condition_after(after):
            return None
        part = before if side == "before" else after
        scope = (
            after if side == "list" else clause
        )  # a list after "the following required fields:" stands alone
        if side == "before" and _FOLLOWING_RE.search(before) and not _names(before, known, resource)[0]:
            part = after  # "The following properties are required: **a**, **b**."
        names, explicit = _names(part, known, resource)
        if not names and side == "before":
            names, explicit = _subject_word(before, known, resource), False
        if not names:
            return None
        if _ALTERNATIVES_RE.search(scope) or (len(names) > 1 and re.search(r"(?i)\bor\b", part)):
            return Kind.ONE_OF, names, LOW
        return Kind.ALL, names, MEDIUM if (explicit and strong) else LOW
    return None


def _condition_after(after: str) -> bool:
    """Whether the text after the requirement makes it conditional on something other than creating."""
    m = _CONDITION_RE.search(after)
    if m is None:
        return False
    return not _creation_condition(after[m.start() :])


def _creation_condition(text: str) -> bool:
    """A condition that only restates the create ("when you create a group", "to create an app")."""
    head = re.split(r"[,;]", text, maxsplit=1)[0]
    return (
        _CREATE_RE.search(head) is not None
        and not _OTHER_OPERATION_RE.search(head)
        and not re.search(r"(?i)\b(?:if|unless)\b", head)
    )


def _names(text: str, known: Mapping[str, str], resource: str) -> tuple[tuple[str, ...], bool]:
    """Known property names mentioned in `text`, and whether all were written as identifiers."""
    found: list[str] = []
    explicit = True
    skip = resource.casefold()
    rest = text
    for m in _NAMED_RE.finditer(text):
        token = (m.group(1) or m.group(2) or m.group(3) or "").strip().strip(".,;:")
        name = known.get(token.casefold())
        if name is not None and token.casefold() != skip and name not in found:
            found.append(name)
    rest = _NAMED_RE.sub(" , ", text)
    for name in _plain_word_names(rest, known, skip):
        if name not in found:
            found.append(name)
            explicit = False
    return tuple(found), explicit


def _subject_word(before: str, known: Mapping[str, str], resource: str) -> tuple[str, ...]:
    """The clause's first word as the subject ("Description is required", "Id is the only property that
    can be set and it is required"): only when the verb follows it closely or a pronoun stands for it."""
    words = [w for w in _WORD_RE.findall(before)]
    while words and words[0].casefold() in _STOP_WORDS:
        words = words[1:]
    if not words:
        return ()
    if len(words) > 2 and words[-1].casefold() not in ("it", "this", "which", "that"):
        return ()
    name = known.get(words[0].casefold())
    return (name,) if name is not None and words[0].casefold() != resource.casefold() else ()


def _plain_word_names(text: str, known: Mapping[str, str], skip: str) -> list[str]:
    """Runs of plain words that spell a known property, longest first ("display name" -> displayName).

    One word alone counts only when followed by "property", "field" or "parameter" ("the description
    property"): a single common word is too often not the property of that name.
    """
    words = [(m.group(0), m.start(), m.end()) for m in _WORD_RE.finditer(text)]
    out: list[str] = []
    i = 0
    while i < len(words):
        hit = None
        for size in (4, 3, 2):
            run = words[i : i + size]
            if len(run) < size or run[0][0].casefold() in _STOP_WORDS:
                continue
            if any(text[a[2] : b[1]].strip() for a, b in itertools.pairwise(run)):
                continue  # the words are not adjacent (punctuation between them)
            key = "".join(w for w, _, _ in run).casefold()
            if key in known and key != skip:
                hit = (known[key], size)
                break
        if (
            hit is None
            and i + 1 < len(words)
            and words[i + 1][0].casefold() in ("property", "field", "parameter")
        ):
            key = words[i][0].casefold()
            if key in known and key != skip and words[i][0][0].islower():
                hit = (known[key], 1)
        if hit is not None:
            if hit[0] not in out:
                out.append(hit[0])
            i += hit[1]
        else:
            i += 1
    return out


def _clean(sentence: str) -> str:
    """A sentence without link targets, callout markers and quote prefixes; emphasis and code kept."""
    text = LINK_RE.sub(lambda m: m.group(1), sentence)
    text = re.sub(r"(?i)(^|\s)>\s*", " ", text)
    text = re.sub(r"(?i)\[!(?:note|important|tip|caution|warning)\]", " ", text)
    text = re.sub(r"(?i)^\s*\**\s*(?:note|important)\s*:?\s*\**\s*:?", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _about_the_body(para: Paragraph, title: str) -> bool:
    """Whether a paragraph may state body requirements: not Permissions, headers, Response...; in the
    Examples only a callout (a "> Note")."""
    section = para.section.casefold().strip()
    if section in _OTHER_SECTIONS:
        return False
    if _EXAMPLE_SECTION_RE.match(section) or section.startswith("example"):
        return para.text.lstrip().startswith(">")
    return True


def _sentences(ctx: PageContext, para: Paragraph) -> Iterator[tuple[int, str]]:
    """(page line, sentence) of each sentence of a paragraph (lines joined by one space in its text)."""
    starts: list[tuple[int, int]] = []  # (offset in the joined text, page line)
    offset = 0
    line = para.line
    lines = ctx.page.lines
    while offset < len(para.text) and 1 <= line <= len(lines):
        starts.append((offset, line))
        offset += len(lines[line - 1].strip()) + 1
        line += 1
    pos = 0
    for piece in _SENTENCE_RE.split(para.text):
        at = para.text.find(piece, pos)
        pos = at + len(piece) if at >= 0 else pos
        where = next((ln for off, ln in reversed(starts) if off <= max(at, 0)), para.line)
        if piece.strip():
            yield where, piece.strip()

"""Which operation a page documents (its kind: create, get, list, update, delete) and its key path parameter.

The rule reads three pieces of evidence on the page, in this order, and never the file name:

1. **The HTTP method** of the first request line of the "HTTP request" block (`facts_prose.request_line`).
2. **The shape of the first documented path** (a trailing `/` ignored). It *ends in a key* when its last
   segment is a placeholder (`/things/{id}`) or carries a key in parentheses (`/things(id)`,
   `/things('{id}')`, `/things(key={id})`); the **key path parameter** is that placeholder's name, or the
   text inside the parentheses without quotes and braces (`key=` dropped).
3. **The Response prose**: the paragraph of "## Response" that states the success code (`reconcile.
   success_status`) and what the body holds: "a collection of" (or "an array of") things, or a code
   and words of creation ("created", "new").

The kinds, decided in this order:

- A path with a segment that **calls an OData function** is not derived, whatever the method: a segment
  ending in `(...)` whose parentheses hold no key: empty (`/things/delta()`), several arguments
  (`(a=1,b=2)`), or a literal value without a placeholder (`(period='D7')`). A key is a placeholder
  (`('{id}')`, `(key={id})`) or one bare name (`(id)`).

- `DELETE` on a path that ends in a key is a **delete**; any other DELETE (`.../$ref`, a whole collection)
  is not a page this harness derives.
- `PATCH` or `PUT` is an **update**; its key is the path's (a singleton such as `/me/settings` has none).
- `GET` on a path that ends in a key is a **get**; a GET on any other path is a **list** when the Response
  prose says it returns a collection, and otherwise (a navigation property, a singleton) not derived.
- `POST` on a path that does not end in a key is a **create**, unless the page says it answers with a 2xx
  other than `201` without a word of creation while its last segment follows a key: that is an action
  (`POST /things/{id}/restore`), not derived. A POST to a key is not derived either.

A page this rule does not derive raises `DocParseError` with one line naming the evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.contract.docparse import Page
from conformance.contract.doctext import plain
from conformance.contract.facts import PageContext, in_section, section_range
from conformance.contract.spec import Fact, How

__all__ = [
    "KINDS",
    "KindDecision",
    "decide_kind",
    "function_segment",
    "key_of",
    "response_prose",
    "says_collection",
    "strip_key",
]

KINDS = ("create", "get", "list", "update", "delete")

_PLACEHOLDER_SEGMENT_RE = re.compile(r"^\{([^{}]+)\}\Z")
_KEY_STYLE_RE = re.compile(r"^[^()]*\(([^()]*)\)\Z")
_COLLECTION_RE = re.compile(r"(?i)\b(?:a\s+)?(?:collection|array)\s+of\b")
_CREATION_RE = re.compile(r"(?i)\b(?:created|creates|new)\b")
_FAILURE_RE = re.compile(r"(?i)\bunsuccessful|\bfails?\b|\berror\b")


@dataclass(frozen=True, slots=True, kw_only=True)
class KindDecision:
    """The kind of the operation a page documents, and its key path parameter (None: the path has none)."""

    kind: Fact[str]
    key: Fact[str] | None


def key_of(path: str) -> str | None:
    """The key path parameter's name if `path` ends in a key segment (`/things/{id}`, `/things(id)`,
    `/things('{id}')`), else None."""
    last = path.rstrip("/").rsplit("/", 1)[-1].strip()
    m = _PLACEHOLDER_SEGMENT_RE.match(last)
    if m:
        return m.group(1).strip()
    m = _KEY_STYLE_RE.match(last)
    if m and m.group(1).strip():
        inner = m.group(1).strip()
        inner = inner.split("=", 1)[1] if "=" in inner else inner
        return inner.strip().strip("'\"").strip("{}").strip() or None
    return None


def strip_key(path: str) -> str:
    """The collection path of an item path: `/things/{id}` and `/things(id)` become `/things`."""
    trimmed = path.rstrip("/")
    if key_of(trimmed) is None:
        return trimmed
    head, _, last = trimmed.rpartition("/")
    if _PLACEHOLDER_SEGMENT_RE.match(last.strip()):
        return head or "/"
    return f"{head}/{last.split('(', 1)[0]}"


def response_prose(page: Page) -> list[tuple[int, str]]:
    """(line, plain text) of each paragraph of "## Response" that is not about failures."""
    rng = section_range(page, "Response")
    out: list[tuple[int, str]] = []
    for para in page.paragraphs:
        if not in_section(rng, para.line):
            continue
        text = plain(para.text)
        if _FAILURE_RE.search(text) and not re.search(r"(?i)\bif successful\b", text):
            continue
        out.append((para.line, text))
    return out


_BARE_ARG_RE = re.compile(r"^\s*(?:[A-Za-z_][\w-]*\s*=\s*)?[A-Za-z_][\w-]*\s*\Z")


def says_collection(text: str) -> bool:
    """Whether `text` (plain Response prose) says the body is "a collection of" or "an array of" things."""
    return _COLLECTION_RE.search(text) is not None


def function_segment(path: str) -> str | None:
    """The first segment of `path` that calls an OData function (parentheses holding no key), else None."""
    for segment in path.split("/"):
        segment = segment.strip()
        if "(" not in segment or not segment.endswith(")"):
            continue
        inner = segment[segment.index("(") + 1 : -1]
        if not inner.strip() or "," in inner or ("{" not in inner and not _BARE_ARG_RE.match(inner)):
            return segment
    return None


def _follows_key(path: str) -> bool:
    head = path.rstrip("/").rsplit("/", 1)[0]
    return key_of(head) is not None if head else False


def decide_kind(ctx: PageContext, method: Fact[str], paths: tuple[Fact[str], ...]) -> KindDecision:
    """The kind and key of the page's operation by the rule in this module's docstring; `DocParseError`
    (one line) when the page documents something else."""
    first = paths[0]
    key_name = key_of(first.value)
    key = None if key_name is None else Fact(value=key_name, where=first.where, how=How.SECTION)
    verb = method.value.upper()
    line = f"{verb} {first.value}"

    def kind(value: str, where: Fact[str] = first, note: str = "") -> KindDecision:
        fact = Fact(value=value, where=where.where, how=How.SECTION, note=note)
        return KindDecision(kind=fact, key=key)

    function = function_segment(first.value)
    if function is not None:
        raise ctx.fail(
            first.where.line,
            f"'{line}': segment '{function}' calls an OData function, not a create, get, list, update or "
            "delete of an entity",
            "expected a page with 'GET /things/{id}' or another CRUD request line; functions are not derived",
        )

    if verb == "DELETE":
        if key is None:
            raise ctx.fail(
                first.where.line,
                f"'{line}' does not end in a key, so it deletes no single entity (a reference, a collection)",
                "expected a delete page with 'DELETE /things/{id}'",
            )
        return kind("delete")
    if verb in ("PATCH", "PUT"):
        return kind("update")
    prose = response_prose(ctx.page)
    if verb == "GET":
        if key is not None:
            return kind("get")
        for line_no, text in prose:
            if says_collection(text):
                note = "the Response prose says it returns a collection"
                return KindDecision(
                    kind=Fact(value="list", where=ctx.loc(line_no, "Response"), how=How.SECTION, note=note),
                    key=None,
                )
        raise ctx.fail(
            first.where.line,
            f"'{line}' ends in no key and the Response prose names no collection (a navigation property "
            "or a singleton)",
            "expected 'GET /things/{id}' for a get page or 'a collection of' things for a list page",
        )
    if verb == "POST":
        if key is not None:
            raise ctx.fail(
                first.where.line,
                f"'{line}' posts to a key, not to a collection",
                "expected a create page with 'POST /things'",
            )
        codes = [(n, t, int(m.group(1))) for n, t in prose for m in re.finditer(r"\b(2\d\d)\b(?!-)", t)]
        if codes and _follows_key(first.value):
            n, text, code = codes[0]
            if code != 201 and not _CREATION_RE.search(text):
                raise ctx.fail(
                    n,
                    f"'{line}' answers {code} and creates nothing by the Response prose (an action)",
                    "expected a create page ('201 Created'), or a get, list, update or delete page",
                )
        return kind("create")
    raise ctx.fail(
        first.where.line,
        f"'{line}': method {verb} is not one of POST, GET, PATCH, PUT, DELETE",
        "expected a create, get, list, update or delete page",
    )

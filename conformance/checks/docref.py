"""`DocRef`: where on a doc page a check's requirement is stated, vetted when declared, resolved per page.

A `DocRef` names at most one fact (an `Operation` field, a property's row, the first required
property's row, or a header's row) and, as a fallback, a section with an optional anchor. The fact
wins when the page has it; else the section; else the doc line stays empty. `defect` finds the refs
no page could satisfy (a typo in a check), so `@check` can refuse them when the catalogue loads.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from conformance.contract.spec import Alternatives, DocLocation, Fact, Operation, Spec
from conformance.errors import did_you_mean

# The section headings of a Graph API reference page (the docs' template); a DocRef names one of these.
DOC_SECTIONS = (
    "Permissions",
    "HTTP request",
    "Optional query parameters",
    "Request headers",
    "Request body",
    "Response",
    "Examples",
    "Example",
    "Request",
    "See also",
)

# The `Operation` fields that hold a place on the page: a `Fact`, a tuple of them, or the examples.
FIELDS = (
    "alternatives",
    "also_status",
    "examples",
    "id_format",
    "key",
    "method",
    "odata_type",
    "paging",
    "paths",
    "query_options",
    "success_status",
)

# The operations of a resource a `DocRef` may name by `kind` (`contract.kinds.KINDS`).
KIND_NAMES = ("create", "get", "list", "update", "delete")


@dataclass(frozen=True, slots=True, kw_only=True)
class DocRef:
    """Where on the page a requirement is stated: one fact, else a section (and anchor) to fall back on.

    `field` names an `Operation` field ("success_status", "odata_type", "id_format", "examples", ...);
    `property` a property's row and `required_property` the first required property's row;
    `header` a header's row; `first_property` the request-body table's first row; `section`/`anchor` a
    landmark. `kind` names the page of another operation
    of the resource ("get", "list", "update", "delete"): the fact is looked up on that page's operation
    (a page set's `Spec.others`), and `option` names one of its query options' line ("$top").
    """

    field: str | None = None
    property: str | None = None
    required_property: bool = False
    header: str | None = None
    section: str | None = None
    anchor: str = ""
    kind: str | None = None
    option: str | None = None
    first_property: bool = False


def defect(ref: DocRef) -> str | None:
    """Why no page could satisfy `ref` (a typo in a check), with the close matches; None when it is sound."""
    facts = [
        name
        for name, named in (
            ("field", ref.field is not None),
            ("property", ref.property is not None),
            ("required_property", ref.required_property),
            ("header", ref.header is not None),
            ("option", ref.option is not None),
            ("first_property", ref.first_property),
        )
        if named
    ]
    if len(facts) > 1:
        return f"a DocRef names one fact, not {len(facts)} ({', '.join(facts)})"
    if ref.field is not None and ref.field not in FIELDS:
        names = {f.name for f in dataclasses.fields(Operation)}
        why = "has no place on the page" if ref.field in names else "is not an Operation field"
        return f"DocRef field {ref.field!r} {why}{did_you_mean(ref.field, FIELDS)}"
    if ref.property == "":
        return "DocRef property is empty; use required_property=True for the first required property"
    if ref.header == "":
        return "DocRef header is empty"
    if ref.kind is not None and ref.kind not in KIND_NAMES:
        return f"DocRef kind {ref.kind!r} is not an operation kind{did_you_mean(ref.kind, KIND_NAMES)}"
    if ref.option is not None and not ref.option.startswith("$"):
        return f"DocRef option {ref.option!r} is not an OData query option (they start with '$')"
    if ref.section is not None and ref.section.casefold() not in {s.casefold() for s in DOC_SECTIONS}:
        close = did_you_mean(ref.section, DOC_SECTIONS)
        return f"DocRef section {ref.section!r} is not a Graph doc section{close}"
    if ref.anchor and ref.section is None:
        return f"DocRef anchor {ref.anchor!r} needs a section"
    if not facts and ref.section is None:
        return "DocRef names neither a fact nor a section"
    return None


def resolve(ref: DocRef, spec: Spec) -> tuple[DocLocation | None, Fact[Any] | None]:
    """The page line `ref` names on this spec, and the fact behind it when there is one."""
    op = spec.operation
    if ref.kind is not None and ref.kind != "create":
        other = next((o for o in spec.others if o.kind_name == ref.kind), None)
        if other is None:
            return None, None  # the page set documents no such operation: the check is skipped
        op = other
    found = _fact(ref, op)
    if found is not None:
        return found
    if ref.section and op is spec.operation:  # landmarks are the create page's
        mark = spec.locate(ref.section, ref.anchor) or spec.locate(ref.section)
        if mark is not None:
            return mark, None
    return None, None


def _fact(ref: DocRef, op: Operation) -> tuple[DocLocation, Fact[Any] | None] | None:
    if ref.option is not None:
        wanted = ref.option.casefold()
        option = next((o for o in op.query_options if o.value.casefold() == wanted), None)
        return (option.where, option) if option is not None else None
    if ref.first_property:
        return (op.properties[0].where, None) if op.properties else None
    if ref.property is not None or ref.required_property:
        prop = op.property(ref.property) if ref.property else (op.required[0] if op.required else None)
        return (prop.required.where, prop.required) if prop is not None else None
    if ref.header is not None:
        name = ref.header.lower()
        hdr = next((h for h in op.headers if h.name.lower() == name), None)
        return (hdr.where, None) if hdr is not None else None
    if ref.field is None:
        return None
    value = getattr(op, ref.field)
    if isinstance(value, tuple) and value and isinstance(value[0], Fact):
        return value[0].where, value[0]
    if isinstance(value, tuple) and value and isinstance(value[0], Alternatives):
        group = value[0]  # the first group's sentence, with its confidence (a bare "A or B" is weaker)
        fact: Fact[Any] = Fact(
            value=list(group.names),
            where=group.where,
            how=group.how,
            confidence=group.confidence,
            note=group.sentence,
        )
        return group.where, fact
    if isinstance(value, tuple) and value and hasattr(value[0], "request_where"):
        where = next((e.request_where for e in value if e.request_where is not None), None)
        return (where, None) if where is not None else None
    if isinstance(value, Fact):
        return value.where, value
    return None


__all__ = ["DOC_SECTIONS", "FIELDS", "KIND_NAMES", "DocRef", "defect", "resolve"]

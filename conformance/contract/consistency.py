"""The derived contract held against the page's own examples: a weak fact an example contradicts yields.

A page's example requests and responses are evidence too. Where a fact is weak (a table intro that
calls its rows required without a per-row marker, a requirement read from prose with low confidence,
a type the page's own table does not declare but a resource page or a base type supplies) and an
example contradicts it (a "required" property the example request leaves out; a value that is not of
that type), the example wins: the property is not required, or its value is not constrained, and the
operation records a `Yield` with both lines for `conformance lint` (DOC-EXAMPLE-OVERRULES). A strong
fact (an explicit "Required." marker or column, a clearly worded requirement, a type in the page's
table) stays; lint then reports the example as wrong (DOC-EXAMPLE-SCHEMA).

So no derived contract rejects its page's own example request except where the page states the
opposite explicitly.
"""

from __future__ import annotations

import dataclasses
import json
import re

from conformance.contract.docparse import Page
from conformance.contract.doctext import plain, says_nullable
from conformance.contract.facts import PageContext, in_section, section_range
from conformance.contract.facts_examples import request_values, response_values
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, WEAK_BELOW, DocLocation, Fact, How, Operation, Property, Yield

__all__ = ["settle"]

# Type names stub generators put in example bodies instead of values: no evidence about the type.
_TYPE_WORDS = frozenset(
    {"string", "boolean", "bool", "int16", "int32", "int64", "integer", "double", "single", "decimal"}
    | {"guid", "date", "datetimeoffset", "timeofday", "duration", "binary", "stream", "byte"}
)


def settle(ctx: PageContext, op: Operation) -> Operation:
    """`op` with every weak fact that one of the page's examples contradicts given up, and `yields` set."""
    s = _Settler(ctx, op)
    requests = {b.line: (m.body_line or b.start, lines) for b, m, lines in request_values(ctx.page)}
    responses = {b.line: (m.body_line or b.start, lines) for b, m, lines in response_values(ctx.page)}
    for ex in op.examples:
        body, where = ex.request_body, ex.request_where
        if isinstance(body, dict) and where is not None:
            body_line, key_lines = requests.get(where.line, (where.line, {}))
            s.requirements(body, ctx.loc(body_line, where.section))
            s.types("request", body, key_lines, where)
        body, where = ex.response_body, ex.response_where
        if (
            isinstance(body, dict)
            and where is not None
            and ex.response_status in (None, op.success_status.value)
        ):
            s.types("response", body, responses.get(where.line, (0, {}))[1], where)
    if not s.yields:
        return op
    return dataclasses.replace(op, properties=tuple(s.props.values()), yields=op.yields + tuple(s.yields))


class _Settler:
    """The properties being settled against the examples, and the yields so far (one per name and kind)."""

    def __init__(self, ctx: PageContext, op: Operation) -> None:
        self.ctx = ctx
        self.props = {p.name: p for p in op.properties}
        self.declared = _declared_type_lines(ctx.page)
        self.yields: list[Yield] = []
        self.done: set[tuple[str, str]] = set()

    def give_way(self, y: Yield, prop: Property) -> None:
        self.props[y.name] = prop
        self.done.add((y.name, y.what))
        self.yields.append(y)

    def requirements(self, body: dict[str, JSON], at: DocLocation) -> None:
        """Weak requirements of properties the example request `body` (first line `at`) leaves out."""
        for p in list(self.props.values()):
            fact = p.required
            weak = fact.value and fact.confidence < WEAK_BELOW and not p.read_only
            if not weak or p.name in body or (p.name, "required") in self.done:
                continue
            detail = (
                f"{_source(fact)} makes '{p.name}' required, "
                f"but the example request at line {at.line} leaves it out"
            )
            note = f"{detail}; not required in the contract (a weak fact yields to the page's own example)"
            explicit = says_nullable(p.description)
            prop = dataclasses.replace(
                p,
                required=dataclasses.replace(fact, value=False, note=note),
                nullable=True if explicit is None else explicit,
            )
            example = dataclasses.replace(at, anchor=p.name)
            self.give_way(
                Yield(
                    name=p.name,
                    what="required",
                    how=fact.how,
                    fact=fact.where,
                    example=example,
                    detail=detail,
                    quote=fact.quote,
                ),
                prop,
            )

    def types(self, side: str, body: dict[str, JSON], key_lines: dict[str, int], where: DocLocation) -> None:
        """Types the page's table does not declare, which a value of the example `body` does not have."""
        for name, value in body.items():
            p = self.props.get(name)
            if p is None or not p.schema or value is None or (name, "type") in self.done:
                continue
            if (
                p.where.line in self.declared
                or _placeholder(value, p)
                or not validation_errors(value, p.schema)
            ):
                continue
            line = key_lines.get(name, where.line)
            shown = json.dumps(value, ensure_ascii=False)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            detail = (
                f"'{name}' has type {p.doc_type or 'unknown'} only by a reading the page's table does not "
                f"state (line {p.where.line}), but the example {side} at line {line} sends {shown}"
            )
            y = Yield(
                name=name,
                what="type",
                how=How.RESOURCE,
                fact=p.where,
                example=self.ctx.loc(line, where.section, name),
                detail=detail,
            )
            self.give_way(y, dataclasses.replace(p, schema={}))


def _source(fact: Fact[bool]) -> str:
    line = fact.where.line
    if fact.how is How.TABLE_INTRO:
        return f"the table intro at line {line}"
    if fact.how is How.PROSE:
        return f"the sentence at line {line}" + (f' ("{fact.quote}")' if fact.quote else "")
    return f"a weak reading of the page ({fact.how.value}) at line {line}"


def _declared_type_lines(page: Page) -> set[int]:
    """Lines of the Request-body table rows whose Type cell is filled: types the page itself declares."""
    rng = section_range(page, "Request body")
    lines: set[int] = set()
    for table in page.tables:
        type_col = table.column("Type")
        if not in_section(rng, table.line) or type_col < 0:
            continue
        lines.update(row.line for row in table.rows if plain(row.cell(type_col)))
    return lines


def _placeholder(value: JSON, p: Property) -> bool:
    """A stub value standing for a type ("String", "<display name>"): says nothing about the type."""
    if not isinstance(value, str):
        return False
    v = value.strip()
    return (
        v.casefold() in _TYPE_WORDS
        or v.casefold() == p.doc_type.casefold()
        or re.fullmatch(r"<[^<>]*>|\{[^{}]*\}", v) is not None
    )

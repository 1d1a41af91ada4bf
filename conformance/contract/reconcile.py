"""Reconciliation where facts overlap: prose and example properties into the table's, the success status."""

from __future__ import annotations

import dataclasses
import re

from conformance.contract.doctext import plain, says_nullable
from conformance.contract.facts import LOW, MEDIUM, PageContext, in_section, section_range
from conformance.contract.facts_requirements import Kind, text_requirements
from conformance.contract.facts_tables import build_property, has_property_table
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import Example, Fact, How, Property

__all__ = ["complete_from_examples", "merge_prose_required", "success_status"]


def complete_from_examples(
    ctx: PageContext,
    properties: tuple[Property, ...],
    examples: tuple[Example, ...],
    res: dict[str, ResourceProperty] | None,
) -> tuple[tuple[Property, ...], bool]:
    """Add properties the example requests send but no table lists; say whether the body is open.

    The body is closed (unknown properties may be rejected) only when the page has a property
    table and every property of every example request appears in it. Otherwise the page does not
    list the resource's properties completely, and no property can be called unknown.
    """
    known = {p.name for p in properties}
    added: list[Property] = []
    for ex in examples:
        if not isinstance(ex.request_body, dict) or ex.request_where is None:
            continue
        for name in ex.request_body:
            if name.startswith("@") or "@" in name or name in known:
                continue
            known.add(name)
            where = ctx.loc(ex.request_where.line, ex.request_where.section, name)
            rp = (res or {}).get(name)
            fact: Fact[bool] = Fact(
                value=False,
                where=where,
                how=How.EXAMPLE,
                confidence=MEDIUM,
                note="sent by an example request",
            )
            prop = build_property(
                ctx,
                name=name,
                type_cell=rp.doc_type if rp else "",
                desc=rp.description if rp else "",
                required=fact,
                where=where,
                res=res,
            )
            # An example value is no type declaration: without a resource row, accept any JSON value.
            added.append(prop if rp is not None else dataclasses.replace(prop, schema={}, read_only=False))
    closed = has_property_table(ctx.page) and not added
    return properties + tuple(added), not closed


def merge_prose_required(
    ctx: PageContext,
    props: dict[str, Property],
    res: dict[str, ResourceProperty] | None,
    resource: str,
    examples: tuple[Example, ...] = (),
) -> tuple[Property, ...]:
    """The table's properties with those the page's running text requires (a marker or column wins).

    Names are matched against the table, the resource page and the example requests; a sentence
    naming alternatives (`Kind.ONE_OF`) makes nothing required here.
    """
    known = {n.casefold(): n for n in (*props.keys(), *(res or {}).keys())}
    for ex in examples:
        if isinstance(ex.request_body, dict):
            known.update({k.casefold(): k for k in ex.request_body if not k.startswith("@")})
    for req in text_requirements(ctx, known, resource):
        if req.kind is not Kind.ALL:
            continue  # alternatives: "either A or B is required" requires neither alone
        for name in req.names:
            where = ctx.loc(req.line, req.section, name)
            fact: Fact[bool] = Fact(
                value=True, where=where, how=How.PROSE, confidence=req.confidence, quote=req.sentence
            )
            if name in props:
                old = props[name]
                if old.required.how in (How.MARKER, How.COLUMN) or (
                    old.required.how is How.PROSE and old.required.confidence >= req.confidence
                ):
                    continue
                rp = (res or {}).get(name)
                explicit = says_nullable(old.description)
                if explicit is None and rp is not None:
                    explicit = rp.nullable
                # Required now: nullable only where the doc says so.
                props[name] = dataclasses.replace(old, required=fact, nullable=bool(explicit))
            else:
                rp = (res or {}).get(name)
                props[name] = build_property(
                    ctx,
                    name=name,
                    type_cell=rp.doc_type if rp else "",
                    desc=rp.description if rp else "",
                    required=fact,
                    where=where,
                    res=res,
                )
    return tuple(props.values())


def success_status(ctx: PageContext, examples: tuple[Example, ...]) -> Fact[int]:
    """The success status: the Response prose, else the first example response, else 201."""
    rng = section_range(ctx.page, "Response")
    first_ex = next((e for e in examples if e.response_status is not None), None)
    for para in ctx.page.paragraphs:
        if not in_section(rng, para.line) or not in_section(rng, para.line):
            continue
        text = plain(para.text)
        if re.search(r"(?i)\bunsuccessful|\bfails?\b|\berror\b", text) and not re.search(
            r"(?i)\bif successful\b", text
        ):
            continue
        for m in re.finditer(r"\b(2\d\d)\b(?!-)", text):
            code = int(m.group(1))
            where = ctx.loc(para.line, para.section)
            if first_ex is not None and first_ex.response_status != code:
                note = (
                    f"the Response prose says {code} but the first example response is "
                    f"{first_ex.response_status}; the prose is kept"
                )
                return Fact(value=code, where=where, how=How.SECTION, confidence=MEDIUM, note=note)
            return Fact(value=code, where=where, how=How.SECTION)
    if first_ex is not None and first_ex.response_where is not None:
        return Fact(
            value=int(first_ex.response_status or 0),
            where=first_ex.response_where,
            how=How.EXAMPLE,
            confidence=MEDIUM,
            note="the Response prose gives no exact code; taken from the first example response",
        )
    line = rng[0] if rng else 1
    return Fact(
        value=201,
        where=ctx.loc(line, rng[2] if rng else ""),
        how=How.DEFAULT,
        confidence=LOW,
        note="no status code on the page; 201 Created is the create default",
    )

"""A get, list, update or delete page's `Operation`, once `kinds.decide_kind` has said which it is.

An update reads its request-body table, prose requirements and examples as a create does (every property
optional unless the page requires it), and the Response prose's other success code (`204` or `200` with the
updated object). A get and a list read the entity's properties from its resource page and the query options
the page names; a list also whether the page speaks of paging. A page that states no success code gets its
kind's (`200` for get and list, `204` for update and delete), marked as a default.
"""

from __future__ import annotations

import dataclasses

from conformance.contract.consistency import settle
from conformance.contract.facts import LOW, PageContext
from conformance.contract.facts_alternatives import apply_alternatives, find_alternatives
from conformance.contract.facts_examples import example_id_format, example_odata_type
from conformance.contract.facts_ops import also_status, entity_properties, paging, query_options
from conformance.contract.facts_tables import table_properties
from conformance.contract.kinds import KindDecision
from conformance.contract.reconcile import complete_from_examples, merge_prose_required, success_status
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import Alternatives, Example, Fact, Header, How, Operation, Property

__all__ = ["DEFAULT_STATUS", "other_operation"]

DEFAULT_STATUS = {"get": 200, "list": 200, "update": 204, "delete": 204}


def _status(ctx: PageContext, kind: str, examples: tuple[Example, ...]) -> Fact[int]:
    found = success_status(ctx, examples)
    if found.how is not How.DEFAULT:
        return found
    code = DEFAULT_STATUS[kind]
    return dataclasses.replace(
        found, value=code, confidence=LOW, note=f"no status code on the page; {code} is the {kind} default"
    )


def other_operation(
    ctx: PageContext,
    decision: KindDecision,
    method: Fact[str],
    paths: tuple[Fact[str], ...],
    headers: tuple[Header, ...],
    examples: tuple[Example, ...],
    resource: str,
    res: dict[str, ResourceProperty] | None,
) -> Operation:
    """The `Operation` of a get, list, update or delete page."""
    kind = decision.kind.value
    success = _status(ctx, kind, examples)
    properties: tuple[Property, ...]
    open_body = True
    alternatives: tuple[Alternatives, ...] = ()  # an update only
    if kind == "update":
        table = table_properties(ctx, res)
        properties = merge_prose_required(ctx, table, res, resource, examples)
        properties, open_body = complete_from_examples(ctx, properties, examples, res)
        alternatives = find_alternatives(ctx, properties, examples, res)
        properties = apply_alternatives(ctx, properties, alternatives, res)
    else:
        properties = entity_properties(ctx, res)
    op = Operation(
        title=ctx.page.title,
        method=method,
        paths=paths,
        headers=headers,
        properties=properties,
        success_status=success,
        odata_type=example_odata_type(ctx, examples) if kind != "list" else None,
        id_format=example_id_format(ctx, examples),
        examples=examples,
        resource=resource,
        additional_properties=open_body,
        alternatives=alternatives,
        kind=decision.kind,
        key=decision.key,
        also_status=also_status(ctx, success) if kind == "update" else (),
        query_options=query_options(ctx) if kind in ("get", "list") else (),
        paging=paging(ctx) if kind == "list" else None,
    )
    return settle(ctx, op) if kind == "update" else op

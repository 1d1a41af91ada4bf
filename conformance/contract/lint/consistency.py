"""Lint rules for a page at odds with its own contract: example bodies, `@odata.type`, required read-only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from enum import StrEnum

from conformance.contract.derive import unnamed_rows
from conformance.contract.httpexamples import parse_http_block
from conformance.contract.kinds import response_prose, says_collection
from conformance.contract.lint.base import Hit, LintContext, rule
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import (
    JSON,
    WEAK_BELOW,
    DocLocation,
    Severity,
    request_schema,
    response_schema,
)

GRAPH_NAMESPACE = "microsoft.graph"

_ODATA_TYPE_RE = re.compile(r'"@odata\.type"\s*:\s*"([^"]*)"')


class Body(StrEnum):
    """Which example body a note is about (its value is the word the message uses)."""

    REQUEST = "request"
    RESPONSE = "response"


@rule(
    "DOC-ODATA-NAMESPACE",
    Severity.ERROR,
    "An example `@odata.type` is outside `microsoft.graph` (only a warning in a doc annotation).",
)
def odata_namespace(ctx: LintContext) -> Iterator[Hit]:
    lines = ctx.page.lines
    for line in sorted(ctx.code_lines | ctx.annotation_lines):
        if not 1 <= line <= len(lines):
            continue
        for m in _ODATA_TYPE_RE.finditer(lines[line - 1]):
            value = m.group(1)
            core = value.lstrip("#")
            inner = re.fullmatch(r"Collection\((.*)\)", core)
            if inner:
                core = inner.group(1)
            if core.startswith(GRAPH_NAMESPACE + ".") or not core:
                continue
            proposed = ("#" if value.startswith("#") else "") + f"{GRAPH_NAMESPACE}.{core.rsplit('.', 1)[-1]}"
            in_annotation = line in ctx.annotation_lines
            where = "the doc annotation" if in_annotation else "the example body"
            yield Hit(
                line=line,
                message=f"@odata.type {value!r} in {where} is outside the published '{GRAPH_NAMESPACE}' "
                f"namespace; published Graph metadata names it {proposed!r}",
                anchor="@odata.type",
                # no client ever sees the annotation, so it does not break the contract
                severity=Severity.WARNING if in_annotation else Severity.ERROR,
            )


@rule(
    "DOC-EXAMPLE-SCHEMA",
    Severity.ERROR,
    "An example body breaks the schema derived from the page "
    "(a warning when the property it leaves out is only weakly required).",
)
def example_schema(ctx: LintContext) -> Iterator[Hit]:
    op = ctx.op
    req_schema = request_schema(op)
    resp_schema = response_schema(op)
    for ex in op.examples:
        if ex.request_body is not None:
            yield from _check_body(ctx, Body.REQUEST, ex.request_body, req_schema, ex.request_where)
        same_status = ex.response_status in (None, op.success_status.value)
        if ex.response_body is not None and same_status:
            yield from _check_body(ctx, Body.RESPONSE, ex.response_body, resp_schema, ex.response_where)


def _unlisted_requirement(name: str) -> str:
    """Where the requirement of a member the page never lists comes from (the harness's own rules)."""
    if name == "id":
        return (
            "which the page never lists but the harness requires of every create's answer: a created "
            "entity comes back with its key, and every Graph entity has an id (OData 4.01 Protocol "
            "§11.4.2; the Graph REST guidelines)"
        )
    if name == "@odata.type":
        return "which the page's own examples show, so the harness requires it of every create's answer"
    return "which the harness requires though the page never lists it"


def _check_body(
    ctx: LintContext, kind: Body, body: JSON, schema: dict[str, JSON], where: DocLocation | None
) -> Iterator[Hit]:
    op = ctx.op
    block = ctx.block_at(where.line) if where is not None else None
    if block is not None:
        msg = parse_http_block(block)
        body_text, body_line = msg.body_text, msg.body_line or block.start
    else:
        body_text, body_line = "", where.line if where is not None else 1
    done: set[str] = set()
    for pointer, message in validation_errors(body, schema):
        severity = Severity.ERROR
        segments = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
        extra = _unexpected_names(message) if not segments else []
        missing = re.match(r"^'([^']+)' is a required property\Z", message) if not segments else None
        key = "/".join(segments or extra[:1]) + (f"!{missing.group(1)}" if missing else "")
        if key in done:
            continue
        done.add(key)
        line = _pointer_line(body_text, body_line, segments or extra[:1])
        prop = op.property(segments[0]) if len(segments) == 1 else None
        if prop is not None:
            value = body.get(prop.name) if isinstance(body, dict) else None
            text = (
                f"example {kind} body: {prop.name} = {json.dumps(value, ensure_ascii=False)} does not "
                f"match its documented type {prop.doc_type} ({_describe(prop.schema, prop.nullable)}, "
                f"{prop.where.cite()})"
            )
        elif missing is not None:
            name = missing.group(1)
            known = op.property(name)
            if known is not None:
                text = (
                    f"example {kind} body leaves out {name!r}, which the page makes required "
                    f"({known.required.where.cite()})"
                )
            else:
                text = f"example {kind} body leaves out {name!r}, {_unlisted_requirement(name)}"
            if known is not None and known.required.confidence >= WEAK_BELOW:
                text += "; the requirement is explicit, so the example is wrong"
            if known is not None and known.required.confidence < WEAK_BELOW:
                # The requirement itself is a reading of prose or a table intro: the page may
                # simply be loose, so this is not proof of a broken example.
                severity = Severity.WARNING
                text += f"; the requirement is a weak reading of the page ({known.required.how.value})"
        elif extra:
            known = op.property(extra[0])
            why = (
                f"which the page marks read-only ({known.where.cite()})"
                if known is not None and known.read_only
                else "which the page does not list"
            )
            text = f"example {kind} body sends {extra[0]!r}, {why}; a client may not send it"
        else:
            text = f"example {kind} body at {pointer or '/'}: {message}"
        segments = segments or extra[:1]
        anchor = missing.group(1) if missing else (segments[0] if segments else "")
        yield Hit(line=line, message=text, anchor=anchor, severity=severity)


@rule("DOC-REQUIRED-READONLY", Severity.ERROR, "A property is marked both required and read-only.")
def required_read_only(ctx: LintContext) -> Iterator[Hit]:
    for p in ctx.op.properties:
        if p.required.value and p.read_only:
            yield Hit(
                line=p.where.line,
                message=f"'{p.name}' is marked required ({p.required.where.cite()}) and read-only; a client "
                "cannot send a read-only property, so one of the two is wrong",
                anchor=p.name,
            )


def _unexpected_names(message: str) -> list[str]:
    """Property names a jsonschema additionalProperties message complains about."""
    m = re.match(r"^'((?:[^'\\]|\\.)*)' does not match any of the regexes", message)
    if m:
        return [m.group(1)]
    if "unexpected" in message:
        return re.findall(r"'([^']+)'", message.split("(", 1)[-1])
    return []


def _pointer_line(body_text: str, body_line: int, segments: list[str]) -> int:
    """Page line of the deepest object key of `segments` found in the body text."""
    lines = body_text.split("\n")
    found, start = body_line, 0
    for seg in segments:
        if seg.isdigit():
            break  # an array index: stay on the parent's line
        pattern = re.compile(r'"' + re.escape(seg) + r'"\s*:')
        hit = next((j for j in range(start, len(lines)) if pattern.search(lines[j])), None)
        if hit is None:
            break
        found, start = body_line + hit, hit
    return found


def _describe(schema: dict[str, JSON], nullable: bool) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        text = "an RFC 3339 date-time such as 2024-01-31T09:30:00Z"
    elif fmt == "uuid":
        text = "a GUID"
    elif fmt == "date":
        text = "a date such as 2024-01-31"
    elif "enum" in schema:
        text = "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    else:
        text = f"JSON {schema.get('type', 'value')}"
    return text + (" or null" if nullable else "")


__all__ = ["GRAPH_NAMESPACE", "Body"]


@rule(
    "DOC-PROPERTY-NAME",
    Severity.WARNING,
    "A request-body table row's property name is not an identifier, so the contract leaves the row out.",
)
def property_name(ctx: LintContext) -> Iterator[Hit]:
    for line, name in unnamed_rows(ctx.page):
        yield Hit(
            line=line,
            message=f"property {name!r} is not an identifier (letters, digits, _, . or @); "
            "the row is left out of the contract: fix the name or move the row out of the table",
        )


@rule(
    "DOC-KIND-CONFLICT",
    Severity.WARNING,
    "The request line and the Response prose name different kinds of operation: a path ending in a key "
    "whose prose answers a collection, or an update whose path ends in no key.",
)
def kind_conflict(ctx: LintContext) -> Iterator[Hit]:
    op = ctx.op
    if op.kind is None or not op.paths:
        return
    line = f"'{op.method.value.upper()} {op.path}'"
    where = op.paths[0].where.line
    if op.kind.value == "get":
        for n, text in response_prose(ctx.page):
            if says_collection(text):
                yield Hit(
                    line=n,
                    message=f"{line} ends in a key, so the page is read as a get of one entity, but its "
                    "Response prose says it returns a collection: fix the path (a list page ends in no key) "
                    "or the prose ('returns a ... object')",
                )
                return
    if op.kind.value == "update" and op.key is None:
        yield Hit(
            line=where,
            message=f"{line} ends in no key, so it updates no single entity (a singleton, or the whole "
            "collection): the lifecycle and generated update checks skip it; if it updates one entity, end "
            "the path in its key ('/things/{id}')",
        )

"""Records of a Microsoft Graph doc page (create, get, list, update, delete) to a `Spec`, every fact with its
doc location."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

from conformance.contract.consistency import settle
from conformance.contract.docparse import parse_page
from conformance.contract.doctext import plain
from conformance.contract.facts import PageContext, section_range
from conformance.contract.facts_alternatives import apply_alternatives, find_alternatives
from conformance.contract.facts_examples import (
    example_blocks,
    example_id_format,
    example_odata_type,
    page_examples,
    request_values,
    response_values,
)
from conformance.contract.facts_prose import request_line
from conformance.contract.facts_tables import request_headers, table_properties, unnamed_rows
from conformance.contract.files import InputFileError, decode_utf8, read_bytes
from conformance.contract.kinds import decide_kind
from conformance.contract.naming import resource_ref
from conformance.contract.operations import other_operation
from conformance.contract.reconcile import complete_from_examples, merge_prose_required, success_status
from conformance.contract.resources import ResourceLookup, dir_lookup
from conformance.contract.spec import DocLocation, Example, Operation, Spec
from conformance.errors import DocParseError

__all__ = [
    "derive_page",
    "derive_text",
    "example_blocks",
    "page_text",
    "read_page",
    "request_values",
    "response_values",
    "section_range",
    "unnamed_rows",
]


def derive_page(path: str | Path, *, resource_dirs: Sequence[Path] | None = None) -> Spec:
    """Derive the `Spec` of the create page at `path`; resource pages are looked up beside it.

    Raises `DocParseError` (one line) if the file cannot be read or is not a create page.
    """
    p = Path(path)
    data = read_page(p)
    text = page_text(p, data)
    lookup = dir_lookup(p, list(resource_dirs or ()))
    spec = derive_text(text, p.name, resource_lookup=lookup)
    version = spec.version or _version_from_path(p)
    return dataclasses.replace(spec, doc_sha256=hashlib.sha256(data).hexdigest(), version=version)


def read_page(path: Path) -> bytes:
    """The bytes of a doc page (a regular file of at most `MAX_INPUT_BYTES`); `DocParseError` (one line)
    when it cannot be read."""
    try:
        return read_bytes(path)
    except InputFileError as exc:
        raise DocParseError(
            f"{path}:1: cannot read the doc page: {exc}; expected a readable Markdown file"
        ) from None


def page_text(path: Path, data: bytes) -> str:
    """The text of a doc page read by `read_page`; `DocParseError` (one line) when it is not UTF-8."""
    try:
        return decode_utf8(data)
    except InputFileError as exc:
        raise DocParseError(f"{path}:1: cannot read the doc page: {exc}") from None


def _version_from_path(p: Path) -> str:
    for part in reversed(p.resolve().parts[:-1]):
        if part in ("beta", "v1.0"):
            return part
    return ""


def derive_text(text: str, file: str, *, resource_lookup: ResourceLookup | None = None) -> Spec:
    """Derive the `Spec` of a create page given as text; `file` names it in every `DocLocation`."""
    if "\x00" in text:
        raise DocParseError(f"{file}:1: the page is binary, not Markdown; expected a Graph create doc page")
    page = parse_page(text, file)
    ctx = PageContext(page=page, file=file, lookup=resource_lookup)
    title = page.title
    if not title:
        raise ctx.fail(1, "the page has no '# Title' heading", "expected a Graph create doc page")
    method, paths, version = request_line(ctx)
    decision = decide_kind(ctx, method, paths)
    examples = page_examples(ctx)
    ref = resource_ref(ctx, examples, title, create=decision.kind.value == "create")
    resource, resource_link = ref.name, ref.link
    resource_props = resource_lookup(resource_link) if (resource_lookup and resource_link) else None
    headers = request_headers(ctx)
    if decision.kind.value != "create":
        op = other_operation(ctx, decision, method, paths, headers, examples, resource, resource_props)
        return _spec(ctx, text, title, version or _example_version(ctx, examples), op)
    table = table_properties(ctx, resource_props)
    properties = merge_prose_required(ctx, table, resource_props, resource, examples)
    properties, open_body = complete_from_examples(ctx, properties, examples, resource_props)
    alternatives = find_alternatives(ctx, properties, examples, resource_props)
    properties = apply_alternatives(ctx, properties, alternatives, resource_props)
    success = success_status(ctx, examples)
    odata = example_odata_type(ctx, examples)
    id_format = example_id_format(ctx, examples)
    op = settle(
        ctx,
        Operation(
            title=title,
            method=method,
            paths=paths,
            headers=headers,
            properties=properties,
            success_status=success,
            odata_type=odata,
            id_format=id_format,
            examples=examples,
            resource=resource,
            additional_properties=open_body,
            alternatives=alternatives,
        ),
    )
    return _spec(ctx, text, title, version or _example_version(ctx, examples), op)


def _example_version(ctx: PageContext, examples: tuple[Example, ...]) -> str:
    """The API version in the first example request's URL, or ""."""
    for ex in examples:
        if ex.request_where is not None:
            blk = next((b for b in ctx.page.blocks if b.line == ex.request_where.line), None)
            first = blk.text.strip().split("\n", 1)[0] if blk else ""
            m = re.search(r"(?i)https?://[^/\s]+/(beta|v1\.0)\b", first)
            if m:
                return m.group(1).lower()
    return ""


def _spec(ctx: PageContext, text: str, title: str, version: str, op: Operation) -> Spec:
    return Spec(
        doc_file=ctx.file,
        doc_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=title,
        version=version,
        operation=op,
        landmarks=_landmarks(ctx),
    )


def _landmarks(ctx: PageContext) -> tuple[DocLocation, ...]:
    marks: list[DocLocation] = []
    for h in ctx.page.headings:
        marks.append(ctx.loc(h.line, h.text))
    for t in ctx.page.tables:
        for row in t.rows:
            marks.append(ctx.loc(row.line, t.section, plain(row.cell(0))))
    for b in ctx.page.blocks:
        kind = str((b.annotation or {}).get("blockType", "")) or b.lang
        marks.append(ctx.loc(b.line, b.section, f"block:{kind}"))
    return tuple(sorted(marks, key=lambda m: m.line))

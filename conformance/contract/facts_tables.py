"""Facts from the page's tables: the request headers and the request-body property rows."""

from __future__ import annotations

import re

from conformance.contract.docparse import Page
from conformance.contract.doctext import (
    BASE_TYPES,
    ENUM_HINT_RE,
    doc_type_schema,
    documented_values,
    inherited_base,
    plain,
    row_marker,
    says_nullable,
    says_read_only,
    yes_no,
)
from conformance.contract.facts import IDENT_RE, LOW, MEDIUM, PageContext, in_section, section_range
from conformance.contract.resources import ResourceProperty
from conformance.contract.spec import JSON, DocLocation, Fact, Header, How, Property

__all__ = ["build_property", "has_property_table", "request_headers", "table_properties", "unnamed_rows"]

_CONDITIONAL_RE = re.compile(
    r"(?i)\bonly (needs|need|has) to be (specified|set|provided)\b|\b(required|needed) only (if|when)\b"
    r"|\bonly (required|needed) (if|when)\b"
)
_REQUIRED_INTRO_RE = re.compile(r"(?i)\b(properties|parameters|fields)\b[^.]*\b(are|is)\s+required\b")


def _strip_marker(text: str) -> str:
    text = re.sub(r"(?i)^\s*(required|optional)\s*[.:]\s*", "", text)
    text = re.sub(r"(?i)[.\s]*\b(required|optional)\s*\.?\s*\Z", "", text)
    return text.strip().rstrip(".").strip()


def request_headers(ctx: PageContext) -> tuple[Header, ...]:
    """The rows of the "Request headers" table."""
    rng = section_range(ctx.page, "Request headers")
    out: list[Header] = []
    for table in ctx.page.tables:
        if not in_section(rng, table.line):
            continue
        name_col = table.column("Name", "Header", "Request header")
        name_col = 0 if name_col < 0 else name_col
        desc_col = table.column("Description", "Value")
        desc_col = (1 if name_col == 0 else 0) if desc_col < 0 else desc_col
        req_col = table.column("Required")
        for row in table.rows:
            name = plain(row.cell(name_col))
            if not re.fullmatch(r"[A-Za-z0-9\-]+", name):
                continue
            desc = plain(row.cell(desc_col))
            if req_col >= 0 and req_col != desc_col:
                required = row.cell(req_col).strip().casefold().startswith(("yes", "true", "required"))
            else:
                required = re.search(r"(?i)\brequired\b", desc) is not None and not re.search(
                    r"(?i)\bnot required\b", desc
                )
            out.append(
                Header(
                    name=name,
                    required=required,
                    value=_strip_marker(desc),
                    where=ctx.loc(row.line, table.section, name),
                )
            )
    return tuple(out)


def build_property(
    ctx: PageContext,
    *,
    name: str,
    type_cell: str,
    desc: str,
    required: Fact[bool],
    where: DocLocation,
    res: dict[str, ResourceProperty] | None,
) -> Property:
    """A `Property` from a row's cells, the resource page's row and the base types filling the gaps."""
    rp = (res or {}).get(name)
    base = BASE_TYPES.get(inherited_base(desc), {}).get(name) or BASE_TYPES["entity"].get(name)
    doc_type = plain(type_cell).replace("(Optional)", "").replace("(optional)", "").strip()
    if not doc_type:
        doc_type = rp.doc_type if rp else (base[0] if base else "")
        type_cell = type_cell or doc_type
    enum_hint = ENUM_HINT_RE.search(desc) is not None or (
        rp is not None and ENUM_HINT_RE.search(rp.description)
    )
    schema = doc_type_schema(type_cell, enum_hint=bool(enum_hint))
    if not schema and rp is not None:
        schema = dict(rp.schema)
    nullable = says_nullable(desc)
    if nullable is None and rp is not None:
        nullable = rp.nullable
    if nullable is None and base is not None:
        nullable = base[1]
    # A property the api page requires is writable on create, whatever the resource page says.
    read_only = says_read_only(desc) or (rp is not None and rp.read_only and not required.value)
    # An entity key is the server's to assign unless the page makes the caller supply it (OData convention);
    # stub tables that list `id` among the writable properties do not make it writable.
    read_only = read_only or (name == "id" and not required.value)
    return Property(
        name=name,
        doc_type=doc_type,
        schema=schema,
        # OData properties are nullable unless declared otherwise; a required property needs a value.
        nullable=(not required.value) if nullable is None else nullable,
        required=required,
        read_only=read_only,
        description=_clean_description(desc),
        where=where,
        values=_values(schema, desc, rp),
    )


def _values(schema: dict[str, JSON], desc: str, rp: ResourceProperty | None) -> tuple[str, ...]:
    """The values the row (else the resource page's row) lists for a plain string property."""
    if schema.get("type") != "string" or "format" in schema or "enum" in schema:
        return ()
    return documented_values(desc) or (documented_values(rp.description) if rp is not None else ())


def has_property_table(page: Page) -> bool:
    """Whether the "Request body" section has a table with a property-name column."""
    rng = section_range(page, "Request body")
    return any(
        in_section(rng, t.line) and t.column("Property", "Name", "Parameter", "Property name") >= 0
        for t in page.tables
    )


def _intro_line(page: Page, table_line: int, intro: str) -> int:
    """The line of the paragraph that introduces a table (the table's own line when it has none)."""
    paras = [p for p in page.paragraphs if p.line < table_line and p.text == intro]
    return paras[-1].line if intro and paras else table_line


def _clean_description(desc: str) -> str:
    """Description text without TODO placeholders and Required./Optional. markers."""
    text = re.sub(r"\*\*\s*TODO:[^*]*\*\*", "", desc)
    return _strip_marker(plain(text))


def unnamed_rows(page: Page) -> list[tuple[int, str]]:
    """(line, name cell) of each Request-body table row whose name is not an identifier: `table_properties`
    leaves it out of the contract, and lint reports it (DOC-PROPERTY-NAME)."""
    rng = section_range(page, "Request body")
    out = []
    for table in page.tables:
        name_col = table.column("Property", "Name", "Parameter", "Property name")
        if name_col >= 0 and in_section(rng, table.line):
            for row in table.rows:
                name = plain(row.cell(name_col))
                if name and not IDENT_RE.match(name):
                    out.append((row.line, name))
    return out


def table_properties(ctx: PageContext, res: dict[str, ResourceProperty] | None) -> dict[str, Property]:
    """The Request-body table rows as properties, by name, each with the requirement its row gives."""
    page = ctx.page
    rng = section_range(page, "Request body")
    props: dict[str, Property] = {}
    for table in page.tables:
        if not in_section(rng, table.line):
            continue
        name_col = table.column("Property", "Name", "Parameter", "Property name")
        if name_col < 0:
            if table.column("Type") >= 0:
                raise ctx.fail(
                    table.line,
                    f"request-body table has no property-name column (header: {' | '.join(table.header)})",
                    "expected columns Property, Type, Description",
                )
            continue
        type_col = table.column("Type")
        desc_col = table.column("Description")
        req_col = table.column("Required")
        intro = plain(table.intro)
        intro_required = _REQUIRED_INTRO_RE.search(intro) is not None and not re.search(
            r"(?i)\boptional\b", intro
        )
        rows = []
        for row in table.rows:
            name = plain(row.cell(name_col))
            if not IDENT_RE.match(name):
                continue
            desc = row.cell(desc_col)
            type_cell = row.cell(type_col)
            mark: tuple[bool, How] | None = None
            if req_col >= 0:
                yn = yes_no(row.cell(req_col))
                if yn is not None:
                    mark = (yn, How.COLUMN)
            if mark is None:
                m = row_marker(desc, type_cell)
                if m is not None:
                    mark = (m, How.MARKER)
            rows.append((row, name, desc, type_cell, mark))
        any_required_mark = any(m is not None and m[0] for *_, m in rows)
        any_mark = any(m is not None for *_, m in rows)

        unmarked = [(name, desc) for _, name, desc, _, m in rows if m is None]
        # The doc-stub generator dumps every resource property (key `id` included) under a "required" intro.
        stub = intro_required and not any_mark and any(n == "id" or says_read_only(d) for n, d in unmarked)
        for row, name, desc, type_cell, mark in rows:
            where = ctx.loc(row.line, table.section, name)
            if mark is not None:
                req: Fact[bool] = Fact(value=mark[0], where=where, how=mark[1])
            elif intro_required:
                why = ""
                if stub:
                    why = "intro calls every row required but the table lists server-set ones (doc stub)"
                elif any_required_mark:
                    why = "table intro says required, but other rows carry explicit Required. markers"
                elif says_read_only(desc):
                    why = "read-only property"
                elif _CONDITIONAL_RE.search(plain(desc)):
                    why = "description makes it conditional"
                req = Fact(
                    value=not why,
                    where=ctx.loc(_intro_line(page, table.line, table.intro), table.section),
                    how=How.TABLE_INTRO,
                    confidence=LOW,
                    note=why or "the table intro calls its rows required; the row has no marker",
                )
            else:
                req = Fact(
                    value=False, where=where, how=How.DEFAULT, confidence=MEDIUM, note="row is unmarked"
                )
            if name not in props:
                props[name] = build_property(
                    ctx, name=name, type_cell=type_cell, desc=desc, required=req, where=where, res=res
                )
    return props

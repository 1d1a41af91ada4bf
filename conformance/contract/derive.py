"""Records of a Microsoft Graph "create" doc page to a `Spec`, every fact with its doc location."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.contract.docparse import CodeBlock, Page, Paragraph, parse_page
from conformance.contract.doctext import (
    BASE_TYPES,
    ENUM_HINT_RE,
    LINK_RE,
    doc_type_schema,
    inherited_base,
    plain,
    row_marker,
    says_nullable,
    says_read_only,
    yes_no,
)
from conformance.contract.httpexamples import HttpMessage, json_key_lines, parse_http_block
from conformance.contract.resources import ResourceLookup, ResourceProperty, dir_lookup
from conformance.contract.spec import (
    GUID_RE,
    DocLocation,
    Example,
    Fact,
    Header,
    How,
    Operation,
    Property,
    Spec,
)
from conformance.errors import DocParseError

__all__ = [
    "derive_page",
    "derive_text",
    "example_blocks",
    "read_page",
    "request_values",
    "response_values",
    "section_range",
]

LOW = 0.4  # confidence of a fact the page implies rather than states
MEDIUM = 0.7


# -- the page --------------------------------------------------------------------------------------

_CONDITIONAL_RE = re.compile(
    r"(?i)\bonly (needs|need|has) to be (specified|set|provided)\b|\b(required|needed) only (if|when)\b"
    r"|\bonly (required|needed) (if|when)\b"
)
_REQUIRED_INTRO_RE = re.compile(r"(?i)\b(properties|parameters|fields)\b[^.]*\b(are|is)\s+required\b")
_STATUS_RE = re.compile(r"`?\b([1-5]\d\d)\b`?\s*,?\s*([A-Z][A-Za-z]*(?:[ -][A-Z][A-Za-z]*)*)?")
_POST_RE = re.compile(r"^\s*POST\s+(\S.*?)\s*$")
_ABS_URL_RE = re.compile(r"(?i)^https?://[^/\s]+/(beta|v1\.0)(/.*)?$")
_IDENT_RE = re.compile(r"^[@A-Za-z_][\w.@]*$")


@dataclass(slots=True)
class _Ctx:
    page: Page
    file: str
    lookup: ResourceLookup | None

    def loc(self, line: int, section: str, anchor: str = "") -> DocLocation:
        return DocLocation(file=self.file, line=line, section=section, anchor=anchor)

    def fail(self, line: int, what: str, expected: str) -> DocParseError:
        return DocParseError(f"{self.file}:{line}: {what}; {expected}")


def derive_page(path: str | Path, *, resource_dirs: Sequence[Path] | None = None) -> Spec:
    """Derive the `Spec` of the create page at `path`; resource pages are looked up beside it.

    Raises `DocParseError` (one line) if the file cannot be read or is not a create page.
    """
    p = Path(path)
    data = read_page(p)
    text = data.decode("utf-8", errors="replace")
    lookup = dir_lookup(p, list(resource_dirs or ()))
    spec = derive_text(text, p.name, resource_lookup=lookup)
    version = spec.version or _version_from_path(p)
    return dataclasses.replace(spec, doc_sha256=hashlib.sha256(data).hexdigest(), version=version)


def read_page(path: Path) -> bytes:
    """The bytes of a doc page; `DocParseError` (one line) when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DocParseError(
            f"{path}:1: cannot read the doc page ({exc.strerror or exc}); expected a readable Markdown file"
        ) from None


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
    ctx = _Ctx(page=page, file=file, lookup=resource_lookup)
    title = page.title
    if not title:
        raise ctx.fail(1, "the page has no '# Title' heading", "expected a Graph create doc page")
    method, paths, version = _http_request(ctx)
    resource, resource_link = _resource(ctx)
    resource_props = resource_lookup(resource_link) if (resource_lookup and resource_link) else None
    headers = _headers(ctx)
    examples = _examples(ctx)
    properties = _properties(ctx, resource_props, resource)
    properties, open_body = _complete_from_examples(ctx, properties, examples, resource_props)
    success = _success_status(ctx, examples)
    odata = _odata_type(ctx, examples)
    id_format = _id_format(ctx, examples)
    if not resource:
        annot = next((e.response_odata_annotation for e in examples if e.response_odata_annotation), "")
        resource = annot.rsplit(".", 1)[-1] if annot else ""
    if not resource:  # "Create widget" names the resource when nothing else does
        named = re.match(r"(?i)^(?:create|add|post)\s+(?:an?\s+)?([A-Za-z][A-Za-z0-9]*)", title)
        resource = named.group(1) if named else ""
    op = Operation(
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
    )
    if not version:
        for ex in examples:
            if ex.request_where is not None:
                blk = next((b for b in page.blocks if b.line == ex.request_where.line), None)
                first = blk.text.strip().split("\n", 1)[0] if blk else ""
                m = re.search(r"(?i)https?://[^/\s]+/(beta|v1\.0)\b", first)
                if m:
                    version = m.group(1).lower()
                    break
    return Spec(
        doc_file=file,
        doc_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        title=title,
        version=version,
        operation=op,
        landmarks=_landmarks(ctx),
    )


def section_range(page: Page, name: str) -> tuple[int, int, str] | None:
    """(first line, last line, heading text) of the first section titled `name` and its subsections."""
    heads = page.headings
    for k, h in enumerate(heads):
        if h.text.casefold() == name.casefold():
            end = len(page.lines)
            for later in heads[k + 1 :]:
                if later.level <= h.level:
                    end = later.line - 1
                    break
            return h.line, end, h.text
    return None


def _in(rng: tuple[int, int, str] | None, line: int) -> bool:
    return rng is not None and rng[0] <= line <= rng[1]


def _http_request(ctx: _Ctx) -> tuple[Fact[str], tuple[Fact[str], ...], str]:
    page = ctx.page
    rng = section_range(page, "HTTP request")
    if rng is None:
        raise ctx.fail(
            1, "no '## HTTP request' section", "expected a section with the POST line in an http block"
        )
    blocks = [b for b in page.blocks if _in(rng, b.line)]
    if not blocks:
        raise ctx.fail(rng[0], "'HTTP request' has no code block", "expected ```http with 'POST /path'")
    paths: list[Fact[str]] = []
    version = ""
    for block in blocks:
        for offset, line in enumerate(block.text.split("\n")):
            m = _POST_RE.match(line)
            if not m:
                continue
            raw = m.group(1)
            am = _ABS_URL_RE.match(raw)
            if am:
                version = version or am.group(1).lower()
                raw = am.group(2) or "/"
            elif re.match(r"(?i)^/(beta|v1\.0)/", raw):
                version = version or raw.split("/")[1].lower()
                raw = "/" + raw.split("/", 2)[2]
            if not raw.startswith("/"):
                raw = "/" + raw
            where = ctx.loc(block.start + offset, block.section)
            if all(p.value != raw for p in paths):
                paths.append(Fact(value=raw, where=where, how=How.SECTION))
    if not paths:
        other = next(
            (ln for b in blocks for ln in b.text.split("\n") if re.match(r"^\s*[A-Z]{3,7}\s+/", ln)), ""
        )
        what = f"'HTTP request' has no POST line (found {other.strip()!r})" if other else "no POST line"
        raise ctx.fail(blocks[0].start, what, "expected 'POST /path' in the http block")
    method = Fact(value="POST", where=paths[0].where, how=How.SECTION)
    return method, tuple(paths), version


def _resource(ctx: _Ctx) -> tuple[str, str]:
    """(type name, link target) of the first resource link in the page's text."""
    for para in ctx.page.paragraphs:
        for text, target in LINK_RE.findall(para.text):
            if re.search(r"(^|/)resources/[^/]+\.md(#.*)?$", target) and _IDENT_RE.match(plain(text)):
                if para.section.casefold() == "permissions":
                    continue
                return plain(text), target
    return "", ""


def _strip_marker(text: str) -> str:
    text = re.sub(r"(?i)^\s*(required|optional)\s*[.:]\s*", "", text)
    text = re.sub(r"(?i)[.\s]*\b(required|optional)\s*\.?\s*$", "", text)
    return text.strip().rstrip(".").strip()


def _headers(ctx: _Ctx) -> tuple[Header, ...]:
    rng = section_range(ctx.page, "Request headers")
    out: list[Header] = []
    for table in ctx.page.tables:
        if not _in(rng, table.line):
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


# -- request body ----------------------------------------------------------------------------------


def _property(
    ctx: _Ctx,
    *,
    name: str,
    type_cell: str,
    desc: str,
    required: Fact[bool],
    where: DocLocation,
    res: dict[str, ResourceProperty] | None,
) -> Property:
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
    )


def _has_property_table(page: Page) -> bool:
    rng = section_range(page, "Request body")
    return any(
        _in(rng, t.line) and t.column("Property", "Name", "Parameter", "Property name") >= 0
        for t in page.tables
    )


def _complete_from_examples(
    ctx: _Ctx,
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
            prop = _property(
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
    closed = _has_property_table(ctx.page) and not added
    return properties + tuple(added), not closed


def _clean_description(desc: str) -> str:
    """Description text without TODO placeholders and Required./Optional. markers."""
    text = re.sub(r"\*\*\s*TODO:[^*]*\*\*", "", desc)
    return _strip_marker(plain(text))


def _properties(ctx: _Ctx, res: dict[str, ResourceProperty] | None, resource: str) -> tuple[Property, ...]:
    page = ctx.page
    rng = section_range(page, "Request body")
    props: dict[str, Property] = {}
    for table in page.tables:
        if not _in(rng, table.line):
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
            if not _IDENT_RE.match(name):
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
                    where=ctx.loc(table.line - 1 if table.intro else table.line, table.section),
                    how=How.TABLE_INTRO,
                    confidence=LOW,
                    note=why or "the table intro calls its rows required; the row has no marker",
                )
            else:
                req = Fact(
                    value=False, where=where, how=How.DEFAULT, confidence=MEDIUM, note="row is unmarked"
                )
            if name not in props:
                props[name] = _property(
                    ctx, name=name, type_cell=type_cell, desc=desc, required=req, where=where, res=res
                )
    for para in page.paragraphs:
        if not _in(rng, para.line):
            continue
        for name in _prose_required(para, props, res, resource):
            where = ctx.loc(para.line, para.section, name)
            fact: Fact[bool] = Fact(value=True, where=where, how=How.PROSE, confidence=MEDIUM)
            if name in props:
                old = props[name]
                if old.required.how in (How.MARKER, How.COLUMN):
                    continue
                rp = (res or {}).get(name)
                explicit = says_nullable(old.description)
                if explicit is None and rp is not None:
                    explicit = rp.nullable
                # Required now: nullable only where the doc says so.
                props[name] = dataclasses.replace(old, required=fact, nullable=bool(explicit))
            else:
                rp = (res or {}).get(name)
                props[name] = _property(
                    ctx,
                    name=name,
                    type_cell=rp.doc_type if rp else "",
                    desc=rp.description if rp else "",
                    required=fact,
                    where=where,
                    res=res,
                )
    return tuple(props.values())


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z>*`\[])")
_NAMED_RE = re.compile(r"\*\*([^*]+)\*\*|`([^`]+)`")
_CONDITION_START_RE = re.compile(r"(?i)^(if|when|for an?|unless|in case|to)\b")


def _prose_required(
    para: Paragraph, props: dict[str, Property], res: dict[str, ResourceProperty] | None, resource: str
) -> list[str]:
    """Property names a Request-body paragraph requires in running text."""
    known = {n.casefold(): n for n in (*props.keys(), *(res or {}).keys())}
    text = LINK_RE.sub(lambda m: m.group(1), para.text.lstrip("> "))
    found: list[str] = []

    def add(token: str) -> None:
        token = token.strip().strip(".,;:")
        if not _IDENT_RE.match(token) or token.casefold() == resource.casefold():
            return
        if (
            token.casefold() in {"id", "json", "post", "true", "false", "null"}
            and token.casefold() not in known
        ):
            return
        name = known.get(token.casefold(), token)
        if name not in found:
            found.append(name)

    for sentence in _SENTENCE_SPLIT_RE.split(text):
        s = sentence.strip()
        low = s.casefold()
        if _CONDITION_START_RE.match(s) or "permission" in low or "at least one of" in low:
            continue
        clause = re.split(r"(?i)\bbut not\b|\bmust not\b|\bexcept\b|\bnot required\b", s, maxsplit=1)[0]
        m = re.search(r"(?i)\b(?:must|need to) (?:contain|include|specify|provide|have)\b(.*)", clause)
        if m is None:
            m = re.search(r"(?i)\bfollowing required (?:fields|properties|parameters)\b(.*)", clause)
        if m is not None:
            for b, c in _NAMED_RE.findall(m.group(1)):
                add(b or c)
            continue
        m = re.search(r"(?i)(\S+)\s+(?:property\s+)?must be (?:set|specified|provided)\b", clause)
        if m is not None:
            add(plain(m.group(1)))
            continue
        if re.search(r"(?i)\b(is|are) (?:also )?required\b", clause) and not re.search(
            r"(?i)\b(none|no|not all)\b[^.]*\brequired", clause
        ):
            first = plain(clause.split(None, 1)[0]) if clause.split() else ""
            if first.casefold() in known:
                add(first)
            for b, c in _NAMED_RE.findall(clause):
                add(b or c)
    return found


# -- examples and response -------------------------------------------------------------------------


def _block_kind(block: CodeBlock) -> str:
    kind = str((block.annotation or {}).get("blockType", "")).casefold()
    if kind in ("request", "response"):
        return kind
    if kind:
        return ""
    first = block.text.strip().split("\n", 1)[0]
    if block.lang == "http" and first.startswith("HTTP/"):
        return "response"
    if block.lang == "http" and first.startswith("POST "):
        return "request"
    return ""


def example_blocks(page: Page) -> list[tuple[CodeBlock | None, CodeBlock | None]]:
    """(request block, response block) pairs of the Examples, in page order."""
    rng = section_range(page, "HTTP request")
    pairs: list[tuple[CodeBlock | None, CodeBlock | None]] = []
    pending: CodeBlock | None = None
    for block in page.blocks:
        if _in(rng, block.line):
            continue
        kind = _block_kind(block)
        if kind == "request":
            if pending is not None:
                pairs.append((pending, None))
            pending = block
        elif kind == "response":
            pairs.append((pending, block))
            pending = None
    if pending is not None:
        pairs.append((pending, None))
    return pairs


def _examples(ctx: _Ctx) -> tuple[Example, ...]:
    out: list[Example] = []
    for k, (req, resp) in enumerate(example_blocks(ctx.page), start=1):
        rq = parse_http_block(req) if req else None
        rs = parse_http_block(resp) if resp else None
        name = str((req.annotation or {}).get("name", "") if req else "") or str(
            (resp.annotation or {}).get("name", "") if resp else ""
        )
        annot = (resp.annotation or {}).get("@odata.type") if resp else None
        out.append(
            Example(
                name=name or f"example-{k}",
                request_body=rq.body if rq else None,
                request_headers=rq.headers if rq else (),
                request_where=ctx.loc(req.line, req.section) if req else None,
                response_status=rs.status if rs else None,
                response_headers=rs.headers if rs else (),
                response_body=rs.body if rs else None,
                response_where=ctx.loc(resp.line, resp.section) if resp else None,
                response_odata_annotation=str(annot) if isinstance(annot, str) and annot else None,
            )
        )
    return tuple(out)


def _example_values(page: Page, side: int) -> list[tuple[CodeBlock, HttpMessage, dict[str, int]]]:
    out = []
    for pair in example_blocks(page):
        block = pair[side]
        if block is None:
            continue
        msg = parse_http_block(block)
        lines = json_key_lines(msg.body_text, msg.body_line) if msg.body_line else {}
        out.append((block, msg, lines))
    return out


def response_values(page: Page) -> list[tuple[CodeBlock, HttpMessage, dict[str, int]]]:
    """Every example response block with its parsed message and the page line of each top-level key."""
    return _example_values(page, 1)


def request_values(page: Page) -> list[tuple[CodeBlock, HttpMessage, dict[str, int]]]:
    """Every example request block with its parsed message and the page line of each top-level key."""
    return _example_values(page, 0)


def _success_status(ctx: _Ctx, examples: tuple[Example, ...]) -> Fact[int]:
    rng = section_range(ctx.page, "Response")
    first_ex = next((e for e in examples if e.response_status is not None), None)
    for para in ctx.page.paragraphs:
        if not _in(rng, para.line) or not _in(rng, para.line):
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


def _odata_type(ctx: _Ctx, examples: tuple[Example, ...]) -> Fact[str] | None:
    values = response_values(ctx.page)
    if not values:
        return None
    block, msg, lines = values[0]
    body = msg.body
    if isinstance(body, dict) and isinstance(body.get("@odata.type"), str):
        line = lines.get("@odata.type", msg.body_line)
        return Fact(value=body["@odata.type"], where=ctx.loc(line, block.section), how=How.EXAMPLE)
    annot = (block.annotation or {}).get("@odata.type")
    if isinstance(annot, str) and annot.strip():
        value = annot.strip()
        value = value if value.startswith("#") else "#" + value
        return Fact(
            value=value,
            where=ctx.loc(block.annotation_line or block.line, block.section),
            how=How.ANNOTATION,
            confidence=MEDIUM,
            note="the example response body has no @odata.type; taken from the block annotation",
        )
    return None


def _id_format(ctx: _Ctx, examples: tuple[Example, ...]) -> Fact[str]:
    values = response_values(ctx.page)
    if values:
        block, msg, lines = values[0]
        body = msg.body
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            fmt = "guid" if GUID_RE.match(body["id"]) else "string"
            return Fact(
                value=fmt, where=ctx.loc(lines.get("id", msg.body_line), block.section), how=How.EXAMPLE
            )
        where = ctx.loc(block.line, block.section)
    else:
        rng = section_range(ctx.page, "Response")
        where = ctx.loc(rng[0] if rng else 1, rng[2] if rng else "")
    return Fact(
        value="string",
        where=where,
        how=How.DEFAULT,
        confidence=LOW,
        note="no id in the example response; any non-empty string is accepted",
    )


def _landmarks(ctx: _Ctx) -> tuple[DocLocation, ...]:
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

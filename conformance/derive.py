"""Records of a Microsoft Graph "create" doc page to a `Spec`, every fact with its doc location."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.docparse import CodeBlock, Page, Paragraph, parse_page
from conformance.errors import DocParseError
from conformance.spec import (
    GUID_RE,
    JSON,
    DocLocation,
    Example,
    Fact,
    Header,
    How,
    Operation,
    Property,
    Spec,
)

__all__ = [
    "HttpMessage",
    "ResourceLookup",
    "ResourceProperty",
    "derive_page",
    "derive_text",
    "doc_type_schema",
    "json_key_lines",
    "lenient_json",
    "parse_http_block",
    "read_resource_page",
]

LOW = 0.4  # confidence of a fact the page implies rather than states
MEDIUM = 0.7


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceProperty:
    """A row of a resource page's properties table."""

    name: str
    doc_type: str
    description: str
    nullable: bool | None  # None: the page does not say
    read_only: bool  # says read-only and does not also call itself required
    schema: dict[str, JSON]
    line: int
    file: str


ResourceLookup = Callable[[str], dict[str, ResourceProperty] | None]
"""Given a resource link target (e.g. `../resources/user.md`), its properties by name, or None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpMessage:
    """An example HTTP request or response block, split into its parts."""

    start_line: str  # "POST https://..." or "HTTP/1.1 201 Created" ("" when the block is bare JSON)
    status: int | None
    headers: tuple[tuple[str, str], ...]
    body_text: str
    body_line: int  # page line of the first body line (0 when there is no body)
    body: JSON  # parsed leniently; None when absent or unreadable
    body_error: str  # why the body could not be parsed ("" when fine or absent)


# -- doc types ---------------------------------------------------------------------------------

_PRIMITIVES: dict[str, dict[str, JSON]] = {
    "string": {"type": "string"},
    "int16": {"type": "integer"},
    "int32": {"type": "integer"},
    "int64": {"type": "integer"},
    "integer": {"type": "integer"},
    "byte": {"type": "integer"},
    "sbyte": {"type": "integer"},
    "double": {"type": "number"},
    "single": {"type": "number"},
    "float": {"type": "number"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "datetimeoffset": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "timeofday": {"type": "string"},
    "guid": {"type": "string", "format": "uuid"},
    "duration": {"type": "string"},
    "binary": {"type": "string"},
    "stream": {"type": "string"},
}

_LINK_RE = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")


def _plain(text: str) -> str:
    """Markdown cell text without links, emphasis, HTML tags and escapes."""
    text = _LINK_RE.sub(r"\1", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"[*`]", "", text).replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def doc_type_schema(doc_type: str, *, enum_hint: bool = False) -> dict[str, JSON]:
    """JSON Schema for a doc type cell (`String`, `Collection(Int32)`, `[itemBody](...) collection`).

    Unknown complex or enum types give `{}` (no constraint) unless the cell links a resource page
    (an object) or `enum_hint` says the type is an enumeration (a string).
    """
    raw = doc_type.strip()
    links = _LINK_RE.findall(raw)
    text = _plain(raw).replace("(Optional)", "").replace("(optional)", "").strip()
    m = re.fullmatch(r"(?i)collection\s*\(\s*(.+?)\s*\)", text) or re.fullmatch(
        r"(?i)(.+?)\s+collection", text
    )
    if m:
        if links:
            inner = _link_schema(links[0][1], enum_hint)
        else:
            inner = doc_type_schema(m.group(1), enum_hint=enum_hint)
        return {"type": "array", "items": inner}
    key = text.casefold().removeprefix("edm.")
    if key in _PRIMITIVES:
        return dict(_PRIMITIVES[key])
    if links:
        return _link_schema(links[0][1], enum_hint)
    return {"type": "string"} if enum_hint else {}


def _link_schema(target: str, enum_hint: bool) -> dict[str, JSON]:
    if "#" in target and re.search(r"(?i)values?$", target.split("#", 1)[1]):
        return {"type": "string"}
    if enum_hint:
        return {"type": "string"}
    if target.split("#", 1)[0].endswith(".md"):
        return {"type": "object"}
    return {}


_ENUM_HINT_RE = re.compile(r"(?i)possible values (are|include)|the possible values|supported values")


def _says_nullable(description: str) -> bool | None:
    d = description.casefold()
    if re.search(r"\bnot\s+nullable\b|\bnon-?nullable\b", d):
        return False
    if re.search(r"\bnullable\b", d):
        return True
    return None


def _says_read_only(description: str) -> bool:
    return re.search(r"(?i)\bread[- ]?only\b", description) is not None


# Base types every Graph page inherits from, for pages whose resource page is not at hand.
_BASE_TYPES: dict[str, dict[str, tuple[str, bool, bool]]] = {
    # name -> property -> (doc type, nullable, read_only)
    "directoryobject": {"id": ("String", False, True), "deletedDateTime": ("DateTimeOffset", True, True)},
    "entity": {"id": ("String", False, True)},
}


# -- resource pages -----------------------------------------------------------------------------


def read_resource_page(path: Path) -> dict[str, ResourceProperty] | None:
    """Properties table of a resource page (name -> property); None if unreadable or absent."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    page = parse_page(text, path.name)
    out: dict[str, ResourceProperty] = {}
    for table in page.tables:
        name_col = table.column("Property", "Name")
        type_col = table.column("Type")
        if name_col < 0 or type_col < 0 or "relationship" in table.section.casefold():
            continue
        desc_col = table.column("Description")
        for row in table.rows:
            name = _plain(row.cell(name_col))
            if not re.fullmatch(r"[@A-Za-z_][\w.@]*", name) or name in out:
                continue
            desc = row.cell(desc_col)
            doc_type = row.cell(type_col)
            out[name] = ResourceProperty(
                name=name,
                doc_type=_plain(doc_type),
                description=_plain(desc),
                nullable=_says_nullable(desc),
                # "Required. Read-only." contradicts itself; the api page decides then.
                read_only=_says_read_only(desc) and _row_marker(desc, "") is not True,
                schema=doc_type_schema(doc_type, enum_hint=_ENUM_HINT_RE.search(desc) is not None),
                line=row.line,
                file=path.name,
            )
    return out or None


def _dir_lookup(page_path: Path | None, resource_dirs: Sequence[Path]) -> ResourceLookup:
    cache: dict[str, dict[str, ResourceProperty] | None] = {}

    def lookup(target: str) -> dict[str, ResourceProperty] | None:
        target = target.split("#", 1)[0]
        if not target.endswith(".md"):
            return None
        if target in cache:
            return cache[target]
        candidates: list[Path] = []
        if page_path is not None:
            candidates.append(page_path.parent / target)
        name = Path(target).name
        for d in resource_dirs:
            candidates.append(Path(d) / name)
        found = None
        for c in candidates:
            if c.is_file():
                found = read_resource_page(c)
                if found is not None:
                    break
            elif c.parent.is_dir():  # file names differ in case on some pages
                match = next((p for p in c.parent.glob("*.md") if p.name.casefold() == name.casefold()), None)
                if match is not None:
                    found = read_resource_page(match)
                    if found is not None:
                        break
        cache[target] = found
        return found

    return lookup


# -- lenient JSON and HTTP blocks ----------------------------------------------------------------


def _strip_comments(text: str) -> str:
    out: list[str] = []
    i, n = 0, len(text)
    in_str = False
    while i < n:
        ch = text[i]
        if in_str:
            out.append(ch)
            if ch == "\\" and i + 1 < n:
                out.append(text[i + 1])
                i += 2
                continue
            if ch == '"':
                in_str = False
            i += 1
            continue
        if ch == '"':
            in_str = True
            out.append(ch)
            i += 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            skipped = text[i : (n if end < 0 else end + 2)]
            out.append("\n" * skipped.count("\n"))
            i = n if end < 0 else end + 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def lenient_json(text: str) -> tuple[JSON, str]:
    """Parse an example body: comments, trailing commas and `...` lines are dropped.

    Returns (value, "") or (None, reason). Never raises.
    """
    if not text.strip():
        return None, ""
    try:
        return json.loads(text), ""
    except (ValueError, RecursionError):
        pass
    cleaned = _strip_comments(text)
    cleaned = "\n".join(
        line for line in cleaned.split("\n") if not re.fullmatch(r"\s*(\.\s*){3,}\s*,?\s*|\s*…\s*,?\s*", line)
    )
    cleaned = re.sub(r",(\s*[}\]])", r"\1", cleaned)
    try:
        return json.loads(cleaned), ""
    except json.JSONDecodeError as exc:
        return None, f"example body is not JSON ({exc.msg} at line {exc.lineno})"
    except ValueError as exc:
        return None, f"example body is not JSON ({exc})"
    except RecursionError:
        return None, "example body nests too deeply"


def json_key_lines(text: str, first_line: int) -> dict[str, int]:
    """Page line of each top-level key of the JSON object in `text` (first occurrence)."""
    out: dict[str, int] = {}
    depth = 0
    line = first_line
    i, n = 0, len(text)
    expect_key = False
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
        elif ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            s = text[i + 1 : j]
            if depth == 1 and expect_key:
                out.setdefault(s, line)
            line += s.count("\n")
            expect_key = False
            i = j + 1
            continue
        elif ch in "{[":
            depth += 1
            expect_key = ch == "{" and depth == 1
        elif ch in "}]":
            depth -= 1
        elif ch == "," and depth == 1:
            expect_key = True
        i += 1
    return out


def parse_http_block(block: CodeBlock) -> HttpMessage:
    """Split an example block into start line, headers and (leniently parsed) body."""
    lines = block.text.split("\n")
    idx = 0
    while idx < len(lines) and not lines[idx].strip():
        idx += 1
    start = ""
    status: int | None = None
    headers: list[tuple[str, str]] = []
    if (
        idx < len(lines)
        and re.match(r"^\s*(HTTP/\S+\s+\d{3}|[A-Z]+\s+\S)", lines[idx])
        and not lines[idx].lstrip().startswith(("{", "["))
    ):
        start = lines[idx].strip()
        m = re.match(r"^HTTP/\S+\s+(\d{3})", start)
        status = int(m.group(1)) if m else None
        idx += 1
        while idx < len(lines) and lines[idx].strip():
            hm = re.match(r"^\s*([A-Za-z0-9\-]+)\s*:\s*(.*)$", lines[idx])
            if not hm:
                break
            headers.append((hm.group(1), hm.group(2).strip()))
            idx += 1
    while idx < len(lines) and not lines[idx].strip():
        idx += 1
    body_text = "\n".join(lines[idx:])
    body_line = block.start + idx if body_text.strip() else 0
    body, err = lenient_json(body_text) if body_text.strip() else (None, "")
    return HttpMessage(
        start_line=start,
        status=status,
        headers=tuple(headers),
        body_text=body_text,
        body_line=body_line,
        body=body,
        body_error=err,
    )


# -- the page --------------------------------------------------------------------------------------

_REQ_MARK_RE = re.compile(
    r"(?i)(?:^|[.!?]\s+)(required|optional)\s*[.:](?:\s|$)|(?:^|[.!?]\s+|\s)(required|optional)\s*\.?\s*$"
)
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
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise DocParseError(
            f"{p}:1: cannot read the doc page ({exc.strerror or exc}); expected a readable Markdown file"
        ) from None
    text = data.decode("utf-8", errors="replace")
    lookup = _dir_lookup(p, list(resource_dirs or ()))
    spec = derive_text(text, p.name, resource_lookup=lookup)
    version = spec.version or _version_from_path(p)
    return _replace_spec(spec, doc_sha256=hashlib.sha256(data).hexdigest(), version=version)


def _replace_spec(spec: Spec, **changes: Any) -> Spec:
    import dataclasses

    return dataclasses.replace(spec, **changes)


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
        for text, target in _LINK_RE.findall(para.text):
            if re.search(r"(^|/)resources/[^/]+\.md(#.*)?$", target) and _IDENT_RE.match(_plain(text)):
                if para.section.casefold() == "permissions":
                    continue
                return _plain(text), target
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
            name = _plain(row.cell(name_col))
            if not re.fullmatch(r"[A-Za-z0-9\-]+", name):
                continue
            desc = _plain(row.cell(desc_col))
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


def _row_marker(desc: str, type_cell: str) -> bool | None:
    """True/False for an explicit Required./Optional. marker in a row, None when unmarked."""
    plain = _plain(desc)
    m = _REQ_MARK_RE.search(plain)
    if m:
        word = (m.group(1) or m.group(2) or "").casefold()
        return word == "required"
    if re.search(r"(?i)\(optional\)", type_cell) or re.search(r"(?i)^\s*\(optional\)", plain):
        return False
    if re.search(r"(?i)\(required\)", type_cell) or re.search(r"(?i)^\s*\(required\)", plain):
        return True
    return None


def _yes_no(cell: str) -> bool | None:
    c = _plain(cell).casefold()
    if c.startswith(("yes", "true", "required")):
        return True
    if c.startswith(("no", "false", "optional")):
        return False
    return None


def _inherited_base(desc: str) -> str:
    m = re.search(r"(?i)inherited from \[?([A-Za-z.]+)\]?", desc)
    return m.group(1).rsplit(".", 1)[-1].casefold() if m else ""


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
    base = _BASE_TYPES.get(_inherited_base(desc), {}).get(name) or _BASE_TYPES["entity"].get(name)
    doc_type = _plain(type_cell).replace("(Optional)", "").replace("(optional)", "").strip()
    if not doc_type:
        doc_type = rp.doc_type if rp else (base[0] if base else "")
        type_cell = type_cell or doc_type
    enum_hint = _ENUM_HINT_RE.search(desc) is not None or (
        rp is not None and _ENUM_HINT_RE.search(rp.description)
    )
    schema = doc_type_schema(type_cell, enum_hint=bool(enum_hint))
    if not schema and rp is not None:
        schema = dict(rp.schema)
    nullable = _says_nullable(desc)
    if nullable is None and rp is not None:
        nullable = rp.nullable
    if nullable is None and base is not None:
        nullable = base[1]
    # A property the api page requires is writable on create, whatever the resource page says.
    read_only = _says_read_only(desc) or (rp is not None and rp.read_only and not required.value)
    # An entity key is the server's to assign unless the page makes the caller supply it (OData convention);
    # stub tables that list `id` among the writable properties do not make it writable.
    read_only = read_only or (name == "id" and not required.value)
    return Property(
        name=name,
        doc_type=doc_type,
        schema=schema,
        nullable=bool(nullable),
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
    return _strip_marker(_plain(text))


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
        intro = _plain(table.intro)
        intro_required = _REQUIRED_INTRO_RE.search(intro) is not None and not re.search(
            r"(?i)\boptional\b", intro
        )
        rows = []
        for row in table.rows:
            name = _plain(row.cell(name_col))
            if not _IDENT_RE.match(name):
                continue
            desc = row.cell(desc_col)
            type_cell = row.cell(type_col)
            mark: tuple[bool, How] | None = None
            if req_col >= 0:
                yn = _yes_no(row.cell(req_col))
                if yn is not None:
                    mark = (yn, How.COLUMN)
            if mark is None:
                m = _row_marker(desc, type_cell)
                if m is not None:
                    mark = (m, How.MARKER)
            rows.append((row, name, desc, type_cell, mark))
        any_required_mark = any(m is not None and m[0] for *_, m in rows)
        any_mark = any(m is not None for *_, m in rows)

        unmarked = [(name, desc) for _, name, desc, _, m in rows if m is None]
        # The doc-stub generator dumps every resource property (key `id` included) under a "required" intro.
        stub = intro_required and not any_mark and any(n == "id" or _says_read_only(d) for n, d in unmarked)
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
                elif _says_read_only(desc):
                    why = "read-only property"
                elif _CONDITIONAL_RE.search(_plain(desc)):
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
                import dataclasses

                props[name] = dataclasses.replace(old, required=fact)
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
    text = _LINK_RE.sub(lambda m: m.group(1), para.text.lstrip("> "))
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
            add(_plain(m.group(1)))
            continue
        if re.search(r"(?i)\b(is|are) (?:also )?required\b", clause) and not re.search(
            r"(?i)\b(none|no|not all)\b[^.]*\brequired", clause
        ):
            first = _plain(clause.split(None, 1)[0]) if clause.split() else ""
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
        text = _plain(para.text)
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
            marks.append(ctx.loc(row.line, t.section, _plain(row.cell(0))))
    for b in ctx.page.blocks:
        kind = str((b.annotation or {}).get("blockType", "")) or b.lang
        marks.append(ctx.loc(b.line, b.section, f"block:{kind}"))
    return tuple(sorted(marks, key=lambda m: m.line))

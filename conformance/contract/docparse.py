"""Markdown page to records: front matter, headings, tables, fenced blocks, paragraphs, with lines."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from conformance.contract.spec import JSON

__all__ = [
    "CodeBlock",
    "FrontMatter",
    "Heading",
    "Page",
    "Paragraph",
    "Table",
    "TableRow",
    "parse_annotation",
    "parse_page",
    "split_row",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FrontMatter:
    """The `---` block at the top of a page: key -> (value, line)."""

    values: tuple[tuple[str, str, int], ...] = ()

    def get(self, key: str, default: str = "") -> str:
        return next((v for k, v, _ in self.values if k == key), default)


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading:
    """An ATX heading (`## Text`)."""

    level: int
    text: str
    line: int
    section: str  # the heading above this one ("" for the first)


@dataclass(frozen=True, slots=True, kw_only=True)
class TableRow:
    """One body row of a pipe table."""

    cells: tuple[str, ...]
    line: int

    def cell(self, index: int) -> str:
        return self.cells[index] if 0 <= index < len(self.cells) else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A pipe table: header cells and body rows; `line` is the header line."""

    header: tuple[str, ...]
    rows: tuple[TableRow, ...]
    line: int
    section: str
    intro: str = ""  # the paragraph just above the table, if any

    def column(self, *names: str) -> int:
        """Index of the first header cell equal (case-insensitive) to one of `names`, or -1."""
        wanted = [n.casefold() for n in names]
        for want in wanted:
            for i, h in enumerate(self.header):
                if _strip_md(h).casefold() == want:
                    return i
        return -1


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeBlock:
    """A fenced code block with the `<!-- { ... } -->` annotation just above it, if any."""

    lang: str
    text: str
    line: int  # the opening fence
    start: int  # the first content line
    section: str
    annotation: dict[str, JSON] | None = None
    annotation_line: int = 0
    annotation_error: str = ""  # why an annotation above the block could not be read


@dataclass(frozen=True, slots=True, kw_only=True)
class Paragraph:
    """A run of non-blank text lines outside tables, blocks and headings (joined by spaces)."""

    text: str
    line: int
    section: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """Everything `parse_page` found, in page order within each kind."""

    file: str
    front_matter: FrontMatter
    headings: tuple[Heading, ...]
    tables: tuple[Table, ...]
    blocks: tuple[CodeBlock, ...]
    paragraphs: tuple[Paragraph, ...]
    lines: tuple[str, ...]

    @property
    def title(self) -> str:
        """The first level-1 heading, or the front matter's title."""
        h1 = next((h for h in self.headings if h.level == 1), None)
        return h1.text if h1 else self.front_matter.get("title").strip("\"'")

    def section(self, name: str) -> Heading | None:
        """The first heading whose text equals `name` (case-insensitive)."""
        want = name.casefold()
        return next((h for h in self.headings if h.text.casefold() == want), None)


_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*\Z")
_FENCE_RE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
_ALIGN_CELL_RE = re.compile(r"^\s*:?-{1,}:?\s*\Z")
_ANNOT_START_RE = re.compile(r"^\s*<!--\s*(\{.*)?\Z")
_MD_RE = re.compile(r"[*_`]")


def _strip_md(text: str) -> str:
    return _MD_RE.sub("", text).strip()


def split_row(line: str) -> list[str]:
    """Cells of a pipe-table line; tolerates missing outer pipes and `\\|` escapes."""
    text = line.strip()
    cells: list[str] = []
    buf: list[str] = []
    i = 0
    in_code = False
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] == "|":
            buf.append("|")
            i += 2
            continue
        if ch == "`":
            in_code = not in_code
        if ch == "|" and not in_code:
            cells.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    cells.append("".join(buf))
    if in_code and len(cells) == 1:  # an unbalanced backtick: split plainly instead
        cells = re.split(r"(?<!\\)\|", text)
    if cells and text.startswith("|"):
        cells = cells[1:]
    if cells and text.endswith("|") and not text.endswith("\\|"):
        cells = cells[:-1]
    return [c.strip() for c in cells]


def _is_align_row(line: str) -> bool:
    cells = split_row(line)
    return bool(cells) and "|" in line and all(_ALIGN_CELL_RE.match(c) for c in cells)


def parse_annotation(text: str) -> dict[str, JSON] | None:
    """The JSON object inside `<!-- { ... } -->`, tolerating trailing commas; None if unreadable."""
    body = text.strip()
    if body.startswith("<!--"):
        body = body[4:]
    if body.endswith("-->"):
        body = body[:-3]
    body = re.sub(r",(\s*[}\]])", r"\1", body.strip())
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_page(text: str, file: str) -> Page:
    """Split a Markdown page into records. Never raises for any text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    n = len(lines)
    headings: list[Heading] = []
    tables: list[Table] = []
    blocks: list[CodeBlock] = []
    paragraphs: list[Paragraph] = []
    section = ""
    front: list[tuple[str, str, int]] = []
    i = 0
    if lines and lines[0].strip() == "---":
        j = 1
        while j < n and lines[j].strip() != "---":
            m = re.match(r"^([A-Za-z0-9_.\-]+)\s*:\s*(.*)\Z", lines[j])
            if m:
                front.append((m.group(1), m.group(2).strip(), j + 1))
            j += 1
        if j < n:
            i = j + 1
        else:
            front = []
    pending_annot: tuple[dict[str, JSON] | None, int, str] | None = None
    para: list[str] = []
    para_line = 0

    def flush() -> None:
        nonlocal para
        if para:
            paragraphs.append(
                Paragraph(text=" ".join(s.strip() for s in para), line=para_line, section=section)
            )
            para = []

    while i < n:
        line = lines[i]
        stripped = line.strip()
        fence = _FENCE_RE.match(line)
        if fence:
            flush()
            marker = fence.group(2)
            lang = fence.group(3).strip().lower()
            j = i + 1
            while j < n and not lines[j].strip().startswith(marker[0] * len(marker)):
                j += 1
            content = lines[i + 1 : j]
            annot, annot_line, annot_err = pending_annot if pending_annot else (None, 0, "")
            blocks.append(
                CodeBlock(
                    lang=lang,
                    text="\n".join(content),
                    line=i + 1,
                    start=i + 2,
                    section=section,
                    annotation=annot,
                    annotation_line=annot_line,
                    annotation_error=annot_err,
                )
            )
            pending_annot = None
            i = j + 1
            continue
        if _ANNOT_START_RE.match(line) and (
            "{" in line or (stripped == "<!--" and i + 1 < n and lines[i + 1].strip().startswith("{"))
        ):
            flush()
            j = i
            while j < n and "-->" not in lines[j]:
                j += 1
            raw = "\n".join(lines[i : min(j, n - 1) + 1])
            parsed = parse_annotation(raw)
            err = "" if parsed is not None else "annotation is not a JSON object"
            pending_annot = (parsed, i + 1, err)
            i = j + 1
            continue
        m = _HEADING_RE.match(line)
        if m:
            flush()
            pending_annot = None
            heading_text = _strip_md(m.group(2))
            headings.append(Heading(level=len(m.group(1)), text=heading_text, line=i + 1, section=section))
            section = heading_text
            i += 1
            continue
        if "|" in stripped and i + 1 < n and _is_align_row(lines[i + 1]) and "-" in lines[i + 1]:
            flush()
            header = tuple(split_row(line))
            intro = paragraphs[-1].text if paragraphs and paragraphs[-1].section == section else ""
            rows: list[TableRow] = []
            j = i + 2
            while j < n and lines[j].strip() and "|" in lines[j] and not _FENCE_RE.match(lines[j]):
                cells = split_row(lines[j])
                cells += [""] * (len(header) - len(cells))  # short rows: the missing cells are empty
                rows.append(TableRow(cells=tuple(cells), line=j + 1))
                j += 1
            tables.append(Table(header=header, rows=tuple(rows), line=i + 1, section=section, intro=intro))
            i = j
            continue
        if not stripped:
            flush()
        else:
            if not para:
                para_line = i + 1
            para.append(line)
        i += 1
    flush()
    return Page(
        file=file,
        front_matter=FrontMatter(values=tuple(front)),
        headings=tuple(headings),
        tables=tuple(tables),
        blocks=tuple(blocks),
        paragraphs=tuple(paragraphs),
        lines=tuple(lines),
    )

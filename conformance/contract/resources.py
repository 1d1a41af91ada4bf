"""Resource pages beside an api page: their properties tables, for property types and nullability."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conformance.contract.docparse import parse_page
from conformance.contract.doctext import (
    ENUM_HINT_RE,
    doc_type_schema,
    plain,
    row_marker,
    says_nullable,
    says_read_only,
)
from conformance.contract.files import InputFileError, read_bytes
from conformance.contract.spec import JSON


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


# -- resource pages -----------------------------------------------------------------------------


def read_resource_page(path: Path) -> dict[str, ResourceProperty] | None:
    """Properties table of a resource page (name -> property); None if unreadable or absent."""
    try:  # a regular file of bounded size only: a FIFO or device beside the page must not hang the run
        text = read_bytes(path).decode("utf-8", errors="replace")
    except InputFileError:
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
            name = plain(row.cell(name_col))
            if not re.fullmatch(r"[@A-Za-z_][\w.@]*", name) or name in out:
                continue
            desc = row.cell(desc_col)
            doc_type = row.cell(type_col)
            out[name] = ResourceProperty(
                name=name,
                doc_type=plain(doc_type),
                description=plain(desc),
                nullable=says_nullable(desc),
                # "Required. Read-only." contradicts itself; the api page decides then.
                read_only=says_read_only(desc) and row_marker(desc, "") is not True,
                schema=doc_type_schema(doc_type, enum_hint=ENUM_HINT_RE.search(desc) is not None),
                line=row.line,
                file=path.name,
            )
    return out or None


def dir_lookup(page_path: Path | None, resource_dirs: Sequence[Path]) -> ResourceLookup:
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


__all__ = ["ResourceLookup", "ResourceProperty", "dir_lookup", "read_resource_page"]

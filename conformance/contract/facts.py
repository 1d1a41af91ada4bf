"""The ground the fact finders share: the page in hand, its sections, and how sure a fact is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.contract.docparse import Page
from conformance.contract.resources import ResourceLookup
from conformance.contract.spec import DocLocation
from conformance.errors import DocParseError

__all__ = ["IDENT_RE", "LOW", "MEDIUM", "PageContext", "in_section", "section_range"]

LOW = 0.4  # confidence of a fact the page implies rather than states
MEDIUM = 0.7

IDENT_RE = re.compile(r"^[@A-Za-z_][\w.@]*\Z")


@dataclass(slots=True)
class PageContext:
    """The page being derived, its file name for every `DocLocation`, and its resource-page lookup."""

    page: Page
    file: str
    lookup: ResourceLookup | None

    def loc(self, line: int, section: str, anchor: str = "") -> DocLocation:
        return DocLocation(file=self.file, line=line, section=section, anchor=anchor)

    def fail(self, line: int, what: str, expected: str) -> DocParseError:
        return DocParseError(f"{self.file}:{line}: {what}; {expected}")


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


def in_section(rng: tuple[int, int, str] | None, line: int) -> bool:
    """Whether `line` falls in the section range `rng` (never when the section is absent)."""
    return rng is not None and rng[0] <= line <= rng[1]

"""Several doc pages (or a folder of them) as one `Spec`: a resource's create, get, list, update and delete.

`expand_pages` turns the command line's arguments into page files (a folder gives its `*.md` files, sorted);
`combine` makes the pages' specs one: the create page's operation is `Spec.operation` (so every check of a
create runs as it does on a create page alone), the others follow in the order given (`Spec.others`). A set
of pages holds at most one create: a second is a usage error naming both pages.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from pathlib import Path

from conformance.contract.spec import Spec
from conformance.errors import DocParseError

__all__ = ["combine", "expand_pages"]


def expand_pages(args: Sequence[str]) -> list[Path]:
    """Each argument as page files: a file as given, a folder as its `*.md` files (sorted, not recursive)."""
    pages: list[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.md") if p.is_file())
            if not found:
                what = "the folder holds no .md doc pages; give pages or a folder with some"
                raise DocParseError(f"{arg}: {what}")
            pages.extend(found)
        else:
            pages.append(path)
    return list(dict.fromkeys(pages))


def combine(specs: Sequence[Spec]) -> Spec:
    """One `Spec` of the pages' operations: the create first, the others in the order given."""
    if len(specs) == 1:
        return specs[0]
    creates = [s for s in specs if s.operation.kind is None]
    if len(creates) > 1:
        names = ", ".join(s.doc_file for s in creates)
        raise DocParseError(
            f"{creates[1].doc_file}:1: more than one create page ({names}); give the pages of one resource"
        )
    first = creates[0] if creates else specs[0]
    rest = [s for s in specs if s is not first]
    digest = hashlib.sha256("".join(f"{s.doc_file}:{s.doc_sha256}\n" for s in specs).encode()).hexdigest()
    return dataclasses.replace(
        first,
        doc_sha256=digest,
        version=first.version or next((s.version for s in rest if s.version), ""),
        others=tuple(s.operation for s in rest),
        # landmarks stay the first page's: a create check's DocRef must not bind to another page's row
        notes=first.notes + tuple(n for s in rest for n in s.notes),
    )

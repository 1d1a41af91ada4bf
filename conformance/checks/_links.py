"""Whether a list's `@odata.nextLink` may be followed, and the exact URL path the harness then sends.

A nextLink is hostile input. Before any test of where it points, it is refused when it is no URI at all:
a control character (CR, LF, TAB, NUL, DEL, C1) or a backslash is not allowed anywhere in a URI (RFC 3986
§2, Appendix A), and a server or proxy may read either as a separator. Its dot segments are then resolved
(RFC 3986 §5.2.4) on the form where `%2e` (any case) is written `.` (an unreserved character's percent
form is the same URI, RFC 3986 §2.3 and §6.2.2.2): the HTTP stack would resolve them itself before the
request goes out (requests unquotes `%2e`, urllib3 removes dot segments), so the origin and base-path test
is made on what would really be requested, and the path returned is already resolved, so nothing changes
it on the way out. A path that still names a dot segment once fully percent-decoded (`%252e`, `..%2f`) is
refused too: a server that decodes before routing would leave the base path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urljoin, urlsplit

_ENCODED_DOT = re.compile("%2e", re.IGNORECASE)
_NOT_URI = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
_CONTROL_NAMES = {"\r": "CR", "\n": "LF", "\t": "TAB", "\x00": "NUL", "\x7f": "DEL", "\\": "a backslash"}


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4: `path` with its `.` and `..` segments resolved (never above the root)."""
    out: list[str] = []
    rest = path
    while rest:
        if rest.startswith("../"):
            rest = rest[3:]
        elif rest.startswith("./"):
            rest = rest[2:]
        elif rest.startswith("/./") or rest == "/.":
            rest = "/" + rest[3:] if rest.startswith("/./") else "/"
        elif rest.startswith("/../") or rest == "/..":
            rest = "/" + rest[4:] if rest.startswith("/../") else "/"
            if out:
                out.pop()
        elif rest in (".", ".."):
            rest = ""
        else:
            cut = rest.find("/", 1)
            segment, rest = (rest, "") if cut < 0 else (rest[:cut], rest[cut:])
            out.append(segment)
    return "".join(out)


def _bad_character(link: str) -> str | None:
    found = _NOT_URI.search(link)
    if found is None:
        return None
    char = found.group()
    return _CONTROL_NAMES.get(char, f"the control character U+{ord(char):04X}")


def _names_dot_segment(path: str) -> bool:
    decoded = path
    for _ in range(3):  # %252e -> %2e -> .
        decoded = unquote(decoded)
    return any(s in (".", "..") for s in re.split(r"[/\\]", decoded))


@dataclass(frozen=True, slots=True)
class Link:
    """A nextLink judged: `why` (with what the harness expected instead) when it must not be followed;
    otherwise `path`, the resolved path and query below the target's base URL, to request as it is."""

    why: str | None = None
    expected: str = ""
    path: str = ""


def judge_link(link: str, page_url: str, base_url: str) -> Link:
    """Judge `link` (read from the page fetched at `page_url`) against the target's `base_url`."""
    bad = _bad_character(link)
    if bad is not None:
        return Link(
            f"holds {bad}, which no URI may hold (RFC 3986); not followed, so nothing is sent for it",
            "a URL with no control character or backslash",
        )
    target = urlsplit(base_url)
    parts = urlsplit(urljoin(page_url, link.strip(" ")))
    if (parts.scheme.lower(), parts.netloc.lower()) != (target.scheme.lower(), target.netloc.lower()):
        return Link(
            "points off the target's origin; not followed, so no credential goes there",
            f"a link on {target.scheme}://{target.netloc}",
        )
    path = remove_dot_segments(_ENCODED_DOT.sub(".", parts.path))
    base = target.path.rstrip("/")
    if not path.startswith(base + "/"):
        return Link(
            "points outside the target's base path once its dot segments are resolved "
            f"(to {path[:200]}); not followed, so no credential goes there",
            f"a link under {base or '/'}",
        )
    if _names_dot_segment(path):
        return Link(
            "names a dot segment once percent-decoded, which a server that decodes first would resolve "
            "out of the base path; not followed",
            "a link whose path has no encoded dot segment",
        )
    rest = path[len(base) :]
    return Link(path=rest + (f"?{parts.query}" if parts.query else ""))


__all__ = ["Link", "judge_link", "remove_dot_segments"]

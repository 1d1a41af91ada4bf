"""Example HTTP blocks of a doc page: start line, headers and a leniently parsed JSON body.

Doc examples are often not valid JSON (comments, trailing commas, `...` ellipses); they are parsed
as a careful reader would, and never raise.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from conformance.contract.docparse import CodeBlock
from conformance.contract.spec import JSON


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


def strip_comments(text: str) -> str:
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
    cleaned = strip_comments(text)
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
            hm = re.match(r"^\s*([A-Za-z0-9\-]+)\s*:\s*(.*)\Z", lines[idx])
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


__all__ = ["HttpMessage", "json_key_lines", "lenient_json", "parse_http_block", "strip_comments"]

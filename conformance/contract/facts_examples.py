"""Facts from the example blocks: the examples, their values, the response's @odata.type and id format."""

from __future__ import annotations

from conformance.contract.docparse import CodeBlock, Page
from conformance.contract.facts import LOW, MEDIUM, PageContext, in_section, section_range
from conformance.contract.httpexamples import HttpMessage, json_key_lines, parse_http_block
from conformance.contract.spec import GUID_RE, Example, Fact, How

__all__ = [
    "example_blocks",
    "example_id_format",
    "example_odata_type",
    "page_examples",
    "request_values",
    "response_values",
]


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
        if in_section(rng, block.line):
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


def page_examples(ctx: PageContext) -> tuple[Example, ...]:
    """Every request/response example of the page, parsed, with its doc location."""
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


def example_odata_type(ctx: PageContext, examples: tuple[Example, ...]) -> Fact[str] | None:
    """The `@odata.type` of the first example response (body, else block annotation)."""
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


def example_id_format(ctx: PageContext, examples: tuple[Example, ...]) -> Fact[str]:
    """The format of the first example response's `id` (guid or string); string, by default, without one."""
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

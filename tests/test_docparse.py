"""Tests of the Markdown page parser: records and their lines."""

from __future__ import annotations

from pathlib import Path

from conformance.contract.docparse import parse_annotation, parse_page, split_row

SEED = Path(__file__).resolve().parents[1] / "specs" / "create-outboundshareduserprofile.md"


def test_seed_records_carry_lines_and_sections():
    page = parse_page(SEED.read_text(encoding="utf-8"), SEED.name)
    assert page.title == "Create outboundSharedUserProfile"
    assert page.front_matter.get("doc_type") == "apiPageType"
    assert next(line for k, _, line in page.front_matter.values if k == "doc_type") == 7
    assert [(h.level, h.text, h.line) for h in page.headings[:3]] == [
        (1, "Create outboundSharedUserProfile", 10),
        (2, "Permissions", 17),
        (2, "HTTP request", 26),
    ]
    body = next(t for t in page.tables if t.section == "Request body")
    assert body.header == ("Property", "Type", "Description")
    assert [(r.cells[0], r.line) for r in body.rows] == [("deletedDateTime", 49), ("userId", 50)]
    assert "following properties" in body.intro
    request = page.blocks[1]
    assert (request.lang, request.line, request.start, request.section) == ("http", 66, 67, "Request")
    assert request.annotation == {"blockType": "request", "name": "create_outboundshareduserprofile_from_"}
    para = next(p for p in page.paragraphs if p.section == "Response")
    assert para.line == 56
    assert "201 Created" in para.text


def test_split_row_tolerates_missing_pipes_escapes_and_empty_cells():
    assert split_row("| a | b \\| c | |") == ["a", "b | c", ""]
    assert split_row("a | b") == ["a", "b"]
    assert split_row("|`x|y`|z|") == ["`x|y`", "z"]


def test_table_without_outer_pipes_and_alignment_row():
    page = parse_page("## T\n\nName | Type\n:-- | --:\nx | String\ny |\n", "t.md")
    (table,) = page.tables
    assert table.header == ("Name", "Type")
    assert [r.cells for r in table.rows] == [("x", "String"), ("y", "")]
    assert table.rows[1].line == 6
    assert table.section == "T"


def test_annotation_with_trailing_comma_and_one_line_form():
    assert parse_annotation('<!-- { "blockType": "request", "name": "x", } -->') == {
        "blockType": "request",
        "name": "x",
    }
    assert parse_annotation("<!-- { not json } -->") is None
    page = parse_page('# A\n<!-- {\n  "blockType": "response",\n}-->\n```json\n{}\n```\n', "a.md")
    assert page.blocks[0].annotation == {"blockType": "response"}
    assert page.blocks[0].annotation_line == 2


def test_broken_annotation_is_recorded_not_raised():
    page = parse_page("# A\n<!-- { oops -->\n```http\nPOST /x\n```\n", "a.md")
    assert page.blocks[0].annotation is None
    assert page.blocks[0].annotation_error


def test_unclosed_fence_and_garbage_do_not_raise():
    for text in (
        "",
        "\x00\x01\xff",
        "<html><body>|a|</body></html>",
        "```\nno end",
        "---\nno end",
        "|\n|-|\n",
    ):
        page = parse_page(text, "g.md")
        assert page.file == "g.md"

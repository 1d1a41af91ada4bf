"""report.md: golden files, verdict and order, and that target text cannot break the Markdown."""

from __future__ import annotations

import dataclasses
import html.parser

import pytest

from conformance.reporters import markdown
from conformance.results import Status
from tests.reporters.golden_files import check_golden, render
from tests.reporters.sample_runs import (
    ALL_RUNS,
    FAIL_REQUIRED,
    error_run,
    failing_run,
    hostile_run,
    passing_run,
    undecided_run,
)

markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py renders the report like GitHub")


def to_html(text: str) -> str:
    rendered: str = markdown_it.MarkdownIt("commonmark").enable("table").render(text)
    return rendered


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.cells_per_row: list[int] = []
        self.code_blocks: list[str] = []
        self._in_pre = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.cells_per_row.append(0)
        elif tag in ("td", "th"):
            self.cells_per_row[-1] += 1
        elif tag == "pre":
            self._in_pre = True
            self.code_blocks.append("")

    def handle_endtag(self, tag):
        if tag == "pre":
            self._in_pre = False

    def handle_data(self, data):
        if self._in_pre:
            self.code_blocks[-1] += data


def parse(text: str) -> Tags:
    p = Tags()
    p.feed(to_html(text))
    return p


@pytest.mark.parametrize("name", sorted(ALL_RUNS))
def test_golden(name):
    check_golden(f"{name}.report.md", render(markdown, ALL_RUNS[name]()))


@pytest.mark.parametrize(
    ("run", "first"),
    [
        (passing_run, "## Conformance: ✅ PASS — 3 checks: 2 passed, 0 failed, 0 errors, 1 skipped"),
        (
            failing_run,
            "## Conformance: ❌ FAIL — 6 checks: 2 passed, 3 failed (2 MUST, 1 SHOULD), 0 errors, 1 skipped",
        ),
        (error_run, "## Conformance: ❌ FAIL — 3 checks: 1 passed, 1 failed (1 MUST), 1 error, 0 skipped"),
        (
            undecided_run,
            "## Conformance: ⚠️ ERROR — 3 checks: 1 passed, 1 failed (1 SHOULD), 1 error, 0 skipped",
        ),
    ],
)
def test_verdict_line_first(run, first):
    assert render(markdown, run()).splitlines()[0] == first


def test_failures_come_first_in_order():
    text = render(markdown, error_run())
    must, errors, table, contract, details = (
        text.index("### MUST failures"),
        text.index("### Errors"),
        text.index("### All checks"),
        text.index("### Contract"),
        text.index("### Run details"),
    )
    assert must < errors < table < contract < details
    text = render(markdown, failing_run())
    assert text.index("### MUST failures") < text.index("### SHOULD failures") < text.index("### All checks")
    assert "### " not in render(markdown, passing_run()).split("### All checks")[0]


def test_failure_is_self_contained():
    text = render(markdown, failing_run())
    block = text[text.index("#### CREATE-003") : text.index("#### FUZZ-001")]
    assert "**Requirement (MUST):** A request without userId is rejected with 400 Bad Request." in block
    assert "`create-outboundshareduserprofile.md:50 (Request body, userId)`" in block
    assert "- Expected: 400 Bad Request\n- Actual: 201 Created" in block
    assert "```sh\ncurl -sS -X POST 'http://127.0.0.1:8080/directory/outboundSharedUserProfiles'" in block
    assert '```\n{"id": "83876b0d-6b0d-8387-0d6b-87830d6b8783"}\n```' in block


def test_long_bodies_are_cut_and_findings_capped():
    run = failing_run()
    many = dataclasses.replace(FAIL_REQUIRED, findings=FAIL_REQUIRED.findings * 5)
    text = render(markdown, dataclasses.replace(run, results=(many,)))
    assert text.count("**Finding ") == 3
    assert "2 more finding(s)" in text
    should = render(markdown, run)
    assert "Response 400 Bad Request (excerpt):" in should
    assert "bad request" * 100 not in should


def test_hostile_text_cannot_break_the_markdown():
    run = hostile_run()
    text = render(markdown, run)
    assert not any(ch in text for ch in "\x00\x07\x0b\x1b")
    page = parse(text)
    assert not {"script", "img", "details"} & set(page.tags)  # no raw HTML got through
    table_rows = page.cells_per_row
    assert len(table_rows) == 1 + len(run.results) + 1 + 9  # checks table + run details table
    assert set(table_rows) == {5, 2}
    body = run.results[1].findings[0].evidence.exchange.response.body  # type: ignore[union-attr]
    assert any(
        block.rstrip("\n")
        == body.replace("\x07", "").replace("\x00", "").replace("\x1b", "").replace("\x0b", "")
        for block in page.code_blocks
    )
    assert any(block.startswith("curl -X POST") and "```fence```" in block for block in page.code_blocks)


def test_fence_outgrows_any_backtick_run():
    run = failing_run()
    r = run.results[1]
    finding = r.findings[0]
    evidence = finding.evidence
    assert evidence is not None
    assert evidence.exchange is not None
    assert evidence.exchange.response is not None
    response = dataclasses.replace(evidence.exchange.response, body="a\n```````\nb")
    exchange = dataclasses.replace(evidence.exchange, response=response)
    evil_finding = dataclasses.replace(finding, evidence=dataclasses.replace(evidence, exchange=exchange))
    evil = dataclasses.replace(r, status=Status.FAIL, findings=(evil_finding,))
    text = render(markdown, dataclasses.replace(run, results=(evil,)))
    assert "````````\na\n```````\nb\n````````" in text
    assert "a\n```````\nb\n" in parse(text).code_blocks

"""report.html: self-contained, strict CSP, everything from the target escaped, failures first."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import re

import pytest

from conformance.reporters import html as html_reporter
from conformance.results import result_rank
from tests.reporters.golden_files import render
from tests.reporters.sample_runs import ALL_RUNS, HOSTILE, PWN_IMG, PWN_SCRIPT, failing_run, hostile_run


class Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._open.append(tag)
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data):
        if self._open and self._open[-1] == "script":
            self.scripts[-1] += data
        elif self._open and self._open[-1] == "title":
            self.title += data
        else:
            self.text.append(data)

    def first(self, tag: str, **match: str) -> dict[str, str | None]:
        return next(a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in match.items()))


def parse(text: str) -> Page:
    p = Page()
    p.feed(text)
    p.close()
    return p


@pytest.mark.parametrize("name", sorted(ALL_RUNS))
def test_self_contained_with_strict_csp(name):
    page = parse(render(html_reporter, ALL_RUNS[name]()))
    csp = page.first("meta", **{"http-equiv": "Content-Security-Policy"})["content"] or ""
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["style-src"] == "'unsafe-inline'"
    assert "unsafe" not in directives["script-src"]
    assert len(page.scripts) == 1
    digest = base64.b64encode(hashlib.sha256(page.scripts[0].encode()).digest()).decode()
    assert directives["script-src"] == f"'sha256-{digest}'"
    for tag, attrs in page.elements:
        assert tag not in {"img", "iframe", "object", "embed", "link", "base", "audio", "video", "source"}
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        assert not attrs.get("src")
        assert not attrs.get("action")
        assert (attrs.get("href") or "#").startswith("#")
        assert "url(" not in (attrs.get("style") or "")


def test_hostile_payloads_stay_text():
    run = hostile_run()
    text = render(html_reporter, run)
    assert "<script>document" not in text
    assert "<img" not in text
    assert "\x00" not in text
    page = parse(text)
    tags = [t for t, _ in page.elements]
    assert tags.count("script") == 1
    assert "img" not in tags
    body_text = "".join(page.text)
    assert PWN_SCRIPT in body_text
    assert PWN_IMG in body_text
    assert "]]>" in body_text
    assert "```fence``` `tick` a|b|c Ünïcødé ✓ 漢字 </details> -->" in body_text
    assert "PWNED" not in page.title
    # Every place target text appears: message, expected/actual, headers, reason, bodies, curl, notes.
    assert body_text.count("bell nul esc[31m vt") >= 10
    assert HOSTILE not in body_text  # control characters are dropped


def test_verdict_and_counts_at_top():
    page = parse(render(html_reporter, failing_run()))
    assert page.title == "Conformance FAIL: create-outboundshareduserprofile.md"
    header = page.first("header")
    assert header["class"] == "verdict v-fail"
    text = "".join(page.text)
    assert text.index("FAIL") < text.index(
        "6 checks · 2 passed · 3 failed (2 MUST, 1 SHOULD) · 0 errors · 1 skipped"
    )
    assert text.index("6 checks") < text.index("Checks")


def test_checks_failures_first_and_filterable():
    run = failing_run()
    page = parse(render(html_reporter, run))
    checks = [a for t, a in page.elements if t == "details" and "check" in (a.get("class") or "")]
    assert [a["id"] for a in checks] == [f"check-{r.check.id}" for r in sorted(run.results, key=result_rank)]
    assert [(a["data-level"], a["data-status"]) for a in checks] == [
        (r.check.level.value, r.status.value) for r in sorted(run.results, key=result_rank)
    ]
    assert all(("open" in a) == (a["data-status"] in ("fail", "error")) for a in checks)
    filters = page.first("form", id="filters")
    assert "hidden" in filters  # shown by the script only: the page reads fine without JS
    boxes = {(a["name"], a["value"]) for t, a in page.elements if t == "input"}
    assert boxes == {("level", lv) for lv in ("MUST", "SHOULD", "MAY")} | {
        ("status", s) for s in ("pass", "fail", "error", "skip")
    }


def test_evidence_is_in_the_page():
    text = "".join(parse(render(html_reporter, failing_run())).text)
    assert (
        "POST http://127.0.0.1:8080/directory/outboundSharedUserProfiles\nAuthorization: Bearer ***" in text
    )
    assert "201 Created\nContent-Type: application/json" in text
    assert "curl -sS -X POST" in text
    assert '"deletedDateTime": null' in text  # the generated input
    assert "(body cut; 8496 bytes read)" in text
    assert re.search(r"DOC-TODO\s*The Response section says TODO\.", text)

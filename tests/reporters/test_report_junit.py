"""junit.xml: golden files, counts, escaping and the element shapes CI systems read."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET

import pytest

from conformance.contract.spec import Level
from conformance.reporters import junit
from conformance.results import RunResult, Status
from tests.reporters.golden_files import check_golden, render
from tests.reporters.sample_runs import ALL_RUNS, PWN_IMG, PWN_SCRIPT, failing_run, hostile_run

# Allowed attributes and children, after the JUnit XSD most CI readers follow (Jenkins junit-10.xsd).
SHAPES = {
    "testsuites": (
        {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "disabled"},
        ["testsuite"],
    ),
    "testsuite": (
        {"name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "id", "package"},
        ["properties", "testcase", "system-out", "system-err"],
    ),
    "properties": (set(), ["property"]),
    "property": ({"name", "value"}, []),
    "testcase": (
        {"name", "classname", "time", "assertions", "status"},
        ["skipped", "error", "failure", "system-out", "system-err"],
    ),
    "skipped": ({"message"}, []),
    "error": ({"message", "type"}, []),
    "failure": ({"message", "type"}, []),
    "system-out": (set(), []),
    "system-err": (set(), []),
}
REQUIRED = {"testsuite": {"name", "tests"}, "testcase": {"name", "classname"}, "property": {"name", "value"}}
OUTCOME = {"failures": "failure", "errors": "error", "skipped": "skipped"}
DECIMAL = re.compile(r"^\d+(\.\d+)?$")
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


def parse(run: RunResult) -> ET.Element:
    return ET.fromstring(render(junit, run).encode("utf-8"))


def assert_shape(el: ET.Element) -> None:
    attrs, children = SHAPES[el.tag]
    assert set(el.attrib) <= attrs, (el.tag, set(el.attrib) - attrs)
    assert REQUIRED.get(el.tag, set()) <= set(el.attrib), el.tag
    if "time" in el.attrib:
        assert DECIMAL.match(el.attrib["time"]), el.attrib["time"]
    for count in ("tests", "failures", "errors", "skipped"):
        if count in el.attrib:
            assert el.attrib[count].isdigit()
    if "timestamp" in el.attrib:
        assert STAMP.match(el.attrib["timestamp"])
    order = [children.index(c.tag) for c in el]  # ValueError: a child the schema does not allow
    assert order == sorted(order), f"children of <{el.tag}> out of schema order"
    if el.tag == "testcase":
        outcomes = [c.tag for c in el if c.tag in ("skipped", "error", "failure")]
        assert len(outcomes) <= 1
    for child in el:
        assert_shape(child)


@pytest.mark.parametrize("name", sorted(ALL_RUNS))
def test_golden(name):
    check_golden(f"{name}.junit.xml", render(junit, ALL_RUNS[name]()))


@pytest.mark.parametrize("name", sorted(ALL_RUNS))
def test_shape_and_counts(name):
    run = ALL_RUNS[name]()
    root = parse(run)
    assert_shape(root)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root] == ["MUST", "SHOULD", "MAY"]
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite, level in zip(root, Level, strict=True):
        members = [r for r in run.results if r.check.level is level]
        cases = suite.findall("testcase")
        assert len(cases) == len(members) == int(suite.get("tests", "-1"))
        counted = level in run.failing_levels
        want = {
            "failures": sum(r.status is Status.FAIL for r in members) if counted else 0,
            "errors": sum(r.status is Status.ERROR for r in members),
            "skipped": sum(
                r.status is Status.SKIP or (r.status is Status.FAIL and not counted) for r in members
            ),
        }
        for key, n in want.items():
            assert int(suite.get(key, "-1")) == n
            assert len(suite.findall(f"testcase/{OUTCOME[key]}")) == n
            total[key] += n
        total["tests"] += len(members)
        assert float(suite.get("time", "nan")) == pytest.approx(sum(r.duration_s for r in members), abs=0.002)
        for case, r in zip(cases, members, strict=True):
            assert case.get("classname") == f"conformance.{level.value}"
            assert case.get("name", "").startswith(r.check.id + " ")
    for key, n in total.items():
        assert int(root.get(key, "-1")) == n


def test_failure_body_is_enough_to_reproduce():
    root = parse(failing_run())
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("CREATE-003"))
    assert case.get("name") == "CREATE-003 userId is required"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == "missing userId was accepted"
    body = failure.text or ""
    assert "Requirement (MUST): A request without userId is rejected with 400 Bad Request." in body
    assert "create-outboundshareduserprofile.md:50 (Request body, userId)" in body
    assert "expected: 400 Bad Request" in body
    assert "actual:   201 Created" in body
    assert "curl -sS -X POST 'http://127.0.0.1:8080/directory/outboundSharedUserProfiles'" in body
    should = next(c for c in root.iter("testcase") if c.get("name", "").startswith("ODATA-002"))
    skipped = should.find("skipped")
    assert skipped is not None  # a SHOULD failure does not count without --strict
    assert "(+1 more) [SHOULD not met; --strict counts it]" in skipped.get("message", "")


def _case(root: ET.Element, cid: str) -> ET.Element:
    return next(c for c in root.iter("testcase") if c.get("name", "").startswith(cid + " "))


def test_uncounted_should_failure_is_skipped_with_the_finding_as_message():
    run = failing_run()
    assert Level.SHOULD not in run.failing_levels
    should = next(r for r in run.results if r.check.id == "ODATA-002")
    case = _case(parse(run), "ODATA-002")
    assert case.find("failure") is None
    assert case.find("error") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith(should.findings[0].message)
    assert "Finding 1:" in (skipped.text or "")  # the evidence stays readable in the CI view


def test_strict_run_keeps_a_should_failure_a_failure():
    run = dataclasses.replace(failing_run(), failing_levels=(Level.MUST, Level.SHOULD))
    root = parse(run)
    failure = _case(root, "ODATA-002").find("failure")
    assert failure is not None
    assert failure.get("message", "").endswith("(+1 more)")
    should_suite = next(s for s in root if s.get("name") == "SHOULD")
    assert should_suite.get("failures") == "1"


def test_passing_verdict_has_no_failure_elements():
    run = failing_run()
    only_uncounted = dataclasses.replace(
        run,
        results=tuple(
            r for r in run.results if r.status is not Status.FAIL or r.check.level is not Level.MUST
        ),
    )
    assert only_uncounted.exit_code == 0
    assert any(r.status is Status.FAIL for r in only_uncounted.results)
    root = parse(only_uncounted)
    assert root.get("failures") == "0"
    assert root.get("errors") == "0"
    assert not list(root.iter("failure"))


def test_hostile_text_is_escaped_and_cleaned():
    text = render(junit, hostile_run())
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    assert "<script>" not in text
    assert "<img" not in text
    root = ET.fromstring(text.encode("utf-8"))
    case = next(c for c in root.iter("testcase") if c.get("name", "").startswith("CREATE-666"))
    assert case.get("name") == f"CREATE-666 hostile {PWN_SCRIPT}"
    failure = case.find("failure")
    assert failure is not None
    assert len(failure) == 0
    assert PWN_SCRIPT in (failure.text or "")
    assert PWN_IMG in (failure.text or "")
    assert "]]>" in (failure.text or "")
    assert "Ünïcødé ✓ 漢字" in (failure.text or "")
    assert "bell nul esc[31m vt ```fence```" in (failure.get("message") or "")
    error = next(root.iter("error"))
    assert (error.get("message") or "").startswith("ValueError: <script>")

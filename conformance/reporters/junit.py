"""The `junit.xml` reporter: one testsuite per level, one testcase per check, for CI test tabs.

A failure at a level that does not count (SHOULD without `--strict`, MAY always) is a `<skipped>` whose
message is the finding, as pytest writes an xfail: a CI test view agrees with the exit code and is not red on
a passing run. Under `--strict` a SHOULD failure counts, and is a `<failure>`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from conformance.contract.spec import Level
from conformance.results import CheckResult, Finding, RunResult, Status, WaiverState

if TYPE_CHECKING:
    from typing import TextIO

filename = "junit.xml"

# Characters XML 1.0 cannot carry at all (C0 controls except tab/newline/CR, surrogates, U+FFFE/F), and
# DEL and C1 controls, which it only discourages but a terminal showing the file would obey (U+009B is CSI).
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EXCERPT = 2000  # characters of a response body shown in a failure body
_TITLE = 80


def write(run: RunResult, stream: TextIO) -> None:
    """Write `run` as JUnit XML (UTF-8 declared; `stream` must be opened as UTF-8)."""
    root = ET.Element("testsuites", _suite_attrs("conformance", run.results, run))
    for level in Level:
        members = tuple(r for r in run.results if r.check.level is level)
        suite = ET.SubElement(root, "testsuite", _suite_attrs(level.value, members, run))
        props = ET.SubElement(suite, "properties")
        for name, value in _properties(run):
            ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
        for r in members:
            _testcase(suite, r, run)
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")


def case_name(r: CheckResult) -> str:
    """`<id> <short title>`, the testcase name CI systems list."""
    return f"{r.check.id} {short_title(r)}".strip()


def short_title(r: CheckResult) -> str:
    """The check's title, else its requirement cut to one short line."""
    text = " ".join((r.check.title or r.check.requirement).split())
    return text if len(text) <= _TITLE else text[: _TITLE - 1].rstrip() + "…"


def _clean(text: str) -> str:
    # A bare CR would move a terminal's cursor; XML parsers read CR and CRLF as LF anyway (XML 1.0 2.11).
    return _NOT_XML.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def _seconds(x: float) -> str:
    return f"{max(x, 0.0):.3f}" if x == x else "0.000"  # x != x only for NaN


def _timestamp(iso: str) -> str | None:
    # The common JUnit schema wants xs:dateTime without a zone; the run's times are UTC.
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _suite_attrs(name: str, members: tuple[CheckResult, ...], run: RunResult) -> dict[str, str]:
    def n(outcome: str) -> str:
        return str(sum(1 for r in members if _outcome(r, run) == outcome))

    attrs = {
        "name": name,
        "tests": str(len(members)),
        "failures": n("failure"),
        "errors": n("error"),
        "skipped": n("skipped"),
        "time": _seconds(sum(r.duration_s for r in members)),
    }
    stamp = _timestamp(run.started_at)
    if stamp is not None:
        attrs["timestamp"] = stamp
    return attrs


def _properties(run: RunResult) -> list[tuple[str, str]]:
    return [
        ("harness_version", run.harness_version),
        ("target", run.target),
        ("spec_file", run.spec_file),
        ("doc_file", run.doc_file),
        ("doc_sha256", run.doc_sha256),
        ("seed", "" if run.seed is None else str(run.seed)),
        ("verdict", run.verdict.value),
        ("failing_levels", ",".join(lv.value for lv in run.failing_levels)),
    ]


def _outcome(r: CheckResult, run: RunResult) -> str:
    """The JUnit element for `r`: "failure", "error", "skipped" or "" (passed)."""
    if r.status is Status.FAIL:
        return "failure" if r.check.level in run.failing_levels else "skipped"
    return {Status.ERROR: "error", Status.SKIP: "skipped", Status.WAIVED: "skipped"}.get(r.status, "")


def _testcase(suite: ET.Element, r: CheckResult, run: RunResult) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        {
            "classname": f"conformance.{r.check.level.value}",
            "name": _clean(case_name(r)),
            "time": _seconds(r.duration_s),
        },
    )
    if r.status is Status.FAIL:
        first = r.findings[0].message if r.findings else "requirement not met"
        more = f" (+{len(r.findings) - 1} more)" if len(r.findings) > 1 else ""
        message = _clean(_one_line(first) + more)
        if _outcome(r, run) == "failure":
            el = ET.SubElement(case, "failure", {"message": message, "type": "fail"})
        else:  # a failure that does not count: pytest's xfail shape, so CI views agree with the exit code
            why = "--strict counts it" if r.check.level is Level.SHOULD else "never counted"
            el = ET.SubElement(
                case, "skipped", {"message": f"{message} [{r.check.level.value} not met; {why}]"}
            )
        el.text = _clean(_body(r))
    elif r.status is Status.ERROR:
        el = ET.SubElement(
            case,
            "error",
            {"message": _clean(_one_line(r.error or "the harness could not decide")), "type": "error"},
        )
        el.text = _clean(_body(r))
    elif r.status is Status.SKIP:
        ET.SubElement(case, "skipped", {"message": _clean(_one_line(r.error or "skipped"))})
    elif r.status is Status.WAIVED:  # a known failure, skipped with the waiver's reason: never red
        why = "; ".join(
            f"waived until {w.expires}: {w.reason}" for w in r.waivers if w.state is WaiverState.WAIVED
        )
        first = r.findings[0].message if r.findings else "requirement not met"
        el = ET.SubElement(case, "skipped", {"message": _clean(_one_line(f"{why} [{first}]"))})
        el.text = _clean(_body(r))
    quiet = r.status in (Status.PASS, Status.SKIP)  # no failure body carries the notes and waivers
    if quiet and (r.notes or r.waivers):
        out = ET.SubElement(case, "system-out")
        out.text = _clean("\n".join([*r.notes, *_waivers(r)]))


def _waivers(r: CheckResult) -> list[str]:
    return [
        f"Waiver ({w.state.value}, expires {w.expires}, {w.where}): {w.reason} [{w.detail}]"
        for w in r.waivers
    ]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _body(r: CheckResult) -> str:
    c = r.check
    lines = [f"Requirement ({c.level.value}): {c.requirement}"]
    lines.append(
        f"Doc: {c.doc.cite() if c.doc else '(none)'}" + ("" if c.source == "doc" else f"; source: {c.source}")
    )
    if r.error:
        lines.append(f"Error: {r.error}")
    lines.extend(f"Note: {n}" for n in r.notes)
    lines.extend(_waivers(r))
    for i, f in enumerate(r.findings, 1):
        lines.append("")
        lines.extend(_finding(i, f))
    return "\n".join(lines) + "\n"


def _finding(i: int, f: Finding) -> list[str]:
    head = f"Finding {i}: {f.message}" + (f"  [at {f.location}]" if f.location else "")
    out = [head]
    e = f.evidence
    if e is None:
        return out
    if e.expected:
        out.append(f"  expected: {e.expected}")
    if e.actual:
        out.append(f"  actual:   {e.actual}")
    if e.seed is not None:
        out.append(f"  seed: {e.seed}")
    x = e.exchange
    if x is not None:
        out.append(f"  request: {x.request.method} {x.request.url}")
        if x.response is not None:
            s = x.response
            out.append(f"  response: {s.status} {s.reason}".rstrip())
            if s.body:
                cut = len(s.body) > _EXCERPT or s.body_truncated
                out.append("  response body" + (" (excerpt)" if cut else "") + ":")
                out.extend("    " + line for line in _lines(s.body[:_EXCERPT]))
        if x.error:
            out.append(f"  transport error: {x.error}")
        if x.curl:
            out.append("  reproduce:")
            out.extend("    " + line for line in _lines(x.curl))
    return out


def _lines(text: str) -> list[str]:
    # Only real line breaks: str.splitlines() would also break at form feeds and separators a target sent.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


__all__ = ["case_name", "filename", "short_title", "write"]

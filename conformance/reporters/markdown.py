"""The `report.md` reporter: a compact summary that fits `$GITHUB_STEP_SUMMARY`, failures first."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from conformance.contract.spec import Level
from conformance.results import CheckResult, Finding, RunResult, Status, Verdict, WaiverOutcome, result_rank

if TYPE_CHECKING:
    from typing import TextIO

filename = "report.md"

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # keeps tab and newline
# Characters that could start Markdown or HTML constructs inside running text or a table cell. Others
# ("#", "!", "(", digits) only matter at the start of a line or after "[", and text never lands there.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_EXCERPT = 600  # characters of a response body shown per finding
_CURL = 4000  # characters of a curl command shown per finding
_FINDINGS = 3  # findings shown per check; the rest are in report.json / report.html
_TITLE = 80

_VERDICT = {Verdict.CONFORMANT: "✅ PASS", Verdict.NOT_CONFORMANT: "❌ FAIL", Verdict.UNDECIDED: "⚠️ ERROR"}
_STATUS = {
    Status.PASS: "✅ pass",
    Status.FAIL: "❌ fail",
    Status.ERROR: "⚠️ error",
    Status.SKIP: "⏭️ skip",
    Status.WAIVED: "🏳️ waived",
}


def write(run: RunResult, stream: TextIO) -> None:
    """Write `run` as GitHub-flavoured Markdown."""
    stream.write("\n".join(render(run)).rstrip("\n") + "\n")


def render(run: RunResult) -> list[str]:
    """The report as lines of Markdown."""
    out = [f"## Conformance: {_VERDICT[run.verdict]} — {summary(run)}", ""]
    concurrency = run.config.get("concurrency")
    seed = _code(str(run.seed)) if run.seed is not None else "none"
    at = f" · concurrency {_code(str(concurrency))}" if isinstance(concurrency, int) else ""
    out.append(
        f"Target {_code(run.target)} · doc {_code(run.doc_file)} · "
        f"seed {seed}{at} · exit code {run.verdict.exit_code}"
    )
    out.append("")
    out.extend(_failures(run))
    out.extend(_table(run))
    out.extend(_waivers(run))
    out.extend(_contract(run))
    out.extend(_details(run))
    return out


def summary(run: RunResult) -> str:
    """One line of counts: checks per status, with failures per level."""
    by = {st: sum(1 for r in run.results if r.status is st) for st in Status}
    fails = [f"{n} {lv.value}" for lv in Level if (n := _count(run, lv, Status.FAIL))]
    failed = f"{by[Status.FAIL]} failed" + (f" ({', '.join(fails)})" if fails else "")
    errors = f"{by[Status.ERROR]} error" + ("" if by[Status.ERROR] == 1 else "s")
    checks = f"{len(run.results)} check" + ("" if len(run.results) == 1 else "s")
    waived = f", {by[Status.WAIVED]} waived" if by[Status.WAIVED] else ""
    return f"{checks}: {by[Status.PASS]} passed, {failed}{waived}, {errors}, {by[Status.SKIP]} skipped"


def _count(run: RunResult, level: Level, status: Status) -> int:
    return sum(1 for r in run.results if r.check.level is level and r.status is status)


# -- text safety -----------------------------------------------------------------------------


def _strip(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _inline(text: str) -> str:
    """Untrusted text as one line of literal Markdown (safe in a paragraph or a table cell)."""
    return _SPECIAL.sub(r"\\\1", " ".join(_strip(text).split()))


def _code(text: str, *, cell: bool = False) -> str:
    """Untrusted text as an inline code span; in a table `cell`, pipes are escaped (GFM reads `\\|` there)."""
    flat = " ".join(_strip(text).split())
    if not flat:
        return "` `"
    if cell:
        flat = flat.replace("|", "\\|")
    ticks = "`" * (_longest_run(flat, "`") + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{ticks}{pad}{flat}{pad}{ticks}"


def _fence(text: str, info: str = "") -> list[str]:
    """Untrusted text as a fenced block whose fence no line of the text can close."""
    body = _strip(text)
    fence = "`" * max(3, _longest_run(body, "`") + 1)
    return [fence + info, *body.split("\n"), fence]


def _longest_run(text: str, ch: str) -> int:
    return max((len(m) for m in re.findall(re.escape(ch) + "+", text)), default=0)


def _cut(text: str, limit: int) -> tuple[str, bool]:
    return (text, False) if len(text) <= limit else (text[:limit], True)


def _title(r: CheckResult) -> str:
    text = " ".join((r.check.title or r.check.requirement).split())
    return text if len(text) <= _TITLE else text[: _TITLE - 1].rstrip() + "…"


# -- sections --------------------------------------------------------------------------------


def _failures(run: RunResult) -> list[str]:
    groups: list[tuple[str, list[CheckResult]]] = []
    for lv in Level:
        members = [r for r in run.results if r.status is Status.FAIL and r.check.level is lv]
        counting = "" if lv in run.failing_levels else " (do not fail the run)"
        groups.append((f"{lv.value} failures{counting}", members))
    groups.append(
        ("Errors: the harness could not decide", [r for r in run.results if r.status is Status.ERROR])
    )
    groups.append(
        ("Waived failures (known, do not count)", [r for r in run.results if r.status is Status.WAIVED])
    )
    out: list[str] = []
    for heading, members in groups:
        if not members:
            continue
        out.extend([f"### {heading}", ""])
        for r in sorted(members, key=lambda r: r.check.id):
            out.extend(_failure(r))
    return out


def _failure(r: CheckResult) -> list[str]:
    c = r.check
    out = [f"#### {_inline(c.id)} · {_inline(_title(r))}", ""]
    out.append(f"- **Requirement ({c.level.value}):** {_inline(c.requirement)}")
    cite = _code(c.doc.cite()) if c.doc else "none"
    src = "" if c.source == "doc" else f" · source: {_inline(c.source)}"
    out.append(f"- **Doc:** {cite}{src}")
    if r.error:
        out.append(f"- **Error:** {_inline(r.error)}")
    out.extend(f"- **Note:** {_inline(n)}" for n in r.notes)
    out.extend(_waiver_line(w) for w in r.waivers)
    out.append("")
    for i, f in enumerate(r.findings[:_FINDINGS], 1):
        out.extend(_finding(i, f))
    rest = len(r.findings) - _FINDINGS
    if rest > 0:
        out.extend([f"_{rest} more finding(s) in report.json and report.html._", ""])
    return out


def _finding(i: int, f: Finding) -> list[str]:
    where = f" (at {_code(f.location)})" if f.location else ""
    out = [f"**Finding {i}:** {_inline(f.message)}{where}", ""]
    e = f.evidence
    if e is None:
        return out
    if e.expected or e.actual:
        out.append(f"- Expected: {_inline(e.expected) or '—'}")
        out.append(f"- Actual: {_inline(e.actual) or '—'}")
    if e.seed is not None:
        out.append(f"- Seed: {_code(str(e.seed))}")
    x = e.exchange
    if x is not None and x.error:
        out.append(f"- Transport error: {_inline(x.error)}")
    out.append("")
    if x is None:
        return out
    if x.curl:
        curl, cut = _cut(x.curl, _CURL)
        out.extend(["Reproduce:", "", *_fence(curl, "sh"), ""])
        if cut:
            out.extend(["_(command cut; the full one is in report.json)_", ""])
    if x.response is not None:
        s = x.response
        excerpt, cut = _cut(s.body, _EXCERPT)
        more = " (excerpt)" if cut or s.body_truncated else ""
        out.extend([f"Response {s.status} {_inline(s.reason)}{more}:", ""])
        if excerpt:
            out.extend([*_fence(excerpt), ""])
    return out


def _table(run: RunResult) -> list[str]:
    out = [
        "### All checks",
        "",
        "| Status | Level | Check | Requirement | Doc |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in sorted(run.results, key=result_rank):
        cite = _code(r.check.doc.cite(), cell=True) if r.check.doc else "—"
        out.append(
            f"| {_STATUS[r.status]} | {r.check.level.value} | {_inline(r.check.id)} "
            f"| {_inline(_title(r))} | {cite} |"
        )
    if not run.results:
        out.append("| — | — | no checks ran | — | — |")
    out.append("")
    return out


def _waiver_line(w: WaiverOutcome) -> str:
    """A waiver as a list item: its state, reason and expiry (the user's words, escaped like a target's)."""
    return (
        f"- **Waiver {w.state.value.upper()}** (expires {_inline(w.expires)}, {_code(w.where)}): "
        f"{_inline(w.reason)} — {_inline(w.detail)}"
    )


def _waivers(run: RunResult) -> list[str]:
    if not run.waivers:
        return []
    out = ["### Waivers", ""]
    out.extend(f"{_waiver_line(w)} · check {_inline(w.check_id)}" for w in run.waivers)
    return [*out, ""]


def _contract(run: RunResult) -> list[str]:
    out = ["### Contract", ""]
    if not run.contract:
        return [*out, "No doc lint findings.", ""]
    out.append("What the doc page itself leaves open or gets wrong (doc lint):")
    out.append("")
    for n in run.contract:
        out.append(
            f"- **{_inline(n.severity)}** {_code(n.code)} {_inline(n.message)} — {_code(n.where.cite())}"
        )
    out.append("")
    return out


def _details(run: RunResult) -> list[str]:
    rows = [
        ("Verdict", f"{run.verdict.value} (exit code {run.verdict.exit_code})"),
        ("Failing levels", ", ".join(lv.value for lv in run.failing_levels) or "none"),
        ("Target", run.target),
        ("Doc", f"{run.doc_file} (sha256 {run.doc_sha256 or 'unknown'})"),
        ("Spec", run.spec_file or "derived from the doc"),
        ("Seed", "none" if run.seed is None else str(run.seed)),
        ("Started", run.started_at),
        ("Finished", run.finished_at),
        ("Harness", run.harness_version),
    ]
    out = ["### Run details", "", "| | |", "| --- | --- |"]
    out.extend(f"| {k} | {_inline(v)} |" for k, v in rows)
    out.append("")
    if run.notes:
        out.extend(["Notes:", ""])
        out.extend(f"- {_inline(n)}" for n in run.notes)
        out.append("")
    return out


__all__ = ["filename", "render", "summary", "write"]

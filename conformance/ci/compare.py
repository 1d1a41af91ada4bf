"""`conformance compare OLD NEW`: what changed between two runs' `report.json` files.

Per check id: *regressed* (failing now, not failing before: pass, skip, waived or error became fail, at
any level; or a check that is new in NEW and fails at a level that counted in NEW's run, its
`failing_levels`, listed as "added, failing"), *fixed* (fail became pass), *added* (new, and not a
counted failure), *removed*, and any other status change; and the verdict before and after. A verdict
that got worse (pass < error < fail) is a regression too. `exit_code` is 1 when anything regressed,
else 0; a report that cannot be read or compared raises `ConfigError` (exit 2, from `reportfile.py`,
which checks every field read here).

Every text from a report is shown through `console.py` (the command line's streams) or, for Markdown,
flattened to one line and escaped so it cannot break the table or inject markup, while staying readable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from conformance.ci.reportfile import VERDICTS, CheckState, Report, load

_VERDICT_RANK = {v: rank for rank, v in enumerate(VERDICTS)}
_MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    level: str
    before: str  # status, "" when added
    after: str  # status, "" when removed
    finding: str = ""


@dataclass(slots=True)
class Comparison:
    old: Report
    new: Report
    regressed: list[Change] = field(default_factory=list)
    fixed: list[Change] = field(default_factory=list)
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    @property
    def verdict_worse(self) -> bool:
        return _VERDICT_RANK[self.new.verdict] > _VERDICT_RANK[self.old.verdict]

    @property
    def exit_code(self) -> int:
        return 1 if self.regressed or self.verdict_worse else 0


def compare(old: Report, new: Report) -> Comparison:
    result = Comparison(old=old, new=new)
    for cid, before in old.checks.items():
        after = new.checks.get(cid)
        if after is None:
            result.removed.append(Change(cid, before.level, before.status, ""))
        elif after.status == before.status:
            result.unchanged += 1
        elif after.status == "fail":
            result.regressed.append(Change(cid, after.level, before.status, after.status, after.finding))
        elif before.status == "fail" and after.status == "pass":
            result.fixed.append(Change(cid, after.level, before.status, after.status))
        else:
            result.changed.append(Change(cid, after.level, before.status, after.status, after.finding))
    for cid, after in new.checks.items():
        if cid in old.checks:
            continue
        change = Change(cid, after.level, "", after.status, after.finding)
        if after.status == "fail" and after.level in new.failing_levels:
            result.regressed.append(change)  # failing now, and it counts: "added, failing"
        else:
            result.added.append(change)
    return result


def _short(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_TEXT else flat[: _MAX_TEXT - 3] + "..."


_SECTIONS = ("regressed", "fixed", "added", "removed", "changed")
_TITLES = {
    "regressed": "regressed",
    "fixed": "fixed",
    "added": "added",
    "removed": "removed",
    "changed": "other status changes",
}


def _tally(c: Comparison) -> str:
    parts = [f"{len(getattr(c, s))} {_TITLES[s]}" for s in _SECTIONS]
    return ", ".join(parts) + f", {c.unchanged} unchanged"


def _verdict_line(c: Comparison) -> str:
    if c.old.verdict == c.new.verdict:
        return f"verdict: {c.new.verdict} (unchanged)"
    return f"verdict: {c.old.verdict} -> {c.new.verdict}" + (" (worse)" if c.verdict_worse else " (better)")


def _move(ch: Change, section: str) -> str:
    if section == "regressed" and not ch.before:
        return "added, failing"
    return f"{ch.before or '(new)'} -> {ch.after or '(gone)'}"


def text(c: Comparison) -> str:
    """Plain text for a terminal (the caller's stream escapes what a terminal would act on)."""
    lines = [f"compare: {c.old.path} -> {c.new.path}", _verdict_line(c)]
    for section in _SECTIONS:
        changes: list[Change] = getattr(c, section)
        if changes:
            lines.append(f"{_TITLES[section]} ({len(changes)}):")
            for ch in changes:
                move = _move(ch, section)
                why = f": {_short(ch.finding)}" if ch.finding and ch.after in ("fail", "error") else ""
                lines.append(f"  {_short(ch.id)} {ch.level} {move}{why}")
    lines.append(_tally(c))
    return "\n".join(lines) + "\n"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# What GitHub's Markdown acts on in the middle of a line: tables (|), HTML and entities (< > &), code,
# emphasis and strikethrough (` * _ ~), links and images ([ ]), math ($), and the escape itself.
_SPECIAL = re.compile(r"([\\`*_~\[\]<>&|$])")
# What it acts on at the start of a line: headings, list items, numbered items.
_LEADING = re.compile(r"^(?:([#+-])|(\d+)(?=[.)]))")
# Bare URLs and www. names GitHub turns into links by itself (escaping the ':' or '.' stops them).
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(:)(?=//)|(?<=www)(\.)", re.I)
# An e-mail address is linked even with its '@' escaped: '@' alone in a code span stops that.
_AT = "`@`"


def _md(value: str) -> str:
    """Untrusted text as one line of literal Markdown, safe in a table cell and still readable."""
    flat = _SPECIAL.sub(r"\\\1", _short(_CONTROL.sub(" ", value)))
    flat = _AUTOLINK.sub(lambda m: "\\" + m.group(0), flat).replace("@", _AT)
    return _LEADING.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\", flat)


def markdown(c: Comparison) -> str:
    """A step summary: verdict, tally, one table row per change."""
    emoji = "❌" if c.exit_code else "✅"
    lines = [f"## {emoji} Conformance: what changed", "", _verdict_line(c), "", _tally(c), ""]
    rows = [(section, ch) for section in _SECTIONS for ch in getattr(c, section)]
    if rows:
        lines += [
            "| change | check | level | before | after | finding |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for section, ch in rows:
            # only the id and the finding are free text: the other cells are closed sets (reportfile.py)
            kind = "added, failing" if section == "regressed" and not ch.before else _TITLES[section]
            cells = (kind, _md(ch.id), ch.level, ch.before or "-", ch.after or "-", _md(ch.finding))
            lines.append("| " + " | ".join(cells) + " |")
    else:
        lines.append("No check changed status.")
    return "\n".join(lines) + "\n"


__all__ = ["Change", "CheckState", "Comparison", "Report", "compare", "load", "markdown", "text"]

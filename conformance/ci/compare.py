"""`conformance compare OLD NEW`: what changed between two runs' `report.json` files.

Per check id: *regressed* (failing now, not failing before: pass, skip, waived or error became fail),
*fixed* (fail became pass), *added*, *removed*, and any other status change; and the verdict before and
after. A verdict that got worse (pass < error < fail) is a regression too. `exit_code` is 1 when anything
regressed, else 0; a report that cannot be read or compared raises `ConfigError` (exit 2).

Report files are input like any other: read bounded and as UTF-8 (`contract.files`), their shape checked
here, and every text from them shown through `console.py` (the command line's streams) or, for Markdown,
flattened and escaped so it cannot break the table or inject markup. A report's `schema_version` must be
one this harness reads: 1.x (the current one) or 2.x (the next, which adds the WAIVED status; a waived
check is not failing).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from conformance.contract.files import InputFileError, read_text
from conformance.errors import ConfigError

READABLE_MAJORS = (1, 2)
MAX_REPORT_BYTES = 200 * 1024 * 1024
_VERDICT_RANK = {"pass": 0, "error": 1, "fail": 2}
_STATUSES = frozenset({"pass", "fail", "skip", "error", "waived"})
_MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class CheckState:
    level: str
    status: str
    finding: str  # the first finding's message, or the error, for showing why


@dataclass(frozen=True, slots=True)
class Report:
    path: str
    schema_version: str
    verdict: str
    checks: dict[str, CheckState]


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
        return _VERDICT_RANK.get(self.new.verdict, 2) > _VERDICT_RANK.get(self.old.verdict, 2)

    @property
    def exit_code(self) -> int:
        return 1 if self.regressed or self.verdict_worse else 0


def _bad(path: str, why: str) -> ConfigError:
    return ConfigError(f"cannot compare {path!r}: {why}; pass the report.json a `conformance run` wrote")


def load(path: str) -> Report:
    """A `report.json` as the comparison needs it, or `ConfigError` saying why not."""
    try:
        data = json.loads(read_text(Path(path), limit=MAX_REPORT_BYTES))
    except InputFileError as exc:
        raise _bad(path, str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise _bad(path, f"it is not JSON ({str(exc)[:100]})") from None
    if not isinstance(data, dict):
        raise _bad(path, "it is not a JSON object")
    version = data.get("schema_version")
    if not isinstance(version, str) or not re.fullmatch(r"\d{1,4}\.\d{1,4}", version):
        raise _bad(path, "it has no schema_version")
    if int(version.split(".")[0]) not in READABLE_MAJORS:
        readable = ", ".join(f"{m}.x" for m in READABLE_MAJORS)
        raise _bad(path, f"its schema_version {version} is not one this harness reads ({readable})")
    verdict = data.get("verdict")
    checks = data.get("checks")
    if verdict not in _VERDICT_RANK or not isinstance(checks, list):
        raise _bad(path, "it has no verdict or no list of checks")
    states: dict[str, CheckState] = {}
    for c in checks:
        if not isinstance(c, dict) or not isinstance(c.get("id"), str) or c.get("status") not in _STATUSES:
            raise _bad(path, "a check in it has no id or no known status")
        if c["id"] in states:
            raise _bad(path, f"check {c['id'][:80]!r} appears twice")
        states[c["id"]] = CheckState(level=str(c.get("level", "")), status=c["status"], finding=_why(c))
    return Report(path=path, schema_version=version, verdict=str(verdict), checks=states)


def _why(check: Mapping[str, object]) -> str:
    findings = check.get("findings")
    if isinstance(findings, list) and findings and isinstance(findings[0], dict):
        return str(findings[0].get("message", ""))
    return str(check.get("error") or "")


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
        if cid not in old.checks:
            result.added.append(Change(cid, after.level, "", after.status, after.finding))
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


def text(c: Comparison) -> str:
    """Plain text for a terminal (the caller's stream escapes what a terminal would act on)."""
    lines = [f"compare: {c.old.path} -> {c.new.path}", _verdict_line(c)]
    for section in _SECTIONS:
        changes: list[Change] = getattr(c, section)
        if changes:
            lines.append(f"{_TITLES[section]} ({len(changes)}):")
            for ch in changes:
                move = f"{ch.before or '(new)'} -> {ch.after or '(gone)'}"
                why = f": {_short(ch.finding)}" if ch.finding and ch.after in ("fail", "error") else ""
                lines.append(f"  {_short(ch.id)} {ch.level} {move}{why}")
    lines.append(_tally(c))
    return "\n".join(lines) + "\n"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&])")


def _md(value: str) -> str:
    """Untrusted text as one line of literal Markdown, safe in a table cell."""
    return _SPECIAL.sub(r"\\\1", _short(_CONTROL.sub(" ", value)))


def markdown(c: Comparison) -> str:
    """A step summary: verdict, tally, one table row per change."""
    emoji = "❌" if c.exit_code else "✅"
    lines = [f"## {emoji} Conformance: what changed", "", _md(_verdict_line(c)), "", _tally(c), ""]
    rows = [(section, ch) for section in _SECTIONS for ch in getattr(c, section)]
    if rows:
        lines += [
            "| change | check | level | before | after | finding |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for section, ch in rows:
            cells = (_TITLES[section], ch.id, ch.level, ch.before or "-", ch.after or "-", ch.finding)
            lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
    else:
        lines.append("No check changed status.")
    return "\n".join(lines) + "\n"


__all__ = ["Change", "CheckState", "Comparison", "Report", "compare", "load", "markdown", "text"]

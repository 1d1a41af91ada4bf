"""Waivers: known failures a vendor is fixing, each with a reason and an expiry date (`--waivers FILE`).

A waivers file is YAML, a list of entries:

    - check: CREATE-001                       # a check id of the catalogue
      reason: "201 instead of 200, fix in PR #412"
      expires: 2099-12-31                     # ISO date: the last day the waiver applies
      contains: "answered 200"                # optional: only findings whose message contains this

A failure of the check whose every finding a live waiver covers is WAIVED: reported with the reason, never
counted. A waiver past its date does not apply (the failure counts) and the report says it expired; one
whose check passed, or whose text no finding contains, is stale. The file is read like a spec file (regular,
bounded, no YAML anchors or aliases), and anything wrong in it is a `ConfigError` (exit 2) before any
request is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from conformance.config import Config
from conformance.contract.files import InputFileError, read_text
from conformance.contract.specfile import parse_yaml
from conformance.errors import ConfigError, SpecError, did_you_mean
from conformance.results import CheckResult, Finding, Status, WaiverOutcome, WaiverState

MAX_WAIVERS_BYTES = 1024 * 1024  # a waivers file lists a few known failures, not megabytes of them
MAX_REASON = 1000  # characters of a reason: link the issue rather than paste it
KEYS = ("check", "reason", "expires", "contains")
_EXAMPLE = "e.g. - {check: CREATE-001, reason: 'fix in PR #412', expires: 2099-12-31}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Waiver:
    """One entry of a waivers file."""

    check: str
    reason: str  # one line (whitespace collapsed)
    expires: dt.date  # the last day it applies
    contains: str | None = None  # a finding's message must contain this (None: every finding)
    where: str = ""  # file:line of the entry

    def live(self, today: dt.date) -> bool:
        return today <= self.expires

    def covers(self, finding: Finding) -> bool:
        return self.contains is None or self.contains in finding.message


def for_config(config: Config) -> tuple[Waiver, ...]:
    """The waivers of `config.waivers` (none when unset), checked against the catalogue's ids. Their text
    (and any error about the file) has the run's secrets masked, as everything the harness shows: a reason
    pasted from a log may hold the token, and `contains` then matches the findings, masked alike."""
    if config.waivers is None:
        return ()
    from conformance.checks import catalogue

    mask = secret_mask(config)
    try:
        loaded = load(config.waivers, [c.id for c in catalogue()])
    except ConfigError as exc:
        raise ConfigError(mask(str(exc))) from None
    return masked(loaded, mask)


def secret_mask(config: Config) -> Callable[[str], str]:
    """The redaction boundary's mask for words the harness shows, knowing the secrets `config` sends (the
    token and secret header values), as the run's client masks findings."""
    from conformance.target.redaction import Redactor

    return Redactor(config.token_value(), config.secret_headers, config.header_map()).words


def masked(waivers: Iterable[Waiver], mask: Callable[[str], str]) -> tuple[Waiver, ...]:
    """`waivers` with `mask` applied to every text they carry into an output (reason, contains, where)."""
    return tuple(
        replace(
            w,
            reason=mask(w.reason),
            contains=None if w.contains is None else mask(w.contains),
            where=mask(w.where),
        )
        for w in waivers
    )


def load(path: str, known: Collection[str]) -> tuple[Waiver, ...]:
    """Read and validate the waivers file at `path`; `ConfigError` (one line, exit 2) for anything wrong."""
    try:
        text = read_text(Path(path), limit=MAX_WAIVERS_BYTES)
    except InputFileError as exc:
        raise ConfigError(f"cannot read waivers file {path}: {exc}") from None
    try:
        doc = parse_yaml(text, path, kind="a waivers file")
    except SpecError as exc:
        raise ConfigError(str(exc)) from None
    if doc is None:  # empty, or only comments: the last waiver was removed
        return ()
    if not isinstance(doc, list):
        raise ConfigError(f"{path}: a waivers file is a YAML list of entries, {_EXAMPLE}")
    lines = _item_lines(text)
    out: list[Waiver] = []
    seen: dict[tuple[str, str | None], str] = {}
    for index, entry in enumerate(doc):
        where = f"{path}:{lines[index]}" if index < len(lines) else f"{path} entry {index + 1}"
        waiver = _entry(entry, where, known)
        key = (waiver.check, waiver.contains)
        if key in seen:
            raise ConfigError(f"{where}: the same waiver as at {seen[key]}; keep one")
        seen[key] = where
        out.append(waiver)
    return tuple(out)


def _item_lines(text: str) -> list[int]:
    """The line of each item of the top-level list (the text is known to be safe YAML by now)."""
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(node, yaml.SequenceNode):
        return []
    return [item.start_mark.line + 1 for item in node.value]


def _entry(entry: Any, where: str, known: Collection[str]) -> Waiver:
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each waiver is a mapping with check, reason and expires, {_EXAMPLE}")
    for key in entry:
        if key not in KEYS:
            hint = did_you_mean(str(key), KEYS) or f"; the keys are {', '.join(KEYS)}"
            raise ConfigError(f"{where}: unknown key {str(key)[:60]!r} in a waiver{hint}")
    for key in ("check", "reason", "expires"):
        if key not in entry or entry[key] in (None, ""):
            raise ConfigError(f"{where}: the waiver has no {key}; {_EXAMPLE}")
    check = entry["check"]
    if not isinstance(check, str) or check not in known:
        shown = str(check)[:60]
        hint = did_you_mean(shown, known) or did_you_mean(shown.upper(), known)
        raise ConfigError(
            f"{where}: {shown!r} is not a check id{hint or ''}; `conformance checks` lists them"
        )
    reason = entry["reason"]
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: the reason of the {check} waiver must be text, e.g. 'fix in PR #412'")
    reason = " ".join(reason.split())
    if len(reason) > MAX_REASON:
        raise ConfigError(
            f"{where}: the reason of the {check} waiver is {len(reason)} characters long; keep it under "
            f"{MAX_REASON} (link the issue instead)"
        )
    contains = entry.get("contains")
    if contains is not None and (not isinstance(contains, str) or not contains):
        raise ConfigError(
            f"{where}: contains of the {check} waiver must be text a finding's message contains"
        )
    return Waiver(
        check=check, reason=reason, expires=_date(entry["expires"], where), contains=contains, where=where
    )


def _date(value: Any, where: str) -> dt.date:
    """An ISO date (YAML reads an unquoted 2026-03-31 as one already); a time of day is refused."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            if len(value.strip()) == 10:
                return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(
        f"{where}: expires {str(value)[:40]!r} is not a date; write it as YYYY-MM-DD, e.g. 2099-12-31"
    )


def judge(result: CheckResult, waivers: Sequence[Waiver], today: dt.date) -> CheckResult:
    """`result` with the waivers naming its check applied: a failure whose every finding a live waiver covers
    becomes WAIVED; each waiver's outcome is recorded on the result. Idempotent (a WAIVED result is judged
    again as the failure it is, e.g. after VALID-006 gained findings)."""
    mine = [w for w in waivers if w.check == result.check.id]
    if not mine:
        return result
    status = Status.FAIL if result.status is Status.WAIVED else result.status
    live = [w for w in mine if w.live(today)]
    findings = result.findings
    waived = status is Status.FAIL and all(any(w.covers(f) for w in live) for f in findings) and bool(live)
    if status is Status.FAIL and not findings:
        waived = any(w.contains is None for w in live)
    outcomes = tuple(_outcome(w, result, status, waived, today) for w in mine)
    return replace(result, status=Status.WAIVED if waived else status, waivers=outcomes)


def _outcome(w: Waiver, result: CheckResult, status: Status, waived: bool, today: dt.date) -> WaiverOutcome:
    def made(state: WaiverState, detail: str) -> WaiverOutcome:
        return WaiverOutcome(
            check_id=w.check,
            reason=w.reason,
            expires=w.expires.isoformat(),
            contains=w.contains,
            where=w.where,
            state=state,
            detail=detail,
        )

    if not w.live(today):
        counts = "the failure counts" if status is Status.FAIL else f"the check's status is {status.value}"
        return made(WaiverState.EXPIRED, f"expired on {w.expires.isoformat()}: {counts}; renew or remove it")
    if status is Status.PASS:
        return made(WaiverState.STALE, f"{w.check} passed: remove the waiver")
    if status is Status.SKIP:
        return made(WaiverState.UNUSED, f"{w.check} was skipped ({result.error or 'not applicable'})")
    if status is Status.ERROR:
        return made(WaiverState.UNUSED, f"{w.check} could not be decided; a waiver covers failures only")
    matched = sum(1 for f in result.findings if w.covers(f))
    if result.findings and not matched:
        return made(WaiverState.STALE, f"no finding of {w.check} contains {w.contains!r}: remove or fix it")
    if waived:
        return made(WaiverState.WAIVED, f"{w.check} failed as known: waived until {w.expires.isoformat()}")
    total = len(result.findings)
    return made(
        WaiverState.PARTIAL,
        f"covers {matched} of {total} findings of {w.check}; the others count, so the failure does",
    )


def outcomes(
    results: Iterable[CheckResult], waivers: Sequence[Waiver], today: dt.date
) -> tuple[WaiverOutcome, ...]:
    """Every waiver's outcome in file order: from the judged result of its check, or UNUSED (EXPIRED when
    past its date) when its check was not in the run."""
    judged: dict[
        int, WaiverOutcome
    ] = {}  # id of the waiver -> its outcome (judge keeps file order per check)
    for r in results:
        mine = [w for w in waivers if w.check == r.check.id]
        if len(mine) == len(r.waivers):
            judged.update((id(w), o) for w, o in zip(mine, r.waivers, strict=True))
    out = []
    for w in waivers:
        found = judged.get(id(w))
        if found is None:
            state, detail = (
                (WaiverState.EXPIRED, f"expired on {w.expires.isoformat()}; its check did not run")
                if not w.live(today)
                else (WaiverState.UNUSED, f"{w.check} did not run (not selected by --check/--skip-check)")
            )
            found = WaiverOutcome(
                check_id=w.check,
                reason=w.reason,
                expires=w.expires.isoformat(),
                contains=w.contains,
                where=w.where,
                state=state,
                detail=detail,
            )
        out.append(found)
    return tuple(out)


__all__ = [
    "KEYS",
    "MAX_WAIVERS_BYTES",
    "Waiver",
    "for_config",
    "judge",
    "load",
    "masked",
    "outcomes",
    "secret_mask",
]

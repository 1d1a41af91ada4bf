"""A run's `report.json` read back strictly, as `conformance compare` needs it.

A report file is hostile input like any other: it may be another tool's JSON, hand-edited, truncated or
tampered with. Every field the comparison reads is checked for its JSON type and, where the report schema
(`conformance/data/report.schema.json`) gives one, its set of values, before anything uses it: the top
level's `schema_version`, `verdict`, `failing_levels` and `checks`, and each check's `id`, `level`,
`status`, `findings` (each a JSON object with a string `message`) and `error` (a string or null). Anything
else is `ConfigError` (exit 2) naming the field, what it holds and what it should hold, so that a corrupt
report can never look like a regression (exit 1). Fields the comparison does not read are not checked: a
1.0 report (no `waivers`) or one with extra fields is still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from conformance.contract.files import InputFileError, read_text
from conformance.errors import ConfigError

READABLE_MAJORS = (1,)
MAX_REPORT_BYTES = 200 * 1024 * 1024
VERDICTS = ("pass", "error", "fail")  # from best to worst
LEVELS = ("MUST", "SHOULD", "MAY")
STATUSES = ("pass", "fail", "skip", "error", "waived")
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}


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
    failing_levels: frozenset[str]  # the levels whose failures counted in that run
    checks: dict[str, CheckState]


def _kind(value: object) -> str:
    """What a JSON value is, in words, without quoting it (it may be long or hostile)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return _JSON_TYPES.get(type(value), "something else")


class _Reader:
    """Checks one report's fields, raising `ConfigError` with the first wrong one's JSON path."""

    def __init__(self, path: str) -> None:
        self.path = path

    def bad(self, why: str) -> ConfigError:
        return ConfigError(
            f"cannot compare {self.path!r}: {why}; pass the report.json a `conformance run` wrote"
        )

    def field(self, obj: Mapping[str, object], key: str, where: str) -> object:
        if key not in obj:
            raise self.bad(f"{where}{key} is missing")
        return obj[key]

    def one_of(self, obj: Mapping[str, object], key: str, allowed: tuple[str, ...], where: str = "") -> str:
        value = self.field(obj, key, where)
        if not isinstance(value, str) or value not in allowed:
            shown = f"{value[:40]!r}" if isinstance(value, str) else _kind(value)
            raise self.bad(f"{where}{key} is {shown}, not one of {', '.join(allowed)}")
        return value

    def typed(self, obj: Mapping[str, object], key: str, kinds: tuple[type, ...], where: str = "") -> object:
        value = self.field(obj, key, where)
        if not isinstance(value, kinds):
            wanted = " or ".join(_JSON_TYPES[k] for k in kinds)
            raise self.bad(f"{where}{key} is {_kind(value)}, not {wanted}")
        return value

    def text(self, obj: Mapping[str, object], key: str, where: str = "") -> str:
        return str(self.typed(obj, key, (str,), where))

    def array(self, obj: Mapping[str, object], key: str, where: str = "") -> list[object]:
        value = self.typed(obj, key, (list,), where)
        return value if isinstance(value, list) else []

    def check(self, index: int, raw: object) -> tuple[str, CheckState]:
        where = f"checks[{index}]."
        if not isinstance(raw, dict):
            raise self.bad(f"checks[{index}] is {_kind(raw)}, not an object")
        cid = self.text(raw, "id", where)
        if not cid:
            raise self.bad(f"{where}id is empty")
        level = self.one_of(raw, "level", LEVELS, where)
        status = self.one_of(raw, "status", STATUSES, where)
        findings = self.array(raw, "findings", where)
        error = self.typed(raw, "error", (str, type(None)), where)
        messages: list[str] = []
        for n, finding in enumerate(findings):
            if not isinstance(finding, dict):
                raise self.bad(f"{where}findings[{n}] is {_kind(finding)}, not an object")
            messages.append(self.text(finding, "message", f"{where}findings[{n}]."))
        finding_text = messages[0] if messages else str(error or "")
        return cid, CheckState(level=level, status=status, finding=finding_text)

    def report(self, data: object) -> Report:
        if not isinstance(data, dict):
            raise self.bad(f"it is {_kind(data)}, not a JSON object")
        version = self.field(data, "schema_version", "")
        if not isinstance(version, str) or not re.fullmatch(r"\d{1,4}\.\d{1,4}", version):
            raise self.bad(f'its schema_version is {_kind(version)}, not a version such as "1.1"')
        if int(version.split(".")[0]) not in READABLE_MAJORS:
            readable = ", ".join(f"{m}.x" for m in READABLE_MAJORS)
            raise self.bad(f"its schema_version {version} is not one this harness reads ({readable})")
        verdict = self.one_of(data, "verdict", VERDICTS)
        levels = self.array(data, "failing_levels")
        for n, level in enumerate(levels):
            if level not in LEVELS:
                shown = f"{level[:40]!r}" if isinstance(level, str) else _kind(level)
                raise self.bad(f"failing_levels[{n}] is {shown}, not one of {', '.join(LEVELS)}")
        states: dict[str, CheckState] = {}
        for index, raw in enumerate(self.array(data, "checks")):
            cid, state = self.check(index, raw)
            if cid in states:
                raise self.bad(f"check {cid[:80]!r} appears twice")
            states[cid] = state
        return Report(
            path=self.path,
            schema_version=version,
            verdict=verdict,
            failing_levels=frozenset(str(x) for x in levels),
            checks=states,
        )


def load(path: str) -> Report:
    """A `report.json` as the comparison needs it, or `ConfigError` (exit 2) saying what is wrong."""
    reader = _Reader(path)
    try:
        data = json.loads(read_text(Path(path), limit=MAX_REPORT_BYTES), parse_constant=_no_constant)
    except InputFileError as exc:
        raise reader.bad(str(exc)) from None
    except (ValueError, RecursionError) as exc:
        raise reader.bad(f"it is not JSON ({str(exc)[:100]})") from None
    return reader.report(data)


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


__all__ = ["LEVELS", "STATUSES", "VERDICTS", "CheckState", "Report", "load"]

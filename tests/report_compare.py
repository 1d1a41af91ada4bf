"""A report as JSON without what differs between any two runs of the same seed (for comparing runs)."""

from __future__ import annotations

import io
import json
import re
from typing import Any

from conformance.reporters import json as json_report
from conformance.results import RunResult

_GUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}")
_CUT_GUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{0,12}){1,4}\u2026")  # a GUID cut short in a quote
_ERROR_DATE = re.compile(
    r'"date": "\d{4}-\d\d-\d\dT[\d:.]+Z?"'
)  # Graph's innerError.date: the time it answered
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\b")
_NUMBER = re.compile(r"\d+")
_TIMES = {"duration_s", "elapsed_s", "started_at", "finished_at"}
_SETTINGS = {"concurrency", "report_dir"}  # the settings compared runs differ in on purpose


def comparable(run: RunResult, *, counted: bool = False, listed: bool = False) -> Any:
    """`run`'s report.json with timings, the target's port, the ids it made up (GUIDs, opaque strings)
    and HTTP dates replaced by fixed text. `listed`: the report quotes a whole collection, whose members
    the target lists in the order they were created (at concurrency 8, the order requests arrived): each
    quoted body's `value` is compared as a sorted list (a body cut short, as "<a list>"). `counted`: the
    target numbers what it creates in the order
    requests arrive, so every number in a text is replaced too (requests sent at the same time arrive in
    any order, and so get other numbers; the report's structure, statuses and order still compare)."""
    out = io.StringIO()
    json_report.write(run, out)
    report = json.loads(out.getvalue())
    ids = sorted(_made_up_ids(report), key=len, reverse=True)
    scrubbed = _scrub(report, ids)
    if listed:
        scrubbed = _sorted_lists(scrubbed)
    return _numbers(scrubbed) if counted else scrubbed


def _sorted_lists(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _sorted_lists(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_sorted_lists(v) for v in value]
    if key == "body" and isinstance(value, str) and '"value"' in value:
        try:
            body = json.loads(value)
        except ValueError:
            return "<a list>"
        if isinstance(body, dict) and isinstance(body.get("value"), list):
            body["value"] = sorted(body["value"], key=lambda m: json.dumps(m, sort_keys=True))
            return json.dumps(body, sort_keys=True)
    return value


def _numbers(value: Any) -> Any:
    if isinstance(value, dict):  # a body's size changes with the digits of the numbers in it
        return {k: _numbers(v) for k, v in value.items() if k != "body_size"}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str):
        return _NUMBER.sub("<n>", value)
    return value


def _made_up_ids(value: Any) -> set[str]:
    """The string ids in every response body the report quotes (a target makes them up, differently
    each run)."""
    found: set[str] = set()
    if isinstance(value, dict):
        body = value.get("body") if "status" in value else None
        if isinstance(body, str):
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            for obj in parsed if isinstance(parsed, list) else [parsed]:
                if isinstance(obj, dict) and isinstance(obj.get("id"), str) and len(obj["id"]) >= 8:
                    found.add(obj["id"])
        for v in value.values():
            found |= _made_up_ids(v)
    elif isinstance(value, list):
        for v in value:
            found |= _made_up_ids(v)
    return found


def _scrub(value: Any, ids: list[str], key: str = "") -> Any:
    if isinstance(value, dict):
        return {
            k: _scrub(v, ids, k)
            for k, v in value.items()
            if k not in _TIMES and not (key == "config" and k in _SETTINGS)
        }
    if isinstance(value, list):
        return [_scrub(v, ids) for v in value]
    if isinstance(value, str):
        for made_up in ids:
            value = value.replace(made_up, "<id>")
        value = _CUT_GUID.sub("<guid>\u2026", _GUID.sub("<guid>", _PORT.sub("<host>", value)))
        return _ERROR_DATE.sub('"date": "<date>"', _DATE.sub("<date>", value))
    return value

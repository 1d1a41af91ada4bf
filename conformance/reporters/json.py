"""The `report.json` reporter: the whole run as one JSON document (see `data/report.schema.json`)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.contract.spec import JSON, ContractNote, DocLocation, Level
from conformance.results import CheckResult, Evidence, Exchange, Finding, RunResult, Status, WaiverOutcome

if TYPE_CHECKING:
    from typing import TextIO


SCHEMA_VERSION = "1.1"  # 1.1: the waived status, waivers per check and per run
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "data" / "report.schema.json"  # package data
filename = "report.json"
# Written as \u escapes: lone surrogates (UTF-8 cannot carry them) and DEL/C1 controls (U+009B is an 8-bit
# CSI to some terminals, and `cat report.json` must not let a target drive one); json escapes C0 itself.
_SURROGATE = re.compile("[\x7f-\x9f\ud800-\udfff]")


def write(run: RunResult, stream: TextIO) -> None:
    """Write `run` as pretty-printed UTF-8 JSON."""
    text = json.dumps(to_dict(run), indent=2, ensure_ascii=False, allow_nan=False)
    # Only possible inside a JSON string, where a \u escape is the same character.
    stream.write(_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def load_schema() -> dict[str, JSON]:
    """The JSON Schema (draft 2020-12) every `report.json` of this `SCHEMA_VERSION` validates against."""
    schema: dict[str, JSON] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def to_dict(run: RunResult) -> dict[str, JSON]:
    """The report as plain JSON data, in the shape `report.schema.json` describes."""
    counts = run.counts()
    by_status = {st.value: sum(counts[lv.value][st.value] for lv in Level) for st in Status}
    return {
        "schema_version": SCHEMA_VERSION,
        "harness_version": run.harness_version,
        "verdict": run.verdict.value,
        "exit_code": run.verdict.exit_code,
        "target": run.target,
        "spec_file": run.spec_file,
        "doc": {"file": run.doc_file, "sha256": run.doc_sha256},
        "seed": run.seed,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "failing_levels": [lv.value for lv in run.failing_levels],
        "counts": {"total": len(run.results), "by_status": by_status, "by_level": counts},
        "config": _plain(run.config),
        "notes": list(run.notes),
        "contract": [_note(n) for n in run.contract],
        "checks": [_check(r) for r in run.results],
        "waivers": [_waiver(w) for w in run.waivers],
    }


def _waiver(w: WaiverOutcome) -> dict[str, JSON]:
    return {
        "check": w.check_id,
        "reason": w.reason,
        "expires": w.expires,
        "contains": w.contains,
        "where": w.where,
        "state": w.state.value,
        "detail": w.detail,
    }


def _location(loc: DocLocation | None) -> dict[str, JSON] | None:
    if loc is None:
        return None
    return {
        "file": loc.file,
        "line": loc.line,
        "section": loc.section,
        "anchor": loc.anchor,
        "cite": loc.cite(),
    }


def _note(note: ContractNote) -> dict[str, JSON]:
    return {
        "severity": note.severity,
        "code": note.code,
        "message": note.message,
        "where": _location(note.where),
    }


def _check(r: CheckResult) -> dict[str, JSON]:
    c = r.check
    return {
        "id": c.id,
        "level": c.level.value,
        "title": c.title,
        "requirement": c.requirement,
        "source": c.source,
        "tags": list(c.tags),
        "doc": _location(c.doc),
        "status": r.status.value,
        "duration_s": _number(r.duration_s),
        "requests": r.requests,
        "notes": list(r.notes),
        "error": r.error,
        "findings": [_finding(f) for f in r.findings],
        "waivers": [_waiver(w) for w in r.waivers],
    }


def _finding(f: Finding) -> dict[str, JSON]:
    return {
        "message": f.message,
        "location": f.location,
        "evidence": None if f.evidence is None else _evidence(f.evidence),
    }


def _evidence(e: Evidence) -> dict[str, JSON]:
    return {
        "expected": e.expected,
        "actual": e.actual,
        "seed": e.seed,
        "input": _plain(e.input),
        "exchange": None if e.exchange is None else _exchange(e.exchange),
    }


def _exchange(x: Exchange) -> dict[str, JSON]:
    q, s = x.request, x.response
    return {
        "request": {
            "method": q.method,
            "url": q.url,
            "headers": [[k, v] for k, v in q.headers],
            "body": q.body,
            "body_truncated": q.body_truncated,
            "body_size": q.body_size,
        },
        "response": None
        if s is None
        else {
            "status": s.status,
            "reason": s.reason,
            "headers": [[k, v] for k, v in s.headers],
            "body": s.body,
            "body_truncated": s.body_truncated,
            "body_size": s.body_size,
            "elapsed_s": _number(s.elapsed_s),
            **({"body_decoded_from": s.body_decoded_from} if s.body_decoded_from else {}),
        },
        "error": x.error,
        "curl": x.curl,
    }


def _number(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _plain(value: JSON) -> JSON:
    """A strict-JSON copy: non-finite floats and unknown objects become strings, keys become strings.

    Config values and generated inputs come from outside the reporter; a report must still be written.
    """
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [_plain(v) for v in items]
    return str(value)


__all__ = ["SCHEMA_FILE", "SCHEMA_VERSION", "filename", "load_schema", "to_dict", "write"]

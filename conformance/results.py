"""What a run saw: statuses, findings with evidence, per-check results and the whole run.

Records are frozen dataclasses with tuples for sequences. Reporters are pure functions of
`RunResult`. Exchanges are recorded already redacted (see `client.py`), so no record here
can carry a secret.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from conformance.contract.spec import JSON, ContractNote, DocLocation, Level

_ORDER = {"skip": 0, "pass": 1, "waived": 2, "fail": 3, "error": 4}


class Status(StrEnum):
    """Outcome of one check. Ordered SKIP < PASS < WAIVED < FAIL < ERROR; a group takes its highest."""

    SKIP = "skip"
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    WAIVED = "waived"  # a failure a live waiver covers (see `conformance.waivers`): shown, never counted

    @property
    def rank(self) -> int:
        return _ORDER[self.value]


class Verdict(StrEnum):
    """What a run concludes. The value is the word reports write; each verdict carries its exit code and
    the text the terminal shows."""

    _value_: str
    exit_code: int
    text: str

    def __new__(cls, value: str, exit_code: int, text: str) -> Verdict:
        member = str.__new__(cls, value)
        member._value_ = value
        member.exit_code = exit_code
        member.text = text
        return member

    CONFORMANT = "pass", 0, "CONFORMANT"
    NOT_CONFORMANT = "fail", 1, "NOT CONFORMANT"
    UNDECIDED = "error", 3, "UNDECIDED"

    @classmethod
    def of(cls, results: Iterable[CheckResult], failing_levels: Collection[Level]) -> Verdict:
        """NOT_CONFORMANT if a check failed at a level that counts (a failure with evidence is decided,
        whatever else errored), else UNDECIDED if a check errored, else CONFORMANT (also when only levels
        that do not count failed)."""
        results = tuple(results)
        if any(r.status is Status.FAIL and r.check.level in failing_levels for r in results):
            return cls.NOT_CONFORMANT
        if any(r.status is Status.ERROR for r in results):
            return cls.UNDECIDED
        return cls.CONFORMANT


def worst(statuses: list[Status] | tuple[Status, ...]) -> Status:
    """Highest status of a group (PASS for an empty group)."""
    return max(statuses, key=lambda s: s.rank, default=Status.PASS)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]  # secrets already masked
    body: str | None  # text, cut at the recording limit
    body_truncated: bool = False
    body_size: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedResponse:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]  # secrets already masked
    body: str  # text (invalid UTF-8 replaced), cut at the recording limit
    body_truncated: bool = False
    body_size: int = 0  # bytes read (may stop at the read limit)
    elapsed_s: float = 0.0
    body_decoded_from: str = ""  # "utf-16-le" etc. when the body was recorded from UTF-16/32, else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One request and what came back (or why nothing usable did)."""

    request: RecordedRequest
    response: RecordedResponse | None
    error: str | None = None
    curl: str = ""  # a command that reproduces the request, token replaced by $CONFORMANCE_TOKEN
    attempts: int = 1  # more than 1 when a 429/503 with Retry-After was retried; this is the last attempt
    retry_wait_s: float = 0.0  # total time waited between those attempts


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    expected: str = ""
    actual: str = ""
    exchange: Exchange | None = None
    seed: int | None = None
    input: JSON = None  # the (shrunk) generated body for generated tests


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One way the target broke the requirement. `location` is e.g. `response.status` or `/id`."""

    message: str
    location: str = ""
    evidence: Evidence | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckInfo:
    """Identity of a check as reports show it."""

    id: str
    level: Level
    requirement: str
    source: str  # "doc" or an outside reference, e.g. "OData 4.01 Part 1 §11.4.2"
    doc: DocLocation | None
    title: str = ""
    tags: tuple[str, ...] = ()


class WaiverState(StrEnum):
    """What became of one waiver in a run."""

    WAIVED = "waived"  # it covered its check's failure: the check is WAIVED and does not count
    EXPIRED = "expired"  # its date has passed: it did not apply, the failure (if any) counts
    STALE = "stale"  # its check passed, or no finding contains its text: remove it
    PARTIAL = "partial"  # it covered some findings of a failure, not all: the failure counts
    UNUSED = "unused"  # its check did not run, was skipped or errored: nothing to waive


@dataclass(frozen=True, slots=True, kw_only=True)
class WaiverOutcome:
    """One waiver of the `--waivers` file (the user's words) and what became of it in this run."""

    check_id: str
    reason: str
    expires: str  # ISO date: the last day the waiver applies
    contains: str | None  # the text a finding's message must contain; None = any finding
    where: str  # file:line of the entry
    state: WaiverState
    detail: str  # one sentence: why this state


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    check: CheckInfo
    status: Status
    findings: tuple[Finding, ...] = ()
    error: str | None = None  # why the harness could not decide (status ERROR), or why it skipped
    duration_s: float = 0.0
    requests: int = 0
    notes: tuple[str, ...] = ()  # e.g. "built on a weak fact: ...", "alias accepted: ..."
    waivers: tuple[WaiverOutcome, ...] = ()  # the waivers naming this check, and what became of each


@dataclass(frozen=True, slots=True, kw_only=True)
class RunResult:
    """A whole run. `config` is the redacted configuration as a plain mapping."""

    harness_version: str
    config: dict[str, JSON]
    target: str
    spec_file: str
    doc_file: str
    doc_sha256: str
    seed: int | None
    started_at: str  # ISO 8601 UTC
    finished_at: str
    results: tuple[CheckResult, ...]
    failing_levels: tuple[Level, ...] = (Level.MUST,)
    contract: tuple[ContractNote, ...] = ()
    notes: tuple[str, ...] = ()  # run-wide notes, e.g. aliases used
    waivers: tuple[WaiverOutcome, ...] = ()  # every waiver of the --waivers file, in file order

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.results, self.failing_levels)

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def counts(self) -> dict[str, dict[str, int]]:
        """{level: {status: n}} for every level and status, zeros included."""
        out = {lv.value: {st.value: 0 for st in Status} for lv in Level}
        for r in self.results:
            out[r.check.level.value][r.status.value] += 1
        return out


def result_rank(r: CheckResult) -> tuple[int, int, str]:
    """Sort key that puts what a reader must see first: errors, then failures by level, then the rest."""
    level_rank = {Level.MUST: 0, Level.SHOULD: 1, Level.MAY: 2}[r.check.level]
    return (-r.status.rank, level_rank, r.check.id)


__all__ = [
    "CheckInfo",
    "CheckResult",
    "Evidence",
    "Exchange",
    "Finding",
    "RecordedRequest",
    "RecordedResponse",
    "RunResult",
    "Status",
    "Verdict",
    "WaiverOutcome",
    "WaiverState",
    "result_rank",
    "worst",
]

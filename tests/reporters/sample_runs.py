"""Hand-built `RunResult`s for the reporter tests: passing, failing, erroring and hostile runs."""

from __future__ import annotations

from conformance.contract.spec import ContractNote, DocLocation, Level
from conformance.results import (
    CheckInfo,
    CheckResult,
    Evidence,
    Exchange,
    Finding,
    RecordedRequest,
    RecordedResponse,
    RunResult,
    Status,
)

DOC = "create-outboundshareduserprofile.md"
TARGET = "http://127.0.0.1:8080"
URL = TARGET + "/directory/outboundSharedUserProfiles"
SHA = "3f" * 32
PWN_SCRIPT = "<script>document.title='PWNED'</script>"
PWN_IMG = "<img src=x onerror=\"document.title='PWNED'\">"
CONTROL = "bell\x07 nul\x00 esc\x1b[31m vt\x0b"
HOSTILE = f"{PWN_SCRIPT} {PWN_IMG} ]]> {CONTROL} ```fence``` `tick` a|b|c Ünïcødé ✓ 漢字 </details> -->"


def loc(line: int, section: str, anchor: str = "") -> DocLocation:
    return DocLocation(file=DOC, line=line, section=section, anchor=anchor)


def info(cid: str, level: Level, requirement: str, doc: DocLocation | None, title: str = "") -> CheckInfo:
    return CheckInfo(id=cid, level=level, requirement=requirement, source="doc", doc=doc, title=title)


def exchange(
    status: int, body: str, *, request_body: str | None = '{"userId": "u1"}', truncated: bool = False
) -> Exchange:
    return Exchange(
        request=RecordedRequest(
            method="POST",
            url=URL,
            headers=(("Authorization", "Bearer ***"), ("Content-Type", "application/json")),
            body=request_body,
            body_size=len((request_body or "").encode()),
        ),
        response=RecordedResponse(
            status=status,
            reason={201: "Created", 400: "Bad Request", 500: "Internal Server Error"}.get(status, ""),
            headers=(("Content-Type", "application/json"), ("request-id", "7e1c")),
            body=body,
            body_truncated=truncated,
            body_size=len(body.encode()) + (4096 if truncated else 0),
            elapsed_s=0.012,
        ),
        curl=(
            f"curl -sS -X POST '{URL}' -H 'Authorization: Bearer $CONFORMANCE_TOKEN' "
            f"-H 'Content-Type: application/json' --data-raw '{request_body or ''}'"
        ),
    )


def _run(results: tuple[CheckResult, ...], **kw: object) -> RunResult:
    base: dict[str, object] = {
        "harness_version": "0.1.0",
        "config": {
            "base_url": TARGET,
            "token": "***",
            "timeout_s": 5.0,
            "formats": ["json", "junit", "md", "html"],
            "fail_on": ["MUST"],
        },
        "target": TARGET,
        "spec_file": "specs/create-outboundshareduserprofile.openapi.yaml",
        "doc_file": DOC,
        "doc_sha256": SHA,
        "seed": 1234,
        "started_at": "2025-01-02T03:04:05Z",
        "finished_at": "2025-01-02T03:04:07Z",
        "results": results,
    }
    base.update(kw)
    return RunResult(**base)  # type: ignore[arg-type]


PASS_CREATE = CheckResult(
    check=info(
        "CREATE-001",
        Level.MUST,
        "A valid request creates the object and returns 201 Created.",
        loc(56, "Response"),
        "valid create returns 201",
    ),
    status=Status.PASS,
    duration_s=0.02,
    requests=1,
)
PASS_LOCATION = CheckResult(
    check=info(
        "CREATE-010", Level.SHOULD, "The 201 response should carry a Location header.", loc(56, "Response")
    ),
    status=Status.PASS,
    duration_s=0.01,
    requests=1,
)
SKIP_MAY = CheckResult(
    check=info(
        "CREATE-020",
        Level.MAY,
        "The service may accept deletedDateTime as null.",
        loc(49, "Request body", "deletedDateTime"),
    ),
    status=Status.SKIP,
    error="no nullable property to try",
)


def passing_run() -> RunResult:
    return _run((PASS_CREATE, PASS_LOCATION, SKIP_MAY))


FAIL_REQUIRED = CheckResult(
    check=info(
        "CREATE-003",
        Level.MUST,
        "A request without userId is rejected with 400 Bad Request.",
        loc(50, "Request body", "userId"),
        "userId is required",
    ),
    status=Status.FAIL,
    findings=(
        Finding(
            message="missing userId was accepted",
            location="response.status",
            evidence=Evidence(
                expected="400 Bad Request",
                actual="201 Created",
                exchange=exchange(201, '{"id": "83876b0d-6b0d-8387-0d6b-87830d6b8783"}', request_body="{}"),
            ),
        ),
    ),
    duration_s=0.031,
    requests=1,
)
FAIL_SHOULD = CheckResult(
    check=info(
        "ODATA-002", Level.SHOULD, 'Errors should use the OData error body {"error": {code, message}}.', None
    ),
    status=Status.FAIL,
    findings=(
        Finding(
            message="error body has no 'error' object",
            location="/error",
            evidence=Evidence(
                expected="an object with code and message",
                actual="absent",
                exchange=exchange(400, "bad request" * 400, truncated=True),
            ),
        ),
        Finding(message="error body is not JSON", location="response.headers.content-type"),
    ),
    duration_s=0.5,
    requests=2,
    notes=("built on a weak fact: the page shows no error example",),
)
FUZZ_FAIL = CheckResult(
    check=info("FUZZ-001", Level.MUST, "Every schema-valid body is accepted.", loc(45, "Request body")),
    status=Status.FAIL,
    findings=(
        Finding(
            message="schema-valid body rejected",
            location="response.status",
            evidence=Evidence(
                expected="201",
                actual="500",
                seed=1234,
                input={"userId": "", "deletedDateTime": None},
                exchange=exchange(500, '{"error": {"code": "Oops"}}', request_body='{"userId": ""}'),
            ),
        ),
    ),
    duration_s=1.25,
    requests=40,
)
NOTES = (
    ContractNote(
        severity="warning",
        code="DOC-TODO",
        message="The Response section says TODO.",
        where=loc(58, "Response"),
    ),
    ContractNote(
        severity="info",
        code="DOC-EXAMPLE-PLACEHOLDER",
        message='Example values are placeholders like "String (timestamp)".',
        where=loc(70, "Request"),
    ),
)


def failing_run() -> RunResult:
    return _run(
        (PASS_CREATE, FAIL_REQUIRED, FAIL_SHOULD, FUZZ_FAIL, PASS_LOCATION, SKIP_MAY),
        contract=NOTES,
        notes=("accepted @odata.type alias #microsoft.graph.outboundSharedUserProfile",),
    )


ERROR_UNREACHABLE = CheckResult(
    check=info(
        "CREATE-004",
        Level.MUST,
        "deletedDateTime must be a date-time.",
        loc(49, "Request body", "deletedDateTime"),
    ),
    status=Status.ERROR,
    error="TargetError: read timed out after 5.0 s (POST /directory/outboundSharedUserProfiles)",
    findings=(
        Finding(
            message="no answer",
            evidence=Evidence(
                exchange=Exchange(
                    request=RecordedRequest(method="POST", url=URL, headers=(), body='{"userId": "x"}'),
                    response=None,
                    error="read timed out",
                    curl=f"curl -sS -X POST '{URL}'",
                )
            ),
        ),
    ),
    duration_s=5.0,
    requests=1,
)


def error_run() -> RunResult:
    """A check errored and a MUST failed: the failure, which has evidence, decides the verdict."""
    return _run((PASS_CREATE, ERROR_UNREACHABLE, FAIL_REQUIRED), seed=None)


def undecided_run() -> RunResult:
    """A check errored and nothing that counts failed: the run is undecided."""
    return _run((PASS_CREATE, ERROR_UNREACHABLE, FAIL_SHOULD), seed=None)


def hostile_run() -> RunResult:
    """A failing run where everything the target controls carries payloads."""
    hx = Exchange(
        request=RecordedRequest(
            method="POST",
            url=URL + "?q=" + PWN_SCRIPT,
            headers=(("Content-Type", "application/json"),),
            body='{"userId": "' + HOSTILE + '"}',
        ),
        response=RecordedResponse(
            status=201,
            reason=PWN_IMG,
            headers=((f"X-Evil{PWN_SCRIPT}", HOSTILE), ("Content-Type", "text/html")),
            body=f"<html><body>{HOSTILE}\n```\n````\nline|with|pipes\n]]></body></html>",
            body_size=300,
        ),
        error=None,
        curl=f"curl -X POST '{URL}' --data-raw '{HOSTILE}'",
    )
    evil = CheckResult(
        check=info(
            "CREATE-666",
            Level.MUST,
            f"The requirement quotes the target: {HOSTILE}",
            loc(50, "Request body", "userId|`x`"),
            title=f"hostile {PWN_SCRIPT}",
        ),
        status=Status.FAIL,
        findings=(
            Finding(
                message=f"echoed {HOSTILE}",
                location=f"/{PWN_IMG}",
                evidence=Evidence(
                    expected=f"no {PWN_SCRIPT}",
                    actual=HOSTILE,
                    exchange=hx,
                    seed=7,
                    input={"userId": HOSTILE, "n": [1, 2]},
                ),
            ),
        ),
        notes=(f"note {HOSTILE}",),
        duration_s=0.1,
        requests=1,
    )
    crashed = CheckResult(
        check=info("CREATE-667", Level.SHOULD, "Crash text is escaped too.", None),
        status=Status.ERROR,
        error=f"ValueError: {HOSTILE}",
    )
    return _run(
        (PASS_CREATE, evil, crashed),
        contract=(ContractNote(severity="warning", code="DOC-`X`", message=HOSTILE, where=loc(1, "Intro")),),
        notes=(f"run note {HOSTILE}",),
        target=TARGET,
    )


ALL_RUNS = {
    "passing": passing_run,
    "failing": failing_run,
    "error": error_run,
    "hostile": hostile_run,
}

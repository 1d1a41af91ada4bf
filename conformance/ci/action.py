"""The steps of the GitHub Action (`action.yml` at the repository root) that need more than a line of bash.

    python -m conformance.ci.action run      run `conformance run` with the action's inputs
    python -m conformance.ci.action report   step summary, annotations and the verdict output

`run` reads the inputs from the environment the step sets (`INPUT_TARGET`, `INPUT_SPEC`, `INPUT_STRICT`,
`INPUT_ARGS`, `INPUT_REPORT_DIR`, `INPUT_TOKEN`), runs the harness with the same Python, passing the token
as `CONFORMANCE_TOKEN` (never on a command line), and writes the `exit-code` and `report-dir` outputs. The
harness's output is fenced with `::stop-commands::` and a random token, so nothing a target makes it print
can be read by the runner as a workflow command. The step itself exits 0 so that the summary is written;
the action's last step exits with the harness's code.

`report` appends `report.md` to `$GITHUB_STEP_SUMMARY`, prints one `::error` annotation per counted failure
(title: the check id; message: its findings) and one `::warning` per check the harness could not decide,
with the token masked, and writes the `verdict` output. A missing or unreadable report is said in the
summary and an annotation, never a traceback.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from conformance.ci.workflow import command, masked
from conformance.contract.files import InputFileError, read_text
from conformance.contract.spec import JSON

EXIT_USAGE = 2
SUMMARY_LIMIT = 1_000_000  # GitHub refuses a step summary over 1 MiB
_TRUE, _FALSE = ("true", "yes", "1", "on"), ("false", "no", "0", "off", "")


class InputError(Exception):
    """An action input that cannot be used; the message names the input and how to fix it."""


def harness_argv(env: Mapping[str, str]) -> list[str]:
    """The `conformance run` arguments the inputs ask for."""
    argv = ["run", "--report-dir", env.get("INPUT_REPORT_DIR") or "conformance-reports"]
    if env.get("INPUT_TARGET"):
        argv += ["--target", env["INPUT_TARGET"]]
    if env.get("INPUT_SPEC"):
        argv += ["--spec", env["INPUT_SPEC"]]
    strict = env.get("INPUT_STRICT", "").strip().lower()
    if strict not in _TRUE + _FALSE:
        raise InputError(f"input 'strict' is {strict!r}; use true or false")
    if strict in _TRUE:
        argv.append("--strict")
    try:
        argv += shlex.split(env.get("INPUT_ARGS", ""))
    except ValueError as exc:
        raise InputError(f"input 'args' cannot be split into arguments ({exc}); check its quotes") from None
    return argv


def token_of(env: Mapping[str, str]) -> str:
    return env.get("INPUT_TOKEN", "")


def _secrets(env: Mapping[str, str]) -> list[str]:
    token = token_of(env) or env.get("CONFORMANCE_TOKEN", "")
    return [token, token.strip(), *token.splitlines()] if token else []


def set_output(env: Mapping[str, str], name: str, value: str) -> None:
    """Append one step output to `$GITHUB_OUTPUT`, in the delimiter form that any value survives."""
    path = env.get("GITHUB_OUTPUT")
    if not path:
        return
    delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
    with open(path, "a", encoding="utf-8") as f:
        f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def step_run(env: Mapping[str, str]) -> int:
    """The `run` step: run the harness, record its exit code; returns this step's own code."""
    try:
        argv = harness_argv(env)
    except InputError as exc:
        print(command("error", str(exc), title="graph-conformance"), flush=True)
        set_output(env, "exit-code", str(EXIT_USAGE))
        set_output(env, "report-dir", env.get("INPUT_REPORT_DIR") or "conformance-reports")
        return 0
    child = {k: v for k, v in env.items() if not k.startswith("INPUT_")}
    if token_of(env):
        child["CONFORMANCE_TOKEN"] = token_of(env)
    fence = secrets.token_hex(16)
    print(f"::stop-commands::{fence}", flush=True)  # the target's words are not workflow commands
    try:
        done = subprocess.run(
            [sys.executable, "-m", "conformance", *argv],
            env=child,
            check=False,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        sys.stdout.write(done.stderr)  # the harness's stderr, escaped like the rest, inside the fence
    finally:
        print(f"::{fence}::", flush=True)
    code = done.returncode
    print(f"graph-conformance: conformance run exited {code}", flush=True)
    said = [line for line in done.stderr.splitlines() if line.strip()]
    if code == EXIT_USAGE and said:  # a usage error: its one line is the annotation
        print(command("error", masked(said[-1], _secrets(env)), title="graph-conformance"), flush=True)
    set_output(env, "exit-code", str(code))
    set_output(env, "report-dir", argv[2])
    return 0


def _load(report_dir: Path) -> dict[str, JSON] | str:
    """report.json as data, or why it cannot be used (one line)."""
    try:
        data = json.loads(read_text(report_dir / "report.json"))
    except InputFileError as exc:
        return f"no readable report.json in {str(report_dir)!r} ({exc})"
    except ValueError as exc:
        return f"report.json in {str(report_dir)!r} is not JSON ({exc})"
    if not isinstance(data, dict) or not isinstance(data.get("checks"), list):
        return f"report.json in {str(report_dir)!r} is not a harness report"
    return data


def failure_annotations(report: Mapping[str, JSON]) -> list[str]:
    """One `::error` per counted failure and one `::warning` per undecided check (unmasked)."""
    failing = report.get("failing_levels")
    levels = {str(x) for x in failing} if isinstance(failing, list) else {"MUST"}
    lines: list[str] = []
    checks = report.get("checks")
    for c in checks if isinstance(checks, list) else []:
        if not isinstance(c, dict):
            continue
        cid, status, level = str(c.get("id", "?")), c.get("status"), str(c.get("level", ""))
        if status == "fail" and level in levels:
            found = c.get("findings")
            texts = (
                [str(f.get("message", "")) for f in found if isinstance(f, dict)]
                if isinstance(found, list)
                else []
            )
            message = "\n".join(texts) or str(c.get("requirement", "failed"))
            lines.append(command("error", f"{level}: {message}", title=cid))
        elif status == "error":
            lines.append(
                command("warning", f"could not decide: {c.get('error') or 'see the report'}", title=cid)
            )
    return lines


def step_report(env: Mapping[str, str]) -> int:
    """The `report` step: step summary, annotations, the `verdict` output."""
    report_dir = Path(env.get("REPORT_DIR") or "conformance-reports")
    code = env.get("EXIT_CODE", "")
    hidden = _secrets(env)
    report = _load(report_dir)
    summary: str
    if isinstance(report, str):
        exited = f"exited {code}" if code else "did not run"
        summary = (
            f"## graph-conformance\n\nNo report: {report}. `conformance run` {exited}; see the step log.\n"
        )
        print(command("error", masked(report, hidden), title="graph-conformance"))
        set_output(env, "verdict", "")
    else:
        for line in failure_annotations(report):
            print(masked(line, hidden))
        set_output(env, "verdict", str(report.get("verdict", "")))
        try:
            summary = read_text(report_dir / "report.md")
        except InputFileError as exc:
            summary = (
                f"## graph-conformance\n\nverdict: {report.get('verdict')}; report.md not readable ({exc}).\n"
            )
        if len(summary.encode("utf-8")) > SUMMARY_LIMIT:
            cut = summary.encode("utf-8")[: SUMMARY_LIMIT - 200].decode("utf-8", "ignore")
            summary = (
                cut
                + "\n\n*(cut: GitHub shows at most 1 MiB; report.md in the report directory has it all)*\n"
            )
    path = env.get("GITHUB_STEP_SUMMARY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(masked(summary, hidden) + "\n")
    return 0


__all__ = [
    "InputError",
    "failure_annotations",
    "harness_argv",
    "main",
    "set_output",
    "step_report",
    "step_run",
]


def main(argv: Sequence[str] | None = None) -> int:
    from conformance.console import guard_process_streams

    guard_process_streams()
    args = list(sys.argv[1:] if argv is None else argv)
    steps = {"run": step_run, "report": step_report}
    if len(args) != 1 or args[0] not in steps:
        print("usage: python -m conformance.ci.action run|report", file=sys.stderr)
        return EXIT_USAGE
    return steps[args[0]](os.environ)


if __name__ == "__main__":
    sys.exit(main())

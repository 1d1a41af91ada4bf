"""Running a composite action's steps locally, as the GitHub Actions runner does, for the tests.

`run_action(action_yml, inputs, workspace)` reads `action.yml`, and for each step of `runs.steps`: substitutes
the `${{ ... }}` expressions of its `env:` and `run:` (`inputs.NAME` with the action's defaults,
`github.action_path`, `steps.ID.outputs.NAME`; any other expression fails the test, so the emulation never
silently differs from the runner), writes the script to a file and runs it as `shell: bash` does
(`bash --noprofile --norc -e -o pipefail FILE`) in the workspace, with fresh `GITHUB_OUTPUT`,
`GITHUB_STEP_SUMMARY`, `GITHUB_ENV` and `GITHUB_PATH` files per step, stdout and stderr together as in the
log. Outputs are read back in both forms the runner accepts (`name=value` and `name<<DELIMITER`). A step
that exits non-zero ends the action with that code, as in a composite action without `continue-on-error`.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    exit_code: int
    log: str  # every step's output, in order, as the job log shows it (before masking)
    summary: str  # the step summaries, concatenated as the job summary shows them
    outputs: dict[str, str]  # the action's outputs
    step_outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    step_logs: list[tuple[str, str]] = field(default_factory=list)  # (step name, its output)


def read_outputs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, i + 1)
            out[name] = "\n".join(lines[i + 1 : end])
            i = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def run_action(
    action_yml: Path, inputs: dict[str, str], workspace: Path, env: dict[str, str], timeout: float = 600
) -> ActionRun:
    action = yaml.safe_load(action_yml.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    declared = action.get("inputs", {})
    unknown = set(inputs) - set(declared)
    assert not unknown, f"inputs the action does not declare: {unknown}"
    values = {name: inputs.get(name, str(spec.get("default", ""))) for name, spec in declared.items()}
    steps: dict[str, dict[str, str]] = {}
    scratch = workspace.parent / f"{workspace.name}-runner"
    scratch.mkdir(exist_ok=True)

    def evaluate(m: re.Match[str]) -> str:
        expr = m.group(1)
        if expr.startswith("inputs."):
            return values[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(action_yml.parent)
        step = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        if step:
            return steps.get(step.group(1), {}).get(step.group(2), "")
        raise AssertionError(f"expression the test runner does not emulate: {expr}")

    log_parts: list[tuple[str, str]] = []
    summary = ""
    code = 0
    for n, step in enumerate(action["runs"]["steps"]):
        assert step.get("shell") == "bash", "every run step says shell: bash"
        assert "if" not in step, "the emulation covers plain run steps"
        assert "uses" not in step, "the emulation covers plain run steps"
        files = {
            k: scratch / f"{n}-{k.lower()}"
            for k in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV", "GITHUB_PATH")
        }
        for f in files.values():
            f.write_text("", encoding="utf-8")
        script = scratch / f"{n}-step.sh"
        script.write_text(EXPR.sub(evaluate, step["run"]), encoding="utf-8")
        step_env = {
            **env,
            **{k: str(v) for k, v in files.items()},
            "GITHUB_WORKSPACE": str(workspace),
            "RUNNER_TEMP": str(scratch),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
            **{k: EXPR.sub(evaluate, str(v)) for k, v in (step.get("env") or {}).items()},
        }
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
        log_parts.append((step.get("name", f"step {n}"), proc.stdout))
        summary += files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8")
        if "id" in step:
            steps[step["id"]] = read_outputs(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        if proc.returncode != 0:
            code = proc.returncode
            break
    outputs = {
        name: EXPR.sub(evaluate, str(spec.get("value", "")))
        for name, spec in (action.get("outputs") or {}).items()
    }
    return ActionRun(
        exit_code=code,
        log="".join(text for _, text in log_parts),
        summary=summary,
        outputs=outputs,
        step_outputs=steps,
        step_logs=log_parts,
    )


def clean_env(pythonpath: Path) -> dict[str, str]:
    """The machine's environment without the harness's settings or a GitHub job's files, with the checkout
    importable (the action's install step then uses it instead of installing a copy)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONFORMANCE_", "GITHUB_", "RUNNER_", "INPUT_")) and k != "PYTHONPATH"
    }
    env["PYTHONPATH"] = str(pythonpath)
    return env

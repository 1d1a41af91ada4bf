"""The GitHub Action (action.yml): its steps run exactly as written, as the runner runs them
(tests/github_runner.py), against the embedded reference, a faulty reference on 127.0.0.1 (through the
README's workflow example) and a hostile target; and the annotations of a hostile report.json.

Not emulated: the install step's `pip install` branch (the checkout is importable here, so the step takes its
documented "already importable from this checkout" branch; `.ci/run` installs the package with pip itself)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from conformance.ci.action import failure_annotations
from conformance.reference.server import ReferenceServer
from tests.attack_servers import graph_app, response
from tests.github_runner import ActionRun, clean_env, run_action
from tests.seed_spec import SEED_SPEC
from tests.workflow_commands import commands

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
FAST = "--examples 3 --seed 7 --timeout 5"
TOKEN = "tok-3xAmple%0A-Secret,value:42"  # % , and : are what workflow-command escaping is about


def _run(tmp_path: Path, **inputs: str) -> ActionRun:
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_action(ACTION, inputs, workspace, clean_env(ROOT))


def _report(run: ActionRun, tmp_path: Path) -> dict:
    folder = tmp_path / "workspace" / run.outputs["report-dir"]
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _errors(run: ActionRun) -> list:
    return [c for c in commands(run.log) if c.name == "error"]


def test_embedded_reference_is_conformant(tmp_path: Path):
    run = _run(tmp_path, args=FAST)
    assert run.exit_code == 0, run.log
    assert run.outputs == {"verdict": "pass", "exit-code": "0", "report-dir": "conformance-reports"}
    md = (tmp_path / "workspace" / "conformance-reports" / "report.md").read_text(encoding="utf-8")
    assert run.summary == md + "\n"
    assert run.summary.startswith("## Conformance: ✅ PASS")
    assert _errors(run) == []
    assert "graph-conformance: using the checkout at" in run.log  # no pip install in the test


def _readme_workflow() -> dict:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "graph-conformance@" in b]
    return yaml.safe_load(block)


def test_readme_workflow_against_a_faulty_target(tmp_path: Path):
    """The README's job: its action step's `with:` (secrets and vars filled in as GitHub would), then the
    upload step's path, which must name the folder the reports are in."""
    job = next(iter(_readme_workflow()["jobs"].values()))
    (step,) = [s for s in job["steps"] if "graph-conformance@" in s.get("uses", "")]
    (upload,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    with ReferenceServer(SEED_SPEC, faults=["id-not-guid"], token=TOKEN) as server:
        known = {"vars.TARGET_URL": server.url, "secrets.CONFORMANCE_TOKEN": TOKEN}
        inputs = {
            k: re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: known[m.group(1)], str(v))
            for k, v in step["with"].items()
        }
        inputs["args"] = inputs.get("args", "") + " --timeout 5"
        run = _run(tmp_path, **inputs)
    assert run.exit_code == 1, run.log
    assert run.outputs["verdict"] == "fail"
    assert run.outputs["exit-code"] == "1"
    path = upload["with"]["path"].replace(
        "${{ steps." + step["id"] + ".outputs.report-dir }}", run.outputs["report-dir"]
    )
    folder = tmp_path / "workspace" / path
    assert {p.name for p in folder.iterdir()} >= {"report.json", "junit.xml", "report.md", "report.html"}

    report = _report(run, tmp_path)
    counted = [
        c for c in report["checks"] if c["status"] == "fail" and c["level"] in report["failing_levels"]
    ]
    assert counted, "the fault makes MUST checks fail"
    errors = _errors(run)
    assert [e.properties for e in errors] == [{"title": c["id"]} for c in counted]
    for e, c in zip(errors, counted, strict=True):
        assert e.message == "MUST: " + "\n".join(f["message"] for f in c["findings"])
    assert "CREATE-004" in {c["id"] for c in counted}
    assert run.summary.startswith("## Conformance: ❌ FAIL"), run.summary[:200]

    # the token: announced to the runner once, exactly, before any other step ran; nowhere else
    masks = [c for c in commands(run.log) if c.name == "add-mask"]
    assert [m.message for m in masks] == [TOKEN]
    assert run.step_logs[0][0] == "Mask the token"
    mask_lines = [line for line in run.log.splitlines() if line.startswith("::add-mask::")]
    rest = "\n".join(line for line in run.log.splitlines() if line not in mask_lines)
    for text in (
        rest,
        run.summary,
        json.dumps(run.outputs),
        *(p.read_text(errors="replace") for p in folder.iterdir()),
    ):
        assert TOKEN not in text
        assert TOKEN.replace("%", "%25") not in text


def test_hostile_target_cannot_write_workflow_commands(tmp_path: Path, serve):
    """A target whose answers carry workflow commands (in the id it returns and its reason phrase): the
    runner sees none of them, only the action's own annotations."""
    honest = graph_app(expected_token=TOKEN)
    evil = "bad\n::error title=INJECTED::pwned\n::add-mask::Bearer\n::stop-commands::x"

    def app(req):
        raw = honest(req)
        head, _, body = raw.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 201"):
            return raw
        data = json.loads(body)
        data["id"] = evil
        return response(201, "Created ::error title=INJECTED::reason", [("Location", "/x")], data)

    server = serve(app)
    url = f"http://127.0.0.1:{server.port}"
    folder = "r, with: odd name\n::warning title=INJECTED::dir"  # printed raw by the harness's last lines
    run = _run(tmp_path, target=url, token=TOKEN, args=f"{FAST} -v", **{"report-dir": folder})
    assert run.exit_code == 1, run.log
    assert "\n::warning title=INJECTED::dir/report.json" in run.log  # a command line, but inside the fence
    assert "INJECTED::pwned" in run.log  # the target's words are in the log...
    found = commands(run.log)
    assert "INJECTED" not in {c.properties.get("title") for c in found}  # ...but are no command
    assert [c.message for c in found if c.name == "add-mask"] == [TOKEN]
    report = _report(run, tmp_path)
    ids = {c["id"] for c in report["checks"]}
    assert {c.properties["title"] for c in found if c.name in ("error", "warning")} <= ids
    assert any(c.name == "error" and "bad" in c.message for c in found)  # the finding names the bad id
    assert run.outputs["report-dir"] == folder


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"strict": "maybe"}, "input 'strict' is 'maybe'; use true or false"),
        ({"args": '--skip-check "GEN-*'}, "input 'args' cannot be split"),
        ({"target": "http://127.0.0.1:9"}, "no token for the target"),
    ],
)
def test_bad_inputs_are_exit_2_with_one_annotation_and_a_summary(tmp_path: Path, inputs: dict, says: str):
    run = _run(tmp_path, **inputs)
    assert run.exit_code == 2, run.log
    assert run.outputs["exit-code"] == "2"
    assert run.outputs["verdict"] == ""
    assert "No report" in run.summary
    assert "Traceback" not in run.log
    assert any(says in e.message for e in _errors(run)), run.log


def test_strict_counts_should_failures(tmp_path: Path):
    with ReferenceServer(SEED_SPEC, faults=["auth-no-www-authenticate"], token=TOKEN) as server:
        run = _run(tmp_path, target=server.url, token=TOKEN, strict="true", args=FAST)
    assert run.exit_code == 1, run.log
    assert [e.properties["title"] for e in _errors(run)] == ["AUTH-101"]
    assert _errors(run)[0].message.startswith("SHOULD: ")


def test_annotations_of_a_hostile_report_read_back_exactly():
    hostile = "100%0A done\r\n::warning title=X::fake, a:b %25"
    report = {
        "failing_levels": ["MUST"],
        "checks": [
            {
                "id": "CREATE-004",
                "level": "MUST",
                "status": "fail",
                "findings": [{"message": hostile}, {"message": "2"}],
            },
            {"id": "ODD:ID,1", "level": "MUST", "status": "fail", "findings": [{"message": "m"}]},
            {"id": "HDR-101", "level": "SHOULD", "status": "fail", "findings": [{"message": "not counted"}]},
            {"id": "VALID-001", "level": "MUST", "status": "waived", "findings": [{"message": "waived"}]},
            {"id": "CREATE-001", "level": "MUST", "status": "error", "error": "target unreachable"},
            {"id": "CREATE-002", "level": "MUST", "status": "pass", "findings": []},
        ],
    }
    lines = failure_annotations(report)
    assert all("\n" not in line and "\r" not in line for line in lines)
    found = commands("\n".join(lines))
    assert [(c.name, c.properties, c.message) for c in found] == [
        ("error", {"title": "CREATE-004"}, f"MUST: {hostile}\n2"),
        ("error", {"title": "ODD:ID,1"}, "MUST: m"),
        ("warning", {"title": "CREATE-001"}, "could not decide: target unreachable"),
    ]

"""A derived spec other tools can use: Schemathesis's own CLI and a Prism mock both take it as it is.

- `schemathesis run` (the console script, all its default checks) against the reference implementation of
  the derived spec, on 127.0.0.1 with port 0, reports no failure; against a broken variant it does.
- Prism (`prism mock SPEC`) serves the derived spec and its 201 body validates against the derived
  response schema: the example it answers with is a valid one (a repaired twin when the page's is not).
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
import yaml

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.contract.schemas import validation_errors
from conformance.reference.server import ReferenceServer
from tests.corpus import CORPUS, PAGES

ROOT = Path(__file__).resolve().parents[1]
SEED_SPEC_FILE = ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml"
TOKEN = "st-token-123456"
# a plain create, one with placeholders in its paths, a polymorphic one (several example types)
CORPUS_PAGES = ["v1.0/api/group-post-groups.md", "v1.0/api/user-post-events.md"]
CORPUS_PAGES += ["beta/api/conditionalaccessroot-post-namedlocations.md"]


def _derived(page: Path, out: Path) -> Path:
    assert main(["derive", str(page), "--out", str(out)]) == 0
    (spec_file,) = out.glob("*.openapi.yaml")
    return spec_file


def _spec_files(tmp_path: Path, which: str) -> Path:
    if which == "seed":
        return SEED_SPEC_FILE
    page = CORPUS / which
    if not page.is_file():
        pytest.skip(f"Graph corpus page {which} not found at {CORPUS} (set CONFORMANCE_CORPUS)")
    return _derived(page, tmp_path / "spec")


def _schemathesis() -> str:
    beside = Path(sys.executable).parent / "schemathesis"  # the console script of this environment
    found = str(beside) if beside.is_file() else shutil.which("schemathesis")
    assert found, "schemathesis's console script is missing: pip install '.[test]'"
    return found


def _st_run(spec_file: Path, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = [_schemathesis(), "run", str(spec_file), "--url", url, "-H", f"Authorization: Bearer {TOKEN}"]
    argv += ["-n", "10", "--seed", "1", "--no-color", "--generation-database", "none"]
    # cwd is an empty folder: no schemathesis.toml of anyone else's is picked up
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=600)


SPECS = [
    pytest.param("seed", id="seed"),
    *(pytest.param(p, id=p, marks=pytest.mark.slow) for p in CORPUS_PAGES),
]


@pytest.mark.parametrize("which", SPECS)
def test_schemathesis_cli_finds_no_failure_on_the_reference(which, tmp_path):
    spec_file = _spec_files(tmp_path, which)
    with ReferenceServer(load_spec(spec_file), token=TOKEN) as server:
        assert server.url.startswith("http://127.0.0.1:")
        done = _st_run(spec_file, server.url, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-1000:]
    assert "No issues found" in done.stdout or " passed" in done.stdout, done.stdout[-2000:]


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        pytest.param("id-not-guid", "ST108", id="id-not-guid"),  # the 201 body breaks the response schema
        pytest.param(
            "accepts-missing-required", "ST201", id="accepts-missing-required", marks=pytest.mark.slow
        ),
    ],
)
def test_schemathesis_cli_fails_a_broken_reference(fault, code, tmp_path):
    # the same spec and command against a deliberately broken variant: st must report it
    with ReferenceServer(load_spec(SEED_SPEC_FILE), token=TOKEN, faults=(fault,)) as server:
        done = _st_run(SEED_SPEC_FILE, server.url, tmp_path)
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-1000:]
    assert code in done.stdout, done.stdout[-3000:]


# -- Prism ---------------------------------------------------------------------------------------

needs_prism = pytest.mark.skipif(
    shutil.which("prism") is None,
    reason="prism is not on PATH: `npm install -g @stoplight/prism-cli` (.ci/run does when npm exists)",
)
_LISTENING_RE = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def _start_prism(spec_file: Path, cwd: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        ["prism", "mock", str(spec_file), "-p", "0", "-h", "127.0.0.1"],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # prism is node: its own process group, ended below by its id
    )
    assert proc.stdout is not None
    # Lines are read on a thread: prism may write several lines at once, and a select() on the pipe would
    # then wait for more while the line that says where it listens sits in Python's buffer.
    lines: queue.Queue[str] = queue.Queue()
    stdout = proc.stdout
    threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 240  # node starts slowly on a loaded machine
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        seen.append(line)
        m = _LISTENING_RE.search(line)
        if m:
            return proc, m.group(1)
    _stop(proc)
    raise AssertionError("prism did not start: " + "".join(seen)[-2000:])


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


PRISM_SPECS = [pytest.param("seed", id="seed")]
if PAGES:
    PRISM_SPECS.append(pytest.param(CORPUS_PAGES[1], id=CORPUS_PAGES[1], marks=pytest.mark.slow))


@needs_prism
@pytest.mark.parametrize("which", PRISM_SPECS)
def test_prism_mock_answers_a_201_body_the_derived_schema_accepts(which, tmp_path):
    spec_file = _spec_files(tmp_path, which)
    spec = load_spec(spec_file)
    response_schema = json.loads(
        spec_file.with_name(spec_file.name.replace(".openapi.yaml", ".response.schema.json")).read_text()
    )
    doc = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    media = doc["paths"][spec.operation.path]["post"]["requestBody"]["content"]["application/json"]
    body = next(iter(media["examples"].values()))["value"]  # the spec's own valid request example
    path = re.sub(r"\{[^{}]+\}", "abc", spec.operation.path)
    proc, url = _start_prism(spec_file, tmp_path)
    try:
        reply = requests.post(
            url + path,
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}", "Prefer": "code=201"},
            timeout=30,
        )
    finally:
        _stop(proc)
    assert reply.status_code == 201, reply.text[:500]
    created = reply.json()
    assert validation_errors(created, response_schema) == []
    assert spec.operation.id_format.value != "guid" or re.fullmatch(r"[0-9a-fA-F-]{36}", created["id"])

"""The README's "A resource: create, get, list, update and delete pages" commands work exactly as written,
from a checkout beside both corpora (the block is read from the README, each line run by bash unchanged)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.corpus import CORPUS, OPS_CORPUS, needs_corpus
from tests.test_readme_other_pages import README, _env

pytestmark = [
    needs_corpus,
    pytest.mark.skipif(not (OPS_CORPUS / "labels.yaml").is_file(), reason=f"ops corpus not at {OPS_CORPUS}"),
]


def resource_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## A resource: create, get, list, update and delete pages\n", 1)[1].split(
        "\n## ", 1
    )[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README's resource section has no bash block"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_resource_commands_as_written(tmp_path):
    checkout = tmp_path / "work" / "graph-conformance"
    (checkout / "specs").mkdir(parents=True)
    corpus = tmp_path / "work" / "shared" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "graph-docs").symlink_to(CORPUS.resolve())
    (corpus / "graph-docs-ops").symlink_to(OPS_CORPUS.resolve())
    env = _env(tmp_path)
    derive, run, no_create = resource_commands()
    assert shutil.which("bash")

    done = subprocess.run(["bash", "-c", derive], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "resource group (/groups, key {id}): create, get, list, update, delete" in done.stdout

    done = subprocess.run(["bash", "-c", run], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])
    for check_id in ("LIFE-001", "LIFE-002", "LIFE-003", "LIFE-004", "LIFE-005", "LIFE-006", "LIFE-007"):
        assert re.search(rf"PASS\s+{check_id}\b", done.stdout), (check_id, done.stdout[-2500:])

    done = subprocess.run(["bash", "-c", no_create], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert "documents no create operation" in done.stderr
    assert done.stderr.count("\n") == 1

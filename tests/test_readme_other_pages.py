"""The README's "Other doc pages" commands work exactly as written, from a checkout beside the corpus.

The block is read from the README itself (so editing it changes what runs) and each line is run by bash,
unchanged, in a folder laid out as the README assumes: a checkout with `specs/` and the corpus at
`../shared/corpus/graph-docs`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.corpus import CORPUS, needs_corpus

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

pytestmark = needs_corpus


def other_pages_commands() -> list[str]:
    """The command lines of the first bash block under '## Other doc pages', comments kept."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Other doc pages\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README's 'Other doc pages' has no bash block"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = str(ROOT)
    if shutil.which("conformance") is None:  # not installed: the same entry point, run from the checkout
        shim = tmp_path / "bin"
        shim.mkdir()
        (shim / "conformance").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m conformance "$@"\n')
        (shim / "conformance").chmod(0o755)
        env["PATH"] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_the_block_is_the_one_this_test_knows():
    words = [ln.split()[:2] for ln in other_pages_commands()]
    assert words == [["conformance", "derive"], ["conformance", "run"], ["conformance", "lint"]]


def test_other_doc_pages_commands_as_written(tmp_path):
    checkout = tmp_path / "work" / "graph-conformance"
    (checkout / "specs").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "create-outboundshareduserprofile.md", checkout / "specs")
    (tmp_path / "work" / "shared" / "corpus").mkdir(parents=True)
    (tmp_path / "work" / "shared" / "corpus" / "graph-docs").symlink_to(CORPUS.resolve())
    env = _env(tmp_path)
    derive, run, lint = other_pages_commands()

    done = subprocess.run(["bash", "-c", derive], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (checkout / "specs" / "group" / "group.openapi.yaml").is_file(), done.stdout

    done = subprocess.run(["bash", "-c", run], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 0, (done.stdout[-1500:], done.stderr[-1500:])  # "its own reference: exit 0"
    assert (checkout / "reports" / "report.json").is_file()

    done = subprocess.run(["bash", "-c", lint], cwd=checkout, env=env, capture_output=True, text=True)
    assert done.returncode == 1, done.stderr  # the seed page has errors: exit 1 with the findings
    assert re.search(r"^create-outboundshareduserprofile\.md:\d+: error DOC-", done.stdout, re.M)
    assert re.search(r"^\d+ findings, [1-9]\d* errors?$", done.stdout, re.M), done.stdout

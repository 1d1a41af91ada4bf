"""The README's "The seed's own resource" commands work exactly as written, from a checkout beside the
corpora: the seed's create page with its list and get pages, then a whole corpus resource (create, get, list,
update, delete), each derived into one document (printing its key property) and run against the embedded
reference with exit 0."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.corpus import CORPUS, OPS_CORPUS, needs_corpus
from tests.test_readme_other_pages import README, ROOT, _env

pytestmark = [
    needs_corpus,
    pytest.mark.skipif(not (OPS_CORPUS / "labels.yaml").is_file(), reason=f"ops corpus not at {OPS_CORPUS}"),
]


def seed_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("\n### The seed's own resource\n", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None, "README's seed resource section has no bash block"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def test_seed_resource_commands_as_written(tmp_path):
    checkout = tmp_path / "work" / "graph-conformance"
    (checkout / "specs").mkdir(parents=True)
    for page in (ROOT / "specs").glob("*.md"):
        shutil.copy(page, checkout / "specs" / page.name)
    corpus = tmp_path / "work" / "shared" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "graph-docs").symlink_to(CORPUS.resolve())
    (corpus / "graph-docs-ops").symlink_to(OPS_CORPUS.resolve())
    env = _env(tmp_path)
    seed_derive, seed_run, corpus_derive, corpus_run = seed_commands()
    printed = {
        seed_derive: "resource outboundSharedUserProfile (/directory/outboundSharedUserProfiles, "
        "key {userId}): create, get, list; key property userId",
        corpus_derive: "resource educationClass (/education/classes, key {id}): "
        "create, get, list, update, delete; key property id",
    }
    for line in (seed_derive, seed_run, corpus_derive, corpus_run):
        done = subprocess.run(["bash", "-c", line], cwd=checkout, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stdout[-1500:], done.stderr[-1500:])
        if line in printed:
            assert printed[line] in done.stdout
        else:  # against the embedded reference nothing fails, at any level (a SHOULD does not change exit)
            assert "verdict: CONFORMANT" in done.stdout
            assert re.search(r"\(\d+ passed, 0 failed, 0 errors", done.stdout), done.stdout[-1500:]

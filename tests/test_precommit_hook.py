"""The `conformance-lint` pre-commit hook (.pre-commit-hooks.yaml), through the real pre-commit: `try-repo` on
a page with lint errors (fails), a clean page and a page with warnings only (pass), and the README's
`.pre-commit-config.yaml` example in a docs repository. pre-commit installs the hook from a committed copy
of this checkout into its own virtualenv, as it would for a user (the first install takes about a minute)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases" / "lint"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git (pre-commit needs it)"),
]
GIT = ["git", "-c", "user.email=ci@example.invalid", "-c", "user.name=ci", "-c", "commit.gpgsign=false"]


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",) and not k.startswith("GIT_")}
    env["PRE_COMMIT_HOME"] = str(home)  # pre-commit's store: the hook's virtualenv, shared by this module
    return env


def _git_repo(path: Path) -> str:
    subprocess.run([*GIT, "init", "-q", str(path)], check=True)
    subprocess.run([*GIT, "add", "-A"], cwd=path, check=True)
    subprocess.run([*GIT, "commit", "-qm", "pages"], cwd=path, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=path, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A committed copy of this checkout (what a user's `repo:` points at), its commit, pre-commit's home."""
    base = tmp_path_factory.mktemp("precommit")
    repo = base / "graph-conformance"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = ROOT / rel
        if src.is_file():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, repo / rel)
    return repo, _git_repo(repo), base / "home"


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A docs repository: a page with lint errors, a clean page, a page with warnings only, a README."""
    api = tmp_path / "docs" / "api-reference"
    api.mkdir(parents=True)
    shutil.copy(CASES / "odata_namespace.md", api / "widget-post-broken.md")
    shutil.copy(CASES / "clean.md", api / "widget-post.md")
    shutil.copy(CASES / "todo.md", api / "gadget-post.md")
    (tmp_path / "docs" / "README.md").write_text("# Docs\n\nNot an API page.\n", encoding="utf-8")
    _git_repo(tmp_path / "docs")
    return tmp_path / "docs"


def _pre_commit(docs: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=docs,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_try_repo_fails_on_lint_errors_and_passes_clean_pages(hook_repo, docs):
    repo, _, home = hook_repo
    page = "api-reference/widget-post-broken.md"
    broken = _pre_commit(docs, home, "try-repo", str(repo), "conformance-lint", "--files", page)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "conformance lint (Graph create doc pages)" in broken.stdout
    assert "Failed" in broken.stdout
    assert "widget-post-broken.md:69: error DOC-ODATA-NAMESPACE" in broken.stdout

    files = ("api-reference/widget-post.md", "api-reference/gadget-post.md")
    clean = _pre_commit(docs, home, "try-repo", str(repo), "conformance-lint", "--files", *files)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout


def _readme_config() -> dict:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    (block,) = [b for b in blocks if "id: conformance-lint" in b]
    config: dict = yaml.safe_load(block)
    return config


def test_readme_config_in_a_docs_repository(hook_repo, docs):
    repo, commit, home = hook_repo
    config = _readme_config()
    (entry,) = config["repos"]
    entry.update(repo=str(repo), rev=commit)  # the user's copy of the repository, at a commit
    (docs / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")

    failed = _pre_commit(docs, home, "run", "--all-files")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "widget-post-broken.md:69: error DOC-ODATA-NAMESPACE" in failed.stdout
    assert "README.md" not in failed.stdout  # `files` keeps other Markdown pages out

    (docs / "api-reference" / "widget-post-broken.md").unlink()
    passed = _pre_commit(docs, home, "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout

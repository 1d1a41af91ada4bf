"""Planted symlinks in the report directory never truncate or write their targets (issue 10 item 8).

After /work/blind/test_attacks.py item 8: a first run is watched with an audit hook to learn every name the
harness touches in its report directory (a name holding the process id becomes a template); then a symlink
to a file outside the folder is planted at each of those names (a pid name from inside the child, before
it execs) and at the names of earlier probes, and a second run must leave every target byte for byte
unchanged and write its reports as regular files.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPORT_FILES = ("report.json", "junit.xml", "report.md", "report.html")
ARGS = ("--check", "CREATE-001", "--seed", "1")

_AUDIT_WRAPPER = r"""
import os, sys, runpy
_log = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
_dir = os.path.realpath(sys.argv[2])
def _hook(event, args):
    if event in ("open", "os.rename", "os.replace", "os.symlink", "os.link", "os.remove", "os.mkdir",
                 "shutil.copyfile", "os.truncate", "tempfile.mkstemp"):
        for a in args[:2]:
            if isinstance(a, (str, bytes, os.PathLike)):
                p = os.fsdecode(a)
                if os.path.realpath(os.path.dirname(os.path.abspath(p))) == _dir:
                    os.write(_log, (event + "\t" + p + "\n").encode())
sys.addaudithook(_hook)
sys.argv = ["conformance"] + sys.argv[3:]
runpy.run_module("conformance", run_name="__main__", alter_sys=True)
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    return env


def _observe(tmp_path: Path) -> set[str]:
    """Names (pid made `{pid}`) the harness touches in its report directory, besides random temp names."""
    watched = tmp_path / "observe"
    watched.mkdir()
    log = tmp_path / "audit.log"
    wrapper = tmp_path / "audit_wrapper.py"
    wrapper.write_text(_AUDIT_WRAPPER)
    argv = [sys.executable, str(wrapper), str(log), str(watched), "run", "--report-dir", str(watched), *ARGS]
    child = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path, env=_env()
    )
    assert child.wait(timeout=300) in (0, 1)
    names = set()
    for line in log.read_text().splitlines():
        name = os.path.basename(line.split("\t", 1)[1])
        if name.startswith(".") and name.endswith(".tmp"):
            continue  # random names created with O_EXCL: nothing can be planted there in advance
        names.add(name.replace(str(child.pid), "{pid}"))
    assert set(REPORT_FILES) <= names  # the hook saw the run write its reports
    return names


def test_planted_symlinks_are_never_followed(tmp_path: Path) -> None:
    templates = _observe(tmp_path) | {".write-test-{pid}", ".write-test", ".probe"}  # earlier probe names
    reports = tmp_path / "reports"
    reports.mkdir()
    victims: dict[str, tuple[Path, bytes]] = {}
    for i, name in enumerate(sorted(templates)):
        victim = tmp_path / f"victim{i}.txt"
        victim.write_bytes(f"VICTIM {i} {secrets.token_hex(8)} must survive\n".encode())
        victims[name] = (victim, victim.read_bytes())
        if "{pid}" not in name:
            os.symlink(victim, reports / name)
    pid_links = [(str(v), str(reports / n)) for n, (v, _) in victims.items() if "{pid}" in n]

    def plant() -> None:  # in the child, before it execs: the names its own pid makes
        for victim, link in pid_links:
            os.symlink(victim, link.replace("{pid}", str(os.getpid())))

    argv = [sys.executable, "-m", "conformance", "run", "--report-dir", str(reports), *ARGS]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=_env(),
        preexec_fn=plant,
        timeout=300,
        check=False,
    )
    changed = {
        name: v.read_bytes()[:80] for name, (v, content) in victims.items() if v.read_bytes() != content
    }
    assert not changed, f"planted symlinks were followed: {changed}\n{done.stdout}\n{done.stderr}"
    assert done.returncode in (0, 1), done.stderr
    for name in REPORT_FILES:
        p = reports / name
        assert p.is_file(), name
        assert not p.is_symlink(), f"{name} written through a symlink"

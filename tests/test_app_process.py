"""An `--app` lives in the harness's process, so what its module does there must not break the run:

- a module that `os.chdir`s at import: relative --report-dir, --spec and --waivers still mean the folder
  the user ran from;
- a module that starts a non-daemon thread: the command still exits with its code after the reports;
- a module whose import never returns: bounded (--max-time, else 60 s), one line, exit 2;
- an ASGI lifespan startup that fails: the one line says why (the app's exception), escaped and masked.

Plus the give-up rule's note names the last check and what happened to it (it said "last: None").
Each has a legal twin that must pass: an app that chdirs and serves, a thread that ends on its own, an
import that is slow but within the bound, an ASGI app without lifespan support.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conformance.cli import main

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "AppTok-9c8b7a6f5e4d3c2b1a0f9e8d"
FAST = ["--examples", "0", "--seed", "5", "--check", "CREATE-001", "--check", "CREATE-002"]


def cli(cwd: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`python -m conformance run ...` from `cwd`, this checkout first on the path (for tests.apps)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def module(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(text, encoding="utf-8")


def report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text(encoding="utf-8"))


# -- a module that chdirs at import ------------------------------------------------------------------


CHDIR = """import os
from tests.apps.seed_flask import buggy_app
os.chdir({elsewhere!r})  # as scripts that chdir to their own folder do
app = buggy_app
"""


def test_relative_paths_mean_the_folder_the_user_ran_from_even_when_the_app_chdirs(tmp_path):
    work, elsewhere = tmp_path / "work", tmp_path / "elsewhere"
    elsewhere.mkdir()
    module(work, "chdir_mod", CHDIR.format(elsewhere=str(elsewhere)))
    spec = (ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml").read_text(encoding="utf-8")
    (work / "my.openapi.yaml").write_text(spec, encoding="utf-8")
    waiver = "- check: {}\n  reason: answers 200, PR 9\n  expires: 2099-12-31\n"
    (work / "w.yaml").write_text(waiver.format("CREATE-001") + waiver.format("CREATE-002"))
    done = cli(work, "--app", "chdir_mod:app", "--spec", "my.openapi.yaml", "--waivers", "w.yaml",
               "--report-dir", "rel", *FAST)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr  # CREATE-001/002 fail, waived by w.yaml
    data = report(work / "rel")
    assert data["config"]["spec"] == "my.openapi.yaml"
    assert {c["id"]: c["status"] for c in data["checks"]}["CREATE-001"] == "waived"
    assert list(elsewhere.iterdir()) == []  # nothing went where the app moved to
    assert "rel/report.json" in done.stdout  # shown as the user gave it


# -- a module that leaves a non-daemon thread ---------------------------------------------------------


THREADED = """import threading, time
from tests.apps.seed_flask import app, buggy_app

def _loop():
    while True:
        time.sleep(0.2)

def _short():
    time.sleep(0.3)

threading.Thread(target={target}, name="scheduler", daemon=False).start()
"""


@pytest.mark.parametrize("attribute", ["app", "buggy_app"])
def test_an_app_that_leaves_a_non_daemon_thread_still_exits_with_its_code(tmp_path, attribute):
    module(tmp_path, "threaded_mod", THREADED.format(target="_loop"))
    try:
        done = cli(tmp_path, "--app", f"threaded_mod:{attribute}", "--report-dir", "r", *FAST, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("the verdict was printed but the process waited for the app's thread for ever")
    code = 0 if attribute == "app" else 1
    assert done.returncode == code, done.stdout + done.stderr
    assert report(tmp_path / "r")["exit_code"] == code
    assert lines(done.stderr) == [
        f"conformance: not waiting for 1 non-daemon thread(s) the app started (scheduler); exit {code}"
    ]


def test_an_app_whose_thread_ends_by_itself_exits_as_always(tmp_path):
    module(tmp_path, "short_mod", THREADED.format(target="_short"))
    done = cli(tmp_path, "--app", "short_mod:app", "--report-dir", "r", *FAST, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""


# -- an import that never returns -------------------------------------------------------------------


def test_an_import_that_never_returns_is_cut_off_at_max_time(tmp_path):
    # it even swallows every Exception: the bound is not one
    module(tmp_path, "hangs_mod", "import time\nwhile True:\n    try:\n        time.sleep(1000)\n"
           "    except Exception:\n        pass\napp = None\n")  # fmt: skip
    start = time.monotonic()
    try:
        done = cli(tmp_path, "--app", "hangs_mod:app", "--max-time", "3", "--report-dir", "r", timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("an app whose import never returns hung the run")
    assert time.monotonic() - start < 60
    assert done.returncode == 2
    assert lines(done.stderr) == [
        "conformance run: error: --app 'hangs_mod:app': importing hangs_mod did not finish within 3 s (does "
        "the module start the service or wait for something at import? move that out of the import, or "
        "give a larger --max-time)"
    ]


def test_a_slow_import_within_the_bound_runs(tmp_path):
    module(tmp_path, "slow_mod", "import time\ntime.sleep(1)\nfrom tests.apps.seed_flask import app\n")
    done = cli(tmp_path, "--app", "slow_mod:app", "--max-time", "60", "--report-dir", "r", *FAST)
    assert done.returncode == 0, done.stdout + done.stderr


def test_load_app_bounds_the_import_and_puts_the_apps_alarm_back(tmp_path, monkeypatch):
    from conformance.apphost import load_app
    from conformance.errors import ConfigError

    module(tmp_path, "sleepy_mod_inproc", "import time\ntime.sleep(1000)\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    mine = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    try:
        start = time.monotonic()
        with pytest.raises(ConfigError, match=r"importing sleepy_mod_inproc did not finish within 0\.5 s"):
            load_app("sleepy_mod_inproc:app", within=0.5)
        assert time.monotonic() - start < 10
        assert signal.getsignal(signal.SIGALRM) is signal.SIG_IGN
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert "sleepy_mod_inproc" not in sys.modules
    finally:
        signal.signal(signal.SIGALRM, mine)


# -- an ASGI lifespan startup that fails ------------------------------------------------------------


LIFESPAN = f"""import contextlib
from fastapi import FastAPI
from tests.apps.seed_fastapi import app as inner

@contextlib.asynccontextmanager
async def failing(app):
    raise RuntimeError("database unreachable at db:5432 (token {TOKEN})\\n::error::x\\x1b[2J")
    yield

raises = FastAPI(lifespan=failing)

async def says_failed(scope, receive, send):  # raw ASGI: no exception, only the failed message
    if scope["type"] == "lifespan":
        await receive()
        await send({{"type": "lifespan.startup.failed", "message": "config file /etc/app.toml missing"}})
        return
    await inner(scope, receive, send)

async def no_lifespan(scope, receive, send):  # legal: an app that does not support lifespan at all
    if scope["type"] == "lifespan":
        raise RuntimeError("lifespan is not supported here")
    await inner(scope, receive, send)
"""


def run_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str, str]:
    module(tmp_path, "lifespan_mod", LIFESPAN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(ROOT))
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "--token", TOKEN, "--report-dir", str(tmp_path / "r"), *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("attribute", "why"),
    [
        ("raises", "the lifespan startup raised RuntimeError: database unreachable at db:5432 (token ***)"),
        ("says_failed", "the lifespan startup failed: config file /etc/app.toml missing"),
    ],
)
def test_a_failing_lifespan_startup_says_why_in_one_line(tmp_path, monkeypatch, attribute, why):
    code, _out, err = run_in_process(tmp_path, monkeypatch, "--app", f"lifespan_mod:{attribute}", *FAST)
    assert code == 2
    assert len(lines(err)) == 1, err
    assert f"--app 'lifespan_mod:{attribute}': uvicorn did not start the application: {why}" in err
    assert TOKEN not in err
    assert "\x1b" not in err
    assert not any(line.startswith("::") for line in err.splitlines())


def test_an_asgi_app_without_lifespan_support_is_served(tmp_path, monkeypatch):
    code, out, err = run_in_process(tmp_path, monkeypatch, "--app", "lifespan_mod:no_lifespan", *FAST)
    assert code == 0, out + err


# -- the give-up rule names the last check --------------------------------------------------------------


def test_the_give_up_note_names_the_last_check_and_what_happened(tmp_path):
    """A target that accepts connections and never answers: the note says which check was last, and how."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            held.append(conn)  # read nothing, answer nothing

    threading.Thread(target=accept, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", "--target", url, "--token", TOKEN, "--timeout", "1", "--examples", "2",
                     "--concurrency", "1", "--report-dir", str(tmp_path)], out=out, err=err)  # fmt: skip
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert code in (1, 3), out.getvalue() + err.getvalue()  # failures seen before it stopped count
    data = report(tmp_path)
    notes = [n for n in data["notes"] if "in a row" in n]
    assert len(notes) == 1, data["notes"]
    assert "last: None" not in notes[0]
    named = re.search(r"\(last: ([A-Z]+-\d+) (fail|error): .+\)", notes[0])
    assert named, notes[0]
    checks = {c["id"]: c for c in data["checks"]}
    stopped = [c["id"] for c in data["checks"] if "in a row" in (c.get("error") or "")]
    assert stopped
    assert list(checks).index(named[1]) < list(checks).index(stopped[0])
    assert checks[named[1]]["status"] == named[2]
    assert "last: None" not in out.getvalue()

"""`--app MODULE:ATTRIBUTE`: a Flask (WSGI) and a FastAPI (ASGI) mock of the seed API, each conformant and
each with one bug, judged in-process get the verdicts they get when their usual server (werkzeug, uvicorn)
serves them on a port; every mistake in naming the app is one line and exit 2."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from conformance.cli import main

ROOT = Path(__file__).resolve().parents[1]
RUN = ["--examples", "4", "--seed", "11", "--format", "json"]


def statuses(report_dir: Path) -> dict[str, str]:
    report = json.loads((report_dir / "report.json").read_text())
    return {c["id"]: c["status"] for c in report["checks"]}


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@contextmanager
def werkzeug_on_a_port(app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@contextmanager
def uvicorn_on_a_port(app):
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


CASES = [
    ("tests.apps.seed_flask", "app", werkzeug_on_a_port, 0, set()),
    ("tests.apps.seed_flask", "buggy_app", werkzeug_on_a_port, 1, {"CREATE-001"}),
    ("tests.apps.seed_fastapi", "app", uvicorn_on_a_port, 0, set()),
    ("tests.apps.seed_fastapi", "buggy_app", uvicorn_on_a_port, 1, {"VALID-006", "GEN-003"}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("module", "attribute", "usual_server", "exit_code", "failing"), CASES)
def test_app_in_process_gets_the_verdicts_of_its_usual_server(
    tmp_path, module, attribute, usual_server, exit_code, failing
):
    import importlib

    code, out, err = run_cli(["--app", f"{module}:{attribute}", *RUN, "--report-dir", str(tmp_path / "app")])
    assert code == exit_code, out + err
    assert re.search(
        rf"target: {module}:{attribute} \((WSGI, werkzeug|ASGI, uvicorn)\) at http://127\.0\.0\.1:", out
    )
    in_process = statuses(tmp_path / "app")
    assert failing <= {k for k, v in in_process.items() if v == "fail"}
    assert not {k for k, v in in_process.items() if v == "error"}
    app = getattr(importlib.import_module(module), attribute)
    with usual_server(app) as url:
        code_port, out, err = run_cli(
            ["--target", url, "--token", "anything", *RUN, "--report-dir", str(tmp_path / "port")]
        )
    assert code_port == exit_code, out + err
    assert statuses(tmp_path / "port") == in_process


@pytest.mark.slow
def test_without_werkzeug_a_wsgi_app_is_served_by_wsgiref_with_the_same_verdicts(tmp_path, monkeypatch):
    code, _, _ = run_cli(
        ["--app", "tests.apps.seed_flask:buggy_app", *RUN, "--report-dir", str(tmp_path / "w")]
    )
    monkeypatch.setitem(sys.modules, "werkzeug.serving", None)  # `import werkzeug.serving` now fails
    code_ref, out, _err = run_cli(
        ["--app", "tests.apps.seed_flask:buggy_app", *RUN, "--report-dir", str(tmp_path / "r")]
    )
    assert "(WSGI, wsgiref)" in out
    assert (code, code_ref) == (1, 1)
    assert statuses(tmp_path / "w") == statuses(tmp_path / "r")


BROKEN_MODULE = "raise RuntimeError('config missing: \\x1b[2J\\x1b]0;pwned\\x07 set APP_ENV')\n"
MODULES = {
    "broken_mod.py": BROKEN_MODULE,
    "exiting_mod.py": "import sys\nsys.exit('usage: exiting_mod.py PORT')\n",
    "asgi_mod.py": "async def app(scope, receive, send):\n    pass\n",
    "factory_mod.py": "def create_app():\n    return None\n",
    "deps_mod.py": "import some_missing_dependency_xyz\n",
}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nocolon", "expected MODULE:ATTRIBUTE, e.g. --app myservice.main:app"),
        (":app", "expected MODULE:ATTRIBUTE"),
        ("no_such_module_xyz:app", "no module named 'no_such_module_xyz' (run from the folder that holds it"),
        ("deps_mod:app", "importing deps_mod failed: ModuleNotFoundError: No module named"),
        ("broken_mod:app", "importing broken_mod failed: RuntimeError: config missing: \\x1b[2J"),
        ("exiting_mod:app", "importing exiting_mod failed: SystemExit: usage: exiting_mod.py PORT"),
        ("tests.apps.seed_flask:ap", "tests.apps.seed_flask has no attribute 'ap' (did you mean 'app'?)"),
        ("tests.apps.seed_flask:METHODS", "is 'list', not a WSGI application"),
        ("factory_mod:create_app", "name the application object, e.g. app = create_app()"),
    ],
)
def test_a_bad_app_is_one_line_and_exit_2(tmp_path, monkeypatch, value, message):
    for name, text in MODULES.items():
        (tmp_path / name).write_text(text)
    monkeypatch.chdir(tmp_path)  # the current directory is where modules are found, as with uvicorn
    monkeypatch.syspath_prepend(str(ROOT))
    code, _out, err = run_cli(["--app", value, "--report-dir", str(tmp_path / "r")])
    assert code == 2
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert message in err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert not (tmp_path / "r" / "report.json").exists()


def test_an_asgi_app_without_uvicorn_says_how_to_install_it(tmp_path, monkeypatch):
    (tmp_path / "asgi_mod.py").write_text(MODULES["asgi_mod.py"])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    code, _, err = run_cli(["--app", "asgi_mod:app"])
    assert code == 2
    assert err.strip().endswith("serving it needs uvicorn: pip install 'graph-conformance[asgi]'")


def test_app_and_target_together_are_a_usage_error():
    code, _, err = run_cli(
        ["--app", "tests.apps.seed_flask:app", "--target", "http://127.0.0.1:9", "--no-auth"]
    )
    assert code == 2
    assert "--app and --target both name the target" in err


def test_pytest_plugin_serves_the_app_and_refuses_a_bad_one(pytester, monkeypatch):
    # the subprocess imports `tests.apps...` from this checkout, whatever the caller's PYTHONPATH
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    result = pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "--conformance-app", "tests.apps.seed_flask:buggy_app",
        "--conformance-examples", "0", "-k", "CREATE-001 or HDR", "-p", "no:cacheprovider",
    )  # fmt: skip
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*CREATE-001*"])
    bad = pytester.runpytest_subprocess(
        "--pyargs", "conformance.suite", "--conformance-app", "nocolon", "-p", "no:cacheprovider"
    )
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--conformance-app 'nocolon': expected MODULE:ATTRIBUTE*"])


def readme_block(heading: str) -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line.split("  #", 1)[0].strip() for line in block.splitlines() if line.strip()]


@pytest.mark.slow
def test_the_readme_example_runs_as_written(tmp_path):
    """The README's commands, from a folder laid out like a checkout (reports land there, not here)."""
    shutil.copytree(ROOT / "tests" / "apps", tmp_path / "tests" / "apps")
    shutil.copy(ROOT / "tests" / "independent_impl.py", tmp_path / "tests")
    lines = [
        line for line in readme_block("A Python app in the same process") if line.startswith("conformance ")
    ]
    assert len(lines) == 2
    exe = shutil.which("conformance")
    if exe is None:
        pytest.skip("the conformance script is not installed (pip install .)")
    codes = []
    for line in lines:
        argv = shlex.split(line)
        done = subprocess.run([exe, *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        codes.append(done.returncode)
        assert "Traceback" not in done.stderr
    assert codes == [0, 1]
    assert statuses(tmp_path / "reports")["CREATE-001"] == "fail"

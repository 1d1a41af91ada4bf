"""Blind tests of `conformance run --app`, `--waivers` and `pytest --pyargs conformance.suite -n 4`.

Written by a tester who never saw the code (issue 13's blind trial, REPORT_apps.md), kept as written
except how it finds the harness: `sys.executable -m conformance` / `-m pytest` from this checkout (on
PYTHONPATH) instead of a separate venv's scripts, and the apps (tests/blind_apps/) copied to a temporary
folder first, since the runs write reports and caches into their working folder. The parts that run the
whole harness many times are marked slow. Comments starting "# checkout:" are the only other changes.
Only the `conformance` command and `pytest --pyargs conformance.suite` are exercised; the apps under test
are the tester's own Flask, FastAPI, plain WSGI and ASGI mocks, legal, buggy and hostile.
"""

import atexit
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # checkout: the harness under test is this checkout's
APPS = Path(tempfile.mkdtemp(prefix="blind_apps_"))  # checkout: a copy, the runs write into their cwd
shutil.copytree(HERE / "blind_apps", APPS, dirs_exist_ok=True)
atexit.register(shutil.rmtree, APPS, True)
CONF = [sys.executable, "-m", "conformance"]  # checkout: was venv_apps/bin/conformance
PY = sys.executable
PYTEST = [sys.executable, "-m", "pytest"]  # checkout: was venv_apps/bin/pytest
TOKEN = "SekretTok-5f1c2d3e4b5a69788796a5b4c3d2e1f0"
SEED = "11"
slow = pytest.mark.slow  # checkout: runs the whole harness many times


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    e.pop("PYTHONPATH", None)
    e["PYTHONDONTWRITEBYTECODE"] = "1"
    e.update(extra)
    # checkout: this checkout's harness, after any PYTHONPATH the test itself sets
    e["PYTHONPATH"] = os.pathsep.join(filter(None, [e.get("PYTHONPATH"), str(ROOT)]))
    return e


def run(args, cwd=APPS, timeout=240, **envx):
    t = time.monotonic()
    p = subprocess.run(
        [*CONF, "run", *args],
        cwd=str(cwd),
        env=env(**envx),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    p.elapsed = time.monotonic() - t
    return p


def statuses(report_dir):
    r = json.loads((Path(report_dir) / "report.json").read_text())
    return {c["id"]: c["status"] for c in r["checks"]}, r


def one_line_usage_error(p):
    assert p.returncode == 2, (p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr
    assert "\x1b" not in p.stderr and "\x07" not in p.stderr
    return lines[0]


def no_terminal_injection(text):
    assert "\x1b" not in text, "raw ESC on the terminal"
    assert "\x07" not in text
    assert "\u009b" not in text, "raw C1 CSI on the terminal"
    assert "\u202e" not in text, "raw bidi override on the terminal"
    for line in text.splitlines():
        assert not line.lstrip("\r").startswith("::"), (
            "a line that GitHub would read as a workflow command: %r" % line
        )


# ---------------------------------------------------------------------------------------------- --app

LEGAL = ["flask_apps:app", "fastapi_apps:app", "raw_apps:wsgi_app", "raw_apps:wsgi_obj", "raw_apps:asgi_app"]


@slow
@pytest.mark.parametrize("app", LEGAL)
def test_legal_app_passes(app, tmp_path):
    p = run(["--app", app, "--seed", SEED, "--examples", "15", "--report-dir", str(tmp_path)])
    st, r = statuses(tmp_path)
    assert p.returncode == 0, (p.stdout[-3000:], p.stderr[-2000:])
    assert r["verdict"] == "pass"
    assert r["config"]["app"] == app
    assert not [k for k, v in st.items() if v in ("fail", "error")]


BUGGY = {
    "flask_apps:buggy_app": ["CREATE-001", "CREATE-002"],  # 200 for a create
    "fastapi_apps:buggy_app": ["CREATE-004"],  # id not a GUID
    "raw_apps:wsgi_crash": ["GEN-003", "VALID-006"],  # 500 on non-ASCII
    "raw_apps:asgi_missing": ["VALID-001"],  # accepts a body without userId
    "raw_apps:asgi_obj_accept_id": ["CREATE-008"],  # adopts the client's id
    "flask_apps:repeat_app": ["CREATE-009"],  # same id every time
    "flask_apps:noauth_app": ["AUTH-001"],  # no auth
}


@slow
@pytest.mark.parametrize("app", sorted(BUGGY))
def test_buggy_app_fails_with_right_ids(app, tmp_path):
    p = run(["--app", app, "--seed", SEED, "--examples", "15", "--report-dir", str(tmp_path)])
    st, r = statuses(tmp_path)
    assert p.returncode == 1, (p.stdout[-3000:], p.stderr[-2000:])
    for cid in BUGGY[app]:
        assert st[cid] == "fail", (cid, st)
    assert not [k for k, v in st.items() if v == "error"], st


# the same bug in the embedded reference, as a cross-check of which MUST checks should fail
REF_FAULT = {
    "flask_apps:repeat_app": "id-repeats",
    "flask_apps:noauth_app": "auth-not-required",
    "raw_apps:asgi_obj_accept_id": "id-from-client",
    "raw_apps:asgi_missing": "accepts-missing-required",
    "flask_apps:buggy_app": "status-200",
}


@slow
@pytest.mark.parametrize("app", sorted(REF_FAULT))
def test_buggy_app_fails_same_must_checks_as_reference_fault(app, tmp_path):
    a, b = tmp_path / "app", tmp_path / "ref"
    run(["--app", app, "--seed", SEED, "--examples", "10", "--report-dir", str(a), "-q"])
    run(["--fault", REF_FAULT[app], "--seed", SEED, "--examples", "10", "--report-dir", str(b), "-q"])
    sa, ra = statuses(a)
    sb, rb = statuses(b)
    lv = {c["id"]: c["level"] for c in ra["checks"]}
    fa = {k for k, v in sa.items() if v == "fail" and lv[k] == "MUST"}
    fb = {k for k, v in sb.items() if v == "fail" and lv[k] == "MUST"}
    assert fa == fb


SERVE = r"""
import sys, threading, importlib
sys.path.insert(0, ".")
mod, attr = sys.argv[1].split(":")
app = getattr(importlib.import_module(mod), attr)
kind = sys.argv[2]
if kind == "wsgi":
    from werkzeug.serving import make_server
    s = make_server("127.0.0.1", 0, app, threaded=True)
    print(s.server_port, flush=True)
    s.serve_forever()
else:
    import socket, uvicorn
    sock = socket.socket(); sock.bind(("127.0.0.1", 0)); sock.listen(100)
    print(sock.getsockname()[1], flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="auto")).run(sockets=[sock])
"""


@slow
@pytest.mark.parametrize(
    "app,kind",
    [
        ("flask_apps:app", "wsgi"),
        ("flask_apps:buggy_app", "wsgi"),
        ("raw_apps:wsgi_crash", "wsgi"),
        ("fastapi_apps:app", "asgi"),
        ("fastapi_apps:buggy_app", "asgi"),
        ("raw_apps:asgi_missing", "asgi"),
    ],
)
def test_same_verdicts_as_on_a_port(app, kind, tmp_path):
    srv = subprocess.Popen(
        [PY, "-c", SERVE, app, kind],
        cwd=str(APPS),
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = int(srv.stdout.readline())
        a, b = tmp_path / "app", tmp_path / "port"
        pa = run(["--app", app, "--seed", SEED, "--examples", "10", "--report-dir", str(a), "-q"])
        pb = run(
            [
                "--target",
                "http://127.0.0.1:%d" % port,
                "--seed",
                SEED,
                "--examples",
                "10",
                "--report-dir",
                str(b),
                "-q",
            ],
            CONFORMANCE_TOKEN=TOKEN,
        )
    finally:
        srv.terminate()
        srv.wait(10)
    sa, _ = statuses(a)
    sb, _ = statuses(b)
    assert pa.returncode == pb.returncode
    assert sa == sb


@pytest.mark.parametrize(
    "spec",
    [
        "nocolon",
        ":app",
        "flask_apps:",
        "flask_apps:nope",
        "nosuchmod:app",
        "raises_at_import:app",
        "syntax_error:app",
        "raw_apps:not_an_app",
        "flask_apps:bp",
        "flask_apps:make({},'x')",
        "../etc:passwd",
        f"{HERE}/blind_apps/flask_apps.py:app",
        ".flask_apps:app",
        "flask_apps:app:extra",
        "flask apps:app",
        "flask_apps:app\n::error::x",
        "os:path",
        "json:loads\x1b[2J",
    ],
)
def test_bad_app_is_one_line_exit_2(spec):
    p = run(["--app", spec, "-q", "--examples", "0"], timeout=60)
    line = one_line_usage_error(p)
    assert not line.startswith("::")


def test_import_error_message_is_shown_escaped():
    p = run(["--app", "raises_at_import:app", "-q"], timeout=60)
    line = one_line_usage_error(p)
    assert "boom at import" in line and "RuntimeError" in line


def test_app_and_target_together_is_usage_error():
    p = run(["--app", "flask_apps:app", "--target", "http://127.0.0.1:9", "--token", "x", "-q"], timeout=60)
    one_line_usage_error(p)


def test_asgi_without_uvicorn_is_one_line_and_wsgi_still_works(tmp_path):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "uvicorn.py").write_text(
        'raise ModuleNotFoundError("No module named \'uvicorn\'", name="uvicorn")\n'
    )
    p = run(
        ["--app", "fastapi_apps:app", "-q", "--report-dir", str(tmp_path / "r")],
        timeout=60,
        PYTHONPATH=str(shadow),
    )
    line = one_line_usage_error(p)
    assert "pip install" in line and "asgi" in line
    p = run(
        ["--app", "flask_apps:app", "-q", "--examples", "0", "--report-dir", str(tmp_path / "r2")],
        timeout=120,
        PYTHONPATH=str(shadow),
    )
    assert p.returncode == 0, p.stderr


def test_app_from_env_and_pyproject(tmp_path):
    for f in APPS.glob("*.py"):
        shutil.copy(f, tmp_path / f.name)
    p = run(
        ["-q", "--examples", "0", "--report-dir", "r1"], cwd=tmp_path, CONFORMANCE_APP="flask_apps:repeat_app"
    )
    assert p.returncode == 1, p.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.conformance]\napp = "flask_apps:noauth_app"\n')
    p = run(["-q", "--examples", "0", "--report-dir", "r2"], cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    st, _ = statuses(tmp_path / "r2")
    assert st["AUTH-001"] == "fail"


def test_lifespan_startup_failure_says_why(tmp_path):
    """A FastAPI app whose startup raises: exit 2 (or 3), one line, and the line should say why."""
    p = run(
        ["--app", "fastapi_apps:startup_fails", "-q", "--examples", "0", "--report-dir", str(tmp_path)],
        timeout=90,
    )
    assert p.returncode in (2, 3), p.stderr
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    no_terminal_injection(p.stdout + p.stderr)
    assert len(lines) == 1, p.stderr
    assert "database unreachable" in lines[0], "the startup error's own message is not shown: " + lines[0]


def test_hostile_app_no_token_no_injection(tmp_path):
    p = run(
        [
            "--app",
            "hostile_apps:TOKEN_ECHO",
            "--seed",
            SEED,
            "--examples",
            "5",
            "-v",
            "--report-dir",
            str(tmp_path),
        ],
        CONFORMANCE_TOKEN=TOKEN,
    )
    assert p.returncode == 1
    no_terminal_injection(p.stdout + p.stderr)
    assert TOKEN not in p.stdout + p.stderr
    for f in tmp_path.iterdir():
        data = f.read_text(errors="replace")
        assert TOKEN not in data, f.name
        assert TOKEN.replace("-", "%2D") not in data, f.name
    html = (tmp_path / "report.html").read_text()
    assert "<script>alert" not in html


@slow
@pytest.mark.parametrize("app", ["blocking_apps:flask_blocks", "blocking_apps:asgi_blocks_loop"])
def test_blocking_app_run_ends(app, tmp_path):
    p = run(
        ["--app", app, "--timeout", "2", "--examples", "3", "--seed", SEED, "--report-dir", str(tmp_path)],
        timeout=200,
    )
    assert p.returncode in (1, 3)
    assert p.elapsed < 150
    st, r = statuses(tmp_path)
    assert r["exit_code"] == p.returncode
    # the give-up message should name the last check, not 'None'
    assert "last: None" not in p.stdout, "give-up message says 'last: None'"


def test_app_blocking_at_import_is_bounded(tmp_path):
    """Debatable: the time budget counts from the first check; an app whose import never returns hangs CI."""
    try:
        p = run(
            [
                "--app",
                "blocks_at_import:app",
                "-q",
                "--max-time",
                "10",
                "--timeout",
                "2",
                "--report-dir",
                str(tmp_path),
            ],
            timeout=90,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("conformance run --app blocks_at_import:app --max-time 10 still running after 90 s")
    assert p.returncode in (2, 3)


def test_app_with_non_daemon_thread_exits(tmp_path):
    """Debatable: the app module starts a non-daemon background thread (a scheduler). The run prints its
    verdict; does the process end?"""
    try:
        p = run(
            ["--app", "side_effect_apps:app", "-q", "--examples", "0", "--report-dir", str(tmp_path)],
            timeout=90,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the run printed its verdict but the process never exited (non-daemon thread of the app)")
    assert p.returncode == 0


def test_app_that_chdirs_at_import_reports_where_asked(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    for f in APPS.glob("*.py"):
        shutil.copy(f, work / f.name)
    p = run(["--app", "chdir_app:app", "-q", "--examples", "0", "--report-dir", "rel"], cwd=work, timeout=120)
    assert p.returncode == 0, p.stderr
    assert (work / "rel" / "report.json").exists(), "reports went elsewhere (relative to the app's chdir)"


# ----------------------------------------------------------------------------------------------- waivers


def wfile(tmp_path, text, name="waivers.yaml"):
    f = tmp_path / name
    f.write_text(text)
    return str(f)


def today():
    return datetime.date.today()


def waiver_run(tmp_path, text, app="flask_apps:repeat_app", extra=(), **envx):
    w = wfile(tmp_path, text)
    rd = tmp_path / "r"
    p = run(
        ["--app", app, "--examples", "0", "--seed", SEED, "--waivers", w, "--report-dir", str(rd), *extra],
        **envx,
    )
    return p, rd


def test_waiver_waives(tmp_path):
    p, rd = waiver_run(
        tmp_path, '- check: CREATE-009\n  reason: "ids repeat; fix in PR 412"\n  expires: 2099-12-31\n'
    )
    assert p.returncode == 0, p.stdout[-3000:]
    st, r = statuses(rd)
    assert st["CREATE-009"] == "waived"
    assert r["schema_version"] == "1.1"
    assert "WAIVED" in p.stdout and "ids repeat; fix in PR 412" in p.stdout
    assert r["verdict"] == "pass"
    tree = ET.parse(rd / "junit.xml")
    cases = [c for c in tree.iter("testcase") if "CREATE-009" in (c.get("name", "") + c.get("classname", ""))]
    assert cases and cases[0].find("skipped") is not None
    assert "ids repeat" in ET.tostring(cases[0], encoding="unicode")
    assert "WAIVED" in (rd / "report.md").read_text()
    assert "WAIVED" in (rd / "report.html").read_text() or "waived" in (rd / "report.html").read_text()


def test_waiver_expiring_today_applies(tmp_path):
    p, rd = waiver_run(tmp_path, "- check: CREATE-009\n  reason: r\n  expires: %s\n" % today().isoformat())
    assert p.returncode == 0
    assert statuses(rd)[0]["CREATE-009"] == "waived"


def test_waiver_expired_yesterday_counts(tmp_path):
    y = (today() - datetime.timedelta(days=1)).isoformat()
    p, rd = waiver_run(tmp_path, "- check: CREATE-009\n  reason: r\n  expires: %s\n" % y)
    assert p.returncode == 1
    st, r = statuses(rd)
    assert st["CREATE-009"] == "fail"
    assert "expired" in json.dumps(r["waivers"]).lower()
    assert "expired" in p.stdout.lower()


def test_waiver_quoted_date_string(tmp_path):
    p, rd = waiver_run(tmp_path, '- check: CREATE-009\n  reason: r\n  expires: "2099-12-31"\n')
    assert p.returncode == 0, p.stderr


def test_waiver_contains(tmp_path):
    p, rd = waiver_run(
        tmp_path, "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n  contains: already given\n"
    )
    assert p.returncode == 0
    p, rd = waiver_run(
        tmp_path, "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n  contains: no such text\n"
    )
    assert p.returncode == 1
    st, r = statuses(rd)
    assert st["CREATE-009"] == "fail"
    assert "stale" in json.dumps(r["waivers"]).lower()


def test_waiver_partial(tmp_path):
    # CREATE-009 on repeat_app has two findings: "the full create got id ..." and "the second minimal create got id ..."
    p, rd = waiver_run(
        tmp_path, "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n  contains: the full create got\n"
    )
    assert p.returncode == 1
    st, r = statuses(rd)
    assert st["CREATE-009"] == "fail"
    assert "partial" in json.dumps(r["waivers"]).lower()


def test_waiver_stale_and_unused(tmp_path):
    p, rd = waiver_run(
        tmp_path,
        "- check: CREATE-001\n  reason: r\n  expires: 2099-12-31\n"
        "- check: AUTH-102\n  reason: r2\n  expires: 2099-12-31\n",
        app="flask_apps:app",
    )
    assert p.returncode == 0
    st, r = statuses(rd)
    w = json.dumps(r["waivers"]).lower()
    assert "stale" in w and "unused" in w
    assert "stale" in p.stdout.lower()


def test_waiver_never_hides_a_non_waived_failure(tmp_path):
    p, rd = waiver_run(
        tmp_path, "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n", app="flask_apps:buggy_app"
    )
    assert p.returncode == 1


def test_waiver_hostile_reason(tmp_path):
    reason = (
        "\x1b]0;PWNED\x07\x1b[2J fix \u009b31m \u202e\n::error title=x::spoofed\n::add-mask::abc\n"
        "%0A::warning::y <script>alert(1)</script> </details> | a | b |" + TOKEN
    )
    text = "- check: CREATE-009\n  reason: %s\n  expires: 2099-12-31\n" % json.dumps(reason)
    p, rd = waiver_run(tmp_path, text, CONFORMANCE_TOKEN=TOKEN)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr
    no_terminal_injection(p.stdout + p.stderr)
    html = (rd / "report.html").read_text()
    assert "<script>alert" not in html
    md = (rd / "report.md").read_text()
    assert "<script>alert" not in md, "raw <script> from a waiver reason in report.md"
    for line in md.splitlines():
        assert not line.startswith("::")


def test_waiver_reason_holding_the_token_is_masked(tmp_path):
    """Debatable: the reason is the user's own text; but the README says the token is masked in every output."""
    text = '- check: CREATE-009\n  reason: "leaked %s"\n  expires: 2099-12-31\n' % TOKEN
    p, rd = waiver_run(tmp_path, text, CONFORMANCE_TOKEN=TOKEN)
    assert TOKEN not in p.stdout + p.stderr
    for f in rd.iterdir():
        assert TOKEN not in f.read_text(errors="replace"), f.name


MALFORMED = {
    "mapping": "check: CREATE-009\nreason: r\nexpires: 2099-12-31\n",
    "strings": "- CREATE-009\n",
    "unknown_key": "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n  owner: me\n",
    "no_reason": "- check: CREATE-009\n  expires: 2099-12-31\n",
    "no_expires": "- check: CREATE-009\n  reason: r\n",
    "no_check": "- reason: r\n  expires: 2099-12-31\n",
    "short_date": "- check: CREATE-009\n  reason: r\n  expires: 2099-1-1\n",
    "impossible_date": "- check: CREATE-009\n  reason: r\n  expires: 2099-02-30\n",
    "eu_date": "- check: CREATE-009\n  reason: r\n  expires: 31/12/2099\n",
    "datetime": "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31T10:00:00\n",
    "unknown_id": "- check: CREATE-99\n  reason: r\n  expires: 2099-12-31\n",
    "anchor": "- &a\n  check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n- *a\n",
    "python_tag": '- !!python/object/apply:os.system ["touch /tmp/blind_apps_pwned"]\n',
    "check_null": "- check: null\n  reason: r\n  expires: 2099-12-31\n",
    "reason_list": "- check: CREATE-009\n  reason: [a, b]\n  expires: 2099-12-31\n",
    "bad_yaml": "- check: [CREATE-009\n",
    "invalid_utf8": b"- check: CREATE-009\n  reason: \xff\xfe\n  expires: 2099-12-31\n",
    "huge": "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n" + "#" * 1_100_000 + "\n",
    "ansi_id": '- check: "CREATE-009\\e[2J\\n::error::x"\n  reason: r\n  expires: 2099-12-31\n',
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_waivers_exit_2_before_any_request(kind, tmp_path):
    f = tmp_path / "w.yaml"
    data = MALFORMED[kind]
    f.write_bytes(data if isinstance(data, bytes) else data.encode())
    marker = tmp_path / "marker"
    p = run(
        [
            "--app",
            "marker_app:app",
            "--examples",
            "0",
            "-q",
            "--waivers",
            str(f),
            "--report-dir",
            str(tmp_path / "r"),
        ],
        timeout=120,
        MARKER_FILE=str(marker),
    )
    line = one_line_usage_error(p)
    assert not line.startswith("::")
    assert not marker.exists(), "requests were sent before the malformed waivers were refused"
    assert not Path("/tmp/blind_apps_pwned").exists()
    if kind == "unknown_id":
        assert "CREATE-009" in line or "CREATE-001" in line, "no did-you-mean: " + line


@pytest.mark.parametrize("kind", ["missing", "directory", "fifo", "empty"])
def test_waivers_file_not_a_file(kind, tmp_path):
    f = tmp_path / "w.yaml"
    if kind == "directory":
        f.mkdir()
    elif kind == "fifo":
        os.mkfifo(f)
    elif kind == "empty":
        f.write_text("")
    try:
        p = run(
            [
                "--app",
                "flask_apps:app",
                "--examples",
                "0",
                "-q",
                "--waivers",
                str(f),
                "--report-dir",
                str(tmp_path / "r"),
            ],
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("hangs on a %s waivers file" % kind)
    if kind == "empty":
        # debatable: an empty file is "not a YAML list of mappings" -> exit 2; or an empty list -> 0
        assert p.returncode in (0, 2)
        if p.returncode == 2:
            one_line_usage_error(p)
    else:
        one_line_usage_error(p)


def test_waivers_from_env(tmp_path):
    w = wfile(tmp_path, "- check: CREATE-009\n  reason: r\n  expires: 2099-12-31\n")
    p = run(
        ["--app", "flask_apps:repeat_app", "--examples", "0", "-q", "--report-dir", str(tmp_path / "r")],
        CONFORMANCE_WAIVERS=w,
    )
    assert p.returncode == 0


# ----------------------------------------------------------------------------------------------- pytest


def run_pytest(args, cwd=APPS, timeout=400, **envx):
    p = subprocess.run(
        [*PYTEST, "-p", "no:cacheprovider", "--pyargs", "conformance.suite", *args],
        cwd=str(cwd),
        env=env(**envx),
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
    )
    return p


def junit_outcomes(path):
    out = {}
    for c in ET.parse(path).iter("testcase"):
        m = re.search(r"\[([A-Z]+-\d+)\]", c.get("name", ""))
        if not m:
            continue
        if c.find("failure") is not None or c.find("error") is not None:
            o = "fail"
        elif c.find("skipped") is not None:
            o = "skip:" + (c.find("skipped").get("type") or "")
        else:
            o = "pass"
        out[m.group(1)] = o
    return out


def test_pytest_waivers_xfail(tmp_path):
    w = wfile(tmp_path, "- check: CREATE-009\n  reason: known repeat\n  expires: 2099-12-31\n")
    p = run_pytest(
        [
            "--conformance-app",
            "flask_apps:repeat_app",
            "--conformance-examples",
            "0",
            "--conformance-waivers",
            w,
            "-rxX",
            "-q",
        ]
    )
    assert p.returncode == 0, p.stdout[-3000:]
    assert "xfail" in p.stdout.lower() and "known repeat" in p.stdout


@slow
@pytest.mark.parametrize("app", ["flask_apps:repeat_app", "raw_apps:wsgi_crash"])
def test_xdist_same_verdicts_as_serial_and_cli(app, tmp_path):
    args = ["--conformance-app", app, "--conformance-seed", SEED, "--conformance-examples", "5", "-q"]
    p0 = run_pytest(args + ["-n", "0", "--junitxml", str(tmp_path / "j0.xml")])
    p4 = run_pytest(args + ["-n", "4", "--junitxml", str(tmp_path / "j4.xml")])
    assert p0.returncode == p4.returncode, (p0.stdout[-2000:], p4.stdout[-2000:])
    o0, o4 = junit_outcomes(tmp_path / "j0.xml"), junit_outcomes(tmp_path / "j4.xml")
    assert o0 and o0 == o4
    assert "conformance: seed %s" % SEED in p4.stdout
    c = run(["--app", app, "--seed", SEED, "--examples", "5", "-q", "--report-dir", str(tmp_path / "cli")])
    st, _ = statuses(tmp_path / "cli")
    cli_fail = {k for k, v in st.items() if v == "fail"}
    py_fail = {k for k, v in o4.items() if v == "fail" or "xfail" in v}
    must_fail = {k for k, v in o4.items() if v == "fail"}
    assert c.returncode == p4.returncode
    assert must_fail <= cli_fail


def test_xdist_with_waivers_and_no_report_clobbering(tmp_path):
    w = wfile(tmp_path, "- check: CREATE-009\n  reason: known repeat\n  expires: 2099-12-31\n")
    p = run_pytest(
        [
            "--conformance-app",
            "flask_apps:repeat_app",
            "--conformance-examples",
            "0",
            "--conformance-waivers",
            w,
            "-n",
            "4",
            "-q",
            "-rxX",
            "--junitxml",
            str(tmp_path / "j.xml"),
        ],
        cwd=tmp_path,
        PYTHONPATH=str(APPS),
    )
    assert p.returncode == 0, p.stdout[-3000:]
    assert "known repeat" in p.stdout
    assert not (tmp_path / "reports").exists(), "the plugin wrote a report folder"
    ET.parse(tmp_path / "j.xml")


@slow
@pytest.mark.parametrize("app", ["exit_apps:flask_exits", "exit_apps:asgi_exits"])
def test_app_calling_sys_exit_in_a_handler_does_not_end_the_harness(app, tmp_path):
    p = run(["--app", app, "--timeout", "2", "--examples", "2", "--report-dir", str(tmp_path)], timeout=150)
    assert p.returncode == 1
    st, r = statuses(tmp_path)
    assert r["exit_code"] == 1 and st["CREATE-001"] == "fail"

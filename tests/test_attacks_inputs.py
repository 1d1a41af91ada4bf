"""Attacks on the harness's inputs and terminal (issue 10 items 5, 6 and 9), from the blind trial.

Copied from /work/blind/test_attacks.py, written by a tester who never saw the code: every test drives
`python -m conformance run` as a subprocess against a hostile server written with the standard library
only (raw sockets on 127.0.0.1, port 0), or feeds it hostile input files. All of them failed on the main
branch before this change (see REPORT10.md); the tmux test draws a fake verdict on a real terminal.
Additions of our own: the C1 (8-bit CSI) gap the tester found, every 1xx interim response a target may
send before its answer, and the reports' bytes.
"""

from __future__ import annotations

import json
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests import leaks
from tests.attack_servers import COLLECTION, ODATA_TYPE, Request, graph_app, response

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BASE_ARGS = ["--examples", "5", "--seed", "424242", "--timeout", "3"]
REPORT_FILES = ("report.json", "junit.xml", "report.md", "report.html")


def canary(tag: str = "") -> str:
    """A distinctive secret: CANARY + tag + random hex + characters that percent-encoding changes."""
    return leaks.canary(tag)


# --------------------------------------------------------------------------------------------
# Hostile HTTP server (raw sockets, stdlib only)
# --------------------------------------------------------------------------------------------


def early_hints(app):
    """Send a 103 Early Hints interim response before every real answer."""

    def wrapped(req):
        out = app(req)
        return b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n" + out

    return wrapped


# --------------------------------------------------------------------------------------------
# Running the harness
# --------------------------------------------------------------------------------------------


class Run:
    def __init__(self, rc, out: bytes, err: bytes, elapsed: float, report_dir: Path, timed_out=False):
        self.rc = rc
        self.out_b = out
        self.err_b = err
        self.out = out.decode("utf-8", "replace")
        self.err = err.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.report_dir = report_dir
        self.timed_out = timed_out

    @property
    def terminal(self) -> str:
        return self.out + "\n" + self.err

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text("utf-8"))

    def statuses(self) -> dict:
        return {c["id"]: c["status"] for c in self.report()["checks"]}

    def __repr__(self):
        return (
            f"Run(rc={self.rc}, elapsed={self.elapsed:.1f}s, timed_out={self.timed_out}, "
            f"stderr={self.err[-600:]!r}, stdout_tail={self.out[-600:]!r})"
        )


def _clean_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("NO_COLOR", None)
    if extra:
        env.update(extra)
    return env


def _limit_memory(limit_bytes: int):
    def pre():
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return pre


def run_harness(
    tmp_path: Path,
    args: list[str],
    *,
    env: dict | None = None,
    timeout: float = 90,
    report_dir: Path | None = None,
    mem_limit: int | None = None,
    base=True,
    preexec=None,
) -> Run:
    report_dir = report_dir or (tmp_path / "reports")
    cmd = [sys.executable, "-m", "conformance", "run", *args, "--report-dir", str(report_dir)]
    if base:
        cmd += BASE_ARGS
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_clean_env(env),
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec or (_limit_memory(mem_limit) if mem_limit else None),
        start_new_session=True,
    )
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
    return Run(proc.returncode, out, err, time.monotonic() - t0, report_dir, timed_out)


def artifacts(report_dir: Path) -> dict[str, str]:
    out = {}
    if report_dir.exists():
        for p in sorted(report_dir.rglob("*")):
            if p.is_file() and not p.is_symlink():
                out[str(p.relative_to(report_dir))] = p.read_bytes().decode("utf-8", "surrogateescape")
    return out


def assert_usage_error(run: Run, max_seconds: float):
    assert not run.timed_out, f"harness did not finish within the limit: {run!r}"
    assert run.elapsed < max_seconds, run
    assert run.rc == 2, f"expected exit 2 (usage/configuration error): {run!r}"
    lines = [ln for ln in run.err.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected exactly one line on stderr: {run!r}"
    assert "Traceback" not in run.terminal


# --------------------------------------------------------------------------------------------
# Item 5: terminal spoofing through reason phrase, OData-Version, client-request-id, Location
# --------------------------------------------------------------------------------------------

FAKE = "verdict: CONFORMANT (30 passed, 0 failed, 0 errors, 0 skipped; exit 0)"
TITLE = "PWNED-TITLE"


def spoof_app():
    esc = "\x1b[2K\r\x1b[1;32m" + FAKE + "\x1b[0m\x1b]0;" + TITLE + "\x07"
    c1 = "\u009b2K\u009d0;" + TITLE + "\u009c"  # 8-bit CSI/OSC/ST: the gap REPORT10 found (sent as UTF-8)

    def app(req: Request) -> bytes:
        crid = (req.header("client-request-id") or "") + esc + "\x00"
        headers = [
            ("OData-Version", "4.0" + esc + "\x00"),
            ("request-id", str(uuid.uuid4())),
            ("client-request-id", crid),
            ("Location", f"http://127.0.0.1{COLLECTION}/{uuid.uuid4()}" + esc),
        ]
        body = {
            "userId": "u",
            "id": str(uuid.uuid4()),
            "@odata.type": ODATA_TYPE,
            "error": {"code": "E\x1b[2J", "message": "\x1b]0;" + TITLE + "\x07" + esc + c1},
        }
        if req.method == "GET":
            return response(404, "Not Found" + esc + "\x00" + c1, headers, body)
        return response(201, "Created" + esc + "\r\x00" + c1, headers, body)

    return app


def test_item05_no_control_characters_from_target_reach_stdout(tmp_path, serve):
    srv = serve(spoof_app())
    run = run_harness(tmp_path, ["--target", srv.url, "--token", canary("tok5"), "-v"])
    assert srv.requests, run
    assert run.rc in (1, 3), run
    terminal = run.out_b + run.err_b
    found = {
        name: terminal.count(ch)
        for name, ch in (("ESC", b"\x1b"), ("BEL", b"\x07"), ("CR", b"\r"), ("NUL", b"\x00"))
    }
    text = terminal.decode("utf-8", "surrogateescape")
    found["C1"] = sum(1 for c in text if "\x80" <= c <= "\x9f")  # U+009B as UTF-8 (or latin-1 mojibake)
    found["raw 0x9b"] = sum(1 for c in text if c == "\udc9b")  # the bare byte, not UTF-8
    assert not any(found.values()), f"raw control characters from the target on the terminal: {found}"
    assert "\\x1b" in run.out, "escapes are not visible"
    assert "\\x9b" in run.out or "\\u009b" in run.out, "C1 escapes are not visible"
    # the reports escape for their own formats: none carries a raw ESC, BEL, NUL or C1 either
    for name in REPORT_FILES:
        data = (run.report_dir / name).read_text("utf-8", "surrogateescape")
        raw = [f"U+{ord(c):04X}" for c in data if c in "\x1b\x07\x00" or "\x7f" <= c <= "\x9f"]
        assert not raw, f"{name} carries raw control characters: {sorted(set(raw))}"
        if name != "report.html":  # HTML is read by a browser, which treats CR as a space
            assert "\r" not in data, f"{name} carries a raw CR"


def _tmux(sock: str, *args, check=True) -> str:
    return subprocess.run(["tmux", "-L", sock, *args], capture_output=True, text=True, check=check).stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (.ci/run installs it with apt-get)")
def test_item05_tmux_shows_the_real_verdict(tmp_path, serve):
    srv = serve(spoof_app())
    sock = f"blind-{uuid.uuid4().hex[:8]}"
    report_dir = tmp_path / "reports"
    env = _clean_env()
    cmd = " ".join(
        [
            "cd",
            str(tmp_path),
            "&&",
            "env",
            f"PATH={env['PATH']!s}",
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--target",
            srv.url,
            "--token",
            "tmuxtoken" + secrets.token_hex(4),
            "--report-dir",
            str(report_dir),
            *BASE_ARGS,
            ";",
            "echo",
            "__DONE__$?",
        ]
    )
    _tmux(sock, "new-session", "-d", "-s", "atk", "-x", "200", "-y", "50", "bash --norc --noprofile")
    try:
        _tmux(sock, "set-option", "-t", "atk", "history-limit", "5000", check=False)
        _tmux(sock, "set-option", "-g", "set-titles", "on", check=False)
        time.sleep(0.3)
        _tmux(sock, "send-keys", "-t", "atk", cmd, "Enter")
        deadline = time.monotonic() + 90
        visible = ""
        while time.monotonic() < deadline:
            time.sleep(0.5)
            visible = _tmux(sock, "capture-pane", "-p", "-J", "-t", "atk")
            if re.search(r"^__DONE__\d+", visible, re.M):
                break
        history = _tmux(sock, "capture-pane", "-p", "-J", "-S", "-", "-t", "atk")
        title = _tmux(sock, "display-message", "-p", "-t", "atk", "#{pane_title}").strip()
    finally:
        _tmux(sock, "kill-server", check=False)
    assert re.search(r"^__DONE__\d+", visible, re.M), f"harness did not finish in tmux:\n{visible}"
    problems = []
    fake = [ln.strip() for ln in history.splitlines() if ln.strip().startswith("verdict: CONFORMANT")]
    if fake:
        problems.append(f"{len(fake)} fake verdict line(s) drawn: {fake[:2]}")
    real = [ln.strip() for ln in visible.splitlines() if ln.strip().startswith("verdict: ")]
    if not real:
        problems.append("no verdict line visible")
    elif real[-1].startswith("verdict: CONFORMANT") or not re.search(r"exit [13]\b", real[-1]):
        problems.append(f"the last visible verdict line is not the real one: {real[-1]!r}")
    if TITLE in title:
        problems.append(f"the target changed the window title to {title!r}")
    assert not problems, "terminal spoofed: " + "; ".join(problems) + "\n--- pane ---\n" + visible


# --------------------------------------------------------------------------------------------
# Item 6: $ref in a spec must never reach the network or local files
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def derived_spec(tmp_path_factory) -> Path:
    """The spec `conformance derive specs/create-outboundshareduserprofile.md` writes (kept in specs/)."""
    out = tmp_path_factory.mktemp("derived")
    for f in (REPO / "specs").glob("outboundSharedUserProfile.*"):
        shutil.copy(f, out / f.name)
    return out / "outboundSharedUserProfile.openapi.yaml"


# The userId property of the contract embedded under x-conformance: its schema, then the
# property's other fields at the same indentation (values, ...), then its `where` anchor.
_XPROP = re.compile(
    r"      schema:\n        type: string\n"
    r"((?:      (?!where:)\w[^\n]*\n)*)"
    r"      where:\n        anchor: userId\n"
)


def _replace_xprop_schema(text: str, schema_block: str) -> str:
    """`text` with the embedded userId property's schema replaced by `schema_block`."""
    assert len(_XPROP.findall(text)) == 1, "derived spec layout changed"
    return _XPROP.sub(lambda m: schema_block + m.group(1) + "      where:\n        anchor: userId\n", text)


def _spec_with_refs(derived: Path, dest: Path, req_ref: str, resp_ref: str, prop_ref: str) -> Path:
    """The derived spec with $refs out of it: the request/response body schemas, the userId
    property of both component schemas and of the embedded x-conformance contract."""
    text = derived.read_text("utf-8")
    prop = "        userId:\n          type: string\n"
    assert text.count(prop) >= 2, "derived spec layout changed"
    text = text.replace(prop, f"        userId:\n          $ref: '{prop_ref}'\n")
    # the contract embedded under x-conformance (the property's own schema)
    text = _replace_xprop_schema(text, f"      schema:\n        $ref: '{prop_ref}'\n")
    assert "'#/components/schemas/outboundSharedUserProfile.create'" in text
    text = text.replace("'#/components/schemas/outboundSharedUserProfile.create'", f"'{req_ref}'")
    text = text.replace("$ref: '#/components/schemas/outboundSharedUserProfile'\n", f"$ref: '{resp_ref}'\n")
    dest.write_text(text, "utf-8")
    return dest


@pytest.mark.parametrize("kind", ["http", "http-silent", "file"])
def test_item06_spec_refs_are_never_fetched(tmp_path, serve, derived_spec, kind):
    schemas_dir = derived_spec.parent
    req_schema = next(schemas_dir.glob("*.request.schema.json")).read_bytes()
    resp_schema = next(schemas_dir.glob("*.response.schema.json")).read_bytes()

    def schema_app(req):
        if kind == "http-silent":
            return None
        doc = {"/req.json": req_schema, "/resp.json": resp_schema}.get(req.path, b'{"type": "string"}')
        return response(200, "OK", [], doc, content_type="application/schema+json")

    ref_srv = serve(schema_app)
    target = serve(graph_app())
    if kind == "file":
        refs = ["file:///etc/passwd"] * 3
    else:
        refs = [f"{ref_srv.url}/req.json", f"{ref_srv.url}/resp.json", f"{ref_srv.url}/str.json"]
    spec = _spec_with_refs(derived_spec, tmp_path / "x.openapi.yaml", *refs)
    run = run_harness(
        tmp_path, ["--target", target.url, "--spec", str(spec), "--token", canary("tok6")], timeout=25
    )
    gets = [r for r in ref_srv.requests if r.method == "GET"]
    assert not gets, f"the harness fetched {len(gets)} time(s) from a $ref host: {run!r}"
    assert "root:" not in run.terminal + "".join(artifacts(run.report_dir).values()), "/etc/passwd was read"
    assert_usage_error(run, 30)


# --------------------------------------------------------------------------------------------
# Item 9: hostile harness input; 103 Early Hints
# --------------------------------------------------------------------------------------------


def _alias_bomb(derived: Path) -> str:
    """Billion laughs: anchors defined under components.schemas, the bomb placed in the schemas the
    harness walks (the embedded contract's userId schema and the request component)."""
    lines = ['    lol0: &l0 ["lolololololololololololololololol"]']
    for i in range(1, 10):
        refs = ", ".join([f"*l{i - 1}"] * 10)
        lines.append(f"    lol{i}: &l{i} [{refs}]")
    text = derived.read_text("utf-8")
    assert text.startswith("components:\n  schemas:\n")
    text = _replace_xprop_schema(
        text,
        "      schema:\n        type: string\n        x-bomb: [" + ", ".join(["*l9"] * 10) + "]\n",
    )
    text = text.replace(
        "        userId:\n          type: string\n",
        "        userId:\n          type: string\n          examples: *l9\n",
    )
    return "components:\n  schemas:\n" + "\n".join(lines) + "\n" + text[len("components:\n  schemas:\n") :]


def _recursive_alias(derived: Path) -> str:
    """A schema that contains itself (an alias inside its own anchor), where the harness walks."""
    text = derived.read_text("utf-8")
    return _replace_xprop_schema(
        text,
        "      schema: &loop\n        type: object\n        properties:\n          again: *loop\n",
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "alias-bomb", "recursive-alias"])
def test_item09_hostile_spec_input_is_refused(tmp_path, serve, derived_spec, kind):
    srv = serve(graph_app())
    if kind == "fifo":
        spec = tmp_path / "x.openapi.yaml"
        os.mkfifo(spec)
    elif kind == "dev-zero":
        spec = tmp_path / "x.md"
        os.symlink("/dev/zero", spec)
    elif kind == "alias-bomb":
        spec = tmp_path / "x.openapi.yaml"
        spec.write_text(_alias_bomb(derived_spec), "utf-8")
    else:
        spec = tmp_path / "x.openapi.yaml"
        spec.write_text(_recursive_alias(derived_spec), "utf-8")
    run = run_harness(
        tmp_path,
        ["--target", srv.url, "--spec", str(spec), "--token", canary("tok9")],
        timeout=15,
        mem_limit=1 << 30,
    )
    assert_usage_error(run, 12)


def test_item09_early_hints_are_skipped(tmp_path, serve):
    plain = serve(graph_app())
    hinted = serve(early_hints(graph_app()))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = run_harness(tmp_path / "a", ["--target", plain.url, "--token", "tok9abcdefgh"])
    b = run_harness(tmp_path / "b", ["--target", hinted.url, "--token", "tok9abcdefgh"])
    assert a.rc in (0, 1), a
    sa, sb = a.statuses(), b.statuses()
    diff = {k: (sa.get(k), sb.get(k)) for k in set(sa) | set(sb) if sa.get(k) != sb.get(k)}
    assert not diff, f"a 103 Early Hints changed the verdict (check: without -> with): {diff} {b!r}"
    assert a.rc == b.rc, (a, b)


# --------------------------------------------------------------------------------------------
# Item 9: interim (1xx) responses at the client, on raw sockets
# --------------------------------------------------------------------------------------------

FINAL = (
    b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nX-Final: yes\r\nContent-Length: 11\r\n\r\n"
    b'{"id": "1"}'
)
HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nX-Final: no\r\n\r\n"


def _interim_server(prefix: bytes):
    from tests.hostile import serving

    def behave(conn, req, srv):
        conn.sendall(prefix + FINAL)

    return serving(behave)


@pytest.mark.parametrize(
    "prefix",
    [
        HINTS,
        HINTS * 3,
        b"HTTP/1.1 100 Continue\r\n\r\n" + HINTS + b"HTTP/1.1 102 Processing\r\n\r\n",
        b"HTTP/1.1 199 Whatever\r\nX-Final: no\r\n\r\n",
    ],
    ids=["103", "103x3", "100-103-102", "199"],
)
def test_interim_responses_are_skipped_by_the_client(prefix):
    from conformance.target.client import Client

    with _interim_server(prefix) as srv, Client(srv.url, token="tok-interim", timeout=3) as client:
        reply = client.request("POST", "/x", json={"a": 1})
    assert (reply.status, reply.header("X-Final"), reply.content) == (201, "yes", b'{"id": "1"}')


def test_endless_interim_responses_are_an_error_not_a_hang():
    from conformance.errors import TargetError
    from conformance.target._transport import MAX_INTERIM
    from conformance.target.client import Client

    with _interim_server(HINTS * (MAX_INTERIM + 1)) as srv, Client(srv.url, token="t", timeout=3) as client:
        t0 = time.monotonic()
        with pytest.raises(TargetError):
            client.request("POST", "/x", json={})
    assert time.monotonic() - t0 < 10


def test_101_is_final_and_judged():
    from conformance.target.client import Client

    upgrade = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n"
    with _interim_server(upgrade) as srv, Client(srv.url, token="t", timeout=3) as client:
        reply = client.request("POST", "/x", json={})
    assert reply.status == 101  # never asked for: a check judges it as the (wrong) answer


def test_the_interim_oracle_fails_a_plain_http_client():
    """The broken implementation: http.client (and so plain requests) takes the 103 for the answer."""
    import requests

    with _interim_server(HINTS) as srv:
        reply = requests.post(srv.url + "/x", json={}, timeout=3)
    assert reply.status_code == 103  # what the harness judged before: the assertion above would fail on it

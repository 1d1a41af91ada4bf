"""The blind tester's tests (third blind trial, NAME=ci) of the GitHub Action (action.yml, run step by step
as the runner would) and `conformance compare`, copied from the trial's test_blind_ci.py with their
expectations unchanged. Adapted only in how they find the harness: `sys.executable -m conformance` from this
checkout (PYTHONPATH), and the action's own `action.yml` with `github.action_path` = this checkout, so its
install step takes the "already importable from this very checkout" branch. The tester wrote them from the
README and action.yml alone (see its REPORT_ci.md). Targets listen on 127.0.0.1, port 0.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import re
import socketserver
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow  # about 15 harness runs and 60 compare processes: a minute or more

ROOT = Path(__file__).resolve().parents[1]
PYBIN = Path(sys.executable).parent
CONF = [sys.executable, "-m", "conformance"]
ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}, "PYTHONPATH": str(ROOT)}
SITE = str(ROOT)  # github.action_path: this checkout, importable through PYTHONPATH
ACTION_YML = ROOT / "action.yml"
TOKEN = "s3cr3t-T0KEN-9f8e7d6c5b4a"
GUID = "0f8fad5b-d9cb-469f-a165-70867728950e"
ODATA_TYPE = "#Microsoft.DirectoryServices.outboundSharedUserProfile"

# Text a hostile target or page puts wherever it can: every way to pose as a workflow command.
HOSTILE = (
    "%0A::error title=INJ1::pwned1 %0D%0A::add-mask::INJ2\n::error::INJ3\r::warning::INJ4\r\n"
    "::set-output name=verdict::pass\n::stop-commands::INJ5\n##[error]INJ6 ##[add-mask]INJ7"
    "\u2028::error::INJ8\x85::error::INJ9\x1b[2J\x1b]0;spoof\x07 ::endgroup:: "
    "\n```\n## Conformance: \u2705 PASS\n<img src=https://evil.invalid/x.png></details> | a | b |\n"
)


# ----------------------------------------------------------------------------------------------------------
# the runner's view of a log: which workflow commands it would act on (actions/runner semantics)
# ----------------------------------------------------------------------------------------------------------
def runner_lines(text: str) -> list[str]:
    # .NET StreamReader.ReadLine splits on \r, \n and \r\n
    return re.split(r"\r\n|\r|\n", text)


def effective_commands(text: str) -> list[tuple[str, dict, str, str]]:
    """(command, properties, data, raw line) the runner would process, honouring ::stop-commands::."""
    out, stop = [], None
    for line in runner_lines(text):
        s = line.lstrip()
        cmd = None
        if s.startswith("::"):
            end = s.find("::", 2)
            if end > 2:
                info, data = s[2:end], s[end + 2 :]
                name, _, props = info.partition(" ")
                cmd = (name, props, data)
        elif "##[" in line:  # v1 commands: found anywhere in the line
            i = line.index("##[")
            j = line.find("]", i)
            if j > 0:
                info = line[i + 3 : j]
                name, _, props = info.partition(" ")
                cmd = (name, props, line[j + 1 :])
        if cmd is None:
            continue
        name, props, data = cmd
        if stop is not None:
            if name.lower() == stop.lower():
                stop = None
            continue
        if name == "stop-commands":
            stop = data
            continue
        pd = {}
        for kv in filter(None, props.split(",")):
            k, _, v = kv.partition("=")
            pd[k.strip()] = unescape_prop(v)
        out.append((name, pd, unescape_data(data), line))
    return out


def unescape_data(s: str) -> str:
    return s.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_prop(s: str) -> str:
    return (
        s.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def token_forms(tok: str) -> list[str]:
    forms = {tok, urllib.parse.quote(tok, safe=""), base64.b64encode(tok.encode()).decode().rstrip("=")}
    for pad in (1, 2):
        b = base64.b64encode(b"x" * pad + tok.encode()).decode()
        forms.add(b[4:-4])  # inner part, alignment-shifted
    return sorted(f for f in forms if len(f) >= 8)


def assert_no_token(text: str, where: str, tok: str = TOKEN, allow_mask_line: bool = False):
    lines = [ln for ln in runner_lines(text) if not (allow_mask_line and ln.startswith("::add-mask::"))]
    body = "\n".join(lines)
    for f in token_forms(tok):
        assert f not in body, f"token form {f!r} leaked in {where}"


# ----------------------------------------------------------------------------------------------------------
# targets
# ----------------------------------------------------------------------------------------------------------
class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(handler_cls):
    srv = _Server(("127.0.0.1", 0), handler_cls)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


class BaseTarget(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    PATH = "/directory/outboundSharedUserProfiles"
    flavor = "legal"

    def log_message(self, *a):
        pass

    def _send(self, code, body=None, headers=()):
        raw = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        self.send_response(code)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("OData-Version", "4.0")
        self.send_header("request-id", GUID)
        if "client-request-id" in self.headers:
            self.send_header("client-request-id", self.headers["client-request-id"])
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def _err(self, code, msg, headers=()):
        self._send(code, {"error": {"code": "badRequest", "message": msg}}, headers)

    def _read(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self._read()
        self._err(404, "not found")

    def _other(self):
        self._read()
        self._err(405, "method not allowed", [("Allow", "POST")])

    do_PUT = do_DELETE = do_PATCH = _other

    def do_POST(self):
        raw = self._read()
        if self.path.split("?")[0] != self.PATH:
            return self._err(404, "no such path")
        auth = self.headers.get("Authorization")
        if not auth:
            return self._err(401, "no credentials", [("WWW-Authenticate", 'Bearer realm="x"')])
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/json":
            return self._err(415, "json only")
        try:
            body = json.loads(raw.decode("utf-8"))
        except Exception:
            return self._err(400, "not json")
        if not isinstance(body, dict):
            return self._err(400, "not an object")
        allowed = {"@odata.type", "userId", "deletedDateTime", "id"}
        if set(body) - allowed:
            return self._err(400, "unknown property")
        if not isinstance(body.get("userId"), str):
            return self._err(400, "userId required string")
        dt = body.get("deletedDateTime")
        if dt is not None and (
            not isinstance(dt, str)
            or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", dt)
        ):
            return self._err(400, "bad date")
        if dt is not None:
            import datetime

            try:
                datetime.datetime.fromisoformat(dt.replace("Z", "+00:00"))
            except ValueError:
                return self._err(400, "bad date")
        import uuid

        out = {"@odata.type": ODATA_TYPE, "id": str(uuid.uuid4()), "userId": body["userId"]}
        if "deletedDateTime" in body:
            out["deletedDateTime"] = dt
        out = self.mangle(out, auth)
        self._send(
            201,
            out,
            [
                (
                    "Location",
                    f"http://{self.headers.get('Host')}{self.PATH}('{urllib.parse.quote(str(out.get('id')))}')",
                )
            ],
        )

    def mangle(self, out, auth):
        return out


class LegalTarget(BaseTarget):
    pass


class BuggyTarget(BaseTarget):
    """A MUST bug: ids are not GUIDs."""

    def mangle(self, out, auth):
        out["id"] = "AAMk" + out["id"].replace("-", "")[:20]
        return out


class HostileTarget(BaseTarget):
    """Echoes the credential (raw, base64, percent-encoded) and workflow-command text into everything."""

    def mangle(self, out, auth):
        tok = auth.split(" ", 1)[-1]
        out["id"] = HOSTILE + tok
        out["userId"] = out["userId"] + HOSTILE + base64.b64encode(tok.encode()).decode()
        out["@odata.type"] = "#evil\n::error::INJ10 " + urllib.parse.quote(auth)
        return out

    def _err(self, code, msg, headers=()):
        tok = (self.headers.get("Authorization") or "").split(" ", 1)[-1]
        self._send(code, {"error": {"code": HOSTILE, "message": msg + HOSTILE + tok}}, headers)

    def do_PUT(self):  # a 500 whose body is hostile: VALID-006 must quote it
        self._read()
        self._send(500, (HOSTILE + "Bearer " + (self.headers.get("Authorization") or "")).encode())


@pytest.fixture
def target():
    started = []

    def start(cls):
        srv, url = serve(cls)
        started.append(srv)
        return url

    yield start
    for s in started:
        s.shutdown()
        s.server_close()


# ----------------------------------------------------------------------------------------------------------
# the action, run as the runner would run it
# ----------------------------------------------------------------------------------------------------------
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def parse_outputs_file(text: str) -> dict:
    """actions/runner's GITHUB_OUTPUT parser: key=value or key<<DELIM ... DELIM."""
    out, lines, i = {}, text.split("\n"), 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line:
            continue
        eq, hd = line.find("="), line.find("<<")
        if eq >= 0 and (hd < 0 or eq < hd):
            out[line[:eq]] = line[eq + 1 :]
        elif hd >= 0:
            key, delim, val = line[:hd], line[hd + 2 :], []
            while i < len(lines) and lines[i].rstrip("\r") != delim:
                val.append(lines[i].rstrip("\r"))
                i += 1
            assert i < len(lines), f"unterminated heredoc for {key!r}"
            i += 1
            out[key] = "\n".join(val)
        else:
            raise AssertionError(f"invalid GITHUB_OUTPUT line {line!r}")
    return out


class ActionRun:
    def __init__(self):
        self.steps = []  # (name, rc, log)
        self.outputs = {}
        self.summary = ""
        self.step_outputs = {}
        self.files = {}

    @property
    def log(self):
        return "".join(s[2] for s in self.steps)

    @property
    def exit_code(self):
        return next((rc for _, rc, _ in self.steps if rc != 0), 0)


def run_action(
    inputs: dict, work: Path, action_path: str = SITE, extra_env: dict | None = None, timeout=300
) -> ActionRun:
    spec = yaml.safe_load(ACTION_YML.read_text())
    assert spec["runs"]["using"] == "composite"
    vals = {k: str(v.get("default", "")) for k, v in spec["inputs"].items()}
    for k, v in inputs.items():
        assert k in vals, f"unknown input {k}"
        vals[k] = v
    res = ActionRun()
    temp = work / "_runner_temp"
    temp.mkdir(exist_ok=True)

    def subst(text):
        def one(m):
            e = m.group(1)
            if e.startswith("inputs."):
                return vals[e[7:]]
            if e == "github.action_path":
                return action_path
            mm = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", e)
            if mm:
                return res.step_outputs.get(mm.group(1), {}).get(mm.group(2), "")
            raise AssertionError(f"expression the emulator does not know: {e}")

        return EXPR.sub(one, str(text))

    for n, step in enumerate(spec["runs"]["steps"]):
        if res.exit_code != 0 and "if" not in step:
            res.steps.append((step.get("name"), None, "<skipped>\n"))
            continue
        assert step.get("shell") == "bash"
        script = subst(step["run"])
        sf = temp / f"step{n}.sh"
        sf.write_text(script)
        outf, sumf = temp / f"out{n}", temp / f"sum{n}"
        outf.write_text("")
        sumf.write_text("")
        env = {
            "PATH": f"{PYBIN}:/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "HOME": str(work / "_home"),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "RUNNER_TEMP": str(temp),
            "GITHUB_WORKSPACE": str(work),
            "GITHUB_OUTPUT": str(outf),
            "GITHUB_STEP_SUMMARY": str(sumf),
            "LANG": "C.UTF-8",
        }
        env.update(extra_env or {})
        env.update({k: subst(v) for k, v in (step.get("env") or {}).items()})
        p = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(sf)],
            cwd=work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
        log = p.stdout.decode("utf-8", "replace")
        res.steps.append((step.get("name"), p.returncode, log))
        res.step_outputs[step.get("id", f"_{n}")] = parse_outputs_file(outf.read_text())
        res.files[f"out{n}"] = outf.read_text()
        res.summary += sumf.read_text()
    res.outputs = {k: subst(v["value"]) for k, v in spec["outputs"].items()}
    return res


def allowed_commands_only(run: ActionRun, check_ids: set[str]):
    cmds = effective_commands(run.log)
    for name, props, data, raw in cmds:
        assert name in {"add-mask", "error", "warning", "notice"}, f"unexpected workflow command {raw!r}"
        if name == "add-mask":
            assert data == TOKEN, f"add-mask of something else: {raw!r}"
        else:
            assert props.get("title") in check_ids | {"graph-conformance"}, (
                f"annotation not titled by a check: {raw!r}"
            )
    return cmds


def report_check_ids(report_dir: Path) -> set[str]:
    return {c["id"] for c in json.loads((report_dir / "report.json").read_text())["checks"]}


# ------------------------------------------------------------------------------- action: static properties
def test_action_yml_has_no_expression_in_run_scripts():
    """Expressions in `run:` are pasted into the script by the runner: a script injection vector."""
    spec = yaml.safe_load(ACTION_YML.read_text())
    for step in spec["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_action_masks_token_before_anything_else(tmp_path):
    spec = yaml.safe_load(ACTION_YML.read_text())
    first = spec["runs"]["steps"][0]
    assert "add-mask" in first["run"]
    # a multi-line token with % and CR: each line is masked, encoded as command data
    tok = "ab%0Acd\r\nline-two-secret\n::error::x"
    work = tmp_path
    sf = work / "s.sh"
    sf.write_text(first["run"])
    p = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(sf)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "INPUT_TOKEN": tok},
        timeout=30,
    )
    assert p.returncode == 0
    cmds = effective_commands(p.stdout)
    masks = [d for n, _, d, _ in cmds if n == "add-mask"]
    assert set(n for n, *_ in cmds) == {"add-mask"}, cmds
    assert tok in masks, masks
    assert "line-two-secret" in masks, masks


# ------------------------------------------------------------------------------------ action: end to end
@pytest.fixture(scope="module")
def legal_run(tmp_path_factory):
    srv, url = serve(LegalTarget)
    try:
        w = tmp_path_factory.mktemp("legal")
        yield run_action({"target": url, "token": TOKEN, "args": "--examples 3 --seed 7"}, w), w
    finally:
        srv.shutdown()


def test_action_legal_target_passes(legal_run):
    run, w = legal_run
    assert run.outputs["exit-code"] == "0", run.log[-3000:]
    assert run.outputs["verdict"] == "pass"
    assert run.exit_code == 0
    assert run.outputs["report-dir"] == "conformance-reports"
    assert (w / "conformance-reports" / "report.json").is_file()
    assert "PASS" in run.summary
    cmds = allowed_commands_only(run, report_check_ids(w / "conformance-reports"))
    assert not [c for c in cmds if c[0] == "error"], cmds
    assert_no_token(run.log, "log", allow_mask_line=True)
    assert_no_token(run.summary, "summary")


@pytest.fixture(scope="module")
def buggy_run(tmp_path_factory):
    srv, url = serve(BuggyTarget)
    try:
        w = tmp_path_factory.mktemp("buggy")
        yield (
            run_action({"target": url, "token": TOKEN, "args": "--examples 0", "report-dir": "out dir"}, w),
            w,
        )
    finally:
        srv.shutdown()


def test_action_buggy_target_fails_with_annotations(buggy_run):
    run, w = buggy_run
    assert run.outputs["exit-code"] == "1", run.log[-3000:]
    assert run.outputs["verdict"] == "fail"
    assert run.exit_code == 1
    assert run.outputs["report-dir"] == "out dir"
    rep = json.loads((w / "out dir" / "report.json").read_text())
    failing = [c["id"] for c in rep["checks"] if c["status"] == "fail" and c["level"] == "MUST"]
    assert "CREATE-004" in failing
    cmds = allowed_commands_only(run, {c["id"] for c in rep["checks"]})
    titles = [p.get("title") for n, p, d, r in cmds if n == "error"]
    assert sorted(titles) == sorted(failing), (titles, failing)
    assert "CREATE-004" in run.summary


def test_action_hostile_target_injects_nothing_and_leaks_no_token(tmp_path, target):
    url = target(HostileTarget)
    run = run_action({"target": url, "token": TOKEN, "args": "--examples 2 --seed 3"}, tmp_path)
    assert run.outputs["exit-code"] == "1", run.log[-3000:]
    assert run.outputs["verdict"] == "fail"
    rd = tmp_path / "conformance-reports"
    cmds = allowed_commands_only(run, report_check_ids(rd))
    errors = [(p, d) for n, p, d, r in cmds if n == "error"]
    assert errors, "a failing hostile target produced no annotation"
    # No annotation may carry a fake line break that the runner would show as a new line starting with ::
    for _p, d in errors:
        for ln in d.split("\n"):
            assert not ln.lstrip().startswith("::"), f"annotation message spoofs a command line: {d!r}"
    assert_no_token(run.log, "the action's log", allow_mask_line=True)
    assert_no_token(run.summary, "step summary")
    for f in rd.iterdir():
        assert_no_token(f.read_text(errors="replace"), f.name)
    for v in run.outputs.values():
        assert TOKEN not in v
    for k, v in run.files.items():
        assert_no_token(v, "GITHUB_OUTPUT " + k)
    # step summary: target text may not close a code fence and forge a heading or raw HTML
    assert _inside_fence(run.summary, "## Conformance: \u2705 PASS"), (
        "target forged a PASS heading in the summary"
    )
    assert "<img src=https://evil.invalid" not in run.summary or _inside_fence(
        run.summary, "<img src=https://evil"
    ), "raw <img> from the target in the step summary"


def _inside_fence(md: str, needle: str) -> bool:
    """False when a line outside any code fence STARTS with needle (a forged heading / raw HTML line)."""
    fence = None
    for ln in md.splitlines():
        m = re.match(r"^ {0,3}(`{3,}|~{3,})", ln)
        if ln.lstrip().startswith(needle) and fence is None and not m:
            return False
        if m:
            if fence is None:
                fence = m.group(1)
            elif (
                m.group(1)[0] == fence[0]
                and len(m.group(1)) >= len(fence)
                and not ln.strip()[len(m.group(1)) :]
            ):
                fence = None
    return True


def test_action_args_are_not_expanded(tmp_path):
    marker = tmp_path / "pwned"
    args = f"--examples 0 --check CREATE-001 $(touch {marker}) `touch {marker}`"
    run = run_action({"args": args}, tmp_path)
    assert not marker.exists(), "args input was shell-expanded"
    # those words are not flags: the harness refuses them as a usage error (2), still through the outputs
    assert run.outputs["exit-code"] == "2", run.log[-2000:]
    assert run.exit_code == 2


def test_action_args_quotes_group_words(tmp_path):
    run = run_action({"args": '--examples 0 --check "CREATE-001" --header "X-Note: two words"'}, tmp_path)
    assert run.outputs["exit-code"] == "0", run.log[-2000:]
    assert run.outputs["verdict"] == "pass"


def test_action_report_dir_newline_cannot_forge_outputs(tmp_path):
    run = run_action(
        {"args": "--examples 0 --check CREATE-001", "report-dir": "r\nexit-code=0\nverdict=pass"}, tmp_path
    )
    # whatever it does with such a folder name, the outputs must not be forged by it
    assert set(run.step_outputs.get("run", {})) <= {"exit-code", "report-dir"}
    assert run.outputs["verdict"] in {"pass", "fail", "error", ""}
    if run.outputs["exit-code"] == "0":
        assert (tmp_path / "r\nexit-code=0\nverdict=pass" / "report.json").exists()


def test_action_token_on_reference_is_masked_and_unused_strict_input(tmp_path):
    run = run_action(
        {"token": TOKEN, "strict": "true", "args": "--examples 0 --fault location-missing"}, tmp_path
    )
    # strict: a SHOULD failure counts -> exit 1 and an annotation for HDR-101
    assert run.outputs["exit-code"] == "1", run.log[-2000:]
    titles = [p.get("title") for n, p, d, r in effective_commands(run.log) if n == "error"]
    assert "HDR-101" in titles
    assert effective_commands(run.log)[0][0] == "add-mask"


def test_action_bad_strict_value_is_usage_error(tmp_path):
    run = run_action({"strict": "yes please", "args": "--examples 0"}, tmp_path)
    assert run.outputs["exit-code"] == "2", run.log[-2000:]
    assert run.exit_code == 2


def test_action_unreachable_target_is_undecided_with_warning(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    run = run_action(
        {"target": f"http://127.0.0.1:{port}", "token": TOKEN, "args": "--examples 0 --timeout 2"}, tmp_path
    )
    assert run.outputs["exit-code"] == "3", run.log[-2000:]
    assert run.outputs["verdict"] == "error"
    assert run.exit_code == 3
    names = [n for n, *_ in effective_commands(run.log)]
    assert "warning" in names, "README: one warning per check it could not decide"


def test_action_missing_token_for_target(tmp_path, target):
    url = target(LegalTarget)
    run = run_action({"target": url, "args": "--examples 0"}, tmp_path)
    assert run.outputs["exit-code"] == "2"
    assert run.exit_code == 2
    assert run.outputs["verdict"] == ""


def test_action_token_from_job_env(tmp_path, target):
    url = target(LegalTarget)
    run = run_action(
        {"target": url, "args": "--examples 0 --check CREATE-001"},
        tmp_path,
        extra_env={"CONFORMANCE_TOKEN": TOKEN},
    )
    assert run.outputs["exit-code"] == "0", run.log[-2000:]


# ----------------------------------------------------------------------------------------------------------
# compare
# ----------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    d = tmp_path_factory.mktemp("reports")
    out = {}
    for name, extra in [
        ("ref", []),
        ("idbad", ["--fault", "id-not-guid"]),
        ("loc", ["--fault", "location-missing"]),
    ]:
        p = subprocess.run(
            [
                *CONF,
                "run",
                "--report-dir",
                str(d / name),
                "--examples",
                "0",
                "-q",
                "--seed",
                "1",
                "--format",
                "json",
                *extra,
            ],
            capture_output=True,
            text=True,
            timeout=240,
            env=ENV,
        )
        assert p.returncode in (0, 1), p.stderr
        out[name] = d / name / "report.json"
    return out


def compare(old, new, *extra, timeout=60):
    return subprocess.run(
        [*CONF, "compare", *extra, str(old), str(new)],
        capture_output=True,
        text=True,
        timeout=timeout,
        errors="replace",
        env=ENV,
    )


def test_compare_regression_and_fix(reports):
    p = compare(reports["ref"], reports["idbad"])
    assert p.returncode == 1, p.stdout + p.stderr
    assert "CREATE-004" in p.stdout
    p = compare(reports["idbad"], reports["ref"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "CREATE-004" in p.stdout
    p = compare(reports["ref"], reports["ref"])
    assert p.returncode == 0


def test_compare_should_failure_not_a_verdict_regression(reports):
    # a SHOULD check going pass->fail without --strict: the README says exit 1 when "a check" regressed
    p = compare(reports["ref"], reports["loc"])
    assert "HDR-101" in p.stdout
    assert p.returncode == 1, p.stdout


def test_compare_markdown(reports, tmp_path):
    p = compare(reports["ref"], reports["idbad"], "--format", "markdown")
    assert p.returncode == 1
    assert "CREATE\\-004" in p.stdout or "CREATE-004" in p.stdout
    assert p.stdout.lstrip().startswith("#") or "**" in p.stdout


def _mut(src: Path, dst: Path, fn):
    d = json.loads(src.read_text())
    fn(d)
    dst.write_text(json.dumps(d))
    return dst


def test_compare_hostile_ids_escaped(reports, tmp_path):
    evil = "CREATE-004\x1b[2J\x1b]0;t\x07\n::error::INJ | x | <script>alert(1)</script>\r`"

    def f(d):
        for c in d["checks"]:
            if c["id"] == "CREATE-004":
                c["id"] = evil
                c["status"] = "fail"

    old = _mut(
        reports["ref"],
        tmp_path / "old.json",
        lambda d: [c.update(id=evil) for c in d["checks"] if c["id"] == "CREATE-004"],
    )
    new = _mut(reports["ref"], tmp_path / "new.json", f)
    for fmt in ("text", "markdown"):
        p = compare(old, new, "--format", fmt)
        assert p.returncode in (1, 2), (fmt, p.returncode, p.stdout, p.stderr)
        out = p.stdout + p.stderr
        assert "\x1b" not in out, f"{fmt}: raw control characters from a report"
        assert "\x07" not in out, f"{fmt}: raw control characters from a report"
        assert not [c for c in effective_commands(out)], f"{fmt}: workflow command from a report"
        if fmt == "markdown":
            assert "<script>" not in out, "raw HTML from a report in the markdown"


BAD_REPORTS = {
    "not-json": b"{nope",
    "empty": b"",
    "array": b"[]",
    "null": b"null",
    "binary": b"\xff\xfe\x00garbage",
    "deep": b"[" * 200000 + b"]" * 200000,
    "no-checks": json.dumps({"schema_version": "1.1", "verdict": "pass"}).encode(),
    "checks-not-list": json.dumps({"schema_version": "1.1", "verdict": "pass", "checks": {"a": 1}}).encode(),
    "check-not-dict": json.dumps(
        {"schema_version": "1.1", "verdict": "pass", "checks": [1, "x", None]}
    ).encode(),
    "future-version": None,  # filled from a real report
    "version-number": None,
    "nan": b'{"schema_version": "1.1", "verdict": NaN, "checks": []}',
    "bad-status": None,
    "id-not-string": None,
}


@pytest.mark.parametrize("kind", sorted(BAD_REPORTS))
@pytest.mark.parametrize("side", ["old", "new"])
def test_compare_malformed_is_exit_2_one_line(reports, tmp_path, kind, side):
    good = reports["ref"]
    bad = tmp_path / "bad.json"
    raw = BAD_REPORTS[kind]
    if raw is None:
        d = json.loads(good.read_text())
        if kind == "future-version":
            d["schema_version"] = "3.0"
        elif kind == "version-number":
            d["schema_version"] = 1.1
        elif kind == "bad-status":
            d["checks"][3]["status"] = {"x": 1}
        elif kind == "id-not-string":
            d["checks"][3]["id"] = ["x"]
        raw = json.dumps(d).encode()
    bad.write_bytes(raw)
    p = compare(*(bad, good) if side == "old" else (good, bad))
    assert p.returncode == 2, (p.returncode, p.stdout[-500:], p.stderr[-1500:])
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr[-1500:]
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("what", ["missing", "directory", "fifo", "devzero", "huge"])
def test_compare_unreadable_paths(reports, tmp_path, what):
    path = tmp_path / "x.json"
    if what == "directory":
        path.mkdir()
    elif what == "fifo":
        os.mkfifo(path)
    elif what == "devzero":
        path = Path("/dev/zero")
    elif what == "huge":
        with open(path, "wb") as f:
            f.write(b'{"schema_version": "1.1", "pad": "')
            f.write(b"a" * (200 * 1024 * 1024))
            f.write(b'", "checks": [], "verdict": "pass"}')
    p = compare(reports["ref"], path, timeout=60)
    assert p.returncode == 2, (p.returncode, p.stderr[-500:])
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr[-1500:]


def test_compare_incompatible_specs(reports, tmp_path):
    """Two reports of different pages: comparing check by check is meaningless; at least say so."""
    new = _mut(
        reports["idbad"],
        tmp_path / "n.json",
        lambda d: d.update(
            spec_file="other.openapi.yaml",
            doc={**d["doc"], "hash": "deadbeef"} if isinstance(d.get("doc"), dict) else "x",
        ),
    )
    p = compare(reports["ref"], new)
    assert p.returncode in (1, 2)


def test_compare_waived_and_verdict_order(reports, tmp_path):
    def waive(d):
        for c in d["checks"]:
            if c["status"] == "fail":
                c["status"] = "waived"
        d["verdict"] = "pass"
        d["exit_code"] = 0

    waived = _mut(reports["idbad"], tmp_path / "w.json", waive)
    assert compare(reports["ref"], waived).returncode == 0, "a WAIVED check is not failing"
    assert compare(waived, reports["idbad"]).returncode == 1, "waived -> fail is a regression"

    def err(d):
        d["verdict"] = "error"
        d["exit_code"] = 3
        for c in d["checks"]:
            if c["id"] == "CREATE-009":
                c["status"] = "error"

    errd = _mut(reports["ref"], tmp_path / "e.json", err)
    assert compare(reports["ref"], errd).returncode == 1, "pass -> error verdict is a regression"
    assert compare(errd, reports["idbad"]).returncode == 1, "error -> fail is a regression"
    assert compare(reports["idbad"], errd).returncode == 0, "fail -> error is not a regression"


def test_compare_added_and_removed(reports, tmp_path):
    def add(d):
        c = dict(d["checks"][0])
        c.update(id="NEW-001", status="fail", level="MUST")
        d["checks"].append(c)

    new = _mut(reports["ref"], tmp_path / "a.json", add)
    p = compare(reports["ref"], new)
    assert "NEW-001" in p.stdout
    # debatable: a new check that fails was not failing before ("fail now, not before")
    assert p.returncode == 1, p.stdout
    p = compare(new, reports["ref"])
    assert "NEW-001" in p.stdout
    assert p.returncode == 0


def test_compare_schema_1_0_is_read(reports, tmp_path):
    old = _mut(
        reports["ref"],
        tmp_path / "o.json",
        lambda d: (d.update(schema_version="1.0"), d.pop("waivers", None)),
    )
    p = compare(old, reports["ref"])
    assert p.returncode == 0, p.stderr


def test_compare_usage(reports):
    p = subprocess.run(
        [*CONF, "compare", str(reports["ref"])], capture_output=True, text=True, timeout=60, env=ENV
    )
    assert p.returncode == 2

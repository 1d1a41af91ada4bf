"""Attacks on the redaction boundary (issue 10 items 1, 2, 3, 4 and the gaps the blind tester found).

Adapted from the blind attack tests (/work/blind/test_attacks.py, written without reading the harness): each
runs the installed harness as a subprocess against a hostile target on 127.0.0.1 (raw sockets, port 0,
stdlib only) that echoes every secret it is sent, in every spelling, and searches every artifact and the
terminal for the secrets with `tests.leaks` (raw, percent, \\u, HTML entities, nested, base64, split).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.attack_servers import COLLECTION, ODATA_TYPE, Request, graph_app, response
from tests.leaks import artifacts, assert_no_leak, canary

pytestmark = pytest.mark.slow

BASE_ARGS = ["--examples", "5", "--seed", "424242", "--timeout", "3"]
ROOT = Path(__file__).resolve().parents[1]


def _secret_parts(req: Request) -> list[str]:
    """Everything secret-bearing a hostile target can see in a request, split into its parts."""
    parts = []
    for name, value in req.headers:
        n = name.lower()
        if n == "authorization":
            parts.append(value)
            if " " in value:
                parts.append(value.split(" ", 1)[1])
        elif n == "cookie":
            parts.append(value)
            for c in value.split(";"):
                if "=" in c:
                    parts.append(c.split("=", 1)[1].strip())
        elif n in ("x-api-key", "x-tenant-key"):
            parts.append(value)
    return [p for p in parts if p]


def _encodings(v: str) -> list[str]:
    vb = v.encode()
    return [
        v,
        urllib.parse.quote(v, safe=""),
        "".join(f"\\u{ord(c):04x}" for c in v),  # JSON \u escape (raw JSON text, not re-escaped)
        "".join(f"&#{ord(c)};" for c in v),
        "".join(f"&#x{ord(c):x};" for c in v),
        base64.b64encode(vb).decode(),
        base64.b64encode(b"user:" + vb).decode(),
        base64.urlsafe_b64encode(vb).decode(),
        vb.hex(),  # blind trial 10: hex leaked into every report
        vb.hex().upper(),
        ":".join(f"{b:02x}" for b in vb),
        "".join(f"\\x{b:02x}" for b in vb),
    ]


def echo_app():
    """Accepts everything with 201 (so every check fails and records evidence) and echoes every
    secret part it was sent: in the reason phrase, in headers (incl. Set-Cookie), in error messages
    and in the body, raw and in every encoding, rotated so each form is near the front of a body."""
    counter = [0]

    def app(req: Request) -> bytes:
        counter[0] += 1
        i = counter[0]
        parts = _secret_parts(req)
        forms = [e for p in parts for e in _encodings(p)]
        if forms:
            k = i % len(forms)
            forms = forms[k:] + forms[:k]
        first = parts[-1] if parts else "none"
        body_text = "{" + ", ".join(f'"echo{j}": "{f}"' for j, f in enumerate(forms))
        if forms:
            body_text += ", "
        body_text += json.dumps(
            {
                "userId": "u",
                "id": str(uuid.uuid4()),
                "@odata.type": ODATA_TYPE,
                "error": {"code": "Echo", "message": f"credential {first} is not valid"},
            }
        )[1:]
        headers = [
            ("OData-Version", "4.0"),
            ("request-id", str(uuid.uuid4())),
            ("client-request-id", first),
            ("X-Echo", first),
            ("Set-Cookie", f"session={first}; Path=/"),
            ("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{first}"'),
            (
                "Location",
                f"http://127.0.0.1/{COLLECTION}/{uuid.uuid4()}?t={urllib.parse.quote(first, safe='')}",
            ),
        ]
        return response(201, f"Created {first}", headers, body_text)

    return app


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

    def assert_no_leak(self, secret_values: dict) -> None:
        assert_no_leak(
            secret_values, self.report_dir, {"<stdout>": self.out, "<stderr>": self.err}, repr(self)
        )

    def __repr__(self):
        return (
            f"Run(rc={self.rc}, elapsed={self.elapsed:.1f}s, timed_out={self.timed_out}, "
            f"stderr={self.err[-600:]!r}, stdout_tail={self.out[-600:]!r})"
        )


def _clean_env(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(ROOT)
    env.pop("NO_COLOR", None)
    if extra:
        env.update(extra)
    return env


def run_harness(tmp_path: Path, args: list[str], *, env: dict | None = None, timeout: float = 120) -> Run:
    report_dir = tmp_path / "reports"
    cmd = [sys.executable, "-m", "conformance", "run", *args, "--report-dir", str(report_dir), *BASE_ARGS]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=_clean_env(env),
        stdin=subprocess.DEVNULL,
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


def _b64url(o) -> str:
    return base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).decode().rstrip("=")


def make_jwt() -> str:
    tag = secrets.token_hex(6)
    header = {f"CANARYhdr{tag}": "zz", "alg": "HS256", "typ": "JWT", "kid": f"CANARYkid{tag}"}
    claims = {
        f"CANARYclaims{tag}": True,
        "sub": f"CANARYsub{secrets.token_hex(8)}",
        "aud": "https://graph.microsoft.com",
        "roles": ["Directory.ReadWrite.All"] * 3,
        "iat": 1700000000,
        "exp": 1900000000,
        "name": "Canary Q. Tester " + secrets.token_hex(16),
    }
    sig = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    return f"{_b64url(header)}.{_b64url(claims)}.{sig}"


def jwt_echo_app():
    """Echoes the bearer credential behind a varying amount of padding, so that every excerpt cut
    (finding messages, `actual`, body excerpts) falls somewhere inside the token: as a property
    value the harness quotes (userId), as a non-JSON body, as a non-JSON error body, in a JSON
    array, in the reason phrase and in headers."""
    counter = [0]

    def app(req: Request) -> bytes:
        counter[0] += 1
        i = counter[0]
        auth = req.header("Authorization") or ""
        tok = auth.split(" ", 1)[1] if " " in auth else "none"
        pad = "p" * ((i * 37) % 199)
        padr = "r" * ((i * 13) % 119)
        headers = [
            ("OData-Version", "4.0"),
            ("request-id", str(uuid.uuid4())),
            ("client-request-id", padr + tok),
            ("X-Echo", tok),
            ("Location", f"http://127.0.0.1{COLLECTION}/{padr}{tok}"),
        ]
        kind = i % 4
        if kind == 0:
            body = {
                "userId": padr + tok,
                "deletedDateTime": pad + tok,
                "id": str(uuid.uuid4()),
                "@odata.type": ODATA_TYPE,
                "error": {"code": "E", "message": padr + tok},
            }
            return response(201, f"Created {padr}{tok}", headers, body)
        if kind == 1:
            return response(201, f"Created {padr}{tok}", headers, pad + tok, content_type="text/plain")
        if kind == 2:
            return response(400, f"Bad Request {padr}{tok}", headers, pad + tok, content_type="text/plain")
        return response(201, "Created", headers, json.dumps([pad + tok]))

    return app


# ------------------------------------------------------------------------------ item 1 (the leak part)


@pytest.mark.parametrize("suffix", ["\n", "\r\n", "\u20ac\u4e2d"], ids=["lf", "crlf", "non-latin-1"])
def test_item01_a_token_the_http_library_refuses_is_never_printed(tmp_path, serve, suffix):
    """However the token is refused (at start, or by the HTTP library quoting `'Bearer T\\n'` in every
    check's exception), no exception text shows it: exception texts are masked before they are recorded."""
    tok = canary("tok1")
    srv = serve(graph_app())
    run = run_harness(tmp_path, ["--target", srv.url], env={"CONFORMANCE_TOKEN": tok + suffix})
    assert "Traceback" not in run.terminal, run
    run.assert_no_leak({"token": tok})


# ------------------------------------------------------------------------------ item 2


HEADER_CASES = {
    "authorization": lambda v: (["--header", f"Authorization: Bearer {v['a']}"], {"a": v["a"]}),
    "cookie": lambda v: (
        ["--header", f"Cookie: session={v['a']}; theme={v['b']}"],
        {"a": v["a"], "b": v["b"]},
    ),
    "x-api-key": lambda v: (["--header", f"X-Api-Key: {v['a']}"], {"a": v["a"]}),
    "secret-header": lambda v: (
        ["--header", f"X-Tenant-Key: {v['a']}", "--secret-header", "X-Tenant-Key"],
        {"a": v["a"]},
    ),
}


@pytest.mark.parametrize("case", list(HEADER_CASES))
def test_item02_header_secrets_echoed_by_target_are_masked(tmp_path, serve, case):
    values = {"a": canary("hdrA"), "b": canary("hdrB")}
    args, secret_values = HEADER_CASES[case](values)
    srv = serve(echo_app())
    run = run_harness(tmp_path, ["--target", srv.url, *args], env={"CONFORMANCE_TOKEN": canary("tok2")})
    assert srv.requests, run
    assert run.rc in (1, 3), run
    run.assert_no_leak(secret_values)


def basic_echo_app():
    """Decodes a Basic credential and echoes `user:password` and the password alone, in every spelling."""

    def app(req: Request) -> bytes:
        auth = req.header("Authorization") or ""
        decoded = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else ""
        password = decoded.partition(":")[2]
        forms = [f for v in (decoded, password) for f in _encodings(v)]
        body = {"userId": decoded, "id": str(uuid.uuid4()), "@odata.type": ODATA_TYPE, "msg": password}
        body.update({f"echo{i}": f for i, f in enumerate(forms)})
        headers = [("X-Echo", decoded), ("client-request-id", password)]
        return response(201, "Created " + decoded, headers, body)

    return app


def test_item02_basic_credentials_are_masked_decoded_too(tmp_path, serve):
    password = canary("basic")
    srv = serve(basic_echo_app())
    credential = base64.b64encode(f"alice:{password}".encode()).decode()
    run = run_harness(tmp_path, ["--target", srv.url, "--header", f"Authorization: Basic {credential}"])
    assert srv.requests, run
    run.assert_no_leak({"password": password, "user:password": f"alice:{password}"})


# ------------------------------------------------------------------------------ item 3


def test_item03_long_jwt_is_masked_before_any_cut(tmp_path, serve):
    jwt = make_jwt()
    header, claims, sig = jwt.split(".")
    srv = serve(jwt_echo_app())
    run = run_harness(tmp_path, ["--target", srv.url], env={"CONFORMANCE_TOKEN": jwt})
    assert srv.requests, run
    run.assert_no_leak({"jwt": jwt, "jwt-header": header, "jwt-claims": claims, "jwt-signature": sig})


# ------------------------------------------------------------------------------ item 4

_GARBLED = re.compile(r"[A-Za-z0-9]\*\*\*|\*\*\*[A-Za-z0-9]")


def _curls(o, out):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "curl" and isinstance(v, str):
                out.append(v)
            else:
                _curls(v, out)
    elif isinstance(o, list):
        for v in o:
            _curls(v, out)
    return out


def test_item04_short_token_does_not_garble_report(tmp_path, serve):
    srv = serve(graph_app(expected_token="x"))  # says nothing containing the letter x
    run = run_harness(tmp_path, ["--target", srv.url, "--token", "x"])
    assert run.rc in (0, 1), run
    texts = artifacts(run.report_dir)
    texts["<stdout>"] = run.out
    garbled = {}
    for where, text in texts.items():
        hits = [text[max(0, m.start() - 25) : m.end() + 25] for m in _GARBLED.finditer(text)]
        if hits:
            garbled[where] = (len(hits), hits[:3])
    assert not garbled, f"masking a short token garbled the harness's own text: {garbled}"
    rep = run.report()
    for c in _curls(rep, []):
        assert "***" not in c, f"curl command garbled: {c}"
        for m in re.finditer(r"client-request-id: ([^'\"]+)", c):
            assert re.fullmatch(r"[0-9a-fA-F-]{36}", m.group(1)), c
    assert re.search(r"too short to mask", texts.get("report.md", "") + json.dumps(rep)), (
        "the report does not say the token is too short to mask safely"
    )


def test_item04_a_short_token_echoed_as_a_whole_value_is_still_masked(tmp_path, serve):
    """A LEGAL short token stays readable in the harness's words; echoed alone by the target it is masked."""

    def app(req: Request) -> bytes:
        tok = (req.header("Authorization") or "  ")[7:]
        body = {"userId": tok, "id": str(uuid.uuid4()), "@odata.type": ODATA_TYPE, "note": f"token {tok}."}
        return response(201, "Created", [("X-Echo", tok)], body)

    srv = serve(app)
    run = run_harness(tmp_path, ["--target", srv.url, "--token", "q7"])
    rep = run.report_dir / "report.json"
    text = rep.read_text("utf-8")
    assert "q7" not in text, [text[max(0, m.start() - 40) : m.end() + 40] for m in re.finditer("q7", text)][
        :3
    ]


# ------------------------------------------------------------------------------ --target


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/?code={s}",
        "http://alice:{s}@127.0.0.1:{port}/",
        "http://alice:a/{s}@127.0.0.1:{port}/",
    ],
    ids=["query", "userinfo", "userinfo-with-slash"],
)
def test_a_secret_in_the_target_url_is_not_printed(tmp_path, serve, url):
    secret = canary("url")
    srv = serve(graph_app())
    run = run_harness(tmp_path, ["--target", url.format(port=srv.port, s=secret), "--token", canary("t")])
    assert run.rc == 2, run
    run.assert_no_leak({"secret": secret})


# ------------------------------------------------------------------ second blind trial: UTF-16/32 bodies (V1)


def wide_echo_app(codec: str, content_type: str):
    """Echoes every secret part it was sent in a JSON body encoded in UTF-16/32 (from the second blind
    trial: `echo_channel[utf16-body]`, `[utf32-body]`, `[utf16-no-charset-bom]`)."""

    def app(req: Request) -> bytes:
        parts = _secret_parts(req)
        body = {
            "userId": "u",
            "id": str(uuid.uuid4()),
            "@odata.type": ODATA_TYPE,
            "echo": " ".join(parts),
            "error": {"code": "Echo", "message": f"credential {parts[-1] if parts else ''} is not valid"},
        }
        return response(
            201, "Created", [("OData-Version", "4.0")], json.dumps(body).encode(codec), content_type
        )

    return app


@pytest.mark.parametrize(
    ("codec", "content_type"),
    [
        ("utf-16", "application/json; charset=utf-16"),
        ("utf-32", "application/json; charset=utf-32"),
        ("utf-16", "application/json"),
        ("utf-16-le", "application/json"),
    ],
    ids=["utf16-body", "utf32-body", "utf16-no-charset-bom", "utf16-nul-interleaved"],
)
def test_blind2_a_utf16_or_utf32_body_never_prints_a_secret(tmp_path, serve, codec, content_type):
    values = {"token": canary("w16t"), "cookie": canary("w16c"), "key": canary("w16k")}
    srv = serve(wide_echo_app(codec, content_type))
    args = ["--target", srv.url, "-v", "--header", f"Cookie: a={values['cookie']}"]
    run = run_harness(
        tmp_path,
        [*args, "--header", f"X-Api-Key: {values['key']}"],
        env={"CONFORMANCE_TOKEN": values["token"]},
    )
    assert srv.requests, run
    assert run.rc in (1, 3), run
    run.assert_no_leak(values)
    for text in artifacts(run.report_dir).values():  # and not NUL-interleaved either
        for v in values.values():
            assert v not in text.replace("\0", "").replace("\\u0000", ""), "NUL-interleaved secret"
    report = (run.report_dir / "report.json").read_text("utf-8")
    assert '"body_decoded_from": "utf-' in report, "the record says the body was decoded from UTF-16/32"


# ------------------------------------------------------------------ second blind trial: any scheme (V2)


def bare_echo_app():
    """Echoes every header value it got and every piece of it (split on whitespace , ; : = and quotes) in
    a body, an error message and a header (the blind tester's `_bare_echo`)."""

    def app(req: Request) -> bytes:
        parts = []
        for k, v in req.headers:
            if k.lower() in (
                "host",
                "content-length",
                "content-type",
                "accept",
                "accept-encoding",
                "connection",
            ):
                continue
            parts += [v, *re.split(r"[\s,;:=\"]+", v)]
        msg = " | ".join(p for p in parts if p)
        body = {"userId": "u", "id": str(uuid.uuid4()), "@odata.type": ODATA_TYPE, "echo": msg}
        body["error"] = {"code": "Echo", "message": "got " + msg}
        return response(201, "Created", [("OData-Version", "4.0"), ("X-Echo", msg[:2000])], body)

    return app


@pytest.mark.parametrize(
    "header",
    [
        "Authorization: SharedKey acct:{t}",
        "Authorization: Token token={t}",
        'Authorization: Digest username="u", realm="r", response="{t}"',
        "Proxy-Authorization: SharedKeyLite acct:{t}",
    ],
    ids=["sharedkey", "token-scheme", "digest", "proxy-sharedkeylite"],
)
def test_blind2_the_credential_of_any_scheme_is_masked_bare(tmp_path, serve, header):
    t = canary("scheme").rstrip("=")  # `=` is a separator for the echo: the bare value is echoed whole
    srv = serve(bare_echo_app())
    run = run_harness(tmp_path, ["--target", srv.url, "-v", "--no-auth", "--header", header.format(t=t)])
    assert srv.requests, run
    assert any(t in v for r in srv.requests for _, v in r.headers), "the credential was sent"
    run.assert_no_leak({"credential": t})


# ------------------------------------------------------------------ second blind trial: case-changed (V5)


def case_echo_app():
    """Echoes every secret part lower-cased, upper-cased and case-swapped (`echo_channel[case-changed]`)."""

    def app(req: Request) -> bytes:
        parts = _secret_parts(req)
        echo = " ".join(f"{p.lower()} {p.upper()} {p.swapcase()}" for p in parts)
        body = {"userId": "u", "id": str(uuid.uuid4()), "@odata.type": ODATA_TYPE, "echo": echo}
        body["error"] = {"code": "Echo", "message": f"bad credential {echo}"}
        first = parts[-1].upper() if parts else ""
        return response(201, f"Created {first}", [("OData-Version", "4.0"), ("X-Echo", first)], body)

    return app


def test_blind2_a_secret_echoed_in_another_case_is_masked(tmp_path, serve):
    values = {"token": canary("CaseT"), "cookie": canary("CaseC"), "key": canary("CaseK")}
    srv = serve(case_echo_app())
    args = ["--target", srv.url, "-v", "--header", f"Cookie: a={values['cookie']}"]
    run = run_harness(
        tmp_path,
        [*args, "--header", f"X-Api-Key: {values['key']}"],
        env={"CONFORMANCE_TOKEN": values["token"]},
    )
    assert srv.requests, run
    texts = [*artifacts(run.report_dir).values(), run.out, run.err]
    for label, v in values.items():
        for change in (str.lower, str.upper, str.swapcase):
            for text in texts:
                assert change(v) not in text, (label, change.__name__)
    run.assert_no_leak(values)

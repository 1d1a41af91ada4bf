"""A real run against a create server whose every answer carries markup, its report.html in headless Chromium.

The server answers 201 with `<script>` / `<img onerror>` payloads in every JSON field, in header
values and in the reason phrase, and 400/401 with the same payloads in error bodies. Every payload
would set `document.title` to PWNED if it ran. The page Chromium builds must keep its own title, hold
no element the target wrote, and show the payloads as text. The screenshot goes to
reports/report-screenshot.png. Without Chromium the tests skip, unless CI is set (then they fail).
"""

from __future__ import annotations

import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conformance.cli import main
from tests.test_html_browser import browse, chromium, title  # noqa: F401 - chromium is a fixture

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
PWN = "PWNED"
SCRIPT = f"<script>document.title='{PWN}'</script>"
IMG = f"<img src=x onerror=\"document.title='{PWN}'\">"
SVG = f"<svg onload=\"document.title='{PWN}'\"></svg>"
BREAKOUT = f"</code></pre></details><script>document.title='{PWN}'</script>"
PAYLOADS = (SCRIPT, IMG, SVG, BREAKOUT)


class _Handler(BaseHTTPRequestHandler):
    """A create endpoint that is conformant-looking in shape and hostile in every string."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, status: int, doc: object, reason: str) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Script", SCRIPT)
        self.send_header("X-Img", IMG)
        self.send_header("Location", f"javascript:document.title='{PWN}'")
        self.send_header("request-id", BREAKOUT)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status: int) -> None:
        doc = {"error": {"code": SCRIPT, "message": IMG, "innerError": {"request-id": SVG, "date": BREAKOUT}}}
        self._answer(status, doc, f"Bad {SCRIPT}")

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.headers.get("Authorization"):
            return self._error(401)
        try:
            sent = json.loads(raw)
        except (ValueError, RecursionError):
            return self._error(400)
        if not isinstance(sent, dict) or not isinstance(sent.get("userId"), str):
            return self._error(400)
        doc = {
            "@odata.context": BREAKOUT,
            "@odata.type": SVG,
            "id": SCRIPT,
            "userId": IMG,
            "deletedDateTime": SCRIPT,
            SCRIPT: IMG,
        }
        self._answer(201, doc, f"Created {IMG}")

    def do_GET(self) -> None:
        self._error(400)

    do_PUT = do_DELETE = do_PATCH = do_GET


@pytest.fixture
def hostile_create() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def report(hostile_create: str, tmp_path: Path) -> Path:
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--target", hostile_create, "--token", "browser-token-3c1f", "--report-dir"]
    argv += [str(tmp_path / "reports"), "--examples", "3", "--seed", "1", "--timeout", "5"]
    code = main(argv, out=out, err=err)
    assert code in (1, 3), out.getvalue() + err.getvalue()
    page: Path = tmp_path / "reports" / "report.html"
    return page


def test_chromium_runs_such_payloads_when_not_escaped(chromium: str, tmp_path: Path) -> None:  # noqa: F811
    # The control: the detector works, so a clean DOM below means escaping held, not a blind browser.
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><title>control</title><body>{IMG}</body>", encoding="utf-8")
    dom = browse(chromium, tmp_path, page.as_uri(), "--dump-dom", "--virtual-time-budget=2000")
    assert title(dom) == PWN


def test_report_of_hostile_target_runs_no_payload(chromium: str, report: Path, tmp_path: Path) -> None:  # noqa: F811
    text = report.read_text(encoding="utf-8")
    # the payloads reached the report, escaped
    assert "&lt;script&gt;document.title=" in text
    assert "&lt;img src=x onerror=" in text
    dom = browse(chromium, tmp_path, report.as_uri(), "--dump-dom", "--virtual-time-budget=2000")
    assert title(dom) == title(text)
    assert title(dom).startswith("Conformance ")
    assert PWN not in title(dom)
    assert dom.count("<script") == text.count("<script"), "the DOM holds a script the report did not write"
    assert not re.search(r"<(img|svg|iframe)\b", dom, re.I), "an element from the target made it into the DOM"
    assert not re.search(r"<[a-z][^>]*\son(error|load)=", dom, re.I), "an event handler made it into the DOM"
    assert "&lt;script&gt;document.title=" in dom  # shown as text


def test_report_screenshot_has_the_verdict_on_top(chromium: str, report: Path, tmp_path: Path) -> None:  # noqa: F811
    out = REPO / "reports" / "report-screenshot.png"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    browse(chromium, tmp_path, report.as_uri(), f"--screenshot={out}", "--window-size=1280,900")
    assert out.is_file()
    assert out.stat().st_size > 10_000
    dom = browse(chromium, tmp_path, report.as_uri(), "--dump-dom")
    body = dom[dom.index("<body") :]
    verdict = re.search(r"\b(FAIL|ERROR|UNDECIDED|NOT CONFORMANT)\b", body)
    assert verdict is not None
    first_check = body.find('<details class="check')
    assert first_check == -1 or verdict.start() < first_check, "the verdict is not above the checks"

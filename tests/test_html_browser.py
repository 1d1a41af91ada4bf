"""report.html in headless Chromium: hostile payloads never run, the one hashed script does.

Needs /usr/bin/chromium (Debian: `apt-get install -y chromium`). Without it the tests skip, unless
the environment variable CI is set, where a missing browser is a failure. The hostile report's
screenshot is saved to reports/report-screenshot.png for a human to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.reporters import html as html_reporter
from tests.reporters.sample_runs import failing_run, hostile_run

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    found = next(
        (p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and os.path.exists(p)), None
    )
    if found is None:
        reason = "headless Chromium not found at /usr/bin/chromium (install: apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI is set, so the browser test must run")
        pytest.skip(reason)
    return found


def browse(chromium: str, tmp_path: Path, url: str, *extra: str) -> str:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    profile.mkdir()
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *extra, url],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def write_page(tmp_path: Path, text: str, name: str = "report.html") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def title(dom: str) -> str:
    m = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert m, dom[:500]
    return m.group(1)


def test_hostile_report_runs_no_payload(chromium, tmp_path):
    page = write_page(tmp_path, html_reporter.render(hostile_run()))
    dom = browse(chromium, tmp_path, page.as_uri(), "--dump-dom")
    assert title(dom) == "Conformance FAIL: create-outboundshareduserprofile.md"
    assert "PWNED" not in title(dom)
    assert "<img" not in dom
    assert dom.count("<script") == 1
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in dom
    # The one hashed script ran under the CSP: it revealed the filter bar and counted the checks.
    assert re.search(r'<form id="filters" class="filters">', dom)
    assert "3 of 3 checks shown" in dom


def test_csp_blocks_a_script_that_slipped_through(chromium, tmp_path):
    # If escaping ever failed, the CSP is the second wall: an injected inline script must not run.
    text = html_reporter.render(failing_run())
    injected = text.replace("<main>", "<main><script>document.title='PWNED'</script>", 1)
    dom = browse(chromium, tmp_path, write_page(tmp_path, injected).as_uri(), "--dump-dom")
    assert title(dom) == "Conformance FAIL: create-outboundshareduserprofile.md"


def test_filters_from_the_address(chromium, tmp_path):
    page = write_page(tmp_path, html_reporter.render(failing_run()))
    dom = browse(chromium, tmp_path, page.as_uri() + "#status=fail&level=MUST", "--dump-dom")
    tags = re.findall(r'<details class="check[^>]*>', dom)
    ids = [re.search(r'id="check-([^"]+)"', t).group(1) for t in tags]  # type: ignore[union-attr]
    visible = sorted(cid for cid, t in zip(ids, tags, strict=True) if " hidden" not in t)
    assert visible == ["CREATE-003", "FUZZ-001"]
    assert len(tags) == 6
    assert "2 of 6 checks shown" in dom


def test_screenshot(chromium, tmp_path):
    page = write_page(tmp_path, html_reporter.render(hostile_run()))
    out = REPO / "reports" / "report-screenshot.png"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    browse(chromium, tmp_path, page.as_uri(), f"--screenshot={out}", "--window-size=1280,900")
    assert out.exists()
    assert out.stat().st_size > 10_000

"""A secret written into a waivers file (a reason or `contains` pasted from a log, even a check id) never
reaches an output: waiver text goes through the redaction boundary, with the secrets the run sends (the
token and secret header values), before the terminal, a report or pytest shows it.

Legal: the same waivers without a secret are shown word for word, and a masked waiver still waives.
Broken (before the fix): the token was printed twice and written into every report.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.contract.openapi import load_spec
from conformance.reference.server import ReferenceServer

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "SekretTok-5f1c2d3e4b5a69788796a5b4c3d2e1f0"
HEADER_SECRET = "HdrSecret-0a9b8c7d6e5f4a3b"
SECRETS = (TOKEN, HEADER_SECRET)


@pytest.fixture(scope="module")
def repeats():
    """Ids repeat (CREATE-009 fails with two findings "... already given to ..."); CREATE-001 passes."""
    spec = load_spec(ROOT / "specs" / "outboundSharedUserProfile.openapi.yaml")
    with ReferenceServer(spec, faults=["id-repeats"], token=TOKEN) as server:
        yield server.url


def run(url: str, tmp_path: Path, waivers: str) -> tuple[int, str, str, Path]:
    path = tmp_path / "waivers.yaml"
    path.write_text(waivers, encoding="utf-8")
    reports = tmp_path / "r"
    out, err = io.StringIO(), io.StringIO()
    argv = ["run", "--target", url, "--token", TOKEN, "--header", f"X-Api-Key: {HEADER_SECRET}",
            "--check", "CREATE-*", "--examples", "0", "--seed", "3", "--report-dir", str(reports),
            "--waivers", str(path)]  # fmt: skip
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue(), reports


def everything(out: str, err: str, reports: Path) -> str:
    files = sorted(reports.iterdir()) if reports.exists() else []
    return out + err + "".join(f.read_text(encoding="utf-8", errors="replace") for f in files)


def waivers(reason: str, contains: str) -> str:
    return (
        f"- check: CREATE-009\n  reason: {json.dumps(reason)}\n  expires: 2099-12-31\n"
        f"  contains: already given\n"
        # CREATE-001 passes: a stale waiver, whose detail quotes its `contains`
        f"- check: CREATE-001\n  reason: r\n  expires: 2099-12-31\n  contains: {json.dumps(contains)}\n"
    )


def test_a_secret_in_a_reason_or_contains_is_masked_everywhere_and_the_waiver_still_waives(repeats, tmp_path):
    code, out, err, reports = run(
        repeats, tmp_path, waivers(f"leaked {TOKEN} and {HEADER_SECRET} in a log", f"got {TOKEN}")
    )
    assert code == 0, out + err  # the waiver still applies
    shown = everything(out, err, reports)
    for secret in SECRETS:
        assert secret not in shown
    assert "leaked *** and *** in a log" in out
    assert r"leaked \*\*\* and \*\*\* in a log" in (reports / "report.md").read_text(encoding="utf-8")
    data = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert [w["state"] for w in data["waivers"]] == ["waived", "stale"]
    assert data["waivers"][1]["contains"] == "got ***"


def test_waivers_without_a_secret_are_shown_word_for_word(repeats, tmp_path):
    reason = "ids repeat after a restart; SekretTok is the mock's name, fix in PR 412"
    code, out, err, reports = run(repeats, tmp_path, waivers(reason, "got 7f3b"))
    assert code == 0, out + err
    assert reason in out
    data = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    assert data["waivers"][0]["reason"] == reason
    assert data["waivers"][1]["contains"] == "got 7f3b"


def test_a_secret_in_a_malformed_waivers_file_is_masked_in_the_one_line(repeats, tmp_path):
    code, out, err, _reports = run(
        repeats, tmp_path, f"- check: {TOKEN}\n  reason: r\n  expires: 2099-12-31\n"
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "is not a check id" in err
    assert TOKEN not in out + err
    code, out, err, _ = run(repeats, tmp_path, f"- check: CREATE-009\n  {HEADER_SECRET}: r\n")
    assert code == 2
    assert "unknown key" in err
    assert HEADER_SECRET not in out + err

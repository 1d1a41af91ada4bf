"""`conformance compare OLD NEW`: real runs of the harness compared (the README's example, run as written),
and hand-made reports for each kind of change, for the next schema version with WAIVED, for unreadable or
incompatible reports (exit 2) and for hostile text in a report (escaped on the terminal and in Markdown)."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.cli import main

ROOT = Path(__file__).resolve().parents[1]


def call(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _readme_lines() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```bash\n(.*?)```", readme, re.S) if "conformance compare" in b]
    return [line for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    """The README's example, each line run as written by bash in an empty folder."""
    work = tmp_path_factory.mktemp("compare")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
    env["PYTHONPATH"] = str(ROOT)
    done = [
        subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        for line in _readme_lines()
    ]
    return work, done


def test_readme_example_finds_the_regression(runs):
    _, (before, after, compared) = runs
    assert (before.returncode, after.returncode) == (0, 1), before.stderr + after.stderr
    assert compared.returncode == 1, compared.stdout + compared.stderr
    out = compared.stdout
    assert "verdict: pass -> fail (worse)" in out
    assert re.search(r"^  CREATE-004 MUST pass -> fail: id '.*' is not GUID shaped$", out, re.M)
    assert re.fullmatch(
        r"[1-9]\d* regressed, 0 fixed, 0 added, 0 removed, 0 other status changes, \d+ unchanged",
        out.splitlines()[-1],
    )


def test_the_other_way_round_is_fixed_and_exit_0(runs):
    work, _ = runs
    code, out, _ = call("compare", str(work / "after" / "report.json"), str(work / "before" / "report.json"))
    assert code == 0
    assert "verdict: fail -> pass (better)" in out
    assert re.search(r"^fixed \([1-9]\d*\):$", out, re.M)
    assert "  CREATE-004 MUST fail -> pass" in out


def test_same_report_twice_changes_nothing(runs):
    work, _ = runs
    report = str(work / "before" / "report.json")
    code, out, _ = call("compare", report, report)
    assert code == 0
    assert "verdict: pass (unchanged)" in out
    code, md, _ = call("compare", report, report, "--format", "markdown")
    assert code == 0
    assert "No check changed status." in md


def _report(
    path: Path,
    checks: list[dict],
    verdict: str = "pass",
    version: str = "1.0",
    failing_levels: tuple[str, ...] = ("MUST",),
) -> str:
    report = {
        "schema_version": version,
        "verdict": verdict,
        "failing_levels": failing_levels,
        "checks": checks,
    }
    path.write_text(json.dumps(report), encoding="utf-8")
    return str(path)


def _c(cid: str, status: str, level: str = "MUST", message: str = "") -> dict:
    return {
        "id": cid,
        "level": level,
        "status": status,
        "findings": [{"message": message}] if message else [],
        "error": None,
    }


def test_every_kind_of_change(tmp_path: Path):
    old = _report(
        tmp_path / "old.json",
        [_c("A", "pass"), _c("B", "fail", message="b"), _c("C", "pass"), _c("D", "skip"), _c("E", "error")],
        verdict="fail",
    )
    new = _report(
        tmp_path / "new.json",
        [
            _c("A", "fail", message="a broke"),
            _c("B", "pass"),
            _c("D", "error"),
            _c("E", "error"),
            _c("F", "pass"),
        ],
        verdict="fail",
        version="1.1",
    )
    code, out, _ = call("compare", old, new)
    assert code == 1
    assert "regressed (1):\n  A MUST pass -> fail: a broke\n" in out
    assert "fixed (1):\n  B MUST fail -> pass\n" in out
    assert "added (1):\n  F MUST (new) -> pass\n" in out
    assert "removed (1):\n  C MUST pass -> (gone)\n" in out
    assert "other status changes (1):\n  D MUST skip -> error\n" in out
    assert out.endswith("1 regressed, 1 fixed, 1 added, 1 removed, 1 other status changes, 1 unchanged\n")


def test_waived_is_not_failing_and_a_worse_verdict_is_a_regression(tmp_path: Path):
    old = _report(tmp_path / "old.json", [_c("A", "fail", message="x")], verdict="fail")
    new = _report(tmp_path / "new.json", [_c("A", "waived", message="x")], verdict="pass", version="1.1")
    code, out, _ = call("compare", old, new)
    assert code == 0
    assert "other status changes (1):\n  A MUST fail -> waived\n" in out
    code, out, _ = call("compare", new, old)
    assert code == 1  # waived -> fail: failing again
    assert "regressed (1)" in out
    worse = _report(tmp_path / "worse.json", [_c("A", "error")], verdict="error")
    code, out, _ = call("compare", _report(tmp_path / "ok.json", [_c("A", "pass")]), worse)
    assert code == 1
    assert "verdict: pass -> error (worse)" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "No such file"),
        ("not json", "it is not JSON"),
        ("[]", "not a JSON object"),
        ('{"verdict": "pass", "checks": []}', "schema_version is missing"),
        ('{"schema_version": "9.0", "verdict": "pass", "checks": []}', "schema_version 9.0 is not one"),
        ('{"schema_version": "2.0", "verdict": "pass", "checks": []}', "schema_version 2.0 is not one"),
        ('{"schema_version": "1.0", "verdict": "meh", "checks": []}', "verdict is 'meh', not one of"),
        (
            '{"schema_version": "1.0", "verdict": "pass", "failing_levels": ["MUST"], "checks": '
            '[{"id": "A", "level": "MUST", "status": "odd", "findings": [], "error": null}]}',
            "checks[0].status is 'odd', not one of pass, fail, skip, error, waived",
        ),
        (
            '{"schema_version": "1.0", "verdict": "pass", "failing_levels": ["MUST"], "checks": '
            '[{"id": "A", "level": "MUST", "status": "pass", "findings": [], "error": null}, '
            '{"id": "A", "level": "MUST", "status": "pass", "findings": [], "error": null}]}',
            "appears twice",
        ),
        ('{"schema_version": "1.0", "verdict": "pass", "checks": []}', "failing_levels is missing"),
    ],
)
def test_unreadable_or_incompatible_reports_are_exit_2(tmp_path: Path, content: str | None, says: str):
    good = _report(tmp_path / "good.json", [_c("A", "pass")])
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content, encoding="utf-8")
    for argv in ((good, str(bad)), (str(bad), good)):
        code, out, err = call("compare", *argv)
        assert code == 2
        assert out == ""
        assert len(err.splitlines()) == 1
        assert says in err
        assert "Traceback" not in err


def test_a_directory_is_refused(tmp_path: Path):
    code, _, err = call("compare", str(tmp_path), str(tmp_path))
    assert code == 2
    assert "directory" in err


def test_hostile_text_is_escaped(tmp_path: Path):
    evil_id = "X-1\x1b[2J\x1b]0;pwned\x07"
    evil_msg = "| broke | table |\n## heading <script>alert(1)</script> ![x](http://e.invalid/x.png) \u202e"
    old = _report(tmp_path / "old.json", [_c(evil_id, "pass")])
    new = _report(tmp_path / "new.json", [_c(evil_id, "fail", message=evil_msg)], verdict="fail")
    code, out, _ = call("compare", old, new)
    assert code == 1
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\u202e" not in out
    assert "X-1\\x1b[2J" in out
    code, md, _ = call("compare", old, new, "--format", "markdown")
    rows = [line for line in md.splitlines() if line.startswith("| regressed")]
    assert len(rows) == 1
    assert rows[0].count(" | ") == 5  # six cells: the finding's pipes are escaped
    assert "<script>" not in md
    assert "![x]" not in md
    assert "\n## heading" not in md


# Every field `compare` reads, as a JSON path into a real report ("I" is a check with a finding).
READ_FIELDS = [
    ("schema_version",),
    ("verdict",),
    ("failing_levels",),
    ("failing_levels", 0),
    ("checks",),
    ("checks", "I"),
    ("checks", "I", "id"),
    ("checks", "I", "level"),
    ("checks", "I", "status"),
    ("checks", "I", "findings"),
    ("checks", "I", "findings", 0),
    ("checks", "I", "findings", 0, "message"),
    ("checks", "I", "error"),
]
MISSING = object()
WRONG = [MISSING, {"x": 1}, ["x"], [], 0, -1, 1.5, True, False, None, "", "x", "1.1", "fail", "MUST"]


def _legal(field: str, value: object) -> bool:
    """Whether `value` is allowed at `field` by the report schema (the few the candidates hit)."""
    if value is MISSING:
        return False
    if field == "schema_version":
        return value == "1.1"
    if field in ("verdict", "status"):
        return value in ("pass", "fail", "error", "skip", "waived") and (field == "status" or value != "skip")
    if field in ("level", "failing_levels[]"):
        return value == "MUST"
    if field in ("failing_levels", "checks", "findings"):
        return value == []
    if field in ("id", "message"):
        return isinstance(value, str) and (field == "message" or value != "")
    if field == "error":
        return value is None or isinstance(value, str)
    return False  # a check or a finding must be an object


def _label(path: tuple[object, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if n else str(p)) for n, p in enumerate(path))


def test_every_field_compare_reads_with_every_wrong_type_is_exit_2(runs, tmp_path: Path):
    """Property: a real report with any one field compare reads made wrong is refused in one line, exit 2,
    as OLD and as NEW; never a traceback, never exit 1 (a corrupt report must not look like a regression)."""
    work, _ = runs
    good = work / "after" / "report.json"
    real = json.loads(good.read_text(encoding="utf-8"))
    index = next(n for n, c in enumerate(real["checks"]) if c["findings"])
    bad = tmp_path / "bad.json"
    tried = 0
    for template in READ_FIELDS:
        path = tuple(index if p == "I" else p for p in template)
        names = {("failing_levels", 0): "failing_levels[]", ("checks", "I"): "check"}
        name = names.get(template, "finding" if template[-1] == 0 else str(template[-1]))
        for value in WRONG:
            if _legal(name, value) or (value is MISSING and isinstance(path[-1], int)):
                continue
            data = json.loads(json.dumps(real))
            parent = data
            for p in path[:-1]:
                parent = parent[p]
            if value is MISSING:
                del parent[path[-1]]
            else:
                parent[path[-1]] = value
            bad.write_text(json.dumps(data), encoding="utf-8")
            for argv in ((str(good), str(bad)), (str(bad), str(good))):
                code, out, err = call("compare", *argv)
                what = f"{_label(path)} = {value!r}"
                assert (code, out) == (2, ""), what
                assert len(err.splitlines()) == 1, what
                assert "Traceback" not in err, what
                assert _label(path) in err or _label(path[:-1]) in err, (what, err)
                tried += 1
    assert tried > 200


def test_a_wrong_status_type_in_a_process_is_one_line_exit_2(runs, tmp_path: Path):
    """The blind tester's case, through the real command: `status` an object gave a traceback and exit 1."""
    work, _ = runs
    good = work / "before" / "report.json"
    data = json.loads(good.read_text(encoding="utf-8"))
    data["checks"][3]["status"] = {"x": 1}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for argv in ((good, bad), (bad, good)):
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "compare", *map(str, argv)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.splitlines()) == 1
        assert "checks[3].status is an object, not one of" in done.stderr


def test_a_new_check_failing_at_a_counted_level_is_a_regression(tmp_path: Path):
    old = _report(tmp_path / "old.json", [_c("A", "pass")])
    added = [
        _c("N", "fail", message="n broke"),
        _c("S", "fail", level="SHOULD", message="s broke"),
        _c("P", "pass"),
        _c("K", "skip"),
        _c("W", "waived", message="known"),
        _c("E", "error"),
    ]
    new = _report(tmp_path / "new.json", [_c("A", "pass"), *added], verdict="fail", version="1.1")
    code, out, _ = call("compare", old, new)
    assert code == 1
    assert "regressed (1):\n  N MUST added, failing: n broke\n" in out
    assert (
        "added (5):\n  S SHOULD (new) -> fail: s broke\n  P MUST (new) -> pass\n  K MUST (new) -> skip\n"
        "  W MUST (new) -> waived\n  E MUST (new) -> error\n"
    ) in out
    code, md, _ = call("compare", old, new, "--format", "markdown")
    assert "| added, failing | N | MUST | - | fail | n broke |" in md
    assert "| added | S | SHOULD | - | fail | s broke |" in md
    # --strict's run counts SHOULD too: then S is a regression as well
    strict = _report(
        tmp_path / "strict.json",
        [_c("A", "pass"), *added],
        verdict="fail",
        failing_levels=("MUST", "SHOULD"),
    )
    code, out, _ = call("compare", old, strict)
    assert code == 1
    assert "regressed (2):\n  N MUST added, failing: n broke\n  S SHOULD added, failing: s broke\n" in out
    # without N, nothing new counts: added only, exit 0
    calm = _report(tmp_path / "calm.json", [_c("A", "pass"), *added[1:]], version="1.1")
    code, out, _ = call("compare", old, calm)
    assert code == 0
    assert "0 regressed, 0 fixed, 5 added" in out
    # and the other way round the new checks are just removed
    code, out, _ = call("compare", new, old)
    assert code == 0
    assert "removed (6):" in out


def test_help_and_readme_state_the_regression_rule(capsys: pytest.CaptureFixture[str]):
    from conformance.cli import COMPARE_RULES

    code, _, _ = call("compare", "--help")
    assert code == 0
    out = capsys.readouterr().out  # argparse prints --help to sys.stdout
    assert " ".join(COMPARE_RULES.split()) in " ".join(out.split())
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for sentence in (
        "A check regressed when it fails now and did not fail before (pass, skip, waived or error became"
        " fail, at any level), or when it is new in NEW and fails at a level that counted in NEW's run",
        "A new check that passes, is skipped, is waived, errors or fails at a level that did not count is"
        " just added.",
    ):
        assert sentence in readme
        assert sentence.split(" (its")[0].replace('"', "'") in " ".join(COMPARE_RULES.split())


def test_markdown_keeps_ids_readable(runs):
    work, _ = runs
    code, md, _ = call(
        "compare",
        str(work / "before" / "report.json"),
        str(work / "after" / "report.json"),
        "--format",
        "markdown",
    )
    assert code == 1
    assert "\nverdict: pass -> fail (worse)\n" in md
    assert re.search(
        r"^\| regressed \| CREATE-004 \| MUST \| pass \| fail \| id '.*' is not GUID shaped \|$", md, re.M
    )
    assert "\\-" not in md
    assert "\\(" not in md


def test_markdown_renders_hostile_text_as_text_on_github(tmp_path: Path):
    """Rendered by cmark-gfm (GitHub's own renderer, with its extensions): no element from a report."""
    cmarkgfm = pytest.importorskip("cmarkgfm", reason="pip install '.[test]' installs cmarkgfm")
    hostile = [
        "| broke | table |",
        "# heading",
        "1. item",
        "- item",
        "> quote",
        "<script>alert(1)</script> <img src=x> &lt;b&gt; &#60;i&#62;",
        "![x](http://e.invalid/x.png) [l](http://e.invalid) <http://e.invalid>",
        "https://e.invalid/p www.e.invalid a@b.example mailto:a@b.example xmpp:a@b.example/x",
        "**b** __b__ *i* _i_ ~~s~~ `code` ``c``",
        "$x^2$ and $$y$$",
        "\\| \\* \\\\",
    ]
    checks_old = [_c(f"H{n}", "pass") for n in range(len(hostile))]
    checks_new = [_c(f"H{n}", "fail", message=h) for n, h in enumerate(hostile)]
    checks_old.append(_c("# id *with* `markup` <b>", "pass"))
    checks_new.append(_c("# id *with* `markup` <b>", "fail", message="x"))
    old = _report(tmp_path / "old.json", checks_old)
    new = _report(tmp_path / "new.json", checks_new, verdict="fail")
    code, md, _ = call("compare", old, new, "--format", "markdown")
    assert code == 1
    html = cmarkgfm.github_flavored_markdown_to_html(md, options=cmarkgfm.cmark.Options.CMARK_OPT_UNSAFE)
    body = html.split("<tbody>", 1)[1].replace("<code>@</code>", "@")  # an '@' in code: no e-mail link
    for tag in (
        "<a ",
        "<img",
        "<h",
        "<script",
        "<em",
        "<strong",
        "<del",
        "<code",
        "<li",
        "<blockquote",
        "<i>",
    ):
        assert tag not in body, tag
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == len(hostile) + 1
    import html as html_module

    cells = [[html_module.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r, re.S)] for r in rows]
    assert all(len(r) == 6 for r in cells)
    # each finding reads as the report had it
    assert sorted(r[5] for r in cells[:-1]) == sorted(hostile)
    assert cells[-1][1] == "# id *with* `markup` <b>"
    # GitHub renders $...$ as math: every dollar sign is escaped
    assert re.search(r"(?<!\\)\$", md.split("| --- |")[-1]) is None

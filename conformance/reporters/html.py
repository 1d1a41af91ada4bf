"""The `report.html` reporter: one self-contained page (inline CSS and JS, strict CSP), failures first."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from typing import TYPE_CHECKING, Any

from conformance.contract.spec import Level
from conformance.results import (
    CheckResult,
    Exchange,
    Finding,
    RunResult,
    Status,
    Verdict,
    WaiverOutcome,
    WaiverState,
    result_rank,
)

if TYPE_CHECKING:
    from typing import TextIO

filename = "report.html"

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_TITLE = 90

# The page's only script: shows the filter bar (hidden without JS) and hides checks whose level or
# status is unticked. `#level=MUST,SHOULD&status=fail` in the address presets the boxes.
SCRIPT = """
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  var shown = document.getElementById("shown");
  var checks = Array.prototype.slice.call(document.querySelectorAll("details.check"));
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[type=checkbox]"));
  function preset() {
    var want = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (part) {
      var kv = part.split("=");
      if (kv.length === 2 && (kv[0] === "level" || kv[0] === "status")) {
        want[kv[0]] = decodeURIComponent(kv[1]).split(",");
      }
    });
    boxes.forEach(function (box) {
      if (want[box.name]) { box.checked = want[box.name].indexOf(box.value) >= 0; }
    });
  }
  function apply() {
    var on = {};
    boxes.forEach(function (box) { on[box.name + ":" + box.value] = box.checked; });
    var n = 0;
    checks.forEach(function (c) {
      var visible = on["level:" + c.dataset.level] && on["status:" + c.dataset.status];
      c.hidden = !visible;
      if (visible) { n += 1; }
    });
    shown.textContent = n + " of " + checks.length + " checks shown";
  }
  preset();
  bar.hidden = false;
  bar.addEventListener("change", apply);
  window.addEventListener("hashchange", function () { preset(); apply(); });
  apply();
})();
"""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src '{SCRIPT_HASH}'; "
    "img-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)

_CSS = """
:root { --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --bg:#ffffff; --soft:#f6f8fa;
  --pass:#1a7f37; --fail:#cf222e; --error:#9a6700; --skip:#6e7781; --waived:#8250df; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--fg);
  background:var(--bg); }
main { max-width:1100px; margin:0 auto; padding:0 24px 48px; }
.verdict { padding:24px 0; color:#fff; }
.verdict .wrap { max-width:1100px; margin:0 auto; padding:0 24px; display:flex; gap:24px;
  align-items:center; }
.verdict.v-pass { background:var(--pass); } .verdict.v-fail { background:var(--fail); }
.verdict.v-error { background:#7d4e00; }
.verdict .badge { font-size:40px; font-weight:800; letter-spacing:.06em; padding:6px 20px;
  border:3px solid #fff; border-radius:10px; white-space:nowrap; }
.verdict h1 { margin:0 0 4px; font-size:24px; }
.verdict p { margin:2px 0; opacity:.95; }
.verdict .meta { font-size:13px; opacity:.9; overflow-wrap:anywhere; }
h2 { margin:32px 0 12px; font-size:20px; border-bottom:1px solid var(--line); padding-bottom:6px; }
table { border-collapse:collapse; }
table.counts { margin-top:20px; }
.counts td, .counts th { border:1px solid var(--line); padding:4px 14px; text-align:right; }
.counts th { background:var(--soft); } .counts th[scope=row] { text-align:left; }
.counts td.nz.fail { color:var(--fail); font-weight:700; }
.counts td.nz.error { color:var(--error); font-weight:700; }
.filters { display:flex; flex-wrap:wrap; gap:8px 20px; align-items:center; margin:16px 0; padding:10px 14px;
  background:var(--soft); border:1px solid var(--line); border-radius:8px; }
.filters[hidden] { display:none; }
.filters fieldset { border:0; margin:0; padding:0; display:flex; gap:12px; align-items:center; }
.filters legend { float:left; font-weight:600; margin-right:6px; }
.filters label { cursor:pointer; } #shown { margin-left:auto; color:var(--muted); font-size:13px; }
details.check { border:1px solid var(--line); border-left:6px solid var(--skip); border-radius:6px;
  margin:8px 0; background:#fff; }
details.check[hidden] { display:none; }
details.check.s-pass { border-left-color:var(--pass); }
details.check.s-fail { border-left-color:var(--fail); }
details.check.s-error { border-left-color:var(--error); }
details.check.s-waived { border-left-color:var(--waived); }
summary { cursor:pointer; padding:8px 12px; display:flex; flex-wrap:wrap; gap:4px 10px;
  align-items:baseline; }
summary .title { flex:1 1 300px; } summary .cite { color:var(--muted); font-size:13px; }
.st { display:inline-block; min-width:54px; text-align:center; font-size:12px; font-weight:700; color:#fff;
  border-radius:4px; padding:1px 6px; text-transform:uppercase; }
.st-pass { background:var(--pass); } .st-fail { background:var(--fail); }
.st-error { background:var(--error); }
.st-skip { background:var(--skip); }
.st-waived { background:var(--waived); }
.counts td.nz.waived { color:var(--waived); font-weight:700; }
.lv { font-size:12px; font-weight:700; border:1px solid var(--line); border-radius:4px; padding:0 6px; }
code, pre { font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; }
.body { padding:4px 16px 14px; border-top:1px solid var(--line); }
.body p { margin:6px 0; }
.finding { margin:14px 0 6px; padding:10px 14px; background:var(--soft); border-radius:6px; }
.finding h4 { margin:0 0 8px; font-size:15px; }
.finding h5 { margin:12px 0 4px; font-size:13px; color:var(--muted); text-transform:uppercase; }
dl.ea { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:0; }
dl.ea dt { font-weight:600; } dl.ea dd { margin:0; overflow-wrap:anywhere; white-space:pre-wrap; }
pre { background:#fff; border:1px solid var(--line); border-radius:6px; padding:8px 10px; margin:0;
  white-space:pre-wrap; overflow-wrap:anywhere; max-height:420px; overflow:auto; }
.warn { color:var(--error); font-weight:600; }
ul.contract li { margin:4px 0; } .sev { font-weight:700; text-transform:uppercase; font-size:12px; }
.sev-error { color:var(--fail); } .sev-warning { color:var(--error); } .sev-info { color:var(--muted); }
dl.run { display:grid; grid-template-columns:max-content 1fr; gap:4px 16px; }
dl.run dt { font-weight:600; } dl.run dd { margin:0; overflow-wrap:anywhere; }
"""

_HEADLINE = {
    Verdict.CONFORMANT: "The target conforms",
    Verdict.NOT_CONFORMANT: "The target does not conform",
    Verdict.UNDECIDED: "The harness could not decide",
}


def write(run: RunResult, stream: TextIO) -> None:
    """Write `run` as one self-contained HTML page."""
    stream.write(render(run))


def render(run: RunResult) -> str:
    """The whole page as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Conformance {run.verdict.value.upper()}: {_e(run.doc_file)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _header(run),
        "<main>",
        _counts(run),
        _filters(_shown_statuses(run)),
        '<h2 id="checks">Checks</h2>',
        '<div class="checks">',
        *(_check(r) for r in sorted(run.results, key=result_rank)),
        "</div>",
        *([_waivers(run)] if run.waivers else []),
        _contract(run),
        _details(run),
        "</main>",
        f"<script>{SCRIPT}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def _e(text: object) -> str:
    """Untrusted text, escaped for both element content and quoted attributes."""
    return html.escape(_CONTROL.sub("", str(text)), quote=True)


def _n(run: RunResult, status: Status, level: Level | None = None) -> int:
    return sum(1 for r in run.results if r.status is status and (level is None or r.check.level is level))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _header(run: RunResult) -> str:
    fails = [f"{n} {lv.value}" for lv in Level if (n := _n(run, Status.FAIL, lv))]
    fail_text = f"{_n(run, Status.FAIL)} failed" + (f" ({', '.join(fails)})" if fails else "")
    counts = " · ".join(
        [
            _plural(len(run.results), "check"),
            f"{_n(run, Status.PASS)} passed",
            fail_text,
            _plural(_n(run, Status.ERROR), "error"),
            f"{_n(run, Status.SKIP)} skipped",
            *([f"{_n(run, Status.WAIVED)} waived"] if _n(run, Status.WAIVED) else []),
        ]
    )
    seed = "none" if run.seed is None else str(run.seed)
    meta = (
        f"Target <code>{_e(run.target)}</code> · doc <code>{_e(run.doc_file)}</code> · seed {_e(seed)}"
        f" · exit code {run.verdict.exit_code} · {_e(run.finished_at)}"
    )
    return (
        f'<header class="verdict v-{_e(run.verdict.value)}" role="banner"><div class="wrap">'
        f'<div class="badge">{_e(run.verdict.value.upper())}</div>'
        f"<div><h1>{_HEADLINE[run.verdict]}</h1>"
        f'<p class="sum">{_e(counts)}</p><p class="meta">{meta}</p></div></div></header>'
    )


def _counts(run: RunResult) -> str:
    order = _shown_statuses(run)
    head = "".join(f'<th scope="col">{s.value}</th>' for s in order)
    rows = []
    for lv in Level:
        counting = "" if lv in run.failing_levels else ' <small title="does not fail the run">(info)</small>'
        cells = "".join(
            f'<td class="{s.value}{" nz" if (n := _n(run, s, lv)) else ""}">{n}</td>' for s in order
        )
        rows.append(f'<tr><th scope="row">{lv.value}{counting}</th>{cells}</tr>')
    return f'<table class="counts"><tr><th></th>{head}</tr>{"".join(rows)}</table>'


def _shown_statuses(run: RunResult) -> tuple[Status, ...]:
    """The statuses the counts table and the filters offer: waived only in a run that has waived checks."""
    waived = (Status.WAIVED,) if _n(run, Status.WAIVED) else ()
    return (Status.FAIL, Status.ERROR, *waived, Status.PASS, Status.SKIP)


def _filters(statuses: tuple[Status, ...]) -> str:
    def box(name: str, value: str) -> str:
        return f'<label><input type="checkbox" name="{name}" value="{value}" checked> {value}</label>'

    levels = "".join(box("level", lv.value) for lv in Level)
    boxes = "".join(box("status", s.value) for s in statuses)
    return (
        '<form id="filters" class="filters" hidden>'
        f"<fieldset><legend>Level</legend>{levels}</fieldset>"
        f"<fieldset><legend>Status</legend>{boxes}</fieldset>"
        '<span id="shown" aria-live="polite"></span></form>'
    )


def _title(r: CheckResult) -> str:
    text = " ".join((r.check.title or r.check.requirement).split())
    return text if len(text) <= _TITLE else text[: _TITLE - 1].rstrip() + "…"


def _check(r: CheckResult) -> str:
    c = r.check
    cite = c.doc.cite() if c.doc else "no doc location"
    opened = " open" if r.status in (Status.FAIL, Status.ERROR) else ""
    summary = (
        f'<summary><span class="st st-{r.status.value}">{r.status.value}</span>'
        f'<span class="lv">{c.level.value}</span><code class="id">{_e(c.id)}</code>'
        f'<span class="title">{_e(_title(r))}</span><span class="cite">{_e(cite)}</span></summary>'
    )
    body = [f"<p><b>Requirement ({c.level.value}):</b> {_e(c.requirement)}</p>"]
    src = "" if c.source == "doc" else f" · source: {_e(c.source)}"
    body.append(f"<p><b>Doc:</b> <code>{_e(cite)}</code>{src}</p>")
    if c.tags:
        body.append(f"<p><b>Tags:</b> {_e(', '.join(c.tags))}</p>")
    body.append(f"<p><b>Duration:</b> {r.duration_s:.3f} s · <b>requests:</b> {r.requests}</p>")
    if r.error:
        label = "Skipped because" if r.status is Status.SKIP else "Error"
        body.append(f'<p class="warn">{label}: {_e(r.error)}</p>')
    body.extend(f"<p><b>Note:</b> {_e(n)}</p>" for n in r.notes)
    body.extend(f"<p>{_waiver(w)}</p>" for w in r.waivers)
    body.extend(_finding(i, f) for i, f in enumerate(r.findings, 1))
    return (
        f'<details class="check s-{r.status.value}" id="check-{_e(c.id)}" data-level="{c.level.value}" '
        f'data-status="{r.status.value}"{opened}>{summary}<div class="body">{"".join(body)}</div></details>'
    )


def _finding(i: int, f: Finding) -> str:
    where = f" <code>{_e(f.location)}</code>" if f.location else ""
    out = [f'<section class="finding"><h4>Finding {i}: {_e(f.message)}{where}</h4>']
    e = f.evidence
    if e is not None:
        if e.expected or e.actual:
            out.append(
                f'<dl class="ea"><dt>Expected</dt><dd>{_e(e.expected) or "—"}</dd>'
                f"<dt>Actual</dt><dd>{_e(e.actual) or '—'}</dd></dl>"
            )
        if e.exchange is not None:
            out.append(_exchange(e.exchange))
        if e.seed is not None:
            out.append(f"<p><b>Seed:</b> <code>{e.seed}</code></p>")
        if e.input is not None:
            text = json.dumps(e.input, indent=2, ensure_ascii=False, default=str)
            out.append(f"<h5>Generated input</h5><pre>{_e(text)}</pre>")
    out.append("</section>")
    return "".join(out)


def _headers(pairs: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"\n{k}: {v}" for k, v in pairs)


def _exchange(x: Exchange) -> str:
    out = []
    if x.curl:
        out.append(f"<h5>Reproduce</h5><pre>{_e(x.curl)}</pre>")
    q = x.request
    cut = (
        f' <span class="warn">(body cut at {len(q.body or "")} of {q.body_size} bytes)</span>'
        if q.body_truncated
        else ""
    )
    req = f"{q.method} {q.url}{_headers(q.headers)}" + (f"\n\n{q.body}" if q.body else "")
    out.append(f"<h5>Request{cut}</h5><pre>{_e(req)}</pre>")
    if x.error:
        out.append(f'<p class="warn">Transport error: {_e(x.error)}</p>')
    s = x.response
    if s is not None:
        cut = f' <span class="warn">(body cut; {s.body_size} bytes read)</span>' if s.body_truncated else ""
        resp = f"{s.status} {s.reason}{_headers(s.headers)}" + (f"\n\n{s.body}" if s.body else "")
        out.append(f"<h5>Response{cut} · {s.elapsed_s:.3f} s</h5><pre>{_e(resp)}</pre>")
    return "".join(out)


def _waiver(w: WaiverOutcome) -> str:
    """A waiver's state, expiry, reason and why (the user's words, escaped like a target's)."""
    return (
        f'<span class="st st-{"waived" if w.state is WaiverState.WAIVED else "skip"}">{_e(w.state.value)}'
        f"</span> <b>Waiver</b> (expires {_e(w.expires)}, <code>{_e(w.where)}</code>): {_e(w.reason)} "
        f"<small>— {_e(w.detail)}</small>"
    )


def _waivers(run: RunResult) -> str:
    items = "".join(f"<li><code>{_e(w.check_id)}</code> {_waiver(w)}</li>" for w in run.waivers)
    return f'<h2 id="waivers">Waivers</h2><ul class="waivers">{items}</ul>'


def _contract(run: RunResult) -> str:
    if not run.contract:
        return '<h2 id="contract">Contract</h2><p>No doc lint findings.</p>'
    items = "".join(
        f'<li><span class="sev sev-{_e(n.severity)}">{_e(n.severity)}</span> <code>{_e(n.code)}</code> '
        f"{_e(n.message)} <small>({_e(n.where.cite())})</small></li>"
        for n in run.contract
    )
    return (
        '<h2 id="contract">Contract</h2><p>What the doc page itself leaves open or gets wrong (doc lint):</p>'
        f'<ul class="contract">{items}</ul>'
    )


def _details(run: RunResult) -> str:
    rows: list[tuple[str, Any]] = [
        ("Verdict", f"{run.verdict.value} (exit code {run.verdict.exit_code})"),
        ("Failing levels", ", ".join(lv.value for lv in run.failing_levels) or "none"),
        ("Target", run.target),
        ("Doc", f"{run.doc_file} (sha256 {run.doc_sha256 or 'unknown'})"),
        ("Spec", run.spec_file or "derived from the doc"),
        ("Seed", "none" if run.seed is None else run.seed),
        ("Started", run.started_at),
        ("Finished", run.finished_at),
        ("Harness", run.harness_version),
    ]
    dl = "".join(f"<dt>{k}</dt><dd>{_e(v)}</dd>" for k, v in rows)
    notes = "".join(f"<li>{_e(n)}</li>" for n in run.notes)
    config = json.dumps(run.config, indent=2, ensure_ascii=False, default=str, sort_keys=True)
    return (
        f'<h2 id="run">Run details</h2><dl class="run">{dl}</dl>'
        + (f"<h3>Notes</h3><ul>{notes}</ul>" if notes else "")
        + f"<details><summary>Configuration (redacted)</summary><pre>{_e(config)}</pre></details>"
    )


__all__ = ["CSP", "SCRIPT", "SCRIPT_HASH", "filename", "render", "write"]

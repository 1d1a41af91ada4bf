"""Derive every corpus page and compare with the hand-checked labels, field by field.

Run: `python benchmarks/derive_accuracy.py [--corpus DIR] [--ops-corpus DIR] [--min 0.95] [--no-self-check]`.
Exits 1 if any field is below the minimum, any page crashes or any page fails its self-check; 2 if the corpus
is absent. The create corpus comes first; the get/list/update/delete corpus (`graph-docs-ops` beside it, or
`CONFORMANCE_OPS_CORPUS`) is scored after it when present, each field over the pages whose kind it applies to
(`OPS_FIELDS`). Its pages are derived with their resource pages from the create corpus (`resource_pages`).

`name`: the labels have no name field, so the expected name is the type of the label's first resource page
(`resource_pages`): its file name's last `-` part (`ediscovery-custodian.md` is `custodian`), spelled as the
labelled response annotation or the title spells it (`outboundSharedUserProfile`), else as the file does.
`self_check`: the page goes the way a user takes it, `conformance derive PAGE --out DIR` then
`conformance run --spec DIR/<name>.openapi.yaml` against its own reference implementation (a fixed seed,
few generated examples); right when that run exits 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conformance.cli import main as conformance_main
from conformance.contract.derive import derive_page
from conformance.contract.spec import GUID_RE, How, Spec
from conformance.errors import HarnessError


def corpus_dir() -> Path:
    """`CONFORMANCE_CORPUS`, else `../shared/corpus/graph-docs` beside the checkout."""
    env = os.environ.get("CONFORMANCE_CORPUS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "graph-docs"


def ops_corpus_dir() -> Path:
    """`CONFORMANCE_OPS_CORPUS`, else `graph-docs-ops` beside the create corpus."""
    env = os.environ.get("CONFORMANCE_OPS_CORPUS")
    return Path(env) if env else corpus_dir().parent / "graph-docs-ops"


def _required(spec: Spec, *hows: How) -> list[str]:
    """What the page says is required this way (the labels' facts), including requirements the page's own
    examples overruled in the contract (`Operation.yields`)."""
    op = spec.operation
    yielded = {y.name for y in op.yields if y.what == "required"}
    return sorted(
        p.name for p in op.properties if (p.required.value or p.name in yielded) and p.required.how in hows
    )


def _first_response(spec: Spec) -> Any:
    return next((e for e in spec.operation.examples if e.response_where is not None), None)


def _body_odata(spec: Spec) -> str | None:
    odata = spec.operation.odata_type
    return odata.value if odata is not None and odata.how == How.EXAMPLE else None


def _annotation_odata(spec: Spec) -> str | None:
    ex = _first_response(spec)
    return None if ex is None else ex.response_odata_annotation


def _id_is_guid(spec: Spec) -> bool:
    return spec.operation.id_format.value == "guid"


def _example_responses(spec: Spec) -> list[dict[str, Any]]:
    out = []
    for e in spec.operation.examples:
        if e.response_where is None:
            continue
        body = e.response_body if isinstance(e.response_body, dict) else {}
        rid = body.get("id")
        out.append(
            {
                "status": e.response_status,
                "annotation_odata_type": e.response_odata_annotation,
                "body_odata_type": body.get("@odata.type"),
                "id": rid,
                "id_is_guid": isinstance(rid, str) and GUID_RE.match(rid) is not None,
            }
        )
    return out


def _label_example_responses(label: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("status", "annotation_odata_type", "body_odata_type", "id", "id_is_guid")
    return [{k: r.get(k) for k in keys} for r in label.get("example_responses", [])]


def _label_name(label: dict[str, Any]) -> str:
    """The expected resource name: the first resource page's type, in Graph's spelling where labelled."""
    key = Path(label["resource_pages"][0]).stem.rsplit("-", 1)[-1]
    annotation = (label.get("response_annotation_odata_type") or "").rsplit(".", 1)[-1]
    spellings = [annotation, *re.findall(r"[A-Za-z_]\w*", label.get("title", ""))]
    return next((w for w in spellings if w.casefold() == key.casefold()), key)


def self_check(page: Path, *, examples: int = 5, seed: int = 1) -> tuple[int, str]:
    """(exit code, what the CLI printed) of `derive PAGE --out DIR` then `run --spec` the derived file."""
    with tempfile.TemporaryDirectory() as tmp:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = conformance_main(["derive", str(page), "--out", tmp])
            derived = sorted(Path(tmp).glob("*.openapi.yaml"))
            if code == 0 and len(derived) == 1:
                run = ["run", "--spec", str(derived[0]), "--examples", str(examples), "--seed", str(seed)]
                code = conformance_main(
                    [*run, "--report-dir", str(Path(tmp) / "reports"), "--format", "json", "-q"]
                )
            elif code == 0:
                code, _ = 2, out.write(f"derive wrote {len(derived)} .openapi.yaml files, expected 1")
        return code, out.getvalue()


# field name -> (what the label says, what the derived spec says)
FIELDS: dict[str, tuple[Callable[[dict[str, Any]], Any], Callable[[Spec], Any]]] = {
    "title": (lambda lb: lb["title"], lambda s: s.title),
    "version": (lambda lb: lb["version"], lambda s: s.version),
    "method": (lambda lb: lb["method"], lambda s: s.operation.method.value),
    "paths": (lambda lb: lb["paths"], lambda s: [p.value for p in s.operation.paths]),
    "success_status": (lambda lb: lb["success_status"], lambda s: s.operation.success_status.value),
    "required_body_properties": (
        lambda lb: sorted(lb.get("required_body_properties") or []),
        lambda s: _required(s, How.MARKER, How.COLUMN),
    ),
    "required_per_prose": (
        lambda lb: sorted(lb.get("required_per_prose") or []),
        lambda s: _required(s, How.PROSE),
    ),
    "required_per_table_intro_unmarked": (
        lambda lb: sorted(lb.get("required_per_table_intro_unmarked") or []),
        lambda s: _required(s, How.TABLE_INTRO),
    ),
    "response_odata_type": (lambda lb: lb.get("response_odata_type"), _body_odata),
    "response_annotation_odata_type": (
        lambda lb: lb.get("response_annotation_odata_type"),
        _annotation_odata,
    ),
    "response_id_is_guid": (lambda lb: bool(lb.get("response_id_is_guid")), _id_is_guid),
    "example_responses": (_label_example_responses, _example_responses),
    "name": (_label_name, lambda s: s.operation.resource),
}


def _label_codes(text: str) -> list[int]:
    """The success codes an update label's wording allows ("204 No Content by default; 200 OK ...")."""
    return sorted({int(c) for c in re.findall(r"\b(2\d\d)\b", text)})


def _label_query(value: Any) -> list[str]:
    """The labelled query options as `$names`: a descriptive string ("generic ...") names none, and
    "select (written without $)" is `$select`."""
    if not isinstance(value, list):
        return []
    return ["$" + str(v).split()[0].lstrip("$") for v in value]


def _table_properties(spec: Spec) -> list[str]:
    """The properties whose doc line is a row of the "Request body" section's table (landmarks)."""
    rows = {
        m.line
        for m in spec.landmarks
        if m.section.casefold() == "request body" and m.anchor and not m.anchor.startswith("block:")
    }
    return [p.name for p in spec.operation.properties if p.where.line in rows]


def _is(*kinds: str) -> Callable[[dict[str, Any]], bool]:
    return lambda label: label["operation"] in kinds


_ALL: Callable[[dict[str, Any]], bool] = lambda label: True  # noqa: E731  # every page


# field name -> (what the label says, what the derived spec says, which labelled pages it applies to)
OPS_FIELDS: dict[
    str, tuple[Callable[[dict[str, Any]], Any], Callable[[Spec], Any], Callable[[dict[str, Any]], bool]]
] = {
    "operation": (lambda lb: lb["operation"], lambda s: s.operation.kind_name, _ALL),
    "version": (lambda lb: lb["version"], lambda s: s.version, _ALL),
    "resource": (lambda lb: lb["resource"], lambda s: s.operation.resource, _ALL),
    "method": (lambda lb: lb["method"], lambda s: s.operation.method.value, _ALL),
    "paths": (
        lambda lb: lb["paths"],
        lambda s: [f"{s.operation.method.value} {p.value}" for p in s.operation.paths],
        _ALL,
    ),
    "success_status": (lambda lb: lb["success_status"], lambda s: s.operation.success_status.value, _ALL),
    "response_body": (lambda lb: lb["response_body"], lambda s: s.operation.response_body, _ALL),
    "example_statuses": (
        lambda lb: lb.get("example_statuses") or [],
        lambda s: [e.response_status for e in s.operation.examples if e.response_where is not None],
        lambda lb: "example_statuses" in lb,
    ),
    "update_response": (
        lambda lb: _label_codes(lb["update_response"]),
        lambda s: sorted({s.operation.success_status.value, *(f.value for f in s.operation.also_status)}),
        _is("update"),
    ),
    "request_body_properties": (
        lambda lb: sorted(lb.get("request_body_properties") or []),
        lambda s: sorted(_table_properties(s)),
        _is("update"),
    ),
    "required_per_prose": (
        lambda lb: sorted(lb.get("required_per_prose") or []),
        lambda s: _required(s, How.PROSE),
        _is("update"),
    ),
    "query_params_stated": (
        lambda lb: _label_query(lb.get("query_params_stated")),
        lambda s: [f.value for f in s.operation.query_options],
        _is("get", "list"),
    ),
    "paging_documented": (
        lambda lb: bool(lb.get("paging_documented")),
        lambda s: bool(s.operation.paging and s.operation.paging.value),
        _is("list"),
    ),
    "odata_nextlink_mentioned": (
        lambda lb: bool(lb.get("odata_nextlink_mentioned")),
        lambda s: bool(s.operation.paging and "nextlink" in s.operation.paging.quote.casefold()),
        _is("list"),
    ),
}


@dataclass
class OpsOutcome:
    """Comparison of every labelled get, list, update and delete page: per field, right out of applicable."""

    pages: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPS_FIELDS, 0))
    applicable: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPS_FIELDS, 0))
    diffs: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # file, field, expected, got
    crashes: list[tuple[str, str]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        total = self.applicable[name]
        return self.right[name] / total if total else 0.0


def compare_ops(corpus: Path) -> OpsOutcome:
    """Derive each labelled page of the ops corpus (resource pages from `resource_pages`) and compare."""
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    out = OpsOutcome()
    for label in labels:
        out.pages += 1
        dirs = [(corpus.parent / rp).parent for rp in label.get("resource_pages") or ()]
        try:
            spec = derive_page(corpus / label["file"], resource_dirs=dirs)
        except HarnessError as exc:
            out.crashes.append((label["file"], str(exc)))
            continue
        except Exception:
            out.crashes.append((label["file"], traceback.format_exc(limit=3)))
            continue
        for name, (want, got, applies) in OPS_FIELDS.items():
            if not applies(label):
                continue
            out.applicable[name] += 1
            expected, actual = want(label), got(spec)
            if expected == actual:
                out.right[name] += 1
            else:
                out.diffs.append((label["file"], name, expected, actual))
    return out


def print_ops(out: OpsOutcome, minimum: float) -> list[str]:
    """Print the ops table and its diffs; the fields below `minimum`."""
    print(f"\n{'ops field (get, list, update, delete)':40} accuracy")
    for name in OPS_FIELDS:
        print(f"{name:40} {out.accuracy(name):7.1%}  ({out.right[name]}/{out.applicable[name]})")
    for file, name, expected, actual in out.diffs:
        print(f"DIFF {file} {name}: expected {expected!r}, got {actual!r}")
    for file, err in out.crashes:
        print(f"CRASH {file}: {err}")
    low = [n for n in OPS_FIELDS if out.accuracy(n) < minimum]
    below = ", ".join(low) or "none"
    print(f"ops pages {out.pages}, crashes {len(out.crashes)}, fields below {minimum:.0%}: {below}")
    return low


@dataclass
class Outcome:
    """Comparison of every labelled page."""

    total: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    self_checked: int = 0  # pages whose self-check ran
    self_check_ok: int = 0
    self_check_failures: list[tuple[str, int, str]] = field(default_factory=list)  # file, exit, output
    diffs: list[tuple[str, str, Any, Any]] = field(default_factory=list)  # file, field, expected, got
    crashes: list[tuple[str, str]] = field(default_factory=list)

    def accuracy(self, name: str) -> float:
        return self.right[name] / self.total if self.total else 0.0


def compare(corpus: Path, *, with_self_check: bool = True) -> Outcome:
    """Derive each labelled page under `corpus`, compare it with its labels and (unless told not to)
    self-check it."""
    labels = yaml.safe_load((corpus / "labels.yaml").read_text(encoding="utf-8"))
    out = Outcome()
    for label in labels:
        out.total += 1
        path = corpus / label["file"]
        try:
            spec = derive_page(path)
        except HarnessError as exc:
            out.crashes.append((label["file"], str(exc)))
            continue
        except Exception:
            out.crashes.append((label["file"], traceback.format_exc(limit=3)))
            continue
        for name, (want, got) in FIELDS.items():
            expected, actual = want(label), got(spec)
            if expected == actual:
                out.right[name] += 1
            else:
                out.diffs.append((label["file"], name, expected, actual))
        if with_self_check:
            out.self_checked += 1
            code, printed = self_check(path)
            if code == 0:
                out.self_check_ok += 1
            else:
                out.self_check_failures.append((label["file"], code, printed))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=None)
    parser.add_argument("--ops-corpus", type=Path, default=None)
    parser.add_argument("--min", type=float, default=0.95)
    parser.add_argument(
        "--no-self-check", action="store_true", help="skip the self-check column (about 1-2 s a page)"
    )
    args = parser.parse_args(argv)
    corpus = args.corpus or corpus_dir()
    if not (corpus / "labels.yaml").is_file():
        print(f"corpus not found at {corpus} (set CONFORMANCE_CORPUS)", file=sys.stderr)
        return 2
    out = compare(corpus, with_self_check=not args.no_self_check)
    print(f"{'field':40} accuracy")
    for name in FIELDS:
        print(f"{name:40} {out.accuracy(name):7.1%}  ({out.right[name]}/{out.total})")
    if out.self_checked:
        print(f"{'self_check (derive, run --spec: exit 0)':40} ({out.self_check_ok}/{out.self_checked})")
    for file, name, expected, actual in out.diffs:
        print(f"DIFF {file} {name}: expected {expected!r}, got {actual!r}")
    for file, err in out.crashes:
        print(f"CRASH {file}: {err}")
    for file, code, printed in out.self_check_failures:
        print(f"SELF-CHECK {file}: exit {code}: {printed.strip()[-400:]}")
    low = [n for n in FIELDS if out.accuracy(n) < args.min]
    print(
        f"pages {out.total}, crashes {len(out.crashes)}, "
        f"fields below {args.min:.0%}: {', '.join(low) or 'none'}"
    )
    ops = args.ops_corpus or ops_corpus_dir()
    ops_bad = False
    if (ops / "labels.yaml").is_file():
        ops_out = compare_ops(ops)
        ops_bad = bool(print_ops(ops_out, args.min) or ops_out.crashes)
    else:
        print(f"ops corpus not found at {ops} (set CONFORMANCE_OPS_CORPUS); not scored")
    return 1 if low or out.crashes or out.self_check_failures or ops_bad else 0


if __name__ == "__main__":
    sys.exit(main())

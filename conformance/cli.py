"""The command line: parse flags, build a `Config`, run, write reports, and exit with a documented code.

    conformance run     check a target (default: the embedded reference implementation)
    conformance derive  doc page -> OpenAPI 3.1 + JSON Schemas
    conformance lint    doc page -> findings about the page itself
    conformance serve   run the reference implementation (optionally with named faults)
    conformance checks  list the check catalogue
    conformance compare what changed between two runs' report.json (exit 1 when something regressed)

Exit codes: 0 conformant / clean, 1 a counting check failed (or lint errors), 2 usage, configuration or
doc error, 3 the harness could not decide (target unreachable, a check crashed, the run's time budget ran
out, Ctrl-C or SIGTERM). Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from conformance.budget import Terminated, stop_on_sigterm
from conformance.config import FORMATS, OPTIONS, cache_dir, load_options
from conformance.console import guard_process_streams, guarded
from conformance.contract.spec import Spec
from conformance.errors import ConfigError, HarnessError
from conformance.session import load_run_spec, open_target
from conformance.terminal import Terminal, plural

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
COMPARE_RULES = (
    "A check regressed when it fails now and did not fail before (pass, skip, waived or error became "
    "fail, at any level), or when it is new in NEW and fails at a level that counted in NEW's run "
    "(listed as 'added, failing'). A new check that passes, is skipped, is waived, errors or fails at a "
    "level that did not count is just added. A verdict that got worse (pass < error < fail) is a "
    "regression too. Exit 1 when anything regressed, 0 otherwise, 2 when a report cannot be read, is "
    "malformed or has a schema_version other than 1.x."
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: error: {message} (see `{self.prog} --help`)")


class _UsageError(Exception):
    """A command-line usage error, printed by `main` as one line."""


def _parser() -> _Parser:
    parser = _Parser(prog="conformance", description="Conformance harness for Graph-style create APIs.")
    parser.add_argument("--version", action="store_true", help="print the harness version and exit")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    run = sub.add_parser("run", help="check a target against the contract derived from the doc page")
    run.add_argument("--target", help="base URL of the implementation (default: embedded reference)")
    run.add_argument(
        "--app",
        metavar="MODULE:ATTRIBUTE",
        help="a WSGI or ASGI application (Flask, FastAPI, ...) to serve on 127.0.0.1 for the run, e.g. "
        "myservice.main:app (ASGI needs uvicorn: pip install 'graph-conformance[asgi]')",
    )
    run.add_argument("--spec", help="doc page (.md) or derived .openapi.yaml (default: the packaged seed)")
    run.add_argument("--token", help="bearer token (prefer the CONFORMANCE_TOKEN environment variable)")
    run.add_argument(
        "--no-auth",
        action="store_const",
        const=True,
        help="run without credentials on purpose (else a --target needs a token); auth checks are skipped",
    )
    run.add_argument("--report-dir", help="where reports go (default: reports)")
    run.add_argument(
        "--format", metavar="FORMATS", help=f"comma-separated: {','.join(FORMATS)} (default: all)"
    )
    run.add_argument("--timeout", type=str, help="seconds per request (default: 10)")
    run.add_argument(
        "--max-time",
        metavar="SECONDS",
        help="time budget of the whole run; the checks not decided by then are errors (default: "
        "60 + planned requests x timeout / 4, about 16 min with the defaults; 0 = no limit)",
    )
    run.add_argument("--strict", action="store_const", const=True, help="SHOULD failures count too")
    run.add_argument("--seed", help="seed for generated tests (default: random, always reported)")
    run.add_argument("--examples", help="generated bodies per mode (default: 25; 0 turns generation off)")
    run.add_argument(
        "--accept-odata-type",
        action="append",
        metavar="VALUE",
        help="also accept this @odata.type (repeatable), e.g. #microsoft.graph.outboundSharedUserProfile",
    )
    run.add_argument(
        "--secret-header",
        action="append",
        metavar="NAME",
        help="mask this header in every output (repeatable)",
    )
    run.add_argument(
        "--header",
        action="append",
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable); name it in --secret-header to mask it",
    )
    run.add_argument(
        "--path-param",
        action="append",
        metavar="NAME=VALUE",
        help="value for a {placeholder} in the documented path, e.g. --path-param id=8f1c... (repeatable)",
    )
    run.add_argument(
        "--validates-tokens",
        action="store_const",
        const=True,
        help="the target rejects unknown or malformed credentials: run AUTH-102 (skipped without it)",
    )
    run.add_argument(
        "--value",
        action="append",
        metavar="NAME=JSON_OR_TEXT",
        help="a known-good value for a property, sent in every request that must succeed and kept by "
        "generated bodies, e.g. --value userId=3f0c... (repeatable; text that is not JSON is a string)",
    )
    run.add_argument(
        "--waivers",
        metavar="FILE",
        help="YAML list of known failures (check, reason, expires, optional contains): a covered failure "
        "is WAIVED, reported with its reason, and does not count until the date passes",
    )
    run.add_argument(
        "--concurrency",
        metavar="N",
        help="checks and requests in flight at once (default: 8; 1 = one at a time; same report either way)",
    )
    run.add_argument("--check", action="append", metavar="ID", help="run only these ids (ID* = prefix)")
    run.add_argument("--skip-check", action="append", metavar="ID", help="do not run these ids")
    run.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME",
        help="embedded target only: switch on a named fault (see `conformance serve --list-faults`)",
    )
    noise = run.add_mutually_exclusive_group()
    noise.add_argument(
        "-q", "--quiet", action="store_const", const=0, dest="verbosity", help="print the verdict only"
    )
    noise.add_argument(
        "-v",
        "--verbose",
        action="store_const",
        const=2,
        dest="verbosity",
        help="print each finding as it is found",
    )

    derive = sub.add_parser("derive", help="derive OpenAPI 3.1 and JSON Schemas from a doc page")
    derive.add_argument(
        "page",
        nargs="+",
        help="the doc page (.md), or a resource's pages (create, get, list, update, delete) or a folder of "
        "them: one OpenAPI document with every operation",
    )
    derive.add_argument("--out", default="specs", help="output directory (default: specs)")

    lint = sub.add_parser("lint", help="report problems on a doc page with line numbers")
    lint.add_argument("page", nargs="*", help="the doc page(s) (.md)")
    lint.add_argument("--list", action="store_true", help="list the lint rules and exit")
    lint.add_argument(
        "--format",
        choices=("text", "github", "sarif", "json"),
        default="text",
        help="text (default), github (workflow annotations), sarif (SARIF 2.1.0 for code scanning), json",
    )

    serve = sub.add_parser("serve", help="serve the reference implementation on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")
    serve.add_argument("--spec", help="doc page or derived .openapi.yaml (default: the packaged seed)")
    serve.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    serve.add_argument(
        "--list-faults", action="store_true", help="list the named faults and legal variations"
    )
    serve.add_argument("--token", help="accept only this bearer token (default: any non-empty one)")

    compare = sub.add_parser(
        "compare",
        help="what changed between two runs' report.json files",
        description=COMPARE_RULES,
    )
    compare.add_argument("old", help="the earlier run's report.json")
    compare.add_argument("new", help="the later run's report.json")
    compare.add_argument(
        "--format", choices=("text", "markdown"), default="text", help="markdown: a step summary"
    )

    checks = sub.add_parser("checks", help="list the check catalogue")
    checks.add_argument("--spec", help="bind to this spec instead of the packaged seed")
    checks.add_argument("--markdown", action="store_true", help="print the README table")
    return parser


def _check_report_dir(directory: str) -> Path:
    """The report folder, anchored to the current directory now: an --app imported later may chdir."""
    from conformance.reporters import check_writable

    path = Path(directory).absolute()
    try:
        check_writable(path)  # a fresh random name, never through a planted symlink
    except OSError as exc:
        raise ConfigError(
            f"report directory {directory!r} is not writable ({exc.strerror}); pass --report-dir DIR"
        ) from None
    return path


def cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.checks.fuzz import keep_caches_in
    from conformance.reporters import write_reports
    from conformance.runner import plan, run
    from conformance.waivers import for_config as load_waivers

    config = load_options({name: getattr(args, name.replace("-", "_")) for name in OPTIONS})
    spec, spec_file = load_run_spec(config.spec)
    checks = plan(spec, config)  # unknown check ids fail here, before anything is started
    waivers = load_waivers(config)  # so does a malformed waivers file
    report_dir = _check_report_dir(config.report_dir)
    term = Terminal(out, config.verbosity)
    keep_caches_in(cache_dir() / "hypothesis")  # not a .hypothesis/ folder in the user's working directory
    # SIGTERM (a CI timeout) ends the run like Ctrl-C: reports written, exit code the verdict's
    with stop_on_sigterm() as sigterm:
        with open_target(config, lambda: spec, faults=args.fault) as target:
            if target.embedded:
                faults = f" with faults {', '.join(args.fault)}" if args.fault else ""
                faults += " without authentication (--no-auth)" if config.no_auth else ""
                term.say(f"target: embedded reference implementation at {target.url}{faults}")
            elif target.app:
                term.say(f"target: {target.app} at {target.url}")
            term.say(f"spec: {spec_file} ({spec.title}); {plural(len(checks), 'check')}")
            result = run(
                spec,
                config,
                base_url=target.url,
                spec_file=spec_file,
                token=target.token,
                progress=term.progress,
                checks=checks,
                on_case=term.case,
                waivers=waivers,
            )
        sigterm.disarm()  # from here a SIGTERM waits for the reports
        try:
            written = write_reports(result, report_dir, config.formats)
            written = [Path(config.report_dir) / p.name for p in written]  # shown as the user gave it
        except OSError as exc:
            raise ConfigError(
                f"cannot write the reports to {config.report_dir!r} ({exc.strerror or exc}); "
                "pass --report-dir DIR"
            ) from None
        term.summary(result, written)
    return result.exit_code


def cmd_derive(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.contract.derive import derive_page
    from conformance.contract.grouping import resources
    from conformance.contract.keys import key_property
    from conformance.contract.lint import lint_page
    from conformance.contract.openapi import write_spec_files
    from conformance.contract.pageset import combine, expand_pages

    specs = []
    for page in expand_pages(args.page):
        spec = derive_page(page)
        specs.append(dataclasses.replace(spec, notes=lint_page(page, spec)))
    spec = combine(specs)
    for path in write_spec_files(spec, Path(args.out)):
        print(f"wrote {path}", file=out)
    if len(specs) > 1:
        for res in resources(spec):
            key = f", key {{{res.key.value}}}" if res.key is not None else ""
            prop = key_property(res)
            named = f"; key property {prop.value}" if prop is not None else ""
            print(f"resource {res.name} ({res.collection}{key}): {', '.join(res.kinds)}{named}", file=out)
    from conformance.contract.templates import renamed

    for line in renamed(spec):  # what the OpenAPI document calls a path the page writes otherwise
        print(line, file=out)
    for note in (n for s in specs for n in s.notes if n.code == "DOC-KIND-CONFLICT"):
        # the kind was decided on the path; say so where the page's prose disagrees (lint has the rest)
        print(f"warning: {note.where.cite()}: {note.message} ({note.code})", file=out)
    return EXIT_OK


def cmd_lint(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.ci.lintformats import PageLint, render
    from conformance.contract.lint import exit_code, lint_page, rules
    from conformance.runner import harness_version

    if args.list == bool(args.page):
        raise ConfigError("name the doc page(s) to lint, or --list for the rules (not both)")
    if args.list:
        for r in rules():
            print(f"{r.code:<24} {r.severity:<8} {r.description}", file=out)
        return EXIT_OK
    pages: list[PageLint] = []
    for page in args.page:
        try:
            pages.append(PageLint(path=page, notes=lint_page(page)))
        except HarnessError as exc:
            if len(args.page) == 1 and args.format == "text":
                raise  # one page: one line on stderr, exit 2, as always
            print(f"conformance lint: error: {exc}", file=guarded(sys.stderr))
            pages.append(PageLint(path=page, error=str(exc)))
    print(render(pages, args.format, version=harness_version()), file=out, end="")
    if any(p.error is not None for p in pages):
        return EXIT_USAGE
    return exit_code([n for p in pages for n in p.notes])


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.reference.server import ReferenceServer, list_faults

    if args.list_faults:
        for fault in list_faults():
            kind = "legal" if fault.legal else fault.level_hint
            print(f"{fault.name:<32} {kind:<6} {fault.description}", file=out)
        return EXIT_OK
    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a port number (0-65535)")
    spec, spec_file = load_run_spec(args.spec)
    server = ReferenceServer(spec, port=args.port, faults=args.fault, token=args.token)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); pick another --port"
        ) from None
    print(
        f"serving {spec.operation.method.value} {server.url}{spec.operation.path} ({spec_file})"
        + (f" with faults {', '.join(args.fault)}" if args.fault else "")
        + "; Ctrl-C stops",
        file=out,
        flush=True,
    )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


def cmd_checks(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.checks import bind

    spec, _ = load_run_spec(args.spec)
    bound = bind(spec)
    if args.markdown:
        print(catalogue_markdown(spec), file=out, end="")
        return EXIT_OK
    for b in bound:
        where = b.info.doc.cite() if b.info.doc else b.info.source
        applies = f" [skipped on this page: {b.skip_reason}]" if b.skip_reason else ""
        print(f"{b.info.id:<10} {b.info.level.value:<6} {b.info.requirement} ({where}){applies}", file=out)
    return EXIT_OK


def catalogue_markdown(spec: Spec) -> str:
    """The check table as the README shows it (kept equal by a test)."""
    from conformance.checks import bind

    lines = ["| id | level | requirement | source |", "| --- | --- | --- | --- |"]
    for b in bind(spec):
        source = (
            f"doc: {b.info.doc.section or 'page'} (line {b.info.doc.line})" if b.info.doc else b.info.source
        )
        if b.info.doc is None and b.check.doc is not None and b.check.doc.kind:  # a page the seed lacks
            source = f"doc: the {b.check.doc.kind} page"
        lines.append(f"| {b.info.id} | {b.info.level.value} | {b.info.requirement} | {source} |")
    return "\n".join(lines) + "\n"


def cmd_compare(args: argparse.Namespace, out: TextIO) -> int:
    from conformance.ci import compare

    result = compare.compare(compare.load(args.old), compare.load(args.new))
    print((compare.markdown if args.format == "markdown" else compare.text)(result), file=out, end="")
    return result.exit_code


COMMANDS = {
    "run": cmd_run,
    "derive": cmd_derive,
    "lint": cmd_lint,
    "serve": cmd_serve,
    "checks": cmd_checks,
    "compare": cmd_compare,
}


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    out = guarded(out or sys.stdout)  # nothing the target or a user file says reaches a terminal raw
    err = guarded(err or sys.stderr)
    parser = _parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except _UsageError as exc:
        print(exc, file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # argparse: --help (0) or a usage error (2, already printed)
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    if args.version:
        from conformance.runner import harness_version

        print(f"conformance {harness_version()}", file=out)
        return EXIT_OK
    if args.command is None:
        parser.print_help(out)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args, out)
    except HarnessError as exc:
        print(f"conformance {args.command}: error: {exc}", file=err)
        return exc.exit_code
    except Terminated:  # SIGTERM before the run started: nothing to report
        print(f"conformance {args.command}: terminated", file=err)
        return 143
    except KeyboardInterrupt:
        print(f"conformance {args.command}: interrupted", file=err)
        return 130


def _leave_app_threads(code: int) -> None:
    """An --app whose module started non-daemon threads (a scheduler loop) would keep the process alive
    after the verdict: once everything is written, say so in one line and exit without waiting for them."""
    if "conformance.apphost" not in sys.modules:  # no --app was loaded
        return
    from conformance.apphost import foreign_threads

    names = foreign_threads()
    if not names:
        return
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    with contextlib.suppress(OSError):  # the reader of stdout may have left
        sys.stdout.flush()
    print(
        f"conformance: not waiting for {len(names)} non-daemon thread(s) the app started ({shown}); "
        f"exit {code}",
        file=guarded(sys.stderr),
        flush=True,
    )
    os._exit(code)


def entry() -> None:
    guard_process_streams()  # warnings and log records from libraries are escaped too
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # the reader of stdout left before the last line
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    _leave_app_threads(code)
    sys.exit(code)

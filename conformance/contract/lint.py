"""Doc lint: `ContractNote`s about a create page (stub leftovers, broken examples, contradictions).

Every note has a stable code, a severity and the 1-based page line it is about. Severities:

    error    the page contradicts itself or its own contract, so a reader (or a check) that takes
             it at its word goes wrong:
             DOC-EXAMPLE-SCHEMA     an example body breaks the schema derived from the page (a warning
                                    when it only leaves out a property whose requirement is a weak
                                    reading of prose or a table intro)
             DOC-EXAMPLE-JSON       an example body is not JSON at all
             DOC-STATUS-MISMATCH    the Response prose and an example response disagree on the status
             DOC-ODATA-NAMESPACE    an example body's `@odata.type` is outside `microsoft.graph`
             DOC-REQUIRED-READONLY  a property is both required and read-only
    warning  the page is unfinished or an example detail is wrong, but the contract stands:
             DOC-TODO               a `TODO:` / `**TODO ...**` placeholder in the text
             DOC-STUB-METADATA      front matter left as the stub generator wrote it (author, ms.prod)
             DOC-PLACEHOLDER-VALUE  an example value that is a type name ("String", "Int32") or "<value>"
             DOC-PLACEHOLDER-GUID   the stub generator's mirrored GUID (groups are byte/word rotations)
             DOC-REASON-PHRASE      a status code with the wrong reason phrase ("201 OK")
             DOC-CONTENT-LENGTH     a Content-Length header that does not match its example body
             DOC-ODATA-NAMESPACE    (warning when only the `<!-- -->` annotation has it: no client sees it)

Notes the derivation itself made (`Spec.notes`) are passed through. A CLI exits 0 when no note is
an error and 1 otherwise; a page that cannot be read as a create page raises `DocParseError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

from conformance.contract.derive import derive_page, derive_text, read_page
from conformance.contract.docparse import CodeBlock, Page, parse_page
from conformance.contract.httpexamples import parse_http_block
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import (
    JSON,
    ContractNote,
    DocLocation,
    Operation,
    Spec,
    request_schema,
    response_schema,
)

ERROR, WARNING, INFO = "error", "warning", "info"

CODES: dict[str, str] = {
    "DOC-TODO": WARNING,
    "DOC-STUB-METADATA": WARNING,
    "DOC-PLACEHOLDER-VALUE": WARNING,
    "DOC-PLACEHOLDER-GUID": WARNING,
    "DOC-EXAMPLE-SCHEMA": ERROR,
    "DOC-EXAMPLE-JSON": ERROR,
    "DOC-STATUS-MISMATCH": ERROR,
    "DOC-REASON-PHRASE": WARNING,
    "DOC-ODATA-NAMESPACE": ERROR,
    "DOC-CONTENT-LENGTH": WARNING,
    "DOC-REQUIRED-READONLY": ERROR,
}
"""Every code this module emits, with its usual severity."""

GRAPH_NAMESPACE = "microsoft.graph"

_TODO_RE = re.compile(r"\*\*\s*TODO\b[^*|]*\**|\bTODO\s*:[^*|]*")
_GUID_ANY_RE = re.compile(
    r"(?<![0-9A-Fa-f-])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f-])"
)
_ODATA_TYPE_RE = re.compile(r'"@odata\.type"\s*:\s*"([^"]*)"')
_KEY_VALUE_RE = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ARRAY_ITEM_RE = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"\s*,?\s*$')
# The stub generator writes an EDM type name (capitalised, maybe with a hint) where a value belongs.
_TYPE_NAMES = (
    "String|Boolean|Int16|Int32|Int64|Integer|Byte|SByte|Double|Single|Decimal|Guid|GUID|"
    "DateTimeOffset|DateTime|Date|TimeOfDay|Duration|Binary|Stream|Collection\\(.*\\)"
)
_PLACEHOLDER_RE = re.compile(rf"^(?:Edm\.)?(?:{_TYPE_NAMES})(?:\s*\([^()]*\))?$|^<[^<>]+>$")
_STATUS_LINE_RE = re.compile(r"^\s*HTTP/\S+\s+(\d{3})(?:\s+(.*?))?\s*$")
_PROSE_STATUS_RE = re.compile(r"(?<![\w./-])([1-5]\d\d)\s+([A-Z][A-Za-z'-]*(?:\s+[A-Z][A-Za-z'-]*){0,4})")
_PHRASE_ALIASES: dict[int, tuple[str, ...]] = {
    302: ("Moved Temporarily",),
    413: ("Request Entity Too Large", "Payload Too Large", "Content Too Large"),
    414: ("Request-URI Too Long", "URI Too Long"),
    416: ("Requested Range Not Satisfiable", "Range Not Satisfiable"),
    422: ("Unprocessable Entity", "Unprocessable Content"),
}
_PHRASE_FIRST_WORDS = frozenset(s.phrase.split()[0].casefold() for s in HTTPStatus if s.phrase)


# -- entry points -----------------------------------------------------------------------------


def lint_page(path: str | Path, spec: Spec | None = None) -> tuple[ContractNote, ...]:
    """Lint the doc page at `path`; pass its derived `spec` when you have it, else it is derived here
    (resource pages beside it inform the derivation)."""
    p = Path(path)
    data = read_page(p)
    return lint_text(data.decode("utf-8", errors="replace"), p.name, spec or derive_page(p))


def lint_text(text: str, file: str, spec: Spec | None = None) -> tuple[ContractNote, ...]:
    """Lint a page given as text; `spec` is derived from it when not given. Sorted by line, code."""
    if spec is None:
        spec = derive_text(text, file)
    page = parse_page(text, file)
    ctx = _Lint(page=page, file=file)
    op = spec.operation
    ctx.todos()
    ctx.placeholders_and_guids()
    ctx.odata_namespaces()
    ctx.content_lengths()
    ctx.reason_phrases()
    ctx.examples_against_schema(op)
    ctx.status_mismatch(op)
    ctx.required_read_only(op)
    seen: set[tuple[str, int, str]] = set()
    out: list[ContractNote] = []
    for note in (*ctx.notes, *spec.notes):
        key = (note.code, note.where.line, note.message)
        if key not in seen:
            seen.add(key)
            out.append(note)
    return tuple(sorted(out, key=lambda n: (n.where.line, n.code, n.message)))


def exit_code(notes: tuple[ContractNote, ...] | list[ContractNote]) -> int:
    """The lint's exit code: 1 when any note is an error, else 0."""
    return 1 if any(n.severity == ERROR for n in notes) else 0


def is_mirrored_guid(value: str) -> bool:
    """True for the stub generator's GUIDs: every 16-bit word after the first group is a word of
    the first group or that word byte-swapped (e.g. `83876b0d-6b0d-8387-0d6b-87830d6b8783`).

    A GUID made of one repeated byte (the nil GUID) is a deliberate value and does not count.
    """
    raw = bytes.fromhex(value.replace("-", ""))
    if len(raw) != 16 or len(set(raw)) < 2:
        return False
    first = [raw[0:2], raw[2:4]]
    allowed = {*first, *(w[::-1] for w in first)}
    return all(raw[i : i + 2] in allowed for i in range(4, 16, 2))


def is_placeholder_value(value: str) -> bool:
    """True for a stub example value: an EDM type name ("String (timestamp)", "Int32") or "<value>"."""
    return _PLACEHOLDER_RE.match(value.strip()) is not None


# -- the rules --------------------------------------------------------------------------------


class _Lint:
    """One page being linted: its records, line bookkeeping and the notes found so far."""

    def __init__(self, *, page: Page, file: str) -> None:
        self.page = page
        self.file = file
        self.notes: list[ContractNote] = []
        self.front_end = self._front_matter_end()
        self.code_lines: set[int] = set()
        self.annotation_lines: set[int] = set()
        for b in page.blocks:
            self.code_lines.update(range(b.line, b.start + len(b.text.split("\n")) + 1))
            if b.annotation_line:
                self.annotation_lines.update(range(b.annotation_line, b.line))
        self.row_anchor = {row.line: _plain(row.cell(0)) for t in page.tables for row in t.rows}

    # bookkeeping

    def _front_matter_end(self) -> int:
        lines = self.page.lines
        if not lines or lines[0].strip() != "---":
            return 0
        for i in range(1, len(lines)):
            if lines[i].strip() == "---":
                return i + 1
        return 0

    def section_of(self, line: int) -> str:
        section = ""
        for h in self.page.headings:
            if h.line > line:
                break
            section = h.text
        return section

    def where(self, line: int, anchor: str = "") -> DocLocation:
        return DocLocation(
            file=self.file,
            line=line,
            section=self.section_of(line),
            anchor=anchor or self.row_anchor.get(line, ""),
        )

    def add(self, code: str, line: int, message: str, *, anchor: str = "", severity: str = "") -> None:
        self.notes.append(
            ContractNote(
                severity=severity or CODES[code], code=code, message=message, where=self.where(line, anchor)
            )
        )

    def block_at(self, line: int) -> CodeBlock | None:
        return next((b for b in self.page.blocks if b.line == line), None)

    def is_example(self, block: CodeBlock) -> bool:
        """An example block: annotated as request/response, or under an 'Example...' heading."""
        kind = str((block.annotation or {}).get("blockType", "")).casefold()
        if kind in ("request", "response"):
            return True
        if kind:
            return False  # "ignored" and the like: not an example
        start = next((h.line for h in self.page.headings if h.text.casefold().startswith("example")), 0)
        return bool(start) and block.line > start

    def block_lines(self) -> Iterator[tuple[int, str, CodeBlock]]:
        for b in self.page.blocks:
            for k, text in enumerate(b.text.split("\n")):
                yield b.start + k, text, b

    # DOC-TODO, DOC-STUB-METADATA

    def todos(self) -> None:
        for i, text in enumerate(self.page.lines, start=1):
            m = _TODO_RE.search(text)
            if m is None:
                continue
            snippet = _plain(m.group(0))[:100]
            if i < self.front_end:
                key = text.split(":", 1)[0].strip()
                self.add(
                    "DOC-STUB-METADATA",
                    i,
                    f"front matter '{key}' is still the stub generator's placeholder ({snippet!r}); "
                    "fill in the real value",
                    anchor=key,
                )
                continue
            row = self.row_anchor.get(i)
            what = f"row '{row}' of the table in '{self.section_of(i)}'" if row else f"'{self.section_of(i)}'"
            self.add("DOC-TODO", i, f"{what} still holds a TODO placeholder: {snippet!r}")

    # DOC-PLACEHOLDER-VALUE, DOC-PLACEHOLDER-GUID

    def placeholders_and_guids(self) -> None:
        for line, text, _ in self.block_lines():
            for m in _KEY_VALUE_RE.finditer(text):
                key, value = m.group(1), _unescape(m.group(2))
                if is_placeholder_value(value):
                    self.add(
                        "DOC-PLACEHOLDER-VALUE",
                        line,
                        f"example value {value!r} for '{key}' is a type-name placeholder, not a real value; "
                        "write a value a client could send",
                        anchor=key,
                    )
            item = _ARRAY_ITEM_RE.match(text)
            if item and is_placeholder_value(_unescape(item.group(1))):
                value = _unescape(item.group(1))
                self.add(
                    "DOC-PLACEHOLDER-VALUE",
                    line,
                    f"example array item {value!r} is a type-name placeholder, not a real value",
                )
            for g in dict.fromkeys(_GUID_ANY_RE.findall(text)):
                if is_mirrored_guid(g):
                    first = g.split("-", 1)[0]
                    self.add(
                        "DOC-PLACEHOLDER-GUID",
                        line,
                        f"'{g}' is the stub generator's mirrored placeholder GUID (every group is a "
                        f"byte/word rotation of '{first}'); use a real random GUID",
                        anchor=_key_on(text),
                    )

    # DOC-ODATA-NAMESPACE

    def odata_namespaces(self) -> None:
        lines = self.page.lines
        candidates = sorted(self.code_lines | self.annotation_lines)
        for line in candidates:
            if not 1 <= line <= len(lines):
                continue
            for m in _ODATA_TYPE_RE.finditer(lines[line - 1]):
                value = m.group(1)
                core = value.lstrip("#")
                inner = re.fullmatch(r"Collection\((.*)\)", core)
                if inner:
                    core = inner.group(1)
                if core.startswith(GRAPH_NAMESPACE + ".") or not core:
                    continue
                proposed = (
                    "#" if value.startswith("#") else ""
                ) + f"{GRAPH_NAMESPACE}.{core.rsplit('.', 1)[-1]}"
                in_annotation = line in self.annotation_lines
                where = "the doc annotation" if in_annotation else "the example body"
                self.add(
                    "DOC-ODATA-NAMESPACE",
                    line,
                    f"@odata.type {value!r} in {where} is outside the published '{GRAPH_NAMESPACE}' "
                    f"namespace; published Graph metadata names it {proposed!r}",
                    anchor="@odata.type",
                    severity=WARNING if in_annotation else ERROR,
                )

    # DOC-CONTENT-LENGTH, DOC-EXAMPLE-JSON

    def content_lengths(self) -> None:
        for b in self.page.blocks:
            msg = parse_http_block(b)
            if not msg.start_line:
                continue
            if msg.body_error and msg.body_line and self.is_example(b):
                self.add("DOC-EXAMPLE-JSON", msg.body_line, f"{msg.body_error}; the example cannot be used")
            for k, (name, value) in enumerate(msg.headers):
                if name.casefold() != "content-length":
                    continue
                line = b.start + _first_content_index(b) + 1 + k
                body = msg.body_text.rstrip("\n") if msg.body_text.strip() else ""
                actual = len(body.encode("utf-8"))
                declared = value.strip()
                if declared.isdigit() and int(declared) == actual:
                    continue
                self.add(
                    "DOC-CONTENT-LENGTH",
                    line,
                    f"{name}: {declared} does not match the example body, which is {actual} bytes "
                    f"(UTF-8, as written); drop the header or write {actual}",
                    anchor=name,
                )

    # DOC-REASON-PHRASE

    def reason_phrases(self) -> None:
        lines = self.page.lines
        for b in self.page.blocks:
            idx = _first_content_index(b)
            first = b.text.split("\n")[idx] if b.text.strip() else ""
            m = _STATUS_LINE_RE.match(first)
            if m and m.group(2):
                self._phrase(b.start + idx, int(m.group(1)), m.group(2), strict=True)
        for i, text in enumerate(lines, start=1):
            if i < self.front_end or i in self.code_lines or i in self.annotation_lines:
                continue
            for m in _PROSE_STATUS_RE.finditer(text):
                self._phrase(i, int(m.group(1)), m.group(2), strict=False)

    def _phrase(self, line: int, code: int, written: str, *, strict: bool) -> None:
        try:
            status = HTTPStatus(code)
        except ValueError:
            return
        words = written.split()
        if not words:
            return
        accepted = (status.phrase, *_PHRASE_ALIASES.get(code, ()))
        for phrase in accepted:
            want = phrase.casefold().split()
            if [w.casefold() for w in words[: len(want)]] == want:
                return
        if not strict and words[0].casefold() not in _PHRASE_FIRST_WORDS:
            return  # "200 Items" is prose, not a reason phrase
        shown = " ".join(words) if strict else words[0]
        self.add(
            "DOC-REASON-PHRASE",
            line,
            f"'{code} {shown}' has the wrong reason phrase; {code} is '{code} {status.phrase}'",
        )

    # DOC-EXAMPLE-SCHEMA

    def examples_against_schema(self, op: Operation) -> None:
        req_schema = request_schema(op)
        resp_schema = response_schema(op)
        for ex in op.examples:
            if ex.request_body is not None:
                self._check_body("request", ex.request_body, req_schema, ex.request_where, op)
            same_status = ex.response_status in (None, op.success_status.value)
            if ex.response_body is not None and same_status:
                self._check_body("response", ex.response_body, resp_schema, ex.response_where, op)

    def _check_body(
        self, kind: str, body: JSON, schema: dict[str, JSON], where: DocLocation | None, op: Operation
    ) -> None:
        block = self.block_at(where.line) if where is not None else None
        if block is not None:
            msg = parse_http_block(block)
            body_text, body_line = msg.body_text, msg.body_line or block.start
        else:
            body_text, body_line = "", where.line if where is not None else 1
        done: set[str] = set()
        for pointer, message in validation_errors(body, schema):
            severity = ERROR
            segments = [s.replace("~1", "/").replace("~0", "~") for s in pointer.split("/")[1:]]
            extra = _unexpected_names(message) if not segments else []
            missing = re.match(r"^'([^']+)' is a required property$", message) if not segments else None
            key = "/".join(segments or extra[:1]) + (f"!{missing.group(1)}" if missing else "")
            if key in done:
                continue
            done.add(key)
            line = _pointer_line(body_text, body_line, segments or extra[:1])
            prop = op.property(segments[0]) if len(segments) == 1 else None
            if prop is not None:
                value = body.get(prop.name) if isinstance(body, dict) else None
                text = (
                    f"example {kind} body: {prop.name} = {json.dumps(value, ensure_ascii=False)} does not "
                    f"match its documented type {prop.doc_type} ({_describe(prop.schema, prop.nullable)}, "
                    f"{prop.where.cite()})"
                )
            elif missing is not None:
                name = missing.group(1)
                known = op.property(name)
                cite = f" ({known.required.where.cite()})" if known is not None else ""
                text = f"example {kind} body leaves out {name!r}, which the page makes required{cite}"
                if known is not None and known.required.confidence < 1.0:
                    # The requirement itself is a reading of prose or a table intro: the page may
                    # simply be loose, so this is not proof of a broken example.
                    severity = WARNING
                    text += f"; the requirement is a weak reading of the page ({known.required.how.value})"
            elif extra:
                known = op.property(extra[0])
                why = (
                    f"which the page marks read-only ({known.where.cite()})"
                    if known is not None and known.read_only
                    else "which the page does not list"
                )
                text = f"example {kind} body sends {extra[0]!r}, {why}; a client may not send it"
            else:
                text = f"example {kind} body at {pointer or '/'}: {message}"
            segments = segments or extra[:1]
            anchor = missing.group(1) if missing else (segments[0] if segments else "")
            self.add("DOC-EXAMPLE-SCHEMA", line, text, anchor=anchor, severity=severity)

    # DOC-STATUS-MISMATCH

    def status_mismatch(self, op: Operation) -> None:
        success = op.success_status
        prose = self._prose_success_codes()
        documented = {c for c, _ in prose} or {success.value}
        cite_line = prose[0][1] if prose else success.where.line
        said = "2xx" if len(documented) > 50 else ", ".join(str(c) for c in sorted(documented))
        for ex in op.examples:
            if ex.response_status is None or ex.response_status in documented:
                continue
            line = ex.response_where.line if ex.response_where is not None else success.where.line
            block = self.block_at(line)
            if block is not None:
                line = block.start + _first_content_index(block)
            self.add(
                "DOC-STATUS-MISMATCH",
                line,
                f"the example response has status {ex.response_status} but the Response section "
                f"(line {cite_line}) says {said}; make them agree",
            )

    def _prose_success_codes(self) -> list[tuple[int, int]]:
        """(2xx code, line) stated in the prose of the first 'Response' section.

        "a 200-series code" or "2xx" stands for every 2xx code.
        """
        heads = self.page.headings
        for k, h in enumerate(heads):
            if h.text.casefold() != "response":
                continue
            end = next((x.line for x in heads[k + 1 :] if x.level <= h.level), len(self.page.lines) + 1)
            found: list[tuple[int, int]] = []
            for i in range(h.line + 1, end):
                if i in self.code_lines or i in self.annotation_lines:
                    continue
                text = self.page.lines[i - 1]
                if re.search(r"(?i)\b2(?:00-series|xx)\b", text):
                    found.extend((c, i) for c in range(200, 300))
                for m in re.finditer(r"(?<![\w./-])(2\d\d)(?![\w-])", text):
                    found.append((int(m.group(1)), i))
            return found
        return []

    # DOC-REQUIRED-READONLY

    def required_read_only(self, op: Operation) -> None:
        for p in op.properties:
            if p.required.value and p.read_only:
                self.add(
                    "DOC-REQUIRED-READONLY",
                    p.where.line,
                    f"'{p.name}' is marked required ({p.required.where.cite()}) and read-only; a client "
                    "cannot send a read-only property, so one of the two is wrong",
                    anchor=p.name,
                )


# -- helpers ----------------------------------------------------------------------------------


def _plain(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[*`]", "", text)).strip().strip("\"'").strip()


def _unescape(text: str) -> str:
    try:
        value = json.loads(f'"{text}"')
    except ValueError:
        return text
    return value if isinstance(value, str) else text


def _unexpected_names(message: str) -> list[str]:
    """Property names a jsonschema additionalProperties message complains about."""
    m = re.match(r"^'((?:[^'\\]|\\.)*)' does not match any of the regexes", message)
    if m:
        return [m.group(1)]
    if "unexpected" in message:
        return re.findall(r"'([^']+)'", message.split("(", 1)[-1])
    return []


def _key_on(text: str) -> str:
    m = re.search(r'"((?:[^"\\]|\\.)*)"\s*:', text)
    return m.group(1) if m else ""


def _first_content_index(block: CodeBlock) -> int:
    lines = block.text.split("\n")
    return next((k for k, s in enumerate(lines) if s.strip()), 0)


def _pointer_line(body_text: str, body_line: int, segments: list[str]) -> int:
    """Page line of the deepest object key of `segments` found in the body text."""
    lines = body_text.split("\n")
    found, start = body_line, 0
    for seg in segments:
        if seg.isdigit():
            break  # an array index: stay on the parent's line
        pattern = re.compile(r'"' + re.escape(seg) + r'"\s*:')
        hit = next((j for j in range(start, len(lines)) if pattern.search(lines[j])), None)
        if hit is None:
            break
        found, start = body_line + hit, hit
    return found


def _describe(schema: dict[str, JSON], nullable: bool) -> str:
    fmt = schema.get("format")
    if fmt == "date-time":
        text = "an RFC 3339 date-time such as 2024-01-31T09:30:00Z"
    elif fmt == "uuid":
        text = "a GUID"
    elif fmt == "date":
        text = "a date such as 2024-01-31"
    elif "enum" in schema:
        text = "one of " + ", ".join(json.dumps(v) for v in schema["enum"])
    else:
        text = f"JSON {schema.get('type', 'value')}"
    return text + (" or null" if nullable else "")


__all__ = [
    "CODES",
    "ERROR",
    "GRAPH_NAMESPACE",
    "INFO",
    "WARNING",
    "exit_code",
    "is_mirrored_guid",
    "is_placeholder_value",
    "lint_page",
    "lint_text",
]

"""The derived contract as pure data: what doc pages say a create (and a get, list, update, delete) must do.

Every fact keeps where it came from (`DocLocation`) and how it was found (`How`), with a
confidence, so checks built on a weak fact can say so and reports can cite the doc line.
A `Spec` round-trips through plain JSON (`to_json` / `spec_from_json`): the derived OpenAPI
file carries it under `x-conformance`, so `--spec file.openapi.yaml` loses nothing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

JSON = Any  # a value parsed from or written to JSON

SPEC_FORMAT = 1  # bump when the `to_json` shape changes

GUID_PATTERN = r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"  # ECMA-262
# The same shape for Python, anchored to the whole value: Python's `$` also matches before a final "\n".
GUID_RE = re.compile(r"\A[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z")


class Level(StrEnum):
    """RFC 2119 strength of a requirement."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    MAY = "MAY"


class Severity(StrEnum):
    """How much a doc-lint note matters: an error makes `conformance lint` exit 1."""

    ERROR = "error"  # the page contradicts itself or its own contract
    WARNING = "warning"  # the page is unfinished or an example detail is wrong; the contract stands
    INFO = "info"  # worth knowing, nothing to fix


class How(StrEnum):
    """How a fact was found on the page."""

    MARKER = "marker"  # "Required." / "Optional." in a description
    COLUMN = "column"  # a Yes/No "Required" column
    PROSE = "prose"  # running text ("you must specify ...")
    TABLE_INTRO = "table-intro"  # the table's intro calls its rows required, rows unmarked
    EXAMPLE = "example"  # an example request or response
    ANNOTATION = "annotation"  # a <!-- { "blockType": ... } --> annotation
    SECTION = "section"  # a section's text (HTTP request block, Response prose, headers table)
    RESOURCE = "resource"  # the resource page beside the api page
    DEFAULT = "default"  # nothing on the page; a documented default of the harness


@dataclass(frozen=True, slots=True, kw_only=True)
class DocLocation:
    """A place on the doc page: file, 1-based line, section heading and an anchor inside it."""

    file: str
    line: int
    section: str = ""
    anchor: str = ""

    def cite(self) -> str:
        """Human form, e.g. `create.md:50 (Request body, userId)`."""
        inner = ", ".join(x for x in (self.section, self.anchor) if x)
        return f"{self.file}:{self.line}" + (f" ({inner})" if inner else "")


T = TypeVar("T")

WEAK_BELOW = 0.7
"""A fact below this confidence is weak: where the page's own example contradicts it, it yields."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact(Generic[T]):
    """One derived value with its provenance and a confidence in [0, 1]."""

    value: T
    where: DocLocation
    how: How
    confidence: float = 1.0
    note: str = ""
    quote: str = ""  # the sentence of running text the fact was read from, when it came from prose


@dataclass(frozen=True, slots=True, kw_only=True)
class Yield:
    """A weak fact the page's own example contradicts, and which gave way to it in the contract."""

    name: str  # the property
    what: str  # "required" (the example leaves it out) or "type" (the example value is not of that type)
    how: How  # how the weak fact was found
    fact: DocLocation  # where the weak fact stands
    example: DocLocation  # where the example contradicts it (the key's line, or the body's first line)
    detail: str  # one sentence: what the fact says and what the example does
    quote: str = ""  # the sentence of a prose fact


@dataclass(frozen=True, slots=True, kw_only=True)
class Header:
    """A request header from the headers table."""

    name: str
    required: bool
    value: str  # the documented value or hint, e.g. "Bearer {token}" or "application/json"
    where: DocLocation


@dataclass(frozen=True, slots=True, kw_only=True)
class Property:
    """A request/response body property and its JSON Schema."""

    name: str
    doc_type: str  # as written on the page, e.g. "DateTimeOffset", "Collection(String)"
    schema: dict[str, JSON]  # JSON Schema for a non-null value
    nullable: bool
    required: Fact[bool]
    read_only: bool = False
    description: str = ""
    where: DocLocation
    # the values a String's description lists ("Possible values are: `a`, `b`."), not an enum: a server may
    # accept others, and may refuse them (judgement.undocumented_values)
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One example request/response pair from the Examples section."""

    name: str
    request_body: JSON
    request_headers: tuple[tuple[str, str], ...]
    request_where: DocLocation | None
    response_status: int | None
    response_headers: tuple[tuple[str, str], ...]
    response_body: JSON
    response_where: DocLocation | None
    response_odata_annotation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternatives:
    """A group of properties of which a request must carry at least one ("Either A or B is required"),
    or exactly one when `exclusive` ("Specify A or B, but not both"). No member is required on its own."""

    names: tuple[str, ...]  # two or more request properties, in the sentence's order
    exclusive: bool  # exactly one (oneOf) rather than at least one (anyOf)
    sentence: str  # the page's sentence, as plain text, for reports to quote
    where: DocLocation  # the sentence's line
    how: How = How.PROSE
    confidence: float = 1.0

    def cite(self) -> str:
        """`page.md:52 ("Either A or B is required.")`, for messages."""
        return f'{self.where.cite()} ("{self.sentence}")'


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """The operation a page documents: a create, or a get, list, update or delete (`kind`)."""

    title: str
    method: Fact[str]
    paths: tuple[Fact[str], ...]  # first is the one tested; placeholders like {id} kept
    headers: tuple[Header, ...]
    properties: tuple[Property, ...]
    success_status: Fact[int]
    odata_type: Fact[str] | None  # the value documented for the response body's @odata.type
    id_format: Fact[str]  # "guid" or "string"
    examples: tuple[Example, ...]
    resource: str  # resource type name, e.g. "outboundSharedUserProfile"
    additional_properties: bool = False  # may a client send properties the page does not list?
    yields: tuple[Yield, ...] = ()  # weak facts the page's own examples overruled (contract/consistency.py)
    alternatives: tuple[Alternatives, ...] = ()  # "either A or B is required" groups
    # Kinds other than create (contract/kinds.py); absent from a create's JSON, so create specs stay the same.
    kind: Fact[str] | None = None  # "get", "list", "update", "delete"; None: a create
    key: Fact[str] | None = None  # the key path parameter ("id" of /things/{id}), where the path ends in one
    also_status: tuple[Fact[int], ...] = ()  # other success codes the page allows (an update's 200 or 204)
    query_options: tuple[Fact[str], ...] = ()  # the OData query options the page names ("$select", ...)
    paging: Fact[bool] | None = None  # a list: whether the page says it pages through @odata.nextLink

    @property
    def kind_name(self) -> str:
        """`create`, `get`, `list`, `update` or `delete`."""
        return "create" if self.kind is None else self.kind.value

    @property
    def response_body(self) -> str:
        """What the success response carries: `none` (204), `collection` (a list's `value`) or `entity`."""
        if self.success_status.value == 204:
            return "none"
        return "collection" if self.kind_name == "list" else "entity"

    @property
    def path(self) -> str:
        return self.paths[0].value

    @property
    def required(self) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.required.value)

    def property(self, name: str) -> Property | None:
        return next((p for p in self.properties if p.name == name), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractNote:
    """A doc-lint finding: something on the page a reader of the verdict should know."""

    severity: Severity
    code: str  # stable, e.g. "DOC-TODO"
    message: str
    where: DocLocation


@dataclass(frozen=True, slots=True, kw_only=True)
class Spec:
    """Everything derived from one doc page."""

    doc_file: str  # file name of the page, as cited in DocLocations
    doc_sha256: str
    title: str
    version: str  # "beta", "v1.0" or "" when unknown
    operation: Operation
    landmarks: tuple[DocLocation, ...] = ()  # headings, table rows and blocks, for DocRef binding
    notes: tuple[ContractNote, ...] = ()
    others: tuple[Operation, ...] = ()  # the resource's other pages' operations (`derive PAGE...`)

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation: `operation` (the create, where the pages have one) first."""
        return (self.operation, *self.others)

    def to_json(self) -> dict[str, JSON]:
        """Plain JSON form (stable key order), inverse of `spec_from_json`."""
        data: dict[str, JSON] = {"format": SPEC_FORMAT, **_dump(self)}
        for op in (data["operation"], *data["others"]):
            # absent rather than empty: specs written before these fields stay equal
            for name, empty in _OPTIONAL_OPERATION_FIELDS.items():
                if op.get(name) == empty:
                    del op[name]
        if not self.others:
            del data["others"]
        return data

    def locate(self, section: str, anchor: str = "") -> DocLocation | None:
        """The landmark with this section heading and anchor (case-insensitive), or None."""
        s, a = section.casefold(), anchor.casefold()
        for mark in self.landmarks:
            if mark.section.casefold() == s and mark.anchor.casefold() == a:
                return mark
        return None


_OPTIONAL_OPERATION_FIELDS: dict[str, JSON] = {
    "alternatives": [],
    "kind": None,
    "key": None,
    "also_status": [],
    "query_options": [],
    "paging": None,
}


def request_schema(op: Operation) -> dict[str, JSON]:
    """JSON Schema (2020-12) of a valid request body."""
    props: dict[str, JSON] = {}
    for p in op.properties:
        if p.read_only:
            continue
        props[p.name] = _nullable(p.schema) if p.nullable else dict(p.schema)
    schema: dict[str, JSON] = {
        "type": "object",
        "properties": props,
        "required": [p.name for p in op.required if not p.read_only],
        "additionalProperties": op.additional_properties,
    }
    # OData control information such as "@odata.type" is always allowed in a request.
    schema["patternProperties"] = {"^@": {}}
    groups = [alternatives_schema(g) for g in op.alternatives]
    if len(groups) == 1:
        schema.update(groups[0])
    elif groups:
        schema["allOf"] = groups
    return schema


def alternatives_schema(group: Alternatives) -> dict[str, JSON]:
    """`{"anyOf": [{"required": [A]}, {"required": [B]}]}` (`oneOf` for an exclusive group)."""
    return {"oneOf" if group.exclusive else "anyOf": [{"required": [name]} for name in group.names]}


def response_schema(op: Operation, odata_types: tuple[str, ...] = ()) -> dict[str, JSON]:
    """JSON Schema (2020-12) of the success response body; `odata_types` adds accepted aliases.

    A create's body is the new entity, with its key. A get's or update's is the entity with no property
    demanded (`$select` and partial representations leave any out); a list's is a collection: `value`, an
    array of such entities, and an optional `@odata.nextLink` URL."""
    if op.kind is not None:
        return entity_schema(op) if op.kind_name != "list" else collection_schema(op)
    props: dict[str, JSON] = {}
    for p in op.properties:
        props[p.name] = _nullable(p.schema) if p.nullable else dict(p.schema)
    id_prop = op.property("id")
    if id_prop is None or id_prop.read_only:  # a server-assigned key: non-empty, GUID shaped if documented so
        id_schema: dict[str, JSON] = {"type": "string", "minLength": 1}
        if op.id_format.value == "guid":
            id_schema["pattern"] = GUID_PATTERN
            id_schema["format"] = "uuid"  # for other tools (Prism, generators); the pattern is the rule
        props["id"] = id_schema
    required = ["id"]
    if op.odata_type is not None and op.odata_type.how is How.EXAMPLE:
        # Only a type the example bodies show is demanded; a polymorphic page shows several.
        props["@odata.type"] = {"enum": documented_odata_types(op, odata_types)}
        required.append("@odata.type")
    return {
        "type": "object",
        "properties": props,
        "required": required,
    }


def entity_schema(op: Operation) -> dict[str, JSON]:
    """JSON Schema of one entity a get, list or update returns: the known properties, none required."""
    props: dict[str, JSON] = {}
    for p in op.properties:
        props[p.name] = _nullable(p.schema) if p.nullable else dict(p.schema)
    props.setdefault("id", {"type": "string", "minLength": 1})
    return {"type": "object", "properties": props}


def collection_schema(op: Operation) -> dict[str, JSON]:
    """JSON Schema of a list's body: `{"value": [entity, ...], "@odata.nextLink": "..."}`."""
    return {
        "type": "object",
        "properties": {
            "value": {"type": "array", "items": entity_schema(op)},
            "@odata.nextLink": {"type": "string", "minLength": 1},
        },
        "required": ["value"],
    }


def documented_odata_types(op: Operation, aliases: tuple[str, ...] = ()) -> list[str]:
    """The @odata.type values a success body may carry: the documented one, those of the other example
    response bodies (polymorphic pages), then accepted aliases; in that order, without repeats."""
    found = [] if op.odata_type is None else [op.odata_type.value]
    for example in op.examples:
        body = example.response_body
        if isinstance(body, dict) and isinstance(body.get("@odata.type"), str):
            found.append(body["@odata.type"])
    return list(dict.fromkeys([*found, *aliases]))


def _nullable(schema: dict[str, JSON]) -> dict[str, JSON]:
    # anyOf rather than type: [x, "null"]: schemathesis treats the latter badly with formats.
    return {"anyOf": [dict(schema), {"type": "null"}]}


# -- JSON round trip -------------------------------------------------------------------------


def _dump(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            out[f.name] = _dump(getattr(obj, f.name))
        return out
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, tuple | list):
        return [_dump(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items()}
    return obj


def _loc(d: dict[str, Any] | None) -> DocLocation | None:
    return None if d is None else DocLocation(**d)


def _fact(d: dict[str, Any]) -> Fact[Any]:
    return Fact(
        value=d["value"],
        where=DocLocation(**d["where"]),
        how=How(d["how"]),
        confidence=d.get("confidence", 1.0),
        note=d.get("note", ""),
        quote=d.get("quote", ""),
    )


def _pairs(items: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(k), str(v)) for k, v in items)


def spec_from_json(data: dict[str, JSON]) -> Spec:
    """Rebuild a `Spec` from `Spec.to_json()` output. Raises KeyError/TypeError/ValueError if malformed."""
    if data.get("format") != SPEC_FORMAT:
        raise ValueError(f"spec format {data.get('format')!r}, this harness reads {SPEC_FORMAT}")
    return Spec(
        doc_file=data["doc_file"],
        doc_sha256=data["doc_sha256"],
        title=data["title"],
        version=data["version"],
        operation=_operation(data["operation"]),
        others=tuple(_operation(o) for o in data.get("others", ())),
        landmarks=tuple(DocLocation(**m) for m in data.get("landmarks", ())),
        notes=tuple(
            ContractNote(
                severity=Severity(n["severity"]),
                code=n["code"],
                message=n["message"],
                where=DocLocation(**n["where"]),
            )
            for n in data.get("notes", ())
        ),
    )


def _maybe_fact(d: dict[str, Any] | None) -> Fact[Any] | None:
    return None if d is None else _fact(d)


def _operation(o: dict[str, Any]) -> Operation:
    return Operation(
        title=o["title"],
        method=_fact(o["method"]),
        paths=tuple(_fact(p) for p in o["paths"]),
        headers=tuple(
            Header(name=h["name"], required=h["required"], value=h["value"], where=DocLocation(**h["where"]))
            for h in o["headers"]
        ),
        properties=tuple(
            Property(
                name=p["name"],
                doc_type=p["doc_type"],
                schema=p["schema"],
                nullable=p["nullable"],
                required=_fact(p["required"]),
                read_only=p.get("read_only", False),
                description=p.get("description", ""),
                where=DocLocation(**p["where"]),
                values=tuple(str(v) for v in p.get("values", ())),
            )
            for p in o["properties"]
        ),
        success_status=_fact(o["success_status"]),
        odata_type=None if o["odata_type"] is None else _fact(o["odata_type"]),
        id_format=_fact(o["id_format"]),
        examples=tuple(
            Example(
                name=e["name"],
                request_body=e["request_body"],
                request_headers=_pairs(e["request_headers"]),
                request_where=_loc(e["request_where"]),
                response_status=e["response_status"],
                response_headers=_pairs(e["response_headers"]),
                response_body=e["response_body"],
                response_where=_loc(e["response_where"]),
                response_odata_annotation=e.get("response_odata_annotation"),
            )
            for e in o["examples"]
        ),
        resource=o["resource"],
        additional_properties=o.get("additional_properties", False),
        yields=tuple(
            Yield(
                name=y["name"],
                what=y["what"],
                how=How(y["how"]),
                fact=DocLocation(**y["fact"]),
                example=DocLocation(**y["example"]),
                detail=y["detail"],
                quote=y.get("quote", ""),
            )
            for y in o.get("yields", ())
        ),
        alternatives=tuple(
            Alternatives(
                names=tuple(str(n) for n in a["names"]),
                exclusive=bool(a["exclusive"]),
                sentence=str(a["sentence"]),
                where=DocLocation(**a["where"]),
                how=How(a.get("how", How.PROSE.value)),
                confidence=float(a.get("confidence", 1.0)),
            )
            for a in o.get("alternatives", ())
        ),
        kind=_maybe_fact(o.get("kind")),
        key=_maybe_fact(o.get("key")),
        also_status=tuple(_fact(f) for f in o.get("also_status", ())),
        query_options=tuple(_fact(f) for f in o.get("query_options", ())),
        paging=_maybe_fact(o.get("paging")),
    )


__all__ = [
    "GUID_PATTERN",
    "GUID_RE",
    "JSON",
    "WEAK_BELOW",
    "Alternatives",
    "ContractNote",
    "DocLocation",
    "Example",
    "Fact",
    "Header",
    "How",
    "Level",
    "Operation",
    "Property",
    "Severity",
    "Spec",
    "Yield",
    "alternatives_schema",
    "collection_schema",
    "documented_odata_types",
    "entity_schema",
    "request_schema",
    "response_schema",
    "spec_from_json",
]

"""The named faults and legal variations the reference server can switch on, phrased against a Spec.

A fault is a way to break the documented contract; a check that guards it must FAIL when it is on.
A variation is a behaviour the contract allows; every check must still PASS when it is on. Both
live in one namespace so `ReferenceServer(faults=[...])` takes any mix of them.

Faults name their target by role ("the first required string property"), never by a property
name, so they apply to any derived create page. `needs` says what the Spec must have for the
fault to be observable; `Fault.applies_to(op)` answers it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, timedelta

from conformance.contract.schemas import parse_datetime
from conformance.contract.spec import (
    JSON,
    Level,
    Operation,
    Property,
    Spec,
    alternatives_schema,
    request_schema,
)
from conformance.errors import ConfigError, did_you_mean

# What a fault or variation needs from the Spec to be observable.
NEEDS = {
    "guid": "the documented id is a GUID the server chooses",
    "server-id": "the server chooses the id (the page does not make id a required property)",
    "odata-type": "the page documents an @odata.type",
    "string": "a writable string property",
    "required": "a writable required property",
    "optional": "a writable optional property",
    "datetime": "a writable date-time property",
    "typed": "a writable property with a JSON type",
    "closed": "the body does not allow unlisted properties",
    "nullable-optional": "a nullable optional property",
    "alternatives": "an alternatives group ('Either A or B is required')",
    "exclusive-alternatives": "an exclusive alternatives group ('A or B, but not both')",
    # needs of the rest of the resource, judged on the whole spec (a page set: `Spec.others`)
    "get": "a get page for the create's resource",
    "list": "a list page for the create's resource",
    "update": "an update page for the create's resource",
    "delete": "a delete page for the create's resource",
    "update-either": "an update page that allows 204 or 200 with the object",
    "delete-204": "a delete page that documents 204 No Content and not 200",
    "top": "a list page that names $top among its query options",
    "select": "a get or list page that names $select among its query options",
    "filter": "a list page that names $filter among its query options",
}
RESOURCE_NEEDS = frozenset(
    {"get", "list", "update", "delete", "update-either", "delete-204", "top", "select", "filter"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Fault:
    """One named behaviour of the reference server: a contract break, or (legal=True) a legal variation."""

    name: str
    description: str
    level_hint: (
        Level  # the highest level among the checks it fails (tests/test_fault_levels.py keeps them equal)
    )
    legal: bool = False
    needs: tuple[str, ...] = ()

    def applies_to(self, target: Operation | Spec) -> bool:
        """True when `target` (a create's operation, or a whole spec for the resource's needs) has everything
        this fault needs to make an observable difference."""
        spec = target if isinstance(target, Spec) else None
        op = target.operation if isinstance(target, Spec) else target
        return all(
            (spec is not None and _HAS_RESOURCE[need](spec)) if need in RESOURCE_NEEDS else _HAS[need](op)
            for need in self.needs
        )


def _f(name: str, level: str, description: str, *needs: str) -> Fault:
    return Fault(name=name, description=description, level_hint=Level(level), needs=needs)


def _v(name: str, description: str, *needs: str) -> Fault:
    return Fault(name=name, description=description, level_hint=Level.MAY, legal=True, needs=needs)


_FAULTS = (
    # -- success status ------------------------------------------------------------------------
    _f("status-200", "MUST", "a successful create answers 200 instead of the documented status"),
    _f("status-202", "MUST", "a successful create answers 202 Accepted instead of the documented status"),
    _f("status-204-no-body", "MUST", "a successful create answers 204 with no body"),
    # -- id --------------------------------------------------------------------------------------
    _f("id-missing", "MUST", "the created entity has no id in the response body"),
    _f("id-not-guid", "MUST", "the id is an opaque string although the page documents a GUID", "guid"),
    _f("id-empty", "MUST", "the id is the empty string", "server-id"),
    _f("id-numeric", "MUST", "the id is a JSON number (a counter)", "server-id"),
    _f("id-guid-no-dashes", "MUST", "the id is a GUID written as 32 hex digits without dashes", "guid"),
    _f("id-guid-braces", "MUST", "the id is a GUID wrapped in braces", "guid"),
    _f("id-from-client", "MUST", "an id sent by the client is adopted instead of being ignored", "server-id"),
    _f("id-repeats", "MUST", "every create gets the same id", "server-id"),
    # -- @odata.type -----------------------------------------------------------------------------
    _f("odata-type-missing", "MUST", "the response body has no @odata.type", "odata-type"),
    _f(
        "odata-type-wrong-case", "MUST", "@odata.type differs from the documented value in case", "odata-type"
    ),
    _f("odata-type-no-hash", "MUST", "@odata.type lacks the leading '#'", "odata-type"),
    _f("odata-type-other", "MUST", "@odata.type names another type (a base type)", "odata-type"),
    # -- echo of the sent properties -------------------------------------------------------------
    _f(
        "echo-string-trimmed",
        "MUST",
        "the first required string property comes back whitespace-trimmed",
        "string",
    ),
    _f(
        "echo-string-lowercased",
        "MUST",
        "the first required string property comes back lower-cased",
        "string",
    ),
    _f(
        "echo-string-dropped",
        "MUST",
        "the first required string property is missing from the response",
        "string",
    ),
    _f("echo-non-ascii-mangled", "MUST", "non-ASCII characters in sent strings come back as '?'", "string"),
    _f("echo-datetime-shifted", "MUST", "sent date-times come back in UTC but one hour off", "datetime"),
    _f("echo-optional-dropped", "MUST", "the first optional property is dropped even when sent", "optional"),
    # -- request validation ----------------------------------------------------------------------
    _f("accepts-missing-required", "MUST", "a body without the required properties is created", "required"),
    _f(
        "accepts-wrong-type",
        "MUST",
        "property values of the wrong JSON type are accepted and stored",
        "typed",
    ),
    _f("accepts-unknown-properties", "SHOULD", "properties the page does not list are accepted", "closed"),
    _f("accepts-bad-datetime", "MUST", "a date-time property accepts any string", "datetime"),
    _f("accepts-malformed-json", "MUST", "a body that is not JSON is answered with a success"),
    _f("accepts-non-object", "MUST", "a JSON body that is not an object (array, string) is created"),
    _f("accepts-any-content-type", "MUST", "a JSON body sent as text/plain is created instead of 415"),
    # -- alternatives ("Either A or B is required") ----------------------------------------------
    _f(
        "alternatives-neither-accepted",
        "MUST",
        "a body with none of an alternatives group is created",
        "alternatives",
    ),
    _f(
        "alternatives-last-rejected",
        "MUST",
        "a body whose only member of the first alternatives group is its last member is rejected",
        "alternatives",
    ),
    _f(
        "alternatives-all-required",
        "MUST",
        "every member of an alternatives group is required, as if the sentence said 'A and B'",
        "alternatives",
    ),
    # -- crashes ---------------------------------------------------------------------------------
    _f("crash-non-ascii", "MUST", "500 when any sent string holds a non-ASCII character", "string"),
    _f("crash-long-string", "MUST", "500 when any sent string is longer than 256 characters", "string"),
    _f("crash-null", "MUST", "500 when any sent property value is null"),
    _f("crash-empty-string", "MUST", "500 when any sent string is empty", "string"),
    # -- success response format -----------------------------------------------------------------
    _f("response-text-plain", "MUST", "the create response is labelled text/plain"),
    _f("response-no-content-type", "MUST", "the create response has no Content-Type"),
    _f("response-json-array", "MUST", "the create response body is a JSON array holding the entity"),
    _f("response-invalid-json", "MUST", "the create response body is cut short and is not JSON"),
    # -- auth ------------------------------------------------------------------------------------
    _f("auth-not-required", "MUST", "a request without Authorization is served as if authorized"),
    _f("auth-no-www-authenticate", "SHOULD", "401 answers carry no WWW-Authenticate header"),
    _f("auth-403", "MUST", "a missing or bad token gets 403 instead of 401"),
    _f("auth-any-scheme", "SHOULD", "any non-empty Authorization value is accepted, not only Bearer"),
    _f("auth-any-token", "SHOULD", "any bearer token is accepted when the server expects one"),
    # -- error answers ---------------------------------------------------------------------------
    _f("error-body-no-code", "SHOULD", "error bodies lack error.code"),
    _f("error-body-no-message", "SHOULD", "error bodies lack error.message"),
    _f("error-body-not-json", "SHOULD", "error bodies are plain text instead of a Graph error object"),
    _f("status-400-for-415", "SHOULD", "a body in an unsupported media type gets 400 instead of 415"),
    _f("allow-missing", "SHOULD", "405 answers carry no Allow header"),
    # -- headers and read-back -------------------------------------------------------------------
    _f("location-missing", "SHOULD", "a successful create has no Location header"),
    _f("location-collection", "SHOULD", "Location names the collection instead of the new entity"),
    _f("odata-version-missing", "SHOULD", "responses carry no OData-Version header"),
    _f("request-id-missing", "SHOULD", "responses carry no request-id header"),
    _f("client-request-id-not-echoed", "SHOULD", "a client-request-id sent by the client is not echoed"),
    _f("no-read-back", "MAY", "GET on the new entity's URL answers 404"),
    # -- the rest of the resource: get, list, update, delete (run against a page set) ------------
    _f(
        "stale-read-after-update",
        "MUST",
        "an update answers success but a later get shows the old values",
        "update",
        "get",
    ),
    _f(
        "get-omits-sent",
        "MUST",
        "a get leaves out the first optional property, which the create stored and returned",
        "get",
        "optional",
    ),
    _f(
        "update-200-no-body",
        "MUST",
        "an update answers 200 with an empty body instead of the object",
        "update",
    ),
    _f(
        "list-missing-new",
        "MUST",
        "lists lag: an object created in the last 10 minutes is not listed",
        "list",
    ),
    _f(
        "delete-leaves-readable",
        "MUST",
        "a delete answers 204 but the object can still be read",
        "delete",
        "get",
    ),
    _f(
        "delete-leaves-listed",
        "MUST",
        "a delete answers 204 and a get of the object 404, but lists still hold it",
        "delete",
        "get",
        "list",
    ),
    # RFC 9110 §9.3.5 lets a DELETE answer 200 with a representation, but the page documents 204 No
    # Content: a client built from the page expects no body, so the page's code is the contract.
    _f(
        "delete-200-body",
        "MUST",
        "a delete answers 200 with the deleted object where the page documents 204",
        "delete-204",
    ),
    _f(
        "nextlink-loop",
        "MUST",
        "list pages of one object whose @odata.nextLink names the page itself",
        "list",
    ),
    _f(
        "nextlink-other-host",
        "MUST",
        "list pages of one object whose @odata.nextLink names another host",
        "list",
    ),
    _f(
        "top-ignored", "MUST", "a list ignores $top although the list page documents it (pages of two)", "top"
    ),
    _f(
        "top-only-one",
        "MUST",
        "$top is honoured when it is 1 (a first-item code path) and ignored for any larger value",
        "top",
    ),
    _f("top-invalid-ignored", "MUST", "a $top that is not a non-negative integer is ignored (200)", "top"),
    _f(
        "select-ignored", "MUST", "$select is ignored on the get and the list: every property comes", "select"
    ),
    _f("select-unknown-500", "MUST", "500 for a $select naming a property the type does not have", "select"),
    _f(
        "query-error-bare",
        "SHOULD",
        "a refused query option ($top=-1, an unknown $select property) answers 400 with no error body",
        "top",
    ),
    _f("filter-ignored", "MUST", "$filter is ignored: the list holds every object", "filter"),
    _f(
        "filter-substring",
        "MUST",
        "$filter=p eq 'v' keeps every object whose p contains v (a substring match, not eq)",
        "filter",
    ),
    _f(
        "update-ignores-last-property",
        "MUST",
        "an update answers success but does not store the last property the update page lists",
        "update",
        "get",
    ),
    _f("update-accepts-mistyped", "MUST", "an update stores values of the wrong type or format", "update"),
    _f(
        "update-refusal-applies",
        "MUST",
        "an update refused with 400 (a mistyped value) is stored all the same",
        "update",
        "get",
    ),
    _f("update-error-bare", "SHOULD", "a refused update answers 400 with no error body", "update"),
    _f("unknown-id-200", "MUST", "GET of an id that never existed answers 200 with an object", "get"),
    _f("unknown-id-500", "MUST", "GET of an id that never existed answers 500", "get"),
    _f(
        "unknown-id-404-bare",
        "SHOULD",
        "GET of an id that never existed answers 404 with no error body",
        "get",
    ),
)

_VARIATIONS = (
    # RFC 9110 §15.6.2: 501 is the fitting answer to a method the server does not recognise at all.
    _v("method-501", "a method the server does not recognise (e.g. QUERY) gets 501 instead of 405"),
    _v("guid-uppercase", "GUID ids are written in upper case", "guid"),
    _v("extra-properties", "the response holds server-owned properties the page does not list"),
    _v("extra-annotations", "the response holds extra @odata.* annotations (etag, id)"),
    _v("content-type-plain-json", "responses are labelled plain application/json, no parameters"),
    _v("validation-422", "schema violations get 422 instead of 400 (malformed JSON stays 400)", "required"),
    _v("connection-close", "every response carries Connection: close and the connection is closed"),
    _v("chunked", "bodies are sent with chunked transfer encoding"),
    _v("gzip", "bodies are gzip-encoded when the client accepts gzip"),
    _v(
        "alternatives-both-accepted",
        "a body with several members of an exclusive group ('A or B, but not both') is created",
        "exclusive-alternatives",
    ),
    _v(
        "omit-unsent-nullable",
        "nullable optional properties that were not sent are omitted",
        "nullable-optional",
    ),
    _v("page-size-1", "lists come in pages of one object, linked by @odata.nextLink", "list"),
    _v("page-size-7", "lists come oldest first in pages of seven objects, linked by @odata.nextLink", "list"),
    _v(
        "update-200",
        "an update answers 200 with the updated object where the page allows 204 or 200",
        "update-either",
    ),
    _v("key-style-urls", "Location names the new object in key style: /things('id')"),
    _v(
        "filter-400",
        "$filter is refused with 400 and an OData error, as for a property it cannot filter on",
        "filter",
    ),
    _v("select-keeps-key", "answers to $select always hold the id and the key as well", "select"),
    _v(
        "select-unknown-ignored",
        "an unknown $select property is answered 200 with the key and annotations only (an open type)",
        "select",
    ),
)

FAULTS: dict[str, Fault] = {f.name: f for f in _FAULTS}
VARIATIONS: dict[str, Fault] = {f.name: f for f in _VARIATIONS}
assert not FAULTS.keys() & VARIATIONS.keys(), "fault and variation names must be unique"
ALL: dict[str, Fault] = {**FAULTS, **VARIATIONS}


def list_faults() -> list[Fault]:
    """Every fault, then every legal variation (`legal=True`), in registry order."""
    return [*FAULTS.values(), *VARIATIONS.values()]


def resolve(names: object) -> frozenset[str]:
    """Check fault names against both registries; an unknown name raises `ConfigError`."""
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list | tuple | set | frozenset):
        raise ConfigError(f"faults must be a list of names, got {type(names).__name__}")
    out = set()
    for name in names:
        if name not in ALL:
            hint = did_you_mean(str(name), ALL)
            raise ConfigError(f"unknown fault {name!r}{hint}; `conformance serve --list-faults` lists them")
        out.add(str(name))
    return frozenset(out)


# -- roles a fault aims at, found in the Spec --------------------------------------------------


def writable(op: Operation) -> tuple[Property, ...]:
    """Properties a client may send (not read-only, not the id)."""
    return tuple(p for p in op.properties if not p.read_only and p.name != "id")


def is_string(p: Property) -> bool:
    return p.schema.get("type") == "string" and "enum" not in p.schema


def is_datetime(p: Property) -> bool:
    return p.schema.get("type") == "string" and p.schema.get("format") == "date-time"


def target_string(op: Operation) -> Property | None:
    """The first required plain string property, else the first plain string property."""
    strings = [p for p in writable(op) if is_string(p) and p.schema.get("format") is None]
    required = [p for p in strings if p.required.value]
    candidates = required or strings
    return candidates[0] if candidates else None


def caller_sets_id(op: Operation) -> bool:
    """Some pages make `id` a required property the caller chooses; then the server adopts it."""
    prop = op.property("id")
    return prop is not None and prop.required.value and not prop.read_only


def first_optional(op: Operation) -> Property | None:
    return next((p for p in writable(op) if not p.required.value), None)


_HAS: dict[str, Callable[[Operation], bool]] = {
    "guid": lambda op: op.id_format.value == "guid" and not caller_sets_id(op),
    "server-id": lambda op: not caller_sets_id(op),
    "odata-type": lambda op: op.odata_type is not None,
    "string": lambda op: target_string(op) is not None,
    "required": lambda op: any(p.required.value for p in writable(op)),
    "optional": lambda op: first_optional(op) is not None,
    "datetime": lambda op: any(is_datetime(p) for p in writable(op)),
    "typed": lambda op: any("type" in p.schema for p in writable(op)),
    "closed": lambda op: not op.additional_properties,
    "nullable-optional": lambda op: any(p.nullable and not p.required.value for p in op.properties),
    "alternatives": lambda op: bool(op.alternatives),
    "exclusive-alternatives": lambda op: any(g.exclusive for g in op.alternatives),
}


def _documents(kind: str) -> Callable[[Spec], bool]:
    return lambda spec: any(op.kind_name == kind and (kind == "list" or op.key) for op in spec.others)


def _update_either(spec: Spec) -> bool:
    return any(
        {op.success_status.value, *(f.value for f in op.also_status)} >= {200, 204}
        for op in spec.others
        if op.kind_name == "update"
    )


def _delete_204(spec: Spec) -> bool:
    return any(
        200 not in {op.success_status.value, *(f.value for f in op.also_status)}
        and 204 in {op.success_status.value, *(f.value for f in op.also_status)}
        for op in spec.others
        if op.kind_name == "delete" and op.key
    )


def _option(spec: Spec, kinds: tuple[str, ...], option: str) -> bool:
    return any(
        op.kind_name in kinds and any(o.value.casefold() == option for o in op.query_options)
        for op in spec.others
    )


_HAS_RESOURCE: dict[str, Callable[[Spec], bool]] = {
    "get": _documents("get"),
    "list": _documents("list"),
    "update": _documents("update"),
    "delete": _documents("delete"),
    "update-either": _update_either,
    "delete-204": _delete_204,
    "top": lambda spec: _option(spec, ("list",), "$top"),
    "select": lambda spec: _option(spec, ("get", "list"), "$select"),
    "filter": lambda spec: _option(spec, ("list",), "$filter"),
}
assert _HAS.keys() | _HAS_RESOURCE.keys() == NEEDS.keys()
assert _HAS_RESOURCE.keys() == RESOURCE_NEEDS


# -- what the switched-on faults do to a request or an entity ---------------------------------


def _on(faults: frozenset[str], name: str) -> bool:
    assert name in ALL, f"unregistered fault {name!r}"  # guards typos in the server's code
    return name in faults


def loosened_schema(op: Operation, faults: frozenset[str]) -> dict[str, JSON]:
    """The request schema, loosened by the validation faults that are on."""
    schema = copy.deepcopy(request_schema(op))
    if _on(faults, "accepts-missing-required"):
        schema["required"] = []
    if _on(faults, "accepts-unknown-properties"):
        schema["additionalProperties"] = True
    if _on(faults, "accepts-wrong-type"):
        schema["properties"] = {name: {} for name in schema["properties"]}
    if _on(faults, "accepts-bad-datetime"):
        schema = _drop_datetime_format(schema)
    if _on(faults, "id-from-client"):
        schema["properties"].setdefault("id", {})
    if op.alternatives:
        schema = _loosened_alternatives(op, faults, schema)
    return schema


def _loosened_alternatives(op: Operation, faults: frozenset[str], schema: dict[str, JSON]) -> dict[str, JSON]:
    """The alternatives constraints, changed by the alternatives faults and variations that are on."""
    groups = list(op.alternatives)
    if _on(faults, "alternatives-both-accepted"):
        groups = [dataclasses.replace(g, exclusive=False) for g in groups]
    if _on(faults, "alternatives-all-required"):
        schema["required"] = list(dict.fromkeys([*schema["required"], *(n for g in groups for n in g.names)]))
        groups = []
    if _on(faults, "alternatives-neither-accepted") or _on(faults, "accepts-missing-required"):
        groups = []
    for key in ("anyOf", "oneOf", "allOf"):
        schema.pop(key, None)
    parts = [alternatives_schema(g) for g in groups]
    if parts:
        schema["allOf"] = parts
    return schema


def alternatives_refusal(faults: frozenset[str], op: Operation, body: dict[str, JSON]) -> str:
    """Why the `alternatives-last-rejected` fault refuses this body, or '' when it does not."""
    if not op.alternatives or not _on(faults, "alternatives-last-rejected"):
        return ""
    names = op.alternatives[0].names
    if names[-1] in body and not any(n in body for n in names[:-1]):
        return f"{names[-1]} alone is not accepted; send {names[0]}"
    return ""


def _drop_datetime_format(node: JSON) -> JSON:
    if isinstance(node, dict):
        return {k: _drop_datetime_format(v) for k, v in node.items() if (k, v) != ("format", "date-time")}
    if isinstance(node, list):
        return [_drop_datetime_format(v) for v in node]
    return node


def _walk(value: JSON) -> Iterator[JSON]:
    """Every value inside a JSON value, without recursion (bodies may be nested deeply)."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def crash_reason(faults: frozenset[str], body: JSON) -> str:
    """The error a crash fault raises on this body, or '' when no crash fault trips."""
    for value in _walk(body):
        if value is None and _on(faults, "crash-null"):
            return "AttributeError: 'NoneType' object has no attribute 'strip'"
        if not isinstance(value, str):
            continue
        if _on(faults, "crash-non-ascii") and not value.isascii():
            return "UnicodeEncodeError: 'ascii' codec can't encode character"
        if _on(faults, "crash-long-string") and len(value) > 256:
            return "DataError: value too long for type character varying(256)"
        if _on(faults, "crash-empty-string") and value == "":
            return "IndexError: string index out of range"
    return ""


def odata_type_value(faults: frozenset[str], documented: str) -> str:
    """The @odata.type the server writes, given the documented one."""
    value = documented
    if _on(faults, "odata-type-wrong-case"):
        value = value.lower() if value.lower() != value else value.upper()
    if _on(faults, "odata-type-no-hash"):
        value = value.lstrip("#")
    if _on(faults, "odata-type-other"):
        base = "#microsoft.graph.directoryObject"
        value = base if value.casefold() != base.casefold() else "#microsoft.graph.entity"
    return value


def mangle(faults: frozenset[str], op: Operation, entity: dict[str, JSON]) -> None:
    """Apply the echo faults to the entity about to be stored and returned."""
    target = target_string(op)
    if target is not None and isinstance(entity.get(target.name), str):
        if _on(faults, "echo-string-trimmed"):
            entity[target.name] = entity[target.name].strip()
        if _on(faults, "echo-string-lowercased"):
            entity[target.name] = entity[target.name].lower()
        if _on(faults, "echo-string-dropped"):
            del entity[target.name]
    if _on(faults, "echo-non-ascii-mangled"):
        for name, value in entity.items():
            if not name.startswith("@"):
                entity[name] = _ascii(value)
    if _on(faults, "echo-datetime-shifted"):
        for prop in op.properties:
            value = entity.get(prop.name)
            instant = parse_datetime(value) if is_datetime(prop) and isinstance(value, str) else None
            if instant is not None:
                moved = instant.astimezone(UTC) + timedelta(hours=1)
                entity[prop.name] = moved.strftime("%Y-%m-%dT%H:%M:%SZ")
    optional = first_optional(op)
    if optional is not None and _on(faults, "echo-optional-dropped"):
        entity.pop(optional.name, None)


def _ascii(value: JSON) -> JSON:
    if isinstance(value, str):
        return value.encode("ascii", "replace").decode("ascii")
    if isinstance(value, list):
        return [_ascii(v) for v in value]
    if isinstance(value, dict):
        return {k: _ascii(v) for k, v in value.items()}
    return value


__all__ = [
    "ALL",
    "FAULTS",
    "NEEDS",
    "RESOURCE_NEEDS",
    "VARIATIONS",
    "Fault",
    "alternatives_refusal",
    "caller_sets_id",
    "crash_reason",
    "first_optional",
    "is_datetime",
    "is_string",
    "list_faults",
    "loosened_schema",
    "mangle",
    "odata_type_value",
    "resolve",
    "target_string",
    "writable",
]

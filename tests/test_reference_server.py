"""The reference server: conformant behaviour for several Specs, and one visible difference per fault."""

from __future__ import annotations

import json
import random
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from conformance.contract.derive import derive_page
from conformance.contract.pageset import combine
from conformance.contract.schemas import parse_datetime
from conformance.contract.spec import GUID_RE, DocLocation, Fact, How, Operation, Property, Spec
from conformance.errors import ConfigError
from conformance.reference.faults import (
    FAULTS,
    VARIATIONS,
    first_optional,
    is_datetime,
    list_faults,
    target_string,
    writable,
)
from conformance.reference.server import MAX_BODY, ODATA_JSON, ReferenceServer
from tests.seed_spec import SEED_SPEC

TOKEN = "reference-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}

# -- hand-made Specs unlike the seed ----------------------------------------------------------


def _loc(line: int, section: str = "Request body", anchor: str = "") -> DocLocation:
    return DocLocation(file="hand-made.md", line=line, section=section, anchor=anchor)


def _prop(
    name: str, schema: dict[str, Any], *, required: bool = False, nullable: bool = False, **kw: Any
) -> Property:
    return Property(
        name=name,
        doc_type=name,
        schema=schema,
        nullable=nullable,
        required=Fact(value=required, where=_loc(10, anchor=name), how=How.MARKER),
        where=_loc(10, anchor=name),
        **kw,
    )


def _spec(title: str, paths: tuple[str, ...], props: tuple[Property, ...], **op: Any) -> Spec:
    def fact(value: Any) -> Fact[Any]:
        return Fact(value=value, where=_loc(5, "HTTP request"), how=How.SECTION)

    operation = Operation(
        title=title,
        method=fact("POST"),
        paths=tuple(fact(p) for p in paths),
        headers=(),
        properties=props,
        success_status=fact(201),
        odata_type=op.pop("odata_type", None),
        id_format=fact(op.pop("id_format")),
        examples=(),
        resource=op.pop("resource"),
        **op,
    )
    return Spec(doc_file="hand-made.md", doc_sha256="", title=title, version="v1.0", operation=operation)


# A nested path with placeholders, opaque string ids, several JSON types, a read-only property.
TODO_SPEC = _spec(
    "Create todoTaskList",
    ("/users/{id|userPrincipalName}/todo/lists", "/me/todo/lists"),
    (
        _prop("displayName", {"type": "string"}, required=True),
        _prop("wellknownListName", {"type": "string", "enum": ["none", "defaultList", "flaggedEmails"]}),
        _prop("reminderDateTime", {"type": "string", "format": "date-time"}, nullable=True),
        _prop("tags", {"type": "array", "items": {"type": "string"}}, nullable=True),
        _prop("priority", {"type": "integer"}),
        _prop("isOwner", {"type": "boolean"}, read_only=True),
    ),
    odata_type=Fact(value="#microsoft.graph.todoTaskList", where=_loc(40, "Response"), how=How.EXAMPLE),
    id_format="string",
    resource="todoTaskList",
)

# The caller chooses the id (as on the schemaExtension page); no @odata.type documented; open body.
EXTENSION_SPEC = _spec(
    "Create schemaExtension",
    ("/schemaExtensions",),
    (
        _prop("id", {"type": "string"}, required=True),
        _prop("description", {"type": "string"}),
        _prop("targetTypes", {"type": "array", "items": {"type": "string"}}, required=True),
    ),
    id_format="string",
    resource="schemaExtension",
    additional_properties=True,
)

SPECS = {"seed": SEED_SPEC, "todo": TODO_SPEC, "extension": EXTENSION_SPEC}


# -- a small client -----------------------------------------------------------------------------


def sample(schema: dict[str, Any]) -> Any:
    if "enum" in schema:
        return schema["enum"][-1]
    kind = schema.get("type")
    if kind == "string":
        return "2024-05-06T07:08:09Z" if schema.get("format") == "date-time" else "Sample value"
    if kind == "array":
        return [sample(schema.get("items", {"type": "string"}))]
    return {"integer": 7, "number": 1.5, "boolean": True, "object": {}}.get(str(kind), "x")


class Api:
    """`requests` against one server and the first documented path (placeholders filled in)."""

    def __init__(self, server: ReferenceServer) -> None:
        self.server = server
        self.op = server.op
        self.path = re.sub(r"\{[^}]*\}", "someone", self.op.path)
        self.url = server.url + self.path
        self.session = requests.Session()

    def body(self, **values: Any) -> dict[str, Any]:
        """A valid body with every writable property, `values` replacing or adding some."""
        return self._body(True, values)

    def required_body(self) -> dict[str, Any]:
        """A valid body with the required properties only."""
        return self._body(False, {})

    def _body(self, optional: bool, values: dict[str, Any]) -> dict[str, Any]:
        out = {p.name: sample(p.schema) for p in writable(self.op) if optional or p.required.value}
        if "id" in {p.name for p in self.op.required}:
            out["id"] = f"ext{uuid.uuid4().hex}"  # the caller chooses the id on such pages
        out.update(values)
        return out

    def post(
        self, body: Any = None, *, data: Any = None, headers: dict[str, str] | None = None, auth: bool = True
    ) -> requests.Response:
        sent = dict(AUTH if auth else {})
        sent.update(headers or {})
        if data is None:
            return self.session.post(self.url, json=self.body() if body is None else body, headers=sent)
        return self.session.post(self.url, data=data, headers=sent)

    def request(self, method: str, url: str | None = None, **kw: Any) -> requests.Response:
        return self.session.request(method, url or self.url, headers=kw.pop("headers", AUTH), **kw)


@pytest.fixture(params=list(SPECS), ids=list(SPECS))
def spec(request) -> Spec:
    return SPECS[request.param]


def serve(spec: Spec, faults: tuple[str, ...] = ()) -> Iterator[Api]:
    with ReferenceServer(spec, faults=faults, token=TOKEN) as server:
        api = Api(server)
        yield api
        api.session.close()
        assert server.internal_errors == []


@pytest.fixture
def api(spec) -> Iterator[Api]:
    yield from serve(spec)


def assert_graph_error(r: requests.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    err = r.json()["error"]
    assert isinstance(err["code"], str)
    assert err["code"]
    assert isinstance(err["message"], str)
    assert err["message"]
    assert GUID_RE.match(err["innerError"]["request-id"])
    assert parse_datetime(err["innerError"]["date"] + "Z")
    return dict(err)


# -- conformant behaviour -----------------------------------------------------------------------


def test_create_answers_documented_status_headers_and_body(api):
    body = api.body()
    r = api.post(body, headers={"client-request-id": "abc-123"})
    assert r.status_code == api.op.success_status.value
    assert r.headers["Content-Type"] == ODATA_JSON
    assert r.headers["OData-Version"] == "4.0"
    assert GUID_RE.match(r.headers["request-id"])
    assert r.headers["client-request-id"] == "abc-123"
    got = r.json()
    for name, value in body.items():
        assert got[name] == value
    if api.op.id_format.value == "guid":
        assert GUID_RE.match(got["id"])
        assert got["id"] == got["id"].lower()
    assert isinstance(got["id"], str)
    assert got["id"]
    if api.op.odata_type is None:
        assert "@odata.type" not in got
    else:
        assert got["@odata.type"] == api.op.odata_type.value
    assert got["@odata.context"].startswith(api.server.url + "/$metadata#")
    assert r.headers["Location"] == f"{api.url}/{got['id']}"


def test_created_entity_reads_back_and_unknown_id_is_404(api):
    created = api.post().json()
    r = api.request("GET", f"{api.url}/{created['id']}")
    assert r.status_code == 200
    assert r.json() == created
    assert_graph_error(api.request("GET", f"{api.url}/no-such-id"), 404)
    assert_graph_error(api.request("GET", api.server.url + "/not/documented"), 404)
    api.server.reset()
    assert_graph_error(api.request("GET", f"{api.url}/{created['id']}"), 404)


def test_nullable_properties_not_sent_come_back_null(api):
    got = api.post(api.required_body()).json()
    nullable = [p.name for p in api.op.properties if p.nullable and not p.required.value]
    assert all(got[name] is None for name in nullable)


def test_every_documented_path_is_served_with_any_placeholder_value():
    with ReferenceServer(TODO_SPEC, token=TOKEN) as server:
        for path in ("/users/alice@contoso.com/todo/lists", "/users/42/todo/lists", "/me/todo/lists"):
            r = requests.post(server.url + path, json={"displayName": "x"}, headers=AUTH)
            assert r.status_code == 201, path
            assert r.headers["Location"] == f"{server.url}{path}/{r.json()['id']}"
            assert requests.get(r.headers["Location"], headers=AUTH).status_code == 200
        assert requests.post(server.url + "/users/a/b/todo/lists", json={}, headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    "value", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer wrong-token", TOKEN]
)
def test_bad_or_missing_token_is_401_with_challenge(api, value):
    r = api.post(headers={"Authorization": value} if value is not None else {}, auth=False)
    assert_graph_error(r, 401)
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_bearer_scheme_is_case_insensitive_and_any_token_works_without_configured_token(spec):
    with ReferenceServer(spec) as server:
        api = Api(server)
        assert api.post(headers={"Authorization": "bearer anything"}, auth=False).status_code == 201
        assert api.post(auth=False).status_code == 401


@pytest.mark.parametrize(
    "ctype",
    ["application/json; charset=utf-8", "Application/JSON;odata.metadata=minimal", "application/json"],
)
def test_json_content_type_parameters_are_accepted(api, ctype):
    r = api.post(data=json.dumps(api.body()).encode(), headers={"Content-Type": ctype})
    assert r.status_code == 201


@pytest.mark.parametrize(
    "ctype", ["text/plain", "application/xml", "application/x-www-form-urlencoded", None]
)
def test_non_json_content_type_with_body_is_415(api, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    assert_graph_error(api.post(data=json.dumps(api.body()).encode(), headers=headers), 415)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "QUERY", "FOO", "TRACE"])
def test_other_methods_on_the_collection_are_405_with_allow(api, method):
    r = api.request(method)
    assert_graph_error(r, 405)
    assert r.headers["Allow"] == "POST"


def test_head_gets_405_without_body_and_item_allows_get(api):
    r = api.request("HEAD")
    assert r.status_code == 405
    assert r.content == b""
    assert r.headers["Allow"] == "POST"
    r = api.request("DELETE", f"{api.url}/{api.post().json()['id']}")
    assert_graph_error(r, 405)
    assert r.headers["Allow"] == "GET"


CT_JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"{'a': 1}", b"\xff\xfe{}", b"\x00\x01\x02binary", b'{"a": NaN}', b"[1e999]", b"[" * 100_000],
    ids=["empty", "truncated", "single-quotes", "not-utf8", "binary", "nan", "overflow", "deep"],
)
def test_malformed_bodies_are_400(api, raw):
    assert_graph_error(api.post(data=raw, headers=CT_JSON), 400)


@pytest.mark.parametrize("body", [[], "text", 12, None, True], ids=str)
def test_non_object_json_is_400(api, body):
    assert_graph_error(api.post(data=json.dumps(body).encode(), headers=CT_JSON), 400)


def test_body_over_the_cap_is_413_and_server_survives(api):
    r = api.post(data=b"{" + b" " * MAX_BODY + b"}", headers=CT_JSON)
    assert_graph_error(r, 413)
    assert api.post().status_code == 201


def test_schema_violations_are_400(api):
    op = api.op
    for prop in op.required:
        assert_graph_error(api.post({k: v for k, v in api.body().items() if k != prop.name}), 400)
    for prop in writable(op):
        wrong = 12345 if prop.schema.get("type") != "integer" else "twelve"
        assert_graph_error(api.post(api.body(**{prop.name: wrong})), 400)
        if not prop.nullable:
            assert_graph_error(api.post(api.body(**{prop.name: None})), 400)
        if is_datetime(prop):
            assert_graph_error(api.post(api.body(**{prop.name: "String (timestamp)"})), 400)
    status = 201 if op.additional_properties else 400
    assert api.post(api.body(unlistedProperty="x")).status_code == status


def test_odata_annotations_are_allowed_and_a_client_id_is_never_adopted(api):
    r = api.post(api.body(**{"@odata.type": "#some.type", "@odata.etag": "x"}))
    assert r.status_code == 201
    assert "@odata.etag" not in r.json()
    if api.op.property("id") is None:
        r = api.post(api.body(id="chosen-by-client"))
        assert r.status_code == 201
        assert r.json()["id"] != "chosen-by-client"


def test_caller_supplied_id_is_adopted_when_the_page_requires_it():
    with ReferenceServer(EXTENSION_SPEC, token=TOKEN) as server:
        api = Api(server)
        r = api.post({"id": "extMyApp_profile", "targetTypes": ["User"]})
        assert r.status_code == 201
        assert r.json()["id"] == "extMyApp_profile"
        assert r.headers["Location"].endswith("/schemaExtensions/extMyApp_profile")
        assert_graph_error(api.post({"targetTypes": ["User"]}), 400)


def test_values_are_echoed_exactly_even_unusual_ones(api):
    target = target_string(api.op)
    for value in ["  spaced  ", "Zoë 東京 🚀", "x" * 5000, "", "MiXeD"]:
        if target is None:
            break
        r = api.post(api.body(**{target.name: value}))
        assert r.status_code == 201
        assert r.json()[target.name] == value
    if target is not None:  # an escaped lone surrogate is no Unicode text: refused, never a crash
        assert api.post(api.body(**{target.name: "\ud800 lone surrogate"})).status_code == 400
    for prop in writable(api.op):
        if is_datetime(prop):
            for value in ["2024-05-06T07:08:09.1234567+02:00", "2024-05-06t07:08:09z"]:
                assert api.post(api.body(**{prop.name: value})).json()[prop.name] == value


def test_malformed_http_never_gets_5xx(api):
    for raw in [
        b"GARBAGE\r\n\r\n",
        b"POST " + api.path.encode() + b" HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    ]:
        with socket.create_connection(("127.0.0.1", api.server.port), timeout=5) as sock:
            sock.sendall(raw)
            head = sock.recv(65536).split(b"\r\n")[0]
        assert re.match(rb"HTTP/1\.[01] 4\d\d ", head), head


def test_chunked_request_body_is_read():
    with ReferenceServer(SEED_SPEC, token=TOKEN) as server:
        parts = iter([b'{"userId": ', b'"chunked"}'])
        headers = {**AUTH, "Content-Type": "application/json"}
        r = requests.post(server.url + SEED_SPEC.operation.path, data=parts, headers=headers)
        assert r.status_code == 201
        assert r.json()["userId"] == "chunked"


def test_concurrent_creates_get_distinct_ids(spec):
    ids: list[str] = []
    lock = threading.Lock()
    with ReferenceServer(spec, token=TOKEN) as server:
        api = Api(server)

        def worker() -> None:
            with requests.Session() as session:
                for _ in range(10):
                    r = session.post(api.url, json=api.body(), headers=AUTH)
                    assert r.status_code == 201
                    with lock:
                        ids.append(r.json()["id"])

        threads = [threading.Thread(target=worker) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert server.internal_errors == []
    assert len(ids) == 200
    assert len(set(ids)) == 200


def test_stop_closes_the_port_and_keep_alive_connections():
    server = ReferenceServer(SEED_SPEC).start()
    session = requests.Session()
    assert session.post(server.url + SEED_SPEC.operation.path, json={"userId": "a"}, headers=AUTH).ok
    server.stop()
    with pytest.raises(requests.ConnectionError):
        session.post(server.url + SEED_SPEC.operation.path, json={"userId": "a"}, headers=AUTH)


def test_unknown_fault_name_is_a_config_error_with_a_suggestion():
    with pytest.raises(ConfigError, match=r"unknown fault 'status-20' \(did you mean 'status-20"):
        ReferenceServer(SEED_SPEC, faults=["status-20"])


def test_registries_are_large_disjoint_and_each_entry_applies_to_a_test_spec():
    faults = list_faults()
    assert len(FAULTS) >= 32
    assert [f.name for f in faults] == [*FAULTS, *VARIATIONS]
    assert all(not f.legal for f in FAULTS.values())
    assert all(f.legal for f in VARIATIONS.values())
    assert all(f.level_hint in ("MUST", "SHOULD", "MAY") and f.description for f in faults)
    alternatives = derive_page(Path(__file__).parent / "cases" / "alternatives" / "create-scopedgrant.md")
    resource = combine(
        [derive_page(p) for p in sorted((Path(__file__).parent / "cases" / "resource").glob("gadget-*"))]
    )
    for fault in faults:
        assert any(fault.applies_to(s) for s in (*SPECS.values(), alternatives, resource)), fault.name


def test_faults_combine():
    with ReferenceServer(SEED_SPEC, faults=["status-200", "id-missing", "gzip"], token=TOKEN) as server:
        r = Api(server).post()
        assert r.status_code == 200
        assert "id" not in r.json()
        assert r.headers["Content-Encoding"] == "gzip"
        server.set_faults([])
        assert Api(server).post().status_code == 201


# -- one visible difference per fault and variation ---------------------------------------------


def _status(r: requests.Response) -> int:
    return r.status_code


def _target(api: Api) -> str:
    prop = target_string(api.op)
    assert prop is not None
    return prop.name


def _datetime(api: Api) -> str:
    return next(p.name for p in writable(api.op) if is_datetime(p))


def _wrong_type(api: Api) -> dict[str, Any]:
    prop = next(p for p in writable(api.op) if "type" in p.schema)
    return api.body(**{prop.name: 12345 if prop.schema["type"] != "integer" else "twelve"})


def _unauthorized(api: Api) -> requests.Response:
    return api.post(auth=False)


def _created(api: Api, **values: Any) -> dict[str, Any]:
    return dict(api.post(api.body(**values)).json())


def _odata_type(api: Api) -> str:
    return str(_created(api).get("@odata.type"))


def _documented_type(api: Api) -> str:
    assert api.op.odata_type is not None
    return api.op.odata_type.value


def _extra_keys(api: Api) -> set[str]:
    known = {p.name for p in api.op.properties} | {"id"}
    return {k for k in _created(api) if k not in known and not k.startswith("@")}


def _extra_annotations(api: Api) -> set[str]:
    return {k for k in _created(api) if k.startswith("@odata.")} - {"@odata.type", "@odata.context"}


def _invalid_json(api: Api) -> bool:
    try:
        api.post().json()
    except ValueError:
        return True
    return False


def _error_of(api: Api) -> Any:
    r = api.post(data=b"{", headers=CT_JSON)
    return r.json().get("error", {}) if r.headers.get("Content-Type", "").startswith("application/") else None


def _created_required_only(api: Api) -> dict[str, Any]:
    return dict(api.post(api.required_body()).json())


def _read_back_status(api: Api) -> int:
    return api.request("GET", api.post().headers["Location"]).status_code


# name -> probe(api) -> True when the behaviour is visible. Every registry name must be here.
PROBES: dict[str, Callable[[Api], bool]] = {
    "status-200": lambda api: _status(api.post()) == 200,
    "status-202": lambda api: _status(api.post()) == 202,
    "status-204-no-body": lambda api: (r := api.post()).status_code == 204 and r.content == b"",
    "id-missing": lambda api: "id" not in _created(api),
    "id-not-guid": lambda api: not GUID_RE.match(str(_created(api)["id"])),
    "id-empty": lambda api: _created(api)["id"] == "",
    "id-numeric": lambda api: isinstance(_created(api)["id"], int),
    "id-guid-no-dashes": lambda api: re.fullmatch("[0-9a-f]{32}", str(_created(api)["id"])) is not None,
    "id-guid-braces": lambda api: str(_created(api)["id"]).startswith("{"),
    "id-from-client": lambda api: _created(api, id="client-id")["id"] == "client-id",
    "id-repeats": lambda api: _created(api)["id"] == _created(api)["id"],
    "odata-type-missing": lambda api: "@odata.type" not in _created(api),
    "odata-type-wrong-case": lambda api: (
        (t := _odata_type(api)) != _documented_type(api) and t.casefold() == _documented_type(api).casefold()
    ),
    "odata-type-no-hash": lambda api: _odata_type(api) == _documented_type(api).lstrip("#"),
    "odata-type-other": lambda api: (
        _odata_type(api).casefold().lstrip("#") != _documented_type(api).casefold().lstrip("#")
    ),
    "echo-string-trimmed": lambda api: _created(api, **{_target(api): " pad "})[_target(api)] == "pad",
    "echo-string-lowercased": lambda api: _created(api, **{_target(api): "MiXeD"})[_target(api)] == "mixed",
    "echo-string-dropped": lambda api: _target(api) not in _created(api),
    "echo-non-ascii-mangled": lambda api: _created(api, **{_target(api): "Zoë"})[_target(api)] == "Zo?",
    "echo-datetime-shifted": lambda api: (
        parse_datetime(_created(api, **{_datetime(api): "2024-05-06T07:08:09+02:00"})[_datetime(api)])
        != parse_datetime("2024-05-06T07:08:09+02:00")
    ),
    "echo-optional-dropped": lambda api: (
        (p := first_optional(api.op)) is not None and p.name not in _created(api)
    ),
    "accepts-missing-required": lambda api: (
        api.post({k: v for k, v in api.body().items() if k not in {p.name for p in api.op.required}}).ok
    ),
    "accepts-wrong-type": lambda api: api.post(_wrong_type(api)).ok,
    "accepts-unknown-properties": lambda api: api.post(api.body(unlistedProperty=1)).ok,
    "accepts-bad-datetime": lambda api: api.post(api.body(**{_datetime(api): "yesterday"})).ok,
    "accepts-malformed-json": lambda api: api.post(data=b'{"a":', headers=CT_JSON).ok,
    "accepts-non-object": lambda api: api.post([api.body()]).ok,
    "accepts-any-content-type": lambda api: (
        api.post(data=json.dumps(api.body()).encode(), headers={"Content-Type": "text/plain"}).ok
    ),
    "crash-non-ascii": lambda api: _status(api.post(api.body(**{_target(api): "Zoë"}))) == 500,
    "crash-long-string": lambda api: _status(api.post(api.body(**{_target(api): "x" * 300}))) == 500,
    "crash-null": lambda api: _status(api.post(api.body(**{_target(api): None}))) == 500,
    "crash-empty-string": lambda api: _status(api.post(api.body(**{_target(api): ""}))) == 500,
    "response-text-plain": lambda api: api.post().headers["Content-Type"].startswith("text/plain"),
    "response-no-content-type": lambda api: "Content-Type" not in api.post().headers,
    "response-json-array": lambda api: isinstance(api.post().json(), list),
    "response-invalid-json": _invalid_json,
    "auth-not-required": lambda api: _unauthorized(api).ok,
    "auth-no-www-authenticate": lambda api: "WWW-Authenticate" not in _unauthorized(api).headers,
    "auth-403": lambda api: _status(_unauthorized(api)) == 403,
    "auth-any-scheme": lambda api: api.post(headers={"Authorization": "Basic dXNlcjpwYXNz"}, auth=False).ok,
    "auth-any-token": lambda api: api.post(headers={"Authorization": "Bearer wrong"}, auth=False).ok,
    "error-body-no-code": lambda api: "code" not in _error_of(api),
    "error-body-no-message": lambda api: "message" not in _error_of(api),
    "error-body-not-json": lambda api: _error_of(api) is None,
    "status-400-for-415": lambda api: (
        _status(api.post(data=json.dumps(api.body()).encode(), headers={"Content-Type": "text/plain"})) == 400
    ),
    "method-501": lambda api: _status(api.request("QUERY")) == 501,
    "allow-missing": lambda api: "Allow" not in api.request("DELETE").headers,
    "location-missing": lambda api: "Location" not in api.post().headers,
    "location-collection": lambda api: api.post().headers["Location"] == api.url,
    "key-style-urls": lambda api: api.post().headers["Location"].endswith("')"),
    "odata-version-missing": lambda api: "OData-Version" not in api.post().headers,
    "request-id-missing": lambda api: "request-id" not in api.post().headers,
    "client-request-id-not-echoed": lambda api: (
        "client-request-id" not in api.post(headers={"client-request-id": "c-1"}).headers
    ),
    "no-read-back": lambda api: _read_back_status(api) == 404,
    # legal variations
    "guid-uppercase": lambda api: (i := _created(api)["id"]) != i.lower(),
    "extra-properties": lambda api: bool(_extra_keys(api)),
    "extra-annotations": lambda api: bool(_extra_annotations(api)),
    "content-type-plain-json": lambda api: api.post().headers["Content-Type"] == "application/json",
    "validation-422": lambda api: (
        _status(api.post(api.required_body() | {p.name: 12345 for p in api.op.required})) == 422
    ),
    "connection-close": lambda api: api.post().headers.get("Connection", "").lower() == "close",
    "chunked": lambda api: "chunked" in api.post().headers.get("Transfer-Encoding", ""),
    "gzip": lambda api: api.post().headers.get("Content-Encoding") == "gzip",
    "omit-unsent-nullable": lambda api: any(
        p.name not in _created_required_only(api)
        for p in api.op.properties
        if p.nullable and not p.required.value
    ),
}


def _cases() -> list[Any]:
    cases = []
    for fault in list_faults():
        for key, spec in SPECS.items():
            if fault.applies_to(spec.operation):
                cases.append(pytest.param(fault.name, spec, id=f"{fault.name}-{key}"))
    return cases


@pytest.mark.parametrize(("name", "spec"), _cases())
def test_each_fault_makes_its_difference(name, spec):
    probe = PROBES[name]  # a KeyError here means a new fault has no test
    for api in serve(spec):
        assert probe(api) is False, f"{name} is visible without the fault"
    for api in serve(spec, (name,)):
        assert probe(api) is True, f"{name} makes no visible difference"


@pytest.mark.parametrize("name", list(VARIATIONS))
def test_variations_keep_the_contract(name):
    for spec in SPECS.values():
        if not VARIATIONS[name].applies_to(spec.operation):
            continue
        for api in serve(spec, (name,)):
            body = api.body()
            r = api.post(body)
            assert r.status_code == spec.operation.success_status.value
            got = r.json()
            assert all(got[k] == v for k, v in body.items())
            assert api.request("GET", r.headers["Location"]).json()["id"] == got["id"]
            assert api.post(data=b"{", headers=CT_JSON).status_code == 400  # malformed stays 400


def test_random_bytes_headers_and_methods_never_get_5xx():
    rng = random.Random(20261126)
    pieces = [b"{", b"}", b"[", b"]", b'"', b":", b",", b"null", b"\\u0000", b"\xff", "é".encode(), b"1e999"]
    with ReferenceServer(SEED_SPEC, token=TOKEN) as server:
        api = Api(server)
        for _ in range(300):
            raw = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
            ctype = rng.choice(["application/json", "application/json; charset=latin-1", "text/plain", "*/*"])
            method = rng.choice(["POST", "POST", "POST", "PUT", "QUERY", "GET"])
            auth = rng.choice([TOKEN, "", "x" * 5000, "é"])
            headers = {"Content-Type": ctype, "Authorization": f"Bearer {auth}", "client-request-id": "ü"}
            r = api.session.request(method, api.url, data=raw, headers=headers)
            assert r.status_code < 500, (method, raw, r.text)
        assert server.internal_errors == []


def test_gzip_variation_only_when_the_client_accepts_gzip():
    with ReferenceServer(SEED_SPEC, faults=["gzip"], token=TOKEN) as server:
        api = Api(server)
        for accept, encoded in [("identity", False), ("gzip;q=0", False), ("br, gzip;q=0.5", True)]:
            r = api.post(headers={"Accept-Encoding": accept})
            assert (r.headers.get("Content-Encoding") == "gzip") is encoded, accept
            assert r.json()["userId"] == "Sample value"

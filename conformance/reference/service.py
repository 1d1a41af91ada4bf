"""A conformant implementation of the resource a `Spec` describes; named faults break it.

`ReferenceServer(spec, faults=[...])` serves every documented path of the create (placeholders
such as `{id}` match one segment), and of the get, list, update and delete pages in the spec
(`conformance.reference.resource`), from an in-memory store: authentication, method and media-type
checks, validation against the request schema, creation with ids, echo and `Location`, Graph error
bodies. With no faults it does everything the harness checks for; each fault or legal variation from
`conformance.reference.faults` changes one observable behaviour. No request can make it answer 5xx
unless a crash fault asks for it: handler bugs are recorded in `internal_errors` instead. The HTTP
plumbing (listener thread, request reading, framing) is `conformance.reference.http`.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, Operation, Spec, request_schema
from conformance.reference import queries
from conformance.reference.faults import (
    ALL,
    alternatives_refusal,
    caller_sets_id,
    crash_reason,
    first_optional,
    loosened_schema,
    mangle,
    odata_type_value,
    resolve,
)
from conformance.reference.http import Listener, Reply, Request, dumps_json, loads_json, reason_phrase
from conformance.reference.resource import Routes, Store, delete_reply, list_reply, not_found, update_reply

MAX_LOCATION = 8000
ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false; charset=utf-8"
)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


@dataclass(frozen=True, slots=True)
class _Mode:
    """The switched-on faults and what they imply, swapped atomically by `set_faults`."""

    faults: frozenset[str]
    schema: dict[str, JSON]

    def on(self, name: str) -> bool:
        assert name in ALL, f"unregistered fault {name!r}"  # guards typos in this module
        return name in self.faults


class ReferenceServer:
    """The reference implementation; use as a context manager or call `start()` / `stop()`."""

    def __init__(
        self,
        spec: Spec,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: Sequence[str] | None = (),
        token: str | None = None,
    ) -> None:
        self.spec = spec
        self.op: Operation = spec.operation
        self.host = host
        self.port = port
        self.internal_errors: list[str] = []  # tracebacks of handler bugs (each answered 500)
        self._token = token
        self.routes = Routes(spec)
        self.store = Store()
        self._lock = threading.Lock()
        self._counter = 0
        self._fixed_id = str(uuid.uuid4())
        self._mode = _Mode(frozenset(), request_schema(self.op))
        self.set_faults(faults)
        self._listener: Listener | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> ReferenceServer:
        if self._listener is not None:
            return self
        self._listener = Listener(self, self.host, self.port)
        self.port = self._listener.port
        return self

    def stop(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()

    def __enter__(self) -> ReferenceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL; the documented path is appended to it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def faults(self) -> frozenset[str]:
        return self._mode.faults

    def set_faults(self, faults: Sequence[str] | None) -> None:
        """Switch to another set of faults and variations (unknown names raise `ConfigError`)."""
        names = resolve(list(faults or ()))
        self._mode = _Mode(names, loosened_schema(self.op, names))

    def reset(self) -> None:
        """Forget every created entity."""
        self.store.clear()

    # -- the application ---------------------------------------------------------------------

    def handle(self, req: Request) -> Reply:
        mode = self._mode
        found = self.routes.match(req.path)
        if found is not None:
            collection, key = found
            return self._collection(mode, req) if key is None else self._item(mode, req, collection, key)
        return self.error(mode, req, 404, "Request_ResourceNotFound", f"No resource at '{req.path[:200]}'.")

    def _collection(self, mode: _Mode, req: Request) -> Reply:
        denied = self._auth(mode, req)
        if denied:
            return denied
        if req.method == "GET" and "list" in self.routes.ops:
            return list_reply(self, mode, req, req.path)
        if req.method != "POST":
            return self._not_allowed(mode, req, self.routes.allowed(item=False))
        return self._create(mode, req)

    def _item(self, mode: _Mode, req: Request, collection: str, key: str) -> Reply:
        denied = self._auth(mode, req)
        if denied:
            return denied
        update, delete = self.routes.ops.get("update"), self.routes.ops.get("delete")
        if update is not None and req.method == update.method.value.upper():
            return update_reply(self, mode, req, collection, key)
        if delete is not None and req.method == "DELETE":
            return delete_reply(self, mode, req, collection, key)
        if req.method not in ("GET", "HEAD"):
            return self._not_allowed(mode, req, self.routes.allowed(item=True))
        found = self.store.get(collection, key)
        if found is None and mode.on("unknown-id-200"):  # a get that answers for any key
            found = {"@odata.context": f"{self.url}/$metadata#{collection.lstrip('/')}/$entity", "id": key}
        if found is None or mode.on("no-read-back"):
            return not_found(self, mode, req, key)
        optional = first_optional(self.op)
        if optional is not None and mode.on("get-omits-sent"):
            found.pop(optional.name, None)
        select = queries.selection(self, mode, req, self.routes.ops.get("get"))
        if isinstance(select, Reply):
            return select
        return self._json(mode, req, 200, found if select is None else select(found))

    def _auth(self, mode: _Mode, req: Request) -> Reply | None:
        value = req.headers.get("authorization", "").strip()
        scheme, _, credential = value.partition(" ")
        credential = credential.strip()
        if mode.on("auth-not-required") or (mode.on("auth-any-scheme") and value):
            return None
        if scheme.lower() == "bearer" and credential:
            if self._token is None or mode.on("auth-any-token"):
                return None
            if hmac.compare_digest(credential.encode("utf-8", "replace"), self._token.encode()):
                return None
        if mode.on("auth-403"):
            return self.error(mode, req, 403, "AuthorizationRequestDenied", "Access is denied.")
        headers = (
            [] if mode.on("auth-no-www-authenticate") else [("WWW-Authenticate", 'Bearer realm="reference"')]
        )
        what = "missing" if not value else "not a valid bearer token"
        return self.error(mode, req, 401, "InvalidAuthenticationToken", f"Access token is {what}.", headers)

    def _not_allowed(self, mode: _Mode, req: Request, allow: str) -> Reply:
        if mode.on("method-501") and req.method not in KNOWN_METHODS:
            return self.error(
                mode, req, 501, "NotImplemented", f"Method '{req.method[:20]}' is not implemented."
            )
        headers = [] if mode.on("allow-missing") else [("Allow", allow)]
        return self.error(
            mode, req, 405, "Request_BadRequest", f"Method '{req.method[:20]}' is not allowed.", headers
        )

    def _create(self, mode: _Mode, req: Request) -> Reply:
        media = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if req.body and media != "application/json" and not mode.on("accepts-any-content-type"):
            status = 400 if mode.on("status-400-for-415") else 415
            return self.error(
                mode, req, status, "UnsupportedMediaType", "Content-Type must be application/json."
            )
        try:
            body = loads_json(req.body)
        except ValueError as exc:
            if not mode.on("accepts-malformed-json"):
                return self.error(mode, req, 400, "BadRequest", f"The request body is not valid JSON: {exc}.")
            return self._created(mode, req, {})
        if not isinstance(body, dict):
            if not mode.on("accepts-non-object"):
                return self._invalid(mode, req, "", "the request body must be a JSON object")
            return self._created(mode, req, {})
        crash = crash_reason(mode.faults, body)
        if crash:
            return Reply(
                500, [("Content-Type", "text/html")], f"<h1>Internal Server Error</h1>{crash}".encode()
            )
        if not caller_sets_id(self.op) and not mode.on("id-from-client"):
            body.pop("id", None)
        for prop in self.op.properties:  # OData 4.01 §11.4.2: non-insertable properties are ignored
            if prop.read_only and prop.name != "id":
                body.pop(prop.name, None)
        try:
            errors = validation_errors(body, mode.schema)
        except RecursionError:
            errors = [("", "the request body is nested too deeply")]
        if errors:
            pointer, message = errors[0]
            why = (not pointer and _group_message(self.op, body)) or message
            return self._invalid(mode, req, pointer, why)
        refusal = alternatives_refusal(mode.faults, self.op, body)
        if refusal:
            return self._invalid(mode, req, "", refusal)
        return self._created(mode, req, body)

    def invalid(self, mode: _Mode, req: Request, pointer: str, message: str) -> Reply:
        """400 (422 with `validation-422`) saying what is wrong at `pointer` of the request body."""
        return self._invalid(mode, req, pointer, message)

    def json_reply(self, mode: _Mode, req: Request, status: int, body: JSON) -> Reply:
        """`body` as JSON with the headers every answer carries."""
        return self._json(mode, req, status, body)

    def bare_reply(self, mode: _Mode, req: Request, status: int) -> Reply:
        """An answer without a body (204), with the headers every answer carries."""
        return self._reply(mode, req, Reply(status, []))

    def _invalid(self, mode: _Mode, req: Request, pointer: str, message: str) -> Reply:
        status = 422 if mode.on("validation-422") else 400
        where = f"at '{pointer}'" if pointer else "in the request body"
        return self.error(mode, req, status, "Request_BadRequest", f"Invalid value {where}: {message[:200]}")

    def _created(self, mode: _Mode, req: Request, body: dict[str, JSON]) -> Reply:
        op = self.op
        key, id_value = self._new_id(mode, body)
        named = body.get(self.routes.key_name) if self.routes.key_name != "id" else None
        key = named if isinstance(named, str) and named else key  # the pages' key names another property
        entity_url = f"{self.url}{req.path}/{quote(key, safe='')}"
        if mode.on("key-style-urls"):  # OData's canonical form: the key in parentheses, quoted
            entity_url = f"{self.url}{req.path}('{quote(key.replace(chr(39), chr(39) * 2), safe=chr(39))}')"
        entity: dict[str, JSON] = {"@odata.context": f"{self.url}/$metadata#{req.path.lstrip('/')}/$entity"}
        if op.odata_type is not None and not mode.on("odata-type-missing"):
            entity["@odata.type"] = odata_type_value(mode.faults, op.odata_type.value)
        if mode.on("extra-annotations"):
            entity["@odata.etag"] = f'W/"{secrets.token_hex(8)}"'
            entity["@odata.id"] = entity_url
        if not mode.on("id-missing"):
            entity["id"] = id_value
        listed = set()
        for prop in op.properties:
            listed.add(prop.name)
            if prop.name == "id":
                continue
            if prop.name in body:
                entity[prop.name] = body[prop.name]
            elif prop.nullable and not mode.on("omit-unsent-nullable"):
                entity[prop.name] = None
        for name, value in body.items():  # unlisted properties the schema let through
            if name not in listed and name != "id" and not name.startswith("@"):
                entity[name] = value
        if mode.on("extra-properties"):
            names = ("createdDateTime", "lastModifiedDateTime", "serverStampDateTime")
            extra = next((n for n in names if n not in listed), "referenceServerDateTime")
            entity[extra] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        mangle(mode.faults, op, entity)
        self.store.put(req.path, key, entity)
        status = op.success_status.value
        for fault, code in (("status-200", 200), ("status-202", 202), ("status-204-no-body", 204)):
            status = code if mode.on(fault) else status
        headers = []
        # RFC 9110 §4.1: URIs of 8,000 octets must work; a longer caller-chosen key gets no Location header
        # rather than a header line no client can read.
        if not mode.on("location-missing") and len(entity_url) <= MAX_LOCATION:
            headers.append(
                ("Location", f"{self.url}{req.path}" if mode.on("location-collection") else entity_url)
            )
        if status == 204:
            return self._reply(mode, req, Reply(204, headers))
        reply = self._json(mode, req, status, [entity] if mode.on("response-json-array") else entity)
        reply.headers.extend(headers)
        if mode.on("response-invalid-json") and reply.body:
            reply.body = reply.body[:-1]
        if mode.on("response-text-plain") or mode.on("response-no-content-type"):
            reply.headers = [(k, v) for k, v in reply.headers if k != "Content-Type"]
            if mode.on("response-text-plain"):
                reply.headers.append(("Content-Type", "text/plain; charset=utf-8"))
        return reply

    def _new_id(self, mode: _Mode, body: dict[str, JSON]) -> tuple[str, JSON]:
        """(store key, id value in the body) for a new entity."""
        sent = body.get("id")
        if isinstance(sent, str) and caller_sets_id(self.op):
            return sent, sent  # the caller's key, whatever it is: the page makes it the caller's choice
        if isinstance(sent, str) and sent and mode.on("id-from-client"):
            return sent, sent
        with self._lock:
            self._counter += 1
            counter = self._counter
        guid = self._fixed_id if mode.on("id-repeats") else str(uuid.uuid4())
        value: JSON
        if mode.on("id-numeric"):
            value = 1 if mode.on("id-repeats") else counter
        elif mode.on("id-empty"):
            value = ""
        elif self.op.id_format.value != "guid" or mode.on("id-not-guid"):
            value = "AAMk" + guid.replace("-", "")[:20] + "Q"
        elif mode.on("id-guid-no-dashes"):
            value = guid.replace("-", "")
        elif mode.on("id-guid-braces"):
            value = "{" + guid + "}"
        else:
            value = guid.upper() if mode.on("guid-uppercase") else guid
        key = str(value) if value != "" else f"empty-{counter}"
        return key, value

    # -- replies -----------------------------------------------------------------------------

    def _json(self, mode: _Mode, req: Request, status: int, body: JSON) -> Reply:
        ctype = "application/json" if mode.on("content-type-plain-json") else ODATA_JSON
        return self._reply(mode, req, Reply(status, [("Content-Type", ctype)], dumps_json(body)))

    def _reply(self, mode: _Mode, req: Request, reply: Reply) -> Reply:
        """Add the headers every answer carries."""
        if not mode.on("odata-version-missing"):
            reply.headers.append(("OData-Version", "4.0"))
        if not mode.on("request-id-missing"):
            reply.headers.append(("request-id", req.request_id))
        client_id = req.headers.get("client-request-id")
        if client_id and not mode.on("client-request-id-not-echoed"):
            reply.headers.append(("client-request-id", client_id[:200]))
        return reply

    def error(
        self,
        mode: _Mode | None,
        req: Request,
        status: int,
        code: str,
        message: str,
        headers: Sequence[tuple[str, str]] = (),
    ) -> Reply:
        """A Graph error answer (`{"error": {"code", "message", "innerError"}}`)."""
        mode = mode or self._mode
        if mode.on("error-body-not-json"):
            reply = Reply(
                status, [("Content-Type", "text/plain; charset=utf-8")], reason_phrase(status).encode()
            )
        else:
            inner = {"request-id": req.request_id, "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")}
            if req.headers.get("client-request-id"):
                inner["client-request-id"] = req.headers["client-request-id"][:200]
            err: dict[str, JSON] = {"code": code, "message": message, "innerError": inner}
            if mode.on("error-body-no-code"):
                del err["code"]
            if mode.on("error-body-no-message"):
                del err["message"]
            reply = self._json(mode, req, status, {"error": err})
            reply.headers.extend(headers)
            return reply
        reply.headers.extend(headers)
        return self._reply(mode, req, reply)


# -- pure helpers ------------------------------------------------------------------------------


def _group_message(op: Operation, body: dict[str, JSON]) -> str:
    """What an alternatives group the body breaks says (a clearer error than the schema's `anyOf`)."""
    for group in op.alternatives:
        sent = [n for n in group.names if n in body]
        if not sent:
            return f"one of {', '.join(group.names)} is required ({group.sentence})"
        if group.exclusive and len(sent) > 1:
            return f"only one of {', '.join(group.names)} may be sent ({group.sentence})"
    return ""


__all__ = ["KNOWN_METHODS", "MAX_LOCATION", "ODATA_JSON", "ReferenceServer"]

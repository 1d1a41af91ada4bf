"""What the Flask and FastAPI mocks share: the seed API's rules (`tests.independent_impl.Service`), any
bearer token accepted (as most vendor mocks do), and one request turned into one answer.

Only the framework differs between the mocks: each reads the request and writes the answer with its own
request and response objects, and is served by its own server (werkzeug, uvicorn) or through `--app`.
An exception the service raises (the `crash-on-emoji` bug) is left to the framework, which answers 500.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable, Mapping

from tests.independent_impl import COLLECTION, GRAPH_JSON, Problem, Reply, Service, format_utc


class AnyTokenService(Service):
    """The seed service, accepting any non-empty bearer token (AUTH-102 is then skipped, as for a mock)."""

    def __init__(self, quirks: Iterable[str] = ()) -> None:
        super().__init__(token="", quirks=quirks, base_path="")

    def authenticate(self, authorization: str | None) -> None:
        scheme, _, credential = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not credential.strip():
            raise Problem(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty.",
                {"WWW-Authenticate": 'Bearer realm="mock", error="invalid_token"'},
            )


def answer(
    service: Service, method: str, path: str, headers: Mapping[str, str], body: bytes, origin: str
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, payload) for one request; `origin` is scheme://host:port as the client used it."""
    service.origin = origin.rstrip("/")
    request_id = str(uuid.uuid4())
    trace = {"request-id": request_id, "client-request-id": headers.get("client-request-id") or request_id}
    try:
        reply = _route(service, method, path, headers, body)
    except Problem as problem:
        error = {"code": problem.code, "message": problem.message, "innerError": {**trace}}
        error["innerError"]["date"] = format_utc(time.time_ns() // 100)[:19]
        reply = Reply(problem.status, {"error": error}, dict(problem.headers))
    out = {**reply.headers, **trace}
    payload = b""
    if reply.body is not None:
        payload = json.dumps(reply.body, ensure_ascii=False).encode("utf-8")
        out["Content-Type"] = GRAPH_JSON
        out["OData-Version"] = "4.0"
    return reply.status, out, payload


def _route(service: Service, method: str, path: str, headers: Mapping[str, str], body: bytes) -> Reply:
    if path.rstrip("/") == COLLECTION:
        key = None
    elif path.startswith(COLLECTION + "/") and "/" not in path[len(COLLECTION) + 1 :]:
        key = path[len(COLLECTION) + 1 :]
    else:
        raise Problem(404, "Request_ResourceNotFound", f"No resource at {path!r}.")
    service.authenticate(headers.get("Authorization"))
    if key is None and method == "POST":
        return service.create(headers.get("Content-Type"), body)
    if method in ("GET", "HEAD"):
        return service.list() if key is None else service.read(key)
    allow = "GET, POST" if key is None else "GET"
    raise Problem(405, "Request_BadRequest", f"{method} is not supported here.", {"Allow": allow})

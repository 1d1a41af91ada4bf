"""Protocol checks around the create: authentication, error bodies, headers, reading the object back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from conformance.checks import CheckContext, DocRef, Skip, check
from conformance.checks._resource import key_value
from conformance.checks._support import excerpt, finding, json_object, minimal_body, status_problem
from conformance.checks.create import created, success_body
from conformance.contract.spec import Level, Operation
from conformance.results import Finding


def _documents_auth(op: Operation) -> str | None:
    if any(h.name.lower() == "authorization" for h in op.headers):
        return None
    return "the page's request headers do not include Authorization"


def unauthenticated(ctx: CheckContext) -> Any:
    return ctx.once("unauthenticated", lambda: ctx.post(minimal_body(ctx), auth=False))


@check(
    "AUTH-001",
    Level.MUST,
    "A request without an Authorization header is answered 401 Unauthorized.",
    title="Missing credentials get 401",
    doc=DocRef(header="Authorization", section="Request headers"),
    applies=_documents_auth,
    lane="auth",
)
def missing_auth(ctx: CheckContext) -> Iterator[Finding]:
    problem = status_problem(unauthenticated(ctx), 401, "a create without Authorization")
    if problem:
        yield problem


@check(
    "AUTH-101",
    Level.SHOULD,
    "A 401 response carries a WWW-Authenticate challenge.",
    title="401 has WWW-Authenticate",
    source="RFC 9110 §15.5.2",
    applies=_documents_auth,
    lane="auth",
)
def www_authenticate(ctx: CheckContext) -> Iterator[Finding]:
    reply = unauthenticated(ctx)
    if reply.status != 401:
        raise Skip(f"the unauthenticated request got {reply.status}, not 401; see AUTH-001")
    if not reply.header("www-authenticate"):
        yield finding(
            "the 401 response has no WWW-Authenticate header",
            "response.headers.www-authenticate",
            reply,
            expected="WWW-Authenticate: Bearer ...",
            actual="(absent)",
        )


@check(
    "AUTH-102",
    Level.SHOULD,
    "A request whose Authorization is not a valid bearer token (another scheme, "
    "an unknown token) is answered 401 Unauthorized.",
    title="Bad credentials get 401",
    source="RFC 6750 §3.1 (invalid_token); RFC 9110 §15.5.2",
    applies=_documents_auth,
)
def bad_credentials(ctx: CheckContext) -> Iterator[Finding]:
    if not ctx.options.validates_tokens:  # a mock that accepts any token is legal; only the user knows
        raise Skip(
            "needs --validates-tokens (pytest: --conformance-validates-tokens): a target that accepts any "
            "credential is legal unless you say it validates them"
        )
    for label, value in (
        ("a Basic credential", "Basic Y29uZm9ybWFuY2U6aW52YWxpZA=="),
        ("an unknown bearer token", "Bearer conformance-invalid-token"),
    ):
        reply = ctx.post(minimal_body(ctx), auth=False, headers={"Authorization": value})
        problem = status_problem(reply, 401, f"a create with {label}")
        if problem:
            yield problem


@check(
    "METHOD-101",
    Level.SHOULD,
    "A method the collection does not support (PUT, DELETE) is answered 405 with an Allow header.",
    title="Unsupported method gets 405",
    source="RFC 9110 §15.5.6",
)
def unsupported_method(ctx: CheckContext) -> Iterator[Finding]:
    for method in ("PUT", "DELETE"):
        reply = ctx.client.request(method, ctx.path, json=minimal_body(ctx))
        problem = status_problem(reply, 405, f"{method} on the collection")
        if problem:
            yield problem
        elif not reply.header("allow"):
            yield finding(
                f"the 405 answer to {method} has no Allow header",
                "response.headers.allow",
                reply,
                expected="Allow: POST, ...",
                actual="(absent)",
            )


@check(
    "ERR-101",
    Level.SHOULD,
    "A 4xx response carries a JSON error body with string error.code and error.message.",
    title="Error body shape",
    source="OData 4.01 JSON Format §21.1; Microsoft Graph REST guidelines (errors)",
)
def error_body(ctx: CheckContext) -> Iterator[Finding]:
    body = minimal_body(ctx)
    probes = [("a non-object body", ctx.post(raw="[]", headers={"Content-Type": "application/json"}))]
    if body:
        missing = dict(body)
        missing.pop(next(iter(missing)))
        probes.append(("a body missing a required property", ctx.post(missing)))
    judged = 0
    for what, reply in probes:
        if not 400 <= reply.status <= 499:
            continue
        judged += 1
        obj, problem = json_object(reply)
        if problem:
            yield finding(
                f"the {reply.status} answer to {what} has no JSON error body",
                "response.body",
                reply,
                expected='{"error": {"code": ..., "message": ...}}',
                actual=problem.message,
            )
            continue
        assert obj is not None
        err = obj.get("error")
        if not isinstance(err, dict):
            yield finding(
                f"the {reply.status} answer to {what} has no 'error' object",
                "response.body/error",
                reply,
                expected="an 'error' object",
                actual=excerpt(obj),
            )
            continue
        for key in ("code", "message"):
            if not isinstance(err.get(key), str) or not err.get(key):
                yield finding(
                    f"the {reply.status} answer to {what} has no string error.{key}",
                    f"response.body/error/{key}",
                    reply,
                    expected=f"error.{key}: a non-empty string",
                    actual=excerpt(err.get(key)),
                )
    if judged == 0:
        raise Skip("no request drew a 4xx answer to examine; see VALID-001 and VALID-004")


def _names_key(location: str, ident: str) -> bool:
    """Whether `location` holds `ident`: as written, percent-encoded, or in OData's quoted key form, where a
    quote is doubled and may be written `%27` (OData ABNF: SQUOTE = "'" / "%27")."""
    if ident in location or quote(ident, safe="") in location:
        return True
    decoded = unquote(location)
    return ident in decoded or ident.replace("'", "''") in decoded


@check(
    "HDR-101",
    Level.SHOULD,
    "A successful create carries a Location header with the new entity's URL.",
    title="Location header",
    source="OData 4.01 Part 1 §11.4.2 and §8.3.3",
    lane="create",
)
def location_header(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply, body = success_body(ctx, "minimal")
    location = reply.header("location")
    if not location:
        yield finding(
            "the create response has no Location header",
            "response.headers.location",
            reply,
            expected="Location: <URL of the new entity>",
            actual="(absent)",
        )
        return
    # The entity's URL names its key: the id, or the property the pages' key names (the seed's userId).
    name, ident = key_value(ctx.spec, body)
    if ident is None and name != "id":
        name, ident = "id", body.get("id") if isinstance(body.get("id"), str) else None
    if ident and not _names_key(location, ident):
        yield finding(
            f"Location {location!r} does not name the new {name} {ident!r}",
            "response.headers.location",
            reply,
            expected=f"a URL containing {ident}",
            actual=location,
        )


@check(
    "HDR-102",
    Level.SHOULD,
    "Responses carry an OData-Version header of 4.0 or 4.01.",
    title="OData-Version header",
    source="OData 4.01 Part 1 §8.1.5",
    lane="create",
)
def odata_version(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply = created(ctx, "minimal")
    value = (reply.header("odata-version") or "").strip()
    if value not in {"4.0", "4.01"}:
        yield finding(
            f"OData-Version is {value or '(absent)'}",
            "response.headers.odata-version",
            reply,
            expected="4.0 or 4.01",
            actual=value or "(absent)",
        )


@check(
    "HDR-103",
    Level.SHOULD,
    "Responses carry a request-id and echo the client-request-id the client sent.",
    title="request-id headers",
    source="Microsoft Graph REST guidelines (request tracing headers)",
)
def request_ids(ctx: CheckContext) -> Iterator[Finding]:
    marker = "c0ffee00-1234-4abc-8def-0123456789ab"
    reply = ctx.post(minimal_body(ctx), headers={"client-request-id": marker})
    if not reply.header("request-id"):
        yield finding(
            "the response has no request-id header",
            "response.headers.request-id",
            reply,
            expected="request-id: <id>",
            actual="(absent)",
        )
    echoed = reply.header("client-request-id")
    if echoed != marker:
        yield finding(
            f"client-request-id came back as {echoed or '(absent)'}",
            "response.headers.client-request-id",
            reply,
            expected=marker,
            actual=echoed or "(absent)",
        )


@check(
    "READ-201",
    Level.MAY,
    "The created object can be read back with GET at its Location.",
    title="Read back at Location",
    source="OData 4.01 Part 1 §11.4.2 (the page documents no read)",
    lane="create",
)
def read_back(ctx: CheckContext) -> Iterator[Finding]:
    _sent, reply, body = success_body(ctx, "minimal")
    location = reply.header("location")
    if not location:
        raise Skip("the create response has no Location header; see HDR-101")
    if "://" in location or location.startswith("/"):
        path = urlsplit(location).path if "://" in location else location
    else:  # a relative reference resolves against the URL the create was sent to (RFC 3986 §5.2)
        path = urlsplit(urljoin(reply.exchange.request.url, location)).path
    base_path = urlsplit(ctx.client.base_url).path.rstrip("/")
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :]
    if "://" in location and urlsplit(location).netloc != urlsplit(ctx.client.base_url).netloc:
        raise Skip(f"Location {location!r} points at another host; the harness does not follow it")
    got = ctx.client.request("GET", path)
    if got.status != 200:
        yield finding(
            f"GET {path} answered {got.status} {got.reason}",
            "response.status",
            got,
            expected="200",
            actual=f"{got.status} {got.reason}",
        )
        return
    obj, problem = json_object(got)
    if problem:
        yield problem
    elif obj is not None and obj.get("id") != body.get("id"):
        yield finding(
            "the object read back has another id",
            "response.body/id",
            got,
            expected=excerpt(body.get("id")),
            actual=excerpt(obj.get("id")),
        )

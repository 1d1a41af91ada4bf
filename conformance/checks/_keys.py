"""A key the client sends in the create body: a fresh value for every create, and a 409 for a repeated one.

Where a resource's key property (`contract.keys`) is a property the create page lets the client send (the
seed's `userId` once its get page is in the spec; a `thingName`), two creates with one key value name one
object: a service keyed by it refuses the second (`409 Conflict`), as a real one keyed by userId refuses a
second profile for the same user. So:

- every create a check sends carries a key value no other create of the run used (`fresh`, `rekey`),
  unless the check is varying the key property itself (an edge case of it) or the user pinned it with
  `--value NAME=...`. A fresh value names the running check and counts within it (`CheckContext.unique`), so
  a seed sends the same values at any concurrency; a drawn one keeps what was drawn and gains that tag;
- every create sent is counted by its key value (`record`, from `CheckContext.post`, before it goes out),
  and a `409 Conflict` is legal for a value that was pinned or that another create of this run sent
  (`conflict`). A 409 for a fresh value is judged like any other wrong status.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections import Counter
from typing import TYPE_CHECKING

from conformance.contract.grouping import resource_of
from conformance.contract.keys import key_property
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON
from conformance.target.redaction import quote

if TYPE_CHECKING:
    from conformance.checks import CheckContext
    from conformance.target.client import Reply

_NONE = ""  # memo value for "this spec has no client-sent key"
_SENT_MAX = 1 << 20  # a raw body larger than this is not parsed for its key (the robustness inputs' size)


class _Ledger:
    """How many creates of the run sent each key value (shared by the run's checks, on any thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()


def sent_key(ctx: CheckContext) -> str | None:
    """The key property when the create page lets the client send it (pinned or not), else None."""
    memo = ctx.memo
    if "keys:sent-key" not in memo:
        name = _NONE
        try:
            fact = key_property(resource_of(ctx.spec))
        except StopIteration:  # a spec whose create is in no resource: no key to speak of
            fact = None
        if fact is not None:
            prop = ctx.op.property(fact.value)
            if prop is not None and not prop.read_only:
                name = prop.name
        memo["keys:sent-key"] = name
    found: str = memo["keys:sent-key"]
    return found or None


def client_key(ctx: CheckContext) -> str | None:
    """The key property a check must give a fresh value in each create: sent by the client, not pinned."""
    name = sent_key(ctx)
    return name if name is not None and name not in ctx.options.known else None


def fresh(ctx: CheckContext, schema: dict[str, JSON], drawn: JSON = None) -> JSON:
    """A key value for `schema` no other create of the run sends. `drawn` (a value drawn or chosen for the
    key) is kept where the schema allows: a string gains the check's tag before its trailing whitespace, a
    GUID keeps its case. Anything else (a number, an enum, a wrong type) comes back as it was."""
    name = client_key(ctx) or "key"
    fmt, kind = schema.get("format"), schema.get("type")
    if "enum" in schema or "const" in schema or (kind is not None and kind != "string"):
        return drawn if drawn is not None else schema.get("const", (schema.get("enum") or [None])[0])
    if drawn is not None and not isinstance(drawn, str):
        return drawn
    tag = ctx.unique(name)
    if fmt == "uuid":
        made = str(uuid.UUID(bytes=hashlib.sha256(tag.encode()).digest()[:16], version=4))
        return made.upper() if isinstance(drawn, str) and drawn.isupper() else made
    if fmt in ("date", "date-time"):
        return drawn  # a key that is a date: nothing fresh to say (no such Graph key)
    text = drawn or ""
    core = text.rstrip()
    trail = text[len(core) :]
    limit = schema.get("maxLength")
    bounded = isinstance(limit, int) and not isinstance(limit, bool)
    room = limit - len(tag) - len(trail) - 1 if bounded and isinstance(limit, int) else None
    if room is not None and room < len(core):
        core = core[: max(room, 0)]  # no room at all: the tag alone (a fresh key over a short one)
    return (f"{core}-{tag}" if core else tag) + trail


def rekey(ctx: CheckContext, body: JSON) -> JSON:
    """`body` with a fresh key value (`fresh`, keeping what was there) when it sends the client's key."""
    name = client_key(ctx)
    if name is None or not isinstance(body, dict) or name not in body:
        return body
    prop = ctx.op.property(name)
    value = body[name]
    if prop is None or not isinstance(value, str) or validation_errors(value, prop.schema):
        return body  # a broken key (a number, a null, not a GUID) is what the body tests: left as drawn
    return {**body, name: fresh(ctx, prop.schema, value)}


# -- the run's creates, by key value ----------------------------------------------------------------


def _ledger(ctx: CheckContext) -> _Ledger:
    ledger: _Ledger = ctx.memo.setdefault("keys:ledger", _Ledger())
    return ledger


def _value(ctx: CheckContext, body: JSON | bytes | str) -> str | None:
    name = sent_key(ctx)
    if name is None:
        return None
    if isinstance(body, bytes | bytearray | str):
        start = body.lstrip()[:1]
        if len(body) > _SENT_MAX or start not in (b"{", "{"):
            return None
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            return None
    value = body.get(name) if isinstance(body, dict) else None
    return json.dumps(value, sort_keys=True) if value is not None else None


def record(ctx: CheckContext, body: JSON | bytes | str) -> None:
    """Count a create about to be sent by its key value (called before it goes out)."""
    value = _value(ctx, body)
    if value is not None:
        ledger = _ledger(ctx)
        with ledger.lock:
            ledger.counts[value] += 1


def conflict(ctx: CheckContext, body: JSON, reply: Reply) -> str | None:
    """Why a `409 Conflict` to the create of `body` is legal (its key value was pinned with --value, or
    another create of this run sent it too), as a note for the result; None when it is not (or not a 409)."""
    if reply.status != 409:
        return None
    name, value = sent_key(ctx), _value(ctx, body)
    if name is None or value is None:
        return None
    shown = quote(value, 60)
    if name in ctx.options.known:
        why = f"{name} {shown} is pinned with --value, and an object with that {name} exists already"
    else:
        ledger = _ledger(ctx)
        with ledger.lock:
            repeated = ledger.counts[value] > 1
        if not repeated:
            return None
        why = f"another create of this run sent {name} {shown} too, so it names an object already"
    fix = f"to test with a new object, give a {name} no object has (--value {name}=...) or delete that object"
    return f"a create answered 409 Conflict, which is legal: {why}; {fix}"

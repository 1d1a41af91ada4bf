"""UPD-102: an update that names a property the resource does not declare (VALID-103's rule, for updates).

OData 4.01 Part 1 §11.4.3: an update carries the properties to change, and a closed type declares them all,
so a property the pages never name is refused (a 4xx). A service may instead ignore it; what it must not do
is store it, so a 2xx is judged by what comes back: the 200's entity, and the object read back (when a get
page is documented). A SHOULD, like VALID-103: Graph refuses most undeclared properties, not all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.checks import CheckContext, Skip, check
from conformance.checks._replace import update_sent
from conformance.checks._resource import item_path, operation
from conformance.checks._support import excerpt, finding, is_4xx, json_object
from conformance.checks.updates import LANE, _create, _needs, _patch, updatable
from conformance.contract.spec import JSON, Level
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

UNDECLARED = "conformanceUndeclaredProperty"  # VALID-103's name: no Graph page documents it


@check(
    "UPD-102",
    Level.SHOULD,
    "An update naming a property the resource does not declare is refused with a 4xx, or the property is "
    "not stored (neither the answer nor a later GET shows it).",
    title="Unknown property in an update",
    source="OData 4.01 Part 1 §11.4.3 (update an entity)",
    needs=_needs,
    lane=LANE,
)
def unknown_property_update(ctx: CheckContext) -> Iterator[Finding]:
    update = updatable(ctx.spec)
    assert update is not None
    if ctx.op.additional_properties or update.additional_properties:
        raise Skip("the pages do not list the resource's properties, so none can be called unknown")
    target = _create(ctx)
    # one listed property with the value the object holds (a change nobody can object to), and the stranger
    body: dict[str, JSON] = {UNDECLARED: "x"}
    held = next((p.name for p in update.properties if p.name in target.state), None)
    if held is not None:
        body = {held: target.state[held], **body}
    body = update_sent(ctx.op, update, target.state, body)  # a PUT sends the whole object
    reply = _patch(ctx, update, target, body)
    if is_4xx(reply.status):
        return
    if not 200 <= reply.status <= 299:
        yield finding(
            f"an update with the undeclared property {UNDECLARED} answered {reply.status} {reply.reason}",
            "response.status",
            reply,
            expected="a 4xx, or a 2xx that does not store the property",
            actual=f"{reply.status} {reply.reason}",
            input=body,
        )
        return
    answered, _problem = json_object(reply) if reply.status == 200 else (None, None)
    if answered is not None and UNDECLARED in answered:
        yield _stored(reply, body, answered[UNDECLARED], "the update's answer")
        return
    get = operation(ctx.spec, "get")
    if get is None:
        raise Skip(
            f"the update with {UNDECLARED} answered {reply.status} and no get page is documented, so whether "
            "it was stored cannot be read back"
        )
    after = ctx.client.request("GET", item_path(get, ctx.path, target.value))
    got, _problem = json_object(after)
    if after.status != 200 or got is None:
        raise Skip(f"the object could not be read back after the update ({after.status}); see LIFE-001")
    if UNDECLARED in got:
        yield _stored(after, body, got[UNDECLARED], "a GET after the update")


def _stored(reply: Reply, body: dict[str, JSON], value: JSON, where: str) -> Finding:
    return finding(
        f"an update with the undeclared property {UNDECLARED} was taken, and {where} shows it stored "
        f"({excerpt(value)})",
        f"response.body/{UNDECLARED}",
        reply,
        expected="a 4xx, or the property not stored",
        actual=excerpt(value),
        input=body,
    )


__all__ = ["UNDECLARED"]

"""An update by PUT replaces the whole object (OData 4.01 Protocol §11.4.3 "Update an Entity"; RFC 9110
§9.3.4): a property the body leaves out may be reset to its default, so the harness sends the whole object
with its change and judges that every property sent comes back. PATCH merges: only the change is sent, and
every other property must stay as it was (`unchanged_findings`).

The whole object is what the object holds now (as read back, or as created), writable properties only:
those the update page lists, and those the create page lists when the update page allows more than it
lists (its body schema's `additionalProperties`); never a read-only (server-owned) one, the entity's `id`,
an `@` annotation or a property no page declares. A property that is not sent is not judged after a PUT:
the replace may legally reset it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from conformance.checks._support import echo_findings
from conformance.contract.spec import JSON, Operation

if TYPE_CHECKING:
    from conformance.results import Finding
    from conformance.target.client import Reply

Body = dict[str, JSON]


def replaces(update: Operation) -> bool:
    """Whether the update page's method is PUT (replace), not PATCH (merge)."""
    return update.method.value.upper() == "PUT"


def _writable(create: Operation, update: Operation, name: str) -> bool:
    if name.startswith("@") or name == "id":
        return False
    prop = update.property(name)
    if prop is None and update.additional_properties is not False:
        prop = create.property(name)
    return prop is not None and not prop.read_only


def update_sent(create: Operation, update: Operation, state: Body, change: Body) -> Body:
    """The body an update sends for `change` to an object holding `state`: `change` alone for a PATCH, the
    whole object's writable properties with `change` over them for a PUT."""
    if not replaces(update):
        return change
    whole = {name: value for name, value in state.items() if _writable(create, update, name)}
    return {**whole, **change}


def sent_findings(
    create: Operation, update: Operation, sent: Body, got: Body, reply: Reply, *, seed: int | None = None
) -> Iterator[Finding]:
    """`echo_findings` for what an update sent: each property as the update page declares it, one only the
    create page declares (sent whole by a PUT) as the create page does."""
    yield from echo_findings(update, sent, got, reply, seed=seed)
    rest = {name: value for name, value in sent.items() if update.property(name) is None}
    if rest:
        yield from echo_findings(create, rest, got, reply, seed=seed)


__all__ = ["replaces", "sent_findings", "update_sent"]

"""Which property of a resource's entity its key path parameter takes its value from (the key property).

A get's, update's or delete's path ends in a key (`kinds.key_of`): `/groups/{id}`, `/groups/{group-id}`,
`/directory/outboundSharedUserProfiles/{userId}`. The placeholder's name is not always a property:
`{group-id}` stands for the group's `id`, while `{userId}` names the entity's own `userId` (the
outboundSharedUserProfile has no `id` of its own to look it up by). The rule, never the file name:

1. The key placeholder's name, compared without case, is a property the resource's pages document (a row of
   an operation's property table, else a top-level name of an example response body, or of a list example's
   `value` items): that property is the key, spelled and cited as documented.
2. Otherwise the key is `id`, the Graph entity's own key, cited at the key's path line with a note.

A resource whose pages name no key (a create and a list only) has no key property.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.contract.spec import DocLocation, Fact, How

if TYPE_CHECKING:
    from conformance.contract.grouping import Resource
    from conformance.contract.spec import JSON, Operation

__all__ = ["key_name", "key_property"]


def _example_names(op: Operation) -> list[tuple[str, DocLocation]]:
    out: list[tuple[str, DocLocation]] = []
    for example in op.examples:
        body = example.response_body
        if example.response_where is None or not isinstance(body, dict):
            continue
        entities: list[JSON] = [body]
        if op.kind_name == "list" and isinstance(body.get("value"), list):
            entities = list(body["value"])
        for entity in entities:
            if isinstance(entity, dict):
                out += [(name, example.response_where) for name in entity if not name.startswith("@")]
    return out


def key_property(resource: Resource) -> Fact[str] | None:
    """The entity property the key path parameter names, by the rule in this module's docstring."""
    key = resource.key
    if key is None:
        return None
    wanted = {name.strip().casefold() for name in key.value.split("|")}  # a key may be named several ways
    for op in resource.operations:
        for prop in op.properties:
            if prop.name.casefold() in wanted:
                note = f"the key {{{key.value}}} is the property {prop.name}"
                return Fact(value=prop.name, where=prop.where, how=How.SECTION, note=note)
    for op in resource.operations:
        for name, where in _example_names(op):
            if name.casefold() in wanted:
                note = f"the key {{{key.value}}} is the property {name} of the example body"
                return Fact(value=name, where=where, how=How.EXAMPLE, note=note)
    note = f"the key {{{key.value}}} names no property of the entity: it stands for the entity's id"
    return Fact(value="id", where=key.where, how=How.DEFAULT, note=note)


def key_name(resource: Resource) -> str:
    """The key property's name: `key_property`'s, or `id` where the pages name no key."""
    fact = key_property(resource)
    return "id" if fact is None else fact.value

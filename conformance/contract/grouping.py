"""A resource is a set of operations: a spec's operations grouped by the collection they act on.

Two operations belong to one resource when one of their paths names the same collection: a create's or a
list's path is the collection (`/groups`), a get's, update's or delete's is the collection with a key at the
end (`/groups/{id}`, `/groups('{id}')`), so `kinds.strip_key` gives it. Paths are compared with trailing
`/` dropped, case folded and every placeholder's name ignored (`/teams/{team-id}/channels` and
`/teams/{id}/channels` are one collection). The entity type the resource is named after is the create's,
else the list's, get's, update's or delete's, in that order; the other operations' types stay on them (an
update per derived type on the same path, as namedLocation's). The key path parameter is the get's, else
the update's, else the delete's (each names it as its own path does).

The key *property* (`keys.key_name`), whose value names one entity in those paths, by the rule in `keys.py`:
the key path parameter's name when the pages document a property of that name (`{userPrincipalName}`; of
`{id | userPrincipalName}` the first name that is one), else `id` (`{group-id}`, `{id}`: the entity's id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from conformance.contract.kinds import KINDS, strip_key
from conformance.contract.spec import Fact, Operation, Spec

__all__ = ["Resource", "collection_key", "resource_of", "resources"]

_PLACEHOLDER_RE = re.compile(r"\{[^{}]*\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource:
    """The operations of one entity type on one collection, and the key that names one entity."""

    name: str  # the entity type, e.g. "group"
    collection: str  # the collection path as the first page writes it, e.g. "/groups"
    key: Fact[str] | None  # the key path parameter, where a get, update or delete names one
    operations: tuple[Operation, ...]  # in the spec's order (the create first)

    def of_kind(self, kind: str) -> tuple[Operation, ...]:
        """The operations of `kind` (`create`, `get`, `list`, `update`, `delete`)."""
        return tuple(op for op in self.operations if op.kind_name == kind)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds documented, in CRUD order."""
        present = {op.kind_name for op in self.operations}
        return tuple(k for k in KINDS if k in present)


def collection_key(path: str) -> str:
    """The collection a path acts on, normalised for comparison: key stripped, placeholders unnamed."""
    return _PLACEHOLDER_RE.sub("{}", strip_key(path).rstrip("/")).casefold() or "/"


def _collection(op: Operation, path: str) -> str:
    return strip_key(path) if op.kind_name in ("get", "update", "delete") else path.rstrip("/") or "/"


def resources(spec: Spec) -> tuple[Resource, ...]:
    """The spec's operations grouped into resources by the rule in this module's docstring."""
    groups: list[tuple[set[str], list[Operation]]] = []
    for op in spec.operations:
        keys = {collection_key(_collection(op, p.value)) for p in op.paths}
        joined = [g for g in groups if g[0] & keys]
        if not joined:
            groups.append((keys, [op]))
            continue
        first = joined[0]
        first[0].update(keys)
        first[1].append(op)
        for other in joined[1:]:  # an operation whose paths bridge two groups merges them
            first[0].update(other[0])
            first[1].extend(other[1])
            groups.remove(other)
    out: list[Resource] = []
    order = {k: i for i, k in enumerate(KINDS)}
    for _keys, ops in groups:
        ops.sort(key=lambda o: spec.operations.index(o))
        named = min(ops, key=lambda o: order[o.kind_name])
        keyed = [o for kind in ("get", "update", "delete") for o in ops if o.kind_name == kind and o.key]
        out.append(
            Resource(
                name=named.resource,
                collection=_collection(named, named.path),
                key=keyed[0].key if keyed else None,
                operations=tuple(ops),
            )
        )
    return tuple(out)


def resource_of(spec: Spec) -> Resource:
    """The resource the spec's create (`Spec.operation`) belongs to."""
    return next(r for r in resources(spec) if spec.operation in r.operations)

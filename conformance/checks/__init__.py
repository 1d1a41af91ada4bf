"""The check catalogue: `@check`, the registry, and binding checks to a `Spec`.

A check declares an id, an RFC 2119 level, one sentence of requirement, and where the
requirement comes from: a `DocRef` into the page (for what the page says) or an outside
`source` (OData, RFC 9110, the Graph guidelines). It is a plain generator over a
`CheckContext`: it yields one `Finding` per problem and returns quietly on success.

May import: `conformance.contract.spec` and `conformance.contract.schemas`, the target wing (the client),
`conformance.results` and `conformance.errors`; never the runner, the reference implementation or reporters.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from conformance.checks.docref import DocRef, defect, resolve
from conformance.contract.spec import JSON, DocLocation, Level, Operation, Spec
from conformance.errors import CheckDefinitionError, ConfigError, did_you_mean
from conformance.results import CheckInfo, Finding

if TYPE_CHECKING:
    from conformance.target.client import Client, Reply


_ID_RE = re.compile(r"\A[A-Z]+-[0-9]{3}\Z")


class Skip(Exception):
    """Raised by a check that cannot judge this target or page; the runner records SKIP with the reason."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckOptions:
    """Run settings a check may read."""

    seed: int = 0
    examples: int = 25
    accept_odata_types: tuple[str, ...] = ()
    fuzz: bool = True
    path_params: tuple[tuple[str, str], ...] = ()  # values for {placeholders} in the documented paths
    validates_tokens: bool = False  # the user says the target rejects unknown tokens (--validates-tokens)
    values: tuple[tuple[str, JSON], ...] = ()  # known-good values (--value), checked against the spec

    @property
    def known(self) -> dict[str, JSON]:
        """The known-good values by property name."""
        return dict(self.values)


@dataclass(slots=True)
class CheckContext:
    """What a check gets: the client, the operation, options, a memo shared by the run's checks."""

    client: Client
    spec: Spec
    options: CheckOptions
    memo: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # the running check's notes (reset per check)
    counter: list[int] = field(default_factory=lambda: [0])
    on_progress: Callable[[str], None] | None = None  # hears "GEN-001: 10/25 generated cases" and the like
    check_id: str = ""  # the running check (set by the runner on its own copy of the context)
    lane: str | None = None  # the running check's lane (see `check(lane=...)`)

    def for_check(self, check_id: str, lane: str | None) -> CheckContext:
        """This run's context for one check: the same memo and options, its own client view (its own
        records), notes and counter, so checks on other threads never mix what they sent."""
        return replace(self, client=self.client.view(), notes=[], counter=[0], check_id=check_id, lane=lane)

    def progress(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(text)

    @property
    def op(self) -> Operation:
        return self.spec.operation

    @property
    def path(self) -> str:
        return concrete_path(self.op, dict(self.options.path_params))

    def unique(self, prefix: str = "conformance") -> str:
        """A string value no earlier call in this run returned: it names the running check and counts
        within it, so it is the same for a seed whatever order or concurrency the checks ran in."""
        self.counter[0] += 1
        tag = f"{self.check_id.lower()}-" if self.check_id else ""
        return f"{prefix}-{self.options.seed:x}-{tag}{self.counter[0]}"

    def prefetch(self, calls: Sequence[Callable[[CheckContext], Reply]]) -> list[Callable[[], Reply]]:
        """The requests `calls` make, sent ahead over the run's connections (`--concurrency`); each item
        of the list, called in order, returns what its call returned (or raises what it raised) and makes
        it this check's own request, as if sent just then. A check that stops early never sees (or
        reports) what was sent ahead of it, so its result is the same at any concurrency; with
        concurrency 1 each request is sent when its item is called."""
        from conformance.checks._prefetch import prefetch

        return prefetch(self, calls)

    def post(self, body: JSON = None, *, raw: bytes | str | None = None, **kw: Any) -> Reply:
        """POST to the operation's path: `body` as JSON, or `raw` bytes with the caller's headers. Each is
        counted by the key value it sends (`_keys.record`), so a 409 for a repeated key is told apart."""
        from conformance.checks import _keys

        _keys.record(self, body if raw is None else raw)
        if raw is not None:
            return self.client.request("POST", self.path, body=raw, **kw)
        return self.client.request("POST", self.path, json=body, **kw)

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """Compute `make()` once per run and share it between checks (saves requests). Only checks of one
        lane may share a value: they run in order, so the same check sends it at any concurrency."""
        lanes: dict[str, str | None] = self.memo.setdefault("once-lanes", {})
        if lanes.setdefault(key, self.lane) != self.lane or self.lane is None:
            raise CheckDefinitionError(
                f"{self.check_id or 'a check'} shares {key!r} with lane {lanes[key]!r} but runs in lane "
                f"{self.lane!r}; declare the same @check(lane=...) for every check that shares it"
            )
        if key not in self.memo:
            try:
                self.memo[key] = ("ok", make())
            except Exception as exc:  # re-raised for every check that asks, so each records it
                self.memo[key] = ("raise", exc)
        kind, value = self.memo[key]
        if kind == "raise":
            raise value
        return value


CheckFunc = Callable[[CheckContext], Iterator[Finding]]
Applies = Callable[[Operation], str | None]  # returns a skip reason, or None when the check applies
Needs = Callable[[Spec], str | None]  # the same, judged on the whole spec (a resource's other operations)


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    id: str
    level: Level
    requirement: str
    title: str
    func: CheckFunc
    doc: DocRef | None
    source: str
    applies: Applies | None
    kind: str = "probe"  # "probe" (hand-written) or "generated"
    lane: str | None = None  # checks of one lane share values (`ctx.once`) and run in catalogue order
    needs: Needs | None = None
    last: bool = False  # its lane starts once every other lane has finished (see `check`)

    def info(self, where: DocLocation | None, op: Operation | None = None) -> CheckInfo:
        text = self.requirement.format(**_placeholders(op)) if op is not None else self.requirement
        return CheckInfo(
            id=self.id,
            level=self.level,
            requirement=text,
            source=self.source,
            doc=where,
            title=self.title,
            tags=(self.kind,),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BoundCheck:
    """A check resolved against one spec: its doc location and whether it applies."""

    check: Check
    info: CheckInfo
    skip_reason: str | None
    weak_fact: str | None  # a note when the requirement rests on a low-confidence fact


REGISTRY: dict[str, Check] = {}


def check(
    id: str,
    level: Level,
    requirement: str,
    *,
    title: str,
    doc: DocRef | None = None,
    source: str = "doc",
    applies: Applies | None = None,
    kind: str = "probe",
    lane: str | None = None,
    needs: Needs | None = None,
    last: bool = False,
) -> Callable[[CheckFunc], CheckFunc]:
    """Register a check. Refuses duplicate or malformed ids and a check with neither doc nor source.

    `lane`: checks that share what one of them sent (`ctx.once`, e.g. the create the CREATE checks
    examine) name the same lane; a lane's checks run one after another in catalogue order, other checks
    may run concurrently (`--concurrency`). `last`: the lane starts only once every other lane has finished
    (checks that list what the target holds see the same collection at any concurrency). `needs`: like
    `applies`, a skip reason judged on the whole spec (e.g. the resource documents no get page)."""

    def register(func: CheckFunc) -> CheckFunc:
        if not _ID_RE.match(id):
            raise CheckDefinitionError(f"check id {id!r} must look like AREA-123")
        if id in REGISTRY:
            raise CheckDefinitionError(f"check id {id} is declared twice ({func.__qualname__})")
        if doc is None and source == "doc":
            raise CheckDefinitionError(f"{id}: a doc-sourced check needs a DocRef")
        problem = defect(doc) if doc is not None else None
        if problem:
            raise CheckDefinitionError(f"{id}: {problem} ({func.__qualname__})")
        if last and lane is None:
            raise CheckDefinitionError(f"{id}: last=True needs a lane ({func.__qualname__})")
        REGISTRY[id] = Check(
            id=id,
            level=level,
            requirement=requirement,
            title=title,
            func=func,
            doc=doc,
            source=source,
            applies=applies,
            kind=kind,
            lane=lane,
            needs=needs,
            last=last,
        )
        return func

    return register


def catalogue() -> list[Check]:
    """Every registered check, sorted by id (imports the topic modules once)."""
    from conformance.checks import (  # noqa: F401 - registration
        alternatives,
        create,
        fuzz,
        lifecycle,
        protocol,
        queries,
        update_unknown,
        updates,
        validation,
    )

    return sorted(REGISTRY.values(), key=lambda c: c.id)


def bind(spec: Spec) -> list[BoundCheck]:
    """Resolve each check's DocRef against `spec`; decide which apply to this page."""
    bound = []
    for c in catalogue():
        where, fact = resolve(c.doc, spec) if c.doc is not None else (None, None)
        skip = c.applies(spec.operation) if c.applies else None
        if skip is None and c.needs is not None:
            skip = c.needs(spec)
        weak = None
        if fact is not None and fact.confidence < 0.8:
            weak = f"rests on a weak fact ({fact.how.value}, confidence {fact.confidence:.2f})" + (
                f": {fact.note}" if fact.note else ""
            )
        bound.append(
            BoundCheck(check=c, info=c.info(where, spec.operation), skip_reason=skip, weak_fact=weak)
        )
    return bound


def select(checks: list[BoundCheck], include: tuple[str, ...], exclude: tuple[str, ...]) -> list[BoundCheck]:
    """Filter by id; a pattern ending in '*' is a prefix. Unknown ids raise `CheckDefinitionError`."""
    ids = [b.check.id for b in checks]
    for pattern in (*include, *exclude):
        if not any(_matches(i, pattern) for i in ids):
            raise CheckDefinitionError(
                f"unknown check id {pattern!r}{did_you_mean(pattern, ids)}; `conformance checks` lists them"
            )
    out = [b for b in checks if not include or any(_matches(b.check.id, p) for p in include)]
    return [b for b in out if not any(_matches(b.check.id, p) for p in exclude)]


def _matches(check_id: str, pattern: str) -> bool:
    p = pattern.upper()
    return check_id.startswith(p[:-1]) if p.endswith("*") else check_id == p


def _placeholders(op: Operation | None) -> dict[str, str]:
    if op is None:
        return {}
    req = [p.name for p in op.required]
    return {
        "status": str(op.success_status.value),
        "odata_type": op.odata_type.value if op.odata_type else "(none documented)",
        "required": ", ".join(req) if req else "(none)",
        "id_shape": "GUID shaped (8-4-4-4-12 hex, any case)"
        if op.id_format.value == "guid"
        else "a non-empty string",
        "path": op.path,
        "alternatives": "; ".join(" or ".join(g.names) for g in op.alternatives) or "none on this page",
    }


_PLACEHOLDER = re.compile(r"\{([^}]*)\}")
FILLER = "conformance-test"


def concrete_path(op: Operation, params: dict[str, str] | None = None) -> str:
    """The path to call.

    With `params` (from --path-param), the first documented path whose placeholders they all fill;
    otherwise the first path without placeholders; otherwise the first path, with unknown
    placeholders filled by a fixed word. `{id | userPrincipalName}` is filled by either name.
    """
    params = params or {}

    def value(match: re.Match[str]) -> str | None:
        names = [n.strip() for n in match.group(1).split("|")]
        return next((params[n] for n in names if n in params), None)

    def fill(path: str) -> str:
        return _PLACEHOLDER.sub(lambda m: value(m) or FILLER, path)

    paths = [fact.value for fact in op.paths]
    if params:
        for path in paths:
            holes = list(_PLACEHOLDER.finditer(path))
            if holes and all(value(m) is not None for m in holes):
                return fill(path)
    for path in paths:
        if "{" not in path:
            return path
    return fill(paths[0])


def path_placeholders(op: Operation) -> list[str]:
    """Every placeholder name in the documented paths (`{id | userPrincipalName}` gives both), in order."""
    names = (
        n.strip()
        for fact in op.paths
        for m in _PLACEHOLDER.finditer(fact.value)
        for n in m.group(1).split("|")
    )
    return list(dict.fromkeys(n for n in names if n))


def check_path_params(op: Operation, params: tuple[tuple[str, str], ...]) -> None:
    """Raise `ConfigError` for a --path-param naming a placeholder no documented path has (a typo would
    otherwise be ignored and the run would call another path than the user meant)."""
    names = path_placeholders(op)
    for name, _ in params:
        if name not in names:
            has = "has no placeholders" if not names else "has only " + ", ".join(f"{{{n}}}" for n in names)
            raise ConfigError(
                f"--path-param {name!r}: the documented path {op.path} {has}"
                f"{did_you_mean(name, names)}; drop it or fix its name"
            )


def about_auth(check: Check) -> bool:
    """True for the checks that judge how the target treats credentials (the AUTH topic): they need a
    credential to tell apart from a bad one, so a run without credentials (--no-auth) skips them."""
    return check.id.startswith("AUTH-")


__all__ = [
    "REGISTRY",
    "BoundCheck",
    "Check",
    "CheckContext",
    "CheckOptions",
    "DocRef",
    "Skip",
    "about_auth",
    "bind",
    "catalogue",
    "check",
    "check_path_params",
    "concrete_path",
    "path_placeholders",
    "select",
]

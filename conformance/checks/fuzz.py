"""Generated tests: bodies drawn from the derived request schema, failures shrunk (`_shrink`).

The derived vocabulary is drawn by `_bodies`, any other schema by schemathesis. The only room (with
`_fallback`) that imports schemathesis and hypothesis, and only for such a schema. Requests still go
through the harness `Client`, so evidence is redacted and reads are bounded like every other check.
Whether a drawn body is valid is decided by the harness's own validator (formats on), not
by the generation mode alone: a "negative" body that happens to be valid is judged as valid.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.checks import CheckContext, DocRef, Skip, _keys, check
from conformance.checks._prefetch import Stream
from conformance.checks._support import (
    answered,
    broken_answer,
    duplicate_problem,
    echo_findings,
    excerpt,
    finding,
    json_object,
    minimal_body,
    non_null,
    rejection_problem,
    writable,
)
from conformance.checks._unicode import seed_unicode_tables
from conformance.checks.judgement import (
    degenerate_values,
    excused_rejection,
    undocumented_values,
    with_documented_values,
    without_degenerate_values,
)
from conformance.contract.schemas import validation_errors
from conformance.contract.spec import JSON, Level, Operation, Property, request_schema, response_schema
from conformance.errors import UNDECIDED_ERRORS, TargetError
from conformance.results import Finding

if TYPE_CHECKING:
    from conformance.target.client import Reply

_GENERATING = threading.RLock()  # hypothesis, `random` and schemathesis's strategies are process-wide
SHRINK_BUDGET = 60  # extra requests `_shrink` may spend making a failing body smaller


def judge(
    ctx: CheckContext, body: JSON, reply: Reply, *, valid: bool, twin: Callable[[JSON], Reply] | None = None
) -> Finding | None:
    """The first way `reply` is wrong for `body` (valid bodies: success + schema + echo; invalid: 4xx).
    `twin` sends another body: given, a refusal excused for a degenerate value is checked by its twin."""
    op = ctx.op
    seed = ctx.options.seed
    if isinstance(body, bytes | bytearray):  # raw bytes generation sent as-is: show them as text
        body = bytes(body).decode("utf-8", "backslashreplace")
        what = "a body that is not JSON" if not valid else "a raw body"
        problem = rejection_problem(reply, what, input=body, seed=seed)
        return problem if not valid else None
    if not valid:
        return rejection_problem(reply, "a schema-invalid body", input=body, seed=seed)
    excused = excused_rejection(body, reply, ctx.options.known, op.properties)
    odd = next(degenerate_values(body), None) or next(undocumented_values(op.properties, body), None)
    if excused is not None and twin is not None and odd is not None:
        # Refused, and it holds a degenerate value or one its description does not list: the refusal is
        # excused only if it was for that value. Its twin with those values made plain (a listed value) must
        # be accepted (a date or a number refused is not excused by an empty string beside it).
        plain = with_documented_values(op.properties, without_degenerate_values(body))
        if plain != body and validity(op, plain) is True:
            plain = _keys.rekey(ctx, plain)  # a create of its own: its own key value
            problem = judge(ctx, plain, twin(plain), valid=True)
            if problem is not None:
                twin_of = "the twin, with the degenerate or unlisted values of a refused body made plain"
                return replace(problem, message=f"{problem.message} ({twin_of})")
    conflict = _keys.conflict(ctx, body, reply)
    if conflict is not None:  # a 409 for a key value pinned or sent before: legal, said in a note
        if conflict not in ctx.notes:
            ctx.notes.append(conflict)
        return None
    if excused is not None:
        if excused not in ctx.notes:  # one note per kind of refusal, not one per generated body
            ctx.notes.append(excused)
        return None
    if reply.status != op.success_status.value:
        return finding(
            f"a schema-valid body answered {reply.status} {reply.reason}, expected {op.success_status.value}",
            "response.status",
            reply,
            expected=str(op.success_status.value),
            actual=f"{reply.status} {reply.reason}",
            input=body,
            seed=seed,
        )
    obj, problem = json_object(reply)
    if obj is None:
        assert problem is not None
        return finding(problem.message, problem.location, reply, input=body, seed=seed)
    repeated = duplicate_problem(reply, input=body, seed=seed)
    if repeated is not None:
        return replace(repeated, message=f"{repeated.message} (requirement of CREATE-003)")
    errors = validation_errors(obj, response_schema(op, ctx.options.accept_odata_types))
    if errors:
        pointer, message = errors[0]
        return finding(
            f"response{pointer or ' body'}: {message}",
            f"response.body{pointer}",
            reply,
            expected="valid per the derived response schema",
            actual=message,
            input=body,
            seed=seed,
        )
    echoed = next(echo_findings(op, body, obj, reply, seed=seed), None)
    if echoed is not None:
        return replace(echoed, message=f"{echoed.message} (requirement of CREATE-006)")
    return None


def validity(op: Operation, body: JSON) -> bool | None:
    """True/False when the body is valid/invalid for a MUST judgement; None when only a SHOULD decides.

    A body whose only fault is a property the page does not declare (or OData control information)
    is VALID-103's business, a SHOULD: generated tests neither demand its acceptance nor its rejection;
    so is one whose only fault is sending several members of an exclusive alternatives group.
    """
    if not isinstance(body, dict):
        return False
    strict = request_schema(op)
    if not validation_errors(body, strict):
        return True
    # Several members of an exclusive group ("A or B, but not both") break the client's side of the
    # sentence; a server may refuse or accept them, so no MUST decides either way.
    inclusive = tuple(replace(g, exclusive=False) for g in op.alternatives)
    lenient = {**request_schema(replace(op, alternatives=inclusive)), "additionalProperties": True}
    return None if not validation_errors(body, lenient) else False


def generation_schema(op: Operation, known: dict[str, JSON] | None = None) -> dict[str, JSON]:
    """The request schema generation draws from: no OData control information (the server owns it), and
    each property with a known-good value (--value) fixed to it, so generated bodies vary the rest."""
    schema = request_schema(op)
    schema.pop("patternProperties", None)
    properties = schema["properties"]
    assert isinstance(properties, dict)
    for name, value in (known or {}).items():
        properties[name] = {"const": value}
    return schema


def server_error(reply: Reply, body: JSON, ctx: CheckContext) -> Finding | None:
    """For a body no MUST decides: only a 5xx is wrong."""
    if reply.status < 500:
        return None
    return finding(
        f"a body with an undeclared property crashed the server: {reply.status} {reply.reason}",
        "response.status",
        reply,
        expected="not 5xx",
        actual=f"{reply.status} {reply.reason}",
        input=body,
        seed=ctx.options.seed,
    )


def _shown(body: JSON) -> JSON:
    return bytes(body).decode("utf-8", "backslashreplace") if isinstance(body, bytes | bytearray) else body


def _send(ctx: CheckContext, body: JSON) -> Reply:
    if isinstance(body, bytes | bytearray):
        return ctx.post(raw=bytes(body), headers={"Content-Type": "application/json"})
    return ctx.post(body)


_STRATEGIES: dict[str, Any] = {}  # built strategies by what they were built from (building one costs time)


def _strategy(op: Operation, mode_name: str, known: dict[str, JSON]) -> Any:
    """The body strategy for `op` in `mode_name`, built once per schema (the plugin and repeated runs reuse
    it). The derived vocabulary is drawn by `_bodies`; any other schema by schemathesis. A strategy holds no
    draw state: the seed is applied per run by `@seed`, so reuse draws the same bodies.
    """
    import json

    from conformance.checks import _bodies

    schema = generation_schema(op, known)
    key = json.dumps([mode_name, op.title, op.success_status.value, schema], sort_keys=True, default=repr)
    if key not in _STRATEGIES:
        made = _bodies.positive(schema) if mode_name == "positive" else _bodies.negative(schema)
        _STRATEGIES[key] = made if made is not None else _schemathesis_strategy(op, mode_name, schema)
    return _STRATEGIES[key]


def _schemathesis_strategy(op: Operation, mode_name: str, schema: dict[str, JSON]) -> Any:
    _hypothesis_ready()
    import schemathesis
    from schemathesis import GenerationMode

    mode = GenerationMode.POSITIVE if mode_name == "positive" else GenerationMode.NEGATIVE
    document = {
        "openapi": "3.1.0",
        "info": {"title": op.title, "version": "derived"},
        "paths": {
            "/create": {
                "post": {
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": schema}},
                    },
                    "responses": {str(op.success_status.value): {"description": "created"}},
                }
            }
        },
    }
    operation = schemathesis.openapi.from_dict(document)["/create"]["POST"]
    return operation.as_strategy(generation_mode=mode).map(lambda case: case.body)


def explore(ctx: CheckContext, mode_name: str) -> Iterator[Finding]:
    """Draw `examples` bodies in one generation mode, judge each in the order drawn, shrink the first failure.

    Body `i` is a function of the seed, the mode and `i` alone (`_bodies.draw`). With concurrency above 1
    the bodies are sent ahead over the run's connections while they are judged in order; the first failure
    stops the sending and is made smaller one request at a time (`_shrink`). The check thus sends, judges and
    reports the same whatever the concurrency and the timing.
    """
    from conformance.checks._shrink import shrink

    op = ctx.op
    with _GENERATING:
        strategy = _strategy(op, mode_name, ctx.options.known if mode_name == "positive" else {})
    state: dict[str, Any] = {"sent": 0, "error": None}
    budget = ctx.options.examples + SHRINK_BUDGET

    def attempt(body: JSON, take: Callable[[], Reply] | None = None) -> Finding | None:
        if state["error"] is not None or state["sent"] >= budget:
            return None  # target gone or budget spent: stop sending, keep the smallest failure found
        state["sent"] += 1
        if state["sent"] % 5 == 0:
            ctx.progress(f"{mode_name}: {state['sent']} generated requests (budget {budget})")
        try:
            reply = take() if take is not None else _send(ctx, body)
        except TargetError as exc:
            state["error"] = exc  # stop sending: a dead or hung target would cost a timeout per case
            sent = ctx.client.last_exchange
            if isinstance(exc, UNDECIDED_ERRORS) or sent is None or sent.error != str(exc):
                return None  # nothing went out: raised below
            return broken_answer(ctx, "a generated body", exc, input=_shown(body), seed=ctx.options.seed)
        valid = validity(op, body)
        if valid is None:
            return server_error(reply, body, ctx)
        try:
            return judge(ctx, body, reply, valid=valid, twin=partial(_send, ctx))
        except TargetError as exc:  # the twin's request: the target broke or went away
            state["error"] = exc
            return None

    # A body as drawn (what a failure is shrunk from) and as sent: a key the client sends gets a value no
    # other create of the run sends (`_keys.rekey`), given in the order drawn, so at any concurrency.
    failed: tuple[JSON, Finding] | None = None
    if ctx.client.concurrency > 1:
        drawn: list[tuple[JSON, JSON]] = []

        def judge_ahead(index: int, take: Callable[[], Reply]) -> bool:
            nonlocal failed
            problem = attempt(drawn[index][1], take)
            if problem is not None:
                failed = (drawn[index][0], problem)
            return problem is not None or state["error"] is not None

        ahead = Stream(ctx, judge_ahead)
        for body in _bodies_of(strategy, ctx.options.seed, mode_name, ctx.options.examples):
            drawn.append((body, _keys.rekey(ctx, body)))
            if not ahead.add(partial(_send_from, body=drawn[-1][1])):
                break  # judged a failure (or the target is gone): the bodies after it are not needed
        ahead.finish()
    else:
        for body in _bodies_of(strategy, ctx.options.seed, mode_name, ctx.options.examples):
            problem = attempt(_keys.rekey(ctx, body))
            if problem is not None:
                failed = (body, problem)
            if problem is not None or state["error"] is not None:
                break
    if failed is None:
        if state["error"] is not None:
            raise state["error"]
        ctx.notes.append(f"{mode_name}: {state['sent']} generated requests, seed {ctx.options.seed}")
        return
    smallest = failed

    def still_fails(candidate: JSON) -> bool:
        nonlocal smallest
        if candidate is not None and validity(op, candidate) != validity(op, failed[0]):
            return False  # a shrink keeps the kind of body that failed (valid stays valid), sends nothing
        problem = attempt(_keys.rekey(ctx, candidate))
        if problem is not None:
            smallest = (candidate, problem)
        return problem is not None

    shrink(failed[0], still_fails, SHRINK_BUDGET)
    finding_ = smallest[1]
    shrunk = excerpt(finding_.evidence.input if finding_.evidence else None)
    sent = f"{mode_name}: {state['sent']} generated requests, seed {ctx.options.seed}"
    ctx.notes.append(f"{sent}; failure shrunk to {shrunk}")
    # the finding's own line names the body, so the terminal and every report show what to resend
    yield replace(finding_, message=f"{finding_.message} (shrunk body: {shrunk})")


def _bodies_of(strategy: Any, seed: int | None, mode_name: str, count: int) -> Iterator[JSON]:
    """The run's `count` generated bodies, in order: the simplest one, then each drawn from the seed, the
    mode and its index. A body drawn before is skipped (a small schema has few bodies); drawing stops after
    many repeats or rejected draws. `_bodies` draws its vocabulary from a plain `random.Random` per body;
    a schemathesis strategy is drawn through `_fallback` (where hypothesis's internals do not allow drawing
    one body at a time, its engine draws them all from the seed and the mode instead: slower, the same for
    a seed)."""
    from conformance.checks import _bodies

    own = isinstance(strategy, _bodies.Bodies)
    if own:
        direct = True
    else:
        with _GENERATING:  # the probe draws: never beside another thread's draw (or its first imports)
            direct = _hypothesis_ready() and _fallback().direct_drawing()
    drawn: list[JSON] = []
    if not direct:
        with _pinned(f"{seed}:{mode_name}"):
            drawn = _fallback().engine_bodies(strategy, f"{seed}:{mode_name}", count)
    seen: set[str] = set()
    misses = index = 0
    while len(seen) < count and misses < max(50, count):
        key = f"{seed}:{mode_name}:{index}"
        if own:
            ok, body = True, strategy.draw(key, index)
        elif direct:
            with _pinned(key):
                ok, body = _fallback().draw(strategy, key, simplest=index == 0)
        elif index < len(drawn):
            ok, body = True, drawn[index]
        else:
            return
        index += 1
        shown = repr(body)
        if not ok or shown in seen:
            misses += 1
            continue
        seen.add(shown)
        yield body


def _fallback() -> Any:
    from conformance.checks import _fallback

    return _fallback


_CACHE_HOME: list[Path] = []  # where the command line keeps hypothesis's caches, applied when it is imported


def _hypothesis_ready() -> bool:
    """Before hypothesis draws: its caches where the command line wants them, its unicode tables written
    (else a cold cache costs seconds building them, see _unicode). True, for use in a condition."""
    if _CACHE_HOME:
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(_CACHE_HOME[-1])
    seed_unicode_tables()
    return True


@contextmanager
def _pinned(key: str) -> Iterator[None]:
    """Process state that feeds generation besides the key, pinned: schemathesis (for schemas `_bodies` does
    not draw) takes some choices from the global `random`, and hypothesis mixes in literals from whatever
    local modules are loaded. So a seed draws the same bodies in the CLI, under pytest and in any test
    order. One draw at a time: that state is process-wide."""
    with _GENERATING, _without_local_constants():
        saved = random.getstate()
        random.seed(key)
        try:
            yield
        finally:
            random.setstate(saved)


def _send_from(ctx: CheckContext, *, body: JSON) -> Reply:
    return _send(ctx, body)


def keep_caches_in(directory: Path) -> None:
    """Put hypothesis's on-disk caches (unicode tables) in `directory` instead of ./.hypothesis.

    For the command line only: under pytest the user's own hypothesis settings stay untouched.
    """
    import os
    import tempfile

    # hypothesis runs every installed package's "hypothesis" entry point at import (reading the metadata
    # of every distribution: tens of ms). The command line draws only from its own strategies, which no
    # plugin changes, so it skips them unless the user says otherwise.
    os.environ.setdefault("HYPOTHESIS_NO_PLUGINS", "1")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:  # no writable home: a temporary folder still keeps the working directory clean
        directory = Path(tempfile.gettempdir()) / "graph-conformance-hypothesis"
    # applied when hypothesis is first needed (a schema `_bodies` does not draw): most runs never import it
    _CACHE_HOME[:] = [directory]


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Stop hypothesis from drawing literals out of the local modules that happen to be imported."""
    try:
        from hypothesis.internal.conjecture import providers

        p: Any = providers  # internal module: reached through Any, guarded by the except below
        original = p._get_local_constants
        empty = _no_constants(p)
    except (ImportError, AttributeError):  # another hypothesis version: nothing to pin
        yield
        return
    p._get_local_constants = lambda: empty
    try:
        yield
    finally:
        p._get_local_constants = original


_EMPTY: list[Any] = []  # the empty constants, made once: hypothesis only reads them


def _no_constants(p: Any) -> Any:
    if not _EMPTY:
        _EMPTY.append(
            p.Constants(
                integers=p.SortedSet(),
                floats=p.SortedSet(key=p.float_to_int),
                bytes=p.SortedSet(),
                strings=p.SortedSet(),
            )
        )
    return _EMPTY[0]


def _fuzz_on(ctx: CheckContext) -> None:
    if not ctx.options.fuzz or ctx.options.examples == 0:
        raise Skip("generated tests are off (--examples 0 or --no-fuzz)")


@check(
    "GEN-001",
    Level.MUST,
    "Generated schema-valid bodies are accepted with {status}, and the response is "
    "schema-valid and echoes what was sent.",
    title="Generated valid bodies",
    doc=DocRef(field="success_status", section="Request body"),
    kind="generated",
)
def generated_positive(ctx: CheckContext) -> Iterator[Finding]:
    _fuzz_on(ctx)
    yield from explore(ctx, "positive")


@check(
    "GEN-002",
    Level.MUST,
    "Generated schema-invalid bodies are rejected with a 4xx (never a 2xx or 5xx).",
    title="Generated invalid bodies",
    doc=DocRef(required_property=True, section="Request body"),
    kind="generated",
)
def generated_negative(ctx: CheckContext) -> Iterator[Finding]:
    _fuzz_on(ctx)
    yield from explore(ctx, "negative")


def edge_cases(op: Operation, base: dict[str, JSON]) -> list[tuple[str, JSON]]:
    """Deliberate bodies generation finds only by chance, built from the spec's own properties."""
    return [(label, {**base, prop.name: value}) for prop, label, value in edge_values(op)]


def edge_values(op: Operation) -> list[tuple[Property, str, JSON]]:
    """(property, label, value) of each edge case: one property given a value generation finds by chance."""
    cases: list[tuple[Property, str, JSON]] = []
    for prop in writable(op):
        schema = non_null(prop.schema)
        kind, fmt = schema.get("type"), schema.get("format")
        values: list[tuple[str, JSON]] = [("null", None), ("a nested object", {"nested": {"deep": [1]}})]
        if kind == "string" and fmt is None and "enum" not in schema:
            values += [
                ("non-ASCII text", "Zoë Ångström 東京 \U0001f680"),
                ("a 5,000-character string", "ü" * 5000),
                ("an empty string", ""),
                ("surrounding whitespace", "  padded value  "),
                ("a number", 12345),
                ("markup", "<script>alert(1)</script>"),
            ]
        elif fmt == "date-time":
            values += [
                ("a date-time with an offset", "2024-02-29T23:59:59+05:30"),
                ("a date-time with 7 fraction digits", "2024-05-17T09:30:00.1234567Z"),
                ("an impossible date", "2024-13-45T25:61:00Z"),
                ("a date without time", "2024-05-17"),
                ("a date-time without an offset", "2024-05-17T09:30:00"),
                ("free text", "yesterday"),
            ]
        for label, value in values:
            cases.append((prop, f"{prop.name} = {label}", value))
    return cases


def _edge_bodies(ctx: CheckContext) -> list[tuple[str, JSON]]:
    """GEN-003's bodies, each on a minimal body of its own: a key the client sends gets a value no other
    create of the run sends, and an edge case of the key itself keeps its edge (padding, length, script)
    with the check's tag inside, where a non-empty string leaves room for it (`_keys.fresh`)."""
    key = _keys.client_key(ctx)
    cases: list[tuple[str, JSON]] = []
    for prop, label, value in edge_values(ctx.op):
        if prop.name == key and isinstance(value, str) and value:
            tagged = _keys.fresh(ctx, non_null(prop.schema), value)
            value = tagged if len(value) < 1000 or not isinstance(tagged, str) else tagged[-len(value) :]
        cases.append((label, {**minimal_body(ctx), prop.name: value}))
    return cases


@check(
    "GEN-003",
    Level.MUST,
    "Edge-case bodies (non-ASCII, long, empty, padded, null, numbers for strings, nested "
    "objects, unusual date-times) are judged like any other: valid ones are created and echoed exactly, "
    "invalid "
    "ones get a 4xx, none a 5xx.",
    title="Edge cases",
    doc=DocRef(section="Request body"),
    kind="generated",
)
def edge_case_bodies(ctx: CheckContext) -> Iterator[Finding]:
    op = ctx.op
    cases = _edge_bodies(ctx)
    sent = ctx.prefetch([partial(_send_from, body=body) for _, body in cases])
    for (label, body), take in zip(cases, sent, strict=True):
        reply, broken = answered(ctx, take, label, input=body)
        if broken is not None:
            yield broken
            return  # the target broke on this body; a dead or hung one would cost a timeout per case
        assert reply is not None
        valid = validity(op, body)
        problem = server_error(reply, body, ctx) if valid is None else judge(ctx, body, reply, valid=valid)
        if problem is not None:
            yield finding(
                f"{label}: {problem.message}",
                problem.location,
                reply,
                expected=problem.evidence.expected if problem.evidence else "",
                actual=problem.evidence.actual if problem.evidence else "",
                input=body,
            )

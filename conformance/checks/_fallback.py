"""Drawing one body at a time from a hypothesis strategy: schemathesis's, for schemas `_bodies` does not draw.

`draw` takes body *i* from a generator seeded with its key alone, outside hypothesis's test engine (whose
bookkeeping costs more than the draw), through hypothesis internals (`ConjectureData`, `BuildContext`); where
a release changes them (`direct_drawing` is False), `engine_bodies` draws them all through the public API.
Only a run whose schema needs schemathesis imports hypothesis.
"""

from __future__ import annotations

import functools
import random
from typing import TYPE_CHECKING, Any

from conformance.contract.spec import JSON

if TYPE_CHECKING:
    from hypothesis.strategies import SearchStrategy


@functools.cache
def direct_drawing() -> bool:
    """Whether this hypothesis lets `draw` work outside its engine. `draw` uses hypothesis internals
    (`ConjectureData`, `BuildContext`), which a later release may change; then `engine_bodies` is used."""
    from hypothesis import strategies as st

    try:
        draw(st.integers(), "probe")
        draw(st.integers(), "probe", simplest=True)
    except (ImportError, AttributeError, TypeError):
        return False
    return True


def engine_bodies(strategy: SearchStrategy[JSON], key: str, count: int) -> list[JSON]:
    """Up to `count` bodies hypothesis's own engine draws from `strategy` with seed `key`, through its public
    API only: the same bodies for the same key, the simplest first, slower than `draw`."""
    from hypothesis import HealthCheck, Phase, given, seed, settings

    out: list[JSON] = []

    @seed(key)
    @settings(
        max_examples=max(count, 1),
        phases=(Phase.generate,),
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(body: JSON) -> None:
        out.append(body)

    collect()
    return out


def draw(strategy: SearchStrategy[JSON], key: str, *, simplest: bool = False) -> tuple[bool, JSON]:
    """(True, a body) drawn from `strategy` by a generator seeded with `key` alone, or (False, None) when
    this draw was rejected (a filter gave up). The same key draws the same body in any process, thread or
    order, so a run's bodies depend on its seed only, never on timing or concurrency. `simplest` draws the
    simplest body instead (each choice its simplest: empty strings, zeros, the first alternative), which
    is where hypothesis's own engine starts too.

    Each body is drawn on its own, outside hypothesis's test engine: the engine's bookkeeping (mutating
    earlier examples, tracking which were seen) costs more than the draw itself, and a failure is made
    smaller by `_shrink` on the body, not on hypothesis's choices.
    """
    from hypothesis.control import BuildContext
    from hypothesis.errors import StopTest
    from hypothesis.internal.conjecture.data import ConjectureData

    prefix: list[Any] = []
    if simplest:
        try:
            from hypothesis.internal.conjecture.choice import ChoiceTemplate
        except ImportError:  # another hypothesis version: no simplest body, the drawn ones still come
            return False, None
        prefix = [ChoiceTemplate("simplest", count=None)]
    data = ConjectureData(random=random.Random(key), prefix=prefix)
    try:
        with BuildContext(data, is_final=False, wrapped_test=draw):
            return True, data.draw(strategy)
    except StopTest:
        return False, None
    finally:
        data.freeze()

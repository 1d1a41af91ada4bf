"""The pytest plugin under pytest-xdist (`pytest --pyargs conformance.suite -n 4`): the same per-check
verdicts as one process and as `conformance run`.

- One seed. The controller takes `--conformance-seed` or draws one, shows it in the header and hands it
  to every worker, so a generated check draws the same bodies whichever worker runs it.
- Shared creates per worker. Each worker has its own session fixtures: its own client, memo and (without
  a target) its own embedded reference or `--conformance-app`; nothing is shared between processes.
- VALID-006 sees every worker's traffic. It is ordered last. After each check, a worker writes the server
  failures (5xx, broken answers) that check saw to a private folder the controller made; the worker that
  runs VALID-006 waits until every other selected check has written its file (or the run's time budget
  runs out), then judges all of them, in catalogue order, as `conformance run` does.
- Reports are not clobbered: the plugin writes no report file; pytest-xdist's controller alone writes
  `--junitxml`.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.checks import server_failures

if TYPE_CHECKING:
    from conformance.checks import BoundCheck, CheckContext
    from conformance.config import Config

SEED_KEY = "conformance_seed"
SHARED_KEY = "conformance_shared"
_SEED = pytest.StashKey[int]()
_SELECTED = pytest.StashKey[list[str]]()  # the selected check ids in catalogue order (after -k/-m)
_RAN_HERE = pytest.StashKey[set[str]]()
_POLL_S = 0.05


def session_seed(pyconfig: pytest.Config, config: Config) -> int:
    """The seed of this session: the controller's (under xdist), else --conformance-seed, else one drawn
    once for the session."""
    if _SEED not in pyconfig.stash:
        given = getattr(pyconfig, "workerinput", {}).get(SEED_KEY)
        if given is None:
            given = config.seed if config.seed is not None else random.SystemRandom().randrange(2**32)
        pyconfig.stash[_SEED] = int(given)
    return pyconfig.stash[_SEED]


def last_rule_last(items: list[pytest.Item]) -> None:
    """VALID-006 after every other check, so that it judges the traffic of all of them (also in one
    process, where it otherwise saw only the checks before it)."""
    items.sort(key=lambda item: check_id(item) == server_failures.RULE)  # stable: the rest keep their order


def check_id(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    bound = callspec.params.get("conformance_check") if callspec is not None else None
    return None if bound is None else str(bound.check.id)


def remember_selection(session: pytest.Session) -> None:
    ids = [i for i in (check_id(item) for item in session.items) if i is not None]
    session.config.stash[_SELECTED] = ids


def _shared(pyconfig: pytest.Config) -> Path | None:
    folder = getattr(pyconfig, "workerinput", {}).get(SHARED_KEY)
    return None if folder is None else Path(folder)


def before_check(pyconfig: pytest.Config, bound: BoundCheck, ctx: CheckContext) -> list[str]:
    """Called before a check runs; returns notes for its result. For VALID-006 under xdist: wait for the
    other workers' checks and put what they saw into this worker's memo, in catalogue order."""
    folder = _shared(pyconfig)
    if folder is None or bound.check.id != server_failures.RULE:
        return []
    ran_here = pyconfig.stash.get(_RAN_HERE, set())
    selected: list[str] = pyconfig.stash.get(_SELECTED, [])
    others = [i for i in selected if i != server_failures.RULE and i not in ran_here]
    waiting = set(others)
    while waiting and not ctx.client.budget_spent():
        waiting = {i for i in waiting if not (folder / f"{i}.seen").exists()}
        if waiting:
            time.sleep(_POLL_S)
    order = {check: n for n, check in enumerate(selected)}
    entries = list(server_failures.seen(ctx))
    for other in others:
        if other not in waiting:
            entries.extend(pickle.loads((folder / f"{other}.seen").read_bytes()))
    entries.sort(key=lambda e: order.get(e.sender, len(order)))  # stable: each check's own order kept
    server_failures.seen(ctx)[:] = entries
    if waiting:
        return [
            f"{len(waiting)} checks run by other pytest-xdist workers had not finished when the run's time "
            f"budget ran out ({', '.join(sorted(waiting))}); their requests are not judged here"
        ]
    return []


def after_check(pyconfig: pytest.Config, bound: BoundCheck, ctx: CheckContext, seen_before: int) -> None:
    """Called after a check ran: under xdist, publish the server failures it saw for VALID-006's worker."""
    pyconfig.stash.setdefault(_RAN_HERE, set()).add(bound.check.id)
    folder = _shared(pyconfig)
    if folder is None:
        return
    new = server_failures.seen(ctx)[seen_before:]
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".part-")
    with os.fdopen(fd, "wb") as stream:
        pickle.dump(new, stream)
    os.replace(temp, folder / f"{bound.check.id}.seen")  # whole or absent: the reader never sees half


def shown_seed(pyconfig: pytest.Config) -> str | None:
    """The line the terminal summary shows when this session ran conformance checks in this process."""
    if _SEED not in pyconfig.stash:
        return None
    seed = pyconfig.stash[_SEED]
    return f"conformance: seed {seed} (rerun with --conformance-seed {seed})"


class Controller:
    """The xdist controller's side: one seed and one private folder for all workers (made when the first
    worker starts, so a session without workers costs nothing)."""

    def __init__(self, pyconfig: pytest.Config, settings: Callable[[], Config]) -> None:
        self.pyconfig = pyconfig
        self.settings = settings
        self.folder: str | None = None
        self.used = False

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="conformance-xdist-")  # mode 0700: this user only
        node.workerinput[SHARED_KEY] = self.folder
        with contextlib.suppress(pytest.UsageError):  # each worker stops on the same usage error itself
            node.workerinput[SEED_KEY] = session_seed(self.pyconfig, self.settings())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.used = self.used or "conformance" in report.keywords

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        line = shown_seed(self.pyconfig) if self.used else None
        if line:
            terminalreporter.write_line(line)

    def pytest_unconfigure(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

"""The harness error tree: every problem the harness itself has, with a one-line message.

    HarnessError                 exit 2 unless stated
    ├── DocParseError            the doc page cannot be read as a create page (file:line: what; expected)
    ├── SpecError                a derived spec file is missing, malformed or of another version
    ├── ConfigError              a flag, environment variable or pyproject value is wrong
    ├── CheckDefinitionError     a check is declared wrongly or cites a doc place that is gone
    └── TargetError              exit 3: the harness could not get an answer it can judge
        ├── TargetUnreachable    nothing answers at the target URL
        └── BudgetSpent          the run's time budget (--max-time) ran out

Findings about the target are never carried in exceptions: they are `results.Finding`s.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class HarnessError(Exception):
    """Base of every error the harness reports as one line."""

    exit_code = 2


class DocParseError(HarnessError):
    """The doc page is not a create page the harness can read."""


class SpecError(HarnessError):
    """A spec file cannot be used."""


class ConfigError(HarnessError):
    """The configuration (flags, environment, pyproject) is wrong."""


class CheckDefinitionError(HarnessError):
    """A check is declared wrongly or its doc reference is stale."""


class TargetError(HarnessError):
    """The target gave nothing the harness can judge (reset, timeout, unreadable answer)."""

    exit_code = 3


class TargetUnreachable(TargetError):
    """Nothing answers at the target URL."""


class BudgetSpent(TargetError):
    """The run's time budget ran out before (or while) a request was answered."""


class TargetTimeout(TargetError):
    """No complete answer within the deadline: the target hung or dripped (a broken answer that cost time)."""


class TargetThrottled(TargetError):
    """A 429/503 with Retry-After was still the answer after the retries: nothing was decided."""


class AnswerUnreadable(TargetError):
    """The target answered, in a form the harness (like most HTTP clients) does not read: a header line over
    64 KiB, more than 100 header fields. Neither a crash nor a dropped connection: the check cannot judge."""


# Errors that say nothing about how the target answered the request: never a broken answer (a FAIL).
UNDECIDED_ERRORS: tuple[type[TargetError], ...] = (
    TargetUnreachable,
    BudgetSpent,
    TargetThrottled,
    AnswerUnreadable,
)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean X?)' for the closest choice, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"

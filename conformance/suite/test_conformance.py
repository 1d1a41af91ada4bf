"""One test per check id; the `conformance` plugin parametrizes it and supplies the fixtures."""

from __future__ import annotations

from typing import Any


def test_check(conformance_check: Any, conformance_verdict: Any) -> None:
    """Run one catalogue check against the target; the plugin turns its result into pass/fail/skip/xfail."""
    conformance_verdict(conformance_check)

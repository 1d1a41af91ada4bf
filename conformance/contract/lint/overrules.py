"""Lint rule for weak facts the page's own examples overruled during derivation (`Operation.yields`)."""

from __future__ import annotations

from collections.abc import Iterator

from conformance.contract.lint.base import Hit, LintContext, rule
from conformance.contract.spec import Severity


@rule(
    "DOC-EXAMPLE-OVERRULES",
    Severity.WARNING,
    "A weak fact (a table intro's 'required' without row markers, a low-confidence sentence, a type the "
    "page's table does not declare) contradicts the page's own example; the contract follows the example.",
)
def example_overrules(ctx: LintContext) -> Iterator[Hit]:
    for y in ctx.op.yields:
        outcome = (
            "not required in the contract" if y.what == "required" else "any value accepted in the contract"
        )
        quote = f' The sentence: "{y.quote}".' if y.quote and y.quote not in y.detail else ""
        yield Hit(
            line=y.example.line,
            message=f"{y.detail}: {outcome} (a weak fact yields to the page's own example); "
            f"fix the page or the example.{quote}",
            anchor=y.name,
        )


__all__: list[str] = []

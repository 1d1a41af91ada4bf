"""The reference wing: a conformant implementation driven by a `Spec`, its HTTP plumbing, and the catalogue
of named faults and legal variations that make its broken and its legal-but-different siblings.

`service` is the behaviour (`ReferenceServer`), `http` the plumbing it is served by, `faults` the catalogue;
`server` keeps the old import path working.

May import: `conformance.errors`, `conformance.contract.spec` and `conformance.contract.schemas`; never the
target client, checks, the runner or reporters (it must not share the judge's code).
"""

from __future__ import annotations

from conformance.reference.faults import list_faults
from conformance.reference.service import ReferenceServer

__all__ = ["ReferenceServer", "list_faults"]

"""The reference server's old import path, kept for users and tools: `ReferenceServer` and friends.

The behaviour lives in `conformance.reference.service`, the HTTP plumbing in `conformance.reference.http`
and the fault catalogue in `conformance.reference.faults`; new code imports from `conformance.reference`.
"""

from __future__ import annotations

from conformance.reference.faults import FAULTS, VARIATIONS, Fault, list_faults
from conformance.reference.http import MAX_BODY
from conformance.reference.service import ODATA_JSON, ReferenceServer

__all__ = ["FAULTS", "MAX_BODY", "ODATA_JSON", "VARIATIONS", "Fault", "ReferenceServer", "list_faults"]

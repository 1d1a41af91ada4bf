"""The reference wing: a conformant implementation driven by a `Spec`, its HTTP plumbing, and the catalogue
of named faults and legal variations that make its broken and its legal-but-different siblings.

May import: `conformance.errors`, `conformance.contract.spec` and `conformance.contract.schemas`; never the
target client, checks, the runner or reporters (it must not share the judge's code).
"""

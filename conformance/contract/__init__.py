"""The contract wing: a doc page to a `Spec` and back (derivation, doc lint, OpenAPI and JSON Schema files).

May import: `conformance.errors` only, besides its own modules. Nothing here knows about targets, the
reference implementation, checks or reporters; `spec` and `schemas` are the ground the other wings stand on.
"""

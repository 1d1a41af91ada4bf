"""The target wing: talking to an implementation over HTTP (deadlines, bounded reads, retries) and the
redaction boundary that masks secrets before anything is recorded.

May import: `conformance.errors`, `conformance.config`, `conformance.results` and `conformance.contract.spec`
(data only); never the contract's derivation, the reference implementation, checks or reporters.
"""

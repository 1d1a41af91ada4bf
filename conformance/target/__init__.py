"""The target wing: talking to an implementation over HTTP (deadlines, bounded reads, retries) and the
redaction boundary that masks secrets before anything is recorded.

`client` is the client (`Client`, `Reply`); `redaction` is the security boundary, readable alone;
`_transport` is the client's private plumbing (deadline watchdog, bounded reads and decoding); `reproduce`
writes any bytes as printable shell words for the reproduce command.

May import: `conformance.errors`, `conformance.config`, `conformance.results` and `conformance.contract.spec`
(data only); never the contract's derivation, the reference implementation, checks or reporters.
"""

from __future__ import annotations

from conformance.target.client import Client, Reply

__all__ = ["Client", "Reply"]

"""The redaction boundary: masks every secret in what the client records, before anything else can see it.

What it promises, for every request the client records (`Exchange`, the reproduce command, error messages):

- Header values are replaced by `***` when the header's name is secret: `authorization`, `cookie`,
  `proxy-authorization`, `set-cookie`, `x-api-key` and every name the user declared secret (case and spaces
  ignored).
- The token and the values of secret headers sent with every request are masked in all text given here:
  URLs, header names and values, reason phrases, bodies, exception messages. The values of secret headers
  sent in one request (with and without their scheme word, e.g. `Bearer`) are masked in everything recorded
  of that request too. Secrets are found as sent and as a target may echo them: JSON-escaped (`\\uXXXX` in
  either case, `\\/`), percent-encoded, or a mix of these.
- Masking happens before any cut: a body is masked, then cut to the record limit; a body the read limit cut
  has a trailing start of a secret masked too.
- Secret header values shorter than `MIN_SECRET` characters are masked by the header's name only: searching
  text for them would mask the harness's own words. The harness's words never pass through here: only
  what came from the target or goes to it, and exceptions about those, do.
- The reproduce command carries the token as `$CONFORMANCE_TOKEN`, leaves other secret headers out (and says
  which) and is built from masked text only.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from conformance.target import reproduce

MASK: Final = "***"
ALWAYS_SECRET: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
TOKEN_ENV: Final = "CONFORMANCE_TOKEN"
MIN_SECRET: Final = (
    4  # shorter secret values sent in headers are masked by name only, not searched for in text
)


class Redactor:
    """Masks secret header values by name and secret strings wherever they occur in text."""

    def __init__(
        self, token: str | None, secret_headers: Iterable[str], always_sent: Mapping[str, str] | None = None
    ) -> None:
        self.names = ALWAYS_SECRET | {h.strip().lower() for h in secret_headers}
        self.secrets: tuple[str, ...] = (token,) if token else ()
        # Values of secret headers sent with every request are masked wherever a target echoes them.
        self.secrets += tuple(
            v for k, v in (always_sent or {}).items() if self.is_secret(k) and len(v) >= MIN_SECRET
        )

    def is_secret(self, name: str) -> bool:
        return name.strip().lower() in self.names

    def text(self, text: str, extra: Sequence[str] = (), *, cut_tail: bool = False) -> str:
        """`text` with every secret (and `extra`, this request's) masked in all its encodings."""
        secrets = tuple(dict.fromkeys(self.secrets + tuple(extra)))
        pattern = _secret_pattern(secrets)
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if cut_tail:  # the read limit may have split a secret: hide a trailing start of one
            for secret in secrets:
                text = _mask_tail(text, secret)
        return text

    def headers(
        self, pairs: Iterable[tuple[str, str]], extra: Sequence[str] = ()
    ) -> tuple[tuple[str, str], ...]:
        """Header pairs with secret values replaced by `***` and secrets masked in the rest."""
        return tuple(
            (self.text(k, extra), MASK if self.is_secret(k) else self.text(v, extra)) for k, v in pairs
        )

    def sent_secrets(self, pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """Values of secret headers in this request, searched for in everything recorded."""
        out: list[str] = []
        for name, value in pairs:
            if self.is_secret(name):
                for v in (value, value.partition(" ")[2]):
                    if len(v) >= MIN_SECRET:
                        out.append(v)
        return tuple(out)

    def record(
        self, data: bytes, extra: Sequence[str], limit: int, *, cut_tail: bool = False
    ) -> tuple[str, bool]:
        """A body as recorded text: masked first, then cut to `limit` characters; (text, was it cut)."""
        text = self.text(data.decode("utf-8", errors="replace"), extra, cut_tail=cut_tail)
        if len(text) > limit:
            return text[:limit], True
        return text, False

    def one_line(self, e: BaseException) -> str:
        """An exception as one masked line of at most 200 characters, for an error message."""
        text = self.text(f"{type(e).__name__}: {e}")
        text = " ".join(text.split())
        return text if len(text) <= 200 else text[:197] + "..."

    def curl(
        self,
        method: str,
        url: str,
        pairs: Sequence[tuple[str, str]],
        payload: bytes | None,
        extra: Sequence[str],
        *,
        token: str | None,
        record_limit: int,
    ) -> str:
        """A shell command that repeats the request, built from masked text; the token stays an env var."""
        parts = ["curl", "-sS", "-i", "--globoff", "--path-as-is"]
        parts += ["--head"] if method == "HEAD" else ["-X", shlex.quote(method)]
        parts.append(shlex.quote(self.text(url, extra)))
        left_out: list[str] = []
        for name, value in pairs:
            low = name.lower()
            if low == "host" or (low == "content-length" and payload is not None):
                continue  # curl derives these from the URL and --data-binary
            if low == "authorization" and token and value == f"Bearer {token}":
                parts.append(f'-H "{name}: Bearer ${TOKEN_ENV}"')
            elif self.is_secret(name):
                left_out.append(name)
            else:
                header = f"{name}: {self.text(value, extra)}" if value else f"{name};"
                parts.append("-H " + reproduce.word(header.encode("latin-1", errors="replace")))
        if payload is not None and not any(k.lower() == "content-type" for k, _ in pairs):
            parts.append("-H 'Content-Type:'")  # else curl adds a form type the harness did not send
        prefix, note = "", ""
        if payload is not None:
            # surrogateescape keeps invalid UTF-8 byte for byte; only the masked secrets change
            data = self.text(payload.decode("utf-8", "surrogateescape"), extra).encode(
                "utf-8", "surrogateescape"
            )
            if len(payload) > max(record_limit, 1):
                parts.append("--data-binary @request-body.bin")
                note = f"  # save the {len(payload)}-byte request body as request-body.bin"
            else:  # every byte, control characters included, in printable ASCII (see `reproduce`)
                prefix, arg = reproduce.body(data)
                parts.append(arg)
        if left_out:
            note += "  # secret headers left out: " + ", ".join(left_out)
        return prefix + " ".join(parts) + note


def _any_case(hex_digits: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in hex_digits)


def _char_forms(c: str) -> str:
    """A regex for one character of a secret as a target might echo it: as is, or escaped by
    JSON (\\uXXXX, \\/), or percent-encoded; serializers mix these (.NET escapes '+' but not '-')."""
    if c.isascii() and c.isalnum():
        return re.escape(c)
    forms = [re.escape(c), r"\\u" + _any_case(f"{ord(c):04x}")]
    forms.append("".join("%" + _any_case(f"{b:02x}") for b in c.encode("utf-8")))
    if c.isascii():
        forms.append(r"\\" + re.escape(c))
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=64)
def _secret_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    alternatives = ["".join(map(_char_forms, s)) for s in sorted(secrets, key=len, reverse=True) if s]
    return re.compile("|".join(alternatives)) if alternatives else None


def _mask_tail(text: str, secret: str) -> str:
    lead = secret[: min(MIN_SECRET, len(secret))]
    i = text.find(lead, max(0, len(text) - len(secret) + 1))
    while i != -1:
        if secret.startswith(text[i:]):
            return text[:i] + MASK
        i = text.find(lead, i + 1)
    return text


__all__ = ["ALWAYS_SECRET", "MASK", "MIN_SECRET", "TOKEN_ENV", "Redactor"]

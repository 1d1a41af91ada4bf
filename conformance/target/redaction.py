"""The redaction boundary: masks every secret in what the client records, before anything else can see it.

What it promises, for every request the client records (`Exchange`, the reproduce command, error messages)
and every value a check quotes into a message (`quote`, under `masking`):

- Header values are replaced by `***` when the header's name is secret: `authorization`, `cookie`,
  `proxy-authorization`, `set-cookie`, `x-api-key` and every name the user declared secret (case and spaces
  ignored).
- Secrets are the token and every part of a secret header's value (`parts`): the whole value; for
  Authorization (and Proxy-Authorization), the credential after its scheme, whatever the scheme, and each of
  its items (split on commas and whitespace), each `k=v` item's value without quotes and each part of an
  `a:b` item or value (`SharedKey acct:T`, `Token token=T`, `Digest ... response="T"`); for Basic also the
  decoded `user:password` and the password; for Cookie, each cookie's value. Those sent with every
  request are masked in everything; those sent in one request are masked in everything recorded of that
  request too.
- A secret is found as sent and as a target may echo it: percent-encoded, JSON-escaped (`\\uXXXX` in either
  case, `\\/`, escaped twice), as an HTML entity (decimal, hex, named), a mix or a nesting of these, and in
  base64 (standard or URL-safe, padded or not) at any alignment inside a longer base64 text, and (one of
  `MIN_FREE` or more characters) in hex: its UTF-8 bytes contiguous, separated (`74:6f`) or prefixed
  (`\\x74`, `0x74`), in any case. A text holding NULs is searched without them too (UTF-16/32 read as
  UTF-8). A body in UTF-16/32 (its charset, a BOM, or
  NUL-interleaved text that decodes cleanly as one) is recorded decoded and masked, and its record says
  which codec it was decoded from (`body_decoded_from`).
- A secret of `MIN_FREE` or more characters is found in any case (lower, upper, swapped: a target may
  normalise what it echoes); a shorter one only as sent.
- Masking happens before any cut, and a start of a secret (3 characters or more, in any of those spellings)
  that ends where a text was cut is masked too: bodies at the record or read limit, quoted values at 120
  characters, body excerpts at 200, exception lines at 200.
- The harness's own words are never masked. Target-derived and secret-bearing text (`text`) has every secret
  masked; a secret shorter than `MIN_FREE` characters there only where it stands alone (not inside a longer
  run of token characters, so "x" is masked in `{"a": "x"}` and not in "example"). Messages the harness
  composes (`words`) have secrets of `MIN_FREE` or more characters masked anywhere, shorter ones only as a
  whole quoted value; values a check quotes go through `quote` first. A run note (`notes`) says when a
  secret is too short to mask inside free text.
- The reproduce command carries the token as `$CONFORMANCE_TOKEN`, leaves other secret headers out (and says
  which) and is built from masked text only.
"""

from __future__ import annotations

import base64
import codecs
import functools
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final, Literal

from conformance.target import reproduce
from conformance.target._forms import (
    base64_middles,
    base64_pattern,
    hex_pattern,
    partial_escape_start,
    views,
    wide_encoding,
)

MASK: Final = "***"
# Words in a header name that mark a credential by convention (masking an idempotency key too is harmless).
SECRET_NAME: Final = re.compile(r"auth|token|key|secret|passw|session|cookie|credential|signature")
NOT_SECRET: Final = frozenset({"www-authenticate", "authentication-info"})  # challenges, shown as evidence
ALWAYS_SECRET: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
TOKEN_ENV: Final = "CONFORMANCE_TOKEN"
# Secrets shorter than this are masked only where they stand alone. Real credentials (API keys, PATs, JWTs,
# session ids) are 16 characters or more; the short values people give mocks ("x", "test", "token",
# "secret1") are English words or pieces of them, and searching free text for them would mask the harness's
# own words ("expected", "latest", "tokens"). At 8, a collision needs a whole 8-letter word as the token.
MIN_FREE: Final = 8
MIN_PREFIX: Final = 3  # a start of a secret this long at a cut is masked; shorter ones would hit most cuts
_WORD: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_QUOTES: Final = frozenset("\"'`")
_PARAM: Final = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")  # an auth-param name (not base64, which has + and /)

Mode = Literal["text", "words"]


class Redactor:
    """Masks secret header values by name and secrets (and their parts) wherever they occur in text."""

    def __init__(
        self, token: str | None, secret_headers: Iterable[str], always_sent: Mapping[str, str] | None = None
    ) -> None:
        self.names = ALWAYS_SECRET | {h.strip().lower() for h in secret_headers}
        # A token with surrounding whitespace is quoted escaped (`'T\\n'`) by the HTTP library's errors.
        found = [("the token", t) for t in dict.fromkeys((token, token.strip())) if t] if token else []
        # Values of secret headers sent with every request are masked wherever a target echoes them.
        for k, v in (always_sent or {}).items():
            if self.is_secret(k):
                found += [(f"a part of the {k.strip()} header", p) for p in self.parts(k, v)]
        self.secrets: tuple[str, ...] = tuple(dict.fromkeys(s for _, s in found))
        self._short = tuple(dict.fromkeys(what for what, s in found if len(s) < MIN_FREE))

    def is_secret(self, name: str) -> bool:
        """A header whose value is masked: the always-secret names, the user's, and any name that by
        convention carries a credential (Ocp-Apim-Subscription-Key, x-functions-key, X-Auth-Token, ...)."""
        low = name.strip().lower()
        return low in self.names or (low not in NOT_SECRET and bool(SECRET_NAME.search(low)))

    def parts(self, name: str, value: str) -> tuple[str, ...]:
        """The secret parts of a secret header's value: the value, the credential after an Authorization
        scheme and its parts (any scheme; for Basic, the decoded `user:password` and the password), each
        cookie's value."""
        value = value.strip()
        out = [value]
        low = name.strip().lower()
        if low in ("authorization", "proxy-authorization"):
            scheme, _, credential = value.partition(" ")
            credential = credential.strip()
            out.append(credential)
            out += _credential_parts(credential)
            if scheme.lower() == "basic":
                try:
                    padded = credential + "=" * (-len(credential) % 4)
                    decoded = base64.b64decode(padded, validate=True).decode("utf-8")
                except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
                    decoded = ""
                out += [decoded, decoded.partition(":")[2]]
        elif low == "cookie":
            out += [c.partition("=")[2].strip().strip('"') for c in value.split(";")]
        return tuple(p for p in dict.fromkeys(out) if p)

    def notes(self) -> tuple[str, ...]:
        """Run notes: which secrets are too short to mask inside free text (never their values)."""
        return tuple(
            f"{what} is shorter than {MIN_FREE} characters, too short to mask safely inside free text: it is "
            "masked in secret headers and where it stands alone as a value or word, not inside other words; "
            f"use a value of {MIN_FREE} or more characters to have it masked everywhere"
            for what in self._short
        )

    def text(self, text: str, extra: Sequence[str] = (), *, cut_tail: bool = False) -> str:
        """Target-derived or secret-bearing `text` with every secret masked in all its spellings; a secret
        shorter than `MIN_FREE` only where it stands alone. `cut_tail`: the text was cut at its end."""
        return _mask(text, self._all(extra), "text", cut_tail)

    def words(self, text: str) -> str:
        """The harness's own message, which may quote what a target sent: secrets of `MIN_FREE` or more
        characters masked anywhere, shorter ones only as a whole quoted value (`'x'`, `"x"`)."""
        return _mask(text, self.secrets, "words", False)

    def field(self, text: str) -> str:
        """An exact field (evidence expected/actual): `***` when it is a secret, else as `words`."""
        bare = text.strip().strip("\"'")
        if bare and any(bare == s or _mask(bare, (s,), "text", False) == MASK for s in self.secrets):
            return MASK
        return self.words(text)

    def quote(self, text: str, limit: int) -> str:
        """A value quoted into a message: masked as target text, then cut to `limit` characters with a
        trailing start of a secret masked too."""
        text = self.text(text[: limit + _margin(self.secrets)])
        if len(text) <= limit:
            return text
        return _mask(text[: max(limit - 1, 0)], self.secrets, "text", True) + "\u2026"

    def exception(self, e: BaseException) -> str:
        """An exception's text (it may quote a header or a body), masked as secret-bearing text."""
        return self.text(f"{type(e).__name__}: {e}")

    def _all(self, extra: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.secrets + tuple(extra))) if extra else self.secrets

    def headers(
        self, pairs: Iterable[tuple[str, str]], extra: Sequence[str] = ()
    ) -> tuple[tuple[str, str], ...]:
        """Header pairs with secret values replaced by `***` and secrets masked in the rest."""
        return tuple(
            (self.text(k, extra), MASK if self.is_secret(k) else self.text(v, extra)) for k, v in pairs
        )

    def sent_secrets(self, pairs: Sequence[tuple[str, str]]) -> tuple[str, ...]:
        """The parts of the secret headers in this request, searched for in everything recorded of it."""
        return tuple(p for name, value in pairs if self.is_secret(name) for p in self.parts(name, value))

    def record(
        self,
        data: bytes,
        extra: Sequence[str],
        limit: int,
        *,
        cut_tail: bool = False,
        content_type: str | None = None,
    ) -> tuple[str, bool]:
        """A body as recorded text: decoded (UTF-16/32 when `body_encoding` says so, else UTF-8), masked,
        then cut to `limit` characters; (text, was it cut)."""
        secrets = self._all(extra)
        encoding = body_encoding(data, content_type)
        if encoding is None:
            text = data.decode("utf-8", errors="replace")
        else:  # a cut may split a code unit: what it leaves is dropped, so a start of a secret ends the text
            text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(data, final=not cut_tail)
        if len(text) > limit + _margin(secrets):  # what lies past the margin is cut anyway
            text, cut_tail = text[: limit + _margin(secrets)], True
        text = _mask(text, secrets, "text", cut_tail)
        if len(text) > limit:
            return _mask(text[:limit], secrets, "text", True), True
        return text, False

    def one_line(self, e: BaseException) -> str:
        """An exception as one masked line of at most 200 characters, for an error message."""
        text = " ".join(self.exception(e).split())
        return text if len(text) <= 200 else _mask(text[:197], self.secrets, "text", True) + "..."

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
            if len(payload) > max(record_limit, 1):  # the command does not carry it: nothing to mask
                parts.append("--data-binary @request-body.bin")
                note = f"  # save the {len(payload)}-byte request body as request-body.bin"
            else:  # every byte, control characters included, in printable ASCII (see `reproduce`)
                # surrogateescape keeps invalid UTF-8 byte for byte; only the masked secrets change
                data = self.text(payload.decode("utf-8", "surrogateescape"), extra).encode(
                    "utf-8", "surrogateescape"
                )
                prefix, arg = reproduce.body(data)
                parts.append(arg)
        if left_out:
            note += "  # secret headers left out: " + ", ".join(left_out)
        return prefix + " ".join(parts) + note


def body_encoding(data: bytes, content_type: str | None) -> str | None:
    """The UTF-16/32 codec a body is recorded from (its BOM, its charset, or NUL-interleaved text that
    decodes cleanly as one); None: UTF-8. Masking searches the decoded text, where the secrets are."""
    return wide_encoding(data, content_type)


_active: ContextVar[Redactor | None] = ContextVar("conformance_redactor", default=None)


@contextmanager
def masking(redactor: Redactor) -> Iterator[Redactor]:
    """While the block runs (a check), `quote` masks with `redactor`."""
    reset = _active.set(redactor)
    try:
        yield redactor
    finally:
        _active.reset(reset)


def quote(text: str, limit: int) -> str:
    """`text` (a value a check quotes into a message) masked by the active `masking` redactor, then cut to
    `limit` characters; without one, only cut."""
    redactor = _active.get()
    if redactor is not None:
        return redactor.quote(text, limit)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "\u2026"


def _credential_parts(credential: str) -> list[str]:
    """The parts of any scheme's credential (`SharedKey acct:T`, `Token token=T`, `Digest ... response="T"`):
    each item split on commas and whitespace, a `k=v` item's value with its quotes stripped, and the parts
    of an `a:b` item or value."""
    out: list[str] = []
    for item in re.split(r"[\s,]+", credential):
        key, eq, val = item.partition("=")
        # `k=v`, but not a token68 whose padding is `=` (`abc==`): there the key is the whole credential
        value = val.strip("\"'") if eq and _PARAM.fullmatch(key) and val.strip("=") else item
        out += [item, value, *item.split(":"), *value.split(":")]
    return [p for p in out if p]


def _margin(secrets: Sequence[str]) -> int:
    """Characters past a cut that can still belong to a secret starting before it, in any spelling
    (a character may take up to about 40 when escaped twice, e.g. `%26amp%3B%2343%3B`)."""
    return 64 + 40 * max((len(s) for s in secrets), default=0)


_MEMO_CHARS: Final = 1024  # texts up to this long (header values, URLs, small bodies) are masked once each


def _mask(text: str, secrets: Sequence[str], mode: Mode, cut_tail: bool) -> str:
    if not secrets or not text:
        return text
    if len(text) <= _MEMO_CHARS:
        # A pure function of its arguments: the same header values and URLs recur in every request, and
        # searching every spelling of every secret in them was most of a request's harness time.
        return _mask_memo(text, tuple(secrets), mode, cut_tail)
    return _mask_now(text, secrets, mode, cut_tail)


@functools.lru_cache(maxsize=4096)
def _mask_memo(text: str, secrets: tuple[str, ...], mode: Mode, cut_tail: bool) -> str:
    return _mask_now(text, secrets, mode, cut_tail)


def _mask_now(text: str, secrets: Sequence[str], mode: Mode, cut_tail: bool) -> str:
    spans = sorted(_spans(text, tuple(secrets), mode, cut_tail))
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in spans:
        if end <= pos:
            continue
        if start >= pos:
            out.append(text[pos:start])
            out.append(MASK)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _spans(text: str, secrets: tuple[str, ...], mode: Mode, cut_tail: bool) -> Iterator[tuple[int, int]]:
    """Spans of `text` that spell a secret (in any view), or (`cut_tail`) a start of one ending the text."""
    long = tuple(s for s in secrets if len(s) >= MIN_FREE)
    b64 = _base64_any(long)
    middles = _base64_middles(long)
    hexed = _hex_any(long)
    for view in views(text):
        seen = view.text
        for secret in secrets:
            if len(secret) >= MIN_FREE:  # in any case: a target may lower- or upper-case what it echoes
                if _any_case_first(secret).search(seen) is None:
                    continue  # no occurrence at all, so none overlapping: the slower scan finds nothing
                for m in _any_case(secret).finditer(seen):
                    yield view.span(m.start(1), m.end(1))
                continue
            start = seen.find(secret)
            while start != -1:
                end = start + len(secret)
                if _stands_alone(seen, start, end, mode):
                    yield view.span(start, end)
                start = seen.find(secret, start + 1)
        # every match holds the characters the secret decides at its alignment: without any, none
        if b64 is not None and any(m in seen for m in middles):
            for m in b64.finditer(seen):
                yield view.span(m.start(), m.end())
        if hexed is not None:
            for m in hexed.finditer(seen):
                yield view.span(m.start(), m.end())
        if cut_tail:
            cut = partial_escape_start(seen)
            forms = [(s.lower(), True) for s in long] + [(f, False) for s in long for f in base64_middles(s)]
            forms += [(s.encode("utf-8").hex(), True) for s in long]
            for form, fold in forms:
                for k in range(min(len(form) - 1, cut), MIN_PREFIX - 1, -1):
                    tail = seen[cut - k : cut]
                    if (tail.lower() if fold else tail) == form[:k]:
                        yield view.span(cut - k, len(seen))
                        break


def _stands_alone(text: str, start: int, end: int, mode: Mode) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    if mode == "words":  # in the harness's words, only a whole quoted value
        return before != "" and before == after and before in _QUOTES
    return before not in _WORD and after not in _WORD


@functools.lru_cache(maxsize=256)
def _any_case(secret: str) -> re.Pattern[str]:
    """Every occurrence of `secret` in any case, overlapping ones too (group 1)."""
    return re.compile(f"(?=({re.escape(secret)}))", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def _any_case_first(secret: str) -> re.Pattern[str]:
    """`secret` in any case, as `_any_case` matches it, without the lookahead that disables the engine's
    fast scan: whether there is any occurrence at all."""
    return re.compile(re.escape(secret), re.IGNORECASE)


@functools.lru_cache(maxsize=64)
def _base64_middles(secrets: tuple[str, ...]) -> tuple[str, ...]:
    """The fully decided characters of each secret's base64 at each alignment and alphabet: a substring of
    every match of `_base64_any`'s alternative for that alignment and alphabet."""
    return tuple(dict.fromkeys(m for s in secrets for m in base64_middles(s)))


@functools.lru_cache(maxsize=64)
def _base64_any(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    return re.compile("|".join(base64_pattern(s).pattern for s in sorted(secrets, key=len, reverse=True)))


@functools.lru_cache(maxsize=64)
def _hex_any(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    ordered = sorted(secrets, key=len, reverse=True)
    return re.compile("|".join(hex_pattern(s) for s in ordered), re.IGNORECASE)


__all__ = ["ALWAYS_SECRET", "MASK", "MIN_FREE", "TOKEN_ENV", "Redactor", "body_encoding", "masking", "quote"]

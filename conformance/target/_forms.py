"""The spellings a secret takes when a target echoes it, for `redaction` to find: decoded views of a text
(percent-encoding, JSON `\\u` escapes, HTML entities, and these nested) that map every decoded character
back to the span of the original it came from, and base64 patterns of a secret at every alignment."""

from __future__ import annotations

import base64
import codecs
import functools
import html.entities
import re
from collections.abc import Iterator
from typing import Final

NESTING: Final = 3  # decode passes: a JSON-escaped percent-encoded HTML entity is still found

_ESCAPE: Final = re.compile(
    r"\\+u([0-9a-fA-F]{4})"  # JSON \uXXXX, also escaped again (\\uXXXX) by a second serializer
    r"|\\+([/\"'\\])"  # JSON \/ \" and a backslash before any quote
    r"|((?:%[0-9a-fA-F]{2})+)"  # percent-encoded UTF-8 bytes
    r"|&#([0-9]{1,7});?"  # HTML decimal entity
    r"|&#[xX]([0-9a-fA-F]{1,6});?"  # HTML hex entity
    r"|&([A-Za-z][A-Za-z0-9]{1,31};?)"  # HTML named entity (&plus; &sol; &equals; ...)
)
# what a cut may leave of an escape at the very end of a text: `%4`, `\u00`, `&#x2`, `&plu`
_PARTIAL_ESCAPE: Final = re.compile(r"(?:\\+u[0-9a-fA-F]{0,3}|\\+|%[0-9a-fA-F]?|&#?[xX]?[0-9A-Za-z]{0,31})\Z")
_PARTIAL_TAIL: Final = 40  # longer than any of those but a run of backslashes (`&#x` and 31 characters)

Span = tuple[int, int]


class View:
    """A decoded text and, for each of its characters, the span of the original text it stands for."""

    __slots__ = ("spans", "text")

    def __init__(self, text: str, spans: list[Span] | None) -> None:
        self.text = text
        self.spans = spans  # None: the identity (nothing was decoded)

    def span(self, start: int, end: int) -> Span:
        """The original span behind view characters [start, end)."""
        if self.spans is None:
            return start, end
        return self.spans[start][0], self.spans[end - 1][1]


def views(text: str) -> Iterator[View]:
    """The text itself, then each further decoding of it (up to `NESTING` passes, while anything changes);
    then, if it holds NULs (UTF-16/32 text read as UTF-8), the same for the text without them."""
    yield from _chain(View(text, None))
    if "\0" in text:
        keep = [i for i, c in enumerate(text) if c != "\0"]
        yield from _chain(View("".join(text[i] for i in keep), [(i, i + 1) for i in keep]))


def _chain(view: View) -> Iterator[View]:
    yield view
    for _ in range(NESTING):
        decoded = _decode(view.text)
        if decoded is None:
            return
        inner, spans = decoded
        view = View(inner, [view.span(a, b) for a, b in spans])
        yield view


def _decode(text: str) -> tuple[str, list[Span]] | None:
    # every escape starts with one of these: a text without them (most) is not scanned by the regex
    if "\\" not in text and "%" not in text and "&" not in text:
        return None
    if not _ESCAPE.search(text):
        return None
    out: list[str] = []
    spans: list[Span] = []
    pos = 0
    for m in _ESCAPE.finditer(text):
        decoded = _decoded_chars(m)
        if decoded is None:
            continue
        for i in range(pos, m.start()):
            out.append(text[i])
            spans.append((i, i + 1))
        for c, (a, b) in decoded:
            out.append(c)
            spans.append((m.start() + a, m.start() + b))
        pos = m.end()
    for i in range(pos, len(text)):
        out.append(text[i])
        spans.append((i, i + 1))
    return "".join(out), spans


def _decoded_chars(m: re.Match[str]) -> list[tuple[str, Span]] | None:
    """The characters one escape stands for, each with its span inside the match; None: not an escape."""
    whole = (0, m.end() - m.start())
    u, quoted, percent, dec, hexa, name = m.groups()
    if u is not None:
        return [(chr(int(u, 16)), whole)]
    if quoted is not None:
        return [(quoted, whole)]
    if dec is not None or hexa is not None:
        code = int(dec, 10) if dec is not None else int(hexa, 16)
        return [(chr(code), whole)] if 0 < code <= 0x10FFFF else None
    if name is not None:
        value = html.entities.html5.get(name)
        return None if value is None else [(c, whole) for c in value]
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    out: list[tuple[str, Span]] = []
    start = 0
    for i in range(0, len(percent), 3):
        chars = decoder.decode(bytes([int(percent[i + 1 : i + 3], 16)]))
        for c in chars:
            out.append((c, (start, i + 3)))
        if chars:
            start = i + 3
    out.extend((c, (start, len(percent))) for c in decoder.decode(b"", final=True))
    return out


def partial_escape_start(text: str) -> int:
    """Where an escape that a cut left unfinished starts at the end of `text` (len(text) if none)."""
    # Only the end can hold one: at most `_PARTIAL_TAIL` characters, or a longer run of backslashes, which
    # the window takes whole (a match cannot start before it), so the search never scans the whole text.
    start = max(len(text) - _PARTIAL_TAIL, 0)
    while start > 0 and text[start - 1] == "\\":
        start -= 1
    m = _PARTIAL_ESCAPE.search(text, start)
    return len(text) if m is None or m.start() == m.end() else m.start()


_WIDE: Final = re.compile(r"utf-?(16|32)(-?[lb]e)?")
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(data: bytes, content_type: str | None) -> str | None:
    """The UTF-16/32 codec a body is in, from its BOM, its Content-Type charset or (NUL-interleaved text
    that decodes cleanly) its bytes; None: read it as UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec  # the codec reads the BOM and drops it
    charset = ""
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower()
    m = _WIDE.fullmatch(charset)
    if m is not None:
        bits, order = m.group(1), (m.group(2) or "").lstrip("-")
        if not order:  # no BOM: RFC 2781 says big-endian, but a leading NUL is the evidence that counts
            order = "be" if data[:1] == b"\0" else "le"
        return f"utf-{bits}-{order}"
    if b"\0" not in data:
        return None
    for codec, unit in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        try:
            text = data[: len(data) - len(data) % unit].decode(codec)
        except UnicodeDecodeError:
            continue
        if text and "\0" not in text:
            return codec
    return None


_STD: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_URL: Final = _STD[:62] + "-_"


@functools.lru_cache(maxsize=256)
def base64_pattern(secret: str) -> re.Pattern[str]:
    """base64 of any text that contains `secret`, standard or URL-safe, padded or not: at each of the three
    alignments, the characters the secret's bits decide (a character holding a few of them is a class)."""
    data = secret.encode("utf-8")
    alternatives = []
    for align in range(3):
        first_bit, end_bit = 8 * align, 8 * (align + len(data))
        bits = "".join(f"{b:08b}" for b in data)
        for alphabet in (_STD, _URL):
            parts = []
            for char in range(first_bit // 6, -(-end_bit // 6)):
                lo, hi = 6 * char, 6 * char + 6
                mask = value = 0  # the character's 6 bits (most significant first) the secret decides
                for k, pos in enumerate(range(lo, hi)):
                    if first_bit <= pos < end_bit:
                        mask |= 1 << (5 - k)
                        value |= int(bits[pos - first_bit]) << (5 - k)
                fits = [c for i, c in enumerate(alphabet) if i & mask == value]
                parts.append(re.escape(fits[0]) if len(fits) == 1 else "[" + re.escape("".join(fits)) + "]")
            alternatives.append("".join(parts))
    return re.compile("|".join(dict.fromkeys(alternatives)))


# between two bytes of a hex spelling: nothing, one separator (`74:6f`, `74 6f`), and a byte prefix
# (`\x74\x6f`, `0x74 0x6f`); the first byte's prefix is left outside the match (masking it adds nothing)
_HEX_JOIN: Final = r"[:\s,.-]?(?:\\x|0x|%)?"


@functools.lru_cache(maxsize=256)
def hex_pattern(secret: str) -> str:
    """The pattern (to compile case-insensitively) of the secret's UTF-8 bytes in hex: contiguous, or each
    byte with a separator or a `\\x`/`0x` prefix; it starts with a literal, so a scan without one is fast."""
    data = secret.encode("utf-8")
    return f"{data[0]:02x}" + "".join(f"{_HEX_JOIN}{b:02x}" for b in data[1:])


def base64_middles(secret: str) -> tuple[str, ...]:
    """The characters fully decided by `secret` in its base64 at each alignment and alphabet, for finding a
    start of one at a cut."""
    data = secret.encode("utf-8")
    out = []
    for align in range(3):
        enc = base64.b64encode(b"\0" * align + data).decode("ascii")
        middle = enc[(4 if align else 0) : (len(data) + align) // 3 * 4]
        out += [middle, middle.replace("+", "-").replace("/", "_")]
    return tuple(m for m in dict.fromkeys(out) if m)


__all__ = [
    "View",
    "base64_middles",
    "base64_pattern",
    "hex_pattern",
    "partial_escape_start",
    "views",
    "wide_encoding",
]

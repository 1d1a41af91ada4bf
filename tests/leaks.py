"""The canary search every leak test shares: a secret in any artifact or terminal text, in any spelling.

`find_leaks(secrets, report_dir, texts)` searches every file under a report directory (planted symlinks
skipped) and the given texts (stdout, stderr) for each secret: raw, percent-, `\\u`-, HTML-entity-encoded
(decimal and hex), nested encodings, base64 (standard and URL-safe, at any of the three alignments, so also
`user:secret` and `Bearer secret`), hex of its bytes (separators and `\\x`/`0x` ignored) and split (any
slice of 8 or more characters of a secret of 16 or more).
Adapted from the blind attack tests (/work/blind/test_attacks.py), written without reading the harness.
"""

from __future__ import annotations

import base64
import html
import json
import os
import random
import re
import urllib.parse
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

# Fresh secrets every session, the same in every pytest-xdist worker of one session (workers collect the
# tests separately, and a test id that names a secret must be the same in each).
_SESSION = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_DRAW = random.Random(_SESSION) if _SESSION else random.SystemRandom()


def canary(tag: str = "") -> str:
    """A distinctive secret: CANARY + random hex + tag + characters that percent-encoding changes."""
    return f"CANARY{_DRAW.getrandbits(64):016x}{tag}+/{_DRAW.getrandbits(32):08x}=="


_U_ESC = re.compile(r"\\+u([0-9a-fA-F]{4})")


def _json_unescape(t: str) -> str:
    t = _U_ESC.sub(lambda m: chr(int(m.group(1), 16)), t)
    return t.replace("\\/", "/")


def _decode_all(t: str) -> str:
    for _ in range(3):
        t2 = _json_unescape(html.unescape(urllib.parse.unquote(t)))
        if t2 == t:
            break
        t = t2
    return t


def _b64_patterns(value: str) -> set[str]:
    """The part of base64(... + value + ...) fully determined by value, at all 3 alignments,
    standard and URL-safe alphabets (covers base64 of the value and of `user:value`, `Bearer value`)."""
    pats = set()
    vb = value.encode("utf-8")
    for k in range(3):
        data = b"\0" * k + vb
        enc = base64.b64encode(data).decode()
        start = 4 if k else 0
        end = (len(data) // 3) * 4
        frag = enc[start:end]
        if len(frag) >= 8:
            pats.add(frag)
            pats.add(frag.replace("+", "-").replace("/", "_"))
    return pats


def _fragments(text: str, secret: str, n: int = 8) -> list[str]:
    """Maximal pieces (>= n chars) of `secret` found in `text` once whole occurrences are removed."""
    text = text.replace(secret, "\0")
    covered: list[tuple[int, int]] = []
    for i in range(len(secret) - n + 1):
        w = secret[i : i + n]
        start = 0
        while True:
            j = text.find(w, start)
            if j < 0:
                break
            covered.append((j, j + n))
            start = j + 1
    covered.sort()
    merged: list[list[int]] = []
    for a, b in covered:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    frags = [text[a:b] for a, b in merged]
    # "CANARY" + 2 hex chars alone is mostly the public prefix: not counted (avoids collisions)
    return [f for f in frags if not (len(f) == n and f.startswith("CANARY"))]


def leak_forms(text: str, secret: str) -> Counter:
    """Occurrences of `secret` in `text`: raw, percent-, \\u-, HTML-entity-encoded (dec and hex),
    base64 (any alignment, so also `user:secret`), and split (any 8+ char slice of a long secret)."""
    c: Counter = Counter()
    raw = text.count(secret)
    if raw:
        c["raw"] = raw
    views = {
        "percent": urllib.parse.unquote(text),
        "json-\\u": _json_unescape(text),
        "html-entity": html.unescape(text),
        "nested-encoding": _decode_all(text),
    }
    seen = raw
    for name, view in views.items():
        n = view.count(secret) - raw
        if name == "nested-encoding":
            n = view.count(secret) - seen
        else:
            seen = max(seen, view.count(secret))
        if n > 0:
            c[name] = n
    b64 = sum(text.count(p) for p in _b64_patterns(secret))
    if b64:
        c["base64"] = b64
    if len(secret) >= 8:  # hex of its bytes, any case, with any one-character separator or none
        hexed = secret.encode("utf-8").hex()
        squeezed = re.sub(r"(?i)\\x|0x|[^0-9a-f]", "", text).lower()
        if hexed in squeezed:
            c["hex"] = squeezed.count(hexed)
    if len(secret) >= 16:
        frags = _fragments(views["nested-encoding"], secret)
        if frags:
            c["split"] = len(frags)
    return c


def artifacts(report_dir: Path) -> dict[str, str]:
    out = {}
    if report_dir.exists():
        for p in sorted(report_dir.rglob("*")):
            if p.is_file() and not p.is_symlink():
                out[str(p.relative_to(report_dir))] = p.read_bytes().decode("utf-8", "surrogateescape")
    return out


def find_leaks(
    secret_values: Mapping[str, str], report_dir: Path | None, texts: Mapping[str, str] | None = None
) -> dict[str, dict[str, dict[str, int]]]:
    """{where: {secret-label: {form: count}}} for every artifact under `report_dir` and each of `texts`."""
    texts = {**(artifacts(report_dir) if report_dir is not None else {}), **(texts or {})}
    leaks = {}
    for where, text in texts.items():
        for label, s in secret_values.items():
            c = leak_forms(text, s)
            if c:
                leaks.setdefault(where, {})[label] = dict(c)
    return leaks


def assert_no_leak(
    secret_values: Mapping[str, str], report_dir: Path | None, texts: Mapping[str, str] | None = None, note=""
) -> None:
    """Fail, naming where, which secret, which spelling and how often, if any secret is found."""
    leaks = find_leaks(secret_values, report_dir, texts)
    assert not leaks, (
        f"secret leaked (where -> secret -> form -> count): {json.dumps(leaks, indent=1)}\n{note}"
    )

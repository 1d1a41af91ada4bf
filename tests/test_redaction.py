"""The redaction boundary alone: every part of a secret, in every spelling, masked; the harness's words not.

Each rule has a LEGAL case (text that must come through untouched) and a BROKEN redactor (the masking
as it was before issue 10, or a cut before masking) that the shared canary search must catch.
"""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.parse

import pytest

from conformance.target.redaction import MASK, MIN_FREE, Redactor, masking, quote
from tests.leaks import canary, leak_forms

TOKEN = canary("tok")


def spellings(secret: str) -> dict[str, str]:
    """How a target may echo `secret`: each spelling the masking promises."""
    data = secret.encode()
    out = {
        "raw": secret,
        "percent": urllib.parse.quote(secret, safe=""),
        "percent-lower": re.sub(
            "%[0-9A-F]{2}", lambda m: m.group().lower(), urllib.parse.quote(secret, safe="")
        ),
        "json-u": "".join(f"\\u{ord(c):04x}" for c in secret),
        "json-u-upper": "".join(f"\\u{ord(c):04X}" for c in secret),
        "json-dumped-twice": json.dumps(json.dumps("".join(f"\\u{ord(c):04x}" for c in secret)))[1:-1],
        "json-slash": json.dumps(secret).replace("/", "\\/")[1:-1],
        "entity-dec": "".join(f"&#{ord(c)};" for c in secret),
        "entity-hex": "".join(f"&#x{ord(c):X};" for c in secret),
        "entity-named": html.escape(secret)
        .replace("+", "&plus;")
        .replace("/", "&sol;")
        .replace("=", "&equals;"),
        "entity-escaped-again": html.escape("".join(f"&#{ord(c)};" for c in secret)),
        "percent-of-json-u": urllib.parse.quote("".join(f"\\u{ord(c):04x}" for c in secret)),
    }
    for align in range(3):
        for prefix in (b"", b"Bearer ", b"user:"):
            enc = base64.b64encode(b"z" * align + prefix + data + b"tail")
            out[f"base64-{align}-{prefix.decode().strip() or 'bare'}"] = enc.decode()
            out[f"base64url-{align}-{prefix.decode().strip() or 'bare'}"] = (
                base64.urlsafe_b64encode(b"z" * align + prefix + data).decode().rstrip("=")
            )
    return out


@pytest.mark.parametrize(("name", "spelled"), sorted(spellings(TOKEN).items()))
def test_every_spelling_of_the_token_is_masked(name, spelled):
    masked = Redactor(TOKEN, []).text(f'{{"echo": "{spelled}", "n": 1}}')
    assert not leak_forms(masked, TOKEN), (name, masked)
    assert masked.endswith('", "n": 1}')  # the target's other words stay


def test_the_broken_masking_of_before_is_caught():
    """BROKEN: raw and percent only (the masking before issue 10): the canary search finds the rest."""
    broken = {k: v for k, v in spellings(TOKEN).items() if not k.startswith(("raw", "percent"))}
    for name, spelled in broken.items():
        assert leak_forms(spelled.replace(TOKEN, MASK), TOKEN), name


@pytest.mark.parametrize(
    ("name", "value", "parts"),
    [
        ("Authorization", "Bearer {a}", ["{a}", "Bearer {a}"]),
        ("Authorization", "Basic {basic}", ["{b}", "alice:{b}", "Basic {basic}"]),
        ("Cookie", "session={a}; theme={b}", ["{a}", "{b}"]),
        ("X-Api-Key", "{a}", ["{a}"]),
        ("X-Tenant-Key", " {a} ", ["{a}"]),
        # any scheme (second blind trial V2): the credential, each parameter value, each `a:b` part
        ("Authorization", "SharedKey acct:{a}", ["{a}", "acct:{a}"]),
        ("Authorization", "Token token={a}", ["{a}"]),
        ("Authorization", 'Token token="{a}", other={b}', ["{a}", "{b}"]),
        ("Authorization", 'Digest username="alice", realm="r", nonce="{b}", response="{a}"', ["{a}", "{b}"]),
        ("Proxy-Authorization", "SharedKeyLite {b}:{a}", ["{a}", "{b}"]),
        ("Authorization", "AWS4-HMAC-SHA256 Credential={b}/x, Signature={a}", ["{a}"]),
    ],
)
def test_every_part_of_a_secret_header_is_masked_in_every_spelling(name, value, parts):
    a, b = canary("a"), canary("b")
    basic = base64.b64encode(f"alice:{b}".encode()).decode()
    fill = {"a": a, "b": b, "basic": basic}
    redactor = Redactor(None, ["X-Tenant-Key"], {name: value.format(**fill)})
    for part in (p.format(**fill) for p in parts):
        for spelling, spelled in spellings(part).items():
            masked = redactor.text(f"<p>{spelled}</p>")
            assert not leak_forms(masked, part), (part, spelling, masked)


def test_a_secret_sent_in_one_request_is_masked_in_its_record():
    value = canary("once")
    redactor = Redactor(None, [])
    extra = redactor.sent_secrets([("Cookie", f"sid={value}"), ("Accept", "application/json")])
    assert redactor.text(f"echo {value}", extra) == f"echo {MASK}"
    assert redactor.text(f"echo {value}") == f"echo {value}"  # not a secret of the run


@pytest.mark.parametrize("cut", range(1, 60))
def test_a_quoted_value_is_masked_before_it_is_cut(cut):
    """Wherever the cut falls inside the secret, no start of it (3 characters or more) stays."""
    redactor = Redactor(TOKEN, [])
    value = json.dumps("p" * cut + TOKEN)
    with masking(redactor):
        shown = quote(value, 40)
    assert len(shown) <= 40
    assert TOKEN[:3] not in shown, shown


@pytest.mark.parametrize("cut", range(3, len(TOKEN)))
def test_a_start_of_a_secret_ending_at_a_cut_is_masked(cut):
    """A body the read limit cut inside a secret (raw or percent-encoded): its start is masked."""
    redactor = Redactor(TOKEN, [])
    for spelled in (TOKEN, urllib.parse.quote(TOKEN, safe="")):
        text, _ = redactor.record(("x " + spelled[:cut]).encode(), (), 1000, cut_tail=True)
        assert not text.endswith(spelled[:3]), (spelled, text)
        assert spelled[:cut] not in text, (spelled, text)


def test_broken_cut_before_masking_is_caught():
    """BROKEN: cutting a quoted value first (as excerpts did) leaves a start of the secret that is found."""
    long_secret = canary("x" * 40)
    cut_first = json.dumps("p" * 10 + long_secret)[:60]
    assert leak_forms(Redactor(long_secret, []).text(cut_first), long_secret)


def test_a_short_token_leaves_the_harness_words_alone():
    """LEGAL: with `--token x` the harness's words read as written; x is masked only where it is a value."""
    redactor = Redactor("x", [])
    words = "expected a 4xx rejection; the example's exchange"
    assert redactor.words(words) == words
    assert (
        redactor.words("userId came back as \"x\", sent 'x'")
        == f"userId came back as \"{MASK}\", sent '{MASK}'"
    )
    assert redactor.text('{"userId": "x", "note": "example"}') == f'{{"userId": "{MASK}", "note": "example"}}'
    assert redactor.field("x") == MASK
    assert redactor.field('"x"') == MASK
    assert redactor.headers([("Authorization", "Bearer x"), ("client-request-id", "4f0e-x1")]) == (
        ("Authorization", MASK),
        ("client-request-id", "4f0e-x1"),
    )
    assert any("too short to mask" in n for n in redactor.notes())
    assert "x" not in " ".join(redactor.notes()).replace("text", "")  # the note never shows the value


def test_a_long_token_is_masked_inside_words_and_no_note():
    redactor = Redactor(TOKEN, [])
    assert redactor.words(f"got {TOKEN}.") == f"got {MASK}."
    assert len(TOKEN) >= MIN_FREE
    assert not redactor.notes()


def test_exception_texts_are_masked():
    """The HTTP library quotes a refused header value escaped (`'Bearer T\\n'`): masked all the same."""
    redactor = Redactor(TOKEN + "\n", [])
    error = ValueError(f"Invalid return character in header value: {('Bearer ' + TOKEN + chr(10))!r}")
    assert TOKEN not in redactor.one_line(error)
    assert TOKEN not in redactor.exception(error)
    assert redactor.one_line(error).startswith("ValueError: Invalid return character")


# ------------------------------------------------------------------ UTF-16/32 bodies (second blind trial V1)

WIDE = [
    ("utf-16", "application/json; charset=utf-16"),  # BOM and charset
    ("utf-16-le", "application/json; charset=utf-16"),  # charset, no BOM
    ("utf-16-be", "application/json; charset=UTF-16"),
    ("utf-32", "application/json; charset=utf-32"),
    ("utf-32-be", "application/json; charset=utf-32be"),
    ("utf-16", "application/json"),  # only a BOM
    ("utf-16-le", "application/json"),  # NUL-interleaved, nothing says so
    ("utf-32-le", None),
]


@pytest.mark.parametrize(("codec", "content_type"), WIDE)
@pytest.mark.parametrize("short", [False, True], ids=["long", "short"])
def test_a_utf16_or_utf32_body_is_recorded_decoded_and_masked(codec, content_type, short):
    secret = "x7" if short else canary("wide")
    r = Redactor(secret, [])
    data = json.dumps({"echo": secret, "msg": f"bad {secret}"}).encode(codec)
    text, cut = r.record(data, (), 10_000, content_type=content_type)
    assert not cut
    assert secret not in text, text
    assert "\0" not in text, text
    assert json.loads(text) == {"echo": MASK, "msg": f"bad {MASK}"}
    assert not leak_forms(text.replace("\0", ""), secret)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_a_nul_interleaved_secret_is_masked_in_any_text(codec):
    secret = canary("nul")
    r = Redactor(secret, [])
    # inside UTF-8 text, so the body as a whole is not UTF-16: the NUL-free view still finds it
    text = "caf\u00e9 " + ("id " + secret).encode(codec).decode("latin-1") + " end"
    masked = r.text(text)
    assert secret not in masked.replace("\0", ""), masked
    assert masked.startswith("caf\u00e9 ")
    assert masked.endswith(" end")


def test_a_cut_utf16_body_masks_a_trailing_start_of_a_secret():
    secret = canary("cutwide")
    r = Redactor(secret, [])
    data = ("." * 50 + secret).encode("utf-16")
    text, _ = r.record(data[:-21], (), 10_000, cut_tail=True, content_type="text/plain; charset=utf-16")
    assert secret[:10] not in text, text
    assert text.startswith("." * 50), text


def test_utf8_bodies_are_not_taken_for_utf16():
    r = Redactor(canary(), [])
    for data, ctype in [(b'{"a": "b"}', "application/json"), ("\u00e9t\u00e9".encode(), None), (b"", None)]:
        assert r.record(data, (), 100, content_type=ctype)[0] == data.decode()


def test_a_short_parameter_value_is_masked_only_where_it_stands_alone():
    redactor = Redactor(None, [], {"Authorization": 'Digest username="bob", response="' + canary() + '"'})
    assert redactor.text('{"user": "bob"}') == '{"user": "***"}'
    assert redactor.text("bobsleigh and username") == "bobsleigh and username"
    assert redactor.words("the user 'bob' is unknown") == "the user '***' is unknown"
    assert any("Authorization" in n for n in redactor.notes())


def test_a_token68_credential_padded_with_equals_is_one_part():
    token = canary()  # ends with "=="
    redactor = Redactor(None, [], {"Authorization": f"Bearer {token}"})
    assert token in redactor.secrets
    assert not [s for s in redactor.secrets if len(s) < MIN_FREE]


# ------------------------------------------------------------------ case-changed echo (second blind trial V5)


@pytest.mark.parametrize("change", [str.lower, str.upper, str.swapcase], ids=["lower", "upper", "swapped"])
def test_a_long_secret_echoed_in_another_case_is_masked(change):
    token, key = canary("Case"), "Ab12Cd34Ef"
    redactor = Redactor(token, [], {"X-Api-Key": key})
    for secret in (token, key):
        echoed = change(secret)
        for spelled in (echoed, urllib.parse.quote(echoed, safe=""), html.escape(echoed)):
            for text in (f"<p>{spelled}</p>", f"x{spelled}y"):
                masked = redactor.text(text)
                assert echoed not in masked, masked
                assert MASK in masked
            assert MASK in redactor.words(f"bad key {spelled}")
        cut = redactor.quote("." * 50 + echoed, 60)  # a start of it ending at a cut, in another case
        assert echoed[:5] not in cut, cut


def test_a_short_secret_stays_exact_in_case():
    redactor = Redactor("Test1", [])
    assert redactor.text('{"a": "TEST1"}') == '{"a": "TEST1"}'
    assert redactor.text('{"a": "Test1"}') == '{"a": "***"}'

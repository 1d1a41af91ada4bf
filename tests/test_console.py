"""The terminal door: nothing a target or a user file says reaches a terminal as a control character."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest

from conformance.cli import Terminal, main
from conformance.console import HARNESS_CONTROLS, control, escape, guarded

# What a hostile target puts in a reason phrase or header: CSI erase line, CR, an SGR colour, OSC 0 (window
# title) ended by BEL and by ST, 8-bit CSI and OSC (C1), NUL, backspace, DEL, bidi override, line separator.
HOSTILE = (
    "\x1b[2K\r\x1b[1;32mverdict: CONFORMANT\x1b[0m\x1b]0;PWNED\x07\x1b]2;PWNED\x1b\\"
    "\x9b2K\x9d0;PWNED\x9c\x00\x08\x7f\u202eevil\u2028\u2029\ufeff\udcff"
)


def terminal_safe(text: str) -> list[str]:
    """The oracle: every character in `text` a terminal could act on, or that hides text (empty = safe)."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if c != "\n" and (not c.isprintable() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs"))
    ]


def _legal_other_escape(text: str) -> str:
    """A different correct implementation: every unsafe character becomes U+FFFD."""
    return "".join(c if c == "\n" or c.isprintable() else "\ufffd" for c in text)


def _broken_c0_only(text: str) -> str:
    """A plausible wrong one: escapes C0 and DEL but lets C1 (8-bit CSI U+009B) and format characters by."""
    return re.sub(r"[\x00-\x09\x0b-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", text)


@pytest.mark.parametrize(
    ("implementation", "safe"),
    [(escape, True), (_legal_other_escape, True), (_broken_c0_only, False)],
    ids=["console.escape", "legal-replacement", "broken-c0-only"],
)
def test_the_oracle_tells_safe_from_unsafe(implementation, safe):
    assert (terminal_safe(implementation(HOSTILE)) == []) is safe


def test_escape_is_visible_and_keeps_text():
    out = escape("ok\x1b[31m \x9b \x00 \u202e é 中 ✓\nnext")
    assert out == "ok\\x1b[31m \\x9b \\x00 \\u202e é 中 ✓\nnext"
    assert escape("plain text, 100% (ascii)") == "plain text, 100% (ascii)"


def test_escape_for_a_narrow_encoding_never_raises():
    assert escape("café ✓", "ascii") == "caf\\xe9 \\u2713"
    assert escape("café", "latin-1") == "café"


def test_every_write_through_the_door_is_escaped():
    raw = io.StringIO()
    door = guarded(raw)
    assert guarded(door) is door  # wrapped once
    print("reason:", HOSTILE, file=door)
    door.write(HOSTILE)
    assert terminal_safe(raw.getvalue()) == []


def test_only_the_harness_control_sequences_pass_unescaped():
    raw = io.StringIO()
    door = guarded(raw)
    for seq in HARNESS_CONTROLS:
        control(door, seq)
    assert raw.getvalue() == "".join(HARNESS_CONTROLS)
    with pytest.raises(ValueError, match="not a harness control"):
        control(door, "\x1b]0;PWNED\x07")
    with pytest.raises(TypeError):
        control(raw, "\r\x1b[K")  # a raw stream cannot be handed cursor control


def test_terminal_lines_are_escaped_even_when_built_on_a_raw_stream():
    raw = io.StringIO()
    term = Terminal(raw, verbosity=2)
    term.say("target said: " + HOSTILE)
    term.case("case " + HOSTILE)
    assert terminal_safe(raw.getvalue()) == []
    assert "verdict: CONFORMANT" in raw.getvalue()  # shown, but as text on a line of its own making


def test_cli_errors_are_escaped(tmp_path):
    page = tmp_path / "evil\x1b]0;PWNED\x07.md"
    out, err = io.StringIO(), io.StringIO()
    code = main(["lint", str(page)], out=out, err=err)
    assert code == 2
    assert terminal_safe(out.getvalue() + err.getvalue()) == []
    assert "\\x1b]0;PWNED\\x07" in err.getvalue()


def test_a_huge_target_text_is_cut_on_the_terminal_not_in_the_reports() -> None:
    """A 60 kB reason phrase (second blind trial) would flood a CI log: the terminal line is cut."""
    import io

    from conformance.terminal import MAX_LINE, Terminal

    out = io.StringIO()
    Terminal(out, 1).say("x" * 60_000)
    line = out.getvalue().rstrip("\n")
    assert len(line) < MAX_LINE + 80
    assert line.endswith("(58000 more characters; see the reports)")

"""GitHub Actions workflow commands (`::error file=F,line=N,title=T::message`), escaped so that no text can
start a second command.

The runner reads a command from any line of a step's output that starts with `::`. It splits properties at
`,` and `=`, ends them at `::`, and turns `%25`, `%0D`, `%0A` (and in properties `%3A`, `%2C`) back into
the characters. Text from a target, a report file or a doc page is therefore written with those escapes:
a line break in it can never begin a new line (and so a new command), and a `:` or `,` in a property can
never end it early. Every other character a terminal would act on is still escaped by `console.py` on the
way out.
"""

from __future__ import annotations

from collections.abc import Iterable

MAX_MESSAGE = 4000  # GitHub shows at most a few kB of an annotation; the reports keep the whole text


def escape_data(text: str) -> str:
    """The message part of a workflow command (after the second `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (`title=`, `file=`): also `:` and `,`, which would end the property."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line, e.g. `command("error", "bad", title="CREATE-004")`; properties that
    are None or empty are left out. `name` is the harness's own (error, warning, notice, add-mask)."""
    if not name.replace("-", "").isalpha():
        raise ValueError(f"not a workflow command name: {name!r}")
    if len(message) > MAX_MESSAGE:
        message = message[:MAX_MESSAGE] + " [cut; the reports have the whole text]"
    props = ",".join(
        f"{key}={escape_property(str(value))}" for key, value in properties.items() if value not in (None, "")
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def mask_lines(secret: str) -> list[str]:
    """`::add-mask::` lines for a secret: the whole value and, if it spans lines, each line of it (the
    runner masks line by line)."""
    values = [secret, *(line for line in secret.splitlines() if line != secret)]
    return [f"::add-mask::{escape_data(v)}" for v in dict.fromkeys(values) if v.strip()]


def masked(text: str, secrets: Iterable[str]) -> str:
    """`text` with each secret replaced by `***` (the longest first, so a part never unmasks a whole)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


__all__ = ["MAX_MESSAGE", "command", "escape_data", "escape_property", "mask_lines", "masked"]

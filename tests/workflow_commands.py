"""Reading GitHub Actions workflow commands back as the runner does (`ActionCommand.TryParseV2` of
actions/runner): a line that starts with `::` is a command; its name and properties end at the next
`::`; properties are split at `,` and at the first `=`; `%0D`, `%0A`, `%3A`, `%2C` and `%25` are
unescaped in properties, the first two and `%25` in the message. Also: `::stop-commands::TOKEN`
ignores every command until `::TOKEN::`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Command:
    name: str
    message: str
    properties: dict[str, str] = field(default_factory=dict)


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    for escaped, ch in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, ch)
    return text


def parse_line(line: str) -> Command | None:
    line = line.strip()
    if not line.startswith("::"):
        return None
    end = line.find("::", 2)
    if end < 0:
        return None
    info, data = line[2:end], line[end + 2 :]
    name, _, props = info.partition(" ")
    properties: dict[str, str] = {}
    for pair in props.split(","):
        key, eq, value = pair.partition("=")
        if eq and key:
            properties[key] = _unescape_property(value)
    return Command(name=name, message=_unescape_data(data), properties=properties)


def commands(output: str) -> list[Command]:
    """Every command the runner would act on in a step's output."""
    found: list[Command] = []
    stop: str | None = None
    for line in output.splitlines():
        if stop is not None:
            if line.strip() == f"::{stop}::":
                stop = None
            continue
        cmd = parse_line(line)
        if cmd is None:
            continue
        if cmd.name == "stop-commands":
            stop = cmd.message
            continue
        found.append(cmd)
    return found

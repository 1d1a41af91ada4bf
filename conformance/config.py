"""`Config`: every setting of a run, loaded once, in layers; the only reader of the environment.

Layers, later wins: defaults, `[tool.conformance]` in ./pyproject.toml, `CONFORMANCE_*` environment
variables, command-line flags. `Config.redacted()` is what reports echo.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from conformance.contract.files import MAX_INPUT_BYTES as MAX_PYPROJECT_BYTES
from conformance.contract.files import InputFileError, read_text
from conformance.contract.spec import Level
from conformance.credentials import check_header, check_token
from conformance.errors import ConfigError, did_you_mean

FORMATS = ("json", "junit", "md", "html")
DEFAULT_EXAMPLES = 25
DEFAULT_CONCURRENCY = 8  # requests in flight at once; chosen by measurement (README, "Concurrency")
MAX_CONCURRENCY = 64  # as conformance.target.pool.MAX_CONCURRENCY


class Secret(str):
    """A string whose repr and str never show the value; `.reveal()` does."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "Secret('***')"

    def __str__(self) -> str:
        return "***"

    def reveal(self) -> str:
        return str.__str__(self)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Config:
    target: str | None = None  # base URL; None = the embedded reference implementation
    spec: str | None = None  # a doc page (.md) or a derived OpenAPI file; None = the packaged seed
    token: Secret | None = None
    report_dir: str = "reports"
    formats: tuple[str, ...] = FORMATS
    timeout: float = 10.0
    max_time: float | None = (
        None  # seconds for the whole run; None = derived (see `conformance.budget`), 0 = none
    )
    strict: bool = False
    seed: int | None = None
    examples: int = DEFAULT_EXAMPLES
    accept_odata_types: tuple[str, ...] = ()
    secret_headers: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()  # "Name: value" sent with every request (e.g. a Cookie or an API key)
    path_params: tuple[str, ...] = ()  # "name=value" for {placeholders} in the documented paths
    select: tuple[str, ...] = ()  # check ids (or prefixes ending in '*') to run; empty = all
    skip: tuple[str, ...] = ()
    fuzz: bool = True
    verbosity: int = 1  # 0 quiet, 1 normal, 2 verbose
    validates_tokens: bool = False  # the user says the target rejects unknown tokens (runs AUTH-102)
    values: tuple[str, ...] = ()  # "NAME=JSON_OR_TEXT": known-good values for requests that must succeed
    no_auth: bool = False  # run without credentials on purpose: checks about authentication are skipped
    app: str | None = None  # "module:attribute": a WSGI/ASGI application served on 127.0.0.1 for the run
    waivers: str | None = None  # a YAML file of known failures, each with a reason and an expiry date
    concurrency: int = DEFAULT_CONCURRENCY  # checks and requests in flight at once; 1 = one at a time
    notes: tuple[str, ...] = ()  # what loading changed in the given values (a stripped token), for the run

    def __repr__(self) -> str:
        """The settings with every secret masked, as `redacted()` gives them (so no log line shows one)."""
        shown = ", ".join(f"{k}={v!r}" for k, v in self.redacted().items())
        return f"Config({shown})"

    def redacted(self) -> dict[str, Any]:
        """A plain mapping safe to print: secrets replaced by '***' (or None when unset)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "token":
                value = None if value is None else "***"
            elif f.name == "headers":
                value = [h.split(":", 1)[0].strip() + ": ***" if ":" in h else "***" for h in value]
            elif f.name == "notes":
                continue  # the run reports them as notes
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @property
    def failing_levels(self) -> tuple[Level, ...]:
        """The levels whose failures fail the run: MUST, and SHOULD too when `strict`."""
        return (Level.MUST, Level.SHOULD) if self.strict else (Level.MUST,)

    def token_value(self) -> str | None:
        return None if self.token is None else self.token.reveal()

    def path_param_pairs(self) -> tuple[tuple[str, str], ...]:
        """The --path-param values as (name, value) pairs (validated by `load_config`)."""
        return tuple((p.split("=", 1)[0].strip(), p.split("=", 1)[1].strip()) for p in self.path_params)

    def value_pairs(self) -> tuple[tuple[str, str], ...]:
        """The --value settings as (name, text) pairs (the text is parsed against the spec later)."""
        return tuple((v.split("=", 1)[0].strip(), v.split("=", 1)[1]) for v in self.values)

    def header_map(self) -> dict[str, str]:
        """The extra request headers as a mapping (validated by `load_config`)."""
        return {h.split(":", 1)[0].strip(): h.split(":", 1)[1].strip() for h in self.headers}


_KEYS = {f.name for f in fields(Config)}

# What the edges call each setting, after their prefix (`--` for the command line, `--conformance-` for
# pytest) -> the `Config` field it sets. Each edge offers the options it needs and hands their values to
# `load_options`, so no edge keeps its own name mapping. `verbosity` is the command line's -q/-v.
OPTIONS: dict[str, str] = {
    "target": "target",
    "spec": "spec",
    "token": "token",
    "report-dir": "report_dir",
    "format": "formats",
    "timeout": "timeout",
    "max-time": "max_time",
    "strict": "strict",
    "seed": "seed",
    "examples": "examples",
    "accept-odata-type": "accept_odata_types",
    "secret-header": "secret_headers",
    "header": "headers",
    "path-param": "path_params",
    "check": "select",
    "skip-check": "skip",
    "verbosity": "verbosity",
    "validates-tokens": "validates_tokens",
    "value": "values",
    "no-auth": "no_auth",
    "app": "app",
    "waivers": "waivers",
    "concurrency": "concurrency",
}

# `CONFORMANCE_*` variables that are not options: read by the test suite and tools, never by a run.
OTHER_VARIABLES = {
    "CONFORMANCE_CORPUS": "where the Graph doc corpus is (tests and benchmarks)",
    "CONFORMANCE_OPS_CORPUS": "where the corpus of get/list/update/delete pages is (tests and benchmarks)",
    "CONFORMANCE_UPDATE_GOLDEN": "rewrite the reporters' golden files (tests)",
}


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Turn a raw value from pyproject/env/flags into the field's type, or raise one clear line."""
    try:
        if name in {"timeout"}:
            number = float(value)
            if not number > 0 or number != number or number == float("inf"):
                raise ConfigError(f"{origin}: timeout must be a positive number of seconds, got {value!r}")
            return number
        if name == "max_time":
            if value is None or (isinstance(value, str) and not value.strip()):
                return None
            if isinstance(value, bool):
                raise ValueError
            number = float(value)
            if not number >= 0 or number == float("inf"):
                raise ConfigError(
                    f"{origin}: max-time must be 0 (no limit) or a positive number of seconds, got {value!r}"
                )
            return number
        if name == "concurrency":
            if isinstance(value, bool):
                raise ValueError
            whole = (isinstance(value, float) and value.is_integer()) or (
                isinstance(value, str) and value.strip().isascii() and value.strip().isdigit()
            )  # int() would take 4.5 as 4 and Arabic-Indic digits as digits
            number_c = int(value) if whole or isinstance(value, int) else 0
            if not 1 <= number_c <= MAX_CONCURRENCY:
                raise ConfigError(
                    f"{origin}: concurrency must be a whole number from 1 (one request at a time) to "
                    f"{MAX_CONCURRENCY}, got {value!r}"
                )
            return number_c
        if name in {"seed", "examples", "verbosity"}:
            if isinstance(value, bool):
                raise ValueError
            number_i = int(value)
            if name == "examples" and number_i < 0:
                raise ConfigError(f"{origin}: examples must be 0 or more, got {value!r}")
            if name == "seed" and not 0 <= number_i < 2**32:
                raise ConfigError(f"{origin}: seed must be between 0 and 2**32-1, got {value!r}")
            return number_i
        if name in {"strict", "fuzz", "no_auth", "validates_tokens"}:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ConfigError(f"{origin}: expected true or false, got {value!r}")
        if name in {
            "formats",
            "accept_odata_types",
            "secret_headers",
            "select",
            "skip",
            "headers",
            "path_params",
        }:
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        if name == "values":  # a JSON value may hold commas: one per list item (or per line of a string)
            items = value.splitlines() if isinstance(value, str) else list(value)
            return tuple(str(i) for i in items if str(i).strip())
        if name == "token":
            if isinstance(value, Secret):
                return value
            return None if value in (None, "") else Secret(str(value))
        return None if value is None else str(value)
    except ConfigError:
        raise
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {name} has an invalid value {value!r}") from None


def _validate(cfg: Config, prefix: str = "--") -> Config:
    unknown = [f for f in cfg.formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown report format {unknown[0]!r}{did_you_mean(unknown[0], FORMATS)}; "
            f"choose from {', '.join(FORMATS)}"
        )
    cfg = _credentials(cfg, prefix)
    for param in cfg.path_params:
        name, eq, val = param.partition("=")
        if not eq or not name.strip() or not val.strip() or "/" in val:
            raise ConfigError(
                f"--path-param {param!r}: expected NAME=VALUE with a value that is one path segment, "
                "e.g. --path-param id=8f1c..."
            )
    for known in cfg.values:
        if "=" not in known or not known.split("=", 1)[0].strip():
            raise ConfigError(
                f"--value {known[:60]!r}: expected NAME=JSON_OR_TEXT, e.g. --value userId=3f0c1a52-..."
            )
    if cfg.target is not None and cfg.app is not None:
        raise ConfigError(
            f"{prefix}app and {prefix}target both name the target (set on the command line, in "
            "[tool.conformance] or CONFORMANCE_*); give one of them"
        )
    if cfg.target is not None:
        parts = urlsplit(cfg.target)
        shown = shown_url(cfg.target)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ConfigError(
                f"target {shown!r} is not an http(s) base URL; expected e.g. http://127.0.0.1:8080"
            )
        try:
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            raise ConfigError(f"target {shown!r} has an invalid port") from None
        if parts.query or parts.fragment:
            raise ConfigError(f"target {shown!r}: give a base URL without query or fragment")
        if "@" in parts.netloc:
            raise ConfigError(
                f"target {shown!r} must not carry user:password; give the bearer token separately"
            )
        if cfg.token is None and not cfg.no_auth and not _credential_headers(cfg):
            raise ConfigError(  # a 401 on every check would be a wrong verdict
                f"no token for the target (none given, or empty): set CONFORMANCE_TOKEN (or {prefix}token), "
                f"give the credential as a {prefix}header (Authorization, Cookie, X-Api-Key), "
                f"or pass {prefix}no-auth to run without credentials"
            )
    return cfg


# A --header whose name says it carries a credential (Authorization, Cookie, X-Api-Key,
# Ocp-Apim-Subscription-Key, X-Auth-Token...) stands in for the token.
_CREDENTIAL_NAME = re.compile(r"auth|token|key|cookie|session|secret")


def _credential_headers(cfg: Config) -> list[str]:
    """The `--header` names that carry a credential (by their name, or declared with --secret-header)."""
    declared = {h.strip().lower() for h in cfg.secret_headers}
    names = (h.split(":", 1)[0].strip().lower() for h in cfg.headers)
    return [n for n in names if n in declared or _CREDENTIAL_NAME.search(n)]


def shown_url(url: str) -> str:
    """`url` as an error may quote it: user:password, query values and the fragment masked, since a key is
    often passed there (`?code=...`). Masks from the scheme to the last `@`, which a password may follow."""
    head, sep, rest = url.partition("//")
    if sep and "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    rest, hashed, _ = rest.partition("#")
    path, asked, query = rest.partition("?")
    if asked:
        masked = [k + "=***" if eq else "***" for k, eq, _ in (p.partition("=") for p in query.split("&"))]
        path += "?" + "&".join(masked)
    return head + sep + path + ("#***" if hashed else "")


def _credentials(cfg: Config, prefix: str) -> Config:
    """The token and headers as they will be sent (checked, stripped), and notes saying what changed."""
    notes = list(cfg.notes)
    token = cfg.token
    if token is not None:
        value, stripped = check_token(token.reveal(), how_to_set=f"CONFORMANCE_TOKEN or {prefix}token")
        if stripped and value:
            notes.append("the token had whitespace around it (a trailing newline?), stripped before sending")
        scheme, space, rest = value.partition(" ")
        if space and scheme.lower() == "bearer" and rest.strip():  # a pasted header value, not a token
            value = rest.strip()
            notes.append("the token began with 'Bearer ' (a pasted header value?); the scheme was dropped")
        token = Secret(value) if value else None
    if cfg.no_auth:
        notes.append(f"run without credentials ({prefix}no-auth): checks about authentication are skipped")
        if token is not None:
            notes.append(f"{prefix}no-auth: the token that is set is not sent")
        token = None
    headers = []
    for given in cfg.headers:
        header, stripped = check_header(given, flag=f"{prefix}header")
        if stripped:
            name = header.split(":", 1)[0]
            notes.append(
                f"the value of {prefix}header {name} had a line break or other whitespace around it, stripped"
            )
        headers.append(header)
    return replace(cfg, token=token, headers=tuple(headers), notes=tuple(dict.fromkeys(notes)))


def _pyproject_layer(cwd: Path) -> dict[str, Any]:
    path = cwd / "pyproject.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(read_text(path, limit=MAX_PYPROJECT_BYTES))  # a regular file, bounded
    except InputFileError as exc:
        raise ConfigError(f"{path}: cannot read [tool.conformance]: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read [tool.conformance]: {exc}") from None
    section = data.get("tool", {}).get("conformance", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.conformance] must be a table")
    out: dict[str, Any] = {}
    keys = [k for k in OPTIONS if k != "token"]
    for key, value in section.items():
        if key not in keys:  # the keys are the flags' names, nothing else
            hint = (
                " (put the token in CONFORMANCE_TOKEN, never in a file)"
                if key == "token"
                else did_you_mean(key, keys) or "; the keys are the flags' names, e.g. report-dir"
            )
            raise ConfigError(f"{path}: unknown key {key!r} in [tool.conformance]{hint}")
        out[OPTIONS[key]] = _coerce(OPTIONS[key], value, f"{path} [tool.conformance] {key}")
    return out


def env_name(option: str) -> str:
    """The environment variable of an option: `report-dir` -> CONFORMANCE_REPORT_DIR."""
    return "CONFORMANCE_" + option.upper().replace("-", "_")


def _env_layer(env: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    known = {env_name(option): option for option in OPTIONS}
    for var in sorted(env):
        if not var.startswith("CONFORMANCE_") or var in OTHER_VARIABLES:
            continue
        if var not in known:  # a misspelt variable would be silently ignored: say so instead
            hint = did_you_mean(var, [*known, *OTHER_VARIABLES]) or "; they are CONFORMANCE_ + a flag's name"
            raise ConfigError(f"unknown environment variable {var}{hint}")
        name = OPTIONS[known[var]]
        out[name] = _coerce(name, env[var], f"environment variable {var}")
    return out


def load_config(
    flags: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    flag_prefix: str = "--",
) -> Config:
    """Defaults < pyproject < environment < flags, keyed by `Config` field (a None value is not given)."""
    given = [(name, value, flag_prefix + name.replace("_", "-")) for name, value in (flags or {}).items()]
    return _layered(given, env, cwd, flag_prefix)


def load_options(
    options: Mapping[str, Any],
    *,
    prefix: str = "--",
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Config:
    """`load_config` for an edge: `options` maps option names (the keys of `OPTIONS`) to the values given
    (None = not given); messages name the option as the user typed it, with `prefix`."""
    for name in options:
        if name not in OPTIONS:
            raise ConfigError(f"unknown option {name!r}{did_you_mean(name, OPTIONS)}")
    return _layered(
        [(OPTIONS[name], value, prefix + name) for name, value in options.items()], env, cwd, prefix
    )


def _layered(
    flags: list[tuple[str, Any, str]], env: Mapping[str, str] | None, cwd: Path | None, prefix: str = "--"
) -> Config:
    """The layers under `flags` (field, value, where the user gave it), then the flags, validated."""
    layers: dict[str, Any] = {}
    layers.update(_pyproject_layer(cwd or Path.cwd()))
    layers.update(_env_layer(os.environ if env is None else env))
    for name, value, origin in flags:
        if value is None:
            continue
        if name not in _KEYS:
            raise ConfigError(f"unknown setting {name!r}{did_you_mean(name, _KEYS)}")
        layers[name] = _coerce(name, value, origin)
    return _validate(replace(Config(), **layers), prefix)


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the harness keeps caches: $XDG_CACHE_HOME/graph-conformance, else ~/.cache/graph-conformance."""
    env = os.environ if env is None else env
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "graph-conformance"


def ci_environment(env: Mapping[str, str] | None = None) -> bool:
    """True when running under CI (CI=true), where runs must be reproducible."""
    env = os.environ if env is None else env
    return env.get("CI", "").lower() in {"1", "true", "yes"}

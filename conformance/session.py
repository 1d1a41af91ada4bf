"""What both edges set up around a run: the spec it checks against and the target it checks.

The command line and the pytest plugin call these instead of each writing their own: `load_run_spec`
reads the spec a `Config` names (the packaged seed by default; a doc page is linted too), and
`open_target` gives the target to check, starting the embedded reference implementation when the
`Config` names none. This is the one engine module that imports the reference wing; `runner` stays
the room that runs checks and catches their exceptions.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from conformance.config import Config
from conformance.contract.spec import Spec
from conformance.errors import ConfigError

PACKAGED_SPEC = "outboundSharedUserProfile.openapi.yaml"


def packaged_spec_path() -> Path:
    """The contract shipped with the package, checked when no spec is given."""
    return Path(__file__).resolve().parent / "data" / PACKAGED_SPEC


def load_run_spec(spec: str | None) -> tuple[Spec, str]:
    """The spec at `spec` (a doc page or a derived .openapi.yaml; None = the packaged seed) and the name
    reports give its file. A doc page is linted, so what is wrong with it reaches the reports."""
    from conformance.contract.openapi import load_spec

    path = Path(spec) if spec else packaged_spec_path()
    loaded = load_spec(path)
    if path.suffix.lower() in {".md", ".markdown"} and not loaded.notes:
        from conformance.contract.lint import lint_page

        loaded = dataclasses.replace(loaded, notes=lint_page(path, loaded))
    if loaded.operation.kind is not None:  # the checks test a create; lifecycle checks are a later step
        kinds = ", ".join(f"{op.kind_name} {op.path}" for op in loaded.operations)
        raise ConfigError(
            f"{path}: documents no create operation ({kinds}); the checks start from a create: "
            "derive the resource's create page with these (`conformance derive CREATE.md PAGE... --out DIR`)"
        )
    return loaded, str(path) if spec else f"(packaged) {PACKAGED_SPEC}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """What the checks talk to: a base URL and the bearer token to send (None: send none)."""

    url: str
    token: str | None
    embedded: bool = False  # the reference implementation, started for this run
    app: str | None = None  # "module:attribute (WSGI, werkzeug)": an --app served for this run

    def __repr__(self) -> str:  # no object that holds the token prints it
        token = "None" if self.token is None else "'***'"
        return f"Target(url={self.url!r}, token={token}, embedded={self.embedded}, app={self.app!r})"


class TargetPair(NamedTuple):
    """(base URL, token) as the pytest plugin's `conformance_target` fixture gives it; prints no token."""

    url: str
    token: str | None

    def __repr__(self) -> str:
        return f"TargetPair(url={self.url!r}, token={'None' if self.token is None else repr('***')})"


@contextmanager
def open_target(config: Config, spec: Callable[[], Spec], *, faults: Sequence[str] = ()) -> Iterator[Target]:
    """`config.target`, or the embedded reference implementation, with `faults` switched on, serving
    `spec()` on 127.0.0.1 until the block ends. `spec` is called only to start it. The embedded
    implementation accepts the configured token or, without one, a fresh random one; with `no_auth` it
    asks for no credentials at all."""
    token = config.token_value()
    if config.target:
        if faults:
            raise ConfigError(
                "--fault applies to the embedded reference implementation only; drop --target or --fault"
            )
        yield Target(url=config.target, token=token)
        return
    if config.app:
        if faults:
            raise ConfigError(
                "--fault applies to the embedded reference implementation only; drop --app or --fault"
            )
        with _app_target(config) as target:
            yield target
        return
    from conformance.reference.server import ReferenceServer

    if config.no_auth:  # the reference then serves without credentials, as asked; no token is sent
        token, faults = None, (*faults, "auth-not-required")
    else:
        token = token or secrets.token_urlsafe(24)
    server = ReferenceServer(spec(), faults=faults, token=token)
    server.start()
    try:
        yield Target(url=server.url, token=token, embedded=True)
    finally:
        server.stop()


@contextmanager
def _app_target(config: Config) -> Iterator[Target]:
    """`config.app` served on 127.0.0.1 for the block (see `apphost`). Without a token a fresh random one
    is sent, as to the embedded reference: an app in the same process needs no real credential."""
    from conformance.apphost import IMPORT_S, load_app, serve_app, server_name
    from conformance.target.redaction import Redactor

    assert config.app is not None
    # what the app says when it fails to import or start is its text: the run's secrets are masked in it
    mask = Redactor(config.token_value(), config.secret_headers, config.header_map()).words
    within = config.max_time if config.max_time else IMPORT_S  # importing hangs no run for ever
    try:
        app = load_app(config.app, within=within)
        token = None if config.no_auth else (config.token_value() or secrets.token_urlsafe(24))
        with serve_app(app) as url:
            yield Target(url=url, token=token, app=f"{app.name} ({app.kind}, {server_name(app)})")
    except ConfigError as exc:
        raise ConfigError(mask(str(exc))) from None

"""In-process Python targets: import a WSGI or ASGI application by `module:attribute` and serve it on a
free 127.0.0.1 port for the run, over real HTTP (the checks then mean what they mean against any URL).

A WSGI application (Flask, Django, any `app(environ, start_response)`) is served by werkzeug's threaded
server when werkzeug is installed (it is with Flask: the server `flask run` uses), else by the standard
library's `wsgiref` with a thread per connection. An ASGI application (FastAPI, Starlette, any
`async def app(scope, receive, send)` or object with an async `__call__`) is served by uvicorn, the
optional extra `graph-conformance[asgi]`. The current directory goes first on `sys.path`, as `uvicorn`
and `flask` put it. Every mistake (no colon, an import that fails, a missing attribute, something that
is not an application, an ASGI app without uvicorn, an import that does not return within its bound, an
ASGI lifespan startup that fails, with the app's own exception) is a `ConfigError`: one line, exit 2.

The app lives in the harness's process, so what its module does there is bounded: the import is cut off
after `within` seconds (SIGALRM on the main thread), and `foreign_threads` names the non-daemon threads it
left running, which the command line does not wait for once its reports are written.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import signal
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from conformance.console import escape
from conformance.errors import ConfigError, did_you_mean

ASGI_EXTRA = "pip install 'graph-conformance[asgi]'"
_STARTUP_S = 15.0  # an app's own startup (ASGI lifespan) may take a while; longer is a broken app
_MAX_SHOWN = 300  # characters of an import error's own message shown in the one line
IMPORT_S = 60.0  # the bound of an app's import when no --max-time is given: longer is a hung module
_imported: list[str] = []  # the apps this process imported (their threads are foreign to the harness)


@dataclass(frozen=True, slots=True)
class App:
    """An application the user named: where it came from, the object, and which interface it speaks."""

    name: str  # "module:attribute" as given
    obj: Any
    kind: str  # "WSGI" or "ASGI"


def load_app(name: str, *, flag: str = "--app", within: float | None = IMPORT_S) -> App:
    """Import `name` ("module:attribute", the attribute may be dotted) and say whether it is WSGI or ASGI.
    An import still running after `within` seconds (None: no bound) is stopped: a `ConfigError`."""
    module_name, colon, attribute = name.partition(":")
    module_name, attribute = module_name.strip(), attribute.strip()
    if not colon or not module_name or not attribute:
        raise ConfigError(
            f"{flag} {_shown(name)}: expected MODULE:ATTRIBUTE, e.g. {flag} myservice.main:app "
            "(the module as you would import it, the application object in it)"
        )
    if os.getcwd() not in sys.path and "" not in sys.path:  # as `uvicorn` and `flask run` do
        sys.path.insert(0, os.getcwd())
    _imported.append(name)
    try:
        with _bounded(within):
            module = importlib.import_module(module_name)
    except _ImportTimeout:
        raise ConfigError(
            f"{flag} {_shown(name)}: importing {module_name} did not finish within {within:g} s (does the "
            "module start the service or wait for something at import? move that out of the import, or "
            "give a larger --max-time)"
        ) from None
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise ConfigError(
                f"{flag} {_shown(name)}: no module named {_shown(exc.name)} (run from the folder that holds "
                "it, or install it)"
            ) from None
        raise ConfigError(f"{flag} {_shown(name)}: importing {module_name} failed: {_why(exc)}") from None
    except (Exception, SystemExit) as exc:  # the module's own code failed: say how, in one line
        raise ConfigError(f"{flag} {_shown(name)}: importing {module_name} failed: {_why(exc)}") from None
    obj: Any = module
    for part in attribute.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise ConfigError(
                f"{flag} {_shown(name)}: {module_name} has no attribute {_shown(part)}"
                f"{did_you_mean(part, names)}"
            )
        obj = getattr(obj, part)
    kind = app_kind(obj)
    if kind is None:
        raise ConfigError(
            f"{flag} {_shown(name)} is {_shown(type(obj).__name__)}, not a WSGI application "
            "(app(environ, start_response)) nor an ASGI one (async app(scope, receive, send)); "
            "name the application object, e.g. app = create_app() in the module"
        )
    if kind == "ASGI" and importlib.util.find_spec("uvicorn") is None:
        raise ConfigError(
            f"{flag} {_shown(name)} is an ASGI application; serving it needs uvicorn: {ASGI_EXTRA}"
        )
    return App(name=name, obj=obj, kind=kind)


class _ImportTimeout(BaseException):
    """Raised into an import that ran past its bound (a BaseException: the module's `except Exception`
    does not swallow it)."""


@contextmanager
def _bounded(seconds: float | None) -> Iterator[None]:
    """Raise `_ImportTimeout` in the block after `seconds`, by SIGALRM (it interrupts a sleep or a blocking
    read too). Only the main thread receives signals: elsewhere (an embedding program's thread) and
    without SIGALRM the block is not bounded. The app's own SIGALRM handler and timer are put back."""
    if (
        not seconds
        or seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _ImportTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def foreign_threads(grace: float = 2.0) -> list[str]:
    """The names of the non-daemon threads an imported app started that are still running after `grace`
    seconds (none when no app was imported): the process would wait for them at exit, for ever if they
    loop. A thread finishing its work (a last flush) gets the grace to end. The harness's own threads are
    named conformance-*."""
    if not _imported:
        return []
    deadline = time.monotonic() + grace
    found = []
    for t in threading.enumerate():
        if t.daemon or t is threading.main_thread() or t.name.startswith("conformance-"):
            continue
        t.join(max(deadline - time.monotonic(), 0))
        if t.is_alive():
            found.append(t.name)
    return found


def app_kind(obj: Any) -> str | None:
    """ "ASGI" for a coroutine function (or an object whose `__call__` is one) taking 3 arguments, "WSGI"
    for a callable taking 2, None for anything else (a factory that wants calling first, a value)."""
    if not callable(obj):
        return None
    call = obj if inspect.isfunction(obj) or inspect.ismethod(obj) else type(obj).__call__
    asynchronous = inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(call)
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):  # a builtin without a signature: trust the async test alone
        return "ASGI" if asynchronous else None
    arity = 3 if asynchronous else 2
    try:
        signature.bind(*range(arity))
    except TypeError:
        return None
    return "ASGI" if asynchronous else "WSGI"


def _shown(text: str) -> str:
    return repr(escape(text[:_MAX_SHOWN]))


def _why(exc: BaseException) -> str:
    """The exception as one line: its type and its own message (user text: escaped, cut)."""
    message = str(exc)
    return _why_text(f"{type(exc).__name__}: {message}" if message.strip() else type(exc).__name__)


@contextmanager
def serve_app(app: App) -> Iterator[str]:
    """Serve `app` on a free 127.0.0.1 port from a background thread; yields its base URL, stops after."""
    serve = _serve_asgi if app.kind == "ASGI" else _serve_wsgi
    with serve(app) as url:
        yield url


def server_name(app: App) -> str:
    """Which server `serve_app` uses for `app` (for the run's first line)."""
    if app.kind == "ASGI":
        return "uvicorn"
    try:
        import werkzeug.serving  # noqa: F401 - only whether it is there
    except ImportError:
        return "wsgiref"
    return "werkzeug"


# -- WSGI ------------------------------------------------------------------------------------------


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietWSGIRequestHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the run's own output says what was sent."""


@contextmanager
def _serve_wsgi(app: App) -> Iterator[str]:
    server: Any
    if server_name(app) == "werkzeug":
        from werkzeug.serving import WSGIRequestHandler as WerkzeugHandler
        from werkzeug.serving import make_server

        class _Quiet(WerkzeugHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                """No access log; errors (an app's traceback) are still logged."""

        server = make_server("127.0.0.1", 0, app.obj, threaded=True, request_handler=_Quiet)
    else:
        server = _ThreadingWSGIServer(("127.0.0.1", 0), _QuietWSGIRequestHandler)
        server.set_app(app.obj)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="conformance-app", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- ASGI ------------------------------------------------------------------------------------------


@contextmanager
def _serve_asgi(app: App) -> Iterator[str]:
    try:
        import uvicorn
    except ImportError:
        raise ConfigError(
            f"--app {_shown(app.name)} is an ASGI application; serving it needs uvicorn: {ASGI_EXTRA}"
        ) from None
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # the server's own log is off (an app's 500 is in the reports); what the app logs itself still shows
    lifespan = _LifespanWatch(app.obj)
    config = uvicorn.Config(lifespan, log_level="critical", access_log=False, lifespan="auto")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as exc:  # reported to the caller as the app not starting (one line)
            failure.append(exc)

    thread = threading.Thread(target=run, name="conformance-app", daemon=True)
    thread.start()
    _wait(lambda: server.started or not thread.is_alive(), _STARTUP_S)
    try:
        if not server.started:
            cause = lifespan.cause() or (_why(failure[0]) if failure else None)
            why = f": {cause}" if cause else " (its startup failed or took too long)"
            raise ConfigError(f"--app {_shown(app.name)}: uvicorn did not start the application{why}")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class _LifespanWatch:
    """The app as uvicorn gets it, noting why its lifespan startup failed: the exception it raised, or the
    message of its `lifespan.startup.failed`. uvicorn only logs these (and its log is off here)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.error: BaseException | None = None
        self.message: str | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("type") != "lifespan":
            return await self.app(scope, receive, send)  # type: ignore[no-any-return]

        async def noted(message: Any) -> None:
            if isinstance(message, dict) and message.get("type") == "lifespan.startup.failed":
                self.message = str(message.get("message") or "")
            await send(message)

        try:
            await self.app(scope, receive, noted)
        except BaseException as exc:
            self.error = exc
            raise

    def cause(self) -> str | None:
        """Why the startup failed, in one escaped line: the app's exception, else the last line of the
        message it sent (Starlette sends the whole traceback there)."""
        if self.error is not None and not isinstance(self.error, (KeyboardInterrupt, GeneratorExit)):
            return f"the lifespan startup raised {_why(self.error)}"
        if self.message:
            lines = [line for line in self.message.splitlines() if line.strip()]
            text = lines[-1] if "Traceback (most recent call last)" in self.message else self.message
            return "the lifespan startup failed: " + _why_text(text)
        if self.message is not None:
            return "the lifespan startup failed (the app sent lifespan.startup.failed with no message)"
        return None


def _why_text(text: str) -> str:
    message = " ".join(text.split())
    if len(message) > _MAX_SHOWN:
        message = message[:_MAX_SHOWN] + "..."
    return escape(message)


def _wait(done: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.02)

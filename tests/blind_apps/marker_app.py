"""Legal app that records that it got a request (to prove 'before any request')."""
import os
import flask_apps
_inner = flask_apps.app


def app(environ, start_response):
    p = os.environ.get("MARKER_FILE")
    if p:
        open(p, "a").write(environ.get("PATH_INFO", "") + "\n")
    return _inner(environ, start_response)

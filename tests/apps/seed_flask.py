"""The seed API as a Flask app: `app` is conformant, `buggy_app` answers a create with 200 (CREATE-001)."""

from __future__ import annotations

from flask import Flask, Response, request

from tests.apps.seed_http import AnyTokenService, answer

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(quirks: tuple[str, ...] = ()) -> Flask:
    service = AnyTokenService(quirks)
    flask_app = Flask(__name__)

    @flask_app.route("/", defaults={"path": ""}, methods=METHODS)
    @flask_app.route("/<path:path>", methods=METHODS)
    def everything(path: str) -> Response:
        status, headers, payload = answer(
            service, request.method, request.path, request.headers, request.get_data(), request.host_url
        )
        return Response(payload, status=status, headers=headers)

    return flask_app


app = create_app()
buggy_app = create_app(("ok-200",))

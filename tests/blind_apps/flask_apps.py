from flask import Flask, request, Response
import logic


def make(opts, name):
    app = Flask(name)

    @app.route("/", defaults={"p": ""}, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @app.route("/<path:p>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def any_route(p):
        status, hdrs, body = logic.handle(request.method, request.path, dict(request.headers),
                                          request.get_data(), opts)
        r = Response(body, status=status)
        for k, v in hdrs:
            r.headers[k] = v
        return r
    return app


# legal: upper-case GUIDs, 422 for validation errors, extra annotations, ms-precision date-times in UTC
app = make({"upper_guid": True, "validation_status": 422, "extra_annotations": True, "dt_millis": True,
            "omit_nulls": True}, "legal")
buggy_app = make({"bug_status_200": True}, "buggy")          # 200 for a create
repeat_app = make({"bug_repeat_id": True}, "repeat")          # CREATE-009
noauth_app = make({"bug_no_auth": True}, "noauth")            # AUTH-001
# a Blueprint is not an application
from flask import Blueprint
bp = Blueprint("bp", __name__)

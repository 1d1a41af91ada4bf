"""Hostile apps: echo the token, emit control sequences and workflow commands in what they answer."""
import json, uuid
from flask import Flask, request, Response
import logic

TOKEN_ECHO = Flask("echo")


@TOKEN_ECHO.route("/<path:p>", methods=["GET", "POST", "PUT", "DELETE"])
def echo(p):
    auth = request.headers.get("Authorization", "")
    tok = auth[7:] if auth.startswith("Bearer ") else auth
    evil = ("\x1b]0;PWNED\x07\x1b[2J\r::error title=spoof::fake\n::add-mask::x\n::stop-commands::abc\n"
            "%0A::error::injected%0D " + "\u009b31m" + "\u202e")
    # 200 (a bug) whose body holds the token in several spellings and a lot of control characters
    body = {"@odata.type": logic.ODATA, "id": "not-a-guid\n::error::x", "userId": evil,
            "token": tok, "auth": auth, "pct": tok.replace("-", "%2D"),
            "error": {"code": evil, "message": "token was " + tok}}
    r = Response(json.dumps(body), status=200 if request.method == "POST" else 500)
    r.headers["Content-Type"] = "application/json"
    r.headers["X-Echo-Auth"] = auth
    r.headers["Location"] = "/x\x1b[31m"
    return r

import sys
from flask import Flask
flask_exits = Flask("exits")


@flask_exits.route("/<path:p>", methods=["GET", "POST", "PUT", "DELETE"])
def bye(p):
    sys.exit("app called sys.exit")


async def asgi_exits(scope, receive, send):
    if scope["type"] == "lifespan":
        m = await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    raise SystemExit(7)

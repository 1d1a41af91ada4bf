import time, asyncio
import logic
from flask import Flask, request, Response

# WSGI: stalls forever on every POST with a body mentioning "stall" -> but make it block on ALL POSTs after the 3rd
_count = {"n": 0}
flask_blocks = Flask("blocks")


@flask_blocks.route("/<path:p>", methods=["GET", "POST", "PUT", "DELETE"])
def blocked(p):
    _count["n"] += 1
    if _count["n"] > 3:
        time.sleep(10_000)
    status, hdrs, body = logic.handle(request.method, request.path, dict(request.headers), request.get_data(), {})
    r = Response(body, status=status)
    for k, v in hdrs:
        r.headers[k] = v
    return r


async def asgi_blocks_loop(scope, receive, send):
    """Blocks the event loop itself (a sync sleep in async code) on every request."""
    if scope["type"] == "lifespan":
        while True:
            m = await receive()
            if m["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    time.sleep(10_000)

"""Plain WSGI and ASGI apps, no framework."""
import logic


def _wsgi(opts):
    def app(environ, start_response):
        n = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(n) if n else b""
        headers = {k[5:].replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        path = environ.get("PATH_INFO", "")
        status, hdrs, out = logic.handle(environ["REQUEST_METHOD"], path, headers, body, opts)
        reason = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                  405: "Method Not Allowed", 415: "Unsupported Media Type", 422: "Unprocessable Entity",
                  500: "Internal Server Error"}.get(status, "X")
        start_response("%d %s" % (status, reason), hdrs + [("Content-Length", str(len(out)))])
        return [out]
    return app


class WsgiCallable:
    """A WSGI app that is an instance with __call__, not a function."""
    def __init__(self, opts):
        self.inner = _wsgi(opts)

    def __call__(self, environ, start_response):
        return self.inner(environ, start_response)


wsgi_app = _wsgi({"ensure_ascii": True})
wsgi_obj = WsgiCallable({"dt_padded": True})
wsgi_crash = _wsgi({"bug_crash_non_ascii": True})           # GEN-003, VALID-006


def _asgi(opts, chunked=False):
    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                m = await receive()
                if m["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif m["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            m = await receive()
            body += m.get("body", b"")
            if not m.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        status, hdrs, out = logic.handle(scope["method"], scope["path"], headers, body, opts)
        raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in hdrs]
        if not chunked:
            raw.append((b"content-length", str(len(out)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": raw})
        if chunked:
            # several body messages, no content-length: uvicorn sends chunked transfer coding
            for i in range(0, len(out), 7):
                await send({"type": "http.response.body", "body": out[i:i + 7], "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        else:
            await send({"type": "http.response.body", "body": out})
    return app


asgi_app = _asgi({"upper_guid": True}, chunked=True)
asgi_missing = _asgi({"bug_missing_required": True})          # VALID-001 (and GEN-002)


class AsgiObj:
    async def __call__(self, scope, receive, send):
        return await _ASGI_IN(scope, receive, send)


_ASGI_IN = _asgi({"bug_accept_id": True})                    # CREATE-008
asgi_obj_accept_id = AsgiObj()
not_an_app = 42

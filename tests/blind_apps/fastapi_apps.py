import contextlib
from fastapi import FastAPI, Request
from fastapi.responses import Response
import logic

STATE = {}


def make(opts, use_lifespan=False, lifespan_fails=False):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        if lifespan_fails:
            raise RuntimeError("database unreachable\n::error::injected\x1b[2J")
        STATE["ready"] = True
        yield
        STATE["ready"] = False

    app = FastAPI(lifespan=lifespan if use_lifespan else None)

    @app.api_route("/{p:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def any_route(p: str, request: Request):
        if use_lifespan and not STATE.get("ready"):
            return Response(b'{"error":{"code":"NotReady","message":"startup did not run"}}', 503,
                            media_type="application/json")
        body = await request.body()
        status, hdrs, out = logic.handle(request.method, request.url.path, dict(request.headers), body, opts)
        r = Response(out, status_code=status)
        for k, v in hdrs:
            r.headers[k] = v
        return r
    return app


# legal, and it needs its lifespan startup to have run
app = make({"extra_props": False, "dt_padded": True, "content_type": "application/json; odata.metadata=minimal; charset=utf-8"},
           use_lifespan=True)
buggy_app = make({"bug_id_not_guid": True})                 # CREATE-004 (and schema)
startup_fails = make({}, use_lifespan=True, lifespan_fails=True)

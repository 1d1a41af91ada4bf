"""The seed API as a FastAPI app: `app` is conformant; `buggy_app` crashes (500, from the framework) on a
character outside the Basic Multilingual Plane, which the harness's edge cases send (GEN-003, VALID-006)."""

from __future__ import annotations

from fastapi import FastAPI, Request, Response

from tests.apps.seed_http import AnyTokenService, answer

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def create_app(quirks: tuple[str, ...] = ()) -> FastAPI:
    service = AnyTokenService(quirks)
    api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @api.api_route("/{path:path}", methods=METHODS)
    async def everything(path: str, request: Request) -> Response:
        body = await request.body()
        origin = f"{request.url.scheme}://{request.url.netloc}"
        status, headers, payload = answer(
            service, request.method, request.url.path, request.headers, body, origin
        )
        return Response(payload, status_code=status, headers=headers)

    return api


app = create_app()
buggy_app = create_app(("crash-on-emoji",))

"""Starlette application of the voice bridge: `GET /health` for now; errors are JSON."""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "service": "voice_bridge"})


async def http_error(request: Request, error: HTTPException) -> JSONResponse:
    # Starlette answers in plain text by default; clients of this service all speak JSON.
    return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)


def create_app() -> Starlette:
    return Starlette(
        routes=[Route("/health", health, methods=["GET"])],
        exception_handlers={HTTPException: http_error},
    )

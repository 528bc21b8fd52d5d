"""Small helpers of the console's route handlers: JSON answers, request bodies, the store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from bot.tickets import session_scope

T = TypeVar("T")
#: A route handler: the request (and, behind sign-in, the agent), then the URL's parameters.
Handler = Callable[..., Awaitable[HTTPResponse]]


def json_reply(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> HTTPResponse:
    """A JSON answer, Chinese kept as it is."""
    return response.json(body, status=status, headers=headers, ensure_ascii=False)


def error_reply(code: str, status: int) -> HTTPResponse:
    """``{"error": code}`` with ``status``."""
    return json_reply({"error": code}, status)


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object, or an empty one for anything else."""
    return request.json if isinstance(request.json, dict) else {}


async def in_session(work: Callable[[Session], T]) -> T:
    """Run ``work`` in a transaction, in a thread (the store is synchronous)."""

    def run() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)

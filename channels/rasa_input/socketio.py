"""The website widget's socket.io channel, keeping Rasa's protocol (session_request ->
session_confirm, user_uttered -> bot_uttered) but safe for anonymous visitors:

- conversations live under "web:<session id>", so a visitor can never name a phone call's
  or a text thread's conversation, and the widget's own metadata is never passed on (only
  a signature from our front ends could make it count, and the widget has none);
- origins come from WIDGET_ALLOWED_ORIGINS instead of any site;
- messages are capped in size (socket.io's own buffer too) and rate, per visitor and per
  address, before Rasa sees them; bad events get an `error` event, never a crash;
- session persistence works: Rasa 3.6 forgets to await `enter_room`, so replies to a
  persisted session never arrived.
"""
from __future__ import annotations

import logging
import os
import re
import uuid
from typing import Any, Awaitable, Callable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from channels.rasa_input.replies import TROUBLE
from channels.text_checks import message_problem

log = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
# A typed chat message is short; Rasa's default buffer (1 MB) let one message take Rasa
# past 16 GB of memory.
MAX_PACKET_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 1000
PER_VISITOR = parse("20/minute")
PER_ADDRESS = parse("60/minute")


def sender_for(session_id: str) -> str:
    return f"web:{session_id}"


def allowed_origins(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    listed = [o.strip().rstrip("/") for o in env.get("WIDGET_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    if listed:
        return listed
    port = env.get("DASHBOARD_PORT") or "8080"
    origins = [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    if env.get("PUBLIC_BASE_URL"):
        origins.append(env["PUBLIC_BASE_URL"].rstrip("/"))
    return origins


class CountingOutput(SocketIOOutput):
    """Rasa's socket.io output that remembers whether anything was sent."""

    def __init__(self, sio: AsyncServer, bot_message_evt: str) -> None:
        super().__init__(sio, bot_message_evt)
        self.sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        self.sent += 1
        await super()._send_message(socket_id, response)


class WidgetSocketIOInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("namespace"),
                   credentials.get("socketio_path", "/socket.io"))

    def __init__(self, user_message_evt: str = "user_uttered", bot_message_evt: str = "bot_uttered",
                 namespace: str | None = None, socketio_path: str = "/socket.io",
                 origins: list[str] | None = None) -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.namespace = namespace
        self.socketio_path = socketio_path
        self.origins = origins if origins is not None else allowed_origins()
        # The limiter holds its storage weakly: keep it alive here.
        self.rate_storage = MemoryStorage()
        self.limiter = MovingWindowRateLimiter(self.rate_storage)
        self.sio: AsyncServer | None = None

    def get_output_channel(self) -> SocketIOOutput | None:
        return SocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self.origins,
                          max_http_buffer_size=MAX_PACKET_BYTES)
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request):
            return response.json({"status": "ok"})

        async def refuse(sid: str, message: str) -> None:
            await sio.emit("error", {"error": message}, room=sid, namespace=self.namespace)

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: Any = None) -> bool:
            request = environ.get("sanic.request")
            address = getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "?"
            await sio.save_session(sid, {"address": address, "session_id": None}, namespace=self.namespace)
            return True

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            # Only an id of our own shape is kept; anything else starts a new conversation.
            session_id = asked if isinstance(asked, str) and SESSION_ID.fullmatch(asked) else uuid.uuid4().hex
            state = await sio.get_session(sid, namespace=self.namespace)
            state["session_id"] = session_id
            await sio.save_session(sid, state, namespace=self.namespace)
            await sio.enter_room(sid, sender_for(session_id), namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            state = await sio.get_session(sid, namespace=self.namespace)
            session_id = state.get("session_id")
            if not session_id:
                await refuse(sid, "send session_request first")
                return
            if not isinstance(data, dict) or data.get("session_id") not in (None, session_id):
                await refuse(sid, "a message must be an object for this session")
                return
            text = data.get("message")
            problem = message_problem(text, MAX_MESSAGE_CHARS)
            if problem:
                await refuse(sid, problem)
                return
            if not (self.limiter.hit(PER_VISITOR, "visitor", session_id)
                    and self.limiter.hit(PER_ADDRESS, "address", state.get("address", "?"))):
                await refuse(sid, "too many messages; please wait a minute")
                return
            output = CountingOutput(sio, self.bot_message_evt)
            sender = sender_for(session_id)
            try:
                await on_new_message(UserMessage(text, output, sender, input_channel=self.name(),
                                                 metadata={"channel": "web"}))
            except Exception as exc:  # noqa: BLE001 - the visitor still gets an answer
                log.error("widget message on %s failed in Rasa: %s", sender, type(exc).__name__)
            if not output.sent:
                log.error("no reply to a widget message on %s; sent the trouble sentence", sender)
                await output.send_text_message(sender, TROUBLE)

        return webhook

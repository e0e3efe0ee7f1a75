"""Starlette application of the voice bridge: `GET /health` (readiness), `/health/live`,
`/metrics`, Twilio's `POST /twilio/voice` webhook and `wss /twilio/media` stream, and the
owner's push-to-talk socket `/talk`."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect
from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Connect, VoiceResponse

from voice_bridge import twilio_serializer as wire
from voice_bridge.call_log import database_answers
from voice_bridge.config import Settings, is_loopback
from voice_bridge.drain import Drain, metrics_endpoint, refuse_while_draining
from voice_bridge.pipeline import Call
from voice_bridge.services import Services, load_services
from voice_bridge.stream_trust import StreamsSeen, Verdict, caller_id, check_start, stream_parameters
from voice_bridge.talk import talk_endpoint

log = logging.getLogger("voice_bridge.server")
MAX_WEBHOOK_BYTES = 16 * 1024
HEALTH_DATABASE_SECONDS = 3.0
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")


async def health(request: Request) -> JSONResponse:
    """Ready only while the database answers: a call that cannot be recorded, looked up or
    handed off should go to a healthy bridge; nor while draining, so that no new call comes."""
    if request.app.state.drain.draining:
        return JSONResponse({"status": "draining", "service": "voice_bridge"}, status_code=503)
    services: Services | None = getattr(request.app.state, "services", None)
    url = services.call_log.database_url if services and services.call_log else request.app.state.settings.database_url
    try:
        answers = await asyncio.wait_for(asyncio.to_thread(database_answers, url), HEALTH_DATABASE_SECONDS)
    except asyncio.TimeoutError:
        answers = False
    if not answers:
        return JSONResponse({"status": "unavailable", "service": "voice_bridge", "error": "database unavailable"},
                            status_code=503)
    return JSONResponse({"status": "ok", "service": "voice_bridge"})


async def alive(request: Request) -> JSONResponse:
    """Liveness: the event loop answers. Unlike /health it stays 200 while the database is
    down or the bridge drains, so the orchestrator never restarts a pod in the middle of calls."""
    return JSONResponse({"status": "alive", "service": "voice_bridge", "active_calls": request.app.state.drain.active})


async def http_error(request: Request, error: HTTPException) -> JSONResponse:
    # Starlette answers in plain text by default; clients of this service all speak JSON.
    return JSONResponse({"error": error.detail}, status_code=error.status_code, headers=error.headers)


def _signature_ok(settings: Settings, url: str, params: dict[str, str], signature: str | None) -> bool:
    if not settings.twilio_auth_token or not signature:
        return False
    return RequestValidator(settings.twilio_auth_token).validate(url, params, signature)


async def twilio_voice(request: Request) -> Response:
    """Answers an incoming call by connecting its audio to our media stream."""
    settings: Settings = request.app.state.settings
    if request.app.state.drain.draining:
        # Twilio then tries the number's fallback URL; the load balancer has already
        # stopped sending here, since /health says draining.
        raise HTTPException(503, "this bridge is draining; no new calls")
    body = await request.body()
    if len(body) > MAX_WEBHOOK_BYTES:
        raise HTTPException(413, "request body too large")
    try:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body)))
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "body must be form-encoded") from None
    client = request.client.host if request.client else "?"
    if settings.checks_twilio_signature:
        url = settings.public_base_url.rstrip("/") + "/twilio/voice"
        if not _signature_ok(settings, url, params, request.headers.get("X-Twilio-Signature")):
            log.warning("rejected /twilio/voice from %s: missing or wrong Twilio signature", client)
            raise HTTPException(403, "invalid Twilio signature")
    else:
        refusal = settings.local_mode_refusal or _not_from_this_machine(request)
        if refusal:
            log.warning("rejected /twilio/voice from %s: no TWILIO_AUTH_TOKEN to check Twilio's signature, "
                        "and local mode answers only this machine (%s)", client, refusal)
            raise HTTPException(403, "invalid Twilio signature")
    call_sid = params.get("CallSid", "")
    if not call_sid.startswith("CA") or len(call_sid) > 64:
        raise HTTPException(400, "CallSid missing")
    response, connect = VoiceResponse(), Connect()
    stream = connect.stream(url=settings.media_url)
    parameters = stream_parameters(settings.secret_key, call_sid=call_sid, caller=caller_id(params.get("From", "")))
    for name, value in parameters.items():
        stream.parameter(name=name, value=value)
    response.append(connect)
    return Response(str(response), media_type="application/xml")


def _not_from_this_machine(request: Request) -> str | None:
    """Local mode signs whatever `From` it is sent, so only this machine may ask; a tunnel
    or proxy (ngrok) arrives from loopback too, but names another host or forwards."""
    if not is_loopback(request.client.host if request.client else None):
        return "the request is not from loopback"
    if not is_loopback(request.headers.get("host")):
        return "the Host header is not a loopback address"
    if any(name in request.headers for name in PROXY_HEADERS):
        return "the request came through a proxy"
    return None


def _stream_verdict(websocket: WebSocket, start: wire.Start) -> Verdict:
    settings: Settings = websocket.app.state.settings
    verdict = check_start(settings.secret_key, start, unsigned_allowed=not settings.checks_twilio_signature)
    if verdict.accepted and not websocket.app.state.streams_seen.first_time(start.call_sid, time.monotonic()):
        return Verdict(False, None, "this CallSid already had a stream (a replay)")
    return verdict


async def twilio_media(websocket: WebSocket) -> None:
    """One call's Media Stream; a protocol error closes this stream only. Nothing reaches
    Rasa before the `start` event has shown the stream was answered by /twilio/voice."""
    settings: Settings = websocket.app.state.settings
    if websocket.app.state.drain.draining:
        log.warning("rejected media stream: this bridge is draining")
        await refuse_while_draining(websocket)
        return
    if settings.checks_twilio_signature:
        if not _signature_ok(settings, settings.media_url, {}, websocket.headers.get("x-twilio-signature")):
            log.warning("rejected media stream: missing or wrong Twilio signature")
            await websocket.close(code=1008)
            return
    elif settings.local_mode_refusal:
        log.warning("rejected media stream: no TWILIO_AUTH_TOKEN, and this is not local mode (%s)",
                    settings.local_mode_refusal)
        await websocket.close(code=1008)
        return
    await websocket.accept()
    services: Services = websocket.app.state.services
    call: Call | None = None
    calls: dict[str, Call] = websocket.app.state.calls
    ended: asyncio.Future | None = None
    try:
        while True:
            receive = asyncio.ensure_future(websocket.receive())
            done, _ = await asyncio.wait({receive} | ({ended} if ended else set()),
                                         return_when=asyncio.FIRST_COMPLETED)
            if receive not in done:  # the call ended on our side: hang-up or transfer
                receive.cancel()
                await call.finish()  # recorded before Twilio sees the stream close
                calls.pop(call.call_sid, None)
                call = None
                await websocket.close(code=1000)
                break
            message = receive.result()
            if message["type"] == "websocket.disconnect":
                break
            event = wire.parse(message.get("text") if message.get("text") is not None else message.get("bytes"))
            if isinstance(event, wire.Connected):
                continue
            if isinstance(event, wire.Start):
                if call is not None:
                    raise wire.FrameError("second 'start' on one stream")
                verdict = _stream_verdict(websocket, event)
                if not verdict.accepted:
                    log.warning("closing media stream of call %s: %s", event.call_sid, verdict.reason)
                    await _close(websocket, 1008, "stream not signed for this call")
                    return
                if verdict.caller is None:
                    log.info("call %s: no caller ID (%s)", event.call_sid, verdict.reason)
                call = Call(services, websocket.send_text, event, caller=verdict.caller)
                calls[call.call_sid] = call
                ended = asyncio.ensure_future(call.ended.wait())
                await call.begin()
            elif call is None:
                raise wire.FrameError(f"'{type(event).__name__.lower()}' before 'start'")
            elif isinstance(event, wire.Media):
                await call.on_audio(event.pcm)
            elif isinstance(event, wire.Mark):
                call.on_mark(event.name)
            elif isinstance(event, wire.Dtmf):
                asyncio.get_running_loop().create_task(call.on_dtmf(event.digit))
            elif isinstance(event, wire.Stop):
                break
            elif isinstance(event, wire.Unknown):
                # Ignored rather than fatal: Twilio may add events; we log them to notice.
                log.error("call %s: unknown Media Streams event %r ignored", call.call_sid, event.event)
    except wire.FrameError as error:
        log.error("closing media stream%s: %s", f" of call {call.call_sid}" if call else "", error)
        await _close(websocket, error.close_code, str(error)[:120])
    except WebSocketDisconnect:
        pass
    except Exception:  # noqa: BLE001 - one broken call must not take the others down
        log.exception("media stream failed")
        await _close(websocket, 1011, "internal error")
    finally:
        if ended is not None:
            ended.cancel()
        if call is not None:
            await call.finish()
            calls.pop(call.call_sid, None)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    try:
        await websocket.close(code=code, reason=reason)
    except RuntimeError:
        pass  # the peer has already gone


def _log_trust_mode(settings: Settings) -> None:
    if settings.checks_twilio_signature:
        log.info("phone calls: Twilio signatures checked on /twilio/voice and /twilio/media; "
                 "caller ID only from signed stream parameters")
    elif settings.local_mode_refusal:
        log.error("phone calls REFUSED: TWILIO_AUTH_TOKEN is not set and this is not a local machine (%s); "
                  "set TWILIO_AUTH_TOKEN to answer calls", settings.local_mode_refusal)
    else:
        log.warning("phone calls in local mode (no TWILIO_AUTH_TOKEN): /twilio/voice answers this machine only; "
                    "streams it did not answer are taken without caller ID")


def create_app(settings: Settings | None = None,
               services_factory: Callable[[Settings], Services] | None = None) -> Starlette:
    """`services_factory` loads the models (default: the configured engines); tests share
    one set of loaded models across apps."""
    settings = settings or Settings.from_env()
    drain = Drain()

    @asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.settings = settings
        app.state.calls = app.state.drain.calls  # counted by /metrics and the drain
        app.state.streams_seen = StreamsSeen()
        _log_trust_mode(settings)
        app.state.services = await asyncio.to_thread(services_factory or load_services, settings)
        yield
        if services_factory is None:  # shared services belong to whoever made them
            app.state.services.shutdown()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/health/live", alive, methods=["GET"]),
            Route("/metrics", metrics_endpoint(drain), methods=["GET"]),
            Route("/twilio/voice", twilio_voice, methods=["POST"]),
            WebSocketRoute("/twilio/media", twilio_media),
            WebSocketRoute("/talk", talk_endpoint),
        ],
        exception_handlers={HTTPException: http_error},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.drain = drain
    return app

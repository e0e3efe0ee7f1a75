"""Rolling updates without dropped calls: on SIGTERM the bridge reports itself not ready,
takes no new calls, and exits once its calls have ended or `VOICE_DRAIN_SECONDS` passed;
`/metrics` shows the active calls per pod that the Kubernetes autoscaler scales on."""
from __future__ import annotations

import logging
import signal
import time
from types import FrameType

import uvicorn
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket

log = logging.getLogger("voice_bridge.drain")


class Drain:
    """The bridge's sessions (phone calls by CallSid, push-to-talk sockets) and whether it
    is draining; kept on `app.state.drain`, read by the routes, the server and /metrics."""

    def __init__(self) -> None:
        self.started_at: float | None = None
        self.talk_sessions: set[object] = set()
        self.calls: dict[str, object] = {}

    @property
    def draining(self) -> bool:
        return self.started_at is not None

    @property
    def active(self) -> int:
        """What occupies the pod's speech models: phone calls and push-to-talk sockets."""
        return len(self.calls) + len(self.talk_sessions)

    def begin(self) -> None:
        if self.started_at is None:
            self.started_at = time.monotonic()
            log.warning("draining: no new calls; waiting for %d active call(s) to end", self.active)


class BridgeMetrics:
    """Read at scrape time from the Drain, so a count can never drift from the truth."""

    def __init__(self, drain: Drain) -> None:
        self.drain = drain

    def collect(self):
        yield GaugeMetricFamily("voice_bridge_active_calls",
                                "Phone calls and push-to-talk sessions in progress on this pod.",
                                value=self.drain.active)
        yield GaugeMetricFamily("voice_bridge_active_phone_calls", "Phone calls in progress on this pod.",
                                value=len(self.drain.calls))
        yield GaugeMetricFamily("voice_bridge_draining", "1 after SIGTERM: no new calls are taken.",
                                value=1 if self.drain.draining else 0)


def metrics_endpoint(drain: Drain):
    registry = CollectorRegistry(auto_describe=True)
    registry.register(BridgeMetrics(drain))

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


async def refuse_while_draining(websocket: WebSocket) -> None:
    """HTTP 503 to the handshake: the client can tell "busy, try elsewhere" from a refusal."""
    await websocket.send_denial_response(
        JSONResponse({"error": "this bridge is draining; no new calls"}, status_code=503))


class DrainingServer(uvicorn.Server):
    """uvicorn closes every WebSocket at once on SIGTERM, which would hang up on callers.
    Here the first SIGTERM starts the drain instead; the server stops when no call is left
    or `drain_seconds` have passed. SIGINT, or a second SIGTERM, stops at once as before."""

    def __init__(self, config: uvicorn.Config, drain: Drain, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain, self.drain_seconds = drain, drain_seconds

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if sig == signal.SIGTERM and not self.drain.draining and not self.should_exit:
            self.drain.begin()
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.drain.draining and not self.should_exit:
            waited = time.monotonic() - self.drain.started_at
            if self.drain.active == 0:
                log.info("drained: every call has ended after %.1f s", waited)
                self.should_exit = True
            elif waited >= self.drain_seconds:
                log.error("drain deadline (%.0f s) passed with %d call(s) still active; stopping",
                          self.drain_seconds, self.drain.active)
                self.should_exit = True
        return await super().on_tick(counter)

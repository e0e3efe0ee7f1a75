"""Run the voice bridge with uvicorn: `python -m voice_bridge` (VOICE_BRIDGE_HOST, VOICE_BRIDGE_PORT);
SIGTERM drains it (voice_bridge/drain.py)."""
from __future__ import annotations

import uvicorn

from voice_bridge.config import Settings
from voice_bridge.drain import DrainingServer
from voice_bridge.server import create_app


def main() -> None:
    settings = Settings.from_env()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # rasa-sdk pins websockets 10, which lacks the API of uvicorn's default ("sansio")
        # protocol and makes ws="auto" fail at start-up; the older implementation works with it.
        ws="websockets",
    )
    DrainingServer(config, app.state.drain, settings.drain_seconds).run()


if __name__ == "__main__":
    main()

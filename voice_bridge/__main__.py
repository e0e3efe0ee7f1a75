"""Run the voice bridge with uvicorn: `python -m voice_bridge` (VOICE_BRIDGE_HOST, VOICE_BRIDGE_PORT)."""
from __future__ import annotations

import uvicorn

from voice_bridge.config import Settings


def main() -> None:
    settings = Settings.from_env()
    uvicorn.run(
        "voice_bridge.server:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        # rasa-sdk pins websockets 10, which lacks the API of uvicorn's default ("sansio")
        # protocol and makes ws="auto" fail at start-up; the older implementation works with it.
        ws="websockets",
    )


if __name__ == "__main__":
    main()
